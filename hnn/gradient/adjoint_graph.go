package gradient

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// backwardChunk builds the backward sweep over one chunk of steps on the
// whole batch, each batch shard an independent branch of the graph: from y0
// = y_c it re-integrates y_{c+1}…y_{c+K} with the targets ŷ (also the
// integrator's guesses) and differentiates
//
//	S = Σ_j ‖y_{c+j} − ŷ_{c+j}‖² / (N·B) + ⟨y_{c+K}, λ̃_{c+K}⟩
//
// with respect to y_c and θ: λ̃_c (the cotangent of y_c less its own seed) and
// the chunk's contributions to dL/dθ, added to acc. lam = nil is the last
// chunk, λ̃_N = 0. The outputs are λ̃_c, acc'..., the chunk's largest residual
// and Σ‖y_{c+j} − ŷ_{c+j}‖² for j = 1…K.
func (a DiscreteAdjoint) backwardChunk(root *model.Scope, p Problem, y0 *Node, targets []*Node, lam *Node, acc []*Node) []*Node {
	b := y0.Shape().Dim(0)
	n := p.shards(y0.Graph(), b)
	scope := root.At(ScopeName)
	f := p.VectorField(scope)
	vars := varNodes(scope, y0.Graph())
	if len(vars) != len(acc) {
		panic(fmt.Sprintf("gradient: %d running gradient sums for %d trainable variables", len(acc), len(vars)))
	}
	shardedTargets := make([][]*Node, len(targets))
	for j, t := range targets {
		shardedTargets[j] = shard(t, n)
	}
	var lams []*Node
	if lam != nil {
		lams = shard(lam, n)
	}
	var lam0s []*Node
	var res *Node
	ys := make([][]*Node, len(targets)) // ys[j][i]: y_{c+1+j} on shard i
	sum := acc
	for i, y0i := range shard(y0, n) {
		// Identity(StopGradient(·)): a node of its own to take the gradient at,
		// with nothing flowing past it into y0's computation.
		start := Identity(StopGradient(y0i))
		y := start
		var obj *Node
		for j := range targets {
			var r *Node
			y, r = p.Integ().Step(f, y, shardedTargets[j][i], p.Step)
			ys[j] = append(ys[j], y)
			term := MulScalar(ReduceAllSum(Square(Sub(y, shardedTargets[j][i]))), 1/float64(p.N()*b))
			if obj == nil {
				obj = term
			} else {
				obj = Add(obj, term)
			}
			if res == nil {
				res = r
			} else {
				res = Max(res, r)
			}
		}
		if lams != nil {
			obj = Add(obj, ReduceAllSum(Mul(y, lams[i])))
		}
		grads := Gradient(obj, append([]*Node{start}, vars...)...)
		lam0s = append(lam0s, grads[0])
		next := make([]*Node, len(acc))
		for j := range acc {
			next[j] = Add(sum[j], grads[j+1])
		}
		sum = next
	}
	out := append(append([]*Node{concat(lam0s)}, sum...), StopGradient(res))
	for j, t := range targets {
		// Σ‖y − ŷ‖² of each step over the whole batch, as the forward executor
		// sums it, so that the loss does not depend on where the sweep starts.
		out = append(out, StopGradient(ReduceAllSum(Square(Sub(concat(ys[j]), t)))))
	}
	return out
}

// backwardSharded builds one step of the backward sweep on the whole batch:
// backwardStep on each batch shard (independent branches of the graph), with
// λ̃₀ concatenated and the contributions summed. y0 is the step's input state,
// y1 the forward output, target = ŷ₁ (also the integrator's guess), lam = λ̃₁
// (the cotangent of y₁ less its own seed), acc the running gradient sums. It
// returns λ̃₀ (without y₀'s seed) and acc + the step's contributions.
func (a DiscreteAdjoint) backwardSharded(root *model.Scope, p Problem, y0, y1, target, lam *Node, acc []*Node) []*Node {
	b := y0.Shape().Dim(0)
	n := p.shards(y0.Graph(), b)
	y0s, targets := shard(y0, n), shard(target, n)
	y1s, lams := shard(y1, n), shard(lam, n)
	var lam0s []*Node
	sum := acc
	for i := range y0s {
		// Identity(StopGradient(·)): a node of its own to take the gradient at,
		// with nothing flowing past it into y0's computation.
		lam0, contrib := a.backwardStep(root, p, Identity(StopGradient(y0s[i])), y1s[i], targets[i], lams[i], b)
		if len(contrib) != len(acc) {
			panic(fmt.Sprintf("gradient: %d running gradient sums for %d trainable variables", len(acc), len(contrib)))
		}
		lam0s = append(lam0s, lam0)
		next := make([]*Node, len(acc))
		for j := range acc {
			next[j] = Add(sum[j], contrib[j])
		}
		sum = next
	}
	return append([]*Node{concat(lam0s)}, sum...)
}

