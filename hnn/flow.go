package hnn

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
)

// FlowChunk is the number of integration steps a Flow unrolls in one
// compiled executor (longer rollouts call it repeatedly).
const FlowChunk = 20

// Flow integrates the Hamilton equations y' = J⁻¹∇H_θ(y) of a learned
// Hamiltonian (an ansatz whose variables live in a store, under
// gradient.HamiltonianScope) from batches of initial states given as float64
// rows, whatever the model's dtype. Each (integrator, step, chunk) compiles
// one executor, reused by every later call. A Flow is safe for concurrent use.
type Flow struct {
	hamiltonian ansatz.Hamiltonian
	store       *model.Store
	dtype       dtypes.DType

	mu    sync.Mutex
	execs map[flowKey]*model.Exec
}

type flowKey struct {
	integ string
	h     float64
	chunk int
}

// NewFlow returns the flow of h with its variables in store, of dtype
// (dtypes.Float64 or dtypes.Float32).
func NewFlow(h ansatz.Hamiltonian, store *model.Store, dtype dtypes.DType) *Flow {
	return &Flow{hamiltonian: h, store: store, dtype: dtype}
}

// Flow returns the model's flow (one per model: its executors are shared).
func (m *Model) Flow() *Flow {
	m.flowOnce.Do(func() { m.flow = NewFlow(m.Hamiltonian, m.Store, m.dtype) })
	return m.flow
}

// Rollout integrates steps steps of size h with integ from each row of y0
// (length 2d each) and returns out[i][k], the state of trajectory i at time
// k·h (k = 0…steps; out[i][0] is a copy of y0[i]), and the largest
// fixed-point residual any step reported (0 for explicit integrators).
func (f *Flow) Rollout(integ integrator.Integrator, y0 [][]float64, h float64, steps int) ([][][]float64, float64, error) {
	return f.rollout(y0, h, steps, func(flat []float64, k int) ([]float64, float64, error) {
		return f.chunk(integ, flat, len(y0), h, k)
	})
}

// ConvergedTolerance is the residual below which Flow.Converged accepts a chunk of
// implicit midpoint steps: the largest fixed-point update, relative to
// max(1, the largest |coordinate| of the chunk's start).
const ConvergedTolerance = 1e-14

// Sweep counts of Flow.Converged's fixed-point solves.
const (
	MinSweeps = 4
	MaxSweeps = 64
)

// Converged integrates steps steps of size h with the implicit midpoint
// rule (RK2 predictor) solved to round-off: each chunk of FlowChunk steps
// runs k fixed-point sweeps per step, and is run again with 2k sweeps while
// its largest update exceeds ConvergedTolerance (relative); k starts
// at MinSweeps and at the previous chunk's count after that. It returns the
// states as Rollout does and the largest residual, and an error when
// MaxSweeps do not converge (the step is too large for the learned H).
func (f *Flow) Converged(y0 [][]float64, h float64, steps int) ([][][]float64, float64, error) {
	k := MinSweeps
	return f.rollout(y0, h, steps, func(flat []float64, n int) ([]float64, float64, error) {
		scale := 1.0
		for _, v := range flat {
			scale = max(scale, math.Abs(v))
		}
		for {
			states, res, err := f.chunk(integrator.ImplicitMidpoint{Iterations: k}, flat, len(y0), h, n)
			if err != nil {
				return nil, 0, err
			}
			if res <= ConvergedTolerance*scale {
				return states, res, nil
			}
			if k >= MaxSweeps || math.IsNaN(res) {
				return nil, 0, fmt.Errorf("hnn: the implicit midpoint rule with step %g does not converge for the learned H: residual %.3g after %d fixed-point sweeps (use a smaller step)", h, res, k)
			}
			k *= 2
		}
	})
}

// rollout runs the chunks of a rollout: step(flat, k) advances the states
// flat [B·2d] by k steps and returns the states [B, k, 2d] and the residual.
func (f *Flow) rollout(y0 [][]float64, h float64, steps int, step func(flat []float64, k int) ([]float64, float64, error)) ([][][]float64, float64, error) {
	d2 := 2 * f.hamiltonian.Dim()
	if steps < 0 {
		return nil, 0, fmt.Errorf("hnn: negative rollout length %d", steps)
	}
	if !(h > 0) || math.IsInf(h, 0) {
		return nil, 0, fmt.Errorf("hnn: rollout step %g, want positive and finite", h)
	}
	flat := make([]float64, 0, len(y0)*d2)
	out := make([][][]float64, len(y0))
	for i, y := range y0 {
		if len(y) != d2 {
			return nil, 0, fmt.Errorf("hnn: initial state of length %d, the model expects %d", len(y), d2)
		}
		out[i] = make([][]float64, 1, steps+1)
		out[i][0] = append([]float64(nil), y...)
		flat = append(flat, y...)
	}
	if len(y0) == 0 || steps == 0 {
		return out, 0, nil
	}
	k := min(FlowChunk, steps)
	b, maxRes := len(y0), 0.0
	for done := 0; done < steps; done += k {
		states, res, err := step(flat, k)
		if err != nil {
			return nil, 0, err
		}
		maxRes = max(maxRes, res)
		take := min(k, steps-done)
		for i := range b {
			for j := range take {
				off := (i*k + j) * d2
				out[i] = append(out[i], append([]float64(nil), states[off:off+d2]...))
			}
			last := (i*k + k - 1) * d2
			copy(flat[i*d2:(i+1)*d2], states[last:last+d2])
		}
	}
	return out, maxRes, nil
}

// chunk advances the b states flat by k steps of integ.
func (f *Flow) chunk(integ integrator.Integrator, flat []float64, b int, h float64, k int) ([]float64, float64, error) {
	exec, err := f.exec(integ, h, k)
	if err != nil {
		return nil, 0, err
	}
	in := tensorconv.FromFloat64(f.dtype, flat, b, len(flat)/b)
	o, err := exec.Call(in)
	in.FinalizeAll()
	if err != nil {
		return nil, 0, err
	}
	states := tensorconv.ToFloat64(o[0]) // [B, k, 2d]
	res := tensorconv.ToFloat64(o[1])[0]
	o[0].FinalizeAll()
	o[1].FinalizeAll()
	return states, res, nil
}

// exec returns the executor of k steps of size h with integ: y [B, 2d] ↦
// (states [B, k, 2d], largest residual).
func (f *Flow) exec(integ integrator.Integrator, h float64, k int) (*model.Exec, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := flowKey{integ.String(), h, k}
	if e, ok := f.execs[key]; ok {
		return e, nil
	}
	b, err := Backend()
	if err != nil {
		return nil, err
	}
	e, err := model.NewExec(b, f.store, func(root *model.Scope, y *Node) (*Node, *Node) {
		root.SetTraining(y.Graph(), true) // read variables as parameters, not frozen constants
		scope := root.At(gradient.ScopeName)
		field := func(x *Node) *Node { return ansatz.VectorField(f.hamiltonian, scope, x) }
		return integrator.Rollout(integ, field, y, nil, h, k)
	})
	if err != nil {
		return nil, err
	}
	if f.execs == nil {
		f.execs = map[flowKey]*model.Exec{}
	}
	f.execs[key] = e
	return e, nil
}
