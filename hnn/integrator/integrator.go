package integrator

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// VectorField is the Hamiltonian vector field F(y) = J⁻¹∇H(y) on a batch of
// states [B, 2d]; it returns [B, 2d].
type VectorField func(y *Node) *Node

// Integrator is a one-step map of the flow of a VectorField, as a graph.
type Integrator interface {
	// Step returns y₁ ≈ Φ_h(y₀) for y₀ [B, 2d] and a scalar residual: the
	// size of the implicit solve's last update (0 for explicit methods).
	// guess, when not nil, is an initial guess for y₁ (e.g. the observed next
	// state); integrators without a solve ignore it. The residual is wrapped in
	// StopGradient: it is a diagnostic, not part of the loss.
	Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node)
	// String names the integrator and its settings.
	String() string
}

// Predictor chooses the initial guess of an implicit solve.
type Predictor int

const (
	// RK2 is the explicit midpoint rule y₀ + h·F(y₀ + (h/2)·F(y₀)). The default.
	RK2 Predictor = iota
	// Observed uses the guess passed to Step (the observed next state),
	// falling back to RK2 when none is given.
	Observed
)

func (p Predictor) String() string {
	switch p {
	case RK2:
		return "rk2"
	case Observed:
		return "observed"
	}
	return fmt.Sprintf("Predictor(%d)", int(p))
}

// ParsePredictor parses "rk2" or "observed".
func ParsePredictor(s string) (Predictor, error) {
	switch s {
	case "rk2", "":
		return RK2, nil
	case "observed":
		return Observed, nil
	}
	return 0, fmt.Errorf("unknown predictor %q (valid: rk2, observed)", s)
}

// DefaultIterations is ImplicitMidpoint's default number of fixed-point sweeps.
const DefaultIterations = 3

// ImplicitMidpoint is the implicit midpoint rule y₁ = y₀ + h·F((y₀+y₁)/2),
// second order and symplectic for any H, solved by a predictor and a fixed
// number of iterations of Solver: fixed-point sweeps (the default; unrolled
// in the graph, so autodiff differentiates exactly the map that was run) or
// Newton steps (autodiff differentiates the last one, which gives the
// gradient of the exact implicit map; see Newton).
type ImplicitMidpoint struct {
	// Iterations is the number k ≥ 1 of fixed-point sweeps or Newton steps;
	// 0 means DefaultIterations (3).
	Iterations int
	// Predictor chooses the initial guess; the zero value is RK2.
	Predictor Predictor
	// Solver solves the implicit equation; the zero value is FixedPoint.
	Solver Solver
}

// Iters returns the effective number of fixed-point sweeps.
func (m ImplicitMidpoint) Iters() int {
	if m.Iterations == 0 {
		return DefaultIterations
	}
	if m.Iterations < 0 {
		panic(fmt.Sprintf("integrator: ImplicitMidpoint.Iterations must be ≥ 0, got %d", m.Iterations))
	}
	return m.Iterations
}

func (m ImplicitMidpoint) String() string {
	if m.Solver == Newton {
		return fmt.Sprintf("implicit-midpoint (predictor %s, %d Newton iterations)", m.Predictor, m.Iters())
	}
	return fmt.Sprintf("implicit-midpoint (predictor %s, %d fixed-point iterations)", m.Predictor, m.Iters())
}

// Predict returns the initial guess for y₁.
func (m ImplicitMidpoint) Predict(f VectorField, y0, guess *Node, h float64) *Node {
	if m.Predictor == Observed && guess != nil {
		checkSame("guess", y0, guess)
		return guess
	}
	return ExplicitMidpoint(f, y0, h)
}

// Sweep is one fixed-point sweep y ↦ y₀ + h·F((y₀ + y)/2).
func Sweep(f VectorField, y0, y *Node, h float64) *Node {
	mid := MulScalar(Add(y0, y), 0.5)
	return Add(y0, MulScalar(f(mid), h))
}

// Step implements Integrator.
func (m ImplicitMidpoint) Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node) {
	checkState(y0)
	switch m.Solver {
	case FixedPoint:
	case Newton:
		return m.newtonStep(f, y0, guess, h)
	default:
		panic(fmt.Sprintf("integrator: unknown ImplicitMidpoint.Solver %d", int(m.Solver)))
	}
	y := m.Predict(f, y0, guess, h)
	prev := y
	for range m.Iters() {
		prev, y = y, Sweep(f, y0, y, h)
	}
	return y, StopGradient(ReduceAllMax(Abs(Sub(y, prev))))
}

// ExplicitMidpoint is the explicit RK2 step y₀ + h·F(y₀ + (h/2)·F(y₀)).
func ExplicitMidpoint(f VectorField, y0 *Node, h float64) *Node {
	half := Add(y0, MulScalar(f(y0), h/2))
	return Add(y0, MulScalar(f(half), h))
}

// Rollout integrates n steps from y0 [B, 2d] and returns the states
// y₁…y_n stacked as [B, n, 2d] and the largest step residual (scalar).
// guesses, when not nil, is [B, n, 2d]: guesses[:, i] is offered as the
// initial guess of step i+1.
func Rollout(integ Integrator, f VectorField, y0, guesses *Node, h float64, n int) (states, residual *Node) {
	checkState(y0)
	if n < 1 {
		panic(fmt.Sprintf("integrator: rollout length must be ≥ 1, got %d", n))
	}
	if guesses != nil && (guesses.Rank() != 3 || guesses.Shape().Dim(1) != n ||
		guesses.Shape().Dim(0) != y0.Shape().Dim(0) || guesses.Shape().Dim(2) != y0.Shape().Dim(1)) {
		panic(fmt.Sprintf("integrator: guesses must be [%d, %d, %d], got %s",
			y0.Shape().Dim(0), n, y0.Shape().Dim(1), guesses.Shape()))
	}
	y := y0
	out := make([]*Node, n)
	for i := range n {
		var guess *Node
		if guesses != nil {
			guess = Squeeze(Slice(guesses, AxisRange(), AxisElem(i), AxisRange()), 1)
		}
		var r *Node
		y, r = integ.Step(f, y, guess, h)
		out[i] = y
		if residual == nil {
			residual = r
		} else {
			residual = Max(residual, r)
		}
	}
	return Stack(out, 1), residual
}

func checkState(y *Node) {
	if y.Rank() != 2 || y.Shape().Dim(1)%2 != 0 {
		panic(fmt.Sprintf("integrator: states must be [B, 2d], got %s", y.Shape()))
	}
}

func checkSame(name string, y0, x *Node) {
	if !x.Shape().Equal(y0.Shape()) {
		panic(fmt.Sprintf("integrator: %s has shape %s, want %s", name, x.Shape(), y0.Shape()))
	}
}
