package data

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// MaxLineBytes bounds the length of a line of a CSV file, line end excluded.
const MaxLineBytes = 1 << 20

// maxReadValues is the limit of ReadCSV on the number of values, MaxValues
// (a variable so that the tests can lower it).
var maxReadValues = MaxValues

// metaTag is the word that marks the provenance comment line of a CSV file,
// "# hnnlab-data {JSON}".
const metaTag = "hnnlab-data"

// headerForm is the header in words, for messages.
const headerForm = "trajectory,t,q1,…,qd,p1,…,pd"

// Header returns the CSV header for d degrees of freedom,
// "trajectory,t,q1,…,qd,p1,…,pd".
func Header(d int) string {
	var b strings.Builder
	b.WriteString("trajectory,t")
	for _, c := range []string{"q", "p"} {
		for i := 1; i <= d; i++ {
			fmt.Fprintf(&b, ",%s%d", c, i)
		}
	}
	return b.String()
}

// coordName returns the header name of coordinate j of a state of d degrees
// of freedom ("q1", …, "pd").
func coordName(j, d int) string {
	if j < d {
		return "q" + strconv.Itoa(j+1)
	}
	return "p" + strconv.Itoa(j-d+1)
}

// checkWritable returns an error unless t can be written to a file and read
// back exactly: a positive finite Dt, at least two states per trajectory,
// finite states and start times, and times that float64 resolves at the
// time step. It panics if the layout of t is inconsistent (see check).
func (t *Trajectories) checkWritable() error {
	t.check()
	if !(t.Dt > 0) || math.IsInf(t.Dt, 0) {
		return fmt.Errorf("data: Dt = %v, want positive and finite", t.Dt)
	}
	for i, tr := range t.States {
		if len(tr) < 2 {
			return fmt.Errorf("data: trajectory %d has %d state(s); a file needs at least 2 per trajectory", i, len(tr))
		}
		t0 := t.Start(i)
		if math.IsNaN(t0) || math.IsInf(t0, 0) {
			return fmt.Errorf("data: non-finite start time T0[%d] = %v", i, t0)
		}
		if end := t.Time(i, len(tr)-1); resolution(end, t0) >= t.Dt/4 || math.IsInf(end, 0) {
			return fmt.Errorf("data: times %v…%v of trajectory %d cannot resolve the time step Dt=%v in float64", t0, end, i, t.Dt)
		}
		for k, y := range tr {
			for j, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("data: non-finite value %v in coordinate %d of state %d of trajectory %d", v, j, k, i)
				}
			}
		}
	}
	return nil
}

// needsDt reports whether a reader that takes the time step from the first
// two times of the file (the first trajectory's) would not get Dt exactly.
func (t *Trajectories) needsDt() bool {
	if len(t.States) == 0 {
		return false
	}
	t0 := t.Start(0)
	return t.Time(0, 1)-t0 != t.Dt
}

