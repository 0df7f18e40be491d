package gradient

import (
	"errors"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Deliberately wrong discrete adjoints, the two mistakes seen in public
// code, for TestAdjointRejectsFlaws (adjoint_test.go) to show that the
// gradient checks would catch them. Each is a Method of its own, put together
// from the production adjoint's pieces with one of them replaced: the split
// and forward executors and forwardPass, then a step-by-step sweep over the
// stored states whose steps are built from backwardStep, lossSeed, pullback
// and convergedPullback. The flawed executors do not cut the batch into
// shards (the tests' batches are below the automatic threshold).

// LastStateOnlySeeding is the discrete adjoint of Variant seeded from the
// last state only, as with the paper's terminal condition (18) alone:
//
//	λ_N = ∂L/∂y_N,   λ_i = (∂Φ/∂y_i)ᵀ λ_{i+1}   (the jumps + ∂L/∂y_i, i < N, are missing),
//
// whereas every term of the loss (26) seeds the sweep. Its step y_{N−1} → y_N
// is the production backwardStep (λ̃_N = 0 plus y_N's seed); every earlier step
// is the production pullback of λ_{i+1} with no seed added.
type LastStateOnlySeeding struct{ Variant Variant }

func (f LastStateOnlySeeding) String() string {
	return DiscreteAdjoint{Variant: f.Variant}.String() + "-last-state-only"
}

// Compile implements Method.
func (f LastStateOnlySeeding) Compile(backend compute.Backend, store *model.Store, p Problem, _ Update) (Computer, error) {
	a := DiscreteAdjoint{Variant: f.Variant}
	unseeded := func(root *model.Scope, p Problem, y0, y1, target, lam *Node, _ int) (*Node, []*Node) {
		return a.pullback(root.At(ScopeName), p, y0, y1, target, lam)
	}
	return compileFlawed(backend, store, p, a, a.backwardStep, unseeded)
}

// UntransposedJacobian is the Converged discrete adjoint with A = ∂F/∂y(m)
// applied where its transpose belongs:
//
//	μ = λ₁ + (h/2)·Aμ,   λ₀ = μ + (h/2)·Aμ   (instead of Aᵀμ; μᵀ∂F/∂θ is left correct).
//
// Its steps are the production ones (lossSeed, then convergedPullback) with
// the vector–Jacobian product with respect to m replaced by A·μ.
type UntransposedJacobian struct{}

func (UntransposedJacobian) String() string { return "adjoint-converged-untransposed" }

// Compile implements Method.
func (UntransposedJacobian) Compile(backend compute.Backend, store *model.Store, p Problem, _ Update) (Computer, error) {
	a := DiscreteAdjoint{Variant: Converged}
	step := func(root *model.Scope, p Problem, y0, y1, target, lam *Node, b int) (*Node, []*Node) {
		scope := root.At(ScopeName)
		lam1 := Add(lam, lossSeed(p, y1, target, b))
		m := MulScalar(Add(y0, y1), 0.5)
		fm := p.VectorField(scope)(m)
		return convergedPullback(scope, m, untransposed(vectorFieldVJP(fm), m, fm), lam1, p.Step, a.iters())
	}
	return compileFlawed(backend, store, p, a, step, step)
}

// untransposed returns vjp with its product with respect to m (wrt[0]), Aᵀμ,
// replaced by Aμ = ∂/∂u ⟨Aᵀu, μ⟩: a second reverse sweep, through the linear
// map u ↦ Aᵀu.
func untransposed(vjp vjpFunc, m, fm *Node) vjpFunc {
	u := Identity(ZerosLike(m))
	return func(mu *Node, wrt ...*Node) []*Node {
		atu := Gradient(ReduceAllSum(Mul(u, fm)), m)[0]
		amu := Gradient(ReduceAllSum(Mul(atu, StopGradient(mu))), u)[0]
		out := vjp(mu, wrt...)
		out[0] = amu
		return out
	}
}

// stepGraph builds one backward step on the whole batch of b, with
// backwardStep's arguments and results.
type stepGraph func(root *model.Scope, p Problem, y0, y1, target, lam *Node, b int) (lam0 *Node, contrib []*Node)

// flawedComputer runs a flawed sweep: last is the executor of the step
// y_{N−1} → y_N, rest that of the earlier ones. Only Gradients is flawed; Loss
// is the production one.
type flawedComputer struct {
	adjoint    *adjointComputer // the production split and forward executors
	last, rest *model.Exec
}

// compileFlawed compiles a for its split and forward executors and the
// executors of the steps last and rest. Inputs: y_i, y_{i+1}, ŷ_{i+1}, λ_{i+1},
// acc... ; outputs: λ_i, acc'...
func compileFlawed(backend compute.Backend, store *model.Store, p Problem, a DiscreteAdjoint, last, rest stepGraph) (Computer, error) {
	comp, err := a.Compile(backend, store, p, nil)
	if err != nil {
		return nil, err
	}
	exec := func(step stepGraph) (*model.Exec, error) {
		return model.NewExec(backend, store, func(root *model.Scope, in []*Node) []*Node {
			root.SetTraining(in[0].Graph(), true)
			y0 := Identity(StopGradient(in[0])) // a node of its own to take the gradient at
			lam0, contrib := step(root, p, y0, in[1], in[2], in[3], in[0].Shape().Dim(0))
			out := []*Node{lam0}
			for j, acc := range in[4:] {
				out = append(out, Add(acc, contrib[j]))
			}
			return out
		})
	}
	c := &flawedComputer{adjoint: comp.(*adjointComputer)}
	if c.last, err = exec(last); err != nil {
		return nil, err
	}
	if c.rest, err = exec(rest); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *flawedComputer) Loss(obs *tensors.Tensor) (Result, error) { return c.adjoint.Loss(obs) }

func (c *flawedComputer) Train(*tensors.Tensor) (Result, error) {
	return Result{}, errors.New("gradient: a flawed adjoint does not train")
}

// Gradients runs the production forward pass, keeping every state, then
// goes back one step at a time.
func (c *flawedComputer) Gradients(obs *tensors.Tensor) (Result, error) {
	src, err := c.adjoint.splitWindows(obs)
	if err != nil {
		return Result{}, err
	}
	defer src.close()
	n := c.adjoint.p.N()
	ys, yN, b, sse, res, err := c.adjoint.forwardPass(src, 1, n)
	if err != nil {
		return Result{}, err
	}
	ys[n] = yN
	lam := tensors.FromShape(ys[0].Shape())
	var acc []*tensors.Tensor
	for _, v := range TrainableVariables(c.adjoint.store) {
		acc = append(acc, tensors.FromShape(shapes.Make(ys[0].DType(), v.Shape().Dimensions...)))
	}
	for i := n - 1; i >= 0; i-- {
		e := c.rest
		if i == n-1 {
			e = c.last
		}
		target, err := src.state(i + 1)
		if err != nil {
			return Result{}, err
		}
		out, err := e.Call(append([]*tensors.Tensor{ys[i], ys[i+1], target, lam}, acc...))
		if err != nil {
			return Result{}, err
		}
		lam.FinalizeAll()
		for _, t := range acc {
			t.FinalizeAll()
		}
		ys[i+1].FinalizeAll() // computed (ys[0] is the source's)
		lam, acc = out[0], out[1:]
	}
	lam.FinalizeAll()
	return Result{Loss: sse / float64(n*b), Residual: res, Gradients: acc}, nil
}
