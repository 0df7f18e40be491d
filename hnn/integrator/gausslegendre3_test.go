package integrator_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// glDoublePendulum is F for the double pendulum (system.DoublePendulum):
// with Δ = q₁ − q₂, D = 1 + sin²Δ, N = p₁² + 2p₂² − 2p₁p₂cos Δ and
// T = p₁p₂ sin Δ/D − N sin Δ cos Δ/D²,
// F = ((p₁ − p₂cos Δ)/D, (2p₂ − p₁cos Δ)/D, −T − 2sin q₁, T − sin q₂).
func glDoublePendulum(y *Node) *Node {
	col := func(i int) *Node { return Slice(y, AxisRange(), AxisRange(i, i+1)) }
	q1, q2, p1, p2 := col(0), col(1), col(2), col(3)
	delta := Sub(q1, q2)
	s, c := Sin(delta), Cos(delta)
	d := OnePlus(Square(s))
	n := Sub(Add(Square(p1), MulScalar(Square(p2), 2)), MulScalar(Mul(Mul(p1, p2), c), 2))
	t := Sub(Div(Mul(Mul(p1, p2), s), d), Div(Mul(Mul(n, s), c), Square(d)))
	return Concatenate([]*Node{
		Div(Sub(p1, Mul(p2, c)), d),
		Div(Sub(MulScalar(p2, 2), Mul(p1, c)), d),
		Neg(Add(t, MulScalar(Sin(q1), 2))),
		Sub(t, Sin(q2)),
	}, 1)
}

// glIntegrateSteps runs n steps of integ from the rows of y0 with one
// compiled step called n times (a graph of one step, not of n) and returns
// the final states.
func glIntegrateSteps(t *testing.T, integ integrator.Integrator, f integrator.VectorField, y0 [][]float64, h float64, n int) [][]float64 {
	t.Helper()
	flat := []float64{}
	for _, r := range y0 {
		flat = append(flat, r...)
	}
	dim := len(y0[0])
	e := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		y1, _ := integ.Step(f, y, nil, h)
		return y1
	})
	y := tensors.FromFlatDataAndDimensions(flat, len(y0), dim)
	for range n {
		y = e.MustCall1(y)
	}
	out := tensors.MustCopyFlatData[float64](y)
	res := make([][]float64, len(y0))
	for i := range res {
		res[i] = out[i*dim : (i+1)*dim]
	}
	return res
}

// TestGaussLegendre3Order measures the global error at T = 1 for step sizes
// halving from T/startN and checks the last observed order log₂(e(h)/e(h/2))
// against the expected one within tol (relative). The reference is the exact
// flow (harmonic), package reference's explicit extrapolation at Tol = 10⁻¹⁵
// (double pendulum: non-separable and nonlinear; it shares no code with this
// package) or the same method at h/2 (self-convergence).
//
// With the RK2 predictor (stage error O(h³)) each sweep gains one power of h,
// so k sweeps give a local error O(h^(k+3)) and order min(6, k + 2): 5 for the
// default k = 3, the method's 6 for k ≥ 4. The controls show that the slope
// test tells 6 from 5 and 4.
func TestGaussLegendre3Order(t *testing.T) {
	const T = 1.0
	y0 := [][]float64{{1, 0}, {0.3, -0.7}, {-1.2, 0.5}}
	exactHarmonic := func(y0 [][]float64) [][]float64 {
		out := make([][]float64, len(y0))
		for i, r := range y0 {
			c, s := math.Cos(T), math.Sin(T)
			out[i] = []float64{c*r[0] + s*r[1], -s*r[0] + c*r[1]}
		}
		return out
	}
	dp := system.DoublePendulum{}
	exactDP := func(y0 [][]float64) [][]float64 {
		out := make([][]float64, len(y0))
		for i, r := range y0 {
			tr, err := reference.Extrapolation{Tol: 1e-15}.Trajectory(dp, r, T, 1)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = tr[1]
		}
		return out
	}
	// A turning-over orbit (H ≈ 0.40) and a regular one (H ≈ −1.60).
	dpY0 := [][]float64{{1, 1, 0.9, -0.9}, {-0.8, 0.9, 0.5, 0.8}}
	cases := []struct {
		name   string
		integ  integrator.Integrator
		f      integrator.VectorField
		exact  func([][]float64) [][]float64 // nil: self-convergence (compare with h/2)
		y0     [][]float64
		startN int
		refine int
		order  float64
		tol    float64
	}{
		{"harmonic converged", integrator.GaussLegendre3{Iterations: 50}, glHarmonic, exactHarmonic, y0, 1, 4, 6, 0.05},
		{"pendulum converged (self-convergence)", integrator.GaussLegendre3{Iterations: 50}, glPendulum, nil, y0, 2, 4, 6, 0.05},
		{"double pendulum converged", integrator.GaussLegendre3{Iterations: 50}, glDoublePendulum, exactDP, dpY0, 8, 4, 6, 0.05},
		{"double pendulum k=4 rk2", integrator.GaussLegendre3{Iterations: 4}, glDoublePendulum, exactDP, dpY0, 8, 4, 6, 0.05},
		{"control: double pendulum k=3 rk2 is order 5", integrator.GaussLegendre3{Iterations: 3}, glDoublePendulum, exactDP, dpY0, 8, 4, 5, 0.05},
		{"control: gauss-legendre-2 is order 4", integrator.GaussLegendre2{Iterations: 50}, glDoublePendulum, exactDP, dpY0, 8, 4, 4, 0.05},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errs []float64
			for r := range tc.refine {
				n := tc.startN << r
				h := T / float64(n)
				got := glIntegrateSteps(t, tc.integ, tc.f, tc.y0, h, n)
				var ref [][]float64
				if tc.exact != nil {
					ref = tc.exact(tc.y0)
				} else {
					ref = glIntegrateSteps(t, tc.integ, tc.f, tc.y0, h/2, 2*n)
				}
				errs = append(errs, glMaxAbsDiff(got, ref))
			}
			for r := 1; r < len(errs); r++ {
				p := math.Log2(errs[r-1] / errs[r])
				t.Logf("h=%g: error %.3g, observed order %.3f", T/float64(tc.startN<<r), errs[r], p)
				if r == len(errs)-1 && (math.Abs(p-tc.order) > tc.tol*tc.order || math.IsNaN(p)) {
					t.Errorf("observed order %.3f, want %g ± %.0f%%", p, tc.order, 100*tc.tol)
				}
			}
		})
	}
}

