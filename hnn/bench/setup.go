package bench

import (
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// DefaultBatch is the default number of windows per training step.
const DefaultBatch = 512

// setup is a freshly initialised model of a spec with its problem.
type setup struct {
	spec    hnn.Spec
	model   *hnn.Model
	problem gradient.Problem
	sys     system.System
	dtype   dtypes.DType
}

func newSetup(spec hnn.Spec, seed uint64) (*setup, error) {
	r, err := spec.Resolve()
	if err != nil {
		return nil, err
	}
	m, err := hnn.NewModel(spec, seed)
	if err != nil {
		return nil, err
	}
	r.Problem.Model = m.Hamiltonian
	return &setup{spec: r.Spec, model: m, problem: r.Problem, sys: r.System, dtype: r.DType}, nil
}

// adamUpdate returns the trainer's update (Adam with a learning-rate
// variable, as train.New builds it).
func (s *setup) adamUpdate(lr float64) gradient.Update {
	optimizer.LearningRateVar(s.model.Store.RootScope(), s.dtype, lr)
	adam := optimizer.Adam().Done().(interface {
		UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
	})
	return func(root *model.Scope, grads []*Node, lossDType dtypes.DType) {
		adam.UpdateGraphWithGradients(root, grads, lossDType)
	}
}

// RandomSource generates random windows one time index at a time (a
// gradient.Observed): window b starts at x_b, uniform in the system's
// training box, and its state j is x_b + 0.01·j·z_{b,j} with z standard
// normal, like a noisy trajectory. State(j) regenerates ŷ_j from (seed, j)
// whenever asked, so only x (B·2d numbers) is held, whatever N.
type RandomSource struct {
	dtype dtypes.DType
	seed  uint64
	b, d2 int
	x     []float64
}

// NewRandomSource returns the windows of b states of sys in dtype for seed.
func NewRandomSource(sys system.System, dtype dtypes.DType, seed uint64, b int) *RandomSource {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c4))
	box := sys.Box()
	d2 := 2 * sys.Dim()
	x := make([]float64, b*d2)
	for i := range x {
		k := i % d2
		x[i] = box.Lo[k] + rng.Float64()*(box.Hi[k]-box.Lo[k])
	}
	return &RandomSource{dtype: dtype, seed: seed, b: b, d2: d2, x: x}
}

func (s *RandomSource) fill(dst []float64, j int) {
	rng := rand.New(rand.NewPCG(s.seed, uint64(j)+1))
	for i := range dst {
		dst[i] = s.x[i] + 0.01*float64(j)*rng.NormFloat64()
	}
}

// State returns ŷ_j [B, 2d] (gradient.Observed).
func (s *RandomSource) State(j int) (*tensors.Tensor, error) {
	v := make([]float64, len(s.x))
	s.fill(v, j)
	return tensorconv.FromFloat64(s.dtype, v, s.b, s.d2), nil
}

// Windows returns states 0…n as one tensor [B, n+1, 2d].
func (s *RandomSource) Windows(n int) *tensors.Tensor {
	vals := make([]float64, s.b*(n+1)*s.d2)
	st := make([]float64, len(s.x))
	for j := range n + 1 {
		s.fill(st, j)
		for b := range s.b {
			copy(vals[(b*(n+1)+j)*s.d2:], st[b*s.d2:(b+1)*s.d2])
		}
	}
	return tensorconv.FromFloat64(s.dtype, vals, s.b, n+1, s.d2)
}

// RandomWindows returns NewRandomSource(sys, dtype, seed, b).Windows(n).
func RandomWindows(sys system.System, dtype dtypes.DType, seed uint64, b, n int) *tensors.Tensor {
	return NewRandomSource(sys, dtype, seed, b).Windows(n)
}
