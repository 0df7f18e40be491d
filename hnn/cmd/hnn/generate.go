package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// maxAutoSubsteps bounds the automatic number of internal steps per observation step.
const maxAutoSubsteps = 1_000_000

func init() {
	register("generate", command{
		summary: "generate noisy reference trajectories of a system and write them as CSV",
		run:     runGenerate,
	})
}

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stdout)
	valid := strings.Join(system.Names(), ", ")
	var (
		name     = fs.String("system", "", "system to simulate (one of: "+valid+")")
		alpha    = fs.Float64("alpha", system.DefaultAlpha, "coupling α of coupled-oscillator, |α| < 1")
		n        = fs.Int("trajectories", 1024, "number of trajectories N")
		steps    = fs.Int("steps", 100, "observation steps S per trajectory (S+1 states)")
		dt       = fs.Float64("dt", 0.01, "observation time step")
		substeps = fs.Int("substeps", 0, "internal integrator steps per observation step (0: ⌈dt/0.001⌉)")
		noise    = fs.Float64("noise", 0, "standard deviation σ of the Gaussian noise added to every coordinate (0: exact reference solution)")
		seed     = fs.Uint64("seed", 1, "random seed (initial conditions and noise)")
		dataMap  = fs.String("map", "", "one step of this implicit integrator's exact map per observation (solved to round-off; clean data on which a model trained through it has the true H as an exact optimum): "+strings.Join(hnn.DataMaps, ", ")+"; empty: the exact flow")
		out      = fs.String("out", "", "output file: .csv or .npz (written atomically; - or a device such as /dev/stdout: CSV written directly)")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hnn generate --system NAME [--alpha A] --trajectories N --steps S --dt DT [--substeps K] --noise SIGMA --seed K --out FILE.csv|FILE.npz\n\n")
		fmt.Fprintf(fs.Output(), "Initial conditions are uniform in the system's training box (Hénon–Heiles: redrawn while H ≥ 1/6);\n")
		fmt.Fprintf(fs.Output(), "trajectories come from the order-6 Gauss–Legendre reference integrator. Systems: %s.\n\nflags:\n", valid)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *name == "" {
		return usagef("missing --system (valid: %s)", valid)
	}
	opt := system.Options{}
	if set["alpha"] {
		if *name != "coupled-oscillator" {
			return usagef("--alpha applies only to --system coupled-oscillator, not %q", *name)
		}
		if !(math.Abs(*alpha) < 1) {
			return usagef("--alpha %v: want a finite coupling with |alpha| < 1 (bounded orbits)", *alpha)
		}
		opt.Alpha = alpha
	}
	sys, err := system.Lookup(*name, opt)
	if err != nil {
		return asUsage(err)
	}
	switch {
	case *n < 1:
		return usagef("--trajectories %d: want at least 1", *n)
	case *steps < 1:
		return usagef("--steps %d: want at least 1", *steps)
	case !(*dt > 0) || math.IsInf(*dt, 0):
		return usagef("--dt %v: want a positive finite time step", *dt)
	case *substeps < 0 || *substeps > maxSubsteps:
		return usagef("--substeps: must be in 0…%d (0: automatic), got %d", maxSubsteps, *substeps)
	case !(*noise >= 0) || math.IsInf(*noise, 0):
		return usagef("--noise %v: want a finite standard deviation ≥ 0", *noise)
	case *out == "":
		return usagef("missing --out FILE.csv")
	case *dataMap != "" && set["substeps"]:
		return usagef("--substeps applies to the exact flow, not to --map %s (one step of the map per observation)", *dataMap)
	}
	integ, mapSubsteps, err := hnn.DataMap(*dataMap)
	if err != nil {
		return usagef("--map: %v", err)
	}
	if *dataMap != "" {
		*substeps = mapSubsteps
	}
	switch strings.ToLower(filepath.Ext(*out)) {
	case "", ".csv", ".npz": // "" for - and devices such as /dev/stdout: CSV
	default:
		return usagef("--out %s: want a .csv or .npz file (or - for standard output)", *out)
	}
	if err := data.CheckSize(*n, *steps, sys.Dim()); err != nil {
		return usagef("--trajectories, --steps: %v", err)
	}
	if *substeps == 0 {
		if *dt/reference.DefaultStep > maxAutoSubsteps {
			return usagef("--dt %v needs more than %d internal steps of %v; pass --substeps explicitly",
				*dt, maxAutoSubsteps, reference.DefaultStep)
		}
		*substeps = reference.DefaultSubsteps(*dt)
	}
	if work := float64(*n) * float64(*steps) * float64(*substeps); work > maxInternalSteps {
		return usagef("--trajectories, --steps, --substeps: %d × %d × %d = %.3g internal integrator steps, more than the limit %.0e (fewer substeps, or a smaller --dt per substep)",
			*n, *steps, *substeps, work, float64(maxInternalSteps))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tr, err := data.GenerateContext(ctx, sys, data.GenerateConfig{
		Trajectories: *n,
		Steps:        *steps,
		Dt:           *dt,
		Substeps:     *substeps,
		Noise:        *noise,
		Seed:         *seed,
		Integrator:   integ,
	})
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted while generating the data: nothing was written to %s", *out)
	}
	if err != nil {
		return err
	}
	summary := stdout
	switch *out {
	case "-": // the data on standard output, for a pipe; the summary on stderr
		if err := tr.WriteCSV(stdout); err != nil {
			return err
		}
		summary = stderr
	default:
		write := tr.WriteCSVFile
		if strings.ToLower(filepath.Ext(*out)) == ".npz" {
			write = tr.WriteNPZFile
		}
		if err := write(*out); err != nil {
			return err
		}
		if fi, err := os.Stat(*out); err == nil && !fi.Mode().IsRegular() {
			summary = stderr // a device or pipe such as /dev/stdout
		}
	}
	fmt.Fprintf(summary, "wrote %s: %d trajectories × %d states of %s (d=%d, dt=%g, %d substeps, noise σ=%g, seed %d)\n",
		*out, tr.N(), tr.Steps()+1, sys.Name(), sys.Dim(), tr.Dt, *substeps, *noise, *seed)
	return nil
}
