package hnn_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// TestFlowRollout: the rollout of a (randomly initialised) learned H starts
// at the given states, is the same whether taken in one call or cut at
// another length (executors of FlowChunk steps), agrees with RK4 to the
// midpoint rule's O(h²), keeps the learned H to O(h²), and is the same for
// the float32 model's float64 copy up to float32 round-off.
func TestFlowRollout(t *testing.T) {
	m, err := hnn.NewModel(hnn.Spec{System: "double-well"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	y0 := [][]float64{{0.5, -0.3}, {-1.2, 0.8}}
	mid := integrator.ImplicitMidpoint{Iterations: 40}
	long, res, err := m.Flow().Rollout(mid, y0, 0.05, 45)
	if err != nil {
		t.Fatal(err)
	}
	if len(long) != 2 || len(long[0]) != 46 || long[1][0][0] != -1.2 || long[1][0][1] != 0.8 {
		t.Fatalf("rollout shape %d×%d, first state %v", len(long), len(long[0]), long[1][0])
	}
	if res > 1e-12 {
		t.Errorf("largest residual %.3g with 40 sweeps", res)
	}
	short, _, err := m.Flow().Rollout(mid, y0, 0.05, 7)
	if err != nil {
		t.Fatal(err)
	}
	for k := range short[0] {
		for i := range 2 {
			if short[0][k][i] != long[0][k][i] {
				t.Fatalf("step %d: %v in a 7-step rollout, %v in a 45-step one", k, short[0][k], long[0][k])
			}
		}
	}
	drift := func(traj [][]float64) float64 {
		e, err := m.Energy(traj)
		if err != nil {
			t.Fatal(err)
		}
		d := 0.0
		for _, v := range e {
			d = math.Max(d, math.Abs(v-e[0]))
		}
		return d
	}
	rk4, _, err := m.Flow().Rollout(integrator.RK4{}, y0, 0.05, 45)
	if err != nil {
		t.Fatal(err)
	}
	// A second method: RK4 (order 4) and the implicit midpoint rule (order 2)
	// follow the same learned flow, to the midpoint rule's O(h²) error.
	for i := range 2 {
		if d := math.Hypot(long[i][45][0]-rk4[i][45][0], long[i][45][1]-rk4[i][45][1]); d > 1e-3 {
			t.Errorf("trajectory %d at t = 2.25: implicit midpoint and RK4 %.3g apart", i, d)
		}
	}
	if dm := drift(long[1]); dm > 1e-5 {
		t.Errorf("learned-energy error along 45 implicit midpoint steps: %.3g", dm)
	}

	m32, err := hnn.NewModel(hnn.Spec{System: "double-well", DType: "float32"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	m64, err := m32.AsFloat64()
	if err != nil || m64.Spec.DType != "float64" {
		t.Fatalf("AsFloat64: %v, dtype %q", err, m64.Spec.DType)
	}
	a, _, err := m32.Flow().Rollout(mid, y0, 0.05, 10)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := m64.Flow().Rollout(mid, y0, 0.05, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(a[0][10][0] - b[0][10][0]); d > 1e-5 || d == 0 {
		t.Errorf("float32 model vs its float64 copy after 10 steps: %.3g apart (want float32 round-off, > 0)", d)
	}

	if _, _, err := m.Flow().Rollout(mid, [][]float64{{1, 2, 3}}, 0.05, 3); err == nil || !strings.Contains(err.Error(), "length 3") {
		t.Errorf("a state of the wrong length: %v", err)
	}
}

// TestFlowConverged: the adaptive solve reaches the tolerance, follows the
// implicit midpoint map solved with many sweeps to round-off, needs more
// sweeps at a larger step, and reports a step it cannot solve as an error.
func TestFlowConverged(t *testing.T) {
	// A random tanh H: stiff enough that 4 sweeps do not converge at h = 0.1.
	m, err := hnn.NewModel(hnn.Spec{System: "double-well", Activation: "tanh"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	y0 := [][]float64{{0.5, -0.3}, {-1.2, 0.8}}
	for _, h := range []float64{0.01, 0.1} {
		got, res, err := m.Flow().Converged(y0, h, 45)
		if err != nil {
			t.Fatal(err)
		}
		if res > hnn.ConvergedTolerance*2 {
			t.Errorf("h = %g: residual %.3g above the tolerance", h, res)
		}
		want, _, err := m.Flow().Rollout(integrator.ImplicitMidpoint{Iterations: hnn.MaxSweeps}, y0, h, 45)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			for k := range want[i] {
				for a := range want[i][k] {
					if d := math.Abs(got[i][k][a] - want[i][k][a]); d > 1e-13 {
						t.Fatalf("h = %g, trajectory %d, step %d: %v, %d sweeps give %v", h, i, k, got[i][k], hnn.MaxSweeps, want[i][k])
					}
				}
			}
		}
	}
	// Negative control: 4 sweeps do not reach the tolerance at h = 0.1.
	if _, res, _ := m.Flow().Rollout(integrator.ImplicitMidpoint{Iterations: hnn.MinSweeps}, y0, 0.1, 45); res <= hnn.ConvergedTolerance {
		t.Errorf("%d sweeps at h = 0.1 already converge (residual %.3g): the test cannot tell", hnn.MinSweeps, res)
	}
	// A stiff learned H (weights ×8) with a large step: the sweeps diverge.
	stiff, err := hnn.NewModel(hnn.Spec{System: "double-well"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for v := range stiff.Store.IterVariables() {
		w := tensors.MustCopyFlatData[float64](v.MustValue())
		for i := range w {
			w[i] *= 8
		}
		v.MustSetValue(tensors.FromFlatDataAndDimensions(w, v.MustValue().Shape().Dimensions...))
	}
	if _, _, err := stiff.Flow().Converged([][]float64{{0.5, 0.5}}, 1, 5); err == nil || !strings.Contains(err.Error(), "does not converge") {
		t.Errorf("a step too large for the solve: %v", err)
	}
}
