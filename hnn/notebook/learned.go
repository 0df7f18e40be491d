package notebook

import (
	"fmt"
	"sync"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Learned is a learned Hamiltonian as the figures use it: its energy and its
// flow. It wraps an *hnn.Model (FromModel) or a model trained on a
// user-defined system (TrainSystem).
type Learned struct {
	// Name labels the model in figures, e.g. "this work" or "HNN".
	Name string
	// Hamiltonian is the ansatz; its variables live in Store under gradient.HamiltonianScope.
	Hamiltonian ansatz.Hamiltonian
	Store       *model.Store
	// DType is the dtype of the variables.
	DType dtypes.DType
	// Dt is the model's step h (the data's observation step).
	Dt float64

	mu      sync.Mutex
	energy  *model.Exec
	flow    *hnn.Flow
	execErr error
}

// FromModel wraps a model of package hnn.
func FromModel(name string, m *hnn.Model) *Learned {
	dt := dtypes.Float64
	if m.Spec.DType == "float32" {
		dt = dtypes.Float32
	}
	return &Learned{Name: name, Hamiltonian: m.Hamiltonian, Store: m.Store, DType: dt, Dt: m.Spec.Dt}
}

func (l *Learned) tensor(flat []float64, dims ...int) *tensors.Tensor {
	if l.DType == dtypes.Float32 {
		f := make([]float32, len(flat))
		for i, v := range flat {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	return tensors.FromFlatDataAndDimensions(flat, dims...)
}

func flat64(t *tensors.Tensor) []float64 {
	var out []float64
	t.MustConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float64:
			out = append([]float64(nil), v...)
		case []float32:
			out = make([]float64, len(v))
			for i, x := range v {
				out[i] = float64(x)
			}
		default:
			panic(fmt.Sprintf("notebook: unexpected tensor %s", t.Shape()))
		}
	})
	return out
}

func flatten(points [][]float64, n int) ([]float64, error) {
	flat := make([]float64, 0, len(points)*n)
	for _, p := range points {
		if len(p) != n {
			return nil, fmt.Errorf("notebook: point of length %d, the model expects %d", len(p), n)
		}
		flat = append(flat, p...)
	}
	return flat, nil
}

// Energy returns the learned H at each point (each of length 2d).
func (l *Learned) Energy(points [][]float64) ([]float64, error) {
	d2 := 2 * l.Hamiltonian.Dim()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.energy == nil && l.execErr == nil {
		b, err := hnn.Backend()
		if err != nil {
			return nil, err
		}
		l.energy, l.execErr = model.NewExec(b, l.Store, func(root *model.Scope, y *Node) *Node {
			root.SetTraining(y.Graph(), true)
			return l.Hamiltonian.Energy(root.At(gradient.ScopeName), y)
		})
	}
	if l.execErr != nil {
		return nil, l.execErr
	}
	out := make([]float64, 0, len(points))
	const chunk = 8192
	for lo := 0; lo < len(points); lo += chunk {
		hi := min(lo+chunk, len(points))
		flat, err := flatten(points[lo:hi], d2)
		if err != nil {
			return nil, err
		}
		in := l.tensor(flat, hi-lo, d2)
		t, err := l.energy.Call1(in)
		in.FinalizeAll()
		if err != nil {
			return nil, err
		}
		out = append(out, flat64(t)...)
		t.FinalizeAll()
	}
	return out, nil
}

// RolloutIterations is the number of fixed-point sweeps of the implicit
// midpoint rule in Rollout: more than training uses, so that long rollouts
// follow the implicit map itself (and so conserve the learned H well).
const RolloutIterations = 8

// Rollout integrates the learned Hamilton equations from each initial state
// in y0 for steps steps of size dt with the implicit midpoint rule (RK2
// predictor, RolloutIterations fixed-point sweeps; hnn.Flow) and returns the
// states: out[i][k] is the state of trajectory i at time k·dt, k = 0…steps.
func (l *Learned) Rollout(y0 [][]float64, dt float64, steps int) ([][][]float64, error) {
	l.mu.Lock()
	if l.flow == nil {
		l.flow = hnn.NewFlow(l.Hamiltonian, l.Store, l.DType)
	}
	f := l.flow
	l.mu.Unlock()
	out, _, err := f.Rollout(integrator.ImplicitMidpoint{Iterations: RolloutIterations}, y0, dt, steps)
	return out, err
}

// TrueRollout integrates the true system s from each initial state for steps
// steps of size dt with the order-6 Gauss–Legendre reference integrator
// (one internal step per dt; its error at dt = 0.01 is far below plotting
// resolution): out[i][k] is the state at time k·dt.
func TrueRollout(s system.System, y0 [][]float64, dt float64, steps int) ([][][]float64, error) {
	out := make([][][]float64, len(y0))
	errs := make([]error, len(y0))
	var wg sync.WaitGroup
	for i := range y0 {
		wg.Go(func() {
			out[i], errs[i] = reference.Trajectory(s, y0[i], dt, steps, 1)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EnergyAlong returns H(y) for every state of every trajectory.
func EnergyAlong(h func([]float64) float64, trajs [][][]float64) [][]float64 {
	out := make([][]float64, len(trajs))
	for i, tr := range trajs {
		out[i] = make([]float64, len(tr))
		for k, y := range tr {
			out[i][k] = h(y)
		}
	}
	return out
}

// EnergyAlongLearned returns the learned H at every state of every trajectory.
func (l *Learned) EnergyAlong(trajs [][][]float64) ([][]float64, error) {
	var pts [][]float64
	for _, tr := range trajs {
		pts = append(pts, tr...)
	}
	e, err := l.Energy(pts)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(trajs))
	off := 0
	for i, tr := range trajs {
		out[i] = e[off : off+len(tr)]
		off += len(tr)
	}
	return out, nil
}
