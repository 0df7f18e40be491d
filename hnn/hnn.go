package hnn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, the default
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

var (
	backendOnce sync.Once
	backend     compute.Backend
	backendErr  error
)

// DefaultBackend is the GoMLX backend used when $GOMLX_BACKEND is unset.
const DefaultBackend = "go"

// Backend returns the process's GoMLX backend: $GOMLX_BACKEND if set, else
// the pure-Go backend.
func Backend() (compute.Backend, error) {
	backendOnce.Do(func() {
		cfg := os.Getenv("GOMLX_BACKEND")
		if cfg == "" {
			cfg = DefaultBackend
		}
		backend, backendErr = compute.NewWithConfig(cfg)
		if backendErr != nil {
			backendErr = fmt.Errorf("GoMLX backend %q: %w (the pure-Go backend is %q; XLA needs its PJRT plugin installed)", cfg, backendErr, DefaultBackend)
		}
	})
	return backend, backendErr
}

// Spec describes a learnable model completely. The zero value of each field
// means its default.
type Spec struct {
	// System is the system's name; "" means "double-well".
	System string `json:"system"`
	// Alpha is the coupled oscillator's coupling; nil means system.DefaultAlpha (0.5).
	Alpha *float64 `json:"alpha,omitempty"`
	// Widths are the MLP's hidden widths; nil means 16, 32, 16.
	Widths []int `json:"widths,omitempty"`
	// Activation is "tanh" (the default) or "softplus".
	Activation string `json:"activation,omitempty"`
	// DType is "float64" (the default) or "float32".
	DType string `json:"dtype,omitempty"`
	// Dt is the integration step h, equal to the data's observation step; 0 means 0.01.
	Dt float64 `json:"dt,omitempty"`
	// Rollout is the number of steps N per window; 0 means 6.
	Rollout int `json:"rollout,omitempty"`
	// Integrator is "implicit-midpoint" (the default) or "gauss-legendre"
	// (the 2-stage Gauss–Legendre method, order 4).
	Integrator string `json:"integrator,omitempty"`
	// Iterations is the number of fixed-point iterations k; 0 means 3.
	Iterations int `json:"iterations,omitempty"`
	// Predictor is "rk2" (the default) or "observed".
	Predictor string `json:"predictor,omitempty"`
	// Ansatz is "mlp" (the default) or "separable" (H = T(p) + V(q), each
	// network with Widths; ansatz.Separable).
	Ansatz string `json:"ansatz,omitempty"`
	// Omega is the binding constant ω of Integrator "tao"; 0 means 20.
	Omega float64 `json:"omega,omitempty"`
	// Objective is "rollout" (the default, loss (26) through Integrator),
	// "hnn" or "shnn" (package baseline; no integrator) or "nssnn" (Tao's
	// augmented rollout with the doubled state carried; Integrator "tao").
	Objective string `json:"objective,omitempty"`
}

// DefaultDt is the default observation and integration step.
const DefaultDt = 0.01

// Integrators lists the valid Spec.Integrator names.
var Integrators = []string{"implicit-midpoint", "gauss-legendre", "leapfrog", "tao"}

// Ansatze lists the valid Spec.Ansatz names.
var Ansatze = []string{"mlp", "separable"}

// WithDefaults returns s with every zero field replaced by its default.
func (s Spec) WithDefaults() Spec {
	if s.System == "" {
		s.System = "double-well"
	}
	if s.Widths == nil {
		s.Widths = slices.Clone(ansatz.DefaultWidths)
	}
	if s.Activation == "" {
		s.Activation = string(ansatz.TanhActivation)
	}
	if s.DType == "" {
		s.DType = "float64"
	}
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if s.Rollout == 0 {
		s.Rollout = gradient.DefaultRollout
	}
	if s.Integrator == "" {
		s.Integrator = "implicit-midpoint"
	}
	if s.Iterations == 0 {
		s.Iterations = integrator.DefaultIterations
	}
	if s.Predictor == "" {
		s.Predictor = "rk2"
	}
	if s.Ansatz == "" {
		s.Ansatz = "mlp"
	}
	if s.Objective == "" {
		s.Objective = baseline.RolloutObjective
	}
	if s.Integrator == "tao" && s.Omega == 0 {
		s.Omega = integrator.DefaultOmega
	}
	return s
}

