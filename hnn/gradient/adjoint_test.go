package gradient_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// newModel returns a store holding an MLP with d degrees of freedom, initialized from seed.
func newModel(d int, widths []int, dtype dtypes.DType, seed uint64) (*model.Store, ansatz.MLP) {
	store := model.NewStore()
	mlp := ansatz.MLP{D: d, Widths: widths}
	mlp.Init(gradient.HamiltonianScope(store), dtype, seed)
	return store, mlp
}

// gradientsOf compiles m on store for p and returns the loss and gradients on obs.
func gradientsOf(t testing.TB, m gradient.Method, store *model.Store, p gradient.Problem, obs *tensors.Tensor) (gradient.Computer, gradient.Result) {
	t.Helper()
	c, err := m.Compile(testutil.Backend(), store, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Gradients(obs)
	if err != nil {
		t.Fatal(err)
	}
	return c, r
}

func checkRel(t *testing.T, what string, got, tol float64) {
	t.Helper()
	if got > tol || math.IsNaN(got) {
		t.Errorf("%s: max relative difference %.3g > %.0g", what, got, tol)
	} else {
		t.Logf("%s: max relative difference %.3g (tolerance %.0g)", what, got, tol)
	}
}

type adjointCase struct {
	name   string
	d      int
	widths []int
	integ  integrator.Integrator
	h      float64
	n      int
	tol    float64
}

var unrolledCases = []adjointCase{
	{"d=1 midpoint rk2 k=1", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 1}, 0.1, 5, 1e-10},
	{"d=1 midpoint rk2 k=3", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3}, 0.1, 5, 1e-10},
	{"d=1 midpoint observed k=1", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 1, Predictor: integrator.Observed}, 0.1, 5, 1e-10},
	{"d=1 midpoint observed k=3", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3, Predictor: integrator.Observed}, 0.1, 5, 1e-10},
	{"d=2 midpoint rk2 k=1", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 1}, 0.1, 4, 1e-10},
	{"d=2 midpoint rk2 k=3", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 3}, 0.1, 4, 1e-10},
	{"d=2 midpoint observed k=1", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 1, Predictor: integrator.Observed}, 0.1, 4, 1e-10},
	{"d=2 midpoint observed k=3", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 3, Predictor: integrator.Observed}, 0.1, 4, 1e-10},
	{"d=1 gauss-legendre rk2 k=3", 1, []int{8, 8}, integrator.GaussLegendre2{Iterations: 3}, 0.1, 5, 1e-10},
	{"d=1 gauss-legendre observed k=2", 1, []int{8, 8}, integrator.GaussLegendre2{Iterations: 2, Predictor: integrator.Observed}, 0.1, 5, 1e-10},
	{"d=2 gauss-legendre rk2 k=3", 2, []int{8, 6}, integrator.GaussLegendre2{Iterations: 3}, 0.1, 4, 1e-10},
	{"d=2 gauss-legendre observed k=1", 2, []int{8, 6}, integrator.GaussLegendre2{Iterations: 1, Predictor: integrator.Observed}, 0.1, 4, 1e-10},
	{"d=1 GL3 gauss-legendre-3 rk2 k=3", 1, []int{8, 8}, integrator.GaussLegendre3{Iterations: 3}, 0.1, 5, 1e-10},
	{"d=2 GL3 gauss-legendre-3 observed k=2", 2, []int{8, 6}, integrator.GaussLegendre3{Iterations: 2, Predictor: integrator.Observed}, 0.1, 4, 1e-10},
	{"d=1 midpoint newton rk2 k=3", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3, Solver: integrator.Newton}, 0.1, 5, 1e-10},
	{"d=2 midpoint newton observed k=2", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 2, Solver: integrator.Newton, Predictor: integrator.Observed}, 0.1, 4, 1e-10},
}

