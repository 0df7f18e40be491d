package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Methods maps the gradient-method names accepted by the benchmarks (and by
// hnn train --gradient) to methods. "auto" is gradient.Auto{}: Backprop up to
// gradient.DefaultCrossover steps, the discrete adjoint above.
var Methods = map[string]gradient.Method{
	"backprop":          gradient.Backprop{},
	"adjoint":           gradient.DiscreteAdjoint{},
	"adjoint-recompute": gradient.DiscreteAdjoint{Recompute: true},
	"adjoint-converged": gradient.DiscreteAdjoint{Variant: gradient.Converged},
	"auto":              gradient.Auto{},
}

// MethodNames returns the keys of Methods, sorted.
func MethodNames() []string {
	names := make([]string, 0, len(Methods))
	for n := range Methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseMethod returns the method called name.
func ParseMethod(name string) (gradient.Method, error) {
	m, ok := Methods[name]
	if !ok {
		return nil, fmt.Errorf("unknown gradient method %q (valid: %s)", name, strings.Join(MethodNames(), ", "))
	}
	return m, nil
}

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
	spec = spec.WithDefaults()
	sys, _, problem, dtype, err := spec.Build()
	if err != nil {
		return nil, err
	}
	m, err := hnn.NewModel(spec, seed)
	if err != nil {
		return nil, err
	}
	problem.Model = m.Hamiltonian
	return &setup{spec: spec, model: m, problem: problem, sys: sys, dtype: dtype}, nil
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

// RandomWindows returns b random windows [b, n+1, 2d] of dtype for sys: each
// starts uniformly in the system's training box and moves by small random
// increments (0.01·j·N(0,1) at step j), like a noisy trajectory. The same
// seed gives the same windows.
func RandomWindows(sys system.System, dtype dtypes.DType, seed uint64, b, n int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c4))
	box := sys.Box()
	d2 := 2 * sys.Dim()
	vals := make([]float64, b*(n+1)*d2)
	for i := range b {
		for k := range d2 {
			x := box.Lo[k] + rng.Float64()*(box.Hi[k]-box.Lo[k])
			for j := range n + 1 {
				vals[(i*(n+1)+j)*d2+k] = x + 0.01*float64(j)*rng.NormFloat64()
			}
		}
	}
	return toTensor(vals, dtype, b, n+1, d2)
}

// toTensor converts float64 values to a tensor of dtype (Float64 or Float32).
func toTensor(vals []float64, dtype dtypes.DType, dims ...int) *tensors.Tensor {
	if dtype == dtypes.Float32 {
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	return tensors.FromFlatDataAndDimensions(vals, dims...)
}
