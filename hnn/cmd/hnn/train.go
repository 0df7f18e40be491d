package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

func init() {
	register("train", command{
		summary: "learn a Hamiltonian from trajectories (the paper's data set by default)",
		run:     runTrain,
	})
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", stdout)
	sysName := fs.String("system", "double-well", "system: "+strings.Join(system.Names(), ", ")+"; with --data: the system the data come from (default: the one the file records, else none), scored against only if its energy is conserved along the data; none: no true energy")
	alpha := fs.Float64("alpha", system.DefaultAlpha, "coupling α of coupled-oscillator")
	dataFile := fs.String("data", "", "observed trajectories: .csv, .npz or .npy (README, section Bring your own data; .npy needs --dt); empty: generate the paper's data set")
	valFrac := fs.Float64("val-fraction", 1.0/3, "with --data: fraction of the trajectories held out for validation (the last ones in the file)")
	valTime := fs.Float64("val-time", 0, "with --data: hold out the last fraction of the recorded time span instead (the end of a long recording; a trajectory crossing the cut is split)")
	epochs := fs.Int("epochs", train.DefaultEpochs, "passes over the training trajectories")
	batch := fs.Int("batch", 0, fmt.Sprintf("windows per minibatch (0: %d, or fewer for small data so that an epoch has at least %d steps; never more than the windows of an epoch)", train.DefaultBatchSize, train.MinStepsPerEpoch))
	lr := fs.Float64("lr", train.DefaultLearningRate, "Adam learning rate")
	rollout := fs.Int("rollout", gradient.DefaultRollout, "integration steps N per window")
	iters := fs.Int("iterations", integrator.DefaultIterations, "fixed-point iterations (or Newton steps, with --solver newton) k per implicit step")
	predictor := fs.String("predictor", "rk2", "initial guess of the implicit solve: rk2, observed")
	solver := fs.String("solver", "fixed-point", "solver of the implicit-midpoint equation: fixed-point, newton (for coarse steps where the sweeps diverge; several times the cost per step)")
	integ := fs.String("integrator", "implicit-midpoint", "integrator: "+strings.Join(hnn.Integrators, ", "))
	modelName := fs.String("model", baseline.ThisWork().Name, "model of the comparison (package baseline; README, section Baselines): "+strings.Join(baseline.Names(), ", ")+"; sets the ansatz, objective and integrator")
	widths := fs.String("widths", "16,32,16", "hidden layer widths of the MLP")
	activation := fs.String("activation", hnn.DefaultActivation, "hidden activation: softplus, tanh (tanh saturates outside the training box: README, section Train and evaluate)")
	dtype := fs.String("dtype", "float64", "float64 or float32")
	dt := fs.Float64("dt", hnn.DefaultDt, "step h (the observation interval; with --data, read from the file)")
	grad := fs.String("gradient", "auto", fmt.Sprintf("gradient method: %s; auto is backprop for N ≤ %d, the adjoint above "+
		"(backprop's memory grows with N, the adjoint's does not; README, section Gradients)", strings.Join(gradient.Names(), ", "), gradient.DefaultCrossover))
	seed := fs.Uint64("seed", 1, "random seed (weights, data, order)")
	nTrain := fs.Int("trajectories", hnn.DefaultTrainTrajectories, "without --data: training trajectories to generate")
	nVal := fs.Int("val-trajectories", hnn.DefaultValTrajectories, "without --data: validation trajectories to generate")
	steps := fs.Int("steps", hnn.DefaultSteps, "without --data: observation steps per generated trajectory")
	noise := fs.Float64("noise", hnn.DefaultNoise, "without --data: observation noise σ")
	dataMap := fs.String("map", "", "without --data: generate each observation by one step of this implicit integrator's exact map instead of the exact flow ("+strings.Join(hnn.DataMaps, ", ")+"; with --noise 0 and the model's own integrator, the true H is an exact optimum: the error left is the optimizer's)")
	out := fs.String("out", "runs/double-well", "output directory (checkpoint.json, metrics.csv)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	ckptEvery := fs.Int("checkpoint-every", 0, "also checkpoint every that many steps (0: at epoch ends)")
	maxRes := fs.Float64("max-residual", train.DefaultMaxResidual, "stop when the fixed-point residual exceeds this")
	evaluate := fs.Bool("eval", true, "evaluate the trained model at the end")
	refine := fs.Int("refine", 0, "after the Adam epochs, at most this many full-batch L-BFGS iterations, stopped on the validation loss (README, section Training to the data's limit; 0: none)")
	refineAll := fs.Bool("refine-all-windows", false, "with --refine: every non-overlapping window of the training data in the objective, instead of one per window of an epoch")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := setFlags(fs)
	method, err := gradient.ByName(*grad)
	if err != nil {
		return usagef("--gradient: %v", err)
	}
	ws, err := parseInts(*widths)
	if err != nil {
		return usagef("--widths: %v", err)
	}
	if *out == "" {
		return usagef("--out: an output directory is required")
	}
	for name, v := range map[string]float64{"alpha": *alpha, "lr": *lr, "dt": *dt, "noise": *noise, "max-residual": *maxRes, "val-fraction": *valFrac} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return usagef("--%s: must be a finite number, got %v", name, v)
		}
	}
	if err := firstErr(inRange("epochs", *epochs, 1, maxEpochs), inRange("refine", *refine, 0, maxRefine)); err != nil {
		return err
	}
	switch {
	case set["val-time"] && set["val-fraction"]:
		return usagef("--val-time and --val-fraction conflict: give one (--val-time holds out the end of the time span, --val-fraction the last trajectories)")
	case *batch < 0:
		return usagef("--batch: must be ≥ 1 (0: automatic), got %d", *batch)
	case *lr <= 0 || *lr > train.MaxLearningRate:
		return usagef("--lr: must be in (0, %g], got %g", float64(train.MaxLearningRate), *lr)
	case *nTrain < 1 || *nVal < 1:
		return usagef("--trajectories and --val-trajectories must be ≥ 1")
	case *noise < 0:
		return usagef("--noise: must be ≥ 0, got %g", *noise)
	case *dataMap != "" && *dataFile != "":
		return usagef("--map generates data; it does not apply with --data")
	case *maxRes <= 0:
		return usagef("--max-residual: must be positive, got %g", *maxRes)
	case *valFrac <= 0 || *valFrac >= 1:
		return usagef("--val-fraction: must be in (0, 1), got %g", *valFrac)
	case *refine < 0:
		return usagef("--refine: must be ≥ 0, got %d", *refine)
	case *refineAll && *refine == 0:
		return usagef("--refine-all-windows applies only with --refine N")
	case *ckptEvery < 0:
		return usagef("--checkpoint-every: must be ≥ 0, got %d", *ckptEvery)
	case *dataFile == "" && *steps < *rollout:
		return usagef("--steps (%d) must be ≥ --rollout (%d)", *steps, *rollout)
	}
	if _, _, err := hnn.DataMap(*dataMap); err != nil {
		return usagef("--map: %v", err)
	}
	spec := hnn.Spec{System: *sysName, Widths: ws, Activation: *activation, DType: *dtype, Dt: *dt,
		Rollout: *rollout, Integrator: *integ, Iterations: *iters, Predictor: *predictor}
	if *integ == "implicit-midpoint" || set["solver"] {
		spec.Solver = *solver
	}
	if set["model"] {
		m, err := baseline.Lookup(*modelName)
		if err != nil {
			return usagef("--model: %v", err)
		}
		if set["integrator"] && m.Integrator != "" && m.Integrator != *integ {
			return usagef("--model %s trains through %s; drop --integrator %s or choose another model", m.Name, m.Integrator, *integ)
		}
		rollout0 := spec.Rollout
		spec = spec.WithBaseline(m)
		spec.Rollout = rollout0 // all models of a comparison share the windows
		if set["solver"] && spec.Solver != *solver {
			return usagef("--model %s does not solve the implicit midpoint rule with --solver %s; drop --solver or choose another model", m.Name, *solver)
		}
	}
	if set["alpha"] {
		spec.Alpha = alpha
	}
	if *dataFile != "" && !set["system"] {
		spec.System = hnn.NoSystem // decided from the data below
		spec.Dim = 1
	}
	if err := spec.ValidateExplicit(); err != nil && !*resume {
		return specUsage(err)
	}
	spec.Dim = 0
	if *dataFile == "" && !*resume {
		if sys, err := system.Lookup(*sysName, system.Options{}); err == nil {
			if err := checkSize("--trajectories, --val-trajectories, --steps", "trajectories", float64(*nTrain)+float64(*nVal), *steps, sys.Dim()); err != nil {
				return err
			}
		}
	}
	cfg := hnn.TrainConfig{
		Method: method,
		Seed:   *seed,
		Resume: *resume,
		Data:   hnn.DataConfig{Train: *nTrain, Val: *nVal, Steps: *steps, Noise: *noise, Map: *dataMap},
		Trainer: train.Config{Epochs: *epochs, BatchSize: *batch, LearningRate: *lr, OutDir: *out,
			CheckpointEvery: *ckptEvery, MaxResidual: *maxRes, Progress: stderr},
	}
	if *noise == 0 {
		cfg.Data.Noise = -1 // clean data
	}
	if *refine > 0 { // on --resume too: a finished run can be refined
		cfg.Trainer.Refine = train.Refine{Iterations: *refine, AllWindows: *refineAll}
	}
	if *resume {
		run, err := hnn.ReadRunInfo(*out)
		if err != nil {
			return usagef("--resume: %v", err)
		}
		if err := resumeConflicts(fs, set, run); err != nil {
			return err
		}
		if !set["gradient"] {
			cfg.Method = nil // the run's own
		}
		if !set["epochs"] {
			cfg.Trainer.Epochs = 0 // the run's own
		} else if done, err := train.CompletedEpochs(*out); err == nil && *epochs < done {
			return usagef("--epochs %d: the run in %s has already completed %d epochs", *epochs, *out, done)
		}
		if run.DataFile != "" {
			if !set["data"] {
				*dataFile = run.DataFile
			}
			*valFrac, *valTime = run.ValFraction, run.ValTime
			*sysName, spec.Alpha = run.Spec.System, run.Spec.Alpha
			set["system"] = true
		}
	} else if _, err := os.Stat(filepath.Join(*out, train.CheckpointFile)); err == nil {
		return usagef("--out: %s already holds a run; use --resume to continue it or choose another directory", *out)
	}
	if *dataFile != "" {
		dtGiven := 0.0
		if set["dt"] {
			dtGiven = *dt
		}
		all, err := readData(*dataFile, dtGiven)
		if err != nil {
			return err
		}
		name, a, note, err := dataSystem(all, *dataFile, *sysName, set["system"], spec.Alpha)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, note)
		spec.System, spec.Alpha, spec.Dt = name, a, all.Dt
		if name == hnn.NoSystem {
			spec.Dim = all.Dim
		}
		if err := spec.ValidateExplicit(); err != nil && !*resume {
			return specUsage(err)
		}
		if *valTime != 0 && !(*valTime > 0 && *valTime < 1) {
			return usagef("--val-time: must be in (0, 1), got %g", *valTime)
		}
		if *valTime == 0 && !set["val-fraction"] && recordings(all) == 1 {
			*valTime = *valFrac
			fmt.Fprintf(stderr, "%s is one recording: holding out the last %.3g of its time span for validation (--val-time %.3g)\n", *dataFile, *valTime, *valTime)
		}
		cfg.Train, cfg.Val, err = holdOut(all, *dataFile, *valFrac, *valTime, *rollout, stderr)
		if err != nil {
			return err
		}
		fewData(cfg.Train, ws, stderr)
		cfg.DataFile, cfg.ValFraction, cfg.ValTime = *dataFile, *valFrac, *valTime
		if *valTime > 0 {
			cfg.ValFraction = 0
		}
	}
	cfg.Spec = spec
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t0 := time.Now()
	m, hist, err := hnn.Train(ctx, cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			if _, serr := os.Stat(filepath.Join(*out, train.CheckpointFile)); serr != nil {
				return fmt.Errorf("interrupted before the first checkpoint: nothing was saved in %s; rerun the command (without --resume) to start again", *out)
			}
			return fmt.Errorf("interrupted; the checkpoint in %s holds the last completed step: continue with --resume", *out)
		}
		return err
	}
	if len(hist) > 0 {
		last := hist[len(hist)-1]
		fmt.Fprintf(stdout, "trained %s on %s for %d epochs (%d steps) in %.1fs: train loss %.4g, val loss %.4g\n",
			m.Hamiltonian, m.Spec.System, last.Epoch, last.Step, time.Since(t0).Seconds(), last.TrainLoss, last.ValLoss)
	}
	if r, err := train.ReadRefinement(*out); err == nil && len(r.Steps) > 0 {
		first, kept := r.Steps[0], r.Steps[r.Best]
		fmt.Fprintf(stdout, "refined with full-batch L-BFGS: %d iterations (stop: %s), train loss %.4g → %.4g, val loss %.4g → %.4g (kept: iteration %d, the lowest val loss)\n",
			r.Steps[len(r.Steps)-1].Iteration, r.Stop, first.TrainLoss, kept.TrainLoss, first.ValLoss, kept.ValLoss, kept.Iteration)
		if r.Err != nil {
			fmt.Fprintf(stdout, "the refinement stopped early: %v\n", r.Err)
		}
	}
	fmt.Fprintf(stdout, "model saved in %s\n", *out)
	if !*evaluate {
		return nil
	}
	if m.System == nil { // no true energy: what the held-out data tell
		s, err := m.ScoreData(cfg.Val.States, hnn.DataScoreConfig{})
		if err != nil {
			return err
		}
		printDataScores(stdout, s, *dataFile+", held out", cfg.Val.N())
		return nil
	}
	res, err := m.Evaluate()
	if err != nil {
		return err
	}
	var corr []eval.Result
	if m.Correction() != "" {
		if corr, err = m.EvaluateCorrected(); err != nil {
			return err
		}
	}
	printResultsWith(stdout, res, corr)
	return nil
}

