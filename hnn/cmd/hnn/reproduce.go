package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/reproduce"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func init() {
	register("reproduce", command{
		summary: "reproduce Table I against NSSNN, SHNN, HNN and a separable leapfrog (table.md, results.json, figures)",
		run:     runReproduce,
	})
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reproduce", stdout)
	systems := fs.String("systems", strings.Join(reproduce.DefaultSystems, ","), "comma-separated systems: "+strings.Join(system.Names(), ", "))
	var table []string
	for _, m := range baseline.Models() {
		table = append(table, m.Name)
	}
	models := fs.String("models", strings.Join(table, ","), "comma-separated models (default: Table I's five): "+strings.Join(baseline.Names(), ", "))
	seeds := fs.Int("seeds", 0, "number of seeds (0: the protocol's, 2 by default, 1 with --quick)")
	dts := fs.String("dt", "", "observation and integration step h of every model (default: the protocol's, the paper's 0.01); several, comma-separated (e.g. 0.01,0.05,0.1,0.2,0.4), run the observation-step sweep: every step in DIR/h-STEP, then sweep.md, sweep.json and figures/sweep-SYSTEM.png (defaults then: the sweep protocol, systems "+strings.Join(reproduce.SweepSystems, ", ")+", models "+strings.Join(reproduce.SweepModels, ", ")+")")
	quick := fs.Bool("quick", false, "a small smoke run of the whole pipeline (one seed, small data, 10 epochs; not Table I's numbers)")
	workers := fs.Int("workers", 0, "trainings run at once (0: one per CPU core)")
	out := fs.String("out", "", "output directory (table.md, results.json, figures/, runs/)")
	budget := fs.Bool("budget", false, "with --dt h1,…: the error budget instead of the sweep: every model at every step trained on clean data of its own integrator's map (the optimizer's error), clean data of the exact flow (+ the integrator's shadow) and the protocol's noisy data (+ the noise), in DIR/h-STEP/KIND; then budget.md, budget.json and figures/budget-SYSTEM.png (defaults: the sweep protocol, systems "+strings.Join(reproduce.BudgetSystems, ", ")+", models "+strings.Join(reproduce.BudgetModels, ", ")+")")
	refine := fs.Int("refine", 0, "after Adam, at most this many full-batch L-BFGS iterations for every model (train --refine; the protocol is then another: its runs go to another --out); 0: none")
	redraw := fs.Bool("redraw", false, "only redraw the figures and table.md of the finished run in --out (no training)")
	force := fs.Bool("force", false, "retrain (deleting them) runs in --out of another protocol; without it they are an error. Finished runs of this protocol are always reused and interrupted ones resumed")
	shard := fs.String("shard", "", "train only share i/n of the trainings (0 ≤ i < n), e.g. in a Slurm job array or a Kubernetes indexed Job; once every shard is done, run the same command without --shard (after --merge, for shards in other directories) for the table and figures")
	merge := fs.String("merge", "", "first copy the finished trainings of these output directories (comma-separated: shards run elsewhere) into --out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out: an output directory is required")
	}
	if err := firstErr(inRange("seeds", *seeds, 0, maxSeeds), inRange("workers", *workers, 0, maxThreads), inRange("refine", *refine, 0, maxRefine)); err != nil {
		return err
	}
	var steps []float64
	if *dts != "" {
		for _, f := range strings.Split(*dts, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || !(v > 0) || v > 1 {
				return usagef("--dt: must be in (0, 1] (each step of the list), got %q", f)
			}
			if slices.Contains(steps, v) {
				return usagef("--dt: step %g given twice", v)
			}
			steps = append(steps, v)
		}
	}
	set := setFlags(fs)
	switch {
	case *budget && len(steps) == 0:
		return usagef("--budget needs --dt: the steps to measure it at (e.g. --dt 0.05,0.1,0.2,0.4)")
	case *budget && (*redraw || *shard != "" || *merge != ""):
		return usagef("--budget does not combine with --redraw, --shard or --merge")
	}
	if fi, err := os.Stat(*out); err == nil && !fi.IsDir() {
		return usagef("--out: %s is not a directory", *out)
	}
	if !*redraw {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return usagef("--out: unusable output directory %s: %v", *out, err)
		}
	}
	if *redraw {
		if _, err := os.Stat(filepath.Join(*out, "results.json")); err != nil {
			return usagef("--redraw: %v", err)
		}
		res, err := reproduce.Redraw(context.Background(), *out, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "redrew %d figures and %s\n", len(res.Figures), filepath.Join(*out, "table.md"))
		return nil
	}
	cfg := reproduce.Config{Seeds: *seeds, Quick: *quick, OutDir: *out, Workers: *workers, Progress: stderr, Force: *force}
	if *shard != "" {
		sh, err := reproduce.ParseShard(*shard)
		if err != nil {
			return usagef("--shard: %v", err)
		}
		cfg.Shard = sh
	}
	if *merge != "" {
		n, err := reproduce.Merge(strings.Split(*merge, ","), *out)
		if err != nil {
			return asUsage(err)
		}
		fmt.Fprintf(stderr, "merged %d finished trainings into %s\n", n, *out)
	}
	if len(steps) == 1 && !*budget {
		p := reproduce.DefaultProtocol()
		if *quick {
			p = reproduce.QuickProtocol()
		}
		p = p.WithDt(steps[0])
		cfg.Protocol = &p
	}
	var err error
	if cfg.Systems, err = list(*systems, system.Names()); err != nil {
		return usagef("--systems: %v", err)
	}
	if cfg.Models, err = list(*models, baseline.Names()); err != nil {
		return usagef("--models: %v", err)
	}
	// withRefine applies --refine to the protocol of the run, def when none is set yet.
	withRefine := func(def reproduce.Protocol) {
		if *refine > 0 {
			if cfg.Protocol != nil {
				def = *cfg.Protocol
			}
			def = def.WithRefine(*refine)
			cfg.Protocol = &def
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t0 := time.Now()
	if *budget || len(steps) > 1 {
		// A budget or a sweep: their own defaults, unless given.
		if !set["systems"] {
			cfg.Systems = nil
		}
		if !set["models"] {
			cfg.Models = nil
		}
		if *quick {
			p := reproduce.QuickProtocol()
			cfg.Protocol = &p
		}
		withRefine(reproduce.SweepProtocol())
	}
	if *budget {
		bu, err := reproduce.Budget(ctx, reproduce.BudgetConfig{Config: cfg, Dts: steps})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "error budget over h = %v in %.1f min (wall): %s, %s, %d figures in %s\n", bu.Dts, time.Since(t0).Minutes(),
			filepath.Join(*out, "budget.md"), filepath.Join(*out, "budget.json"), len(bu.Figures), filepath.Join(*out, reproduce.FigureDir))
		return nil
	}
	if len(steps) > 1 {
		sw, err := reproduce.Sweep(ctx, reproduce.SweepConfig{Config: cfg, Dts: steps})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sweep over h = %v in %.1f min (wall): %s, %s, %d figures in %s\n", sw.Dts, time.Since(t0).Minutes(),
			filepath.Join(*out, "sweep.md"), filepath.Join(*out, "sweep.json"), len(sw.Figures), filepath.Join(*out, reproduce.FigureDir))
		return nil
	}
	if *quick {
		withRefine(reproduce.QuickProtocol())
	} else {
		withRefine(reproduce.DefaultProtocol())
	}
	res, err := reproduce.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Shard.N > 1 {
		fmt.Fprintf(stdout, "shard %s: %d trainings finished in %.1f min (wall) in %s\n", *shard, len(res.Runs), time.Since(t0).Minutes(), *out)
		return nil
	}
	fmt.Fprintf(stdout, "%d trainings in %.1f min (wall); table: %s, results: %s, %d figures in %s\n", len(res.Runs),
		time.Since(t0).Minutes(), filepath.Join(*out, "table.md"), filepath.Join(*out, "results.json"), len(res.Figures),
		filepath.Join(*out, reproduce.FigureDir))
	return nil
}

// list splits a comma-separated list and checks every item against valid.
func list(s string, valid []string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ok := false
		for _, v := range valid {
			ok = ok || v == f
		}
		if !ok {
			return nil, fmt.Errorf("unknown name %q (valid: %s)", f, strings.Join(valid, ", "))
		}
		if slices.Contains(out, f) {
			return nil, fmt.Errorf("%s given twice", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list (valid: %s)", strings.Join(valid, ", "))
	}
	return out, nil
}