// TestAdjointMatchesBackprop: the unrolled discrete adjoint is the gradient
// Backprop computes through the same unrolled solver, to round-off.
func TestAdjointMatchesBackprop(t *testing.T) {
	for i, tc := range unrolledCases {
		t.Run(tc.name, func(t *testing.T) {
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(11+i))
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(uint64(3+i), 7, tc.n, tc.d, 1.5)
			_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
			_, adj := gradientsOf(t, gradient.DiscreteAdjoint{}, store, p, obs)
			if math.Abs(adj.Loss-bp.Loss) > 1e-13*bp.Loss || adj.Residual != bp.Residual && math.Abs(adj.Residual-bp.Residual) > 1e-13 {
				t.Errorf("loss/residual: adjoint %.17g/%.3g, backprop %.17g/%.3g", adj.Loss, adj.Residual, bp.Loss, bp.Residual)
			}
			if len(adj.Gradients) != len(bp.Gradients) {
				t.Fatalf("%d gradients, backprop has %d", len(adj.Gradients), len(bp.Gradients))
			}
			checkRel(t, "adjoint vs backprop", maxRelDiff(flatten(adj.Gradients), flatten(bp.Gradients)), tc.tol)
		})
	}
}

// TestAdjointMatchesFiniteDifferences checks the unrolled adjoint against
// central differences of the loss (the computer's own forward pass).
func TestAdjointMatchesFiniteDifferences(t *testing.T) {
	for i, tc := range []adjointCase{unrolledCases[1], unrolledCases[7], unrolledCases[8], unrolledCases[11], unrolledCases[14]} {
		t.Run(tc.name, func(t *testing.T) {
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(21+i))
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(uint64(5+i), 5, tc.n, tc.d, 1.5)
			c, adj := gradientsOf(t, gradient.DiscreteAdjoint{}, store, p, obs)
			fd := finiteDifferences(t, c, store, obs, 1e-6)
			checkRel(t, "adjoint vs central differences", maxRelDiff(flatten(adj.Gradients), fd), 1e-6)
		})
	}
}

var convergedCases = []adjointCase{
	{"d=1 h=0.05", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 50}, 0.05, 5, 1e-6},
	{"d=1 h=0.1 observed", 1, []int{6, 6}, integrator.ImplicitMidpoint{Iterations: 50, Predictor: integrator.Observed}, 0.1, 4, 1e-6},
	{"d=2 h=0.05", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 50}, 0.05, 4, 1e-6},
}

// TestConvergedAdjointMatchesFiniteDifferences checks the adjoint of the exact
// implicit midpoint map against central differences of a forward pass solved
// to convergence (50 sweeps), and against Backprop through those 50 sweeps.
func TestConvergedAdjointMatchesFiniteDifferences(t *testing.T) {
	for i, tc := range convergedCases {
		t.Run(tc.name, func(t *testing.T) {
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(31+i))
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(uint64(7+i), 5, tc.n, tc.d, 1.5)
			c, adj := gradientsOf(t, gradient.DiscreteAdjoint{Variant: gradient.Converged, AdjointIterations: 40}, store, p, obs)
			if adj.Residual > 1e-14 {
				t.Fatalf("forward pass not converged: residual %.3g", adj.Residual)
			}
			fd := finiteDifferences(t, c, store, obs, 1e-6)
			checkRel(t, "converged adjoint vs central differences", maxRelDiff(flatten(adj.Gradients), fd), tc.tol)
			_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
			checkRel(t, "converged adjoint vs backprop (50 sweeps)", maxRelDiff(flatten(adj.Gradients), flatten(bp.Gradients)), 1e-10)
			// With the default 20 adjoint iterations.
			_, adj20 := gradientsOf(t, gradient.DiscreteAdjoint{Variant: gradient.Converged}, store, p, obs)
			checkRel(t, "converged adjoint (20 iterations) vs backprop", maxRelDiff(flatten(adj20.Gradients), flatten(bp.Gradients)), 1e-10)
		})
	}
}

