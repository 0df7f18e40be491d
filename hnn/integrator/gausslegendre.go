package integrator

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// Butcher tableau of the 2-stage Gauss–Legendre method (order 4):
//
//	c₁ = ½ − √3/6 | ¼          ¼ − √3/6
//	c₂ = ½ + √3/6 | ¼ + √3/6   ¼
//	--------------+---------------------
//	              | ½          ½
var (
	gl2A = [2][2]float64{
		{0.25, 0.25 - math.Sqrt(3)/6},
		{0.25 + math.Sqrt(3)/6, 0.25},
	}
	gl2B = [2]float64{0.5, 0.5}
	gl2C = [2]float64{0.5 - math.Sqrt(3)/6, 0.5 + math.Sqrt(3)/6}
)

// GaussLegendre2 is the 2-stage Gauss–Legendre collocation method, of order 4
// and symplectic for any H (it is the order-4 member of the family whose
// 1-stage member is the implicit midpoint rule):
//
//	Y_s = y₀ + h·Σⱼ a_sj·F(Y_j)   (s = 1, 2),     y₁ = y₀ + h·Σⱼ b_j·F(Y_j),
//
// with the tableau a = [[¼, ¼−√3/6], [¼+√3/6, ¼]], b = (½, ½), c = (½−√3/6, ½+√3/6).
//
// The stage equations are solved like ImplicitMidpoint's: a predictor gives
// Y⁽⁰⁾, then k fixed-point sweeps K_j = F(Y_j⁽ⁱ⁾), Y_s⁽ⁱ⁺¹⁾ = y₀ + h·Σⱼ a_sj·K_j,
// all unrolled in the graph so that autodiff differentiates exactly the map
// that was run. The new state uses the derivatives of the last sweep,
// y₁ = y₀ + h·Σⱼ b_j·F(Y_j⁽ᵏ⁻¹⁾) (no extra evaluation of F; with one stage,
// a = ½, b = 1, this is exactly ImplicitMidpoint's sweep). Each step costs
// 2k evaluations of F plus the predictor's (3 for RK2, none for Observed).
// The residual reported is the size of the last stage update,
// max_s ‖Y_s⁽ᵏ⁾ − Y_s⁽ᵏ⁻¹⁾‖∞; the sweep contracts with factor about
// h·Lip(F)·‖a‖∞ ≈ 0.53·h·Lip(F).
type GaussLegendre2 struct {
	// Iterations is the number k ≥ 1 of fixed-point sweeps; 0 means DefaultIterations (3).
	Iterations int
	// Predictor chooses the initial stage values; the zero value is RK2:
	// Y_s⁽⁰⁾ = y₀ + c_s·h·F(y₀ + (c_s·h/2)·F(y₀)), the explicit midpoint rule to
	// time c_s·h. Observed interpolates linearly towards the guess passed to Step,
	// Y_s⁽⁰⁾ = y₀ + c_s·(guess − y₀), falling back to RK2 when none is given.
	Predictor Predictor
}

// Iters returns the effective number of fixed-point sweeps.
func (m GaussLegendre2) Iters() int {
	if m.Iterations == 0 {
		return DefaultIterations
	}
	if m.Iterations < 0 {
		panic(fmt.Sprintf("integrator: GaussLegendre2.Iterations must be ≥ 0, got %d", m.Iterations))
	}
	return m.Iterations
}

func (m GaussLegendre2) String() string {
	return fmt.Sprintf("gauss-legendre-2 (order 4, predictor %s, %d fixed-point iterations)", m.Predictor, m.Iters())
}

// Predict returns the initial stage values Y₁⁽⁰⁾, Y₂⁽⁰⁾.
func (m GaussLegendre2) Predict(f VectorField, y0, guess *Node, h float64) [2]*Node {
	var ys [2]*Node
	if m.Predictor == Observed && guess != nil {
		checkSame("guess", y0, guess)
		delta := Sub(guess, y0)
		for s := range ys {
			ys[s] = Add(y0, MulScalar(delta, gl2C[s]))
		}
		return ys
	}
	f0 := f(y0)
	for s := range ys {
		ch := gl2C[s] * h
		ys[s] = Add(y0, MulScalar(f(Add(y0, MulScalar(f0, ch/2))), ch))
	}
	return ys
}

// Step implements Integrator.
func (m GaussLegendre2) Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node) {
	checkState(y0)
	ys := m.Predict(f, y0, guess, h)
	var k [2]*Node
	var prev [2]*Node
	for range m.Iters() {
		k[0], k[1] = f(ys[0]), f(ys[1])
		prev = ys
		for s := range ys {
			ys[s] = Add(y0, Add(MulScalar(k[0], h*gl2A[s][0]), MulScalar(k[1], h*gl2A[s][1])))
		}
	}
	y1 = Add(y0, Add(MulScalar(k[0], h*gl2B[0]), MulScalar(k[1], h*gl2B[1])))
	residual = Max(ReduceAllMax(Abs(Sub(ys[0], prev[0]))), ReduceAllMax(Abs(Sub(ys[1], prev[1]))))
	return y1, StopGradient(residual)
}
