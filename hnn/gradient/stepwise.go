package gradient

import "github.com/gomlx/gomlx/core/tensors"

// Observed supplies the observed states of a batch of windows one time index
// at a time, so that no [B, N+1, 2d] window tensor need exist: with it the
// discrete adjoint's memory does not grow with N even through its input.
type Observed interface {
	// State returns ŷ_i, i = 0…N, as a new tensor [B, 2d] of the model's
	// dtype, which the caller owns and finalizes once used. It is called in
	// forward and then in reverse order, more than once per index.
	State(i int) (*tensors.Tensor, error)
}

// StepwiseComputer is a Computer that also takes its observed states from an
// Observed. DiscreteAdjoint's computers implement it.
type StepwiseComputer interface {
	Computer
	LossStepwise(obs Observed) (Result, error)
	GradientsStepwise(obs Observed) (Result, error)
	TrainStepwise(obs Observed) (Result, error)
}

var _ StepwiseComputer = (*adjointComputer)(nil)