// Build resolves the spec into the system, the ansatz, the problem and the dtype,
// or returns an error naming the invalid setting.
func (s Spec) Build() (system.System, ansatz.Hamiltonian, gradient.Problem, dtypes.DType, error) {
	s = s.WithDefaults()
	var zero ansatz.Hamiltonian
	sys, err := system.Lookup(s.System, system.Options{Alpha: s.Alpha})
	if err != nil {
		return nil, zero, gradient.Problem{}, 0, err
	}
	for _, w := range s.Widths {
		if w < 1 || w > 4096 {
			return nil, zero, gradient.Problem{}, 0, fmt.Errorf("hidden widths must be in 1…4096, got %v", s.Widths)
		}
	}
	act, err := ansatz.ParseActivation(s.Activation)
	if err != nil {
		return nil, zero, gradient.Problem{}, 0, err
	}
	var dt dtypes.DType
	switch s.DType {
	case "float64":
		dt = dtypes.Float64
	case "float32":
		dt = dtypes.Float32
	default:
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("unknown dtype %q (valid: float64, float32)", s.DType)
	}
	if !(s.Dt > 0) || s.Dt > 1 {
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("step dt must be in (0, 1], got %g", s.Dt)
	}
	if s.Rollout < 1 || s.Rollout > 100000 {
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("rollout must be in 1…100000, got %d", s.Rollout)
	}
	if s.Iterations < 1 || s.Iterations > 1000 {
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("fixed-point iterations must be in 1…1000, got %d", s.Iterations)
	}
	pred, err := integrator.ParsePredictor(s.Predictor)
	if err != nil {
		return nil, zero, gradient.Problem{}, 0, err
	}
	var integ integrator.Integrator
	switch s.Integrator {
	case "implicit-midpoint":
		integ = integrator.ImplicitMidpoint{Iterations: s.Iterations, Predictor: pred}
	case "gauss-legendre":
		integ = integrator.GaussLegendre2{Iterations: s.Iterations, Predictor: pred}
	case "leapfrog":
		integ = integrator.Leapfrog{}
	case "tao":
		if !(s.Omega > 0) || math.IsInf(s.Omega, 0) {
			return nil, zero, gradient.Problem{}, 0, fmt.Errorf("tao binding ω must be positive and finite, got %g", s.Omega)
		}
		integ = integrator.Tao{Omega: s.Omega}
	default:
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("unknown integrator %q (valid: %v)", s.Integrator, Integrators)
	}
	obj, err := baseline.ObjectiveByName(s.Objective)
	if err != nil {
		return nil, zero, gradient.Problem{}, 0, err
	}
	if s.Objective == baseline.NSSNNObjective && s.Integrator != "tao" {
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("objective %q needs integrator \"tao\", got %q", s.Objective, s.Integrator)
	}
	var h ansatz.Hamiltonian
	switch s.Ansatz {
	case "mlp":
		h = ansatz.MLP{D: sys.Dim(), Widths: s.Widths, Activation: act}
	case "separable":
		h = ansatz.Separable{D: sys.Dim(), Widths: s.Widths, Activation: act}
	default:
		return nil, zero, gradient.Problem{}, 0, fmt.Errorf("unknown ansatz %q (valid: %v)", s.Ansatz, Ansatze)
	}
	return sys, h, gradient.Problem{Model: h, Integrator: integ, Step: s.Dt, Rollout: s.Rollout, Objective: obj}, dt, nil
}

// Model is a learned Hamiltonian with its spec.
type Model struct {
	Spec   Spec
	System system.System
	// Hamiltonian is the learnable ansatz; its variables live in Store under
	// gradient.HamiltonianScope.
	Hamiltonian ansatz.Hamiltonian
	Store       *model.Store

	backend compute.Backend
	dtype   dtypes.DType
	once    sync.Once
	energy  *model.Exec
	err     error

	flowOnce sync.Once
	flow     *Flow
}

// NewModel returns a model for spec with freshly initialised weights (seed).
func NewModel(spec Spec, seed uint64) (*Model, error) {
	spec = spec.WithDefaults()
	sys, h, _, dt, err := spec.Build()
	if err != nil {
		return nil, err
	}
	b, err := Backend()
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	h.Init(gradient.HamiltonianScope(store), dt, seed)
	return &Model{Spec: spec, System: sys, Hamiltonian: h, Store: store, backend: b, dtype: dt}, nil
}