// TestGaussLegendre3ObservedOrder checks the order with the Observed
// predictor fed the true next state (the extrapolation reference): linear
// interpolation starts the stages O(h²) away, so k sweeps give order
// min(6, k + 1): 6 for k = 5, 5 for k = 4 (the control).
func TestGaussLegendre3ObservedOrder(t *testing.T) {
	const T, finest = 1.0, 128
	dp := system.DoublePendulum{}
	y0 := []float64{1, 1, 0.9, -0.9}
	exact, err := reference.Extrapolation{Tol: 1e-15}.Trajectory(dp, y0, T/finest, finest)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		k     int
		order float64
		tol   float64
	}{{5, 6, 0.05}, {4, 5, 0.05}} {
		integ := integrator.GaussLegendre3{Iterations: tc.k, Predictor: integrator.Observed}
		t.Run(fmt.Sprintf("k=%d", tc.k), func(t *testing.T) {
			prev, p := 0.0, 0.0
			for _, n := range []int{16, 32, 64, 128} {
				h := T / float64(n)
				e := MustNewExec(testutil.Backend(), func(y, guess *Node) *Node {
					y1, _ := integ.Step(glDoublePendulum, y, guess, h)
					return y1
				})
				y := tensors.FromFlatDataAndDimensions(append([]float64(nil), y0...), 1, 4)
				for i := 1; i <= n; i++ {
					y = e.MustCall1(y, tensors.FromFlatDataAndDimensions(append([]float64(nil), exact[i*(finest/n)]...), 1, 4))
				}
				got := tensors.MustCopyFlatData[float64](y)
				e1 := glMaxAbsDiff([][]float64{got}, [][]float64{exact[finest]})
				if prev > 0 {
					p = math.Log2(prev / e1)
					t.Logf("h=%g: error %.3g, observed order %.3f", h, e1, p)
				}
				prev = e1
			}
			if math.Abs(p-tc.order) > tc.tol*tc.order || math.IsNaN(p) {
				t.Errorf("observed order %.3f, want %g ± %.0f%%", p, tc.order, 100*tc.tol)
			}
		})
	}
}

