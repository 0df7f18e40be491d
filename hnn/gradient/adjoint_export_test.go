package gradient

// Test hooks: deliberately wrong sweeps, to show that the adjoint tests can fail.

// WithLastStateOnlySeeding returns a copy of a whose backward sweep is seeded
// with ∂L/∂y_N only (the terminal condition (18) of the paper, alone).
func WithLastStateOnlySeeding(a DiscreteAdjoint) DiscreteAdjoint {
	a.flaw = flawLastStateOnly
	return a
}

// WithUntransposedJacobian returns a copy of a (Converged) that applies
// ∂F/∂y instead of its transpose in the μ equation and in λ₀.
func WithUntransposedJacobian(a DiscreteAdjoint) DiscreteAdjoint {
	a.flaw = flawUntransposed
	return a
}
