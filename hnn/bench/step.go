package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/gradient"
)

// StepConfig configures Step. The zero value of each field means its default.
type StepConfig struct {
	// Spec is the model and problem; its zero fields mean hnn's defaults
	// (double-well, widths 16,32,16, float64, implicit midpoint, k = 3, N = 6).
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
	type run struct {
		comp  gradient.Computer
		r     StepResult
		times []float64
	}
	var runs []*run
	var obs *tensors.Tensor
	for _, g := range gradients {
		method, err := ParseMethod(g)
		if err != nil {
			return nil, err
		}
		s, err := newSetup(cfg.Spec, cfg.Seed)
		if err != nil {
			return nil, err
		}
		if obs == nil {
			obs = RandomWindows(s.sys, s.dtype, cfg.Seed+1, cfg.Batch, s.problem.N())
		}
		t0 := time.Now()
		s.problem.Shards = cfg.Shards
		comp, err := method.Compile(backend, s.model.Store, s.problem, s.adamUpdate(1e-3))
		if err != nil {
			return nil, err
		}
		if _, err := comp.Train(obs); err != nil {
			return nil, err
		}
		r := StepResult{
			Gradient: g, System: s.spec.System, DType: s.spec.DType, Batch: cfg.Batch,
			Rollout: s.problem.N(), Iterations: s.spec.Iterations, Integrator: s.spec.Integrator,
			Widths: s.spec.Widths, Shards: cfg.Shards, Steps: cfg.Steps, CompileMs: ms(time.Since(t0)),
			FLOPs: StepFLOPs(s.problem, s.spec.Widths, method, cfg.Batch),
		}
		runs = append(runs, &run{comp: comp, r: r})
	}
	for range max(cfg.Warmup, 0) {
		for _, ru := range runs {
			if _, err := ru.comp.Train(obs); err != nil {
				return nil, err
			}
		}
	}
	for range cfg.Steps {
		for _, ru := range runs {
			t := time.Now()
			if _, err := ru.comp.Train(obs); err != nil {
				return nil, err
			}
			ru.times = append(ru.times, ms(time.Since(t)))
		}
	}
	out := make([]StepResult, len(runs))
	for i, ru := range runs {
		r := ru.r
		r.MedianMs, r.MinMs = median(ru.times), slices.Min(ru.times)
		r.GFLOPs = r.FLOPs / (r.MedianMs * 1e6)
		out[i] = r
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

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
