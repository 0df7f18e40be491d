package integrator_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// coupledField is F for the non-separable H = p²/2 + q²/2 + α·p·q (d = 1):
// F = (p + αq, −(q + αp)).
func coupledField(alpha float64) integrator.VectorField {
	return func(y *Node) *Node {
		q := Slice(y, AxisRange(), AxisRange(0, 1))
		p := Slice(y, AxisRange(), AxisRange(1, 2))
		return Concatenate([]*Node{Add(p, MulScalar(q, alpha)), Neg(Add(q, MulScalar(p, alpha)))}, 1)
	}
}

// productField is F for the non-separable, nonlinear H = (q² + 1)(p² + 1)/2.
func productField(y *Node) *Node {
	q := Slice(y, AxisRange(), AxisRange(0, 1))
	p := Slice(y, AxisRange(), AxisRange(1, 2))
	one := OnePlus
	return Concatenate([]*Node{Mul(p, one(Square(q))), Neg(Mul(q, one(Square(p))))}, 1)
}

// observedOrder integrates to time T with h = T/n for n = startN·2^r and
// returns the observed orders log₂(e(h)/e(h/2)) against the reference
// (Richardson: the same method with h/2 when exact is nil).
func observedOrder(t *testing.T, integ integrator.Integrator, f integrator.VectorField, y0 [][]float64,
	exact func() [][]float64, T float64, startN, refines int) []float64 {
	t.Helper()
	var errs, orders []float64
	for r := range refines {
		n := startN << r
		h := T / float64(n)
		got := glIntegrate(t, integ, f, y0, h, n)
		var ref [][]float64
		if exact != nil {
			ref = exact()
		} else {
			ref = glIntegrate(t, integ, f, y0, h/2, 2*n)
		}
		errs = append(errs, glMaxAbsDiff(got, ref))
		if r > 0 {
			orders = append(orders, math.Log2(errs[r-1]/errs[r]))
			t.Logf("h=%g: error %.3g, observed order %.3f", h, errs[r], orders[len(orders)-1])
		}
	}
	return orders
}

func TestExplicitIntegratorsOrder(t *testing.T) {
	y0 := [][]float64{{1, 0}, {0.3, -0.7}, {-1.2, 0.5}}
	exactHarmonic := func() [][]float64 { // at T = 1
		c, s := math.Cos(1), math.Sin(1)
		out := make([][]float64, len(y0))
		for i, r := range y0 {
			out[i] = []float64{c*r[0] + s*r[1], -s*r[0] + c*r[1]}
		}
		return out
	}
	hh := [][]float64{{0.1, -0.2, 0.3, 0.1}, {0.2, 0.1, -0.1, 0.25}}
	cases := []struct {
		name   string
		integ  integrator.Integrator
		f      integrator.VectorField
		y0     [][]float64
		exact  func() [][]float64
		order  float64
		tol    float64
		startN int // negative: −startN steps to T = 1/4 (instead of T = 1)
	}{
		{"leapfrog harmonic", integrator.Leapfrog{}, glHarmonic, y0, exactHarmonic, 2, 0.05, 8},
		{"leapfrog pendulum", integrator.Leapfrog{}, glPendulum, y0, nil, 2, 0.05, 8},
		{"leapfrog henon-heiles (separable, d=2)", integrator.Leapfrog{}, glHenonHeiles, hh, nil, 2, 0.05, 8},
		{"leapfrog coupled oscillator (non-separable): first order", integrator.Leapfrog{}, coupledField(0.5), y0, nil, 1, 0.1, 8},
		// Tao with ω = 20 needs h·ω ≲ 1 to be in the asymptotic regime: h from 1/32, to T = 1/4.
		{"tao pendulum", integrator.Tao{}, glPendulum, y0, nil, 2, 0.05, -8},
		{"tao henon-heiles", integrator.Tao{}, glHenonHeiles, hh, nil, 2, 0.05, -8},
		{"tao coupled oscillator (non-separable)", integrator.Tao{}, coupledField(0.5), y0, nil, 2, 0.05, -8},
		{"tao product oscillator (non-separable, nonlinear), ω = 5", integrator.Tao{Omega: 5}, productField, y0, nil, 2, 0.05, -8},
		{"rk4 harmonic", integrator.RK4{}, glHarmonic, y0, exactHarmonic, 4, 0.05, 4},
		{"rk4 product oscillator", integrator.RK4{}, productField, y0, nil, 4, 0.05, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			T, n := 1.0, tc.startN
			if n < 0 {
				T, n = 0.25, -n
			}
			orders := observedOrder(t, tc.integ, tc.f, tc.y0, tc.exact, T, n, 4)
			p := orders[len(orders)-1]
			if math.IsNaN(p) || math.Abs(p-tc.order) > tc.tol*tc.order {
				t.Errorf("observed order %.3f, want %g ± %.0f%%", p, tc.order, 100*tc.tol)
			}
		})
	}
}