// Energy returns the learned H at each point (length 2d each).
func (m *Model) Energy(points [][]float64) ([]float64, error) {
	d2 := 2 * m.Hamiltonian.Dim()
	m.once.Do(func() {
		m.energy, m.err = model.NewExec(m.backend, m.Store, func(root *model.Scope, y *Node) *Node {
			root.SetTraining(y.Graph(), true)
			return m.Hamiltonian.Energy(root.At(gradient.ScopeName), y)
		})
	})
	if m.err != nil {
		return nil, m.err
	}
	out := make([]float64, 0, len(points))
	const chunk = 8192
	for lo := 0; lo < len(points); lo += chunk {
		hi := min(lo+chunk, len(points))
		flat := make([]float64, 0, (hi-lo)*d2)
		for _, p := range points[lo:hi] {
			if len(p) != d2 {
				return nil, fmt.Errorf("hnn: point of length %d, the model expects %d", len(p), d2)
			}
			flat = append(flat, p...)
		}
		in := toTensor(m.dtype, flat, hi-lo, d2)
		t, err := m.energy.Call1(in)
		in.FinalizeAll()
		if err != nil {
			return nil, err
		}
		out = append(out, fromTensor(t)...)
		t.FinalizeAll()
	}
	return out, nil
}

// AsFloat64 returns m itself if it computes in float64, else a float64 copy
// of it (the same spec and weights, converted), e.g. so that long rollouts
// and the energies along them are not limited by float32 round-off.
func (m *Model) AsFloat64() (*Model, error) {
	if m.Spec.WithDefaults().DType == "float64" {
		return m, nil
	}
	spec := m.Spec
	spec.DType = "float64"
	m64, err := NewModel(spec, 0)
	if err != nil {
		return nil, err
	}
	for v := range gradient.HamiltonianScope(m.Store).IterVariables() {
		dst := m64.Store.GetVariable(v.Path())
		if dst == nil {
			return nil, fmt.Errorf("hnn: variable %s missing from the float64 copy", v.Path())
		}
		t := v.MustValue()
		dst.MustSetValue(tensors.FromFlatDataAndDimensions(fromTensor(t), t.Shape().Dimensions...))
	}
	return m64, nil
}

// Evaluate scores the model against its true system on every evaluation
// domain and test set (package eval).
func (m *Model) Evaluate() ([]eval.Result, error) {
	return eval.Evaluate(m.System, m.Energy, eval.DefaultSeed)
}

// Load reads the model saved by Train in dir.
func Load(dir string) (*Model, error) {
	run, err := ReadRunInfo(dir)
	if err != nil {
		return nil, err
	}
	m, err := NewModel(run.Spec, 0)
	if err != nil {
		return nil, fmt.Errorf("hnn: %s: %w", filepath.Join(dir, train.CheckpointFile), err)
	}
	if err := loadWeights(dir, m.Store); err != nil {
		return nil, err
	}
	return m, nil
}

// RunInfo is what Train stores in the checkpoint besides the trainer's
// state: enough to rebuild the model and to resume the run with the same data
// and settings.
type RunInfo struct {
	Spec Spec `json:"spec"`
	// Gradient is the gradient method's name.
	Gradient string `json:"gradient"`
	// Seed initialised the weights and seeds data generation and order.
	Seed uint64 `json:"seed"`
	// Data configured the generated data (when DataFile is empty).
	Data DataConfig `json:"data"`
	// DataFile is the CSV the data came from, if any (recorded by callers
	// that read one, such as hnn train --data).
	DataFile string `json:"data_file,omitempty"`
	// ValFraction is the fraction of DataFile's trajectories held out.
	ValFraction float64 `json:"val_fraction,omitempty"`
	// Epochs, BatchSize and LearningRate are the trainer's settings.
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
}

// ReadRunInfo reads the RunInfo of the run saved in dir.
func ReadRunInfo(dir string) (RunInfo, error) {
	var run RunInfo
	err := train.ReadRun(dir, &run)
	return run, err
}

// DataConfig says which data to train on when none is given: the paper's
// data set. The zero value of each field means its default.
type DataConfig struct {
	// Train is the number of training trajectories; 0 means 16384.
	Train int
	// Val is the number of validation trajectories; 0 means 8192.
	Val int
	// Steps is the number of observation steps per trajectory; 0 means 30.
	Steps int
	// Noise is the observation noise σ; 0 means 0.01 (use a negative value for clean data).
	Noise float64
}