// backwardStep builds one step of the backward sweep on one batch shard (of
// a batch of b): it adds y₁'s seed to λ̃₁ and pulls the sum λ₁ back through
// the step, returning λ̃₀ (without y₀'s seed) and the step's contributions to
// dL/dθ. y0 must be a node that gradients can be taken with respect to.
func (a DiscreteAdjoint) backwardStep(root *model.Scope, p Problem, y0, y1, target, lam *Node, b int) (lam0 *Node, contrib []*Node) {
	lam1 := Add(lam, lossSeed(p, y1, target, b)) // λ₁ = λ̃₁ + ∂L/∂y₁
	return a.pullback(root.At(ScopeName), p, y0, y1, target, lam1)
}

// lossSeed returns ∂L/∂y = 2(y − ŷ)/(N·B) for the state y of a shard of a
// batch of b (target = ŷ): the jump of the adjoint at an observed state.
func lossSeed(p Problem, y, target *Node, b int) *Node {
	return MulScalar(Sub(y, target), 2/float64(p.N()*b))
}

// pullback returns the cotangents of the step y₀ ↦ y₁ = Φ(y₀; θ) of the
// variant's map, given λ₁, the whole cotangent of y₁: λ₀ = (∂Φ/∂y₀)ᵀλ₁ and
// (∂Φ/∂θ)ᵀλ₁ per trainable variable (TrainableVariables order). target = ŷ₁
// is the integrator's guess.
func (a DiscreteAdjoint) pullback(scope *model.Scope, p Problem, y0, y1, target, lam1 *Node) (lam0 *Node, contrib []*Node) {
	switch a.Variant {
	case Unrolled:
		return unrolledPullback(scope, p, y0, target, lam1)
	case Converged:
		m := MulScalar(Add(y0, y1), 0.5)
		return convergedPullback(scope, m, vectorFieldVJP(p.VectorField(scope)(m)), lam1, p.Step, a.iters())
	}
	panic(fmt.Sprintf("gradient: unknown adjoint variant %d", int(a.Variant)))
}

// unrolledPullback is the pullback of the integrator's own Step graph from
// y0 (target its guess): the gradients of ⟨λ₁, Φ(y₀)⟩ by reverse-mode autodiff.
func unrolledPullback(scope *model.Scope, p Problem, y0, target, lam1 *Node) (lam0 *Node, contrib []*Node) {
	y1again, _ := p.Integ().Step(p.VectorField(scope), y0, target, p.Step)
	s := ReduceAllSum(Mul(y1again, lam1))
	grads := Gradient(s, append([]*Node{y0}, varNodes(scope, y0.Graph())...)...)
	return grads[0], grads[1:]
}

// vjpFunc returns μᵀ∂F/∂x for each x of wrt, μ held constant.
type vjpFunc func(mu *Node, wrt ...*Node) []*Node

// vectorFieldVJP returns the vector–Jacobian products of fm = F(m): the
// gradients of ⟨μ, F(m)⟩ with μ held constant (StopGradient), so that no
// Hessian is formed.
func vectorFieldVJP(fm *Node) vjpFunc {
	return func(mu *Node, wrt ...*Node) []*Node {
		return Gradient(ReduceAllSum(Mul(StopGradient(mu), fm)), wrt...)
	}
}

// convergedPullback is the pullback of the exact implicit midpoint step
// through its midpoint m (see DiscreteAdjoint): with A = ∂F/∂y(m), whose
// transposed products vjp gives (vjp(μ, m)[0] = Aᵀμ),
//
//	μ = λ₁ + (h/2)·Aᵀμ                (iters fixed-point iterations from μ = λ₁)
//	λ₀ = μ + (h/2)·Aᵀμ,   contrib = h·μᵀ∂F/∂θ(m).
func convergedPullback(scope *model.Scope, m *Node, vjp vjpFunc, lam1 *Node, h float64, iters int) (lam0 *Node, contrib []*Node) {
	mu := lam1
	for range iters {
		mu = Add(lam1, MulScalar(vjp(mu, m)[0], h/2))
	}
	vars := varNodes(scope, m.Graph())
	grads := vjp(mu, append([]*Node{m}, vars...)...)
	lam0 = Add(mu, MulScalar(grads[0], h/2))
	contrib = make([]*Node, len(vars))
	for i, gv := range grads[1:] {
		contrib[i] = MulScalar(gv, h)
	}
	return lam0, contrib
}

// varNodes returns the graph values of the trainable variables, in TrainableVariables order.
func varNodes(scope *model.Scope, g *Graph) []*Node {
	var nodes []*Node
	for v := range scope.IterVariables() {
		if v.Trainable {
			nodes = append(nodes, v.NodeValue(g))
		}
	}
	return nodes
}
