package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/gradient"
)

// WorkerConfig configures Worker: the training steps one fresh process runs.
type WorkerConfig struct {
	// Spec is the model and problem (its Rollout is the N measured).
	Spec hnn.Spec `json:"spec"`
	// Gradient names the method (a key of Methods); "" means "backprop".
	Gradient string `json:"gradient"`
	// Batch is the number of windows per step; 0 means DefaultBatch (512).
	Batch int `json:"batch,omitempty"`
	// Steps is the number of training steps, the first of which compiles;
	// 0 means 4. The time per step is the median of the others.
	Steps int `json:"steps,omitempty"`
	// MinRolloutSteps raises Steps to at least ⌈MinRolloutSteps/N⌉, so that
	// every process integrates about as many states and its heap reaches
	// its steady size (a process that ran four 4-step rollouts has not yet
	// grown to it, which would flatter short rollouts); 0 means
	// DefaultMinRolloutSteps (1024), a negative value no minimum.
	MinRolloutSteps int `json:"min_rollout_steps,omitempty"`
	// Seed initialises the weights and the windows.
	Seed uint64 `json:"seed,omitempty"`
}

// DefaultMinRolloutSteps is the default WorkerConfig.MinRolloutSteps.
const DefaultMinRolloutSteps = 1024

// WorkerResult is what a worker reports.
type WorkerResult struct {
	// PeakRSSBytes is the process's peak resident set size after the steps
	// (VmHWM of /proc/self/status, else getrusage's ru_maxrss).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// MsPerStep is the median wall time of the steps after the first.
	MsPerStep float64 `json:"ms_per_step"`
	// CompileMs is the time of Compile and the first step.
	CompileMs float64 `json:"compile_ms"`
	// Stepwise is true when the method took the observed states one time
	// index at a time (gradient.StepwiseComputer: the discrete adjoint), so
	// that no [B, N+1, 2d] window tensor existed.
	Stepwise bool `json:"stepwise"`
}

// Worker runs cfg.Steps training steps on random windows generated in this
// process (a fresh batch per step, as training does; methods whose computer
// is a gradient.StepwiseComputer get them one time index at a time from a
// RandomSource, others as one [B, N+1, 2d] tensor) and returns the
// process's peak memory and the time per step. It is meant to run alone in a
// fresh process (see Memory), so that the peak belongs to this one
// configuration.
func Worker(cfg WorkerConfig) (WorkerResult, error) {
	if cfg.Gradient == "" {
		cfg.Gradient = "backprop"
	}
	if cfg.Batch == 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Steps == 0 {
		cfg.Steps = 4
	}
	n := cfg.Spec.WithDefaults().Rollout
	if cfg.MinRolloutSteps == 0 {
		cfg.MinRolloutSteps = DefaultMinRolloutSteps
	}
	if n > 0 && cfg.MinRolloutSteps > 0 {
		cfg.Steps = max(cfg.Steps, (cfg.MinRolloutSteps+n-1)/n)
	}
	if cfg.Batch < 1 || cfg.Steps < 2 {
		return WorkerResult{}, fmt.Errorf("worker: batch must be ≥ 1 and steps ≥ 2, got %d and %d", cfg.Batch, cfg.Steps)
	}
	method, err := gradient.ByName(cfg.Gradient)
	if err != nil {
		return WorkerResult{}, err
	}
	s, err := newSetup(cfg.Spec, cfg.Seed)
	if err != nil {
		return WorkerResult{}, err
	}
	backend, err := hnn.Backend()
	if err != nil {
		return WorkerResult{}, err
	}
	t0 := time.Now()
	comp, err := method.Compile(backend, s.model.Store, s.problem, s.adamUpdate(1e-3))
	if err != nil {
		return WorkerResult{}, err
	}
	stepwise, _ := comp.(gradient.StepwiseComputer)
	var times []float64
	for i := range cfg.Steps {
		src := NewRandomSource(s.sys, s.dtype, cfg.Seed+1+uint64(i), cfg.Batch)
		t := time.Now()
		if i == 0 {
			t = t0
		}
		if stepwise != nil {
			_, err = stepwise.TrainStepwise(src)
		} else {
			obs := src.Windows(s.problem.N())
			_, err = comp.Train(obs)
			obs.FinalizeAll()
		}
		if err != nil {
			return WorkerResult{}, err
		}
		times = append(times, ms(time.Since(t)))
	}
	rss, err := PeakRSS()
	if err != nil {
		return WorkerResult{}, err
	}
	return WorkerResult{PeakRSSBytes: rss, MsPerStep: median(times[1:]), CompileMs: times[0], Stepwise: stepwise != nil}, nil
}