// TestNewtonGradientIsTheConvergedAdjoint: two independent routes to the
// gradient of the exact implicit midpoint map, at h = 0.3, d = 2: backprop through 3
// Newton steps (whose last step carries the implicit-function-theorem
// derivatives) and the Converged adjoint (the cotangent lift, its μ solved
// by 40 fixed-point iterations) on a forward pass of 60 sweeps. The
// unrolled gradient through 1 sweep is the negative control.
func TestNewtonGradientIsTheConvergedAdjoint(t *testing.T) {
	store, mlp := newModel(2, []int{8, 6}, dtypes.Float64, 43)
	obs := testutil.RandomWindows(12, 5, 4, 2, 1.5)
	newton := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3, Solver: integrator.Newton}, Step: 0.3, Rollout: 4}
	_, nw := gradientsOf(t, gradient.Backprop{}, store, newton, obs)
	conv := newton
	conv.Integrator = integrator.ImplicitMidpoint{Iterations: 60}
	_, cv := gradientsOf(t, gradient.DiscreteAdjoint{Variant: gradient.Converged, AdjointIterations: 40}, store, conv, obs)
	if cv.Residual > 1e-14 || nw.Residual > 1e-14 {
		t.Fatalf("forward passes not converged: residuals %.3g (sweeps), %.3g (Newton)", cv.Residual, nw.Residual)
	}
	if math.Abs(nw.Loss-cv.Loss) > 1e-13*cv.Loss {
		t.Errorf("loss: Newton %.17g, 60 sweeps %.17g", nw.Loss, cv.Loss)
	}
	checkRel(t, "backprop through Newton vs converged adjoint", maxRelDiff(flatten(nw.Gradients), flatten(cv.Gradients)), 1e-10)
	one := newton
	one.Integrator = integrator.ImplicitMidpoint{Iterations: 1}
	_, un := gradientsOf(t, gradient.Backprop{}, store, one, obs)
	if d := maxRelDiff(flatten(un.Gradients), flatten(cv.Gradients)); d < 1e-6 {
		t.Errorf("1 sweep at h = 0.3 gives the converged gradient to %.3g: the check cannot tell", d)
	}
}

// TestConvergedAdjointWithUnconvergedForward: with k = 3 sweeps the
// converged variant is close to, but not exactly, the unrolled gradient; the
// gap is of the size of the solver error, not round-off.
func TestConvergedAdjointWithUnconvergedForward(t *testing.T) {
	store, mlp := newModel(1, []int{8, 8}, dtypes.Float64, 41)
	p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.1, Rollout: 5}
	obs := testutil.RandomWindows(9, 5, 5, 1, 1.5)
	_, un := gradientsOf(t, gradient.DiscreteAdjoint{}, store, p, obs)
	_, cv := gradientsOf(t, gradient.DiscreteAdjoint{Variant: gradient.Converged}, store, p, obs)
	d := maxRelDiff(flatten(cv.Gradients), flatten(un.Gradients))
	t.Logf("k=3, residual %.3g: converged vs unrolled adjoint: max relative difference %.3g", un.Residual, d)
	if !(d < 1e-3) || d < 1e-12 {
		t.Errorf("converged vs unrolled adjoint at k=3: max relative difference %.3g, want in (1e-12, 1e-3)", d)
	}
}

