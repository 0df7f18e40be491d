package data

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// numpyPython returns a Python 3 interpreter with NumPy, or skips the test.
func numpyPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import numpy").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with numpy")
	return ""
}

// runPython runs script with the arguments and fails the test with its
// output if it fails.
func runPython(t *testing.T, python, script string, args ...string) {
	t.Helper()
	out, err := exec.Command(python, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if len(out) > 0 {
		t.Logf("python:\n%s", out)
	}
}

// sameBits returns an error unless a and b hold the same data with the
// same float64 bits (so that −0 ≠ 0 and NaN payloads count).
func sameBits(a, b *Trajectories) error {
	if a.Dim != b.Dim || math.Float64bits(a.Dt) != math.Float64bits(b.Dt) || a.N() != b.N() || len(a.T0) != len(b.T0) {
		return fmt.Errorf("Dim %d/%d Dt %v/%v N %d/%d len(T0) %d/%d", a.Dim, b.Dim, a.Dt, b.Dt, a.N(), b.N(), len(a.T0), len(b.T0))
	}
	for i := range a.T0 {
		if math.Float64bits(a.T0[i]) != math.Float64bits(b.T0[i]) {
			return fmt.Errorf("T0[%d] = %v / %v", i, a.T0[i], b.T0[i])
		}
	}
	for i := range a.States {
		if len(a.States[i]) != len(b.States[i]) {
			return fmt.Errorf("trajectory %d: %d / %d states", i, len(a.States[i]), len(b.States[i]))
		}
		for k := range a.States[i] {
			for j := range a.States[i][k] {
				if x, y := a.States[i][k][j], b.States[i][k][j]; math.Float64bits(x) != math.Float64bits(y) {
					return fmt.Errorf("states[%d, %d, %d] = %v / %v", i, k, j, x, y)
				}
			}
		}
	}
	if !reflect.DeepEqual(a.Meta, b.Meta) {
		return fmt.Errorf("Meta %+v / %+v", a.Meta, b.Meta)
	}
	return nil
}

// numpyRoundTrip loads Go's files with NumPy, checks them against expect.json,
// and writes them back with np.savez, np.savez_compressed and np.save.
const numpyRoundTrip = `
import json, sys
import numpy as np
d = sys.argv[1]
expect = json.load(open(d + "/expect.json"))
for name, e in expect.items():
    z = np.load(d + "/" + name + ".npz")  # no pickle needed
    assert sorted(z.files) == ["dt", "meta", "states", "t"], z.files
    st, t, dt = z["states"], z["t"], z["dt"]
    assert st.dtype == np.float64 and list(st.shape) == e["shape"], (st.dtype, st.shape)
    assert dt.shape == () and dt.dtype == np.float64 and float(dt) == e["dt"], (dt.shape, dt)
    m, l = st.shape[0], st.shape[1]
    steps = np.arange(l) * dt
    if e["t0"] is None:
        assert t.shape == (l,) and np.array_equal(t, steps), t
    else:
        assert t.shape == (m, l), t.shape
        assert np.array_equal(t, np.array(e["t0"])[:, None] + steps[None, :]), t
    meta = json.loads(bytes(z["meta"]).decode())
    assert meta["format"] == 1 and meta["system"] == e["system"], meta
    assert meta.get("params") == e.get("params"), meta
    # The CSV of the same data loads in NumPy with the documented recipes.
    for rows in (np.loadtxt(d + "/" + name + ".csv", delimiter=",", comments=("#", "trajectory")),
                 np.genfromtxt(d + "/" + name + ".csv", delimiter=",")[1:],
                 np.loadtxt(d + "/" + name + ".csv", delimiter=",", skiprows=2)):
        assert rows.shape == (m * l, 2 + st.shape[2]), rows.shape
        assert np.array_equal(rows[:, 2:].reshape(st.shape), st), "CSV states differ"
        assert np.array_equal(rows[:, 1].reshape(m, l), np.broadcast_to(t, (m, l))), "CSV times differ"
    np.savez(d + "/" + name + "-np.npz", states=st, t=t, dt=dt, meta=z["meta"])
    np.savez_compressed(d + "/" + name + "-npc.npz", meta=z["meta"], dt=dt, t=t, states=st)
    np.save(d + "/" + name + "-np.npy", st)
`

// TestNumPyRoundTrip: Go writes .npz and .csv; NumPy loads them, checks
// shapes, values and the provenance record, and writes new files
// (np.savez, np.savez_compressed, np.save) that Go reads back bit-exact.
func TestNumPyRoundTrip(t *testing.T) {
	python := numpyPython(t)
	dir := t.TempDir()
	a, err := Generate(system.CoupledOscillator{Alpha: 0.5}, GenerateConfig{Trajectories: 4, Steps: 9, Dt: 0.03, Noise: 0.01, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(system.HenonHeiles{}, GenerateConfig{Trajectories: 3, Steps: 5, Dt: 0.1, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	b.T0 = []float64{0.3, -2, 1e5}
	b.States[1][2][3] = math.Copysign(0, -1) // −0 survives
	b.States[2][0][0] = 5e-324               // so do subnormals
	b.States[0][1][1] = -math.MaxFloat64
	expect := map[string]any{}
	for name, tr := range map[string]*Trajectories{"a": a, "b": b} {
		if err := tr.WriteFile(filepath.Join(dir, name+".npz")); err != nil {
			t.Fatal(err)
		}
		if err := tr.WriteFile(filepath.Join(dir, name+".csv")); err != nil {
			t.Fatal(err)
		}
		expect[name] = map[string]any{"shape": []int{tr.N(), tr.Steps() + 1, 2 * tr.Dim}, "dt": tr.Dt, "t0": tr.T0,
			"system": tr.System, "params": tr.Meta.Params}
	}
	js, _ := json.Marshal(expect)
	if err := os.WriteFile(filepath.Join(dir, "expect.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	runPython(t, python, numpyRoundTrip, dir)
	for name, tr := range map[string]*Trajectories{"a": a, "b": b} {
		for _, f := range []string{name + ".csv", name + "-np.npz", name + "-npc.npz"} {
			back, err := ReadFile(filepath.Join(dir, f), nil)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := sameBits(tr, back); err != nil || back.System != tr.System {
				t.Errorf("%s: not bit-exact: %v (System %q)", f, err, back.System)
			}
		}
		back, err := ReadFileDt(filepath.Join(dir, name+"-np.npy"), tr.Dt, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := *tr
		want.T0, want.Meta = nil, nil // a .npy holds the states only
		if err := sameBits(&want, back); err != nil {
			t.Errorf("%s-np.npy: not bit-exact: %v", name, err)
		}
	}
}

// numpyFiles writes edge cases (good*) and bad files (bad*) with NumPy.
// State (i, k, j) of an M×L×C array is (i·L·C + k·C + j)·0.1.
const numpyFiles = `
import json, sys
import numpy as np
d = sys.argv[1]
def states(m, l, c):
    return np.arange(m * l * c).reshape(m, l, c) * 0.1
s = states(3, 5, 2)
meta = lambda obj: np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)
np.savez(d + "/good-float32.npz", states=s.astype(np.float32), dt=np.float64(0.5))
np.savez(d + "/good-dt0d.npz", states=s, dt=np.array(0.25))
np.savez(d + "/good-dt1.npz", states=s, dt=np.array([0.25]))
t = np.array([[0., 1, 2, 3, 4], [10, 11, 12, 15, 16], [-3, -2, -1, 0, 1]])
np.savez(d + "/good-gap.npz", states=s, t=t)
np.savez(d + "/good-tint.npz", states=s, t=np.arange(5, dtype=np.int64) + 7)
np.savez(d + "/good-fortran.npz", states=np.asfortranarray(s), t=np.asfortranarray(t))
np.savez_compressed(d + "/good-meta.npz", states=s, dt=0.25,
    meta=meta({"format": 1, "system": "lab rig", "units": {"q": "rad"}, "gaps": 2}), notes=np.array(["not read"]))
np.save(d + "/good-states.npy", s.astype(np.float32))
# Bad files.
np.savez(d + "/bad-rank.npz", states=s.reshape(15, 2), dt=0.1)
np.savez(d + "/bad-int64.npz", states=np.arange(30).reshape(3, 5, 2), dt=0.1)
np.savez(d + "/bad-bigendian.npz", states=s.astype(">f8"), dt=0.1)
np.savez(d + "/bad-complex.npz", states=s.astype(np.complex128), dt=0.1)
np.savez(d + "/bad-structured.npz", states=np.zeros((3, 5), dtype=[("q", "<f8"), ("p", "<f8")]), dt=0.1)
np.savez(d + "/bad-object.npz", states=np.array([None, 1], dtype=object), dt=0.1)
n = s.copy(); n[2, 3, 1] = np.nan
np.savez(d + "/bad-nan.npz", states=n, dt=0.1)
np.savez(d + "/bad-nostates.npz", t=np.arange(5.0), dt=0.1)
np.savez(d + "/bad-tlength.npz", states=s, t=np.arange(6.0))
np.savez(d + "/bad-tshape.npz", states=s, t=np.zeros((5, 3)))
np.savez(d + "/bad-tbackwards.npz", states=s, t=np.array([0., 1, 2, 1.5, 4]))
np.savez(d + "/bad-tjump.npz", states=s, t=np.array([0., 1, 2, 3.5, 4.5]))
np.savez(d + "/bad-dtshape.npz", states=s, dt=np.array([0.1, 0.2]))
np.savez(d + "/bad-meta.npz", states=s, dt=0.1, meta=meta({"format": 1})[:-1])
np.savez(d + "/bad-metastr.npz", states=s, dt=0.1, meta=np.array(json.dumps({"format": 1})))
np.savez(d + "/bad-trunc.npz", states=s, dt=0.1)
raw = open(d + "/bad-trunc.npz", "rb").read()
open(d + "/bad-trunc.npz", "wb").write(raw[: len(raw) // 2])
np.save(d + "/bad-bigendian.npy", s.astype(">f4"))
`

// TestNumPyFiles: files written by NumPy itself — edge cases that must read
// (float32 states, per-trajectory t with a gap, dt as a 0-d array, …) and
// bad files that must give an error naming the problem.
func TestNumPyFiles(t *testing.T) {
	python := numpyPython(t)
	dir := t.TempDir()
	runPython(t, python, numpyFiles, dir)
	val := func(i, k, j int) float64 { return float64(i*10+k*2+j) * 0.1 }
	for _, tc := range []struct {
		file    string
		dt      float64
		f32     bool
		lengths []int
		t0      []float64
		src     [][2]int // trajectory i of the result starts at source (row, step) src[i]; nil: (i, 0)
		meta    *Meta
		system  string
	}{
		{"good-float32.npz", 0.5, true, []int{5, 5, 5}, nil, nil, nil, ""},
		{"good-dt0d.npz", 0.25, false, []int{5, 5, 5}, nil, nil, nil, ""},
		{"good-dt1.npz", 0.25, false, []int{5, 5, 5}, nil, nil, nil, ""},
		// Row 1 jumps from 12 to 15: segments [10, 12] and [15, 16].
		{"good-gap.npz", 1, false, []int{5, 3, 2, 5}, []float64{0, 10, 15, -3}, [][2]int{{0, 0}, {1, 0}, {1, 3}, {2, 0}}, &Meta{Format: 1, Gaps: 1}, ""},
		{"good-tint.npz", 1, false, []int{5, 5, 5}, []float64{7, 7, 7}, nil, nil, ""},
		{"good-fortran.npz", 1, false, []int{5, 3, 2, 5}, []float64{0, 10, 15, -3}, [][2]int{{0, 0}, {1, 0}, {1, 3}, {2, 0}}, &Meta{Format: 1, Gaps: 1}, ""},
		{"good-meta.npz", 0.25, false, []int{5, 5, 5}, nil, nil,
			&Meta{Format: 1, System: "lab rig", Gaps: 2, Extra: map[string]json.RawMessage{"units": json.RawMessage(`{"q":"rad"}`)}}, "lab rig"},
	} {
		tr, err := ReadFile(filepath.Join(dir, tc.file), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		var lengths []int
		for i := range tr.N() {
			lengths = append(lengths, tr.Length(i))
		}
		if tr.Dt != tc.dt || !reflect.DeepEqual(lengths, tc.lengths) || !reflect.DeepEqual(tr.T0, tc.t0) || !reflect.DeepEqual(tr.Meta, tc.meta) || tr.System != tc.system {
			t.Errorf("%s: Dt=%v lengths=%v T0=%v Meta=%+v System=%q", tc.file, tr.Dt, lengths, tr.T0, tr.Meta, tr.System)
			continue
		}
		// Every value, bit-exact (float32 values widen exactly); segments map back to the source rows.
		for i := range tr.N() {
			row, off := i, 0
			if tc.src != nil {
				row, off = tc.src[i][0], tc.src[i][1]
			}
			for k := range tr.Length(i) {
				for j := range 2 {
					want := val(row, off+k, j)
					if tc.f32 {
						want = float64(float32(want))
					}
					if got := tr.States[i][k][j]; math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("%s: states[%d][%d][%d] = %v, want %v", tc.file, i, k, j, got, want)
					}
				}
			}
		}
	}
	npy, err := ReadFileDt(filepath.Join(dir, "good-states.npy"), 0.1, system.Pendulum{})
	if err != nil || npy.N() != 3 || npy.States[2][4][1] != float64(float32(val(2, 4, 1))) {
		t.Errorf("good-states.npy: %v", err)
	}
	for _, tc := range []struct{ file, want string }{
		{"bad-rank.npz", "bad-rank.npz: states has shape (15, 2); want (M, S+1, 2d)"},
		{"bad-int64.npz", "bad-int64.npz: states has dtype int64 (<i8); want float64 or float32, little-endian (<f8 or <f4)"},
		{"bad-bigendian.npz", "bad-bigendian.npz: states has dtype big-endian float64 (>f8)"},
		{"bad-complex.npz", "bad-complex.npz: states has dtype complex128 (<c16)"},
		{"bad-structured.npz", "bad-structured.npz: states has dtype a structured dtype"},
		{"bad-object.npz", "bad-object.npz: states has dtype object (|O)"},
		{"bad-nan.npz", "bad-nan.npz: states[2, 3, 1] (trajectory 2, step 3, coordinate p1) is NaN"},
		{"bad-nostates.npz", "bad-nostates.npz: no array states (the archive holds arrays t, dt)"},
		{"bad-tlength.npz", "bad-tlength.npz: t has shape (6,); want (S+1,) = (5,) or (M, S+1) = (3, 5)"},
		{"bad-tshape.npz", "bad-tshape.npz: t has shape (5, 3); want (S+1,) = (5,)"},
		{"bad-tbackwards.npz", "bad-tbackwards.npz: t[3]: time t=1.5 after t=2 in trajectory 0"},
		{"bad-tjump.npz", "bad-tjump.npz: t[3]: non-uniform time step: t=3.5 at step 3 of trajectory 0, want 3 (dt=1)"},
		{"bad-dtshape.npz", "bad-dtshape.npz: dt has shape (2,); want a scalar"},
		{"bad-meta.npz", "bad-meta.npz: meta: invalid JSON"},
		{"bad-metastr.npz", "bad-metastr.npz: meta has dtype a unicode string dtype (<U13); want uint8"},
		{"bad-trunc.npz", "bad-trunc.npz: not a .npz file (a zip archive of .npy arrays)"},
		{"bad-bigendian.npy", "bad-bigendian.npy: states has dtype big-endian float32 (>f4)"},
	} {
		_, err := ReadFileDt(filepath.Join(dir, tc.file), 0, nil)
		if strings.HasSuffix(tc.file, ".npy") {
			_, err = ReadFileDt(filepath.Join(dir, tc.file), 0.1, nil)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.file, err, tc.want)
		}
	}
}