// MemoryConfig configures Memory. The zero value of each field means its default.
type MemoryConfig struct {
	// Spec is the model and problem; its Rollout is replaced by each of Rollouts.
	Spec hnn.Spec
	// Gradients name the methods; nil means adjoint and backprop.
	Gradients []string
	// Rollouts are the rollout lengths N; nil means DefaultMemoryRollouts.
	Rollouts []int
	// Batch, Steps, MinRolloutSteps and Seed are passed to every worker
	// (see WorkerConfig).
	Batch, Steps, MinRolloutSteps int
	Seed                          uint64
	// Worker is the command line of a worker process, to which the
	// WorkerConfig is appended as JSON in a final argument; the process must
	// call Worker with it and print its WorkerResult as JSON on stdout.
	// nil means the running executable with arguments "bench",
	// "memory-worker", "--config" (the hnn command).
	Worker []string
	// Env is added to the workers' environment.
	Env []string
	// Progress, when not nil, receives a line per finished worker.
	Progress io.Writer
}

// DefaultMemoryRollouts are the rollout lengths of Figure VIII.
var DefaultMemoryRollouts = []int{4, 8, 16, 32, 64, 128, 256, 512, 1024}

// MemoryResult is the measurement of one (method, N).
type MemoryResult struct {
	Gradient     string  `json:"gradient"`
	Rollout      int     `json:"rollout"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	MsPerStep    float64 `json:"ms_per_step"`
	CompileMs    float64 `json:"compile_ms"`
	Stepwise     bool    `json:"stepwise"`
}

// Memory measures, for each method and rollout length, the peak resident
// memory and the time per step of a fresh worker process doing training
// steps (one process per measurement, run one after the other).
func Memory(ctx context.Context, cfg MemoryConfig) ([]MemoryResult, error) {
	if cfg.Gradients == nil {
		cfg.Gradients = []string{"adjoint", "backprop"}
	}
	if cfg.Rollouts == nil {
		cfg.Rollouts = DefaultMemoryRollouts
	}
	for _, g := range cfg.Gradients {
		if _, err := gradient.ByName(g); err != nil {
			return nil, err
		}
	}
	for _, n := range cfg.Rollouts {
		if n < 1 {
			return nil, fmt.Errorf("rollout lengths must be ≥ 1, got %d", n)
		}
	}
	worker := cfg.Worker
	if worker == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		worker = []string{exe, "bench", "memory-worker", "--config"}
	}
	var out []MemoryResult
	for _, g := range cfg.Gradients {
		for _, n := range cfg.Rollouts {
			spec := cfg.Spec
			spec.Rollout = n
			wc := WorkerConfig{Spec: spec, Gradient: g, Batch: cfg.Batch, Steps: cfg.Steps, MinRolloutSteps: cfg.MinRolloutSteps, Seed: cfg.Seed}
			r, err := runWorker(ctx, worker, cfg.Env, wc)
			if err != nil {
				return out, fmt.Errorf("%s at N=%d: %w", g, n, err)
			}
			mr := MemoryResult{Gradient: g, Rollout: n, PeakRSSBytes: r.PeakRSSBytes, MsPerStep: r.MsPerStep, CompileMs: r.CompileMs, Stepwise: r.Stepwise}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "%-10s N=%-5d peak RSS %7.1f MiB  %9.1f ms/step  (compile %.0f ms)\n",
					g, n, float64(r.PeakRSSBytes)/(1<<20), r.MsPerStep, r.CompileMs)
			}
			out = append(out, mr)
		}
	}
	return out, nil
}

func runWorker(ctx context.Context, worker, env []string, wc WorkerConfig) (WorkerResult, error) {
	js, err := json.Marshal(wc)
	if err != nil {
		return WorkerResult{}, err
	}
	cmd := exec.CommandContext(ctx, worker[0], append(worker[1:len(worker):len(worker)], string(js))...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := bytes.TrimSpace(stderr.Bytes())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return WorkerResult{}, fmt.Errorf("worker %s: %w: %s", worker[0], err, msg)
	}
	var r WorkerResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &r); err != nil {
		return WorkerResult{}, fmt.Errorf("worker output %q: %w", stdout.String(), err)
	}
	if r.PeakRSSBytes <= 0 {
		return WorkerResult{}, errors.New("worker reported no peak memory")
	}
	return r, nil
}
