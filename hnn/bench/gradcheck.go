package bench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// GradcheckConfig configures Gradcheck. The zero value of each field means its default.
type GradcheckConfig struct {
	// Spec is the model and problem (system, widths, integrator, iterations,
	// rollout, dt); its DType is ignored: the check runs in float64.
	Spec hnn.Spec
	// Batch is the number of windows; 0 means 16.
	Batch int
	// Epsilon is the relative step of the central differences, each weight θ
	// moving by ±Epsilon·max(1, |θ|); 0 means 1e-6.
	Epsilon float64
	// ConvergedIterations is the number of forward fixed-point sweeps of the
	// converged-variant check; 0 means 50.
	ConvergedIterations int
	// Seed initialises the weights and the data.
	Seed uint64
}

// GradcheckResult compares gradients dL/dθ of one randomly initialised model
// on one batch. Every difference is the max relative difference
// max_i |a_i − b_i| / max_i |b_i| over all weights, b the reference (the
// definition of the gradient package's tests).
type GradcheckResult struct {
	System     string  `json:"system"`
	Integrator string  `json:"integrator"`
	Solver     string  `json:"solver,omitempty"`
	Rollout    int     `json:"rollout"`
	Iterations int     `json:"iterations"`
	Batch      int     `json:"batch"`
	Dt         float64 `json:"dt"`
	Weights    int     `json:"weights"`
	Epsilon    float64 `json:"epsilon"`
	Loss       float64 `json:"loss"`
	Residual   float64 `json:"residual"`
	// AdjointVsBackprop compares DiscreteAdjoint{} (unrolled) with Backprop.
	AdjointVsBackprop float64 `json:"adjoint_vs_backprop"`
	// AdjointVsFiniteDifferences compares it with central differences of the loss.
	AdjointVsFiniteDifferences float64 `json:"adjoint_vs_finite_differences"`
	// BackpropVsFiniteDifferences is the same check of Backprop, for scale.
	BackpropVsFiniteDifferences float64 `json:"backprop_vs_finite_differences"`

	// The converged variant (implicit midpoint only; absent otherwise) is
	// checked on a forward pass of ConvergedIterations sweeps, against
	// Backprop through those sweeps and central differences of that loss.
	ConvergedIterations                 int      `json:"converged_iterations,omitempty"`
	ConvergedResidual                   *float64 `json:"converged_residual,omitempty"`
	ConvergedAdjointVsBackprop          *float64 `json:"converged_adjoint_vs_backprop,omitempty"`
	ConvergedAdjointVsFiniteDifferences *float64 `json:"converged_adjoint_vs_finite_differences,omitempty"`
}