// GenerateData generates the training and validation trajectories for spec
// (its system and step) with seed.
func GenerateData(spec Spec, cfg DataConfig, seed uint64) (trainSet, valSet *data.Trajectories, err error) {
	spec = spec.WithDefaults()
	sys, _, _, _, err := spec.Build()
	if err != nil {
		return nil, nil, err
	}
	nt, nv, steps, noise := cfg.Train, cfg.Val, cfg.Steps, cfg.Noise
	if nt == 0 {
		nt = 16384
	}
	if nv == 0 {
		nv = 8192
	}
	if steps == 0 {
		steps = 30
	}
	switch {
	case noise == 0:
		noise = 0.01
	case noise < 0:
		noise = 0
	}
	all, err := data.Generate(sys, data.GenerateConfig{Trajectories: nt + nv, Steps: steps, Dt: spec.Dt, Noise: noise, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	trainSet, valSet = all.Split(nv)
	return trainSet, valSet, nil
}

// TrainConfig configures Train. The zero value of each field means its default.
type TrainConfig struct {
	// Spec describes the model.
	Spec Spec
	// Train and Val are the data; nil means GenerateData(Spec, Data, Seed).
	Train, Val *data.Trajectories
	// Data configures generated data when Train is nil.
	Data DataConfig
	// Method computes gradients; nil means gradient.Backprop{}.
	Method gradient.Method
	// Trainer holds epochs, batch size, learning rate, schedule, output
	// directory and progress writer; its Seed and Run are set by Train.
	Trainer train.Config
	// Seed initialises the weights and seeds data generation and order.
	Seed uint64
	// Shards is gradient.Problem.Shards: the batch shards integrated as
	// independent graph branches, so that one training keeps several cores
	// busy; 0 means automatic (2 on the pure-Go backend with ≥ 2 cores), 1
	// none (the better choice when several trainings share the cores).
	Shards int
	// Resume continues the run whose checkpoint is in Trainer.OutDir, with
	// the spec, seed, data and trainer settings recorded there (Trainer.Epochs,
	// when set, may extend the run).
	Resume bool
	// DataFile and ValFraction are recorded in the run's metadata when the
	// caller read Train and Val from a CSV file.
	DataFile    string
	ValFraction float64
}

// Train fits a model and returns it with its history. With Trainer.OutDir
// set, the checkpoint there can be loaded with Load.
func Train(ctx context.Context, cfg TrainConfig) (*Model, []train.Epoch, error) {
	spec := cfg.Spec.WithDefaults()
	if cfg.Resume {
		if cfg.Trainer.OutDir == "" {
			return nil, nil, errors.New("hnn: resume needs an output directory")
		}
		run, err := ReadRunInfo(cfg.Trainer.OutDir)
		if err != nil {
			return nil, nil, err
		}
		spec, cfg.Seed, cfg.Data = run.Spec, run.Seed, run.Data
		cfg.DataFile, cfg.ValFraction = run.DataFile, run.ValFraction
		cfg.Trainer.BatchSize, cfg.Trainer.LearningRate = run.BatchSize, run.LearningRate
		if cfg.Trainer.Epochs == 0 {
			cfg.Trainer.Epochs = run.Epochs
		}
	}
	m, err := NewModel(spec, cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	_, _, problem, dt, _ := spec.Build()
	problem.Shards = cfg.Shards
	trainSet, valSet := cfg.Train, cfg.Val
	if trainSet == nil {
		progressf(cfg.Trainer.Progress, "generating %s data …\n", spec.System)
		if trainSet, valSet, err = GenerateData(spec, cfg.Data, cfg.Seed); err != nil {
			return nil, nil, err
		}
	}
	if valSet == nil {
		return nil, nil, errors.New("hnn: training data given without validation data")
	}
	if trainSet.Dim != m.Hamiltonian.Dim() {
		return nil, nil, fmt.Errorf("hnn: the data have d=%d degrees of freedom, system %s has %d", trainSet.Dim, spec.System, m.Hamiltonian.Dim())
	}
	tc := cfg.Trainer
	tc.Seed = cfg.Seed
	tc.DType = dt
	method := cfg.Method
	if method == nil {
		method = gradient.Backprop{}
	}
	tc.Run = RunInfo{Spec: spec, Gradient: method.String(), Seed: cfg.Seed, Data: cfg.Data,
		DataFile: cfg.DataFile, ValFraction: cfg.ValFraction,
		Epochs: tc.Epochs, BatchSize: tc.BatchSize, LearningRate: tc.LearningRate}
	tr, err := train.New(m.backend, m.Store, problem, method, tc)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Resume {
		if err := tr.Resume(tc.OutDir); err != nil {
			return nil, nil, err
		}
	}
	hist, err := tr.Fit(ctx, trainSet, valSet)
	return m, hist, err
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
