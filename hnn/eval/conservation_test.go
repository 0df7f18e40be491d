package eval_test

import (
	"math"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func gen(t *testing.T, s system.System, noise, dt float64) [][][]float64 {
	t.Helper()
	tr, err := data.Generate(s, data.GenerateConfig{Trajectories: 200, Steps: 30, Dt: dt, Noise: noise, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	return tr.States
}

// Each built-in system's own noisy data conserve its energy within what
// the noise explains; every other system's data of the same dimension do not.
func TestConservationTellsSystemsApart(t *testing.T) {
	for _, name := range system.Names() {
		s, _ := system.Lookup(name, system.Options{})
		for _, dt := range []float64{0.01, 0.1} {
			trajs := gen(t, s, 0.01, dt)
			if est := eval.NoiseEstimate(trajs); math.Abs(est-0.01) > 0.002 {
				t.Errorf("%s, dt %g: noise estimate %.4g, want 0.01", name, dt, est)
			}
			c, err := eval.CheckConservation(s, trajs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s dt %g on its own data: ratio %.3g", name, dt, c.Ratio)
			if !c.Conserves() || c.Ratio < 0.5 {
				t.Errorf("%s, dt %g: its own data rejected: %v", name, dt, c)
			}
			for _, other := range system.Names() {
				o, _ := system.Lookup(other, system.Options{})
				if other == name || o.Dim() != s.Dim() {
					continue
				}
				co, err := eval.CheckConservation(o, trajs)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("   scored as %s: ratio %.3g", other, co.Ratio)
				if co.Conserves() {
					t.Errorf("%s data accepted as %s: %v", name, other, co)
				}
			}
		}
	}
	// Clean data: conserved to round-off, whatever the noise estimate.
	clean := gen(t, system.DoubleWell{}, 0, 0.01)
	if c, _ := eval.CheckConservation(system.DoubleWell{}, clean); !c.Conserves() {
		t.Errorf("clean double-well data rejected: %v", c)
	}
}

// Finite data whose energy or noise estimate overflow are an error naming
// the state, not a diagnosis with NaN or Inf in it.
func TestConservationOfHugeValues(t *testing.T) {
	for name, y := range map[string][]float64{"energy": {0.5, 1e308}, "differences": {1e300, 0.1}} {
		trajs := gen(t, system.Pendulum{}, 0.01, 0.1)[:3]
		trajs[1][5] = y
		_, err := eval.CheckConservation(system.Pendulum{}, trajs)
		if err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("%s: %v", name, err)
		}
		if name == "energy" && (err == nil || !strings.Contains(err.Error(), "trajectory 1, state 5")) {
			t.Errorf("%s: %v does not name the state", name, err)
		}
	}
}
