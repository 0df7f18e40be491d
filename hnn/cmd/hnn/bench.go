package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func init() {
	register("bench", command{
		summary: "measure training steps: bench step (time, GFLOP/s), bench memory (peak memory vs rollout)",
		run:     runBench,
	})
}

func runBench(args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: hnn bench step [flags]     time a training step (median, compile time, GFLOP/s)")
		fmt.Fprintln(w, "       hnn bench memory [flags]   peak memory and time per step of fresh processes vs rollout N")
		fmt.Fprintln(w, "Run 'hnn bench step -h' or 'hnn bench memory -h' for the flags.")
	}
	if len(args) == 0 {
		return usagef("a subcommand is required (step, memory; see hnn bench -h)")
	}
	switch args[0] {
	case "step":
		return runBenchStep(args[1:], stdout, stderr)
	case "memory":
		return runBenchMemory(args[1:], stdout, stderr)
	case "memory-worker": // hidden: one measurement of bench memory, in a fresh process
		return runBenchMemoryWorker(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		usage(stdout)
		return nil
	}
	return usagef("unknown subcommand %q (valid: step, memory; see hnn bench -h)", args[0])
}

// specFlags registers the flags describing the benchmarked model.
type specFlags struct {
	system, widths, dtype, integ, predictor, solver *string
	rollout, iters                                  *int
	dt                                              *float64
}

func addSpecFlags(fs *flag.FlagSet, rollout bool) specFlags {
	f := specFlags{
		system:    fs.String("system", "double-well", "system (sets d and the box of the random windows): "+strings.Join(system.Names(), ", ")),
		widths:    fs.String("widths", "16,32,16", "hidden layer widths of the MLP"),
		dtype:     fs.String("dtype", "float64", "float64 or float32"),
		integ:     fs.String("integrator", "implicit-midpoint", "integrator: "+strings.Join(hnn.Integrators, ", ")),
		predictor: fs.String("predictor", "rk2", "initial guess of the implicit solve: rk2, observed"),
		iters:     fs.Int("iterations", 3, "fixed-point iterations (or Newton steps, with --solver newton) k per step"),
		solver:    fs.String("solver", "fixed-point", "solver of the implicit-midpoint equation: fixed-point, newton"),
		dt:        fs.Float64("dt", hnn.DefaultDt, "step h"),
	}
	if rollout {
		f.rollout = fs.Int("rollout", 6, "integration steps N per window")
	}
	return f
}

func (f specFlags) spec() (hnn.Spec, error) {
	ws, err := parseInts(*f.widths)
	if err != nil {
		return hnn.Spec{}, usagef("--widths: %v", err)
	}
	s := hnn.Spec{System: *f.system, Widths: ws, DType: *f.dtype, Integrator: *f.integ, Predictor: *f.predictor,
		Iterations: *f.iters, Dt: *f.dt}
	if s.Integrator == "implicit-midpoint" || *f.solver != "fixed-point" {
		s.Solver = *f.solver
	}
	s.Rollout = gradient.DefaultRollout // bench memory sets its own
	if f.rollout != nil {
		s.Rollout = *f.rollout
	}
	if err := s.ValidateExplicit(); err != nil {
		return hnn.Spec{}, specUsage(err)
	}
	return s, nil
}

