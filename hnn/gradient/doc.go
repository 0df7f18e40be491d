// Package gradient computes the rollout loss of a learnable Hamiltonian and its
// gradient with respect to the network weights θ, behind the Method interface:
// the gradient method is a value passed to the trainer (as diffrax passes
// adjoint=...), not a flag threaded through the loop.
//
// # The loss
//
// For a window of N+1 observed states ŷ₀…ŷ_N (shape [B, N+1, 2d]) the model
// integrates N steps of size h from the noisy start ŷ₀ with the Problem's
// integrator and scores, as in equation (26) of the paper,
//
//	L(θ) = (1/N) Σᵢ₌₁ᴺ mean_b ‖y_i − ŷ_i‖²,   ‖·‖² summed over (q, p).
//
// # Methods
//
// Backprop differentiates the unrolled solver (predictor and every
// fixed-point sweep) with GoMLX reverse-mode autodiff; its memory grows
// linearly with N. The discrete adjoint, a Method of its own, must give the
// same gradients, with memory flat in N. Auto picks one of them by N.
//
// ByName returns a method by the name a command line or a configuration
// gives it; Names lists them:
//
//	auto                Auto{}: Backprop up to DefaultCrossover steps, the adjoint beyond
//	backprop            Backprop{}
//	adjoint             DiscreteAdjoint{}: unrolled, DefaultChunk steps per backward executor
//	adjoint-step        DiscreteAdjoint{Chunk: 1}: one step per backward executor
//	adjoint-recompute   DiscreteAdjoint{Recompute: true}: no stored states
//	adjoint-converged   DiscreteAdjoint{Variant: Converged}: the exact implicit midpoint map
//
// A method's String is its name.
//
// Trainable variables are those under the Hamiltonian's scope
// (ansatz scope "hamiltonian" of the store), in Store.IterVariables order;
// gradients are returned and applied in that order.
package gradient
