package main

import (
	"fmt"
	"io"
	"math"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// readData reads a data file (.csv, .npz, or .npy with dt > 0) for the
// command; every failure is an input error.
func readData(path string, dt float64) (*data.Trajectories, error) {
	all, err := data.ReadFileDt(path, dt, nil)
	if err != nil {
		return nil, asUsage(err)
	}
	return all, nil
}

// dataSystem decides which system data are scored against: the one named
// on the command line (named, "none" for no system), else the one the
// data's provenance records, else none. A named or recorded system must
// conserve its energy along the data within what the noise explains
// (eval.CheckConservation); otherwise the data are not its trajectories and
// scoring them against it would be silently wrong. It returns the spec's
// system name (a built-in name or hnn.NoSystem), its coupling, and a line
// saying what was decided.
func dataSystem(all *data.Trajectories, path, name string, named bool, alpha *float64) (string, *float64, string, error) {
	from := "--system"
	if !named {
		if all.Meta == nil || all.Meta.System == "" {
			return hnn.NoSystem, nil, fmt.Sprintf("%s records no system: training without a true energy (--system NAME to score against one)", path), nil
		}
		name, from = all.Meta.System, path+"'s provenance"
		if a, ok := all.Meta.Params["alpha"]; ok {
			alpha = &a
		}
	}
	if name == hnn.NoSystem {
		return hnn.NoSystem, nil, "training without a true energy (--system none)", nil
	}
	sys, err := system.Lookup(name, system.Options{Alpha: alpha})
	if err != nil {
		if !named {
			return hnn.NoSystem, nil, fmt.Sprintf("%s names system %q, which is not built in: training without a true energy", path, name), nil
		}
		return "", nil, "", usagef("--system: %v", err)
	}
	if sys.Dim() != all.Dim {
		return "", nil, "", usagef("%s: the data have d = %d degrees of freedom, system %s (from %s) has %d", path, all.Dim, name, from, sys.Dim())
	}
	c, err := eval.CheckConservation(sys, all.States)
	if err != nil {
		return "", nil, "", usagef("%s: %v", path, err)
	}
	if !c.Conserves() {
		return "", nil, "", usagef("%s: not trajectories of %s (from %s): %s; name the right system, or --system none to train without a true energy", path, name, from, c)
	}
	if name != "coupled-oscillator" {
		alpha = nil
	}
	return name, alpha, fmt.Sprintf("scoring against %s (from %s; its energy is conserved along the data: ratio %.2g to the noise, at most %g)", name, from, c.Ratio, float64(eval.MaxConservationRatio)), nil
}

// holdOut splits data into training and validation sets, by the last
// fraction of trajectories (valFrac) or of the time span (valTime > 0),
// and drops the pieces shorter than a window of rollout steps. It reports
// what it dropped.
func holdOut(all *data.Trajectories, path string, valFrac, valTime float64, rollout int, log io.Writer) (trainSet, valSet *data.Trajectories, err error) {
	if valTime > 0 {
		trainSet, valSet = all.SplitTime(valTime)
	} else {
		nv := int(math.Round(valFrac * float64(all.N())))
		if nv < 1 || nv >= all.N() {
			return nil, nil, usagef("%s: %d trajectories are too few to hold out %g of them for validation (--val-time holds out the end of a long recording instead)", path, all.N(), valFrac)
		}
		trainSet, valSet = all.Split(nv)
	}
	for _, set := range []**data.Trajectories{&trainSet, &valSet} {
		kept, dropped := (*set).AtLeast(rollout + 1)
		if dropped > 0 {
			fmt.Fprintf(log, "%s: %d trajectory pieces shorter than a window (%d states, --rollout %d) are not used\n", path, dropped, rollout+1, rollout)
		}
		*set = kept
	}
	switch {
	case trainSet.N() == 0:
		return nil, nil, usagef("%s: no training trajectory has the %d states of a window (--rollout %d)", path, rollout+1, rollout)
	case valSet.N() == 0:
		return nil, nil, usagef("%s: no validation trajectory has the %d states of a window (--rollout %d); hold out more (--val-fraction, --val-time)", path, rollout+1, rollout)
	}
	return trainSet, valSet, nil
}

// recordings returns the number of recorded trajectories the file held
// before the readers split them at gaps and dropped single states.
func recordings(t *data.Trajectories) int {
	if t.Meta == nil {
		return t.N()
	}
	return t.N() - t.Meta.Gaps + t.Meta.Dropped
}

// fewData warns when the data hold fewer observed values than a few times
// the model's weights.
func fewData(trainSet *data.Trajectories, widths []int, log io.Writer) {
	values := 0
	for _, tr := range trainSet.States {
		values += len(tr) * 2 * trainSet.Dim
	}
	weights, in := 0, 2*trainSet.Dim
	for _, w := range widths {
		weights += (in + 1) * w
		in = w
	}
	weights += in
	if values < 10*weights {
		fmt.Fprintf(log, "warning: %d observed values for %d weights: too few data for this network, expect it to overfit (smaller --widths, or more data)\n", values, weights)
	}
}

// scoreHeldOut is hnn eval of a model without a true energy: the data-only
// scores on the validation trajectories of its run (the same hold-out), or
// on another file.
func scoreHeldOut(m *hnn.Model, run hnn.RunInfo, dataFlag string) (hnn.DataScores, string, int, error) {
	path := dataFlag
	if path == "" {
		path = run.DataFile
	}
	if path == "" {
		return hnn.DataScores{}, "", 0, usagef("the model has no true energy and its run no data file to hold out: give --data FILE")
	}
	all, err := readData(path, 0)
	if err != nil {
		return hnn.DataScores{}, "", 0, err
	}
	if all.Dim != m.Dim() {
		return hnn.DataScores{}, "", 0, usagef("%s: d = %d, the model has %d", path, all.Dim, m.Dim())
	}
	if math.Abs(all.Dt-m.Spec.Dt) > 1e-9*m.Spec.Dt {
		return hnn.DataScores{}, "", 0, usagef("%s: time step %g, the model's is %g", path, all.Dt, m.Spec.Dt)
	}
	val := all
	what := path
	if dataFlag == "" { // the run's own hold-out
		_, val, err = holdOut(all, path, run.ValFraction, run.ValTime, m.Spec.Rollout, io.Discard)
		if err != nil {
			return hnn.DataScores{}, "", 0, err
		}
		what = path + ", held out"
	}
	s, err := m.ScoreData(val.States, hnn.DataScoreConfig{})
	return s, what, val.N(), err
}

// printDataScores prints a data-only evaluation.
func printDataScores(w io.Writer, s hnn.DataScores, what string, n int) {
	fmt.Fprintf(w, "no true energy is known: data-only evaluation on %d trajectories (%s), observation noise σ ≈ %.3g\n", n, what, s.Noise)
	fmt.Fprintf(w, "%-8s %-8s %-12s %s\n", "horizon", "time", "rmse", "(rolled-out state − observed; floor √2·σ ≈ "+fmt.Sprintf("%.3g", math.Sqrt2*s.Noise)+")")
	for _, h := range s.Horizons {
		fmt.Fprintf(w, "%-8d %-8.4g %-12.4g (%d rollouts from states of %d trajectories)\n", h.Steps, h.Time, h.RMSE, h.Starts, h.Trajectories)
	}
	fmt.Fprintf(w, "learned energy along the data: drift %.3g (median), %.3g times what the noise explains\n", s.Conservation.Drift, s.Conservation.Ratio)
	if d := s.Derivative; d.Pairs > 0 {
		fmt.Fprintf(w, "vector field − forward difference, mean square over %d pairs: %.3g ± %.2g at y_k (Greydanus et al.'s metric), %.3g ± %.2g at the midpoint\n",
			d.Pairs, d.At, d.AtSE, d.Midpoint, d.MidpointSE)
	}
	bounded := "bounded"
	if !s.LongBounded {
		bounded = "NOT bounded (left 10× the data's extent)"
	}
	if s.LongFailure != "" {
		bounded = "stopped: " + s.LongFailure
	}
	fmt.Fprintf(w, "long rollouts (%d steps): learned energy drift %.3g of its spread over the data; %s\n", s.LongSteps, s.LongDrift, bounded)
}
