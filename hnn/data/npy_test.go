package data

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/numpy"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// npyOf returns the .npy bytes of a tensor, as GoMLX writes them.
func npyOf(t testing.TB, x *tensors.Tensor) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := numpy.ToNpyWriter(x, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// patchHeader replaces old by new in the text header of version-1 .npy
// bytes, keeping the header's length by taking or giving padding spaces, or
// lengthening it.
func patchHeader(t testing.TB, npy []byte, old, new string) []byte {
	t.Helper()
	n := int(npy[8]) | int(npy[9])<<8
	head := string(npy[10 : 10+n])
	if !strings.Contains(head, old) {
		t.Fatalf("header %q lacks %q", head, old)
	}
	head = strings.Replace(strings.TrimRight(head, " \n"), old, new, 1)
	head += strings.Repeat(" ", max(0, n-1-len(head))) + "\n"
	pre := clone(npy[:10])
	pre[8], pre[9] = byte(len(head)), byte(len(head)>>8)
	return append(append(pre, head...), npy[10+n:]...)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

type member struct {
	name string
	data []byte
}

// npzOf returns a zip archive of the given members (names without ".npy"
// get none added: the name is used as is).
func npzOf(t testing.TB, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readNPZBytes(b []byte, s system.System) (*Trajectories, error) {
	return ReadNPZ(bytes.NewReader(b), int64(len(b)), "x.npz", s)
}

// flat3 returns the values of M trajectories of L states of C coordinates,
// value (i, k, j) = i + k/10 + j/100.
func flat3(m, l, c int) []float64 {
	var out []float64
	for i := range m {
		for k := range l {
			for j := range c {
				out = append(out, float64(i)+float64(k)/10+float64(j)/100)
			}
		}
	}
	return out
}

func TestNPZRoundTrip(t *testing.T) {
	dir := t.TempDir()
	gen, err := Generate(system.CoupledOscillator{Alpha: 0.5}, GenerateConfig{Trajectories: 5, Steps: 7, Dt: 0.03, Noise: 0.01, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	starts := *gen
	starts.T0 = []float64{0.3, -1, 1e6, 0, 5e-324}
	starts.Meta = &Meta{Format: 1, System: "rig", Dt: 0.03, Extra: map[string]json.RawMessage{"units": json.RawMessage(`"SI"`)}, Gaps: 1}
	starts.System = "rig" // the record's system
	bare := *gen
	bare.System, bare.Meta = "", nil
	for name, tr := range map[string]*Trajectories{"generated": gen, "starts": &starts, "bare": &bare} {
		path := filepath.Join(dir, name+".npz")
		if err := tr.WriteNPZFile(path); err != nil {
			t.Fatal(err)
		}
		back, err := ReadNPZFile(path, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(tr, back) {
			t.Errorf("%s: round trip is not exact:\n got %+v\nwant %+v", name, back, tr)
		}
		// Files are reproducible: the same data give the same bytes.
		first, _ := os.ReadFile(path)
		if err := back.WriteNPZFile(path); err != nil {
			t.Fatal(err)
		}
		if again, _ := os.ReadFile(path); !bytes.Equal(first, again) {
			t.Errorf("%s: rewriting changes the file", name)
		}
		// The archive, decoded by GoMLX's own reader: the documented arrays.
		arrays, err := numpy.FromNpzFile(path)
		if err != nil {
			t.Fatal(err)
		}
		wantT := []int{8}
		if tr.T0 != nil {
			wantT = []int{5, 8}
		}
		if got := arrays["states"].Shape().Dimensions; !reflect.DeepEqual(got, []int{5, 8, 2}) {
			t.Errorf("%s: states shape %v", name, got)
		}
		if got := arrays["t"].Shape().Dimensions; !reflect.DeepEqual(got, wantT) {
			t.Errorf("%s: t shape %v, want %v", name, got, wantT)
		}
		if dt := tensors.MustCopyFlatData[float64](arrays["dt"]); arrays["dt"].Shape().Rank() != 0 || dt[0] != 0.03 {
			t.Errorf("%s: dt %v of rank %d", name, dt, arrays["dt"].Shape().Rank())
		}
		if meta, ok := arrays["meta"]; ok != (tr.Meta != nil) {
			t.Errorf("%s: meta array present %v", name, ok)
		} else if ok {
			var m Meta
			if err := m.UnmarshalJSON(tensors.MustCopyFlatData[uint8](meta)); err != nil || !reflect.DeepEqual(&m, tr.Meta) {
				t.Errorf("%s: meta %+v, %v", name, m, err)
			}
		}
	}
	// The member order is fixed: states, t, dt, meta.
	zr, err := zip.OpenReader(filepath.Join(dir, "starts.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"states.npy", "t.npy", "dt.npy", "meta.npy"}; !reflect.DeepEqual(names, want) {
		t.Errorf("members %v, want %v", names, want)
	}
}

// TestReadFileDispatch: ReadFile and WriteFile choose the format by the
// extension; .npy needs a time step.
func TestReadFileDispatch(t *testing.T) {
	dir := t.TempDir()
	tr, err := Generate(system.Pendulum{}, GenerateConfig{Trajectories: 3, Steps: 4, Dt: 0.1, Noise: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.csv", "a.npz", "A.NPZ", "b.CSV"} {
		path := filepath.Join(dir, name)
		if err := tr.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		for _, dt := range []float64{0, 0.1, 0.1 * (1 + 1e-12)} {
			back, err := ReadFileDt(path, dt, system.Pendulum{})
			if err != nil || !reflect.DeepEqual(tr, back) {
				t.Errorf("%s dt=%v: %v", name, dt, err)
			}
		}
		if _, err := ReadFileDt(path, 0.2, nil); err == nil || !strings.Contains(err.Error(), "the file's time step 0.1 differs from dt = 0.2") {
			t.Errorf("%s: dt conflict: %v", name, err)
		}
	}
	npy := filepath.Join(dir, "s.npy")
	st := tensors.FromFlatDataAndDimensions(flat3(3, 5, 2), 3, 5, 2)
	if err := os.WriteFile(npy, npyOf(t, st), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFileDt(npy, 0.25, system.Pendulum{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Dt != 0.25 || back.N() != 3 || back.Steps() != 4 || !reflect.DeepEqual(back.States[2][4], flat3(3, 5, 2)[28:30]) || back.T0 != nil || back.Meta != nil || back.System != "pendulum" {
		t.Errorf(".npy read as %+v", back)
	}
	for _, tc := range []struct {
		path string
		dt   float64
		want string
	}{
		{npy, 0, "s.npy: a .npy file holds the states only; give the time step dt"},
		{filepath.Join(dir, "a.txt"), 0, `a.txt: unknown data file extension ".txt", want .csv, .npz or .npy`},
		{filepath.Join(dir, "a.csv"), -1, "a.csv: time step dt = -1"},
		{filepath.Join(dir, "a.csv"), math.NaN(), "a.csv: time step dt = NaN"},
		{filepath.Join(dir, "missing.npz"), 0, "missing.npz: no such file"},
	} {
		if _, err := ReadFileDt(tc.path, tc.dt, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s dt=%v: error %v, want %q", tc.path, tc.dt, err, tc.want)
		}
	}
	if _, err := ReadFile(npy, nil); err == nil || !strings.Contains(err.Error(), "give the time step") {
		t.Errorf("ReadFile(.npy): %v", err)
	}
	for _, name := range []string{"x.npy", "x"} {
		if err := tr.WriteFile(filepath.Join(dir, name)); err == nil || !strings.Contains(err.Error(), "unknown data file extension") {
			t.Errorf("WriteFile(%s): %v", name, err)
		}
	}
	// A failed write leaves the old file intact and no temporary behind.
	old, _ := os.ReadFile(filepath.Join(dir, "a.npz"))
	bad := &Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{{{0, math.NaN()}, {0, 0}}}}
	if err := bad.WriteNPZFile(filepath.Join(dir, "a.npz")); err == nil {
		t.Error("writing NaN: no error")
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "a.npz")); !bytes.Equal(old, now) {
		t.Error("failed write changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		t.Errorf("directory holds %d entries, want 5", len(entries))
	}
}

func TestReadNPZAccepts(t *testing.T) {
	f64 := func(v []float64, dims ...int) []byte { return npyOf(t, tensors.FromFlatDataAndDimensions(v, dims...)) }
	states := f64(flat3(2, 4, 2), 2, 4, 2)
	f32 := make([]float32, 16)
	for i, v := range flat3(2, 4, 2) {
		f32[i] = float32(v)
	}
	meta := func(js string) member {
		return member{"meta.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]byte(js), len(js)))}
	}
	for _, tc := range []struct {
		name    string
		members []member
		dt      float64
		lengths []int
		t0      []float64
		meta    *Meta
	}{
		{"dt-scalar", []member{{"states.npy", states}, {"dt.npy", f64([]float64{0.5})}}, 0.5, []int{4, 4}, nil, nil},
		{"dt-1", []member{{"dt.npy", f64([]float64{0.5}, 1)}, {"states.npy", states}}, 0.5, []int{4, 4}, nil, nil},
		{"dt-int", []member{{"states.npy", states}, {"dt.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]int64{2}))}}, 2, []int{4, 4}, nil, nil},
		{"float32", []member{{"states.npy", npyOf(t, tensors.FromFlatDataAndDimensions(f32, 2, 4, 2))}, {"dt.npy", f64([]float64{0.5})}}, 0.5, []int{4, 4}, nil, nil},
		{"t-shared", []member{{"states.npy", states}, {"t.npy", f64([]float64{1, 1.25, 1.5, 1.75}, 4)}}, 0.25, []int{4, 4}, []float64{1, 1}, nil},
		{"t-shared-zero", []member{{"states.npy", states}, {"t.npy", f64([]float64{0, 0.25, 0.5, 0.75}, 4)}}, 0.25, []int{4, 4}, nil, nil},
		{"t-int", []member{{"states.npy", states}, {"t.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]int32{3, 4, 5, 6}, 4))}}, 1, []int{4, 4}, []float64{3, 3}, nil},
		{"t-rows-gap", []member{{"states.npy", states}, {"t.npy", f64([]float64{0, 1, 2, 3, 10, 11, 14, 15}, 2, 4)}}, 1,
			[]int{4, 2, 2}, []float64{0, 10, 14}, &Meta{Format: 1, Gaps: 1}},
		{"t-gap-drop", []member{{"states.npy", states}, {"t.npy", f64([]float64{0, 1, 2, 5, 0, 1, 2, 3}, 2, 4)}}, 1,
			[]int{3, 4}, nil, &Meta{Format: 1, Gaps: 1, Dropped: 1}},
		{"t-and-dt", []member{{"states.npy", states}, {"t.npy", f64([]float64{0.3, 0.4, 0.5, 0.6}, 4)}, {"dt.npy", f64([]float64{0.1})}}, 0.1,
			[]int{4, 4}, []float64{0.3, 0.3}, nil},
		{"meta-dt", []member{{"states.npy", states}, meta(`{"format":1,"dt":0.1,"system":"rig"}`)}, 0.1, []int{4, 4}, nil,
			&Meta{Format: 1, Dt: 0.1, System: "rig"}},
		{"meta-and-dt", []member{{"states.npy", states}, {"dt.npy", f64([]float64{0.1})}, meta(`{"dt":0.1}`)}, 0.1, []int{4, 4}, nil, &Meta{Dt: 0.1}},
		{"other-arrays", []member{{"states.npy", states}, {"dt.npy", f64([]float64{0.5})}, {"energy.npy", []byte("anything")}, {"README", []byte("x")}},
			0.5, []int{4, 4}, nil, nil},
	} {
		tr, err := readNPZBytes(npzOf(t, tc.members...), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var lengths []int
		for i := range tr.N() {
			lengths = append(lengths, tr.Length(i))
		}
		if tr.Dt != tc.dt || !reflect.DeepEqual(lengths, tc.lengths) || !reflect.DeepEqual(tr.T0, tc.t0) || !reflect.DeepEqual(tr.Meta, tc.meta) {
			t.Errorf("%s: Dt=%v lengths=%v T0=%v Meta=%+v, want %v %v %v %+v", tc.name, tr.Dt, lengths, tr.T0, tr.Meta, tc.dt, tc.lengths, tc.t0, tc.meta)
		}
		if tr.States[1][1][1] != 1.11 && tc.lengths[0] == 4 && tc.name != "float32" {
			t.Errorf("%s: state values %v", tc.name, tr.States[1][1])
		}
		if tc.meta != nil && tc.meta.System != "" && tr.System != tc.meta.System {
			t.Errorf("%s: System %q", tc.name, tr.System)
		}
	}
}

func TestReadNPZErrors(t *testing.T) {
	f64 := func(v []float64, dims ...int) []byte { return npyOf(t, tensors.FromFlatDataAndDimensions(v, dims...)) }
	states := f64(flat3(2, 4, 2), 2, 4, 2)
	dt := member{"dt.npy", f64([]float64{0.5})}
	st := member{"states.npy", states}
	nan := flat3(2, 4, 2)
	nan[1*8+2*2+1] = math.NaN()
	inf := flat3(2, 4, 2)
	inf[0] = math.Inf(-1)
	good := npzOf(t, st, dt)
	meta := func(js string) member {
		return member{"meta.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]byte(js), len(js)))}
	}
	truncData := states[:len(states)-8]
	for _, tc := range []struct {
		name string
		file []byte
		sys  system.System
		want string
	}{
		{"not-zip", []byte("hello, world"), nil, "x.npz: not a .npz file (a zip archive of .npy arrays): not a valid zip file"},
		{"empty", nil, nil, "x.npz: not a .npz file"},
		{"truncated-zip", good[:len(good)/2], nil, "x.npz: not a .npz file"},
		{"no-states", npzOf(t, dt, member{"t.npy", f64([]float64{0, 1}, 2)}), nil, "x.npz: no array states (the archive holds arrays dt, t); want states of shape (M, S+1, 2d)"},
		{"no-arrays", npzOf(t), nil, "x.npz: no array states (the archive holds no arrays)"},
		{"no-time", npzOf(t, st), nil, "x.npz: no time: want an array t of shape (S+1,) = (4,) or (M, S+1) = (2, 4), or a scalar dt"},
		{"duplicate", npzOf(t, st, st, dt), nil, "x.npz: the archive holds array states twice"},
		{"rank-2", npzOf(t, member{"states.npy", f64(flat3(2, 4, 1), 8, 1)}, dt), nil, "x.npz: states has shape (8, 1); want (M, S+1, 2d)"},
		{"rank-4", npzOf(t, member{"states.npy", f64(flat3(2, 4, 2), 2, 2, 2, 2)}, dt), nil, "x.npz: states has shape (2, 2, 2, 2); want (M, S+1, 2d)"},
		{"odd-coords", npzOf(t, member{"states.npy", f64(flat3(2, 4, 3), 2, 4, 3)}, dt), nil, "states has shape (2, 4, 3); want (M, S+1, 2d)"},
		{"one-state", npzOf(t, member{"states.npy", f64(flat3(2, 1, 2), 2, 1, 2)}, dt), nil, "states has shape (2, 1, 2); want (M, S+1, 2d): M ≥ 1 trajectories of S+1 ≥ 2 states"},
		{"no-trajectories", npzOf(t, member{"states.npy", f64(nil, 0, 4, 2)}, dt), nil, "states has shape (0, 4, 2)"},
		{"wrong-d", good, system.HenonHeiles{}, "x.npz: states has shape (2, 4, 2); its last axis, 2 = 2d, gives d=1 degrees of freedom but system henon-heiles has d=2 (want (M, S+1, 4))"},
		{"int64", npzOf(t, member{"states.npy", npyOf(t, tensors.FromFlatDataAndDimensions(make([]int64, 16), 2, 4, 2))}, dt), nil,
			"x.npz: states has dtype int64 (<i8); want float64 or float32, little-endian (<f8 or <f4)"},
		{"big-endian", npzOf(t, member{"states.npy", patchHeader(t, states, "'<f8'", "'>f8'")}, dt), nil, "x.npz: states has dtype big-endian float64 (>f8); want float64 or float32, little-endian"},
		{"complex", npzOf(t, member{"states.npy", npyOf(t, tensors.FromFlatDataAndDimensions(make([]complex128, 16), 2, 4, 2))}, dt), nil, "states has dtype complex128 (<c16)"},
		{"unicode", npzOf(t, member{"states.npy", patchHeader(t, states, "'<f8'", "'<U8'")}, dt), nil, "states has dtype a unicode string dtype (<U8)"},
		{"structured", npzOf(t, member{"states.npy", patchHeader(t, states, "'<f8'", "[('a', '<f8')]")}, dt), nil, "states has dtype a structured dtype"},
		{"nan", npzOf(t, member{"states.npy", f64(nan, 2, 4, 2)}, dt), nil, "x.npz: states[1, 2, 1] (trajectory 1, step 2, coordinate p1) is NaN; values must be finite"},
		{"inf", npzOf(t, member{"states.npy", f64(inf, 2, 4, 2)}, dt), nil, "x.npz: states[0, 0, 0] (trajectory 0, step 0, coordinate q1) is -Inf"},
		{"truncated-data", npzOf(t, member{"states.npy", truncData}, dt), nil, "x.npz: states: truncated: fewer data than the 16 elements of shape (2, 4, 2)"},
		{"extra-data", npzOf(t, member{"states.npy", append(clone(states), 1, 2, 3)}, dt), nil, "x.npz: states: data after the array's 16 elements"},
		{"not-npy", npzOf(t, member{"states.npy", []byte("PK garbage")}, dt), nil, "x.npz: states: not a .npy array (no \\x93NUMPY magic string)"},
		{"short-npy", npzOf(t, member{"states.npy", []byte("\x93NUM")}, dt), nil, "x.npz: states: not a .npy array (file too short)"},
		{"npy-version", npzOf(t, member{"states.npy", append([]byte("\x93NUMPY\x04\x00"), states[8:]...)}, dt), nil, "unsupported .npy format version 4.0"},
		{"bad-fortran", npzOf(t, member{"states.npy", patchHeader(t, states, "False", "Maybe")}, dt), nil, "bad .npy header"},
		{"bad-shape", npzOf(t, member{"states.npy", patchHeader(t, states, "(2, 4, 2)", "(2, -4, 2)")}, dt), nil, "'shape': want non-negative integers"},
		{"unknown-key", npzOf(t, member{"states.npy", patchHeader(t, states, "'shape'", "'shapes'")}, dt), nil, `unknown key "shapes"`},
		{"too-large", npzOf(t, member{"states.npy", patchHeader(t, states, "(2, 4, 2)", "(100000, 100000, 2)")}, dt), nil,
			"x.npz: states has shape (100000, 100000, 2); dataset too large: 100000 trajectories × 100000 states × 2 coordinates"},
		// Time.
		{"t-length", npzOf(t, st, member{"t.npy", f64([]float64{0, 1, 2, 3, 4}, 5)}), nil,
			"x.npz: t has shape (5,); want (S+1,) = (4,) or (M, S+1) = (2, 4) to match states of shape (2, 4, 2)"},
		{"t-rows", npzOf(t, st, member{"t.npy", f64(make([]float64, 12), 3, 4)}), nil, "x.npz: t has shape (3, 4); want (S+1,) = (4,)"},
		{"t-dtype", npzOf(t, st, member{"t.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]uint8{0, 1, 2, 3}, 4))}), nil, "x.npz: t has dtype uint8 (<u1); want float64, float32, int64 or int32"},
		{"t-nan", npzOf(t, st, member{"t.npy", f64([]float64{0, 1, math.NaN(), 3}, 4)}), nil, "x.npz: t[2] is NaN; times must be finite"},
		{"t-backwards", npzOf(t, st, member{"t.npy", f64([]float64{0, 1, 2, 3, 0, 1, 3, 2}, 2, 4)}), nil, "x.npz: t[1, 3]: time t=2 after t=3 in trajectory 1"},
		{"t-repeat", npzOf(t, st, member{"t.npy", f64([]float64{0, 1, 1, 2}, 4)}), nil, "x.npz: t[2]: duplicated time t=1 in trajectory 0"},
		{"t-non-uniform", npzOf(t, st, member{"t.npy", f64([]float64{0, 1, 2, 3, 0, 1, 2.5, 3}, 2, 4)}), nil,
			"x.npz: t[1, 2]: non-uniform time step: t=2.5 at step 2 of trajectory 1, want 2 (dt=1)"},
		{"t-vs-dt", npzOf(t, st, dt, member{"t.npy", f64([]float64{0, 0.75, 1.5, 2.25}, 4)}), nil, "x.npz: t[1]: non-uniform time step: t=0.75 at step 1 of trajectory 0, want 0.5 (dt=0.5 from array dt)"},
		{"t-all-single", npzOf(t, st, dt, member{"t.npy", f64([]float64{0, 1, 2, 3}, 4)}), nil, "x.npz: t: every segment between gaps has a single state"},
		{"dt-zero", npzOf(t, st, member{"dt.npy", f64([]float64{0})}), nil, "x.npz: dt = 0; want positive and finite"},
		{"dt-negative", npzOf(t, st, member{"dt.npy", f64([]float64{-1})}), nil, "x.npz: dt = -1; want positive"},
		{"dt-inf", npzOf(t, st, member{"dt.npy", f64([]float64{math.Inf(1)})}), nil, "x.npz: dt = +Inf"},
		{"dt-shape", npzOf(t, st, member{"dt.npy", f64([]float64{1, 2}, 2)}), nil, "x.npz: dt has shape (2,); want a scalar: shape () or (1,)"},
		{"dt-complex", npzOf(t, st, member{"dt.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]complex64{1}))}), nil, "x.npz: dt has dtype complex64 (<c8)"},
		// Provenance.
		{"meta-json", npzOf(t, st, dt, meta(`{"format":`)), nil, "x.npz: meta: invalid JSON"},
		{"meta-future", npzOf(t, st, dt, meta(`{"format":3}`)), nil, "x.npz: meta: format 3 is newer than this reader's 1"},
		{"meta-dtype", npzOf(t, st, dt, member{"meta.npy", f64([]float64{1}, 1)}), nil, "x.npz: meta has dtype float64 (<f8); want uint8 (|u1)"},
		{"meta-shape", npzOf(t, st, dt, member{"meta.npy", npyOf(t, tensors.FromFlatDataAndDimensions([]byte("{}{}"), 2, 2))}), nil, "x.npz: meta has shape (2, 2); want (n,)"},
		{"meta-dt", npzOf(t, st, dt, meta(`{"dt":0.25}`)), nil, "x.npz: dt = 0.5 but meta records dt = 0.25"},
		{"meta-dt-vs-t", npzOf(t, st, meta(`{"dt":0.25}`), member{"t.npy", f64([]float64{0, 0.4, 0.8, 1.2}, 4)}), nil, "want 0.25 (dt=0.25 from meta)"},
	} {
		_, err := readNPZBytes(tc.file, tc.sys)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
		if tc.name == "too-large" && !errors.Is(err, ErrTooLarge) {
			t.Errorf("too-large: %v is not ErrTooLarge", err)
		}
	}
	// Negative control: the good archive reads, with and without the system.
	for _, s := range []system.System{nil, system.Pendulum{}} {
		if _, err := readNPZBytes(good, s); err != nil {
			t.Errorf("good archive: %v", err)
		}
	}
}

func TestReadNPYErrors(t *testing.T) {
	states := npyOf(t, tensors.FromFlatDataAndDimensions(flat3(2, 3, 2), 2, 3, 2))
	for _, tc := range []struct {
		name string
		in   []byte
		dt   float64
		sys  system.System
		want string
	}{
		{"dt-zero", states, 0, nil, "s.npy: time step dt = 0; a .npy file holds the states only, so give a positive finite dt"},
		{"dt-inf", states, math.Inf(1), nil, "s.npy: time step dt = +Inf"},
		{"rank", npyOf(t, tensors.FromFlatDataAndDimensions(flat3(2, 3, 2), 12)), 1, nil, "s.npy: states has shape (12,); want (M, S+1, 2d)"},
		{"dtype", npyOf(t, tensors.FromFlatDataAndDimensions(make([]int32, 12), 2, 3, 2)), 1, nil, "s.npy: states has dtype int32 (<i4)"},
		{"big-endian-f4", patchHeader(t, npyOf(t, tensors.FromFlatDataAndDimensions(make([]float32, 12), 2, 3, 2)), "'<f4'", "'>f4'"), 1, nil,
			"s.npy: states has dtype big-endian float32 (>f4)"},
		{"dim", states, 1, system.DoublePendulum{}, "system double-pendulum has d=2"},
		{"truncated", states[:len(states)-1], 1, nil, "s.npy: states: truncated"},
		{"trailing", append(clone(states), 0), 1, nil, "s.npy: states: data after the array's 12 elements"},
		{"empty", nil, 1, nil, "s.npy: states: not a .npy array (file too short)"},
		{"npz", npzOf(t, member{"states.npy", states}), 1, nil, "s.npy: states: not a .npy array (no \\x93NUMPY magic string)"},
	} {
		_, err := ReadNPY(bytes.NewReader(tc.in), "s.npy", tc.dt, tc.sys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	tr, err := ReadNPY(bytes.NewReader(states), "s.npy", 0.5, system.Pendulum{})
	if err != nil || tr.N() != 2 || tr.Steps() != 2 || tr.States[1][2][1] != 1.21 {
		t.Errorf("good .npy: %v %+v", err, tr)
	}
}

// FuzzReadNPY reads fuzzed .npy streams: errors name the file; what is read
// writes and reads back as .npz exactly.
//
//	go test -run '^$' -fuzz '^FuzzReadNPY$' -fuzztime 1m ./hnn/data
func FuzzReadNPY(f *testing.F) {
	f.Add(npyOf(f, tensors.FromFlatDataAndDimensions(flat3(2, 3, 2), 2, 3, 2)))
	f.Add(npyOf(f, tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 1, 2, 2)))
	f.Add([]byte("\x93NUMPY\x02\x00\x20\x00\x00\x00{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2, 2)}\n" + strings.Repeat("\x00", 32)))
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'shape': ()}  \n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := ReadNPY(bytes.NewReader(in), "fuzz.npy", 0.5, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.npy: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := tr.WriteNPZ(&buf); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := readNPZBytes(buf.Bytes(), nil)
		if err != nil || !reflect.DeepEqual(tr, back) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzReadNPZ reads fuzzed .npz archives: errors name the file; what is read
// writes and reads back exactly (as .npz if rectangular, else as CSV).
//
//	go test -run '^$' -fuzz '^FuzzReadNPZ$' -fuzztime 1m ./hnn/data
func FuzzReadNPZ(f *testing.F) {
	f64 := func(v []float64, dims ...int) []byte { return npyOf(f, tensors.FromFlatDataAndDimensions(v, dims...)) }
	st := member{"states.npy", f64(flat3(2, 3, 2), 2, 3, 2)}
	js := []byte(`{"format":1,"system":"x","dt":0.5}`)
	meta := member{"meta.npy", npyOf(f, tensors.FromFlatDataAndDimensions(js, len(js)))}
	f.Add(npzOf(f, st, member{"dt.npy", f64([]float64{0.5})}))
	f.Add(npzOf(f, st, member{"t.npy", f64([]float64{0, 1, 2, 5, 6, 8}, 2, 3)}))
	f.Add(npzOf(f, st, member{"t.npy", f64([]float64{0.3, 0.8, 1.3}, 3)}, meta))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := readNPZBytes(in, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "x.npz: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		read := func() (*Trajectories, error) { return readNPZBytes(buf.Bytes(), nil) }
		if tr.rectangular() {
			err = tr.WriteNPZ(&buf)
		} else {
			err = tr.WriteCSV(&buf)
			read = func() (*Trajectories, error) { return ReadCSV(&buf, "x.csv", nil) }
		}
		if err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := read()
		if err != nil {
			t.Fatalf("cannot read what was written: %v", err)
		}
		if !equalRead(tr, back) {
			t.Fatalf("round trip changed the data:\n%+v\n%+v", tr, back)
		}
	})
}

// A small .npz whose states decompress to far more than a file of real data
// (a "zip bomb") is refused from the archive's directory, before any of it
// is decompressed.
func TestReadNPZZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "states.npy", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	h := "{'descr': '<f8', 'fortran_order': False, 'shape': (5000, 1050, 2), }"
	h += strings.Repeat(" ", 117-len(h)) + "\n"
	w.Write(append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), 0))
	w.Write([]byte(h))
	zeros := make([]byte, 1<<20)
	for n := 5000 * 1050 * 2 * 8; n > 0; n -= len(zeros) {
		w.Write(zeros[:min(n, len(zeros))])
	}
	zw.Close()
	start := time.Now()
	_, err = ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "bomb.npz", nil)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "bomb.npz: dataset too large: array states decompresses to 84000128 bytes") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v", d)
	}
}