// WriteCSV writes t in the CSV format of the package documentation: the
// provenance line "# hnnlab-data {JSON}" if Meta is set (or if the time step
// cannot be read back exactly from the first two times; see the package
// documentation), the header, and one row per observed state at time
// T0[i] + k·Dt, trajectories numbered 0…N−1. It panics if the layout of t is
// inconsistent (states of the wrong length, T0 of the wrong length) and
// returns an error if a value is not finite, a trajectory has fewer than two
// states, Meta is invalid or writing fails.
func (t *Trajectories) WriteCSV(w io.Writer) error {
	if err := t.checkWritable(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if meta, withDt := t.Meta, t.needsDt(); meta != nil || withDt {
		if meta == nil {
			meta = &Meta{Format: FormatVersion}
		}
		js, err := encodeMeta(meta, t.Dt, withDt)
		if err != nil {
			return err
		}
		if len(js)+len(metaTag)+3 > MaxLineBytes {
			return fmt.Errorf("data: Meta has %d bytes of JSON, more than a CSV line holds (%d)", len(js), MaxLineBytes)
		}
		bw.WriteString("# " + metaTag + " ")
		bw.Write(js)
		bw.WriteByte('\n')
	}
	bw.WriteString(Header(t.Dim))
	bw.WriteByte('\n')
	var line []byte
	for i, tr := range t.States {
		for k, y := range tr {
			line = strconv.AppendInt(line[:0], int64(i), 10)
			line = append(line, ',')
			line = strconv.AppendFloat(line, t.Time(i, k), 'g', -1, 64)
			for _, v := range y {
				line = append(line, ',')
				line = strconv.AppendFloat(line, v, 'g', -1, 64)
			}
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// WriteCSVFile writes t to the file path atomically (a synced temporary file
// renamed into place, so that path never holds a partial file; a device such
// as /dev/stdout is written to directly). Missing parent directories are
// created.
func (t *Trajectories) WriteCSVFile(path string) error {
	return atomicfile.Write(path, t.WriteCSV)
}

// ReadCSVFile reads the CSV file at path; see ReadCSV.
func ReadCSVFile(path string, s system.System) (*Trajectories, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path, s)
}

// ReadCSV reads trajectories in the CSV format of the package documentation.
// name is the file name used in error messages, which have the form
// "name:line: problem". If s is non-nil the header must have s.Dim() degrees
// of freedom and the result's System is s.Name(); if s is nil the dimension is
// taken from the header and System is the provenance record's system ("" if
// none).
//
// The time step Dt is the provenance record's dt if it has one, otherwise the
// first time step of the file. Within a trajectory every time must be
// T0 + k·Dt (relative tolerance 1e-9 of k·Dt); a jump of a whole number m > 1
// of steps is a gap, where the trajectory is split into segments, each a
// trajectory of the result with its own start time. Segments of a single
// state are dropped. Meta counts the gaps and drops (and is nil for a file
// without provenance line, gaps or drops).
func ReadCSV(r io.Reader, name string, s system.System) (*Trajectories, error) {
	p := &csvParser{name: name, sc: bufio.NewScanner(r)}
	p.sc.Buffer(make([]byte, 0, 1<<16), MaxLineBytes+2) // line + CRLF
	return p.parse(s)
}

type csvParser struct {
	name string
	sc   *bufio.Scanner
	line int
}

// errorf returns an error naming the file and the current line.
func (p *csvParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, p.line, fmt.Sprintf(format, args...))
}

// next returns the next line without its line end, and false at the end of input.
func (p *csvParser) next() (string, bool, error) {
	if !p.sc.Scan() {
		err := p.sc.Err()
		if errors.Is(err, bufio.ErrTooLong) {
			return "", false, fmt.Errorf("%s:%d: line longer than %d bytes", p.name, p.line+1, MaxLineBytes)
		}
		if err != nil {
			return "", false, fmt.Errorf("%s:%d: %w", p.name, p.line+1, err)
		}
		return "", false, nil
	}
	p.line++
	s := strings.TrimSuffix(p.sc.Text(), "\r")
	if len(s) > MaxLineBytes {
		return "", false, p.errorf("line longer than %d bytes", MaxLineBytes)
	}
	return s, true, nil
}

func quote(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strconv.Quote(s)
}

// comment reports whether line is a comment ('#' after optional spaces) and
// returns its text after the '#'.
func comment(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "#")
	return rest, ok
}

// metaJSON returns the JSON of a provenance comment "hnnlab-data {JSON}" and
// whether the comment is one.
func metaJSON(text string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(text, " \t"), metaTag)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (p *csvParser) parse(s system.System) (*Trajectories, error) {
	var (
		meta     *Meta
		metaLine int
		head     string
	)
	for {
		line, ok, err := p.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			if p.line == 0 {
				return nil, fmt.Errorf("%s: empty file", p.name)
			}
			return nil, fmt.Errorf("%s:%d: no header line (%s) after the comments", p.name, p.line, headerForm)
		}
		if p.line == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // tolerate a UTF-8 byte-order mark
		}
		text, isComment := comment(line)
		if !isComment {
			head = line
			break
		}
		js, isMeta := metaJSON(text)
		if !isMeta {
			continue
		}
		if metaLine > 0 {
			return nil, p.errorf("second %s line (the first is line %d)", metaTag, metaLine)
		}
		metaLine = p.line
		if js == "" {
			return nil, p.errorf("%s line without its JSON record, want # %s {\"format\":%d,…}", metaTag, metaTag, FormatVersion)
		}
		if meta, err = parseMeta([]byte(js)); err != nil {
			return nil, p.errorf("%s line: %v", metaTag, err)
		}
	}
	headLine := p.line
	if strings.TrimSpace(head) == "" {
		if _, more, err := p.next(); err == nil && !more && headLine == 1 {
			return nil, fmt.Errorf("%s: empty file", p.name)
		}
		p.line = headLine
		return nil, p.errorf("empty header line, want %s", headerForm)
	}
	cols := strings.Split(head, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	d := (len(cols) - 2) / 2
	if len(cols) < 4 || len(cols)%2 != 0 || Header(d) != strings.Join(cols, ",") {
		want := headerForm
		if s != nil {
			want = Header(s.Dim())
		}
		return nil, p.errorf("bad header %s, want %s", quote(head), want)
	}
	if s != nil && d != s.Dim() {
		return nil, p.errorf("header has d=%d degrees of freedom but system %s has d=%d (want header %s)",
			d, s.Name(), s.Dim(), Header(s.Dim()))
	}
	out := &Trajectories{Dim: d}
	if s != nil {
		out.System = s.Name()
	} else if meta != nil {
		out.System = meta.System
	}
	tl := &timeline{}
	if meta != nil && meta.Dt > 0 {
		tl.dt, tl.dtNote = meta.Dt, fmt.Sprintf(" from the %s line %d", metaTag, metaLine)
	}
	type span struct{ first, last int }
	var (
		seen   = make(map[int]span) // lines of each trajectory id
		curID  = -1
		values = 0
	)
	for {
		line, ok, err := p.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			return nil, p.errorf("empty line")
		}
		if _, isComment := comment(line); isComment {
			return nil, p.errorf("comment line after the header (comments may only precede the header, line %d)", headLine)
		}
		fields := strings.Split(line, ",")
		if len(fields) != len(cols) {
			return nil, p.errorf("%d columns, want %d (%s)", len(fields), len(cols), Header(d))
		}
		id, err := strconv.Atoi(strings.TrimSpace(fields[0]))
		if err != nil || id < 0 {
			return nil, p.errorf("column 1 (trajectory): invalid trajectory number %s, want an integer ≥ 0", quote(fields[0]))
		}
		t, err := p.number(fields[1], 2, "t")
		if err != nil {
			return nil, err
		}
		if values += 2 * d; values > maxReadValues {
			return nil, fmt.Errorf("%s:%d: %w: more than %d values (MaxValues)", p.name, p.line, ErrTooLarge, maxReadValues)
		}
		y := make([]float64, 2*d)
		for j := range y {
			v, err := p.number(fields[2+j], 3+j, cols[2+j])
			if err != nil {
				return nil, err
			}
			y[j] = v
		}
		if id != curID {
			if sp, dup := seen[id]; dup {
				return nil, p.errorf("trajectory %d follows trajectory %d but already appeared at lines %d–%d (the rows of each trajectory must be contiguous and in time order)",
					id, curID, sp.first, sp.last)
			}
			curID = id
			seen[id] = span{p.line, p.line}
			tl.begin(id, t, y)
			continue
		}
		seen[id] = span{seen[id].first, p.line}
		if err := tl.next(t, y); err != nil {
			return nil, p.errorf("%v", err)
		}
	}
	if curID < 0 {
		return nil, fmt.Errorf("%s:%d: no data rows after the header", p.name, p.line)
	}
	tl.end()
	if len(tl.states) == 0 {
		if tl.dropped == 1 {
			return nil, fmt.Errorf("%s:%d: trajectory %d has a single state; need at least 2 to define the time step", p.name, p.line, curID)
		}
		return nil, fmt.Errorf("%s:%d: all %d trajectories (or segments between gaps) have a single state; need one with at least 2 to define the time step",
			p.name, p.line, tl.dropped)
	}
	out.Dt, out.States, out.T0 = tl.dt, tl.states, tl.starts()
	out.Meta = tl.record(meta)
	return out, nil
}

// number parses a finite float in column col (1-based) named colName.
func (p *csvParser) number(field string, col int, colName string) (float64, error) {
	f := strings.TrimSpace(field)
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, p.errorf("column %d (%s): value %s out of range", col, colName, quote(field))
		}
		return 0, p.errorf("column %d (%s): not a number: %s", col, colName, quote(field))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, p.errorf("column %d (%s): non-finite value %s", col, colName, quote(field))
	}
	return v, nil
}
