package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
		// Generate sets Meta: the provenance line comes first, then the header.
		js, ok := strings.CutPrefix(lines[0], "# hnnlab-data ")
		if !ok {
			t.Fatalf("%s: first line %q, want the provenance line", tc.sys.Name(), lines[0])
		}
		var m Meta
		if err := json.Unmarshal([]byte(js), &m); err != nil || !reflect.DeepEqual(&m, orig.Meta) {
			t.Errorf("%s: provenance %s (%v), want %+v", tc.sys.Name(), js, err, orig.Meta)
		}
		if lines[1] != Header(tc.sys.Dim()) {
			t.Errorf("%s: header %q", tc.sys.Name(), lines[1])
		}
		if want := 2 + tc.n*(tc.s+1); len(lines) != want {
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
	if !reflect.DeepEqual(orig, back) { // the system's name comes back from Meta
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
	const h = "trajectory,t,q1,p1\n"
	for _, tc := range []struct {
		name, in string
		sys      system.System
		dt       float64
		lengths  []int     // states per trajectory
		t0       []float64 // nil: all start at 0
		meta     *Meta
	}{
		{"crlf", "trajectory,t,q1,p1\r\n0,0,1,2\r\n0,0.1,3,4\r\n", nil, 0.1, []int{2}, nil, nil},
		{"no-final-newline", "trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4", nil, 0.1, []int{2}, nil, nil},
		{"spaces", "trajectory, t, q1, p1\n0, 0, 1, 2\n0, 0.1 ,3,4\n", nil, 0.1, []int{2}, nil, nil},
		{"bom", "\ufefftrajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil, nil},
		{"accumulated-times", h + "0,0,1,2\n0,0.1,3,4\n0,0.2,3,4\n0,0.30000000000000004,3,4\n0,0.39999999999999997,3,4\n", nil, 0.1, []int{5}, nil, nil},
		{"two-dof", "trajectory,t,q1,q2,p1,p2\n0,0,1,2,3,4\n0,0.5,1,2,3,4\n1,0,1,2,3,4\n1,0.5,1,2,3,4\n", system.HenonHeiles{}, 0.5, []int{2, 2}, nil, nil},
		// Comments and the provenance line precede the header.
		{"comments", "# recorded 2024-05-01\n  # lab B\n" + h + "0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil, nil},
		{"bom-comment", "\ufeff# x\n" + h + "0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil, nil},
		{"meta", "# hnnlab-data {\"format\":1,\"system\":\"pendulum\",\"seed\":3}\n" + h + "0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil,
			&Meta{Format: 1, System: "pendulum", Seed: 3}},
		{"meta-after-comment", "# x\n#hnnlab-data\t{\"format\":0, \"units\": [\"m\", \"m/s\"]}\r\n" + h + "0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil,
			&Meta{Extra: map[string]json.RawMessage{"units": json.RawMessage(`["m","m/s"]`)}}},
		{"not-meta", "# hnnlab-database {\n" + h + "0,0,1,2\n0,0.1,3,4\n", nil, 0.1, []int{2}, nil, nil},
		// The record's dt is the step, exactly: 0.4−0.3 is not 0.1 in float64.
		{"meta-dt", "# hnnlab-data {\"format\":1,\"dt\":0.1}\n" + h + "0,0.3,1,2\n0,0.4,3,4\n0,0.5,3,4\n", nil, 0.1, []int{3}, []float64{0.3},
			&Meta{Format: 1, Dt: 0.1}},
		{"first-step-dt", h + "0,0.3,1,2\n0,0.4,3,4\n", nil, sub(0.4, 0.3), []int{2}, []float64{0.3}, nil},
		// Ids need not start at 0 or be consecutive; lengths and starts may differ.
		{"ids", h + "7,0,1,2\n7,0.1,1,2\n3,0,1,2\n3,0.1,1,2\n3,0.2,1,2\n", nil, 0.1, []int{2, 3}, nil, nil},
		{"ragged", h + "0,0,1,2\n0,0.1,1,2\n0,0.2,1,2\n1,0,1,2\n1,0.1,1,2\n", nil, 0.1, []int{3, 2}, nil, nil},
		{"starts", h + "0,1,1,2\n0,1.5,1,2\n1,-2,1,2\n1,-1.5,1,2\n1,-1,1,2\n", nil, 0.5, []int{2, 3}, []float64{1, -2}, nil},
		{"start-zero-and-late", h + "0,0,1,2\n0,0.1,1,2\n1,0.1,1,2\n1,0.2,1,2\n", nil, 0.1, []int{2, 2}, []float64{0, 0.1}, nil},
		// A jump of m·dt, m > 1, is a gap: the trajectory is split there.
		{"gap", h + "0,0,1,2\n0,1,1,2\n0,2,1,2\n0,5,1,2\n0,6,1,2\n", nil, 1, []int{3, 2}, []float64{0, 5},
			&Meta{Format: 1, Gaps: 1}},
		{"gaps-long-series", h + "4,10,1,2\n4,10.5,1,2\n4,12,1,2\n4,12.5,1,2\n4,13,1,2\n4,20,1,2\n4,20.5,1,2\n", nil, 0.5,
			[]int{2, 3, 2}, []float64{10, 12, 20}, &Meta{Format: 1, Gaps: 2}},
		// Single-state segments are dropped and counted.
		{"skipped-step", h + "0,0,1,2\n0,0.1,1,2\n0,0.3,1,2\n", nil, 0.1, []int{2}, nil, &Meta{Format: 1, Gaps: 1, Dropped: 1}},
		{"single-state-first", h + "0,0,1,2\n1,0,1,2\n1,0.1,1,2\n", nil, 0.1, []int{2}, nil, &Meta{Format: 1, Dropped: 1}},
		{"dropped-both-segments", h + "0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.2,1,2\n", nil, 0.1, []int{2}, nil, &Meta{Format: 1, Gaps: 1, Dropped: 2}},
		{"counts-add-up", "# hnnlab-data {\"format\":1,\"gaps\":2,\"dropped\":5}\n" + h + "0,0,1,2\n0,1,1,2\n0,3,1,2\n0,4,1,2\n", nil, 1,
			[]int{2, 2}, []float64{0, 3}, &Meta{Format: 1, Gaps: 3, Dropped: 5}},
	} {
		tr, err := ReadCSV(strings.NewReader(tc.in), tc.name, tc.sys)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var lengths []int
		for i := range tr.N() {
			lengths = append(lengths, tr.Length(i))
		}
		if tr.Dt != tc.dt || !reflect.DeepEqual(lengths, tc.lengths) || !reflect.DeepEqual(tr.T0, tc.t0) {
			t.Errorf("%s: Dt=%v lengths=%v T0=%v, want %v %v %v", tc.name, tr.Dt, lengths, tr.T0, tc.dt, tc.lengths, tc.t0)
		}
		if !reflect.DeepEqual(tr.Meta, tc.meta) {
			t.Errorf("%s: Meta %+v, want %+v", tc.name, tr.Meta, tc.meta)
		}
		if tr.Steps() != tr.MinSteps() || tr.MinSteps() != slices.Min(lengths)-1 || tr.MaxSteps() != slices.Max(lengths)-1 {
			t.Errorf("%s: Steps=%d MinSteps=%d MaxSteps=%d for lengths %v", tc.name, tr.Steps(), tr.MinSteps(), tr.MaxSteps(), lengths)
		}
		// Negative control of the round trip: what was read writes and reads back the same.
		var buf bytes.Buffer
		if err := tr.WriteCSV(&buf); err != nil {
			t.Errorf("%s: write: %v", tc.name, err)
			continue
		}
		back, err := ReadCSV(&buf, tc.name, tc.sys)
		if err != nil || !reflect.DeepEqual(tr, back) {
			t.Errorf("%s: round trip: %v\n got %+v\nwant %+v", tc.name, err, back, tr)
		}
	}
}

// TestReadCSVSystem: the system's name comes from the caller, else from the
// provenance line, else it is empty.
func TestReadCSVSystem(t *testing.T) {
	const body = "trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"
	withMeta := "# hnnlab-data {\"format\":1,\"system\":\"pendulum\"}\n" + body
	for _, tc := range []struct {
		in   string
		sys  system.System
		want string
	}{
		{withMeta, nil, "pendulum"},
		{withMeta, system.DoubleWell{}, "double-well"}, // the caller's system wins; Meta keeps the file's
		{body, nil, ""},
		{body, system.Pendulum{}, "pendulum"},
	} {
		tr, err := ReadCSV(strings.NewReader(tc.in), "f.csv", tc.sys)
		if err != nil {
			t.Fatal(err)
		}
		if tr.System != tc.want {
			t.Errorf("System %q, want %q", tr.System, tc.want)
		}
		if tr.Meta != nil && tr.Meta.System != "pendulum" {
			t.Errorf("Meta.System %q", tr.Meta.System)
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
		{"blank-after-comment", "# x\n\n" + h, nil, "f.csv:2: empty header line"},
		{"comments-only", "# x\n# y\n", nil, "f.csv:2: no header line"},
		{"header-only", h, nil, "f.csv:1: no data rows"},
		{"bad-header", "traj,t,q1,p1\n0,0,1,2\n", nil, "f.csv:1: bad header"},
		{"bad-header-order", "trajectory,t,p1,q1\n0,0,1,2\n", nil, "f.csv:1: bad header"},
		{"odd-header", "trajectory,t,q1\n0,0,1\n", nil, "f.csv:1: bad header"},
		{"short-header", "trajectory,t\n", nil, "f.csv:1: bad header"},
		{"wrong-dim", h + "0,0,1,2\n0,0.1,1,2\n", system.HenonHeiles{}, "f.csv:1: header has d=1 degrees of freedom but system henon-heiles has d=2"},
		{"ragged-short", h + "0,0,1,2\n0,0.1,1\n", nil, "f.csv:3: 3 columns, want 4"},
		{"ragged-long", h + "0,0,1,2,5\n", nil, "f.csv:2: 5 columns, want 4"},
		{"empty-line", h + "0,0,1,2\n\n0,0.1,1,2\n", nil, "f.csv:3: empty line"},
		{"comment-in-data", h + "0,0,1,2\n# x\n0,0.1,1,2\n", nil, "f.csv:3: comment line after the header"},
		{"non-numeric", h + "0,0,1,2\n0,0.1,abc,2\n", nil, "f.csv:3: column 3 (q1): not a number: \"abc\""},
		{"empty-field", h + "0,0,1,\n", nil, "f.csv:2: column 4 (p1): not a number"},
		{"nan", h + "0,0,1,2\n0,0.1,1,NaN\n", nil, "f.csv:3: column 4 (p1): non-finite value \"NaN\""},
		{"inf", h + "0,0,+Inf,2\n", nil, "f.csv:2: column 3 (q1): non-finite value"},
		{"overflow", h + "0,0,1e400,2\n", nil, "f.csv:2: column 3 (q1): value \"1e400\" out of range"},
		{"nan-time", h + "0,0,1,2\n0,nan,1,2\n", nil, "f.csv:3: column 2 (t): non-finite"},
		{"bad-id", h + "x,0,1,2\n", nil, "f.csv:2: column 1 (trajectory): invalid trajectory number \"x\""},
		{"negative-id", h + "-1,0,1,2\n", nil, "f.csv:2: column 1 (trajectory): invalid"},
		{"interleaved", h + "0,0,1,2\n0,0.1,1,2\n1,0,1,2\n1,0.1,1,2\n0,0.2,1,2\n", nil,
			"f.csv:6: trajectory 0 follows trajectory 1 but already appeared at lines 2–3 (the rows of each trajectory must be contiguous"},
		{"duplicate-time", h + "0,0,1,2\n0,0.1,1,2\n0,0.1,1,2\n", nil, "f.csv:4: duplicated time t=0.1 in trajectory 0"},
		{"duplicate-zero", h + "0,0,1,2\n0,0,1,2\n", nil, "f.csv:3: duplicated time t=0 in trajectory 0"},
		{"decreasing-time", h + "0,0,1,2\n0,0.2,1,2\n0,0.1,1,2\n", nil, "f.csv:4: time t=0.1 after t=0.2 in trajectory 0 (times must increase"},
		{"backwards-after-gap", h + "5,0,1,2\n5,1,1,2\n5,4,1,2\n5,3.5,1,2\n", nil, "f.csv:5: time t=3.5 after t=4 in trajectory 5"},
		{"non-uniform", h + "0,0,1,2\n0,0.1,1,2\n0,0.25,1,2\n", nil, "f.csv:4: non-uniform time step: t=0.25 at step 2 of trajectory 0, want 0.2 (dt=0.1)"},
		{"non-multiple-gap", h + "0,0,1,2\n0,1,1,2\n0,3.5,1,2\n", nil, "f.csv:4: non-uniform time step: t=3.5 at step 2 of trajectory 0, want 2 (dt=1) or, after a gap, a whole number of steps later"},
		{"short-step", h + "0,0,1,2\n0,1,1,2\n0,1.4,1,2\n", nil, "f.csv:4: non-uniform time step: t=1.4 at step 2"},
		{"non-uniform-later", h + "0,0,1,2\n0,0.1,1,2\n9,3,1,2\n9,3.1000001,1,2\n", nil, "f.csv:5: non-uniform time step: t=3.1000001 at step 1 of trajectory 9, want 3.1"},
		{"meta-dt-conflict", "# hnnlab-data {\"format\":1,\"dt\":0.2}\n" + h + "0,0,1,2\n0,0.1,1,2\n", nil,
			"f.csv:4: non-uniform time step: t=0.1 at step 1 of trajectory 0, want 0.2 (dt=0.2 from the hnnlab-data line 1)"},
		{"unresolved", h + "0,1e20,1,2\n0,1.0000000000000002e20,1,2\n", nil, "f.csv:3: time t=1.0000000000000002e+20 of trajectory 0 cannot resolve the time step"},
		{"single-state", h + "0,0,1,2\n", nil, "f.csv:2: trajectory 0 has a single state"},
		{"all-single", h + "0,0,1,2\n1,0,1,2\n2,5,1,2\n", nil, "f.csv:4: all 3 trajectories (or segments between gaps) have a single state"},
		// The provenance line.
		{"meta-json", "# hnnlab-data {\"format\":1,\n" + h, nil, "f.csv:1: hnnlab-data line: invalid JSON"},
		{"meta-empty", "# hnnlab-data\n" + h, nil, "f.csv:1: hnnlab-data line without its JSON record"},
		{"meta-array", "# hnnlab-data [1]\n" + h, nil, "f.csv:1: hnnlab-data line: want a JSON object, not array"},
		{"meta-null", "# hnnlab-data null\n" + h, nil, "f.csv:1: hnnlab-data line: want a JSON object, not null"},
		{"meta-type", "# x\n# hnnlab-data {\"seed\":-1}\n" + h, nil, "f.csv:2: hnnlab-data line: key \"seed\": JSON number -1 is not a valid value"},
		{"meta-future", "# hnnlab-data {\"format\":2}\n" + h, nil, "f.csv:1: hnnlab-data line: format 2 is newer than this reader's 1"},
		{"meta-negative-dt", "# hnnlab-data {\"dt\":-0.1}\n" + h, nil, "f.csv:1: hnnlab-data line: dt = -0.1, want positive"},
		{"meta-twice", "# hnnlab-data {}\n# hnnlab-data {}\n" + h, nil, "f.csv:2: second hnnlab-data line (the first is line 1)"},
		{"meta-trailing", "# hnnlab-data {} x\n" + h, nil, "f.csv:1: hnnlab-data line: invalid JSON"},
		// Size limits.
		{"long-line", h + "0,0,1," + strings.Repeat("1", MaxLineBytes) + "\n", nil, fmt.Sprintf("f.csv:2: line longer than %d bytes", MaxLineBytes)},
		{"long-comment", "# " + strings.Repeat("x", MaxLineBytes) + "\n" + h, nil, "f.csv:1: line longer than"},
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

// TestReadCSVTooLarge: more than MaxValues values stop the reader with
// ErrTooLarge at the first row over the limit (lowered for the test).
func TestReadCSVTooLarge(t *testing.T) {
	defer func(v int) { maxReadValues = v }(maxReadValues)
	maxReadValues = 10
	in := "trajectory,t,q1,p1\n0,0,1,2\n0,1,1,2\n0,2,1,2\n0,3,1,2\n0,4,1,2\n"
	if _, err := ReadCSV(strings.NewReader(in), "f.csv", nil); err != nil {
		t.Fatalf("10 values: %v", err)
	}
	_, err := ReadCSV(strings.NewReader(in+"0,5,1,2\n"), "f.csv", nil)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "f.csv:7: dataset too large: more than 10 values") {
		t.Errorf("11 values: error %v", err)
	}
}

// TestReadCSVLongLine: a line of exactly MaxLineBytes is accepted, one byte
// more is not (negative control of the bound).
func TestReadCSVLongLine(t *testing.T) {
	const h = "trajectory,t,q1,p1\n"
	row := "0,0.1,1,"
	pad := strings.Repeat("0", MaxLineBytes-len(row)-1) + "2"
	if _, err := ReadCSV(strings.NewReader(h+"0,0,1,2\n"+row+pad+"\r\n"), "f.csv", nil); err != nil {
		t.Errorf("line of %d bytes: %v", MaxLineBytes, err)
	}
	if _, err := ReadCSV(strings.NewReader(h+"0,0,1,2\n"+row+"0"+pad+"\n"), "f.csv", nil); err == nil || !strings.Contains(err.Error(), "f.csv:3: line longer") {
		t.Errorf("line of %d bytes: error %v", MaxLineBytes+1, err)
	}
}

// TestCSVRoundTripRecording: ragged trajectories with their own start times
// and a full provenance record write and read back exactly, twice over.
func TestCSVRoundTripRecording(t *testing.T) {
	orig := &Trajectories{
		System: "lab-pendulum",
		Dim:    1,
		Dt:     0.1,
		States: [][][]float64{
			{{1, 0}, {0.995, -0.0998}, {0.98, -0.2}},
			{{0.5, 0.25}, {0.52, 0.2}},
			{{-1e-300, 3}, {math.Pi, -math.E}, {1, 2}, {3, 4}},
		},
		T0: []float64{0.3, -7.25, 1e6},
		Meta: &Meta{Format: 1, System: "lab-pendulum", Params: map[string]float64{"length": 0.5, "g": 9.81},
			Generator: "bench rig <B>", Gaps: 2, Dropped: 1,
			Extra: map[string]json.RawMessage{"units": json.RawMessage(`{"q":"rad","t":"s"}`), "operator": json.RawMessage(`"ana"`)}},
	}
	var buf bytes.Buffer
	if err := orig.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	first := buf.String()
	if !strings.HasPrefix(first, `# hnnlab-data {"format":1,"system":"lab-pendulum","params":{"g":9.81,"length":0.5},"dt":0.1,"generator":"bench rig <B>","gaps":2,"dropped":1,"operator":"ana","units":{"q":"rad","t":"s"}}`+"\ntrajectory,t,q1,p1\n0,0.3,1,0\n") {
		t.Errorf("file starts\n%s", first[:min(len(first), 300)])
	}
	back, err := ReadCSV(&buf, "r.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Meta.Dt was 0 and 0.4−0.3 ≠ 0.1: the writer records the step.
	want := *orig
	wantMeta := *orig.Meta
	wantMeta.Dt = 0.1
	want.Meta = &wantMeta
	if !reflect.DeepEqual(&want, back) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, &want)
	}
	var again bytes.Buffer
	if err := back.WriteCSV(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != first {
		t.Error("writing what was read changes the file")
	}
}

// sub returns a−b in float64 arithmetic (constant expressions are exact).
func sub(a, b float64) float64 { return a - b }

// TestWriteCSVDtLine: without Meta, the provenance line is written only when
// the time step cannot be read back exactly from the first two times, and
// then holds only the format and dt.
func TestWriteCSVDtLine(t *testing.T) {
	for _, tc := range []struct {
		dt   float64
		t0   []float64
		line bool
	}{
		{0.1, nil, false},
		{0.1, []float64{0, 0.3}, false}, // the first trajectory starts at 0
		{0.5, []float64{2, 0.3}, false}, // 2.5−2 = 0.5 exactly
		{0.1, []float64{0.3, 0}, true},  // 0.4−0.3 = 0.10000000000000003
		{0.1, []float64{1, 0}, true},    // 1.1−1 = 0.10000000000000009
	} {
		tr := &Trajectories{Dim: 1, Dt: tc.dt, States: [][][]float64{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, T0: tc.t0}
		var buf bytes.Buffer
		if err := tr.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(buf.String(), "\n")
		want := "trajectory,t,q1,p1"
		if tc.line {
			want = fmt.Sprintf(`# hnnlab-data {"format":1,"dt":%v}`, tc.dt)
		}
		if first != want {
			t.Errorf("dt=%v T0=%v: first line %q, want %q", tc.dt, tc.t0, first, want)
		}
		back, err := ReadCSV(&buf, "f.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if back.Dt != tr.Dt || !reflect.DeepEqual(back.States, tr.States) || !reflect.DeepEqual(back.T0, tr.T0) {
			t.Errorf("dt=%v T0=%v: read back Dt=%v T0=%v", tc.dt, tc.t0, back.Dt, back.T0)
		}
		if wantMeta := (*Meta)(nil); tc.line && !reflect.DeepEqual(back.Meta, &Meta{Format: 1, Dt: tc.dt}) || !tc.line && back.Meta != wantMeta {
			t.Errorf("dt=%v T0=%v: Meta %+v", tc.dt, tc.t0, back.Meta)
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
		{"state", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{{{0, 0}, {0}}}}, "data: state 1 of trajectory 0 has length 1"},
		{"t0", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{{{0, 0}, {0, 0}}}, T0: []float64{0, 1}}, "data: len(T0) = 2, want N = 1"},
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

// TestWriteErrors: what a reader would refuse is not written (CSV and NPZ),
// and ragged data (valid in CSV) are refused by NPZ only.
func TestWriteErrors(t *testing.T) {
	ok := [][]float64{{0, 0}, {1, 1}}
	for _, tc := range []struct {
		name string
		tr   *Trajectories
		csv  string // "" means CSV accepts it
		npz  string
	}{
		{"ragged", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok, {{0, 0}, {0, 0}, {0, 0}}}}, "", "data: trajectories have 2 to 3 states; a .npz file holds trajectories of equal length only"},
		{"single", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok, {{0, 0}}}}, "data: trajectory 1 has 1 state(s)", "data: trajectory 1 has 1 state(s)"},
		{"nan", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{{{0, math.NaN()}, {0, 0}}}}, "non-finite value NaN in coordinate 1 of state 0", "non-finite value NaN"},
		{"dt", &Trajectories{Dim: 1, States: [][][]float64{ok}}, "data: Dt = 0, want positive", "data: Dt = 0"},
		{"dt-inf", &Trajectories{Dim: 1, Dt: math.Inf(1), States: [][][]float64{ok}}, "data: Dt = +Inf", "data: Dt = +Inf"},
		{"t0", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, T0: []float64{math.NaN()}}, "data: non-finite start time T0[0]", "data: non-finite start time"},
		{"resolution", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, T0: []float64{1e17}}, "cannot resolve the time step Dt=1", "cannot resolve"},
		{"meta-dt", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, Meta: &Meta{Dt: 2}}, "data: Meta.Dt = 2 differs from Dt = 1", "data: Meta.Dt = 2"},
		{"meta-format", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, Meta: &Meta{Format: 9}}, "data: Meta: format 9 is newer", "data: Meta: format 9"},
		{"meta-param", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, Meta: &Meta{Params: map[string]float64{"a": math.Inf(-1)}}}, "parameter \"a\" = -Inf is not finite", "is not finite"},
		{"meta-extra", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, Meta: &Meta{Extra: map[string]json.RawMessage{"Seed": json.RawMessage("1")}}}, "Extra key \"Seed\" is a field of Meta", "is a field of Meta"},
		{"meta-extra-json", &Trajectories{Dim: 1, Dt: 1, States: [][][]float64{ok}, Meta: &Meta{Extra: map[string]json.RawMessage{"x": json.RawMessage("{")}}}, "Extra key \"x\": invalid JSON value", "invalid JSON"},
		{"empty", &Trajectories{Dim: 1, Dt: 1}, "", "data: no trajectories to write"},
	} {
		err := tc.tr.WriteCSV(new(bytes.Buffer))
		if tc.csv == "" && err != nil || tc.csv != "" && (err == nil || !strings.Contains(err.Error(), tc.csv)) {
			t.Errorf("%s: WriteCSV error %v, want %q", tc.name, err, tc.csv)
		}
		err = tc.tr.WriteNPZ(new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.npz) {
			t.Errorf("%s: WriteNPZ error %v, want %q", tc.name, err, tc.npz)
		}
	}
}

