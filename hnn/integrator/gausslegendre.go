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
// max_s ‖Y_s⁽ᵏ⁾ − Y_s⁽ᵏ⁻¹⁾‖∞; the sweep contracts with factor at most
// h·Lip(F)·‖a‖∞ ≈ 0.79·h·Lip(F).
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

// Butcher tableau of the 3-stage Gauss–Legendre method (order 6), with r = √15:
//
//	c₁ = ½ − r/10 | 5/36          2/9 − r/15   5/36 − r/30
//	c₂ = ½        | 5/36 + r/24   2/9          5/36 − r/24
//	c₃ = ½ + r/10 | 5/36 + r/30   2/9 + r/15   5/36
//	--------------+-----------------------------------------
//	              | 5/18          4/9          5/18
var (
	gl3A = [3][3]float64{
		{5.0 / 36, 2.0/9 - math.Sqrt(15)/15, 5.0/36 - math.Sqrt(15)/30},
		{5.0/36 + math.Sqrt(15)/24, 2.0 / 9, 5.0/36 - math.Sqrt(15)/24},
		{5.0/36 + math.Sqrt(15)/30, 2.0/9 + math.Sqrt(15)/15, 5.0 / 36},
	}
	gl3B = [3]float64{5.0 / 18, 4.0 / 9, 5.0 / 18}
	gl3C = [3]float64{0.5 - math.Sqrt(15)/10, 0.5, 0.5 + math.Sqrt(15)/10}
)

// GaussLegendre3 is the 3-stage Gauss–Legendre collocation method, of order 6
// and symplectic for any H (the next member of the family of ImplicitMidpoint
// and GaussLegendre2):
//
//	Y_s = y₀ + h·Σⱼ a_sj·F(Y_j)   (s = 1, 2, 3),     y₁ = y₀ + h·Σⱼ b_j·F(Y_j),
//
// with the tableau (r = √15)
//
//	a = [[5/36, 2/9 − r/15, 5/36 − r/30],
//	     [5/36 + r/24, 2/9, 5/36 − r/24],
//	     [5/36 + r/30, 2/9 + r/15, 5/36]],
//	b = (5/18, 4/9, 5/18),  c = (½ − r/10, ½, ½ + r/10),
//
// the nodes c being the zeros of the shifted Legendre polynomial P₃(2c − 1) and
// b the Gauss quadrature weights; b_i·a_ij + b_j·a_ji = b_i·b_j makes it
// symplectic. It is the method package reference uses for its reference
// trajectories, here as a graph.
//
// The stage equations are solved as GaussLegendre2's are: a predictor gives
// Y⁽⁰⁾, then k fixed-point sweeps K_j = F(Y_j⁽ⁱ⁾), Y_s⁽ⁱ⁺¹⁾ = y₀ + h·Σⱼ a_sj·K_j,
// unrolled in the graph so that autodiff differentiates exactly the map that
// was run, and y₁ = y₀ + h·Σⱼ b_j·F(Y_j⁽ᵏ⁻¹⁾) uses the derivatives of the last
// sweep. Each step costs 3k evaluations of F plus the predictor's (4 for RK2,
// none for Observed).
//
// The sweeps, not only the tableau, set the order of the map that is run:
// each sweep gains one power of h on the stage values, and the RK2 predictor
// starts O(h³) from them, so k sweeps leave a local error O(h^(k+3)) and the
// map has order min(6, k + 2): 5 with the default k = 3, 6 for k ≥ 4
// (TestGaussLegendre3Order). An Observed guess equal to the true next state
// starts O(h²) away (linear interpolation), giving order min(6, k + 1)
// (TestGaussLegendre3ObservedOrder). By the same count GaussLegendre2 reaches
// its order 4 from k = 2 (RK2) or k = 3 (Observed).
//
// The residual reported is the size of the last stage update,
// max_s ‖Y_s⁽ᵏ⁾ − Y_s⁽ᵏ⁻¹⁾‖∞. The sweep contracts with factor at most
// h·Lip(F)·‖a‖∞ ≈ 0.89·h·Lip(F); for a linear F(y) = L·y the update shrinks
// asymptotically by h·ρ(a)·ρ(L) per sweep, with ρ(a) ≈ 0.215 (0.289 for
// GaussLegendre2, 0.5 for ImplicitMidpoint).
type GaussLegendre3 struct {
	// Iterations is the number k ≥ 1 of fixed-point sweeps; 0 means
	// DefaultIterations (3), which with the RK2 predictor gives order 5;
	// 4 or more give order 6.
	Iterations int
	// Predictor chooses the initial stage values; the zero value is RK2:
	// Y_s⁽⁰⁾ = y₀ + c_s·h·F(y₀ + (c_s·h/2)·F(y₀)), the explicit midpoint rule to
	// time c_s·h. Observed interpolates linearly towards the guess passed to Step,
	// Y_s⁽⁰⁾ = y₀ + c_s·(guess − y₀), falling back to RK2 when none is given.
	Predictor Predictor
}

// Iters returns the effective number of fixed-point sweeps. It panics if
// Iterations is negative.
func (m GaussLegendre3) Iters() int {
	if m.Iterations == 0 {
		return DefaultIterations
	}
	if m.Iterations < 0 {
		panic(fmt.Sprintf("integrator: GaussLegendre3.Iterations must be ≥ 0, got %d", m.Iterations))
	}
	return m.Iterations
}

// String names the method and its settings, e.g.
// "gauss-legendre-3 (order 6, predictor rk2, 3 fixed-point iterations)".
func (m GaussLegendre3) String() string {
	return fmt.Sprintf("gauss-legendre-3 (order 6, predictor %s, %d fixed-point iterations)", m.Predictor, m.Iters())
}

// Predict returns the initial stage values Y₁⁽⁰⁾, Y₂⁽⁰⁾, Y₃⁽⁰⁾ (see Predictor).
func (m GaussLegendre3) Predict(f VectorField, y0, guess *Node, h float64) [3]*Node {
	var ys [3]*Node
	if m.Predictor == Observed && guess != nil {
		checkSame("guess", y0, guess)
		delta := Sub(guess, y0)
		for s := range ys {
			ys[s] = Add(y0, MulScalar(delta, gl3C[s]))
		}
		return ys
	}
	f0 := f(y0)
	for s := range ys {
		ch := gl3C[s] * h
		ys[s] = Add(y0, MulScalar(f(Add(y0, MulScalar(f0, ch/2))), ch))
	}
	return ys
}

// Step implements Integrator.
func (m GaussLegendre3) Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node) {
	checkState(y0)
	ys := m.Predict(f, y0, guess, h)
	var k, prev [3]*Node
	for range m.Iters() {
		for j := range k {
			k[j] = f(ys[j])
		}
		prev = ys
		for s := range ys {
			ys[s] = Add(y0, gl3Combine(k, gl3A[s], h))
		}
	}
	y1 = Add(y0, gl3Combine(k, gl3B, h))
	for s := range ys {
		r := ReduceAllMax(Abs(Sub(ys[s], prev[s])))
		if residual == nil {
			residual = r
		} else {
			residual = Max(residual, r)
		}
	}
	return y1, StopGradient(residual)
}

// gl3Combine returns h·Σⱼ w_j·k_j.
func gl3Combine(k [3]*Node, w [3]float64, h float64) *Node {
	return Add(Add(MulScalar(k[0], h*w[0]), MulScalar(k[1], h*w[1])), MulScalar(k[2], h*w[2]))
}