// TestGaussLegendre3Symplectic checks MᵀJM = J for the Jacobian M = ∂y₁/∂y₀
// of a converged step (by autodiff through the unrolled sweeps), on a linear,
// a nonlinear and a non-separable 2-degree-of-freedom system; an unconverged
// step (k = 1) is not symplectic, which shows the check can fail.
func TestGaussLegendre3Symplectic(t *testing.T) {
	cases := []struct {
		name  string
		f     integrator.VectorField
		y0    []float64
		d     int
		h     float64
		integ integrator.Integrator
		tol   float64
		// broken marks a control that must violate MᵀJM = J by more than 100·tol.
		broken bool
	}{
		{"harmonic", glHarmonic, []float64{1, 0, 0.3, -0.7}, 1, 0.3, integrator.GaussLegendre3{Iterations: 60}, 1e-13, false},
		{"pendulum", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 1, 0.2, integrator.GaussLegendre3{Iterations: 60}, 1e-13, false},
		{"henon-heiles", glHenonHeiles, []float64{0.1, -0.2, 0.3, 0.1, 0.4, 0.1, -0.3, 0.25}, 2, 0.2, integrator.GaussLegendre3{Iterations: 60, Predictor: integrator.Observed}, 1e-13, false},
		{"double pendulum", glDoublePendulum, []float64{0.5, -0.3, 0.2, 0.4, 1, 1, 0.9, -0.9}, 2, 0.1, integrator.GaussLegendre3{Iterations: 60}, 1e-13, false},
		{"control: double pendulum, unconverged k=1 is not symplectic", glDoublePendulum, []float64{0.5, -0.3, 0.2, 0.4, 1, 1, 0.9, -0.9}, 2, 0.1, integrator.GaussLegendre3{Iterations: 1}, 1e-13, true},
		{"control: pendulum, unconverged k=1 is not symplectic", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 1, 0.2, integrator.GaussLegendre3{Iterations: 1}, 1e-13, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			worst := symplecticityError(t, tc.integ, tc.f, tc.y0, tc.d, tc.h)
			t.Logf("max |MᵀJM − J| = %.3g", worst)
			if tc.broken {
				if !(worst > 100*tc.tol) {
					t.Errorf("control: max |MᵀJM − J| = %.3g, expected a visible violation", worst)
				}
				return
			}
			if worst > tc.tol || math.IsNaN(worst) {
				t.Errorf("max |MᵀJM − J| = %.3g > %.0g", worst, tc.tol)
			}
		})
	}
}

// symplecticityError returns max |MᵀJM − J| over the samples (rows of y0,
// each of length 2d) for the autodiff Jacobian M of one step.
func symplecticityError(t *testing.T, integ integrator.Integrator, f integrator.VectorField, y0 []float64, d int, h float64) float64 {
	t.Helper()
	n2 := 2 * d
	b := len(y0) / n2
	e := MustNewExec(testutil.Backend(), func(y0 *Node) *Node {
		y1, _ := integ.Step(f, y0, nil, h)
		rows := make([]*Node, n2)
		for c := range n2 {
			rows[c] = Gradient(ReduceAllSum(Slice(y1, AxisRange(), AxisRange(c, c+1))), y0)[0] // row c of M per sample
		}
		return Stack(rows, 1) // [B, 2d, 2d]
	})
	m := tensors.MustCopyFlatData[float64](e.MustCall1(tensors.FromFlatDataAndDimensions(y0, b, n2)))
	J := func(i, j int) float64 {
		switch {
		case j == i+d:
			return 1
		case i == j+d:
			return -1
		}
		return 0
	}
	worst := 0.0
	for s := range b {
		M := func(i, j int) float64 { return m[s*n2*n2+i*n2+j] }
		for i := range n2 {
			for j := range n2 {
				v := 0.0
				for k := range n2 {
					for l := range n2 {
						v += M(k, i) * J(k, l) * M(l, j)
					}
				}
				worst = math.Max(worst, math.Abs(v-J(i, j)))
			}
		}
	}
	return worst
}