// equalRead compares what was read (a) with what was read back after writing
// it (b). The writer records the time step in the provenance line when the
// file's first two times cannot give it exactly; that record is the one
// permitted difference.
func equalRead(a, b *Trajectories) bool {
	if b.Meta != nil && (a.Meta == nil || a.Meta.Dt == 0) && b.Meta.Dt == a.Dt {
		m := *b.Meta
		m.Dt = 0
		if a.Meta == nil && reflect.DeepEqual(m, Meta{Format: FormatVersion}) {
			b.Meta = nil
		} else {
			b.Meta = &m
		}
	}
	return reflect.DeepEqual(a, b)
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"))
	f.Add([]byte("trajectory,t,q1,q2,p1,p2\n0,0,1,2,3,4\n0,0.5,1,2,3,4\n1,0,1,2,3,4\n1,0.5,1,2,3,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,0.1,NaN,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\r\n0,0,1e-300,-2\r\n0,1e-300,0x1p-3,4\r\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	// Comments, provenance, ragged trajectories, starts, ids, gaps, drops.
	f.Add([]byte("# recorded\n# hnnlab-data {\"format\":1,\"system\":\"pendulum\",\"params\":{\"alpha\":0.5},\"seed\":3,\"x\":[1, 2]}\ntrajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"))
	f.Add([]byte("# hnnlab-data {\"format\":1,\"dt\":0.1,\"gaps\":1}\ntrajectory,t,q1,p1\n0,0.3,1,2\n0,0.4,3,4\n0,0.5,3,4\n"))
	f.Add([]byte("trajectory,t,q1,p1\n7,0.3,1,2\n7,0.4,3,4\n3,-1,1,2\n3,-0.9,1,2\n3,-0.8,1,2\n"))
	f.Add([]byte("trajectory,t,q1,p1\n4,10,1,2\n4,10.5,1,2\n4,12,1,2\n4,12.5,1,2\n4,13,1,2\n4,20,1,2\n4,21,1,2\n"))
	f.Add([]byte("trajectory,t,q1,p1\n0,0,1,2\n0,1,1,2\n0,3.5,1,2\n"))
	f.Add([]byte("# hnnlab-data {\"format\":1\ntrajectory,t,q1,p1\n0,0,1,2\n0,0.1,3,4\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := ReadCSV(bytes.NewReader(in), "fuzz.csv", nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if tr.N() < 1 || tr.Steps() < 1 || !(tr.Dt > 0) || tr.T0 != nil && len(tr.T0) != tr.N() {
			t.Fatalf("accepted a dataset with N=%d S=%d Dt=%v T0=%v", tr.N(), tr.Steps(), tr.Dt, tr.T0)
		}
		var buf bytes.Buffer
		if err := tr.WriteCSV(&buf); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		written := buf.String()
		back, err := ReadCSV(&buf, "fuzz.csv", nil)
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, written)
		}
		if !equalRead(tr, back) {
			t.Fatalf("write/read round trip changed the data:\n%+v\n%+v", tr, back)
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
	f.Add([]byte("# hnnlab-data {\"format\":1,\"system\":\"double-well\"}\ntrajectory,t,q1,p1\n2,5,1,2\n2,5.5,1,2\n2,7,1,2\n2,7.5,1,2\n"))
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