// TestLeapfrogSymplecticForSeparable checks MᵀJM = J for M = ∂y₁/∂y₀ of one
// leapfrog step (autodiff) on separable systems, and a visible violation on
// a non-separable one.
func TestLeapfrogSymplecticForSeparable(t *testing.T) {
	cases := []struct {
		name   string
		f      integrator.VectorField
		y0     []float64
		d      int
		broken bool
	}{
		{"pendulum", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 1, false},
		{"henon-heiles", glHenonHeiles, []float64{0.1, -0.2, 0.3, 0.1, 0.4, 0.1, -0.3, 0.25}, 2, false},
		{"control: coupled oscillator is not separable", coupledField(0.5), []float64{1, 0.2, 2.5, -0.7}, 1, true},
	}
	const h, tol = 0.2, 1e-14
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			worst := symplecticDefect(t, integrator.Leapfrog{}, tc.f, tc.y0, tc.d, h)
			t.Logf("max |MᵀJM − J| = %.3g", worst)
			if tc.broken != (worst > tol) || math.IsNaN(worst) {
				t.Errorf("max |MᵀJM − J| = %.3g, want ≤ %.0g: %v", worst, tol, !tc.broken)
			}
		})
	}
}

// TestTaoLocalError checks the projected one-step map's local error on the
// non-separable product oscillator against a converged order-4
// Gauss–Legendre step: it shrinks like h³ (second-order method) at ω = 20.
func TestTaoLocalError(t *testing.T) {
	y0 := [][]float64{{0.5, -0.3}, {1.2, 0.4}}
	ref := integrator.GaussLegendre2{Iterations: 60}
	var prev float64
	for i, h := range []float64{0.02, 0.01, 0.005} {
		got := glIntegrate(t, integrator.Tao{}, productField, y0, h, 1)
		want := glIntegrate(t, ref, productField, y0, h, 1)
		e := glMaxAbsDiff(got, want)
		if i > 0 {
			p := math.Log2(prev / e)
			t.Logf("h=%g: local error %.3g, ratio exponent %.3f", h, e, p)
			if math.Abs(p-3) > 0.2 {
				t.Errorf("local error exponent %.3f, want 3 ± 0.2", p)
			}
		}
		prev = e
	}
}

func symplecticDefect(t *testing.T, integ integrator.Integrator, f integrator.VectorField, y0 []float64, d int, h float64) float64 {
	t.Helper()
	n2 := 2 * d
	b := len(y0) / n2
	e := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		y1, _ := integ.Step(f, y, nil, h)
		rows := make([]*Node, n2)
		for c := range n2 {
			rows[c] = Gradient(ReduceAllSum(Slice(y1, AxisRange(), AxisRange(c, c+1))), y)[0]
		}
		return Stack(rows, 1)
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

// TestTaoCarriedRolloutOrder: Tao's map with the doubled state carried over
// the whole rollout (NSSNN's use) converges with order 2 in both copies on
// non-separable systems, against a converged order-4 Gauss–Legendre
// solution at T = 1/4; its first copy differs from the step-wise projected
// map (Step) by more than round-off but by O(h²).
func TestTaoCarriedRolloutOrder(t *testing.T) {
	y0 := [][]float64{{0.5, -0.3}, {1.2, 0.4}}
	flat := append(append([]float64(nil), y0[0]...), y0[1]...)
	carried := func(f integrator.VectorField, tao integrator.Tao, h float64, n int) (first, second [][]float64) {
		e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
			a, b := tao.CarriedRollout(f, y, h, n)
			last := func(x *Node) *Node { return Squeeze(Slice(x, AxisRange(), AxisElem(n-1), AxisRange()), 1) }
			return last(a), last(b)
		})
		out := e.MustCall(tensors.FromFlatDataAndDimensions(append([]float64(nil), flat...), 2, 2))
		rows := func(t *tensors.Tensor) [][]float64 {
			v := tensors.MustCopyFlatData[float64](t)
			return [][]float64{v[:2], v[2:]}
		}
		return rows(out[0]), rows(out[1])
	}
	for _, tc := range []struct {
		name string
		f    integrator.VectorField
		tao  integrator.Tao
	}{
		{"coupled oscillator, ω = 20", coupledField(0.5), integrator.Tao{}},
		{"product oscillator, ω = 5", productField, integrator.Tao{Omega: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const T = 0.25
			var prev float64
			for i, n := range []int{16, 32, 64} {
				h := T / float64(n)
				ref := glIntegrate(t, integrator.GaussLegendre2{Iterations: 60}, tc.f, y0, h, n)
				first, second := carried(tc.f, tc.tao, h, n)
				e := math.Max(glMaxAbsDiff(first, ref), glMaxAbsDiff(second, ref))
				projected := glIntegrate(t, tc.tao, tc.f, y0, h, n)
				if d := glMaxAbsDiff(first, projected); d < 1e-12 || d > 10*e+1e-12 {
					t.Errorf("n=%d: carried and projected rollouts %.3g apart (carried error %.3g)", n, d, e)
				}
				if i > 0 {
					p := math.Log2(prev / e)
					t.Logf("n=%d: error %.3g, observed order %.3f", n, e, p)
					if math.Abs(p-2) > 0.2 {
						t.Errorf("observed order %.3f, want 2 ± 0.2", p)
					}
				}
				prev = e
			}
		})
	}
}