// Gradcheck computes dL/dθ of a randomly initialised float64 model on a
// batch of windows of the true system's noisy trajectories (noise 0.01, each
// trajectory one window of the rollout's length) by the discrete adjoint, by
// Backprop and by central finite differences, and reports how far apart they are.
func Gradcheck(cfg GradcheckConfig) (GradcheckResult, error) {
	if cfg.Batch == 0 {
		cfg.Batch = 16
	}
	if cfg.Epsilon == 0 {
		cfg.Epsilon = 1e-6
	}
	if cfg.ConvergedIterations == 0 {
		cfg.ConvergedIterations = 50
	}
	if cfg.Batch < 1 || !(cfg.Epsilon > 0) || cfg.ConvergedIterations < 1 {
		return GradcheckResult{}, fmt.Errorf("gradcheck: batch, epsilon and converged iterations must be positive")
	}
	spec := cfg.Spec
	spec.DType = "float64"
	s, err := newSetup(spec, cfg.Seed)
	if err != nil {
		return GradcheckResult{}, err
	}
	if s.problem.Objective != nil {
		return GradcheckResult{}, fmt.Errorf("gradcheck: the adjoint differentiates the rollout objective only, not %q", s.spec.Objective)
	}
	backend, err := hnn.Backend()
	if err != nil {
		return GradcheckResult{}, err
	}
	n := s.problem.N()
	traj, err := data.Generate(s.sys, data.GenerateConfig{Trajectories: cfg.Batch, Steps: n, Dt: s.spec.Dt, Noise: 0.01, Seed: cfg.Seed + 1})
	if err != nil {
		return GradcheckResult{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	obs := tensors.FromFlatDataAndDimensions(traj.Windows(nil, rng, cfg.Batch, n), cfg.Batch, n+1, 2*s.sys.Dim())
	store := s.model.Store

	r := GradcheckResult{System: s.spec.System, Integrator: s.spec.Integrator, Solver: s.spec.Solver, Rollout: n, Iterations: s.spec.Iterations,
		Batch: cfg.Batch, Dt: s.spec.Dt, Epsilon: cfg.Epsilon}
	for _, v := range gradient.TrainableVariables(store) {
		r.Weights += v.Shape().Size()
	}
	compare := func(p gradient.Problem, adj gradient.DiscreteAdjoint) (adjVsBP, adjVsFD, bpVsFD float64, res gradient.Result, err error) {
		bpc, err := gradient.Backprop{}.Compile(backend, store, p, nil)
		if err != nil {
			return
		}
		bp, err := bpc.Gradients(obs)
		if err != nil {
			return
		}
		adc, err := adj.Compile(backend, store, p, nil)
		if err != nil {
			return
		}
		ad, err := adc.Gradients(obs)
		if err != nil {
			return
		}
		fd, err := FiniteDifferences(bpc, store, obs, cfg.Epsilon)
		if err != nil {
			return
		}
		a, b := flatten(ad.Gradients), flatten(bp.Gradients)
		return MaxRelDiff(a, b), MaxRelDiff(a, fd), MaxRelDiff(b, fd), bp, nil
	}
	var res gradient.Result
	r.AdjointVsBackprop, r.AdjointVsFiniteDifferences, r.BackpropVsFiniteDifferences, res, err = compare(s.problem, gradient.DiscreteAdjoint{})
	if err != nil {
		return r, err
	}
	r.Loss, r.Residual = res.Loss, res.Residual
	if im, ok := s.problem.Integ().(integrator.ImplicitMidpoint); ok {
		p := s.problem
		im.Iterations, im.Solver = cfg.ConvergedIterations, integrator.FixedPoint // sweeps, even for a Newton spec
		p.Integrator = im
		vsBP, vsFD, _, res, err := compare(p, gradient.DiscreteAdjoint{Variant: gradient.Converged})
		if err != nil {
			return r, err
		}
		r.ConvergedIterations = cfg.ConvergedIterations
		r.ConvergedResidual, r.ConvergedAdjointVsBackprop, r.ConvergedAdjointVsFiniteDifferences = &res.Residual, &vsBP, &vsFD
	}
	return r, nil
}

// FiniteDifferences returns central differences of c's loss on obs with
// respect to every trainable weight of store (float64), in
// gradient.TrainableVariables order, with steps ±eps·max(1, |θ|). The
// weights are restored afterwards.
func FiniteDifferences(c gradient.Computer, store *model.Store, obs *tensors.Tensor, eps float64) ([][]float64, error) {
	var fd [][]float64
	for _, v := range gradient.TrainableVariables(store) {
		vals, err := tensors.CopyFlatData[float64](v.MustValue())
		if err != nil {
			return nil, fmt.Errorf("finite differences need float64 weights: %w", err)
		}
		dims := v.Shape().Dimensions
		set := func() error {
			return v.SetValue(tensors.FromFlatDataAndDimensions(append([]float64(nil), vals...), dims...))
		}
		g := make([]float64, len(vals))
		for i, orig := range vals {
			step := eps * math.Max(1, math.Abs(orig))
			var l [2]float64
			for j, x := range [2]float64{orig + step, orig - step} {
				vals[i] = x
				if err := set(); err != nil {
					return nil, err
				}
				r, err := c.Loss(obs)
				if err != nil {
					return nil, err
				}
				l[j] = r.Loss
			}
			vals[i] = orig
			g[i] = (l[0] - l[1]) / (2 * step)
		}
		if err := set(); err != nil {
			return nil, err
		}
		fd = append(fd, g)
	}
	return fd, nil
}

// MaxRelDiff is max_i |a_i − b_i| / max_i |b_i| over all entries (b the
// reference; the denominator is at least 1e-300): the difference relative to
// the gradient's scale, as in the gradient package's tests.
func MaxRelDiff(a, b [][]float64) float64 {
	scale, diff := 0.0, 0.0
	for k := range b {
		for i := range b[k] {
			scale = math.Max(scale, math.Abs(b[k][i]))
			diff = math.Max(diff, math.Abs(a[k][i]-b[k][i]))
		}
	}
	return diff / math.Max(scale, 1e-300)
}

func flatten(ts []*tensors.Tensor) [][]float64 {
	out := make([][]float64, len(ts))
	for i, t := range ts {
		out[i] = tensors.MustCopyFlatData[float64](t)
	}
	return out
}