func setFlags(fs interface{ Visit(func(*flagT)) }) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flagT) { set[f.Name] = true })
	return set
}

func parseInts(s string) ([]int, error) { return parseCounts(s, "widths") }

// parseCounts parses a comma-separated list of positive integers; what
// names them in the error.
func parseCounts(s, what string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a comma-separated list of integers", s)
		}
		if v < 1 {
			return nil, fmt.Errorf("%s must be ≥ 1, got %d", what, v)
		}
		out = append(out, v)
	}
	return out, nil
}

// resumeFlags are the flags that shape a run: with --resume they must equal
// the run's settings (they are the run's already; a different value would
// silently not apply). The value is the run's, as the flag would print it.
func resumeFlags(run hnn.RunInfo) map[string]string {
	sp := run.Spec.WithDefaults()
	ws := make([]string, len(sp.Widths))
	for i, w := range sp.Widths {
		ws[i] = strconv.Itoa(w)
	}
	d := run.Data
	alpha := system.DefaultAlpha
	if sp.Alpha != nil {
		alpha = *sp.Alpha
	}
	noise := d.Noise
	switch {
	case noise == 0:
		noise = hnn.DefaultNoise
	case noise < 0:
		noise = 0
	}
	m := map[string]string{
		"system": sp.System, "alpha": fmt.Sprint(alpha), "widths": strings.Join(ws, ","), "activation": sp.Activation,
		"dtype": sp.DType, "dt": fmt.Sprint(sp.Dt), "rollout": strconv.Itoa(sp.Rollout), "iterations": strconv.Itoa(sp.Iterations),
		"predictor": sp.Predictor, "integrator": sp.Integrator, "gradient": run.Gradient, "seed": fmt.Sprint(run.Seed),
		"batch": strconv.Itoa(run.BatchSize), "lr": fmt.Sprint(run.LearningRate), "model": specModel(sp),
		"solver": cmp.Or(sp.Solver, "fixed-point"),
	}
	if run.DataFile == "" {
		m["trajectories"] = strconv.Itoa(cmp.Or(d.Train, hnn.DefaultTrainTrajectories))
		m["val-trajectories"] = strconv.Itoa(cmp.Or(d.Val, hnn.DefaultValTrajectories))
		m["steps"] = strconv.Itoa(cmp.Or(d.Steps, hnn.DefaultSteps))
		m["noise"] = fmt.Sprint(noise)
		m["map"] = d.Map
	} else {
		m["val-fraction"] = fmt.Sprint(run.ValFraction)
		m["val-time"] = fmt.Sprint(run.ValTime)
	}
	if run.LearningRate == 0 {
		m["lr"] = fmt.Sprint(train.DefaultLearningRate)
	}
	return m
}

