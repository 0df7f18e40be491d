package main

import (
	"io"

	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/data"
)

func init() {
	register("gradcheck", command{
		summary: "compare adjoint, backprop and finite-difference gradients of a random model (JSON)",
		run:     runGradcheck,
	})
}

// runGradcheck prints, as JSON, the max relative difference
// max_i |a_i − b_i| / max_i |b_i| (over all weights, b the reference) between
// the discrete adjoint's gradient and Backprop's (adjoint_vs_backprop) and
// central finite differences (adjoint_vs_finite_differences), and for the
// implicit midpoint rule the same for the converged variant on a forward pass
// of --converged-iterations sweeps (converged_adjoint_vs_*). float64 throughout.
func runGradcheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gradcheck", stdout)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: hnn gradcheck --system NAME --rollout N [--iterations k] [--integrator NAME] [flags]\n\n" +
			"Prints JSON with the max relative difference max|a−b|/max|b| over all weights between the\n" +
			"discrete adjoint's gradient a and backprop's / central finite differences' b, for a randomly\n" +
			"initialised float64 model on noisy trajectories of the system.\n\n"))
		fs.PrintDefaults()
	}
	sf := addSpecFlags(fs, true)
	fs.Lookup("dtype").Usage = "float64 only (the finite differences need double precision)"
	batch := fs.Int("batch", 16, "windows (noisy trajectories of the system, one window each)")
	eps := fs.Float64("epsilon", 1e-6, "relative step of the central differences: θ ± ε·max(1, |θ|)")
	conv := fs.Int("converged-iterations", 50, "forward fixed-point sweeps of the converged-variant check (implicit midpoint)")
	seed := fs.Uint64("seed", 1, "random seed (weights, data)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f := fs.Lookup("dtype"); f != nil && f.Value.String() != "float64" {
		return usagef("--dtype: gradcheck runs in float64 only")
	}
	spec, err := sf.spec()
	if err != nil {
		return err
	}
	if err := firstErr(inRange("batch", *batch, 1, data.MaxValues), checkWindows("--batch, --rollout", spec.System, *batch, spec.Rollout)); err != nil {
		return err
	}
	switch {
	case !(*eps > 0) || *eps > 0.1:
		return usagef("--epsilon: must be in (0, 0.1], got %g", *eps)
	case *conv < 1 || *conv > 1000:
		return usagef("--converged-iterations: must be in 1…1000, got %d", *conv)
	}
	r, err := bench.Gradcheck(bench.GradcheckConfig{Spec: spec, Batch: *batch, Epsilon: *eps, ConvergedIterations: *conv, Seed: *seed})
	if err != nil {
		return err
	}
	return printJSON(stdout, r)
}
