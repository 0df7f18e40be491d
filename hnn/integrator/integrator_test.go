package integrator_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// quadratic is H(y) = ½ yᵀSy for a symmetric S on a 2d phase space; its
// vector field is F(y) = J⁻¹Sy, linear, A = J⁻¹S.
type quadratic struct {
	d int
	s [][]float64
}

// nonSeparable returns a positive-definite, non-separable S for d = 2.
func nonSeparable() quadratic {
	return quadratic{d: 2, s: [][]float64{
		{2.0, 0.3, 0.5, 0.1},
		{0.3, 1.0, 0.2, -0.4},
		{0.5, 0.2, 1.5, 0.3},
		{0.1, -0.4, 0.3, 1.2},
	}}
}

// a returns A = J⁻¹S: rows (S_p; −S_q).
func (h quadratic) a() [][]float64 {
	n := 2 * h.d
	a := make([][]float64, n)
	for i := range h.d {
		a[i] = h.s[h.d+i]
		a[h.d+i] = make([]float64, n)
		for j := range n {
			a[h.d+i][j] = -h.s[i][j]
		}
	}
	return a
}

func (h quadratic) energy(y []float64) float64 {
	e := 0.0
	for i := range y {
		for j := range y {
			e += 0.5 * y[i] * h.s[i][j] * y[j]
		}
	}
	return e
}

// field returns F(y) = y·Aᵀ as a graph vector field.
func (h quadratic) field(g *Graph) integrator.VectorField {
	a := h.a()
	n := len(a)
	at := make([]float64, n*n)
	for i := range n {
		for j := range n {
			at[j*n+i] = a[i][j]
		}
	}
	atNode := Const(g, tensors.FromFlatDataAndDimensions(at, n, n))
	return func(y *Node) *Node { return DotProduct(y, atNode) }
}

func (h quadratic) apply(y []float64) []float64 {
	a := h.a()
	out := make([]float64, len(y))
	for i := range a {
		for j := range a[i] {
			out[i] += a[i][j] * y[j]
		}
	}
	return out
}

// stepper compiles one integrator step on rows of a [B, 2d] tensor.
func stepper(h quadratic, integ integrator.Integrator, dt float64) func(ys [][]float64) ([][]float64, float64) {
	e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
		return integ.Step(h.field(y.Graph()), y, nil, dt)
	})
	return func(ys [][]float64) ([][]float64, float64) {
		n := 2 * h.d
		flat := make([]float64, 0, len(ys)*n)
		for _, y := range ys {
			flat = append(flat, y...)
		}
		out := e.MustCall(tensors.FromFlatDataAndDimensions(flat, len(ys), n))
		vals := tensors.MustCopyFlatData[float64](out[0])
		res := make([][]float64, len(ys))
		for i := range ys {
			res[i] = vals[i*n : (i+1)*n]
		}
		return res, out[1].Value().(float64)
	}
}

func TestImplicitMidpointResidual(t *testing.T) {
	h := nonSeparable()
	y0 := []float64{0.7, -0.3, 0.2, 0.9}
	dt := 0.2
	prevTrue := math.Inf(1)
	for _, k := range []int{1, 2, 4, 8, 40} {
		step := stepper(h, integrator.ImplicitMidpoint{Iterations: k}, dt)
		ys, reported := step([][]float64{y0})
		y1 := ys[0]
		mid := make([]float64, len(y0))
		for i := range mid {
			mid[i] = (y0[i] + y1[i]) / 2
		}
		f := h.apply(mid)
		trueRes := 0.0
		for i := range y1 {
			trueRes = math.Max(trueRes, math.Abs(y1[i]-y0[i]-dt*f[i]))
		}
		// The equation holds to the reported residual (up to round-off).
		if trueRes > reported+1e-15 {
			t.Errorf("k=%d: implicit-midpoint residual %.3g exceeds the reported %.3g", k, trueRes, reported)
		}
		if k < 40 && !(trueRes < prevTrue) {
			t.Errorf("k=%d: residual %.3g did not shrink (previous %.3g)", k, trueRes, prevTrue)
		}
		if k == 40 && trueRes > 1e-15 {
			t.Errorf("k=40: residual %.3g, want round-off", trueRes)
		}
		prevTrue = trueRes
	}
}