// resumeConflicts returns a usage error naming every flag given with
// --resume whose value differs from the run's. --epochs (to extend the
// run), --checkpoint-every, --max-residual, --eval and --data (checked
// against the run's data by hnn.Train) may be given.
func resumeConflicts(fs *flag.FlagSet, set map[string]bool, run hnn.RunInfo) error {
	want := resumeFlags(run)
	var diffs []string
	for _, name := range sortedKeys(want) {
		if !set[name] {
			continue
		}
		got := fs.Lookup(name).Value.String()
		if !sameFlagValue(got, want[name]) {
			diffs = append(diffs, fmt.Sprintf("--%s %s (the run's: %s)", name, got, want[name]))
		}
	}
	if run.DataFile == "" && set["data"] {
		diffs = append(diffs, fmt.Sprintf("--data %s (the run generated its data)", fs.Lookup("data").Value))
	}
	if len(diffs) > 0 {
		return usagef("--resume continues the run with its own settings; these flags differ: %s (only --epochs may extend a run; start a new run in another --out to change them)", strings.Join(diffs, ", "))
	}
	return nil
}

// specModel names the model of the comparison that sp is (baseline.Names),
// or "custom" for settings none of them has.
func specModel(sp hnn.Spec) string {
	for _, m := range baseline.All() {
		b := sp.WithBaseline(m)
		if b.Ansatz == sp.Ansatz && b.Objective == sp.Objective && b.Integrator == sp.Integrator && b.Omega == sp.Omega &&
			(m.Solver == "newton") == (sp.Solver == "newton") {
			return m.Name
		}
	}
	return "custom"
}

// sameFlagValue compares two flag values, numerically when both are numbers.
func sameFlagValue(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}
