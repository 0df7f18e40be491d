package gradient_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// finiteDifferences returns central differences of the loss w.r.t. every
// trainable weight, with step eps·max(1,|θ|) (bench.FiniteDifferences).
func finiteDifferences(t *testing.T, c gradient.Computer, store *model.Store, obs *tensors.Tensor, eps float64) [][]float64 {
	t.Helper()
	fd, err := bench.FiniteDifferences(c, store, obs, eps)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// maxRelDiff is max_i |a_i − b_i| / max_i |b_i|: relative to the gradient's scale.
var maxRelDiff = bench.MaxRelDiff

func flatten(ts []*tensors.Tensor) [][]float64 {
	out := make([][]float64, len(ts))
	for i, t := range ts {
		out[i] = tensors.MustCopyFlatData[float64](t)
	}
	return out
}

func TestBackpropMatchesFiniteDifferences(t *testing.T) {
	cases := []struct {
		name   string
		d      int
		widths []int
		integ  integrator.Integrator
		n      int
		tol    float64
	}{
		{"double-well-like d=1 rk2 k=3", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3}, 4, 1e-6},
		{"d=1 observed predictor k=2", 1, []int{6, 6}, integrator.ImplicitMidpoint{Iterations: 2, Predictor: integrator.Observed}, 3, 1e-6},
		{"d=2 rk2 k=4", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 4}, 3, 1e-6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			mlp := ansatz.MLP{D: tc.d, Widths: tc.widths}
			mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 7)
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: 0.1, Rollout: tc.n}
			c, err := gradient.Backprop{}.Compile(testutil.Backend(), store, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			obs := testutil.RandomWindows(3, 5, tc.n, tc.d, 1.5)
			r, err := c.Gradients(obs)
			if err != nil {
				t.Fatal(err)
			}
			fd := finiteDifferences(t, c, store, obs, 1e-6)
			if got := maxRelDiff(flatten(r.Gradients), fd); got > tc.tol || math.IsNaN(got) {
				t.Errorf("backprop vs central differences: max relative difference %.3g > %.0g", got, tc.tol)
			} else {
				t.Logf("backprop vs central differences: max relative difference %.3g", got)
			}
		})
	}
}

// TestSecondOrderAutodiffMatchesClosedForm: the training gradient (second
// order: d/dθ of a loss built from ∇_y H) is the same whether ∇_y H is the
// MLP's closed-form sweep or GoMLX autodiff of the energy.
func TestSecondOrderAutodiffMatchesClosedForm(t *testing.T) {
	grads := func(autodiff bool) [][]float64 {
		store := model.NewStore()
		mlp := ansatz.MLP{D: 2, Widths: []int{8, 6}, Autodiff: autodiff}
		mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 4)
		p := gradient.Problem{Model: mlp, Step: 0.05, Rollout: 3}
		c, err := gradient.Backprop{}.Compile(testutil.Backend(), store, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Gradients(testutil.RandomWindows(8, 6, 3, 2, 1))
		if err != nil {
			t.Fatal(err)
		}
		return flatten(r.Gradients)
	}
	if d := maxRelDiff(grads(true), grads(false)); d > 1e-12 {
		t.Errorf("autodiff vs closed-form ∇H: training gradients differ by %.3g relative", d)
	}
}
