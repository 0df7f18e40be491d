package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
)

// StepConfig configures Step. The zero value of each field means its default.
type StepConfig struct {
	// Spec is the model and problem; its zero fields mean hnn's defaults
	// (double-well, widths 16,32,16, float64, implicit midpoint, k = 3, N = 6)
	// except the activation: "" means tanh, that of the PyTorch reference
	// (../shared/bench/torch_step.py) the step is compared with.
	Spec hnn.Spec
	// Gradient names the method (a key of Methods); "" means "backprop".
	// Steps takes a list instead.
	Gradient string
	// Batch is the number of windows per step; 0 means DefaultBatch (512).
	Batch int
	// Warmup is the number of untimed steps after the first (compiling)
	// one; 0 means 3, a negative value none.
	Warmup int
	// Steps is the number of timed steps; 0 means 20.
	Steps int
	// Seed initialises the weights and the windows.
	Seed uint64
	// Shards is gradient.Problem.Shards: the batch shards integrated as
	// independent graph branches; 0 means automatic (2 on the pure-Go backend
	// with 2 or more cores), 1 no cutting.
	Shards int
}

func (c StepConfig) withDefaults() StepConfig {
	if c.Gradient == "" {
		c.Gradient = "backprop"
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Warmup == 0 {
		c.Warmup = 3
	}
	if c.Steps == 0 {
		c.Steps = 20
	}
	if c.Spec.Activation == "" {
		c.Spec.Activation = string(ansatz.TanhActivation)
	}
	c.Spec = c.Spec.WithDefaults()
	return c
}

// StepResult is the timing of a training step.
type StepResult struct {
	Gradient   string `json:"gradient"`
	System     string `json:"system"`
	DType      string `json:"dtype"`
	Batch      int    `json:"batch"`
	Rollout    int    `json:"rollout"`
	Iterations int    `json:"iterations"`
	Integrator string `json:"integrator"`
	Widths     []int  `json:"widths"`
	Shards     int    `json:"shards"`
	Steps      int    `json:"steps"`
	// MedianMs is the median wall time of one step (loss, gradient, Adam
	// update) after the warm-up, in milliseconds; MinMs the fastest.
	MedianMs float64 `json:"median_ms"`
	MinMs    float64 `json:"min_ms"`
	// CompileMs is the wall time of Method.Compile plus the first step, in
	// which GoMLX builds and compiles the graphs, in milliseconds.
	CompileMs float64 `json:"compile_ms"`
	// FLOPs are the operations of one step (StepFLOPs) and GFLOPs the
	// achieved rate FLOPs/median, in 10⁹ per second (0 when unknown).
	FLOPs  float64 `json:"flops_per_step"`
	GFLOPs float64 `json:"gflops"`
}

// Step times full training steps (loss, gradient, Adam update) on one batch
// of random windows, reused for every step.
func Step(cfg StepConfig) (StepResult, error) {
	rs, err := Steps(cfg, nil)
	if err != nil {
		return StepResult{}, err
	}
	return rs[0], nil
}

// Steps times the training steps of several methods in one process,
// interleaved (one step of each in turn), so that a machine whose load
// changes during the run slows them alike; cfg.Gradient is ignored when
// gradients is not empty. Each method trains its own copy of the model on
// the same windows.
func Steps(cfg StepConfig, gradients []string) ([]StepResult, error) {
	t, err := NewStepTimer(cfg, gradients)
	if err != nil {
		return nil, err
	}
	if _, err := t.Time(t.cfg.Steps); err != nil {
		return nil, err
	}
	return t.Results(), nil
}

// StepTimer holds the compiled training steps of several methods (Steps),
// to be timed in rounds, for example between runs of another program.
type StepTimer struct {
	cfg  StepConfig
	obs  *tensors.Tensor
	runs []*timedRun
}

type timedRun struct {
	comp  gradient.Computer
	r     StepResult
	times []float64
}

// NewStepTimer compiles the methods (the first step of each, timed as
// CompileMs) and runs the warm-up steps.
func NewStepTimer(cfg StepConfig, gradients []string) (*StepTimer, error) {
	cfg = cfg.withDefaults()
	if len(gradients) == 0 {
		gradients = []string{cfg.Gradient}
	}
	switch {
	case cfg.Batch < 1:
		return nil, fmt.Errorf("batch must be ≥ 1, got %d", cfg.Batch)
	case cfg.Steps < 1:
		return nil, fmt.Errorf("steps must be ≥ 1, got %d", cfg.Steps)
	}
	backend, err := hnn.Backend()
	if err != nil {
		return nil, err
	}
	t := &StepTimer{cfg: cfg}
	for _, g := range gradients {
		method, err := gradient.ByName(g)
		if err != nil {
			return nil, err
		}
		s, err := newSetup(cfg.Spec, cfg.Seed)
		if err != nil {
			return nil, err
		}
		if t.obs == nil {
			t.obs = RandomWindows(s.sys, s.dtype, cfg.Seed+1, cfg.Batch, s.problem.N())
		}
		t0 := time.Now()
		s.problem.Shards = cfg.Shards
		comp, err := method.Compile(backend, s.model.Store, s.problem, s.adamUpdate(1e-3))
		if err != nil {
			return nil, err
		}
		if _, err := comp.Train(t.obs); err != nil {
			return nil, err
		}
		r := StepResult{
			Gradient: g, System: s.spec.System, DType: s.spec.DType, Batch: cfg.Batch,
			Rollout: s.problem.N(), Iterations: s.spec.Iterations, Integrator: s.spec.Integrator,
			Widths: s.spec.Widths, Shards: cfg.Shards, CompileMs: ms(time.Since(t0)),
			FLOPs: StepFLOPs(s.problem, s.spec.Widths, method, cfg.Batch),
		}
		t.runs = append(t.runs, &timedRun{comp: comp, r: r})
	}
	for range max(cfg.Warmup, 0) {
		for _, ru := range t.runs {
			if _, err := ru.comp.Train(t.obs); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// Time runs steps more timed steps of every method, interleaved, and returns
// the timing of this round alone.
func (t *StepTimer) Time(steps int) ([]StepResult, error) {
	if steps < 1 {
		return nil, fmt.Errorf("steps must be ≥ 1, got %d", steps)
	}
	start := len(t.runs[0].times)
	for range steps {
		for _, ru := range t.runs {
			t0 := time.Now()
			if _, err := ru.comp.Train(t.obs); err != nil {
				return nil, err
			}
			ru.times = append(ru.times, ms(time.Since(t0)))
		}
	}
	return t.results(start), nil
}

// Results returns the timing of all rounds together.
func (t *StepTimer) Results() []StepResult { return t.results(0) }

func (t *StepTimer) results(from int) []StepResult {
	out := make([]StepResult, len(t.runs))
	for i, ru := range t.runs {
		r := ru.r
		times := ru.times[from:]
		r.Steps = len(times)
		if len(times) > 0 {
			r.MedianMs, r.MinMs = median(times), slices.Min(times)
			r.GFLOPs = r.FLOPs / (r.MedianMs * 1e6)
		}
		out[i] = r
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Median returns the median of xs (the mean of the middle two for an even
// count; 0 for none).
func Median(xs []float64) float64 { return median(xs) }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
