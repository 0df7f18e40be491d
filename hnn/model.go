package hnn

import (
	"fmt"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Model is a learned Hamiltonian: the toolkit's one model type. It gives the
// learned energy H_θ, its gradient ∇H_θ and the vector field J⁻¹∇H_θ on
// batches of states (float64 rows, whatever the model's dtype), its flow
// (Flow), and its score against the true system (Evaluate). It is what a
// notebook cell or another program uses a learned energy through.
//
// A Model is safe for concurrent use; its executors are compiled on first use.
type Model struct {
	// Spec is the model's spec, defaults and Dim filled in.
	Spec Spec
	// System is the true system the data came from: built in, user-defined,
	// or nil when no true Hamiltonian is known (Spec.System NoSystem, or a
	// user-defined system that was not passed to LoadSystem).
	System system.System
	// Hamiltonian is the learnable ansatz; its variables live in Store under
	// gradient.HamiltonianScope.
	Hamiltonian ansatz.Hamiltonian
	Store       *model.Store

	backend compute.Backend
	dtype   dtypes.DType

	mu    sync.Mutex
	execs map[string]*model.Exec

	flowOnce sync.Once
	flow     *Flow

	f64Once sync.Once // the float64 copy of a float32 model (AsFloat64)
	f64     *Model
	f64Err  error
}

// NewModel returns a model for spec (a built-in system, or NoSystem with
// Spec.Dim) with freshly initialised weights (seed).
func NewModel(spec Spec, seed uint64) (*Model, error) {
	r, err := spec.Resolve()
	if err != nil {
		return nil, err
	}
	return newModel(r, seed)
}

func newModel(r Resolved, seed uint64) (*Model, error) {
	b, err := Backend()
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	r.Hamiltonian.Init(gradient.HamiltonianScope(store), r.DType, seed)
	return &Model{Spec: r.Spec, System: r.System, Hamiltonian: r.Hamiltonian, Store: store, backend: b, dtype: r.DType}, nil
}

// DType is the dtype of the model's variables.
func (m *Model) DType() dtypes.DType { return m.dtype }

// Dim is the number of degrees of freedom d; states have 2d coordinates.
func (m *Model) Dim() int { return m.Hamiltonian.Dim() }

// evalChunk is the number of states per executor call of Energy, Gradient
// and VectorField.
const evalChunk = 8192

// exec returns the executor called kind, y [B, 2d] ↦ out, compiling it once.
func (m *Model) exec(kind string, out func(scope *model.Scope, y *Node) *Node) (*model.Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.execs[kind]; ok {
		return e, nil
	}
	e, err := model.NewExec(m.backend, m.Store, func(root *model.Scope, y *Node) *Node {
		root.SetTraining(y.Graph(), true) // read variables as parameters, not frozen constants
		return out(root.At(gradient.ScopeName), y)
	})
	if err != nil {
		return nil, err
	}
	if m.execs == nil {
		m.execs = map[string]*model.Exec{}
	}
	m.execs[kind] = e
	return e, nil
}

// batch evaluates the executor kind on points in chunks and returns the
// flat float64 outputs, per point width values each.
func (m *Model) batch(kind string, width int, out func(scope *model.Scope, y *Node) *Node, points [][]float64) ([]float64, error) {
	d2 := 2 * m.Dim()
	e, err := m.exec(kind, out)
	if err != nil {
		return nil, err
	}
	res := make([]float64, 0, len(points)*width)
	for lo := 0; lo < len(points); lo += evalChunk {
		hi := min(lo+evalChunk, len(points))
		flat := make([]float64, 0, (hi-lo)*d2)
		for i, p := range points[lo:hi] {
			if len(p) != d2 {
				return nil, fmt.Errorf("hnn: point %d has %d coordinates, the model expects 2d = %d", lo+i, len(p), d2)
			}
			flat = append(flat, p...)
		}
		in := tensorconv.FromFloat64(m.dtype, flat, hi-lo, d2)
		t, err := e.Call1(in)
		in.FinalizeAll()
		if err != nil {
			return nil, err
		}
		res = append(res, tensorconv.ToFloat64(t)...)
		t.FinalizeAll()
	}
	return res, nil
}

func rows(flat []float64, width int) [][]float64 {
	out := make([][]float64, len(flat)/width)
	for i := range out {
		out[i] = flat[i*width : (i+1)*width : (i+1)*width]
	}
	return out
}

// Energy returns the learned H_θ at each point (each of length 2d).
func (m *Model) Energy(points [][]float64) ([]float64, error) {
	return m.batch("energy", 1, m.Hamiltonian.Energy, points)
}

// Gradient returns ∇H_θ = (∂H/∂q, ∂H/∂p) at each point.
func (m *Model) Gradient(points [][]float64) ([][]float64, error) {
	d2 := 2 * m.Dim()
	flat, err := m.batch("gradient", d2, m.Hamiltonian.Gradient, points)
	if err != nil {
		return nil, err
	}
	return rows(flat, d2), nil
}

// VectorField returns the learned Hamiltonian vector field
// F(y) = J⁻¹∇H_θ(y) = (∂H/∂p, −∂H/∂q) at each point.
func (m *Model) VectorField(points [][]float64) ([][]float64, error) {
	d2 := 2 * m.Dim()
	flat, err := m.batch("vector-field", d2, func(scope *model.Scope, y *Node) *Node {
		return ansatz.VectorField(m.Hamiltonian, scope, y)
	}, points)
	if err != nil {
		return nil, err
	}
	return rows(flat, d2), nil
}

// Correction names the bias correction CorrectedEnergy applies to m, ""
// when none does. A model trained through the implicit midpoint rule (the
// rollout objective) or with the SHNN objective (the midpoint relation
// between consecutive observations) learns the midpoint rule's inverse
// modified Hamiltonian H̄ = H + (h²/24)·∇²H(f, f) + O(h⁴), and the
// correction "midpoint" removes that h² term (ansatz.MidpointCorrected).
// Gauss–Legendre models need none at this order (their bias is O(h⁴) for 2
// stages, O(h⁶) for 3); the explicit baselines' (leapfrog, Tao, HNN's
// central differences) are other expansions, not applied.
func (m *Model) Correction() string {
	s := m.Spec.WithDefaults()
	switch {
	case s.Objective == "shnn":
		return "midpoint"
	case s.Objective == "rollout" && s.Integrator == "implicit-midpoint":
		return "midpoint"
	}
	return ""
}

// CorrectedEnergy returns the bias-corrected learned energy at each point,
// H̄ − (h²/24)·∇²H̄(f̄, f̄) with h = Spec.Dt, computed in float64 from the
// model's weights; for a model without a correction (Correction() == "")
// it is Energy.
func (m *Model) CorrectedEnergy(points [][]float64) ([]float64, error) {
	if m.Correction() == "" {
		return m.Energy(points)
	}
	m64, err := m.AsFloat64()
	if err != nil {
		return nil, err
	}
	step := m.Spec.Dt
	return m64.batch("corrected-energy", 1, func(scope *model.Scope, y *Node) *Node {
		return ansatz.MidpointCorrected(m64.Hamiltonian, scope, y, step)
	}, points)
}

// EvaluateCorrected is Evaluate of CorrectedEnergy: the errors of the
// bias-corrected energy, each Result marked Corrected. It is an error for a
// model without a correction.
func (m *Model) EvaluateCorrected() ([]eval.Result, error) {
	if m.Correction() == "" {
		return nil, fmt.Errorf("hnn: no bias correction applies to a model of integrator %s, objective %s", m.Spec.Integrator, m.Spec.Objective)
	}
	if m.System == nil {
		return m.Evaluate() // the same error
	}
	res, err := eval.Evaluate(m.System, m.CorrectedEnergy, eval.DefaultSeed)
	for i := range res {
		res[i].Corrected = true
	}
	return res, err
}

// AsFloat64 returns m itself if it computes in float64, else a float64 copy
// of it (the same spec and weights, converted, made on the first call and
// returned by later ones), e.g. so that long rollouts and the energies
// along them are not limited by float32 round-off.
func (m *Model) AsFloat64() (*Model, error) {
	if m.dtype == dtypes.Float64 {
		return m, nil
	}
	m.f64Once.Do(func() { m.f64, m.f64Err = m.float64Copy() })
	return m.f64, m.f64Err
}

// float64Copy converts a float32 model's weights into a new float64 model.
// The copy is taken once (AsFloat64): later changes to m's weights are not
// reflected.
func (m *Model) float64Copy() (*Model, error) {
	spec := m.Spec
	spec.DType = "float64"
	r, err := spec.ResolveWith(m.System)
	if err != nil {
		return nil, err
	}
	m64, err := newModel(r, 0)
	if err != nil {
		return nil, err
	}
	m64.System = m.System
	for v := range gradient.HamiltonianScope(m.Store).IterVariables() {
		dst := m64.Store.GetVariable(v.Path())
		if dst == nil {
			return nil, fmt.Errorf("hnn: variable %s missing from the float64 copy", v.Path())
		}
		t := v.MustValue()
		dst.MustSetValue(tensorconv.FromFloat64(dtypes.Float64, tensorconv.ToFloat64(t), t.Shape().Dimensions...))
	}
	return m64, nil
}

// Evaluate scores the model against its true system on every evaluation
// domain and test set (package eval). A model without a known system
// returns an error saying so.
func (m *Model) Evaluate() ([]eval.Result, error) {
	if m.System == nil {
		if m.Spec.System == NoSystem {
			return nil, fmt.Errorf("hnn: %w for this model (trained on data without a system): it has no true energy to be scored against", errNoSystem)
		}
		return nil, fmt.Errorf("hnn: %w for this model: it was trained on the user-defined system %q, load it with hnn.LoadSystem(dir, sys) to score it", errNoSystem, m.Spec.System)
	}
	return eval.Evaluate(m.System, m.Energy, eval.DefaultSeed)
}