// jacobian returns M = ∂Φ/∂y₀ by central differences of the step map.
func jacobian(step func([][]float64) ([][]float64, float64), y0 []float64, eps float64) [][]float64 {
	n := len(y0)
	var batch [][]float64
	for j := range n {
		for _, s := range []float64{1, -1} {
			y := append([]float64(nil), y0...)
			y[j] += s * eps
			batch = append(batch, y)
		}
	}
	out, _ := step(batch)
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		for j := range n {
			m[i][j] = (out[2*j][i] - out[2*j+1][i]) / (2 * eps)
		}
	}
	return m
}

func TestImplicitMidpointSymplecticAndConservesQuadraticEnergy(t *testing.T) {
	h := nonSeparable()
	d := h.d
	step := stepper(h, integrator.ImplicitMidpoint{Iterations: 60}, 0.1)
	y0 := []float64{0.7, -0.3, 0.2, 0.9}
	// MᵀJM = J with J = [[0, −I], [I, 0]]; the map is linear, so central
	// differences are exact up to round-off.
	m := jacobian(step, y0, 1e-3)
	n := 2 * d
	j := func(a, b int) float64 {
		switch {
		case a < d && b == a+d:
			return -1
		case a >= d && b == a-d:
			return 1
		}
		return 0
	}
	worst := 0.0
	for a := range n {
		for b := range n {
			s := 0.0
			for k := range n {
				for l := range n {
					s += m[k][a] * j(k, l) * m[l][b]
				}
			}
			worst = math.Max(worst, math.Abs(s-j(a, b)))
		}
	}
	if worst > 1e-12 {
		t.Errorf("‖MᵀJM − J‖max = %.3g, want ≤ 1e-12", worst)
	}
	// Quadratic invariants are conserved exactly: H after 1000 steps equals
	// H(y₀) to round-off.
	y := [][]float64{y0}
	e0 := h.energy(y0)
	drift := 0.0
	for range 1000 {
		y, _ = step(y)
		drift = math.Max(drift, math.Abs(h.energy(y[0])-e0))
	}
	if drift > 1e-13 {
		t.Errorf("quadratic energy drift over 1000 steps %.3g, want round-off (≤ 1e-13)", drift)
	}
	// A non-symplectic explicit method (RK2) does drift: the test can fail.
	rk2 := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		return integrator.ExplicitMidpoint(h.field(y.Graph()), y, 0.1)
	})
	yt := tensors.FromFlatDataAndDimensions(append([]float64(nil), y0...), 1, 4)
	for range 1000 {
		yt = rk2.MustCall1(yt)
	}
	if e := h.energy(tensors.MustCopyFlatData[float64](yt)); math.Abs(e-e0) < 1e-6 {
		t.Errorf("explicit RK2 conserved the energy to %.3g: the check cannot tell", math.Abs(e-e0))
	}
}

func TestImplicitMidpointSecondOrder(t *testing.T) {
	// Harmonic oscillator H = (q² + p²)/2: the exact flow is a rotation.
	h := quadratic{d: 1, s: [][]float64{{1, 0}, {0, 1}}}
	y0 := []float64{1, 0}
	tEnd := 1.0
	errAt := func(n int) float64 {
		step := stepper(h, integrator.ImplicitMidpoint{Iterations: 50}, tEnd/float64(n))
		y := [][]float64{y0}
		for range n {
			y, _ = step(y)
		}
		return math.Hypot(y[0][0]-math.Cos(tEnd), y[0][1]+math.Sin(tEnd))
	}
	e1, e2 := errAt(20), errAt(40)
	order := math.Log2(e1 / e2)
	if math.Abs(order-2) > 0.1 {
		t.Errorf("empirical order %.3f, want 2 ± 0.1 (errors %.3g, %.3g)", order, e1, e2)
	}
}

func TestRolloutShapes(t *testing.T) {
	h := quadratic{d: 1, s: [][]float64{{1, 0}, {0, 1}}}
	e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
		return integrator.Rollout(integrator.ImplicitMidpoint{}, h.field(y.Graph()), y, nil, 0.1, 5)
	})
	out := e.MustCall(tensors.FromFlatDataAndDimensions([]float64{1, 0, 0, 1, 0.5, 0.5}, 3, 2))
	if got := out[0].Shape().Dimensions; len(got) != 3 || got[0] != 3 || got[1] != 5 || got[2] != 2 {
		t.Errorf("rollout shape %v, want [3 5 2]", got)
	}
}