// TestAdjointRejectsFlaws shows that the tolerance above is meaningful: the
// two mistakes of a public implementation move the gradient by far more than
// it. The flawed adjoints (adjoint_flaws_test.go) are the production sweep's
// pieces with one replaced:
//
//   - LastStateOnlySeeding seeds the backward sweep with ∂L/∂y_N only (the
//     paper's terminal condition (18) alone), dropping the jump ∂L/∂y_i that
//     every other observed state of the loss (26) adds on the way back;
//   - UntransposedJacobian applies A = ∂F/∂y in the Converged step where Aᵀ
//     belongs: μ = λ₁ + (h/2)·Aμ, λ₀ = μ + (h/2)·Aμ.
func TestAdjointRejectsFlaws(t *testing.T) {
	cases := []struct {
		name string
		m    gradient.Method
		tc   adjointCase
	}{
		{"last-state-only seeding (unrolled)", gradient.LastStateOnlySeeding{}, unrolledCases[1]},
		{"last-state-only seeding (converged)", gradient.LastStateOnlySeeding{Variant: gradient.Converged}, convergedCases[0]},
		{"untransposed Jacobian d=1 (converged)", gradient.UntransposedJacobian{}, convergedCases[0]},
		{"untransposed Jacobian d=2 (converged)", gradient.UntransposedJacobian{}, convergedCases[2]},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := c.tc
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(51+i))
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(uint64(13+i), 5, tc.n, tc.d, 1.5)
			_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
			_, bad := gradientsOf(t, c.m, store, p, obs)
			d := maxRelDiff(flatten(bad.Gradients), flatten(bp.Gradients))
			t.Logf("flawed adjoint vs backprop: max relative difference %.3g (the correct one: ≤ %.0g)", d, tc.tol)
			if !(d > 1e3*tc.tol) {
				t.Errorf("flawed adjoint is within %.3g of backprop: the test cannot tell it apart", d)
			}
		})
	}
}

// TestAdjointRecompute measures the error of recovering the states by
// integrating backwards (DiscreteAdjoint.Recompute).
func TestAdjointRecompute(t *testing.T) {
	cases := []struct {
		tc       adjointCase
		variant  gradient.Variant
		min, max float64 // expected range of the relative gradient error
	}{
		// Unconverged forward solves (k sweeps): the error is the solver's, about 0.01–0.1 × the forward residual.
		{unrolledCases[1], gradient.Unrolled, 0, 1e-8},
		{unrolledCases[3], gradient.Unrolled, 0, 1e-6},
		{unrolledCases[10], gradient.Unrolled, 0, 1e-11},
		{adjointCase{"d=1 midpoint rk2 k=3 h=0.3", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3}, 0.3, 5, 0}, gradient.Unrolled, 1e-12, 1e-5},
		{adjointCase{"d=2 midpoint rk2 k=3 h=0.3 N=20", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 3}, 0.3, 20, 0}, gradient.Unrolled, 1e-12, 1e-5},
		{adjointCase{"d=2 midpoint rk2 k=6 h=0.3", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 6}, 0.3, 5, 0}, gradient.Unrolled, 0, 1e-10},
		{adjointCase{"d=2 gauss-legendre k=3 h=0.3", 2, []int{8, 6}, integrator.GaussLegendre2{Iterations: 3}, 0.3, 5, 0}, gradient.Unrolled, 1e-12, 1e-5},
		// Converged forward solves: round-off only.
		{adjointCase{"d=2 midpoint k=50 h=0.3 N=20", 2, []int{8, 6}, integrator.ImplicitMidpoint{Iterations: 50}, 0.3, 20, 0}, gradient.Unrolled, 0, 1e-13},
		{convergedCases[0], gradient.Unrolled, 0, 1e-13},
		{convergedCases[2], gradient.Converged, 0, 1e-13},
		{convergedCases[1], gradient.Converged, 0, 1e-13},
	}
	for i, c := range cases {
		tc := c.tc
		t.Run(fmt.Sprintf("%s %s", tc.name, c.variant), func(t *testing.T) {
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(61+i))
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(uint64(17+i), 7, tc.n, tc.d, 1.5)
			_, stored := gradientsOf(t, gradient.DiscreteAdjoint{Variant: c.variant}, store, p, obs)
			_, rec := gradientsOf(t, gradient.DiscreteAdjoint{Variant: c.variant, Recompute: true}, store, p, obs)
			if rec.Loss != stored.Loss {
				t.Errorf("loss %.17g with recompute, %.17g without", rec.Loss, stored.Loss)
			}
			d := maxRelDiff(flatten(rec.Gradients), flatten(stored.Gradients))
			t.Logf("%s, forward residual %.3g: recomputed vs stored states: max relative gradient difference %.3g", tc.integ, stored.Residual, d)
			if !(d >= c.min && d <= c.max) {
				t.Errorf("recomputed vs stored states: max relative difference %.3g, want in [%.0g, %.0g]", d, c.min, c.max)
			}
		})
	}
}

