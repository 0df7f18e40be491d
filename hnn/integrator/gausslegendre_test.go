package integrator_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// glHarmonic is F for H = ½(q² + p²) (d = 1): F(q, p) = (p, −q).
func glHarmonic(y *Node) *Node {
	q := Slice(y, AxisRange(), AxisRange(0, 1))
	p := Slice(y, AxisRange(), AxisRange(1, 2))
	return Concatenate([]*Node{p, Neg(q)}, 1)
}

// glHenonHeiles is F for H = ½(p₁²+p₂²) + ½(q₁²+q₂²) + q₁²q₂ − q₂³/3 (d = 2).
func glHenonHeiles(y *Node) *Node {
	col := func(i int) *Node { return Slice(y, AxisRange(), AxisRange(i, i+1)) }
	q1, q2, p1, p2 := col(0), col(1), col(2), col(3)
	dq1 := Add(q1, MulScalar(Mul(q1, q2), 2))
	dq2 := Sub(Add(q2, Square(q1)), Square(q2))
	return Concatenate([]*Node{p1, p2, Neg(dq1), Neg(dq2)}, 1)
}

// glPendulum is F for H = p²/2 − cos q (d = 1).
func glPendulum(y *Node) *Node {
	q := Slice(y, AxisRange(), AxisRange(0, 1))
	p := Slice(y, AxisRange(), AxisRange(1, 2))
	return Concatenate([]*Node{p, Neg(Sin(q))}, 1)
}

// integrate runs n steps of integ from the rows of y0 and returns the final states.
func glIntegrate(t *testing.T, integ integrator.Integrator, f integrator.VectorField, y0 [][]float64, h float64, n int) [][]float64 {
	t.Helper()
	flat := []float64{}
	for _, r := range y0 {
		flat = append(flat, r...)
	}
	dim := len(y0[0])
	e := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		for range n {
			y, _ = integ.Step(f, y, nil, h)
		}
		return y
	})
	out := tensors.MustCopyFlatData[float64](e.MustCall1(tensors.FromFlatDataAndDimensions(flat, len(y0), dim)))
	res := make([][]float64, len(y0))
	for i := range res {
		res[i] = out[i*dim : (i+1)*dim]
	}
	return res
}

