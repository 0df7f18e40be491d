package gradient

import (
	"errors"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Backprop differentiates the unrolled solver with reverse-mode autodiff:
// the whole rollout (predictor and fixed-point sweeps of every step) is one
// graph, and its gradient graph keeps every intermediate state, so memory
// grows linearly with the rollout length N.
type Backprop struct{}

func (Backprop) String() string { return "backprop" }

// Compile implements Method.
func (Backprop) Compile(backend compute.Backend, store *model.Store, p Problem, update Update) (Computer, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	le, err := lossExec(backend, store, p)
	if err != nil {
		return nil, err
	}
	ge, err := model.NewExec(backend, store, func(root *model.Scope, obs *Node) []*Node {
		root.SetTraining(obs.Graph(), true)
		loss, res := p.Evaluate(root.At(ScopeName), obs)
		return append([]*Node{loss, res}, root.At(ScopeName).BuildTrainableVariablesGradientsGraph(loss)...)
	})
	if err != nil {
		return nil, err
	}
	c := &backpropComputer{loss: le, grads: ge}
	if update != nil {
		c.train, err = model.NewExec(backend, store, func(root *model.Scope, obs *Node) (*Node, *Node) {
			root.SetTraining(obs.Graph(), true)
			loss, res := p.Evaluate(root.At(ScopeName), obs)
			update(root, root.At(ScopeName).BuildTrainableVariablesGradientsGraph(loss), loss.DType())
			return loss, res
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

type backpropComputer struct {
	loss, grads, train *model.Exec
}

func (c *backpropComputer) Loss(obs *tensors.Tensor) (Result, error) { return runLoss(c.loss, obs) }

func (c *backpropComputer) Gradients(obs *tensors.Tensor) (Result, error) {
	out, err := c.grads.Call(obs)
	if err != nil {
		return Result{}, err
	}
	return Result{Loss: scalar(out[0]), Residual: scalar(out[1]), Gradients: out[2:]}, nil
}

func (c *backpropComputer) Train(obs *tensors.Tensor) (Result, error) {
	if c.train == nil {
		return Result{}, errors.New("gradient: Train called on a Computer compiled without an Update")
	}
	return runLoss(c.train, obs)
}
