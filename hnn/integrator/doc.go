// Package integrator holds one-step maps y₀ ↦ y₁ ≈ Φ_h(y₀) of a Hamiltonian flow,
// built as GoMLX graphs, behind the small Integrator interface.
//
// The learning loss (26) of the paper unrolls an integrator over a rollout of
// N steps; Rollout does that. Integrators see the dynamics only through a
// VectorField F(y) = J⁻¹∇H(y) (package ansatz), so the same integrator serves
// any learnable Hamiltonian.
//
// ImplicitMidpoint is the paper's fully implicit symplectic integrator
// (Section 3.0.3, Algorithm 2):
//
//	y₁ = y₀ + h·F((y₀ + y₁)/2),
//
// solved by an explicit predictor (RK2, or the observed next state when the
// caller supplies one) followed by k fixed-point sweeps
// y⁽ʲ⁺¹⁾ = y₀ + h·F((y₀ + y⁽ʲ⁾)/2). The sweep is a contraction with factor
// about h·Lip(F)/2, so the size of the last update, ‖y⁽ᵏ⁾ − y⁽ᵏ⁻¹⁾‖∞, bounds the
// final residual ‖y⁽ᵏ⁾ − y₀ − h·F((y₀+y⁽ᵏ⁾)/2)‖∞ (by that factor) whenever the
// iteration converges; the step reports it, and a residual that grows instead
// of shrinking means h is too large for the learned H.
//
// Where it does (a coarse observation step, a steep learned H), Solver Newton
// solves the same equation by Newton steps y ↦ y − A⁻¹·r(y), with
// r(y) = y − y₀ − h·F((y₀+y)/2) and A = I − (h/2)·DF((y₀+y)/2): DF by Jacobian
// (one reverse pass over 2d copies of the batch) and A⁻¹ by BatchInverse.
// Convergence is quadratic wherever A is invertible (from the RK2 predictor,
// 2 steps leave 5e-11 on a nonlinear test field at h = 0.4 where 3 sweeps
// leave 1.5e-4). Only the last step is differentiated, with A held constant,
// so the gradient is that of the exact implicit map (implicit function
// theorem) rather than of the unrolled iterations. Each step costs about 2d
// evaluations of F's gradient more than a sweep.
//
// GaussLegendre2 and GaussLegendre3 are the 2- and 3-stage Gauss–Legendre
// collocation methods (orders 4 and 6; ImplicitMidpoint is the 1-stage one),
// symplectic for any H, with their stage equations solved the same way: a
// predictor, then k fixed-point sweeps, reporting the last update.
//
// Explicit integrators, for the baselines and contrasts (residual always 0):
//
//	Leapfrog  Störmer–Verlet kick–drift–kick; symplectic and order 2 only for separable H
//	Tao       Tao's (2016) augmented explicit symplectic method for any H (NSSNN's), binding ω
//	RK4       classical Runge–Kutta, order 4, not symplectic (energy drifts on long rollouts)
package integrator
