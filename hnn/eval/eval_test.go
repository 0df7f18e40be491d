package eval_test

import (
	"math"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func TestGaugeErrorRemovesTheConstant(t *testing.T) {
	truth := []float64{1, 2, 3, -4}
	pred := []float64{6, 7, 8, 1} // truth + 5
	if e, c := eval.GaugeError(pred, truth); e > 1e-15 || math.Abs(c-5) > 1e-15 {
		t.Errorf("GaugeError(truth+5) = %g, c = %g; want 0, 5", e, c)
	}
	pred = []float64{1, 2, 3, -2} // one point off by 2: c = 0.5, deviations 0.5,0.5,0.5,1.5
	if e, _ := eval.GaugeError(pred, truth); math.Abs(e-0.75) > 1e-15 {
		t.Errorf("GaugeError = %g, want 0.75", e)
	}
}

func TestGrid(t *testing.T) {
	pts := eval.Grid(system.Cube(2, -2, 2), 30)
	if len(pts) != 900 {
		t.Fatalf("grid has %d points, want 900", len(pts))
	}
	if pts[0][0] != -2 || pts[0][1] != -2 || pts[899][0] != 2 || pts[899][1] != 2 {
		t.Errorf("grid corners %v … %v, want (−2,−2) … (2,2)", pts[0], pts[899])
	}
	slice := system.HenonHeiles{}.Domains()[0]
	for _, y := range eval.Grid(slice.Box, 5) {
		if y[0] != 0.1 || y[2] != 0.2 {
			t.Fatalf("slice grid point %v does not keep qx = 0.1, px = 0.2", y)
		}
	}
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name string
		sys  system.System
		// perturb returns a learned H; want is the expected error per set (NaN: only check > 0).
		perturb func(s system.System) eval.Energy
		want    float64
		tol     float64
	}{
		{"true H plus a constant scores 0", system.DoubleWell{}, func(s system.System) eval.Energy {
			return func(pts [][]float64) ([]float64, error) {
				out := make([]float64, len(pts))
				for i, y := range pts {
					out[i] = s.H(y) + 3.5
				}
				return out, nil
			}
		}, 0, 1e-12},
		// H + ε·q on uniform q ∈ [−2, 2]: mean |ε(q − q̄)| → ε·1.
		{"H + 0.01·q on the box", system.CoupledOscillator{Alpha: 0.5}, func(s system.System) eval.Energy {
			return func(pts [][]float64) ([]float64, error) {
				out := make([]float64, len(pts))
				for i, y := range pts {
					out[i] = s.H(y) + 0.01*y[0]
				}
				return out, nil
			}
		}, 0.01, 2e-4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := eval.Evaluate(tc.sys, tc.perturb(tc.sys), eval.DefaultSeed)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 3 {
				t.Fatalf("%d results, want 3", len(res))
			}
			// The uniform set: mean absolute deviation of uniform[−2,2] is 1.
			if got := res[0].Error; math.Abs(got-tc.want) > tc.tol {
				t.Errorf("%s error %g, want %g ± %g", res[0].Set, got, tc.want, tc.tol)
			}
		})
	}
}

func TestEvaluateHenonHeilesDomains(t *testing.T) {
	s := system.HenonHeiles{}
	res, err := eval.Evaluate(s, func(pts [][]float64) ([]float64, error) {
		out := make([]float64, len(pts))
		for i, y := range pts {
			out[i] = s.H(y)
		}
		return out, nil
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 6 || res[0].Domain != "slice" || res[0].Points != 50000 || res[1].Points != 900 || res[3].Domain != "box" {
		t.Errorf("unexpected Hénon–Heiles results %+v", res)
	}
}

func TestEvaluateRejectsNonFinite(t *testing.T) {
	_, err := eval.Evaluate(system.Pendulum{}, func(pts [][]float64) ([]float64, error) {
		out := make([]float64, len(pts))
		out[3] = math.NaN()
		return out, nil
	}, 1)
	if err == nil {
		t.Fatal("a NaN prediction must be an error")
	}
}