func glMaxAbsDiff(a, b [][]float64) float64 {
	m := 0.0
	for i := range a {
		for j := range a[i] {
			m = math.Max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

func TestGaussLegendre2Order(t *testing.T) {
	const T = 1.0
	y0 := [][]float64{{1, 0}, {0.3, -0.7}, {-1.2, 0.5}}
	exactHarmonic := func(h float64, n int) [][]float64 {
		out := make([][]float64, len(y0))
		for i, r := range y0 {
			c, s := math.Cos(T), math.Sin(T)
			out[i] = []float64{c*r[0] + s*r[1], -s*r[0] + c*r[1]}
		}
		return out
	}
	cases := []struct {
		name     string
		integ    integrator.Integrator
		f        integrator.VectorField
		exact    func(h float64, n int) [][]float64 // nil: Richardson (compare with h/2)
		order    float64
		tol      float64
		startN   int
		y0       [][]float64
		nRefines int
	}{
		{"harmonic converged", integrator.GaussLegendre2{Iterations: 50}, glHarmonic, exactHarmonic, 4, 0.1, 4, y0, 4},
		{"harmonic k=3 rk2", integrator.GaussLegendre2{}, glHarmonic, exactHarmonic, 4, 0.15, 4, y0, 4},
		{"pendulum converged (self-convergence)", integrator.GaussLegendre2{Iterations: 50}, glPendulum, nil, 4, 0.15, 4, y0, 4},
		{"henon-heiles k=4 (self-convergence)", integrator.GaussLegendre2{Iterations: 4}, glHenonHeiles, nil, 4, 0.2, 4,
			[][]float64{{0.1, -0.2, 0.3, 0.1}, {0.2, 0.1, -0.1, 0.25}}, 4},
		{"implicit midpoint is order 2 (control)", integrator.ImplicitMidpoint{Iterations: 50}, glHarmonic, exactHarmonic, 2, 0.1, 4, y0, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errs []float64
			for r := range tc.nRefines {
				n := tc.startN << r
				h := T / float64(n)
				got := glIntegrate(t, tc.integ, tc.f, tc.y0, h, n)
				var ref [][]float64
				if tc.exact != nil {
					ref = tc.exact(h, n)
				} else {
					ref = glIntegrate(t, tc.integ, tc.f, tc.y0, h/2, 2*n)
				}
				errs = append(errs, glMaxAbsDiff(got, ref))
			}
			for r := 1; r < len(errs); r++ {
				p := math.Log2(errs[r-1] / errs[r])
				t.Logf("h=%g: error %.3g, observed order %.3f", T/float64(tc.startN<<r), errs[r], p)
				if r == len(errs)-1 && math.Abs(p-tc.order) > tc.tol*tc.order || math.IsNaN(p) {
					t.Errorf("observed order %.3f, want %g ± %.0f%%", p, tc.order, 100*tc.tol)
				}
			}
		})
	}
}

// TestGaussLegendre2Symplectic checks MᵀJM = J for the Jacobian M = ∂y₁/∂y₀
// of a converged step (computed by autodiff), on a linear and a nonlinear system.
func TestGaussLegendre2Symplectic(t *testing.T) {
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
		{"harmonic", glHarmonic, []float64{1, 0, 0.3, -0.7}, 1, 0.3, integrator.GaussLegendre2{Iterations: 60}, 1e-13, false},
		{"pendulum", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 1, 0.2, integrator.GaussLegendre2{Iterations: 60}, 1e-13, false},
		{"henon-heiles", glHenonHeiles, []float64{0.1, -0.2, 0.3, 0.1, 0.4, 0.1, -0.3, 0.25}, 2, 0.2, integrator.GaussLegendre2{Iterations: 60, Predictor: integrator.Observed}, 1e-13, false},
		{"control: pendulum, unconverged k=1 is not symplectic", glPendulum, []float64{1, 0.2, 2.5, -0.7}, 1, 0.2, integrator.GaussLegendre2{Iterations: 1}, 1e-13, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n2 := 2 * tc.d
			b := len(tc.y0) / n2
			e := MustNewExec(testutil.Backend(), func(y0 *Node) *Node {
				y1, _ := tc.integ.Step(tc.f, y0, nil, tc.h)
				rows := make([]*Node, n2)
				for c := range n2 {
					rows[c] = Gradient(ReduceAllSum(Slice(y1, AxisRange(), AxisRange(c, c+1))), y0)[0] // row c of M per sample
				}
				return Stack(rows, 1) // [B, 2d, 2d]
			})
			m := tensors.MustCopyFlatData[float64](e.MustCall1(tensors.FromFlatDataAndDimensions(tc.y0, b, n2)))
			J := func(i, j int) float64 {
				switch {
				case j == i+tc.d:
					return 1
				case i == j+tc.d:
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

// TestGaussLegendre2Residual checks that the reported residual shrinks with
// more sweeps and that the Observed predictor uses the guess.
func TestGaussLegendre2Residual(t *testing.T) {
	y0 := tensors.FromFlatDataAndDimensions([]float64{1, 0.2, 2.5, -0.7}, 2, 2)
	run := func(integ integrator.Integrator, guess bool) (y1 []float64, res float64) {
		e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
			var g *Node
			if guess {
				g = MulScalar(y, 1.01)
			}
			return integ.Step(glPendulum, y, g, 0.1)
		})
		out := e.MustCall(y0)
		return tensors.MustCopyFlatData[float64](out[0]), tensors.ToScalar[float64](out[1])
	}
	prev := math.Inf(1)
	for _, k := range []int{1, 2, 4, 8} {
		_, r := run(integrator.GaussLegendre2{Iterations: k}, false)
		t.Logf("k=%d: residual %.3g", k, r)
		if !(r < prev) {
			t.Errorf("k=%d: residual %.3g did not shrink (previous %.3g)", k, r, prev)
		}
		prev = r
	}
	a, _ := run(integrator.GaussLegendre2{Iterations: 1, Predictor: integrator.Observed}, true)
	b, _ := run(integrator.GaussLegendre2{Iterations: 1, Predictor: integrator.RK2}, true)
	c, _ := run(integrator.GaussLegendre2{Iterations: 1, Predictor: integrator.Observed}, false)
	if glMaxAbsDiff([][]float64{a}, [][]float64{b}) == 0 {
		t.Error("Observed predictor ignored the guess")
	}
	if glMaxAbsDiff([][]float64{b}, [][]float64{c}) != 0 {
		t.Error("Observed predictor without a guess should fall back to RK2")
	}
}
