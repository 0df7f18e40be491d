// Package system defines the analytic Hamiltonian systems that the toolkit learns:
// their energy H, its gradient ∇H in closed form, the training box for initial
// conditions and the domains on which a learned Hamiltonian is evaluated.
//
// # Conventions
//
// A system has d degrees of freedom; its phase-space state is the vector
// y = (q₁,…,q_d, p₁,…,p_d) of length 2d (positions first, then momenta).
// The flow is Hamilton's equations
//
//	q̇ = ∂H/∂p,  ṗ = −∂H/∂q,  i.e.  ẏ = J⁻¹∇H(y)  with  J = [[0, −I], [I, 0]],
//
// so J⁻¹ = [[0, I], [−I, 0]]. (The paper writes ẏ = J⁻¹∇H with the opposite sign
// convention for J; the dynamics are the same.) VectorField computes J⁻¹∇H.
//
// Built-in systems: DoubleWell, CoupledOscillator, HenonHeiles, Pendulum,
// ProductOscillator (non-separable) and DoublePendulum (non-separable,
// chaotic at higher energies). A user-defined system implements System,
// or is built from two functions with Func. Lookup and Names give the
// command-line names.
package system
