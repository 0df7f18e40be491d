package ansatz

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Curvature returns ∇²H(f, f) = fᵀ(∇²H)f, the second derivative of H along
// its own vector field f = J⁻¹∇H, at each row of y [B, 2d]: shape [B]. For
// d = 1 it is H_qq·H_p² − 2·H_q·H_p·H_qp + H_pp·H_q². It takes one
// Hessian–vector product: ∇_y(∇H(y)·stop(f)) = ∇²H·f (GoMLX autodiff of
// the Hamiltonian's gradient).
func Curvature(h Hamiltonian, scope *model.Scope, y *Node) *Node {
	g := h.Gradient(scope, y)
	f := StopGradient(Symplectic(g))
	hf := Gradient(ReduceAllSum(Mul(g, f)), y)[0] // rows of y are independent: row b is ∇²H(y_b)·f_b
	return ReduceSum(Mul(hf, f), 1)
}

// MidpointCorrected returns the energy H̄ − (h²/24)·∇²H̄(f̄, f̄) of a learned
// H̄ at each row of y: [B]. A model fitted through the implicit midpoint
// rule with step h learns not H but its inverse modified Hamiltonian
// H̄ = H + (h²/24)·∇²H(f, f) + O(h⁴) (backward error analysis: the midpoint
// map of H̄ is the exact flow of H to O(h⁵) per step; Hairer, Lubich &
// Wanner, Geometric Numerical Integration, ch. IX), so this corrected
// energy is H + O(h⁴): the leading term of the integrator's bias removed.
// Odd powers of h do not occur (the rule is symmetric).
func MidpointCorrected(h Hamiltonian, scope *model.Scope, y *Node, step float64) *Node {
	return Sub(h.Energy(scope, y), MulScalar(Curvature(h, scope, y), step*step/24))
}
