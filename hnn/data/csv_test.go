package data

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/system"
)

func TestHeader(t *testing.T) {
	for d, want := range map[int]string{
		1: "trajectory,t,q1,p1",
		2: "trajectory,t,q1,q2,p1,p2",
		3: "trajectory,t,q1,q2,q3,p1,p2,p3",
	} {
		if got := Header(d); got != want {
			t.Errorf("Header(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		sys   system.System
		n, s  int
		dt    float64
		noise float64
	}{
		{system.DoubleWell{}, 3, 5, 0.01, 0.01},
		{system.HenonHeiles{}, 2, 4, 0.05, 0},
		{system.DoublePendulum{}, 3, 6, 0.1, 0.02},
		{system.Pendulum{}, 1, 1, 0.1, 0.3},
		{system.CoupledOscillator{Alpha: 0.5}, 4, 30, 0.003, 1e-3},
	} {
		orig, err := Generate(tc.sys, GenerateConfig{Trajectories: tc.n, Steps: tc.s, Dt: tc.dt, Noise: tc.noise, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := orig.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if lines[0] != Header(tc.sys.Dim()) {
			t.Errorf("%s: header %q", tc.sys.Name(), lines[0])
		}
		if want := 1 + tc.n*(tc.s+1); len(lines) != want {
			t.Errorf("%s: %d lines, want %d", tc.sys.Name(), len(lines), want)
		}
		back, err := ReadCSV(&buf, "x.csv", tc.sys)
		if err != nil {
			t.Fatalf("%s: %v", tc.sys.Name(), err)
		}
		if !reflect.DeepEqual(orig, back) {
			t.Errorf("%s: round trip is not exact", tc.sys.Name())
		}
	}
}

func TestCSVFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "d.csv")
	orig, err := Generate(system.Pendulum{}, GenerateConfig{Trajectories: 2, Steps: 3, Noise: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if err := orig.WriteCSVFile(path); err != nil {
		t.Fatal(err)
	}
	// Overwrite: the rename replaces the file and leaves no temporary behind.
	if err := orig.WriteCSVFile(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only d.csv", len(entries))
	}
	back, err := ReadCSVFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	orig.System = "" // not stored in the file
	if !reflect.DeepEqual(orig, back) {
		t.Error("file round trip is not exact")
	}
	if _, err := ReadCSVFile(filepath.Join(dir, "missing.csv"), nil); err == nil {
		t.Error("no error for a missing file")
	}
	// A failed write leaves the old file intact and no temporary behind.
	bad := &Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{{{0, math.NaN()}, {0, 0}}}}
	if err := bad.WriteCSVFile(path); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("writing NaN: error %v", err)
	}
	entries, _ = os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("after a failed write the directory holds %d entries", len(entries))
	}
	if _, err := ReadCSVFile(path, system.Pendulum{}); err != nil {
		t.Errorf("old file damaged: %v", err)
	}
}

func TestReadCSVAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		sys      system.System
		dt       float64
		n, steps int
	}{
		{"crlf", "trajectory,t,q1,p1\r\n0,0,1,2\r\n0,0.1,3,4\r\n", nil, 0.1, 1, 1},
		{"no-final-newline", "trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4", nil, 0.1, 1, 1},
		{"spaces", "trajectory, t, q1, p1\n0, 0, 1, 2\n0, 0.1 ,3,4\n", nil, 0.1, 1, 1},
		{"bom", "\ufefftrajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n", nil, 0.1, 1, 1},
		{"accumulated-times", "trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n0,0.2,3,4\n0,0.30000000000000004,3,4\n0,0.39999999999999997,3,4\n", nil, 0.1, 1, 4},
		{"two-dof", "trajectory,t,q1,q2,p1,p2\n0,0,1,2,3,4\n0,0.5,1,2,3,4\n1,0,1,2,3,4\n1,0.5,1,2,3,4\n", system.HenonHeiles{}, 0.5, 2, 1},
	} {
		tr, err := ReadCSV(strings.NewReader(tc.in), tc.name, tc.sys)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tr.Dt != tc.dt || tr.N() != tc.n || tr.Steps() != tc.steps {
			t.Errorf("%s: Dt=%v N=%d S=%d, want %v %d %d", tc.name, tr.Dt, tr.N(), tr.Steps(), tc.dt, tc.n, tc.steps)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	const h = "trajectory,t,q1,p1\n"
	for _, tc := range []struct {
		name string
		in   string
		sys  system.System
		want string // the message must contain this, including the line
	}{
		{"empty", "", nil, "f.csv: empty file"},
		{"blank", "\n", nil, "f.csv: empty file"},
		{"blank-header", "\n0,0,1,2\n", nil, "f.csv:1: empty header line"},
		{"header-only", h, nil, "f.csv:1: no data rows"},
		{"bad-header", "traj,t,q1,p1\n0,0,1,2\n", nil, "f.csv:1: bad header"},
		{"bad-header-order", "trajectory,t,p1,q1\n0,0,1,2\n", nil, "f.csv:1: bad header"},
		{"odd-header", "trajectory,t,q1\n0,0,1\n", nil, "f.csv:1: bad header"},
		{"short-header", "trajectory,t\n", nil, "f.csv:1: bad header"},
		{"wrong-dim", h + "0,0,1,2\n0,0.1,1,2\n", system.HenonHeiles{}, "f.csv:1: header has d=1 degrees of freedom but system henon-heiles has d=2"},
		{"ragged-short", h + "0,0,1,2\n0,0.1,1\n", nil, "f.csv:3: 3 columns, want 4"},
		{"ragged-long", h + "0,0,1,2,5\n", nil, "f.csv:2: 5 columns, want 4"},
		{"empty-line", h + "0,0,1,2\n\n0,0.1,1,2\n", nil, "f.csv:3: empty line"},
		{"non-numeric", h + "0,0,1,2\n0,0.1,abc,2\n", nil, "f.csv:3: column 3 (q1): not a number: \"abc\""},
		{"empty-field", h + "0,0,1,\n", nil, "f.csv:2: column 4 (p1): not a number"},
		{"nan", h + "0,0,1,2\n0,0.1,1,NaN\n", nil, "f.csv:3: column 4 (p1): non-finite value \"NaN\""},
		{"inf", h + "0,0,+Inf,2\n", nil, "f.csv:2: column 3 (q1): non-finite value"},
		{"overflow", h + "0,0,1e400,2\n", nil, "f.csv:2: column 3 (q1): value \"1e400\" out of range"},
		{"nan-time", h + "0,0,1,2\n0,nan,1,2\n", nil, "f.csv:3: column 2 (t): non-finite"},
		{"bad-id", h + "x,0,1,2\n", nil, "f.csv:2: column 1 (trajectory): invalid trajectory number \"x\""},
		{"negative-id", h + "-1,0,1,2\n", nil, "f.csv:2: column 1 (trajectory): invalid"},
		{"first-id", h + "1,0,1,2\n1,0.1,1,2\n", nil, "f.csv:2: first trajectory is numbered 1, want 0"},
		{"skipped-id", h + "0,0,1,2\n0,0.1,1,2\n2,0,1,2\n", nil, "f.csv:4: trajectory 2 follows trajectory 0, want 0 or 1"},
		{"interleaved", h + "0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.1,1,2\n0,0.2,1,2\n", nil, "f.csv:6: trajectory 0 follows trajectory 1"},
		{"start-time", h + "0,0.1,1,2\n0,0.2,1,2\n", nil, "f.csv:2: trajectory 0 starts at t=0.1, want 0"},
		{"start-time-second", h + "0,0,1,2\n0,0.1,1,2\n1,0.1,1,2\n", nil, "f.csv:4: trajectory 1 starts at t=0.1, want 0"},
		{"duplicate-time", h + "0,0,1,2\n0,0.1,1,2\n0,0.1,1,2\n", nil, "f.csv:4: duplicated time t=0.1 in trajectory 0"},
		{"duplicate-zero", h + "0,0,1,2\n0,0,1,2\n", nil, "f.csv:3: duplicated time t=0 in trajectory 0"},
		{"decreasing-time", h + "0,0,1,2\n0,0.2,1,2\n0,0.1,1,2\n", nil, "f.csv:4: time t=0.1 after t=0.2 in trajectory 0"},
		{"non-uniform", h + "0,0,1,2\n0,0.1,1,2\n0,0.25,1,2\n", nil, "f.csv:4: non-uniform time step: t=0.25 at step 2 of trajectory 0, want 0.2"},
		{"non-uniform-second", h + "0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.2,1,2\n", nil, "f.csv:5: non-uniform time step: t=0.2 at step 1 of trajectory 1, want 0.1"},
		{"skipped-step", h + "0,0,1,2\n0,0.1,1,2\n0,0.3,1,2\n", nil, "f.csv:4: non-uniform time step"},
		{"shorter", h + "0,0,1,2\n0,0.1,1,2\n0,0.2,1,2\n1,0,1,2\n1,0.1,1,2\n", nil, "f.csv:6: trajectory 1 has 2 states, trajectory 0 has 3"},
		{"longer", h + "0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.1,1,2\n1,0.2,1,2\n2,0,1,2\n2,0.1,1,2\n", nil, "f.csv:6: trajectory 1 has 3 states, trajectory 0 has 2"},
		{"single-state", h + "0,0,1,2\n", nil, "f.csv:2: trajectory 0 has a single state"},
		{"single-state-first", h + "0,0,1,2\n1,0,1,2\n1,0.1,1,2\n", nil, "f.csv:2: trajectory 0 has a single state"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "f.csv", tc.sys)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
}

func TestWriteCSVPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   *Trajectories
		msg  string
	}{
		{"dim", &Trajectories{Dim: 0}, "data: Trajectories.Dim"},
		{"ragged", &Trajectories{Dim: 1, States: [][][]float64{{{0, 0}, {0, 0}}, {{0, 0}}}}, "data: trajectory 1 has 1 states"},
		{"state", &Trajectories{Dim: 1, States: [][][]float64{{{0, 0}, {0}}}}, "data: state 1 of trajectory 0 has length 1"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tc.msg) {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.msg)
				}
			}()
			_ = tc.tr.WriteCSV(new(bytes.Buffer))
		}()
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"))
	f.Add([]byte("trajectory,t,q1,q2,p1,p2\n0,0,1,2,3,4\n0,0.5,1,2,3,4\n1,0,1,2,3,4\n1,0.5,1,2,3,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,NaN,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\r\n0,0,1e-300,-2\r\n0,1e-300,0x1p-3,4\r\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := ReadCSV(bytes.NewReader(in), "fuzz.csv", nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if tr.N() < 1 || tr.Steps() < 1 || !(tr.Dt > 0) {
			t.Fatalf("accepted a dataset with N=%d S=%d Dt=%v", tr.N(), tr.Steps(), tr.Dt)
		}
		var buf bytes.Buffer
		if err := tr.WriteCSV(&buf); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := ReadCSV(&buf, "fuzz.csv", nil)
		if err != nil {
			t.Fatalf("cannot read what was written: %v", err)
		}
		if !reflect.DeepEqual(tr, back) {
			t.Fatal("write/read round trip changed the data")
		}
	})
}

// FuzzReadCSVWithSystem reads fuzzed files against a known system: errors
// name the file, and what is accepted has the system's dimension and name.
//
//	go test -run '^$' -fuzz '^FuzzReadCSVWithSystem$' -fuzztime 5m ./hnn/data
func FuzzReadCSVWithSystem(f *testing.F) {
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"))
	f.Add([]byte("trajectory,t,q1,q2,p1,p2\n0,0,1,2,3,4\n0,0.5,1,2,3,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.2,1,2\n"))
	s := system.Pendulum{}
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := ReadCSV(bytes.NewReader(in), "fuzz.csv", s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if tr.Dim != s.Dim() || tr.System != s.Name() || tr.N() < 1 {
			t.Fatalf("accepted d=%d system %q N=%d for %s", tr.Dim, tr.System, tr.N(), s.Name())
		}
	})
}
