package reproduce

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// rolloutIterations is the number of fixed-point sweeps of the implicit
// midpoint steps in figure rollouts: enough to converge to round-off for
// h·Lip(F)/2 ≲ 0.3.
const rolloutIterations = 30

// stepsPerCall is the number of steps unrolled in one executor call.
const stepsPerCall = 20

// rollout integrates the learned H of m from the rows of y0 for n steps of
// size h with integ and returns the states y₀…y_n (per row: [n+1][2d]) and
// the largest fixed-point residual seen (0 for explicit integrators).
func rollout(m *hnn.Model, integ integrator.Integrator, y0 [][]float64, h float64, n int) ([][][]float64, float64, error) {
	b, err := hnn.Backend()
	if err != nil {
		return nil, 0, err
	}
	d2 := 2 * m.Hamiltonian.Dim()
	k := min(stepsPerCall, n)
	exec, err := model.NewExec(b, m.Store, func(root *model.Scope, y *Node) (*Node, *Node) {
		root.SetTraining(y.Graph(), true)
		s := root.At(gradient.ScopeName)
		f := func(x *Node) *Node { return ansatz.VectorField(m.Hamiltonian, s, x) }
		var states []*Node
		res := ScalarZero(y.Graph(), y.DType())
		for range k {
			var r *Node
			y, r = integ.Step(f, y, nil, h)
			res = Max(res, r)
			states = append(states, y)
		}
		return Stack(states, 1), res // [B, k, 2d]
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([][][]float64, len(y0))
	flat := make([]float64, 0, len(y0)*d2)
	for i, y := range y0 {
		if len(y) != d2 {
			panic(fmt.Sprintf("reproduce: initial state of length %d, want %d", len(y), d2))
		}
		out[i] = [][]float64{append([]float64(nil), y...)}
		flat = append(flat, y...)
	}
	maxRes := 0.0
	for done := 0; done < n; done += k {
		o, err := exec.Call(toTensor(m.Spec.DType, flat, len(y0), d2))
		if err != nil {
			return nil, 0, err
		}
		vals := fromTensor(o[0])
		maxRes = max(maxRes, fromTensor(o[1])[0])
		steps := min(k, n-done)
		for i := range y0 {
			for j := range steps {
				off := (i*k + j) * d2
				out[i] = append(out[i], append([]float64(nil), vals[off:off+d2]...))
			}
			copy(flat[i*d2:], vals[(i*k+k-1)*d2:(i*k+k)*d2])
		}
	}
	return out, maxRes, nil
}

// asFloat64 returns m itself if it computes in float64, else a float64
// copy of it (same spec and weights, converted), so that long rollouts and
// the energies along them are not limited by float32 round-off.
func asFloat64(m *hnn.Model) (*hnn.Model, error) {
	if m.Spec.WithDefaults().DType == "float64" {
		return m, nil
	}
	spec := m.Spec
	spec.DType = "float64"
	m64, err := hnn.NewModel(spec, 0)
	if err != nil {
		return nil, err
	}
	for v := range gradient.HamiltonianScope(m.Store).IterVariables() {
		dst := m64.Store.GetVariable(v.Path())
		if dst == nil {
			return nil, fmt.Errorf("reproduce: variable %s missing from the float64 copy", v.Path())
		}
		t := v.MustValue()
		dst.MustSetValue(tensors.FromFlatDataAndDimensions(fromTensor(t), t.Shape().Dimensions...))
	}
	return m64, nil
}

func toTensor(dtype string, flat []float64, dims ...int) *tensors.Tensor {
	if dtype == "float32" {
		f := make([]float32, len(flat))
		for i, v := range flat {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), flat...), dims...)
}

func fromTensor(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float32:
		f := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	default:
		return tensors.MustCopyFlatData[float64](t)
	}
}