// TestGaussLegendre3Residual checks that the reported residual shrinks with
// more sweeps and reaches round-off when they converge; for the linear
// harmonic field (‖L‖∞ = 1) that every ratio of successive residuals obeys
// the contraction bound h·‖a‖∞ ≈ 0.887·h; as a control, that it grows at
// h = 6, where h·ρ(a) ≈ 1.29 > 1 and the sweeps diverge; and that the Observed
// predictor uses the guess and falls back to RK2 without one.
func TestGaussLegendre3Residual(t *testing.T) {
	run := func(integ integrator.Integrator, f integrator.VectorField, y0 []float64, h float64, guess bool) (y1 []float64, res float64) {
		e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
			var g *Node
			if guess {
				g = MulScalar(y, 1.01)
			}
			return integ.Step(f, y, g, h)
		})
		out := e.MustCall(tensors.FromFlatDataAndDimensions(y0, len(y0)/2, 2))
		return tensors.MustCopyFlatData[float64](out[0]), tensors.ToScalar[float64](out[1])
	}
	const normA = 0.8873 // ‖a‖∞, the largest absolute row sum (the third row)
	for _, tc := range []struct {
		name string
		f    integrator.VectorField
		y0   []float64
		h    float64
		// bound, when > 0, is the largest allowed ratio of successive residuals.
		bound float64
		// diverges marks the control: the residual must grow instead.
		diverges bool
	}{
		{"pendulum h=0.1", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 0.1, 0, false},
		{"harmonic h=0.2", glHarmonic, []float64{1, 0, 0.3, -0.7}, 0.2, 0.2 * normA, false},
		{"harmonic h=0.5", glHarmonic, []float64{1, 0, 0.3, -0.7}, 0.5, 0.5 * normA, false},
		{"control: harmonic h=6 diverges", glHarmonic, []float64{1, 0, 0.3, -0.7}, 6, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.diverges {
				// The update oscillates (a has a complex eigenvalue pair) but grows
				// like (h·ρ(a))^k ≈ 1.29^k overall.
				_, r4 := run(integrator.GaussLegendre3{Iterations: 4}, tc.f, tc.y0, tc.h, false)
				_, r16 := run(integrator.GaussLegendre3{Iterations: 16}, tc.f, tc.y0, tc.h, false)
				t.Logf("k=4: residual %.3g, k=16: %.3g", r4, r16)
				if !(r16 > 10*r4) {
					t.Errorf("control: residual %.3g at k=16, %.3g at k=4: expected it to grow", r16, r4)
				}
				return
			}
			prev := math.Inf(1)
			for _, k := range []int{2, 4, 6, 8} {
				_, r := run(integrator.GaussLegendre3{Iterations: k}, tc.f, tc.y0, tc.h, false)
				_, r1 := run(integrator.GaussLegendre3{Iterations: k + 1}, tc.f, tc.y0, tc.h, false)
				t.Logf("k=%d: residual %.3g, next %.3g (ratio %.4f)", k, r, r1, r1/r)
				if !(r < prev) {
					t.Errorf("k=%d: residual %.3g did not shrink (previous %.3g)", k, r, prev)
				}
				if tc.bound > 0 && !(r1 <= tc.bound*r) {
					t.Errorf("k=%d: residual ratio %.4f above the contraction bound %.4f", k, r1/r, tc.bound)
				}
				prev = r
			}
			if _, r := run(integrator.GaussLegendre3{Iterations: 40}, tc.f, tc.y0, tc.h, false); r > 1e-15 {
				t.Errorf("k=40: residual %.3g, want round-off", r)
			}
		})
	}
	y0 := []float64{1, 0.2, 2.5, -0.7}
	a, _ := run(integrator.GaussLegendre3{Iterations: 1, Predictor: integrator.Observed}, glPendulum, y0, 0.1, true)
	b, _ := run(integrator.GaussLegendre3{Iterations: 1, Predictor: integrator.RK2}, glPendulum, y0, 0.1, true)
	c, _ := run(integrator.GaussLegendre3{Iterations: 1, Predictor: integrator.Observed}, glPendulum, y0, 0.1, false)
	if glMaxAbsDiff([][]float64{a}, [][]float64{b}) == 0 {
		t.Error("Observed predictor ignored the guess")
	}
	if glMaxAbsDiff([][]float64{b}, [][]float64{c}) != 0 {
		t.Error("Observed predictor without a guess should fall back to RK2")
	}
}

// TestGaussLegendre3Knobs checks the zero defaults, String and the misuse panics.
func TestGaussLegendre3Knobs(t *testing.T) {
	for _, tc := range []struct {
		m     integrator.GaussLegendre3
		iters int
		str   string
	}{
		{integrator.GaussLegendre3{}, integrator.DefaultIterations, "gauss-legendre-3 (order 6, predictor rk2, 3 fixed-point iterations)"},
		{integrator.GaussLegendre3{Iterations: 7, Predictor: integrator.Observed}, 7, "gauss-legendre-3 (order 6, predictor observed, 7 fixed-point iterations)"},
	} {
		if got := tc.m.Iters(); got != tc.iters {
			t.Errorf("%+v: Iters() = %d, want %d", tc.m, got, tc.iters)
		}
		if got := tc.m.String(); got != tc.str {
			t.Errorf("%+v: String() = %q, want %q", tc.m, got, tc.str)
		}
	}
	for _, tc := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"negative iterations", func() { integrator.GaussLegendre3{Iterations: -1}.Iters() }, "integrator: GaussLegendre3.Iterations must be ≥ 0"},
		{"odd state", func() {
			MustNewExec(testutil.Backend(), func(y *Node) *Node {
				y1, _ := integrator.GaussLegendre3{}.Step(glHarmonic, y, nil, 0.1)
				return y1
			}).MustCall(tensors.FromFlatDataAndDimensions(make([]float64, 6), 2, 3))
		}, "integrator: states must be [B, 2d]"},
		{"guess shape", func() {
			MustNewExec(testutil.Backend(), func(y, guess *Node) *Node {
				y1, _ := integrator.GaussLegendre3{Predictor: integrator.Observed}.Step(glHarmonic, y, guess, 0.1)
				return y1
			}).MustCall(tensors.FromFlatDataAndDimensions(make([]float64, 4), 2, 2),
				tensors.FromFlatDataAndDimensions(make([]float64, 6), 3, 2))
		}, "integrator: guess has shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.msg) {
					t.Errorf("panic %v, want one containing %q", r, tc.msg)
				}
			}()
			tc.f()
		})
	}
}
