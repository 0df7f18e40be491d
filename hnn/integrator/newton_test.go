package integrator_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

func TestBatchInverse(t *testing.T) {
	// Two matrices per batch: one whose first pivot is 0 (needs a row swap)
	// and a dense non-symmetric one.
	ms := [][]float64{
		{0, 1, 2, 1, 0, 3, 4, -1, 1},
		{2, -1, 0.5, 0.3, 3, 1, -1, 0.2, 1.5},
	}
	flat := append(append([]float64(nil), ms[0]...), ms[1]...)
	e := MustNewExec(testutil.Backend(), integrator.BatchInverse)
	inv := tensors.MustCopyFlatData[float64](e.MustCall1(tensors.FromFlatDataAndDimensions(flat, 2, 3, 3)))
	for b, m := range ms {
		w := inv[9*b : 9*b+9]
		worst := 0.0
		for i := range 3 {
			for j := range 3 {
				s := 0.0
				for k := range 3 {
					s += m[3*i+k] * w[3*k+j]
				}
				if i == j {
					s--
				}
				worst = math.Max(worst, math.Abs(s))
			}
		}
		if worst > 1e-14 {
			t.Errorf("matrix %d: ‖A·A⁻¹ − I‖max = %.3g, want round-off", b, worst)
		}
	}
}

// cubic is a nonlinear, non-separable H(q, p) = (q² + p²)/2 + θ·(0.3q²p + 0.1p⁴),
// d = 1, with F = (∂H/∂p, −∂H/∂q).
func cubicField(theta *Node) integrator.VectorField {
	return func(y *Node) *Node {
		q := Slice(y, AxisRange(), AxisElem(0))
		p := Slice(y, AxisRange(), AxisElem(1))
		dq := Add(p, Mul(theta, Add(MulScalar(Square(q), 0.3), MulScalar(Mul(Square(p), p), 0.4))))
		dp := Neg(Add(q, Mul(theta, MulScalar(Mul(q, p), 0.6))))
		return Concatenate([]*Node{dq, dp}, 1)
	}
}

func cubicApply(theta float64, y []float64) []float64 {
	q, p := y[0], y[1]
	return []float64{p + theta*(0.3*q*q+0.4*p*p*p), -(q + theta*0.6*q*p)}
}

func TestJacobianAgainstFiniteDifferences(t *testing.T) {
	e := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		return integrator.Jacobian(cubicField(Const(y.Graph(), 1.0)), y)
	})
	ys := []float64{0.7, -0.3, -0.2, 0.9}
	got := tensors.MustCopyFlatData[float64](e.MustCall1(tensors.FromFlatDataAndDimensions(ys, 2, 2)))
	const eps = 1e-6
	for b := range 2 {
		for j := range 2 {
			yp := []float64{ys[2*b], ys[2*b+1]}
			ym := []float64{ys[2*b], ys[2*b+1]}
			yp[j] += eps
			ym[j] -= eps
			fp, fm := cubicApply(1, yp), cubicApply(1, ym)
			for i := range 2 {
				fd := (fp[i] - fm[i]) / (2 * eps)
				if g := got[4*b+2*i+j]; math.Abs(g-fd) > 1e-8 {
					t.Errorf("b=%d: DF[%d][%d] = %.10g, finite differences %.10g", b, i, j, g, fd)
				}
			}
		}
	}
}

func TestNewtonSolvesTheLinearCaseInOneStep(t *testing.T) {
	// The harmonic oscillator at h = 3: the midpoint map is the Cayley
	// transform, q₁ = ((1 − h²/4)q₀ + h·p₀)/(1 + h²/4), p₁ = ((1 − h²/4)p₀ − h·q₀)/(1 + h²/4).
	// The fixed-point sweep's factor is h/2 = 1.5: it diverges (the negative
	// control); one Newton step on a linear equation is exact.
	h := quadratic{d: 1, s: [][]float64{{1, 0}, {0, 1}}}
	dt := 3.0
	y0 := []float64{0.8, -0.4}
	c := 1 + dt*dt/4
	want := []float64{((1-dt*dt/4)*y0[0] + dt*y0[1]) / c, ((1-dt*dt/4)*y0[1] - dt*y0[0]) / c}
	ys, _ := stepper(h, integrator.ImplicitMidpoint{Iterations: 1, Solver: integrator.Newton}, dt)([][]float64{y0})
	for i := range want {
		if math.Abs(ys[0][i]-want[i]) > 1e-14 {
			t.Errorf("Newton y₁[%d] = %.16g, closed form %.16g", i, ys[0][i], want[i])
		}
	}
	// A second step has nothing left to do: its update, the residual, is round-off.
	if _, res := stepper(h, integrator.ImplicitMidpoint{Iterations: 2, Solver: integrator.Newton}, dt)([][]float64{y0}); res > 1e-14 {
		t.Errorf("residual after 2 Newton steps on a linear equation %.3g, want round-off", res)
	}
	ys, _ = stepper(h, integrator.ImplicitMidpoint{Iterations: 20}, dt)([][]float64{y0})
	if d := math.Hypot(ys[0][0]-want[0], ys[0][1]-want[1]); d < 1 {
		t.Errorf("20 fixed-point sweeps at h·Lip/2 = 1.5 came within %.3g of the solution: the control cannot fail", d)
	}
}

// cubicStep runs one step of integ on the cubic field with θ = 1.
func cubicStep(integ integrator.Integrator, dt float64, y0 []float64) ([]float64, float64) {
	e := MustNewExec(testutil.Backend(), func(y *Node) (*Node, *Node) {
		return integ.Step(cubicField(Const(y.Graph(), 1.0)), y, nil, dt)
	})
	out := e.MustCall(tensors.FromFlatDataAndDimensions(y0, 1, 2))
	return tensors.MustCopyFlatData[float64](out[0]), out[1].Value().(float64)
}

