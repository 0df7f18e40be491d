package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The .npy header: read and validated here before GoMLX decodes an array
// (GoMLX accepts more than is safe).

// maxNpyHeader bounds the text header of a .npy array (NumPy writes well
// under 1 KiB; GoMLX reads at most 65535 bytes).
const maxNpyHeader = 0xFFFF

// npyHeader is the validated header of a .npy array.
type npyHeader struct {
	raw     []byte // the header bytes as read: magic, version, length, text
	descr   string // NumPy dtype string, e.g. "<f8"; "" for a structured dtype
	fortran bool   // fortran_order
	shape   []int
}

// size returns the number of elements of h's shape.
func (h *npyHeader) size() float64 {
	n := 1.0
	for _, d := range h.shape {
		n *= float64(d)
	}
	return n
}

// shapeString returns the shape as NumPy prints it, e.g. "(3, 4)" or "(5,)".
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// dtypeName describes a NumPy dtype string in words, e.g. "float64 (<f8)" or
// "big-endian float64 (>f8)".
func dtypeName(descr string) string {
	if descr == "" {
		return "a structured dtype"
	}
	order, kind := "", descr
	switch descr[0] {
	case '<', '|':
		kind = descr[1:]
	case '>':
		order, kind = "big-endian ", descr[1:]
	case '=':
		order, kind = "native-order ", descr[1:]
	}
	names := map[string]string{
		"f8": "float64", "f4": "float32", "f2": "float16", "c8": "complex64", "c16": "complex128",
		"i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
		"u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "b1": "bool", "O": "object",
	}
	if n, ok := names[kind]; ok {
		return fmt.Sprintf("%s%s (%s)", order, n, descr)
	}
	switch {
	case strings.HasPrefix(kind, "U"):
		return fmt.Sprintf("a unicode string dtype (%s)", descr)
	case strings.HasPrefix(kind, "S"):
		return fmt.Sprintf("a byte string dtype (%s)", descr)
	}
	return quote(descr)
}

// readNpyHeader reads and validates the header of a .npy array from r: the
// magic string, the version (1, 2 or 3), and the header dictionary with
// 'descr', 'fortran_order' and 'shape'. It checks the form only; the
// callers check the dtype and shape for the array's role.
func readNpyHeader(r io.Reader) (*npyHeader, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, fmt.Errorf("not a .npy array (%s)", shortErr(err))
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, errors.New("not a .npy array (no \\x93NUMPY magic string)")
	}
	var n int
	raw := pre[:8]
	switch pre[6] {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, fmt.Errorf("truncated .npy header (%s)", shortErr(err))
		}
		raw = pre[:10]
		n = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, fmt.Errorf("truncated .npy header (%s)", shortErr(err))
		}
		raw = append(slices.Clone(pre[:8]), l[:]...)
		n64 := binary.LittleEndian.Uint32(l[:])
		if n64 > maxNpyHeader {
			return nil, fmt.Errorf(".npy header of %d bytes, more than %d", n64, maxNpyHeader)
		}
		n = int(n64)
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d, want 1.0, 2.0 or 3.0", pre[6], pre[7])
	}
	text := make([]byte, n)
	if _, err := io.ReadFull(r, text); err != nil {
		return nil, fmt.Errorf("truncated .npy header (%s)", shortErr(err))
	}
	h := &npyHeader{raw: append(slices.Clip(raw), text...)}
	if err := parseNpyDict(string(text), h); err != nil {
		return nil, fmt.Errorf("bad .npy header %s: %v", quote(strings.TrimSpace(string(text))), err)
	}
	return h, nil
}

// shortErr words an I/O error of a short read.
func shortErr(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "file too short"
	}
	return err.Error()
}

// parseNpyDict parses the Python dictionary literal of a .npy header, e.g.
// "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }".
func parseNpyDict(s string, h *npyHeader) error {
	p := &pyLexer{s: s}
	if !p.eat('{') {
		return errors.New("want a dictionary {…}")
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok {
			return errors.New("want a quoted key")
		}
		if !p.eat(':') {
			return fmt.Errorf("want ':' after key %q", key)
		}
		if seen[key] {
			return fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if v, ok := p.str(); ok {
				h.descr = v
			} else if p.skipValue() {
				h.descr = "" // a structured dtype: a list of fields
			} else {
				return errors.New("bad 'descr' value")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
				h.fortran = false
			default:
				return errors.New("'fortran_order' must be True or False")
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return fmt.Errorf("'shape': %v", err)
			}
			h.shape = shape
		default:
			return fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return errors.New("want ',' or '}'")
			}
			break
		}
	}
	p.space()
	if p.i != len(p.s) {
		return errors.New("text after the dictionary")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

// pyLexer scans the Python literals of a .npy header.
type pyLexer struct {
	s string
	i int
}

func (p *pyLexer) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLexer) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLexer) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str scans a quoted string without escapes.
func (p *pyLexer) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", false
	}
	p.i += end + 2
	return v, true
}

// tuple scans a tuple of non-negative integers, e.g. "(3, 4)", "(5,)" or "()".
func (p *pyLexer) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple (…)")
	}
	shape := []int{}
	for !p.eat(')') {
		p.space()
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		d, err := strconv.Atoi(p.s[j:p.i])
		if err != nil || d < 0 {
			return nil, errors.New("want non-negative integers")
		}
		shape = append(shape, d)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("want ',' or ')'")
			}
			break
		}
	}
	return shape, nil
}

// skipValue skips a bracketed value ([…] or (…), nested, with strings).
func (p *pyLexer) skipValue() bool {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return false
	}
	depth := 0
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		case '\'', '"':
			if _, ok := p.str(); !ok {
				return false
			}
			continue
		}
		p.i++
	}
	return false
}

// arrayRole says which dtypes an array of a data file may have.
type arrayRole struct {
	name   string   // array name, e.g. "states"
	descrs []string // accepted dtype strings
	want   string   // the accepted dtypes in words
}

var (
	statesRole = arrayRole{"states", []string{"<f8", "<f4"}, "float64 or float32, little-endian (<f8 or <f4)"}
	timeRole   = arrayRole{"t", []string{"<f8", "<f4", "<i8", "<i4"}, "float64, float32, int64 or int32, little-endian (<f8, <f4, <i8 or <i4)"}
	dtRole     = arrayRole{"dt", timeRole.descrs, timeRole.want}
	metaRole   = arrayRole{"meta", []string{"|u1", "<u1"}, "uint8 (|u1): the JSON record's bytes, np.frombuffer(json.dumps(meta).encode(), np.uint8)"}
)