// sgd is the update v ← v − 0.1·g, written out.
func sgd(store *model.Store) gradient.Update {
	return func(root *model.Scope, grads []*Node, _ dtypes.DType) {
		for i, v := range gradient.TrainableVariables(store) {
			v.SetNodeValue(Sub(v.NodeValue(grads[i].Graph()), MulScalar(grads[i], 0.1)))
		}
	}
}

func adam(store *model.Store) gradient.Update {
	opt := optimizer.Adam().LearningRate(0.01).Done().(interface {
		UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
	}) // train.OptimizeWithGradients
	return func(root *model.Scope, grads []*Node, dtype dtypes.DType) {
		opt.UpdateGraphWithGradients(root, grads, dtype)
	}
}

// TestAdjointTrainMatchesBackprop: Train with an update changes the weights
// exactly as Backprop's Train does.
func TestAdjointTrainMatchesBackprop(t *testing.T) {
	cases := []struct {
		name   string
		update func(*model.Store) gradient.Update
		tc     adjointCase
		method gradient.Method
		tol    float64
	}{
		{"sgd midpoint k=3", sgd, unrolledCases[1], gradient.DiscreteAdjoint{}, 1e-12},
		{"sgd gauss-legendre d=2", sgd, unrolledCases[10], gradient.DiscreteAdjoint{}, 1e-12},
		{"sgd midpoint observed k=3, recompute", sgd, unrolledCases[3], gradient.DiscreteAdjoint{Recompute: true}, 1e-5},
		{"adam midpoint d=2 k=3", adam, unrolledCases[5], gradient.DiscreteAdjoint{}, 1e-12},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := c.tc
			var weights [2][][]float64
			var losses [2][]float64
			for j, m := range []gradient.Method{gradient.Backprop{}, c.method} {
				store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, uint64(71+i))
				p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
				comp, err := m.Compile(testutil.Backend(), store, p, c.update(store))
				if err != nil {
					t.Fatal(err)
				}
				for s := range 3 {
					r, err := comp.Train(testutil.RandomWindows(uint64(100+s), 9, tc.n, tc.d, 1.5))
					if err != nil {
						t.Fatal(err)
					}
					if r.Gradients != nil {
						t.Error("Train returned gradients")
					}
					losses[j] = append(losses[j], r.Loss)
				}
				for _, v := range gradient.TrainableVariables(store) {
					weights[j] = append(weights[j], tensors.MustCopyFlatData[float64](v.MustValue()))
				}
			}
			// Weights changed, and changed the same way.
			store0, _ := newModel(tc.d, tc.widths, dtypes.Float64, uint64(71+i))
			var init [][]float64
			for _, v := range gradient.TrainableVariables(store0) {
				init = append(init, tensors.MustCopyFlatData[float64](v.MustValue()))
			}
			if moved := maxRelDiff(weights[0], init); moved < 1e-4 {
				t.Fatalf("backprop Train barely moved the weights (%.3g)", moved)
			}
			checkRel(t, "weights after 3 steps, adjoint vs backprop", maxRelDiff(weights[1], weights[0]), c.tol)
			for s := range losses[0] {
				if math.Abs(losses[1][s]-losses[0][s]) > 1e3*c.tol*losses[0][s] {
					t.Errorf("step %d: loss %.17g, backprop %.17g", s, losses[1][s], losses[0][s])
				}
			}
		})
	}
}

