package gradient

import (
	"fmt"
	"runtime"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// ScopeName is the scope, under the store's root, that holds the Hamiltonian's variables.
const ScopeName = "hamiltonian"

// HamiltonianScope returns the scope holding the Hamiltonian's variables.
func HamiltonianScope(store *model.Store) *model.Scope {
	return store.RootScope().At(ScopeName)
}

// Problem is what a gradient method differentiates: the rollout loss of a
// learnable Hamiltonian integrated by an integrator.
type Problem struct {
	// Model is the learnable Hamiltonian. Required.
	Model ansatz.Hamiltonian
	// Integrator is the one-step map; nil means integrator.ImplicitMidpoint{}
	// (RK2 predictor, 3 fixed-point iterations).
	Integrator integrator.Integrator
	// Step is the integration step h, equal to the observation interval. Required.
	Step float64
	// Rollout is the number N of steps per window; 0 means DefaultRollout (6).
	Rollout int
	// Objective replaces the rollout loss (26), for baselines trained on other
	// losses (e.g. HNN's derivative matching); nil means RolloutLoss. Only
	// Backprop differentiates a custom objective.
	Objective Objective
	// Shards is the number of equal parts the batch is cut into for the
	// rollout loss; each part is integrated as an independent branch of the
	// graph, so that a backend that runs independent ops concurrently (the
	// pure-Go one) keeps several cores busy. The result is the same up to
	// round-off. 0 means automatic: 2 on the pure-Go backend when
	// GOMAXPROCS ≥ 2 and the batch is even and ≥ 64, else 1 (2 shards made
	// the step faster on 2 cores and 4 slower than 2; see the README's
	// benchmark section). A batch that Shards does not divide is not cut.
	Shards int
}

// shards returns the number of batch shards for a batch of b on g's backend.
func (p Problem) shards(g *Graph, b int) int {
	n := p.Shards
	if n == 0 {
		n = 1
		if g.Backend().String() == "go" && runtime.GOMAXPROCS(0) >= 2 && b >= 64 {
			n = 2
		}
	}
	if n < 1 || b%n != 0 {
		return 1
	}
	return n
}

// step integrates one step of size h of the whole batch y [B, 2d] (guess: the
// integrator's initial guesses, or nil), each batch shard an independent
// branch of the graph; the residual is the largest of the shards'.
func (p Problem) step(scope *model.Scope, y, guess *Node, h float64) (y1, residual *Node) {
	n := p.shards(y.Graph(), y.Shape().Dim(0))
	ys, guesses := shard(y, n), make([]*Node, n)
	if guess != nil {
		guesses = shard(guess, n)
	}
	y1s := make([]*Node, n)
	for i := range ys {
		var r *Node
		y1s[i], r = p.Integ().Step(p.VectorField(scope), ys[i], guesses[i], h)
		if i == 0 {
			residual = r
		} else {
			residual = Max(residual, r)
		}
	}
	return concat(y1s), residual
}

// concat concatenates batch shards.
func concat(parts []*Node) *Node {
	if len(parts) == 1 {
		return parts[0]
	}
	return Concatenate(parts, 0)
}

// shard returns x [B, ...] cut into n equal parts along the batch axis.
func shard(x *Node, n int) []*Node {
	if n == 1 {
		return []*Node{x}
	}
	b := x.Shape().Dim(0) / n
	parts := make([]*Node, n)
	for i := range parts {
		parts[i] = Slice(x, AxisRange(i*b, (i+1)*b))
	}
	return parts
}

// Objective builds a scalar loss (and a diagnostic residual, a scalar that
// may be zero) of the problem's model on observed windows [B, N+1, 2d].
type Objective func(p Problem, scope *model.Scope, obs *Node) (loss, residual *Node)

// RolloutLoss is the paper's objective: Forward then Loss.
func RolloutLoss(p Problem, scope *model.Scope, obs *Node) (loss, residual *Node) {
	pred, res := p.Forward(scope, obs)
	return Loss(pred, obs), res
}

// Evaluate builds the problem's objective (RolloutLoss unless Objective is set).
func (p Problem) Evaluate(scope *model.Scope, obs *Node) (loss, residual *Node) {
	p.CheckWindows(obs)
	if p.Objective != nil {
		return p.Objective(p, scope, obs)
	}
	parts := shard(obs, p.shards(obs.Graph(), obs.Shape().Dim(0)))
	for i, part := range parts { // equal parts: the mean of the parts' means
		l, r := RolloutLoss(p, scope, part)
		if i == 0 {
			loss, residual = l, r
		} else {
			loss, residual = Add(loss, l), Max(residual, r)
		}
	}
	return DivScalar(loss, float64(len(parts))), residual
}

// DefaultRollout is the default number of integration steps per window.
const DefaultRollout = 6

// Integ returns the effective integrator.
func (p Problem) Integ() integrator.Integrator {
	if p.Integrator == nil {
		return integrator.ImplicitMidpoint{}
	}
	return p.Integrator
}

// N returns the effective rollout length.
func (p Problem) N() int {
	if p.Rollout == 0 {
		return DefaultRollout
	}
	return p.Rollout
}

// Check returns an error naming the first invalid setting.
func (p Problem) Check() error {
	switch {
	case p.Model == nil:
		return fmt.Errorf("gradient: Problem.Model is nil")
	case !(p.Step > 0):
		return fmt.Errorf("gradient: step h must be positive, got %g", p.Step)
	case p.Rollout < 0:
		return fmt.Errorf("gradient: rollout must be ≥ 1, got %d", p.Rollout)
	case p.Shards < 0:
		return fmt.Errorf("gradient: shards must be ≥ 0 (0: automatic), got %d", p.Shards)
	}
	return nil
}

// VectorField returns F = J⁻¹∇H of the problem's model on scope.
func (p Problem) VectorField(scope *model.Scope) integrator.VectorField {
	return func(y *Node) *Node { return ansatz.VectorField(p.Model, scope, y) }
}

// CheckWindows panics with a "gradient: ..." message unless obs is [B, N+1, 2d].
func (p Problem) CheckWindows(obs *Node) {
	d := p.Model.Dim()
	if obs.Rank() != 3 || obs.Shape().Dim(1) != p.N()+1 || obs.Shape().Dim(2) != 2*d {
		panic(fmt.Sprintf("gradient: observed windows must be [B, %d, %d] (rollout %d, d=%d), got %s",
			p.N()+1, 2*d, p.N(), d, obs.Shape()))
	}
}

// Forward builds the rollout from the first observed state and returns the
// predicted states [B, N, 2d] and the largest fixed-point residual. The
// observed states ŷ₁…ŷ_N are offered to the integrator as initial guesses.
func (p Problem) Forward(scope *model.Scope, obs *Node) (pred, residual *Node) {
	p.CheckWindows(obs)
	n := p.N()
	y0 := Squeeze(Slice(obs, AxisRange(), AxisElem(0), AxisRange()), 1)
	guesses := Slice(obs, AxisRange(), AxisRange(1, n+1), AxisRange())
	return integrator.Rollout(p.Integ(), p.VectorField(scope), y0, guesses, p.Step, n)
}

// Loss returns equation (26): mean over steps and batch of the squared
// distance between predicted [B, N, 2d] and observed ŷ₁…ŷ_N.
func Loss(pred, obs *Node) *Node {
	n := pred.Shape().Dim(1)
	target := Slice(obs, AxisRange(), AxisRange(1, n+1), AxisRange())
	return ReduceAllMean(ReduceSum(Square(Sub(pred, target)), 2))
}

// Update applies gradients (one per trainable variable, in order) inside a
// graph, e.g. an optimizer step. lossDType is the dtype of the loss.
type Update func(root *model.Scope, grads []*Node, lossDType dtypes.DType)

// Result is what one evaluation of a Computer returns.
type Result struct {
	// Loss is L(θ) on the batch.
	Loss float64
	// Residual is the largest fixed-point residual of the forward rollout.
	Residual float64
	// Gradients are dL/dθ per trainable variable (Gradients only; nil after Train).
	Gradients []*tensors.Tensor
}

// Computer evaluates the loss and its gradient for batches of windows
// [B, N+1, 2d] (dtype of the model's variables).
type Computer interface {
	// Loss evaluates the loss and residual without gradients.
	Loss(obs *tensors.Tensor) (Result, error)
	// Gradients evaluates the loss and dL/dθ.
	Gradients(obs *tensors.Tensor) (Result, error)
	// Train evaluates the loss and applies the Update given to Compile with
	// dL/dθ. It returns an error if Compile had no Update.
	Train(obs *tensors.Tensor) (Result, error)
}

// Method is a way of computing dL/dθ.
type Method interface {
	// Compile prepares the executors that evaluate p on backend with the
	// variables of store. update may be nil when only Loss and Gradients are used.
	Compile(backend compute.Backend, store *model.Store, p Problem, update Update) (Computer, error)
	// String names the method.
	String() string
}

// TrainableVariables returns the trainable variables of the Hamiltonian's
// scope in store order: the order of gradients.
func TrainableVariables(store *model.Store) []*model.Variable {
	var vs []*model.Variable
	for v := range HamiltonianScope(store).IterVariables() {
		if v.Trainable {
			vs = append(vs, v)
		}
	}
	return vs
}

// scalar reads a scalar tensor as float64.
func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	}
	panic(fmt.Sprintf("gradient: expected a float scalar, got %s", t.Shape()))
}

// lossExec builds the forward-only executor shared by all methods: outputs loss, residual.
func lossExec(backend compute.Backend, store *model.Store, p Problem) (*model.Exec, error) {
	return model.NewExec(backend, store, func(root *model.Scope, obs *Node) (*Node, *Node) {
		root.SetTraining(obs.Graph(), true) // read variables as parameters, not frozen constants
		return p.Evaluate(root.At(ScopeName), obs)
	})
}

func runLoss(e *model.Exec, obs *tensors.Tensor) (Result, error) {
	out, err := e.Call(obs)
	if err != nil {
		return Result{}, err
	}
	return Result{Loss: scalar(out[0]), Residual: scalar(out[1])}, nil
}
