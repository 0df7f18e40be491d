// Package reference computes float64 reference trajectories of any
// system.System: the "true" solutions from which datasets are generated and
// against which learned Hamiltonians are checked.
//
// # Conventions
//
// States are y = (q₁,…,q_d, p₁,…,p_d) and the flow is Hamilton's equations
// ẏ = f(y) = (∂H/∂p, −∂H/∂q), as in package system.
//
// # Gauss–Legendre collocation
//
// GaussLegendre is the s-stage implicit Runge–Kutta method whose nodes c are the
// zeros of the shifted Legendre polynomial P_s(2c−1) (s = 1: implicit midpoint
// rule, order 2; s = 2: order 4; s = 3, the default: order 6). One step of size h
// from y solves the stage equations for Z_i = Y_i − y,
//
//	Z_i = h Σ_j a_ij f(y + Z_j),   i = 1…s,
//
// and then sets
//
//	y₁ = y + h Σ_j b_j f(y + Z_j).
//
// The method is symplectic for every Hamiltonian, separable or not (its
// coefficients satisfy b_i a_ij + b_j a_ji = b_i b_j), so it conserves H up to
// O(h^(2s)) without drift and conserves quadratic invariants exactly.
//
// The stage equations are solved by fixed-point iteration (not Newton's method,
// which would need the Hessian of H), started from Z_i = c_i h f(y). The
// iteration stops when the largest change of a stage component is at most
// Tol·max(1, ‖y‖∞) (Tol defaults to 1e-15, a few units of round-off), or when the
// change has stopped decreasing below 100·Tol·max(1, ‖y‖∞) (the round-off floor).
// If neither happens within MaxIter sweeps, Step returns an error wrapping
// ErrNotConverged; non-finite values give an error wrapping ErrNonFinite. The
// iteration is a contraction when h·L·ρ(A) < 1, where L is a Lipschitz constant
// of f and ρ(A) ≈ 0.2 for s = 3, so it converges for all step sizes of interest.
//
// Trajectory records the state every observation step dt using substeps
// internal steps of size dt/substeps (by default the smallest number that makes
// the internal step at most DefaultStep = 0.001, as in the paper: 10 internal
// steps per observation step 0.01). It accumulates the increments with
// compensated (Kahan) summation, so round-off does not drift over long runs.
//
// # Explicit extrapolation
//
// Extrapolation is an independent, explicit, adaptive Gragg–Bulirsch–Stoer
// integrator (modified midpoint rule with Richardson extrapolation in h²) that
// shares no code with GaussLegendre. It is not symplectic; its purpose is to
// cross-check the collocation solutions to near machine precision.
package reference