func TestAdjointFloat32(t *testing.T) {
	store, mlp := newModel(1, []int{8, 8}, dtypes.Float32, 81)
	p := gradient.Problem{Model: mlp, Step: 0.1, Rollout: 4}
	obs64 := testutil.RandomWindows(23, 6, 4, 1, 1.5)
	flat := tensors.MustCopyFlatData[float64](obs64)
	f32 := make([]float32, len(flat))
	for i, v := range flat {
		f32[i] = float32(v)
	}
	obs := tensors.FromFlatDataAndDimensions(f32, obs64.Shape().Dimensions...)
	_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
	_, adj := gradientsOf(t, gradient.DiscreteAdjoint{}, store, p, obs)
	to64 := func(ts []*tensors.Tensor) [][]float64 {
		out := make([][]float64, len(ts))
		for i, t := range ts {
			for _, v := range tensors.MustCopyFlatData[float32](t) {
				out[i] = append(out[i], float64(v))
			}
		}
		return out
	}
	checkRel(t, "float32 adjoint vs backprop", maxRelDiff(to64(adj.Gradients), to64(bp.Gradients)), 1e-5)
}

func TestAdjointErrors(t *testing.T) {
	store, mlp := newModel(1, []int{4}, dtypes.Float64, 1)
	p := gradient.Problem{Model: mlp, Integrator: integrator.GaussLegendre2{}, Step: 0.1, Rollout: 2}
	if _, err := (gradient.DiscreteAdjoint{Variant: gradient.Converged}).Compile(testutil.Backend(), store, p, nil); err == nil ||
		!strings.Contains(err.Error(), "implicit midpoint") {
		t.Errorf("converged variant with Gauss–Legendre: got error %v", err)
	}
	c, err := gradient.DiscreteAdjoint{}.Compile(testutil.Backend(), store, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Train(testutil.RandomWindows(1, 2, 2, 1, 1)); err == nil {
		t.Error("Train without an Update: no error")
	}
	if _, err := (gradient.DiscreteAdjoint{}).Compile(testutil.Backend(), store, gradient.Problem{Model: mlp}, nil); err == nil {
		t.Error("zero step: no error")
	}
	if _, err := (gradient.DiscreteAdjoint{Chunk: -1}).Compile(testutil.Backend(), store, p, nil); err == nil ||
		!strings.Contains(err.Error(), "chunk") {
		t.Errorf("negative chunk: got error %v", err)
	}
	if v, err := gradient.ParseVariant("converged"); err != nil || v != gradient.Converged {
		t.Errorf("ParseVariant(converged) = %v, %v", v, err)
	}
	if _, err := gradient.ParseVariant("exact"); err == nil {
		t.Error("ParseVariant(exact): no error")
	}
}

// sliceObserved serves the states of a float64 window tensor one index at a
// time, counting the live tensors it handed out.
type sliceObserved struct {
	vals    []float64
	b, n, w int
	calls   int
}

func newSliceObserved(obs *tensors.Tensor) *sliceObserved {
	dims := obs.Shape().Dimensions
	return &sliceObserved{vals: tensors.MustCopyFlatData[float64](obs), b: dims[0], n: dims[1] - 1, w: dims[2]}
}

func (s *sliceObserved) State(i int) (*tensors.Tensor, error) {
	s.calls++
	out := make([]float64, 0, s.b*s.w)
	for k := range s.b {
		off := (k*(s.n+1) + i) * s.w
		out = append(out, s.vals[off:off+s.w]...)
	}
	return tensors.FromFlatDataAndDimensions(out, s.b, s.w), nil
}

// TestAdjointCheckpointsAndStepwise: bounding the stored states (checkpoints
// every ⌈√N⌉ steps, segments recomputed forward) and taking the observed
// states one index at a time leave the gradient unchanged, bit for bit at the
// default chunk; other chunk lengths (the sweep's sums in another order)
// change it by round-off only.
func TestAdjointCheckpointsAndStepwise(t *testing.T) {
	for _, tc := range []adjointCase{
		{"d=1 midpoint rk2 k=3 N=10", 1, []int{8, 8}, integrator.ImplicitMidpoint{Iterations: 3}, 0.1, 10, 0},
		{"d=2 gauss-legendre observed k=2 N=7", 2, []int{8, 6}, integrator.GaussLegendre2{Iterations: 2, Predictor: integrator.Observed}, 0.1, 7, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, mlp := newModel(tc.d, tc.widths, dtypes.Float64, 91)
			p := gradient.Problem{Model: mlp, Integrator: tc.integ, Step: tc.h, Rollout: tc.n}
			obs := testutil.RandomWindows(29, 6, tc.n, tc.d, 1.5)
			_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
			_, all := gradientsOf(t, gradient.DiscreteAdjoint{MaxStoredStates: -1}, store, p, obs)
			ref := flatten(all.Gradients)
			checkRel(t, "all states stored vs backprop", maxRelDiff(ref, flatten(bp.Gradients)), 1e-10)
			for _, m := range []gradient.DiscreteAdjoint{{MaxStoredStates: 3}, {MaxStoredStates: 1}, {}, {Recompute: true},
				{Chunk: 1}, {Chunk: 1, MaxStoredStates: 3}, {Chunk: 2, MaxStoredStates: 4}, {Chunk: 4, MaxStoredStates: 3}, {Chunk: 50}} {
				c, r := gradientsOf(t, m, store, p, obs)
				// (Recompute's error is the solver's: TestAdjointRecompute.)
				tol := 0.0
				if m.Chunk != 0 {
					tol = 1e-13
				}
				if d := maxRelDiff(flatten(r.Gradients), ref); d > tol && !m.Recompute {
					t.Errorf("MaxStoredStates %d, chunk %d: gradient differs from storing all states by %.3g > %.0g", m.MaxStoredStates, m.Chunk, d, tol)
				}
				if math.Abs(r.Loss-all.Loss) > 1e-15*all.Loss {
					t.Errorf("MaxStoredStates %d, chunk %d: loss %.17g, %.17g storing all states", m.MaxStoredStates, m.Chunk, r.Loss, all.Loss)
				}
				sc, ok := c.(gradient.StepwiseComputer)
				if !ok {
					t.Fatal("the adjoint's computer is not a StepwiseComputer")
				}
				src := newSliceObserved(obs)
				rs, err := sc.GradientsStepwise(src)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(flatten(rs.Gradients), flatten(r.Gradients)); d != 0 || rs.Loss != r.Loss || rs.Residual != r.Residual {
					t.Errorf("%s MaxStoredStates %d: stepwise gradient differs by %.3g, loss %.17g vs %.17g", m, m.MaxStoredStates, d, rs.Loss, r.Loss)
				}
				l, err := sc.LossStepwise(newSliceObserved(obs))
				if err != nil || l.Loss != r.Loss {
					t.Errorf("LossStepwise: %.17g, %v; want %.17g", l.Loss, err, r.Loss)
				}
			}
		})
	}
}

