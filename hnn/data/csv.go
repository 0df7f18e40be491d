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

// timeTol is the relative tolerance of the uniform time-step check of ReadCSV.
const timeTol = 1e-9

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

// WriteCSV writes t in the CSV format of the package documentation. It panics
// if the layout of t is inconsistent (ragged trajectories or states) and
// returns an error if a value is not finite or writing fails.
func (t *Trajectories) WriteCSV(w io.Writer) error {
	t.check()
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(Header(t.Dim))
	bw.WriteByte('\n')
	var line []byte
	for i, tr := range t.States {
		for k, y := range tr {
			line = strconv.AppendInt(line[:0], int64(i), 10)
			line = append(line, ',')
			line = strconv.AppendFloat(line, float64(k)*t.Dt, 'g', -1, 64)
			for j, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("data: non-finite value %v in coordinate %d of state %d of trajectory %d", v, j, k, i)
				}
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
// taken from the header and System is "". The time step Dt is the time of the
// second row; every time must equal k·Dt to a relative tolerance of 1e-9.
func ReadCSV(r io.Reader, name string, s system.System) (*Trajectories, error) {
	p := &csvParser{name: name, br: bufio.NewReaderSize(r, 1<<16)}
	tr, err := p.parse(s)
	if err != nil {
		return nil, err
	}
	return tr, nil
}

type csvParser struct {
	name string
	br   *bufio.Reader
	line int
}

// errorf returns an error naming the file and the current line.
func (p *csvParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, p.line, fmt.Sprintf(format, args...))
}

// next returns the next line without its line end, and false at the end of input.
func (p *csvParser) next() (string, bool, error) {
	s, err := p.br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("%s:%d: %w", p.name, p.line+1, err)
	}
	if s == "" && err != nil {
		return "", false, nil
	}
	p.line++
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, true, nil
}

func quote(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strconv.Quote(s)
}

func (p *csvParser) parse(s system.System) (*Trajectories, error) {
	head, ok, err := p.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: empty file", p.name)
	}
	head = strings.TrimPrefix(head, "\ufeff") // tolerate a UTF-8 byte-order mark
	if strings.TrimSpace(head) == "" {
		if _, more, err := p.next(); err == nil && !more {
			return nil, fmt.Errorf("%s: empty file", p.name)
		}
		p.line = 1
		return nil, p.errorf("empty header line, want %s", "trajectory,t,q1,…,qd,p1,…,pd")
	}
	cols := strings.Split(head, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	d := (len(cols) - 2) / 2
	if len(cols) < 4 || len(cols)%2 != 0 || Header(d) != strings.Join(cols, ",") {
		want := "trajectory,t,q1,…,qd,p1,…,pd"
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
	}
	var (
		cur      []([]float64) // states of the current trajectory
		times    []float64
		curID    = -1
		length   = -1 // states per trajectory, from trajectory 0
		lastLine int
	)
	finish := func() error {
		if curID < 0 {
			return nil
		}
		if len(cur) < 2 {
			return fmt.Errorf("%s:%d: trajectory %d has a single state; need at least 2 to define the time step",
				p.name, lastLine, curID)
		}
		if length < 0 {
			length = len(cur)
		} else if len(cur) != length {
			return fmt.Errorf("%s:%d: trajectory %d has %d states, trajectory 0 has %d (all trajectories must have the same length)",
				p.name, lastLine, curID, len(cur), length)
		}
		out.States = append(out.States, cur)
		return nil
	}
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
		fields := strings.Split(line, ",")
		if len(fields) != len(cols) {
			return nil, p.errorf("%d columns, want %d (%s)", len(fields), len(cols), Header(d))
		}
		id, err := strconv.Atoi(strings.TrimSpace(fields[0]))
		if err != nil || id < 0 {
			return nil, p.errorf("column 1 (trajectory): invalid trajectory number %s", quote(fields[0]))
		}
		t, err := p.number(fields[1], 2, "t")
		if err != nil {
			return nil, err
		}
		if id != curID {
			if id != curID+1 {
				if curID < 0 {
					return nil, p.errorf("first trajectory is numbered %d, want 0", id)
				}
				return nil, p.errorf("trajectory %d follows trajectory %d, want %d or %d (trajectories are numbered 0, 1, … in contiguous blocks)",
					id, curID, curID, curID+1)
			}
			if err := finish(); err != nil {
				return nil, err
			}
			curID, cur, times = id, nil, times[:0]
			if t != 0 {
				return nil, p.errorf("trajectory %d starts at t=%v, want 0", id, t)
			}
		} else {
			k := len(times)
			prev := times[k-1]
			switch {
			case t == prev:
				return nil, p.errorf("duplicated time t=%v in trajectory %d", t, id)
			case t < prev:
				return nil, p.errorf("time t=%v after t=%v in trajectory %d (times must increase)", t, prev, id)
			}
			if out.Dt == 0 {
				out.Dt = t
			}
			if want := float64(k) * out.Dt; math.Abs(t-want) > timeTol*want {
				return nil, p.errorf("non-uniform time step: t=%v at step %d of trajectory %d, want %v (dt=%v)", t, k, id, want, out.Dt)
			}
		}
		times = append(times, t)
		y := make([]float64, 2*d)
		for j := range y {
			v, err := p.number(fields[2+j], 3+j, cols[2+j])
			if err != nil {
				return nil, err
			}
			y[j] = v
		}
		cur = append(cur, y)
		lastLine = p.line
	}
	if curID < 0 {
		return nil, fmt.Errorf("%s:%d: no data rows after the header", p.name, p.line)
	}
	if err := finish(); err != nil {
		return nil, err
	}
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
