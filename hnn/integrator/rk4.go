package integrator

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// RK4 is the classical explicit fourth-order Runge–Kutta method,
//
//	k₁ = F(y₀), k₂ = F(y₀ + h/2·k₁), k₃ = F(y₀ + h/2·k₂), k₄ = F(y₀ + h·k₃),
//	y₁ = y₀ + h/6·(k₁ + 2k₂ + 2k₃ + k₄).
//
// It is not symplectic: along long rollouts its energy error drifts
// (secularly, like t·h⁴ for a generic H) where a symplectic method's stays
// bounded. It serves as that contrast, not for training.
type RK4 struct{}

func (RK4) String() string { return "rk4 (explicit, order 4, not symplectic)" }

// Step implements Integrator; guess is ignored and the residual is 0.
func (RK4) Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node) {
	checkState(y0)
	k1 := f(y0)
	k2 := f(Add(y0, MulScalar(k1, h/2)))
	k3 := f(Add(y0, MulScalar(k2, h/2)))
	k4 := f(Add(y0, MulScalar(k3, h)))
	sum := Add(Add(k1, k4), MulScalar(Add(k2, k3), 2))
	return Add(y0, MulScalar(sum, h/6)), StopGradient(ScalarZero(y0.Graph(), y0.DType()))
}