// TestAdjointTrainStepwise: TrainStepwise updates the weights as Train does.
func TestAdjointTrainStepwise(t *testing.T) {
	var weights [2][][]float64
	for j := range 2 {
		store, mlp := newModel(1, []int{8, 8}, dtypes.Float64, 93)
		p := gradient.Problem{Model: mlp, Step: 0.1, Rollout: 5}
		c, err := gradient.DiscreteAdjoint{}.Compile(testutil.Backend(), store, p, adam(store))
		if err != nil {
			t.Fatal(err)
		}
		for s := range 2 {
			obs := testutil.RandomWindows(uint64(40+s), 9, 5, 1, 1.5)
			if j == 0 {
				_, err = c.Train(obs)
			} else {
				_, err = c.(gradient.StepwiseComputer).TrainStepwise(newSliceObserved(obs))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range gradient.TrainableVariables(store) {
			weights[j] = append(weights[j], tensors.MustCopyFlatData[float64](v.MustValue()))
		}
	}
	if d := maxRelDiff(weights[1], weights[0]); d != 0 {
		t.Errorf("weights after TrainStepwise differ from Train's by %.3g", d)
	}
}

func TestAutoChoosesByRollout(t *testing.T) {
	for _, c := range []struct {
		auto gradient.Auto
		n    int
		want string
	}{
		{gradient.Auto{}, 6, "backprop"},
		{gradient.Auto{}, gradient.DefaultCrossover, "backprop"},
		{gradient.Auto{}, gradient.DefaultCrossover + 1, "adjoint"},
		{gradient.Auto{Crossover: 4}, 5, "adjoint"},
	} {
		if got := c.auto.Choose(c.n).String(); got != c.want {
			t.Errorf("Auto{%d}.Choose(%d) = %s, want %s", c.auto.Crossover, c.n, got, c.want)
		}
	}
	// Compiled, it computes the chosen method's gradient; a custom objective gets Backprop.
	store, mlp := newModel(1, []int{6}, dtypes.Float64, 95)
	p := gradient.Problem{Model: mlp, Step: 0.1, Rollout: 5}
	obs := testutil.RandomWindows(31, 4, 5, 1, 1.5)
	_, bp := gradientsOf(t, gradient.Backprop{}, store, p, obs)
	c, auto := gradientsOf(t, gradient.Auto{Crossover: 2}, store, p, obs)
	if _, ok := c.(gradient.StepwiseComputer); !ok {
		t.Error("Auto{2} at N=5 did not compile the adjoint")
	}
	checkRel(t, "auto (adjoint) vs backprop", maxRelDiff(flatten(auto.Gradients), flatten(bp.Gradients)), 1e-10)
	p.Objective = gradient.RolloutLoss
	if _, err := (gradient.Auto{Crossover: 2}).Compile(testutil.Backend(), store, p, nil); err != nil {
		t.Errorf("Auto with a custom objective: %v", err)
	}
}

// TestShardsAndShortRollouts: cutting the batch into shards (independent
// graph branches) and the adjoint's chunks (rollouts N = 1, 2 and 3 included,
// where the last chunk is the whole rollout and the forward pass runs no
// step, and N = 7, whose last chunk is shorter) leave the loss and the
// gradient unchanged, for every method.
func TestShardsAndShortRollouts(t *testing.T) {
	methods := []gradient.Method{
		gradient.Backprop{},
		gradient.DiscreteAdjoint{},
		gradient.DiscreteAdjoint{MaxStoredStates: 2},
		gradient.DiscreteAdjoint{Chunk: 1},
		gradient.DiscreteAdjoint{Chunk: 2, MaxStoredStates: 2},
		gradient.DiscreteAdjoint{Recompute: true},
		gradient.DiscreteAdjoint{Variant: gradient.Converged},
	}
	for _, n := range []int{1, 2, 3, 5, 7} {
		store, mlp := newModel(2, []int{8, 6}, dtypes.Float64, 5)
		obs := testutil.RandomWindows(8, 12, n, 2, 1.5)
		p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.1, Rollout: n, Shards: 1}
		_, ref := gradientsOf(t, gradient.Backprop{}, store, p, obs)
		for _, m := range methods {
			for _, shards := range []int{1, 2, 3, 5} { // 5 does not divide B = 12: not cut
				p.Shards = shards
				_, r := gradientsOf(t, m, store, p, obs)
				tol := 1e-12
				if m.String() != "backprop" && m.String() != "adjoint" {
					tol = 1e-6 // converged and recompute differ from the unrolled map by the solver error
				}
				what := fmt.Sprintf("N=%d %s shards=%d", n, m, shards)
				if math.Abs(r.Loss-ref.Loss) > 1e-13*ref.Loss {
					t.Errorf("%s: loss %.17g, unsharded backprop %.17g", what, r.Loss, ref.Loss)
				}
				if d := maxRelDiff(flatten(r.Gradients), flatten(ref.Gradients)); d > tol || math.IsNaN(d) {
					t.Errorf("%s: gradient differs from unsharded backprop by %.3g > %.0g", what, d, tol)
				}
			}
		}
	}
}
