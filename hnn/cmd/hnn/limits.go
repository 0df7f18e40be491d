package main

import (
	"math"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Upper bounds of the count flags: each is far above any useful value and
// far below what would exhaust memory or run for days, so that a mistyped
// count is refused up front (exit 2, naming the flag and the range) rather
// than found out by the operating system.
const (
	maxEpochs          = 1_000_000     // train --epochs
	maxRefine          = 1_000_000     // train --refine
	maxSamples         = 1_000_000     // identify --samples
	maxBootstrap       = 10_000        // identify --bootstrap
	maxBootstrapRows   = 100_000_000   // identify --samples × --bootstrap
	maxTimedSteps      = 100_000       // bench --steps, --warmup
	maxRounds          = 1_000         // bench step --rounds
	maxShards          = 1_024         // bench step --shards
	maxThreads         = 1_024         // bench step --torch-threads, reproduce --workers
	maxMemoryRows      = 64            // bench memory: rollouts × gradients
	maxMinRolloutSteps = 1_000_000_000 // bench memory --min-rollout-steps
	maxSeeds           = 100           // reproduce --seeds
	maxSubsteps        = maxAutoSubsteps
	maxInternalSteps   = 1e10 // generate: trajectories × steps × substeps
)

// inRange returns a usage error naming flag unless lo ≤ v ≤ hi.
func inRange(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usagef("--%s: must be in %d…%d, got %d", flag, lo, hi, v)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkWindows bounds a batch of windows of rollout steps of the named
// system (as the data sets of train are bounded: data.MaxValues values);
// flags names the flags that set them. An unknown system is left to the
// spec's validation.
func checkWindows(flags, sysName string, batch, rollout int) error {
	sys, err := system.Lookup(sysName, system.Options{})
	if err != nil {
		return nil
	}
	return checkSize(flags, "windows", float64(batch), rollout, sys.Dim())
}

// checkSize is data.CheckSize for a count of trajectories that may exceed
// an int's range once summed (it is reported as requested, not clamped).
func checkSize(flags, noun string, n float64, steps, d int) error {
	if v := n * (float64(steps) + 1) * float64(2*d); v > data.MaxValues || math.IsInf(v, 0) {
		return usagef("%s: %v: %.0f %s × %.0f states × %d coordinates = %.3g values (limit %d)", flags, data.ErrTooLarge, n, noun, float64(steps)+1, 2*d, v, data.MaxValues)
	}
	return nil
}