func TestNewtonConvergesQuadratically(t *testing.T) {
	y0 := []float64{0.9, 0.6}
	const dt = 0.4
	ref, _ := cubicStep(integrator.ImplicitMidpoint{Iterations: 6, Solver: integrator.Newton}, dt, y0)
	// The reference solves the equation to round-off.
	mid := []float64{(y0[0] + ref[0]) / 2, (y0[1] + ref[1]) / 2}
	f := cubicApply(1, mid)
	for i := range ref {
		if r := math.Abs(ref[i] - y0[i] - dt*f[i]); r > 1e-15 {
			t.Fatalf("6 Newton steps leave a residual %.3g, want round-off", r)
		}
	}
	errOf := func(integ integrator.Integrator) float64 {
		y, _ := cubicStep(integ, dt, y0)
		return math.Max(math.Abs(y[0]-ref[0]), math.Abs(y[1]-ref[1]))
	}
	var newton, fixed [3]float64
	for k := range 3 {
		newton[k] = errOf(integrator.ImplicitMidpoint{Iterations: k + 1, Solver: integrator.Newton})
		fixed[k] = errOf(integrator.ImplicitMidpoint{Iterations: k + 1})
	}
	t.Logf("errors after k = 1, 2, 3: Newton %.3g %.3g %.3g, fixed point %.3g %.3g %.3g",
		newton[0], newton[1], newton[2], fixed[0], fixed[1], fixed[2])
	// Quadratic: e_{k+1} ≲ C·e_k², with C of the order of (h/2)·|D²F|/(1 − …).
	for k := range 2 {
		if newton[k+1] > 10*newton[k]*newton[k]+1e-15 {
			t.Errorf("Newton error %.3g after %d steps, want ≤ 10·(%.3g)²: not quadratic", newton[k+1], k+2, newton[k])
		}
	}
	// The fixed-point sweep converges linearly: the same test fails for it.
	if fixed[2] <= 10*fixed[1]*fixed[1] {
		t.Errorf("fixed-point errors %.3g → %.3g pass the quadratic test: it cannot tell", fixed[1], fixed[2])
	}
}

func TestNewtonGradientIsTheExactMapsGradient(t *testing.T) {
	// L = w·y₁(y₀, θ) differentiated by autodiff through 3 Newton steps,
	// against central differences of the step solved to round-off. The
	// gradient is the exact map's at y*, the iterate before the last, so it
	// is in error by O(‖y* − y₁‖): 4e-5 after 1 step here, 5e-11 after 2.
	const dt = 0.4
	w := []float64{0.7, -1.3}
	y0 := []float64{0.9, 0.6}
	grad := MustNewExec(testutil.Backend(), func(y, theta *Node) (*Node, *Node) {
		y1, _ := integrator.ImplicitMidpoint{Iterations: 3, Solver: integrator.Newton}.Step(cubicField(theta), y, nil, dt)
		l := ReduceAllSum(Mul(y1, Const(y.Graph(), [][]float64{w})))
		g := Gradient(l, y, theta)
		return g[0], g[1]
	})
	out := grad.MustCall(tensors.FromFlatDataAndDimensions(y0, 1, 2), 1.0)
	gy := tensors.MustCopyFlatData[float64](out[0])
	gTheta := out[1].Value().(float64)

	exact := MustNewExec(testutil.Backend(), func(y, theta *Node) *Node {
		y1, _ := integrator.ImplicitMidpoint{Iterations: 8, Solver: integrator.Newton}.Step(cubicField(theta), y, nil, dt)
		return ReduceAllSum(Mul(y1, Const(y.Graph(), [][]float64{w})))
	})
	loss := func(y []float64, theta float64) float64 {
		return exact.MustCall1(tensors.FromFlatDataAndDimensions(y, 1, 2), theta).Value().(float64)
	}
	const eps = 1e-6
	for j := range 2 {
		yp := append([]float64(nil), y0...)
		ym := append([]float64(nil), y0...)
		yp[j] += eps
		ym[j] -= eps
		fd := (loss(yp, 1) - loss(ym, 1)) / (2 * eps)
		if math.Abs(gy[j]-fd) > 1e-8 {
			t.Errorf("∂L/∂y₀[%d] = %.10g, finite differences of the exact map %.10g", j, gy[j], fd)
		}
	}
	fd := (loss(y0, 1+eps) - loss(y0, 1-eps)) / (2 * eps)
	if math.Abs(gTheta-fd) > 1e-8 {
		t.Errorf("∂L/∂θ = %.10g, finite differences of the exact map %.10g", gTheta, fd)
	}
}

func TestNewtonSymplectic(t *testing.T) {
	// The exact implicit midpoint map is symplectic for any H: MᵀJM = J for
	// M = ∂y₁/∂y₀ of the Newton-solved map on the nonlinear cubic field.
	step := func(ys [][]float64) ([][]float64, float64) {
		out := make([][]float64, len(ys))
		for i, y := range ys {
			out[i], _ = cubicStep(integrator.ImplicitMidpoint{Iterations: 6, Solver: integrator.Newton}, 0.4, y)
		}
		return out, 0
	}
	m := jacobian(step, []float64{0.9, 0.6}, 1e-5)
	// For d = 1, MᵀJM = det(M)·J.
	if det := m[0][0]*m[1][1] - m[0][1]*m[1][0]; math.Abs(det-1) > 1e-9 {
		t.Errorf("det ∂y₁/∂y₀ = %.12g, want 1", det)
	}
}
