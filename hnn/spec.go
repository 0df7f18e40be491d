package hnn

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Spec describes a learnable model completely. The zero value of each field
// means its default. It is stored in every checkpoint, so that Load rebuilds
// the same model.
type Spec struct {
	// System names the system the data come from: a built-in system
	// (system.Names), the Name of a user-defined system given to Train and
	// LoadSystem, or NoSystem for data without a known Hamiltonian; ""
	// means "double-well".
	System string `json:"system"`
	// Dim is the number of degrees of freedom d (states have 2d
	// coordinates); 0 means the system's. With NoSystem it comes from the data.
	Dim int `json:"dim,omitempty"`
	// Alpha is the coupled oscillator's coupling, |α| < 1; nil means
	// system.DefaultAlpha (0.5). Only for System "coupled-oscillator".
	Alpha *float64 `json:"alpha,omitempty"`
	// Widths are the MLP's hidden widths, each in 1…MaxWidth, at most
	// MaxLayers of them and MaxWeights weights in all; nil means 16, 32, 16.
	Widths []int `json:"widths,omitempty"`
	// Activation is "softplus" (the default) or "tanh". Softplus grows
	// linearly outside the data where tanh saturates, so its H extrapolates
	// to the Gaussian test points beyond the training box: on the double
	// well (defaults otherwise) softplus scores 0.0095 / 0.0105 / 0.054
	// (uniform / grid / Gaussian), tanh 0.0046 / 0.0050 / 0.173 against the
	// paper's 0.010 / 0.012 / 0.157 (README, section Train and evaluate).
	// Softplus needs the whole budget: after 96 steps (2,048 trajectories,
	// 12 epochs of 256) tanh is at 0.097 and softplus at 0.46 on uniform, so
	// short experiments may prefer tanh. In JSON a missing "activation"
	// means tanh, the default of the specs written before softplus was
	// (UnmarshalJSON).
	Activation string `json:"activation"`
	// DType is "float64" (the default) or "float32".
	DType string `json:"dtype,omitempty"`
	// Dt is the integration step h, equal to the data's observation step,
	// in (0, 1]; 0 means DefaultDt (0.01).
	Dt float64 `json:"dt,omitempty"`
	// Rollout is the number of steps N per window, 1…MaxRollout; 0 means 6.
	Rollout int `json:"rollout,omitempty"`
	// Integrator is one of Integrators: "implicit-midpoint" (the default),
	// "gauss-legendre" (2 stages, order 4), "gauss-legendre-3" (3 stages,
	// order 6), "leapfrog" or "tao".
	Integrator string `json:"integrator,omitempty"`
	// Iterations is the number of fixed-point iterations k of the implicit
	// integrators, 1…MaxIterations; 0 means 3, or 4 for "gauss-legendre-3"
	// (with the RK2 predictor, 3 sweeps give order 5, 4 order 6).
	Iterations int `json:"iterations,omitempty"`
	// Predictor is "rk2" (the default) or "observed".
	Predictor string `json:"predictor,omitempty"`
	// Solver is how "implicit-midpoint" solves its equation: "fixed-point"
	// (the default: Iterations sweeps, one F each) or "newton" (Iterations
	// Newton steps, each with the 2d×2d Jacobian of F; for the coarse steps
	// where the sweeps stop contracting; integrator.Newton).
	Solver string `json:"solver,omitempty"`
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

// NoSystem is Spec.System for data without a known Hamiltonian: such a model
// trains and rolls out, but has no true energy to be scored against.
const NoSystem = "none"

// DefaultSystem is the system of the zero Spec.
const DefaultSystem = "double-well"

// DefaultDt is the default observation and integration step.
const DefaultDt = 0.01

// Limits of Spec's fields (Validate).
const (
	MaxWidth      = 4096
	MaxLayers     = 32
	MaxRollout    = 100000
	MaxIterations = 1000
	// MaxWeights bounds the number of weights of the MLP(s).
	MaxWeights = 1 << 22
)

// Integrators lists the valid Spec.Integrator names.
var Integrators = []string{"implicit-midpoint", "gauss-legendre", "gauss-legendre-3", "leapfrog", "tao"}

// UnmarshalJSON decodes a spec, reading a missing "activation" as tanh:
// checkpoints and results written before softplus became the default
// recorded specs without the key, and meant tanh.
func (s *Spec) UnmarshalJSON(b []byte) error {
	type plain Spec // without the method
	p := plain{Activation: string(ansatz.TanhActivation)}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Spec(p)
	return nil
}

// DefaultActivation is Spec.Activation's default.
const DefaultActivation = string(ansatz.SoftplusActivation)

// Ansatze lists the valid Spec.Ansatz names.
var Ansatze = []string{"mlp", "separable"}

// WithDefaults returns s with every zero field replaced by its default (Dim
// stays: it comes from the system, see Resolve).
func (s Spec) WithDefaults() Spec {
	s.System = cmp.Or(s.System, DefaultSystem)
	if s.Widths == nil {
		s.Widths = slices.Clone(ansatz.DefaultWidths)
	}
	s.Activation = cmp.Or(s.Activation, DefaultActivation)
	s.DType = cmp.Or(s.DType, "float64")
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if s.Rollout == 0 {
		s.Rollout = gradient.DefaultRollout
	}
	s.Integrator = cmp.Or(s.Integrator, "implicit-midpoint")
	if s.Iterations == 0 {
		s.Iterations = integrator.DefaultIterations
		if s.Integrator == "gauss-legendre-3" {
			s.Iterations = 4
		}
	}
	s.Predictor = cmp.Or(s.Predictor, "rk2")
	if s.Integrator == "implicit-midpoint" {
		s.Solver = cmp.Or(s.Solver, "fixed-point")
	}
	s.Ansatz = cmp.Or(s.Ansatz, "mlp")
	s.Objective = cmp.Or(s.Objective, baseline.RolloutObjective)
	if s.Integrator == "tao" && s.Omega == 0 {
		s.Omega = integrator.DefaultOmega
	}
	return s
}

// WithBaseline returns s as the model m of the comparison (package
// baseline): m's ansatz, integrator, binding constant, objective and window
// length, the other settings (system, widths, step, …) kept. The settings of
// the implicit solve are reset to their defaults when m's integrator has no
// implicit solve. It is the one place a baseline is applied to a spec.
func (s Spec) WithBaseline(m baseline.Model) Spec {
	s.Ansatz, s.Objective, s.Omega = m.Ansatz, m.Objective, m.Omega
	if m.Integrator != "" {
		s.Integrator = m.Integrator
	}
	if m.Solver != "" {
		s.Solver = m.Solver
	}
	if m.Rollout != 0 {
		s.Rollout = m.Rollout
	}
	if !strings.HasPrefix(m.Integrator, "implicit") && !strings.HasPrefix(m.Integrator, "gauss-legendre") {
		s.Iterations, s.Predictor = 0, ""
	}
	if m.Integrator != "implicit-midpoint" {
		s.Solver = ""
	}
	return s.WithDefaults()
}

// FieldError is a Spec field with an invalid value; Field is its JSON name
// (which is also the flag of the hnn command that sets it).
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Validate returns nil if every field of s (its zero fields meaning their
// defaults) is valid and, unless s.System is NoSystem, the system is built
// in; otherwise a *FieldError naming the first invalid field, its value and
// the valid range. A user-defined system is checked by ResolveWith.
func (s Spec) Validate() error {
	s = s.WithDefaults()
	if s.System != NoSystem {
		if _, err := system.Lookup(s.System, system.Options{}); err != nil {
			return &FieldError{Field: "system", Err: err}
		}
	}
	return s.validateFields()
}

// ValidateExplicit is Validate for a spec whose every field was given
// explicitly (the hnn command, whose flags spell out their defaults): a zero
// step, rollout or iteration count is an error instead of the default.
func (s Spec) ValidateExplicit() error {
	switch {
	case s.Dt == 0:
		return fieldErr("dt", "must be in (0, 1], got 0")
	case s.Rollout == 0:
		return fieldErr("rollout", "must be in 1…%d, got 0", MaxRollout)
	case s.Iterations == 0:
		return fieldErr("iterations", "must be in 1…%d, got 0", MaxIterations)
	case s.Widths != nil && len(s.Widths) == 0:
		return fieldErr("widths", "need at least one hidden layer")
	}
	return s.Validate()
}

// validateFields checks every field but the system's name; s has its defaults.
func (s Spec) validateFields() error {
	if s.Dim < 0 {
		return fieldErr("dim", "must be ≥ 1 (0: the system's), got %d", s.Dim)
	}
	if s.Alpha != nil {
		if s.System != "coupled-oscillator" {
			return fieldErr("alpha", "applies only to system coupled-oscillator, not %q", s.System)
		}
		if a := *s.Alpha; !(math.Abs(a) < 1) {
			return fieldErr("alpha", "must be finite with |alpha| < 1 (bounded orbits), got %v", a)
		}
	}
	if len(s.Widths) == 0 || len(s.Widths) > MaxLayers {
		return fieldErr("widths", "need 1…%d hidden layers, got %d", MaxLayers, len(s.Widths))
	}
	weights, in := 0, 2*max(s.Dim, 1)
	for _, w := range s.Widths {
		if w < 1 || w > MaxWidth {
			return fieldErr("widths", "each width must be in 1…%d, got %v", MaxWidth, s.Widths)
		}
		weights += (in + 1) * w
		in = w
	}
	if weights += in; weights > MaxWeights {
		return fieldErr("widths", "%v make %d weights, more than %d", s.Widths, weights, MaxWeights)
	}
	if _, err := ansatz.ParseActivation(s.Activation); err != nil {
		return &FieldError{Field: "activation", Err: err}
	}
	if _, err := tensorconv.ParseDType(s.DType); err != nil {
		return &FieldError{Field: "dtype", Err: err}
	}
	if !(s.Dt > 0) || s.Dt > 1 {
		return fieldErr("dt", "must be in (0, 1], got %g", s.Dt)
	}
	if s.Rollout < 1 || s.Rollout > MaxRollout {
		return fieldErr("rollout", "must be in 1…%d, got %d", MaxRollout, s.Rollout)
	}
	if s.Iterations < 1 || s.Iterations > MaxIterations {
		return fieldErr("iterations", "must be in 1…%d, got %d", MaxIterations, s.Iterations)
	}
	if _, err := integrator.ParsePredictor(s.Predictor); err != nil {
		return &FieldError{Field: "predictor", Err: err}
	}
	if !slices.Contains(Integrators, s.Integrator) {
		return fieldErr("integrator", "unknown integrator %q (valid: %s)", s.Integrator, strings.Join(Integrators, ", "))
	}
	if _, err := integrator.ParseSolver(s.Solver); err != nil {
		return &FieldError{Field: "solver", Err: err}
	}
	if s.Solver == "newton" && s.Integrator != "implicit-midpoint" {
		return fieldErr("solver", "newton applies only to integrator implicit-midpoint, not %q", s.Integrator)
	}
	switch {
	case s.Integrator == "tao" && (!(s.Omega > 0) || math.IsInf(s.Omega, 0)):
		return fieldErr("omega", "tao binding ω must be positive and finite, got %g", s.Omega)
	case s.Integrator != "tao" && s.Omega != 0:
		return fieldErr("omega", "applies only to integrator tao, not %q", s.Integrator)
	}
	if _, err := baseline.ObjectiveByName(s.Objective); err != nil {
		return &FieldError{Field: "objective", Err: err}
	}
	if s.Objective == baseline.HNNObjective && s.Rollout < 2 {
		return fieldErr("rollout", "the %q objective needs windows of at least 3 states for central differences (rollout ≥ 2), got %d", s.Objective, s.Rollout)
	}
	if s.Objective == baseline.NSSNNObjective && s.Integrator != "tao" {
		return fieldErr("objective", "%q needs integrator \"tao\", got %q", s.Objective, s.Integrator)
	}
	if !slices.Contains(Ansatze, s.Ansatz) {
		return fieldErr("ansatz", "unknown ansatz %q (valid: %s)", s.Ansatz, strings.Join(Ansatze, ", "))
	}
	return nil
}

// Resolved is a Spec made concrete: its defaults filled in, its system, its
// learnable Hamiltonian, the training problem and the dtype.
type Resolved struct {
	// Spec is the spec with its defaults and Dim filled in.
	Spec Spec
	// System is the true system; nil for NoSystem.
	System system.System
	// Hamiltonian is the ansatz (its variables are created by NewModel).
	Hamiltonian ansatz.Hamiltonian
	// Problem is the training problem: the Hamiltonian through the
	// integrator with step Spec.Dt, windows of Spec.Rollout steps, the objective.
	Problem gradient.Problem
	// DType is the dtype of the variables and windows.
	DType dtypes.DType
}

// Resolve validates s and resolves it with the system it names (built in,
// or none for NoSystem). A spec of a user-defined system resolves with
// ResolveWith.
func (s Spec) Resolve() (Resolved, error) { return s.ResolveWith(nil) }

// ResolveWith validates s and resolves it with sys as its system; nil means
// the built-in system s.System names (or none for NoSystem). A non-nil sys
// replaces s.System by sys.Name() (an empty s.System) or must carry that
// name, and must have s.Dim degrees of freedom when s.Dim is set.
func (s Spec) ResolveWith(sys system.System) (Resolved, error) { return s.resolve(sys, false) }

// resolve is ResolveWith; with unknownOK, a system name that is neither
// built in nor given resolves to no system (the network of a user-defined
// system's model, loaded without the system), given s.Dim.
func (s Spec) resolve(sys system.System, unknownOK bool) (Resolved, error) {
	if sys != nil {
		if s.System != "" && s.System != sys.Name() {
			return Resolved{}, fieldErr("system", "the spec names system %q, the given system is %q", s.System, sys.Name())
		}
		if sys.Name() == "" || sys.Name() == NoSystem {
			return Resolved{}, fieldErr("system", "a system needs a name other than %q and \"\"", NoSystem)
		}
		if sys.Dim() < 1 {
			return Resolved{}, fieldErr("dim", "system %s has %d degrees of freedom", sys.Name(), sys.Dim())
		}
		s.System = sys.Name()
	}
	s = s.WithDefaults()
	if sys == nil && s.System != NoSystem {
		var err error
		sys, err = system.Lookup(s.System, system.Options{Alpha: s.Alpha})
		if err != nil && !(unknownOK && s.Dim >= 1) {
			return Resolved{}, &FieldError{Field: "system", Err: err}
		}
	}
	if sys == nil && s.Dim < 1 {
		return Resolved{}, fieldErr("dim", "a model without a system needs its degrees of freedom (≥ 1), got %d", s.Dim)
	}
	if err := s.validateFields(); err != nil {
		return Resolved{}, err
	}
	if sys != nil {
		if s.Dim != 0 && s.Dim != sys.Dim() {
			return Resolved{}, fieldErr("dim", "system %s has d = %d, the spec says %d", sys.Name(), sys.Dim(), s.Dim)
		}
		s.Dim = sys.Dim()
	}
	act, _ := ansatz.ParseActivation(s.Activation)
	dt, _ := tensorconv.ParseDType(s.DType)
	pred, _ := integrator.ParsePredictor(s.Predictor)
	var integ integrator.Integrator
	switch s.Integrator {
	case "implicit-midpoint":
		solver, _ := integrator.ParseSolver(s.Solver)
		integ = integrator.ImplicitMidpoint{Iterations: s.Iterations, Predictor: pred, Solver: solver}
	case "gauss-legendre":
		integ = integrator.GaussLegendre2{Iterations: s.Iterations, Predictor: pred}
	case "gauss-legendre-3":
		integ = integrator.GaussLegendre3{Iterations: s.Iterations, Predictor: pred}
	case "leapfrog":
		integ = integrator.Leapfrog{}
	case "tao":
		integ = integrator.Tao{Omega: s.Omega}
	}
	obj, _ := baseline.ObjectiveByName(s.Objective)
	var h ansatz.Hamiltonian
	switch s.Ansatz {
	case "mlp":
		h = ansatz.MLP{D: s.Dim, Widths: s.Widths, Activation: act}
	case "separable":
		h = ansatz.Separable{D: s.Dim, Widths: s.Widths, Activation: act}
	}
	return Resolved{
		Spec:        s,
		System:      sys,
		Hamiltonian: h,
		Problem:     gradient.Problem{Model: h, Integrator: integ, Step: s.Dt, Rollout: s.Rollout, Objective: obj},
		DType:       dt,
	}, nil
}

// errNoSystem is returned where a true Hamiltonian is needed and the model has none.
var errNoSystem = errors.New("no true Hamiltonian is known")