func runBenchStep(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench step", stdout)
	sf := addSpecFlags(fs, true)
	batch := fs.Int("batch", bench.DefaultBatch, "windows per step")
	grad := fs.String("gradient", "backprop", "gradient method, or several comma-separated (timed interleaved in one process): "+
		strings.Join(gradient.Names(), ", "))
	steps := fs.Int("steps", 20, "timed steps (after the compiling step and the warm-up)")
	warmup := fs.Int("warmup", 3, "untimed steps after the compiling one")
	seed := fs.Uint64("seed", 1, "random seed (weights, windows)")
	asJSON := fs.Bool("json", false, "print JSON (an object; a list for several methods)")
	torch := fs.String("torch", "", "also run this PyTorch reference script (torch_step.py) with the same settings and print the ratio to backprop's time")
	python := fs.String("python", "/usr/bin/python3", "with --torch: the Python interpreter (Debian's python3-torch)")
	threads := fs.Int("torch-threads", 2, "with --torch: PyTorch threads")
	shards := fs.Int("shards", 0, "batch shards integrated as independent graph branches (0: automatic, 2 on the Go backend with ≥ 2 cores; 1: none)")
	rounds := fs.Int("rounds", 1, "timing rounds of --steps steps each; with --torch, PyTorch runs once after each round and the ratio is the median of the rounds' ratios (pairs taken close in time, so that the machine's load changes cancel)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, err := sf.spec()
	if err != nil {
		return err
	}
	gs, err := parseMethods(*grad)
	if err != nil {
		return err
	}
	if err := firstErr(inRange("batch", *batch, 1, data.MaxValues), inRange("steps", *steps, 1, maxTimedSteps),
		inRange("warmup", *warmup, 0, maxTimedSteps), inRange("torch-threads", *threads, 1, maxThreads),
		inRange("shards", *shards, 0, maxShards), inRange("rounds", *rounds, 1, maxRounds),
		checkWindows("--batch, --rollout", spec.System, *batch, spec.Rollout)); err != nil {
		return err
	}
	cfg := bench.StepConfig{Spec: spec, Batch: *batch, Steps: *steps, Warmup: *warmup, Seed: *seed, Shards: *shards}
	if *warmup == 0 {
		cfg.Warmup = -1 // none; StepConfig's zero means 3
	}
	torchCfg := cfg
	torchCfg.Gradient = "backprop"
	if *torch != "" {
		if _, err := os.Stat(*torch); err != nil {
			return usagef("--torch: %v", err)
		}
		if err := bench.CheckTorch(torchCfg); err != nil {
			return usagef("--torch: %v", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	timer, err := bench.NewStepTimer(cfg, gs)
	if err != nil {
		return err
	}
	// Per round: each method's median, and PyTorch's run after it.
	var roundMs [][]float64
	var torchRounds []bench.TorchResult
	for range *rounds {
		rr, err := timer.Time(*steps)
		if err != nil {
			return err
		}
		ms := make([]float64, len(rr))
		for i, r := range rr {
			ms[i] = r.MedianMs
		}
		roundMs = append(roundMs, ms)
		if *torch != "" {
			t, err := bench.Torch(ctx, *python, *torch, *threads, torchCfg)
			if err != nil {
				return err
			}
			torchRounds = append(torchRounds, t)
		}
	}
	rs := timer.Results()
	type jsonResult struct {
		bench.StepResult
		// RoundsMs is this method's median in each round (with --rounds > 1).
		RoundsMs []float64 `json:"rounds_ms,omitempty"`
		// Torch is PyTorch's timing in each round (backprop).
		Torch []bench.TorchResult `json:"torch,omitempty"`
		// OverTorch is the median over rounds of this method's median over
		// PyTorch's in the same round; OverTorchRounds those ratios.
		OverTorch       float64   `json:"over_torch,omitempty"`
		OverTorchRounds []float64 `json:"over_torch_rounds,omitempty"`
	}
	out := make([]jsonResult, len(rs))
	for i, r := range rs {
		out[i].StepResult = r
		if *rounds > 1 {
			for _, ms := range roundMs {
				out[i].RoundsMs = append(out[i].RoundsMs, ms[i])
			}
		}
		if len(torchRounds) > 0 {
			out[i].Torch = torchRounds
			for k, t := range torchRounds {
				out[i].OverTorchRounds = append(out[i].OverTorchRounds, roundMs[k][i]/t.MedianMs)
			}
			out[i].OverTorch = bench.Median(out[i].OverTorchRounds)
		}
	}
	if *asJSON {
		if len(out) == 1 {
			return printJSON(stdout, out[0])
		}
		return printJSON(stdout, out)
	}
	r0 := rs[0]
	roundsNote := ""
	if *rounds > 1 {
		roundsNote = fmt.Sprintf(" (%d rounds of %d)", *rounds, *steps)
	}
	fmt.Fprintf(stdout, "%s, %s, B=%d, N=%d, %s k=%d, widths %v: %d timed steps%s after %d warm-up\n",
		r0.System, r0.DType, r0.Batch, r0.Rollout, r0.Integrator, r0.Iterations, r0.Widths, r0.Steps, roundsNote, max(*warmup, 0))
	for _, r := range rs {
		fmt.Fprintf(stdout, "%-18s median %.2f ms/step (min %.2f), compile (first step) %.0f ms, %.3g GFLOP/step, %.2f GFLOP/s",
			r.Gradient+":", r.MedianMs, r.MinMs, r.CompileMs, r.FLOPs/1e9, r.GFLOPs)
		if len(rs) > 1 && r.Gradient != r0.Gradient {
			fmt.Fprintf(stdout, ", %.2f× %s's median", r.MedianMs/r0.MedianMs, r0.Gradient)
		}
		fmt.Fprintln(stdout)
	}
	if len(torchRounds) > 0 {
		for k, t := range torchRounds {
			prefix := ""
			if len(torchRounds) > 1 {
				prefix = fmt.Sprintf("round %d: ", k+1)
			}
			fmt.Fprintf(stdout, "%s%s\n", prefix, t.Output)
		}
		if b := torchRounds[0].BLAS; b != "" {
			fmt.Fprintf(stdout, "PyTorch's BLAS (libblas.so.3): %s\n", b)
		}
		for _, o := range out {
			if o.Gradient != "backprop" {
				continue
			}
			if len(o.OverTorchRounds) == 1 {
				fmt.Fprintf(stdout, "Go/PyTorch median ratio (backprop): %.2f\n", o.OverTorch)
				continue
			}
			parts := make([]string, len(o.OverTorchRounds))
			for k, x := range o.OverTorchRounds {
				parts[k] = fmt.Sprintf("%.2f", x)
			}
			fmt.Fprintf(stdout, "Go/PyTorch median ratio (backprop), per round: %s; median %.2f\n", strings.Join(parts, " "), o.OverTorch)
		}
	}
	return nil
}

// parseMethods parses a comma-separated list of gradient methods.
func parseMethods(list string) ([]string, error) {
	var gs []string
	for _, g := range strings.Split(list, ",") {
		g = strings.TrimSpace(g)
		if _, err := gradient.ByName(g); err != nil {
			return nil, usagef("--gradient: %v", err)
		}
		gs = append(gs, g)
	}
	return gs, nil
}

func runBenchMemory(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench memory", stdout)
	sf := addSpecFlags(fs, false)
	rollouts := fs.String("rollout", "4,8,16,32,64,128,256,512,1024", "rollout lengths N, comma-separated")
	grads := fs.String("gradient", "adjoint,backprop", "gradient methods, comma-separated: "+strings.Join(gradient.Names(), ", "))
	batch := fs.Int("batch", bench.DefaultBatch, "windows per step")
	steps := fs.Int("steps", 4, "training steps per process (the first compiles; the time is the median of the others)")
	minWork := fs.Int("min-rollout-steps", bench.DefaultMinRolloutSteps, "each process runs at least this many integration steps in all (N × steps), so that its heap reaches its steady size; ≤ 0: none")
	seed := fs.Uint64("seed", 1, "random seed (weights, windows)")
	asJSON := fs.Bool("json", false, "print JSON: a list of {gradient, rollout, peak_rss_bytes, ms_per_step, compile_ms}")
	plotFile := fs.String("plot", "", "also draw memory and time vs N (Figure VIII) into this .svg file (.png, .pdf also work)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec, err := sf.spec()
	if err != nil {
		return err
	}
	ns, err := parseCounts(*rollouts, "rollout lengths")
	if err != nil {
		return usagef("--rollout: %v", err)
	}
	gs, err := parseMethods(*grads)
	if err != nil {
		return err
	}
	longest := slices.Max(ns)
	if err := firstErr(inRange("batch", *batch, 1, data.MaxValues), inRange("steps", *steps, 2, maxTimedSteps),
		inRange("min-rollout-steps", max(*minWork, 0), 0, maxMinRolloutSteps), // ≤ 0: none
		inRange("rollout", longest, 1, hnn.MaxRollout),
		checkWindows("--batch, --rollout", spec.System, *batch, longest)); err != nil {
		return err
	}
	if rows := len(ns) * len(gs); rows > maxMemoryRows {
		return usagef("--rollout, --gradient: %d rollouts × %d methods = %d processes, more than the limit %d", len(ns), len(gs), rows, maxMemoryRows)
	}
	switch {
	case *plotFile != "" && !slices.Contains([]string{".svg", ".png", ".pdf"}, strings.ToLower(filepath.Ext(*plotFile))):
		return usagef("--plot: the file must end in .svg (or .png, .pdf), got %q", *plotFile)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := bench.MemoryConfig{Spec: spec, Gradients: gs, Rollouts: ns, Batch: *batch, Steps: *steps, Seed: *seed, Progress: stderr,
		MinRolloutSteps: *minWork}
	if *minWork <= 0 {
		cfg.MinRolloutSteps = -1
	}
	if memoryWorkerCommand != nil {
		cfg.Worker, cfg.Env = memoryWorkerCommand()
	}
	res, err := bench.Memory(ctx, cfg)
	if err != nil {
		return err
	}
	if *plotFile != "" {
		if err := figure.Memory(res).Save(*plotFile); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%s, %s, B=%d, %s k=%d, widths %v; one fresh process per row\n",
		spec.System, spec.DType, *batch, spec.Integrator, spec.Iterations, spec.Widths)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "gradient\tN\tpeak RSS (MiB)\tms/step\tcompile (ms)\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.0f\t\n", r.Gradient, r.Rollout, float64(r.PeakRSSBytes)/(1<<20), r.MsPerStep, r.CompileMs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *plotFile != "" {
		fmt.Fprintf(stdout, "figure written to %s\n", *plotFile)
	}
	return nil
}

// memoryWorkerCommand, when set (by tests), returns the worker command line
// and extra environment for bench memory; nil means the running executable.
var memoryWorkerCommand func() (worker, env []string)

func runBenchMemoryWorker(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench memory-worker", stdout)
	config := fs.String("config", "", "the worker's configuration as JSON (bench.WorkerConfig)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() == 1 && *config == "" {
		*config = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usagef("bench memory-worker: unexpected argument %q", fs.Arg(0))
	}
	var cfg bench.WorkerConfig
	if err := json.Unmarshal([]byte(*config), &cfg); err != nil {
		return usagef("--config: %v", err)
	}
	r, err := bench.Worker(cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(r)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errors.New("encoding JSON: " + err.Error())
	}
	return nil
}
