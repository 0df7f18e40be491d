package integrator

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// DefaultOmega is Tao's default binding constant ω (the value of NSSNN,
// Xiong et al. 2021).
const DefaultOmega = 20

// Tao is Tao's explicit symplectic integrator for non-separable Hamiltonians
// (M. Tao, "Explicit symplectic approximation of nonseparable Hamiltonians:
// algorithm and long time performance", Phys. Rev. E 94, 043303, 2016), the
// integrator of NSSNN (Xiong et al., ICLR 2021). Phase space is doubled to
// (q, p, x, y) with the augmented Hamiltonian
//
//	H̄ = H_A + H_B + ω·H_C,   H_A = H(q, y),   H_B = H(x, p),   H_C = ½‖q − x‖² + ½‖p − y‖²,
//
// whose three parts have exact flows:
//
//	φ_A(δ): p ← p + δ·F_p(q, y),   x ← x + δ·F_q(q, y)
//	φ_B(δ): q ← q + δ·F_q(x, p),   y ← y + δ·F_p(x, p)
//	φ_C(δ): with c = cos 2ωδ, s = sin 2ωδ, u = q − x, v = p − y,
//	        (q, p) ← ½(q + x + c·u + s·v,  p + y − s·u + c·v)
//	        (x, y) ← ½(q + x − c·u − s·v,  p + y + s·u − c·v)
//
// where F = (F_q, F_p) = (∂H/∂p, −∂H/∂q) is the vector field (so ∇H is
// recovered from F, and any ansatz serves). One step is the symmetric
// (Strang) composition φ_A(h/2)∘φ_B(h/2)∘φ_C(h)∘φ_B(h/2)∘φ_A(h/2): explicit,
// symplectic on the doubled space, second order, four evaluations of F.
//
// State handling in Step (the Integrator interface carries (q, p) only):
// every step starts on the diagonal, (x, y) = (q, p), and the result is
// projected back by averaging, y₁ = ((q + x)/2, (p + y)/2). CarriedRollout
// instead carries the doubled state over a whole rollout, as NSSNN does. The exact
// augmented flow keeps the diagonal invariant and equals H's flow in both
// copies (Tao 2016, §2), so each copy has local error O(h³) and so has their
// mean: the projected map is a second-order one-step method for any H. It is
// not exactly symplectic in (q, p) (the projection is not), but over the
// short rollouts of training (N = 6 steps) it differs from carrying the
// augmented copy along by O(h³) per step, and it keeps Rollout's [B, 2d]
// state.
type Tao struct {
	// Omega is the binding constant ω > 0; 0 means DefaultOmega (20).
	Omega float64
}

// W returns the effective binding constant ω.
func (t Tao) W() float64 {
	if t.Omega == 0 {
		return DefaultOmega
	}
	checkPositive("Tao.Omega", t.Omega)
	return t.Omega
}

func (t Tao) String() string {
	return fmt.Sprintf("tao (augmented explicit symplectic, ω = %g)", t.W())
}

// Step implements Integrator; guess is ignored and the residual is 0. The
// step starts on the diagonal, (x, y) = (q, p), and returns the mean of the
// two copies after Augmented.
func (t Tao) Step(f VectorField, y0, guess *Node, h float64) (y1, residual *Node) {
	checkState(y0)
	d := y0.Shape().Dim(1) / 2
	q, p := split(y0, d)
	q, p, x, y := t.Augmented(f, q, p, q, p, h)
	y1 = join(MulScalar(Add(q, x), 0.5), MulScalar(Add(p, y), 0.5))
	return y1, StopGradient(ScalarZero(y0.Graph(), y0.DType()))
}

// Augmented advances the doubled state (q, p, x, y) (each [B, d]) by one
// step of Tao's map, φ_A(h/2)∘φ_B(h/2)∘φ_C(h)∘φ_B(h/2)∘φ_A(h/2), with no
// projection.
func (t Tao) Augmented(f VectorField, q, p, x, y *Node, h float64) (q1, p1, x1, y1 *Node) {
	w := t.W()
	d := q.Shape().Dim(1)
	phiA := func(delta float64) {
		fq, fp := split(f(join(q, y)), d)
		p = Add(p, MulScalar(fp, delta))
		x = Add(x, MulScalar(fq, delta))
	}
	phiB := func(delta float64) {
		fq, fp := split(f(join(x, p)), d)
		q = Add(q, MulScalar(fq, delta))
		y = Add(y, MulScalar(fp, delta))
	}
	phiC := func(delta float64) {
		c, s := math.Cos(2*w*delta), math.Sin(2*w*delta)
		u, v := Sub(q, x), Sub(p, y)
		sq, sp := Add(q, x), Add(p, y)
		cu, sv := MulScalar(u, c), MulScalar(v, s)
		su, cv := MulScalar(u, s), MulScalar(v, c)
		q = MulScalar(Add(sq, Add(cu, sv)), 0.5)
		p = MulScalar(Add(sp, Sub(cv, su)), 0.5)
		x = MulScalar(Sub(sq, Add(cu, sv)), 0.5)
		y = MulScalar(Add(sp, Sub(su, cv)), 0.5)
	}
	phiA(h / 2)
	phiB(h / 2)
	phiC(h)
	phiB(h / 2)
	phiA(h / 2)
	return q, p, x, y
}

// CarriedRollout integrates n steps of Tao's map from y0 [B, 2d] with the
// doubled state carried from step to step, as NSSNN does: the copy starts on
// the diagonal, (x, y) = (q, p) = y0, and is never reset or projected. It
// returns the states of both copies, (q_i, p_i) and (x_i, y_i) for
// i = 1…n, each [B, n, 2d]. The exact augmented flow keeps the diagonal;
// Tao's map leaves it by O(h²), bounded by the binding ω (Tao 2016, §3).
func (t Tao) CarriedRollout(f VectorField, y0 *Node, h float64, n int) (first, second *Node) {
	checkState(y0)
	if n < 1 {
		panic(fmt.Sprintf("integrator: rollout length must be ≥ 1, got %d", n))
	}
	d := y0.Shape().Dim(1) / 2
	q, p := split(y0, d)
	x, y := q, p
	firsts, seconds := make([]*Node, n), make([]*Node, n)
	for i := range n {
		q, p, x, y = t.Augmented(f, q, p, x, y, h)
		firsts[i], seconds[i] = join(q, p), join(x, y)
	}
	return Stack(firsts, 1), Stack(seconds, 1)
}
