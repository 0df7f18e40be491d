// Package ansatz holds learnable Hamiltonians H(y; θ) written as GoMLX graphs.
//
// States are rows of a [B, 2d] node, y = (q₁…q_d, p₁…p_d), as in package system.
// An ansatz returns the energy per row and its phase-space gradient ∇_y H; the
// Hamiltonian vector field used by the integrators is
//
//	F(y) = J⁻¹∇H(y) = (∂H/∂p, −∂H/∂q)
//
// (VectorField). Everything here must be twice differentiable through GoMLX
// autodiff: training differentiates ∇_y H with respect to the weights θ. Dense
// layers are therefore written by hand (x·W + b) rather than with layers.Dense,
// whose fused op has no second derivative in GoMLX v0.28.16.
//
// The MLP is the paper's ansatz (Section 5.1.1: hidden widths 16-32-16, tanh,
// scalar output). Its gradient ∇_y H is written in closed form (a backward sweep
// of graph ops) instead of nested autodiff, and so is the reverse of that sweep,
// the Hessian-vector products training differentiates through: fewer graph
// nodes and memory passes, the same values. The sweep keeps its intermediates
// feature-major, [width, B], so that GoMLX's pure-Go backend multiplies every
// weight cotangent Σ_b x_b u_bᵀ without transposing [B, ·] operands, and folds
// J⁻¹ into the first layer for the vector field. TestMLPGradientMatchesAutodiff
// and TestMLPGradientVJPMatchesAutodiff (first and third order) check the
// values against autodiff (MLP.Autodiff keeps that path available).
//
// Separable is H(q, p) = T(p) + V(q) with two such networks: the ansatz of
// separable baselines (Störmer–Verlet models), unable to represent couplings
// such as α·p·q.
package ansatz
