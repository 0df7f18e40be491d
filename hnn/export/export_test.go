package export_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/export"
)

// python returns Debian's python3 with NumPy, or skips the test.
func python(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skip("python3 has no numpy (apt-get install python3-numpy)")
	}
	return py
}

// TestReferenceImplementationMatchesModel: the exported file, evaluated by
// the NumPy reference hnn_model.py, gives the Go model's H and ∇H (and the
// vector field) to 1e-12 relative, for every ansatz, activation and d.
func TestReferenceImplementationMatchesModel(t *testing.T) {
	py := python(t)
	_, here, _, _ := runtime.Caller(0)
	ref := filepath.Dir(here)
	for _, tc := range []struct {
		name string
		spec hnn.Spec
	}{
		{"mlp tanh d=1", hnn.Spec{System: "double-well"}},
		{"mlp softplus d=2", hnn.Spec{System: "henon-heiles", Activation: "softplus", Widths: []int{8, 16}}},
		{"separable tanh d=1", hnn.Spec{System: "pendulum", Ansatz: "separable", Integrator: "leapfrog", Widths: []int{12}}},
		{"mlp float32 model", hnn.Spec{System: "coupled-oscillator", DType: "float32", Widths: []int{8}}},
		{"no system d=3", hnn.Spec{System: hnn.NoSystem, Dim: 3, Widths: []int{6, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := hnn.NewModel(tc.spec, 7)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.npz")
			if err := export.WriteFile(m, path); err != nil {
				t.Fatal(err)
			}
			meta, err := export.ReadMeta(path)
			if err != nil || meta.D != m.Dim() || meta.Ansatz != m.Spec.Ansatz {
				t.Fatalf("meta %+v, %v", meta, err)
			}
			d2 := 2 * m.Dim()
			var pts [][]float64
			for i := range 20 {
				y := make([]float64, d2)
				for a := range y {
					y[a] = math.Sin(float64(3*i+7*a+1)) * 1.7
				}
				pts = append(pts, y)
			}
			in, _ := json.Marshal(pts)
			script := `import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from hnn_model import HNNModel
m = HNNModel(sys.argv[2])
y = np.array(json.loads(sys.stdin.read()))
print(json.dumps({"h": m.energy(y).tolist(), "g": m.gradient(y).tolist(), "f": m.vector_field(y).tolist()}))`
			cmd := exec.Command(py, "-c", script, ref, path)
			cmd.Stdin = bytes.NewReader(in)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("reference: %v\n%s", err, out)
			}
			var got struct {
				H    []float64
				G, F [][]float64
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			m64, _ := m.AsFloat64() // the file holds the weights in float64
			h, _ := m64.Energy(pts)
			g, _ := m64.Gradient(pts)
			f, _ := m64.VectorField(pts)
			relDiff := func(a, b []float64) float64 {
				scale, diff := 0.0, 0.0
				for i := range a {
					scale = math.Max(scale, math.Abs(b[i]))
					diff = math.Max(diff, math.Abs(a[i]-b[i]))
				}
				return diff / math.Max(scale, 1e-300)
			}
			rel := func(name string, a, b []float64) {
				if d := relDiff(a, b); d > 1e-12 {
					t.Errorf("%s: NumPy differs from Go by %.3g relative", name, d)
				}
			}
			// Negative control: another model's energy is far from the file's.
			other, _ := hnn.NewModel(tc.spec, 8)
			if h2, _ := other.Energy(pts); relDiff(got.H, h2) < 1e-3 {
				t.Errorf("the comparison cannot tell another model from the exported one")
			}
			rel("H", got.H, h)
			for i := range pts {
				rel("∇H", got.G[i], g[i])
				rel("vector field", got.F[i], f[i])
			}
		})
	}
}

func TestErrors(t *testing.T) {
	m, _ := hnn.NewModel(hnn.Spec{}, 1)
	if err := export.WriteFile(m, filepath.Join(t.TempDir(), "m.csv")); err == nil {
		t.Error("a non-.npz path was accepted")
	}
	bad := filepath.Join(t.TempDir(), "x.npz")
	os.WriteFile(bad, []byte("not a zip"), 0o644)
	if _, err := export.ReadMeta(bad); err == nil {
		t.Error("ReadMeta of a non-npz file succeeded")
	}
}
