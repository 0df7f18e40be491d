package reproduce

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/baseline"
)

var setLabels = map[string]string{"uniform": "uniform (RU)", "grid": "grid (SG)", "gaussian": "Gaussian (N)"}

func label(model string) string {
	if base, ok := strings.CutSuffix(model, CorrectedSuffix); ok {
		return label(base) + " (bias-corrected)"
	}
	if m, err := baseline.Lookup(model); err == nil {
		return m.Label
	}
	return model
}

// columns returns the table's columns: the models, each followed by its
// bias-corrected variant when the runs have corrected errors.
func (r *Results) columns() []string {
	if len(r.Table) > 0 {
		var out []string
		for _, c := range r.Table[0].Cells {
			out = append(out, c.Model)
		}
		return out
	}
	return r.Models
}

func fmtStat(s Stat) string {
	if s.N == 0 || math.IsNaN(s.Mean) {
		return "—"
	}
	if s.N == 1 {
		return fmt.Sprintf("%.3g", s.Mean)
	}
	return fmt.Sprintf("%.3g ± %.2g", s.Mean, s.Std)
}

// TableMarkdown renders the results as table.md: Table I (rows system ×
// test set, a column per model, mean ± sample std over seeds, the best mean
// of each row in bold, the paper's "this work" beside), then which cells
// meet the paper, the non-separable comparison, the Gaussian sets' share
// outside the box, the long rollouts, the paper's own baseline numbers,
// the protocol and the figures.
func TableMarkdown(r *Results) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Table I, reproduced\n\n")
	w("Mean gauge-fixed error E|H_pred − H_true − c| (c = mean(H_pred − H_true) over each test set), mean ± sample std over %d seed(s) (each seed: its own data set, initial weights and window order; all models of a seed share the data). ", r.Seeds)
	w("Protocol %q; wall time %s on %s CPU(s), %d parallel trainings (summed training time %s).\n\n",
		r.Protocol.Name, duration(r.WallSeconds), r.Machine["cpus"], r.Workers, duration(r.TrainSeconds))
	if r.Protocol.Name != "default" {
		w("**Protocol %q is not the default: its numbers are not Table I's** (see Protocol below).\n\n", r.Protocol.Name)
	}
	w("| System | Test set |")
	for _, m := range r.columns() {
		w(" %s |", label(m))
	}
	w(" Paper: this work | This work ≤ paper? |\n|---|---|")
	for range r.columns() {
		w("---|")
	}
	w("---|---|\n")
	for _, row := range r.Table {
		sysLabel := row.System
		if row.Domain != "box" {
			sysLabel += " (" + row.Domain + ")"
		}
		w("| %s | %s |", sysLabel, setLabels[row.Set])
		for _, c := range row.Cells {
			s := fmtStat(c.Stat)
			if c.Model == row.Best {
				s = "**" + s + "**"
			}
			w(" %s |", s)
		}
		if p, ok := row.Paper["this-work"]; ok {
			w(" %.3g ± %.2g |", p.Mean, p.Std)
		} else {
			w(" — |")
		}
		switch {
		case row.MeetsPaper == nil:
			w(" — |\n")
		case *row.MeetsPaper:
			w(" yes |\n")
		default:
			w(" **no** |\n")
		}
	}

	// Cells against the paper.
	var met, missed []string
	for _, row := range r.Table {
		if row.MeetsPaper == nil {
			continue
		}
		st, _ := row.Cell("this-work")
		cell := fmt.Sprintf("%s %s: %.3g vs paper %.3g", row.System, row.Set, st.Mean, row.Paper["this-work"].Mean)
		if *row.MeetsPaper {
			met = append(met, cell)
		} else {
			missed = append(missed, cell)
		}
	}
	if len(met)+len(missed) > 0 {
		w("\n## This work against the paper's Table I\n\n")
		w("%d of %d cells at or below the paper's mean.\n", len(met), len(met)+len(missed))
		if len(missed) > 0 {
			w("\nMissed:\n\n")
			for _, c := range missed {
				w("- %s\n", c)
			}
		}
	}

	// This work against the baselines, per row.
	if slices.Contains(r.Models, "this-work") && len(r.Models) > 1 {
		w("\n## This work against the baselines of the same run\n\n")
		w("Relative difference of each baseline's mean to this work's, (baseline − this work)/this work: negative means the baseline is better.\n\n")
		w("| System | Test set | separable H? |")
		for _, m := range r.Models {
			if m != "this-work" {
				w(" %s |", label(m))
			}
		}
		w(" this work best? |\n|---|---|---|")
		for _, m := range r.Models {
			if m != "this-work" {
				w("---|")
			}
		}
		w("---|\n")
		for _, row := range r.Table {
			tw, _ := row.Cell("this-work")
			sep := "no"
			if separable[row.System] {
				sep = "yes"
			}
			w("| %s | %s | %s |", row.System, row.Set, sep)
			best := true
			for _, c := range row.Cells {
				if c.Model == "this-work" {
					continue
				}
				w(" %+.1f %% |", 100*(c.Stat.Mean-tw.Mean)/tw.Mean)
				best = best && tw.Mean < c.Stat.Mean
			}
			if best {
				w(" yes |\n")
			} else {
				w(" **no** |\n")
			}
		}
		w("\n%s", readingNotes(r))
	}

	// Gaussian sets outside the box.
	w("\n## Gaussian test sets outside the evaluation box\n\n")
	w("The Gaussian points are not confined to the box the uniform and grid sets (and, up to the trajectories' motion, the training data) cover. Share of points outside it and the part of the mean error they contribute (this work, mean over seeds):\n\n")
	w("| System | points outside | their contribution | total Gaussian error |\n|---|---|---|---|\n")
	for _, s := range r.Systems {
		var share, contrib, total float64
		n := 0
		for _, run := range r.Runs {
			if run.System == s && run.Model == "this-work" && run.Failure == "" {
				share += run.GaussianOutside.Share
				contrib += run.GaussianOutside.Error
				total += run.Error(run.Errors[0].Domain, "gaussian")
				n++
			}
		}
		if n > 0 {
			w("| %s | %.1f %% | %.3g | %.3g |\n", s, 100*share/float64(n), contrib/float64(n), total/float64(n))
		}
	}

	if len(r.Rollouts) > 0 {
		w("\n## Energy along a long rollout under the learned H\n\n")
		w("| System | Model | Integrator | steps × h | max \\|H_θ(y_n) − H_θ(y_0)\\| | final | max fixed-point update |\n|---|---|---|---|---|---|---|\n")
		for _, ro := range r.Rollouts {
			w("| %s | %s | %s | %d × %g | %.3g | %.3g | %.2g |\n", ro.System, ro.Model, ro.Integrator, ro.Steps, ro.Dt, ro.MaxDrift, ro.FinalDrift, ro.Residual)
		}
	}

	w("\n## The paper's own Table I (for reference)\n\n| System | Test set | NSSNN | SHNN | This work |\n|---|---|---|---|---|\n")
	for _, s := range r.Systems {
		pt, ok := PaperTableI[s]
		if !ok {
			continue
		}
		for _, set := range []string{"uniform", "grid", "gaussian"} {
			w("| %s | %s |", s, setLabels[set])
			for _, m := range []string{"nssnn", "shnn", "this-work"} {
				p := pt[m][set]
				w(" %.3g ± %.2g |", p.Mean, p.Std)
			}
			w("\n")
		}
	}

	w("\n## Protocol\n\n")
	p := r.Protocol
	d := p.Data
	w("- Data per system and seed (shared by all models): %d training and %d validation trajectories of %d steps, h = %g, noise σ = %g, initial states uniform in the system's training box.\n",
		cmp.Or(d.Train, 16384), cmp.Or(d.Val, 8192), cmp.Or(d.Steps, 30), p.SystemSpec(r.Systems[0]).WithDefaults().Dt, noise(d.Noise))
	for _, s := range r.Systems {
		sp := p.SystemSpec(s)
		sp.System = s
		sp = sp.WithDefaults()
		w("- %s: every model's network has hidden widths %v (the separable model: each of T and V), %s, %s; windows of N = %d steps; the implicit midpoint rule is solved by an %s predictor and %d fixed-point sweeps.\n",
			s, sp.Widths, sp.Activation, sp.DType, sp.Rollout, strings.ToUpper(sp.Predictor), sp.Iterations)
	}
	w("- Models: ")
	for i, m := range r.Models {
		if i > 0 {
			w("; ")
		}
		if bm, err := baseline.Lookup(m); err == nil {
			integ := bm.Integrator
			if integ == "" {
				integ = "no integrator"
			}
			w("%s = %s ansatz, %s objective, %s (%s)", bm.Label, bm.Ansatz, bm.Objective, integ, bm.Cite)
		}
	}
	w(".\n- Training (Adam, ReduceLROnPlateau on the validation loss, the same for every model of a system unless listed):\n")
	for _, s := range r.Systems {
		w("  - %s:", s)
		for i, m := range r.Models {
			rc := p.Recipe(s, m)
			if i > 0 && rc == p.Recipe(s, r.Models[0]) {
				continue
			}
			if i > 0 {
				w(";")
			}
			if i > 0 || len(r.Models) == 1 {
				w(" %s", m)
			}
			w(" %d epochs, batch %d, lr %g", rc.Epochs, cmp.Or(rc.BatchSize, 512), cmp.Or(rc.LearningRate, 0.01))
			if rc.Refine > 0 {
				w(", then full-batch L-BFGS (at most %d iterations, stopped by the validation loss)", rc.Refine)
			}
		}
		w("\n")
	}
	w("- Figures: the first seed's models; long rollout of %d steps, h = %g, from the middle phase-portrait state.\n", p.LongSteps, p.LongDt)
	if len(r.Figures) > 0 {
		w("\n## Figures\n\n")
		for _, f := range r.Figures {
			w("- [%s](%s)\n", filepath.Base(f), filepath.ToSlash(f))
		}
	}
	return b.String()
}

// readingNotes explains the comparison: why the models are expected to
// relate as they do (static) and what this run measured (computed).
func readingNotes(r *Results) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	// gaps[model] are the relative differences (model − this work)/this work
	// per row; sepGaps and nonSepGaps split them by the system's separability.
	gapRange := func(model string, sep *bool) (lo, hi float64, n int) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, row := range r.Table {
			if sep != nil && separable[row.System] != *sep {
				continue
			}
			tw, ok1 := row.Cell("this-work")
			c, ok2 := row.Cell(model)
			if !ok1 || !ok2 || tw.N == 0 || c.N == 0 {
				continue
			}
			g := 100 * (c.Mean - tw.Mean) / tw.Mean
			lo, hi, n = math.Min(lo, g), math.Max(hi, g), n+1
		}
		return lo, hi, n
	}
	yes, no := true, false
	w("How to read this comparison. All models of a seed see the same data, the same windows of N steps in the same order, the same network, optimizer, schedule and epochs; only the objective, the integrator and, for the separable model, the ansatz differ.\n\n")
	if lo, hi, n := gapRange("nssnn", nil); n > 0 {
		w("- **NSSNN** (Tao's explicit augmented integrator, ω = 20, the doubled state carried over each window) and this work train through two second-order maps that agree to O(h³) per step at the data's h = %g, far below the observation noise; from the same initial weights on the same batches they should reach nearly the same H. Measured: NSSNN's mean differs from this work's by %+.2f %% to %+.2f %% over the rows. The paper's NSSNN errors (7.8 on the double well, 0.80 on the coupled oscillator) are not what Tao's integrator gives in this harness.\n",
			r.Protocol.SystemSpec(r.Systems[0]).WithDefaults().Dt, lo, hi)
	}
	for _, m := range []string{"hnn", "shnn"} {
		if lo, hi, n := gapRange(m, nil); n > 0 {
			w("- **%s**: differs from this work by %+.1f %% to %+.1f %% over the rows.", label(m), lo, hi)
			if m == "hnn" {
				h := r.Protocol.SystemSpec(r.Systems[0]).WithDefaults().Dt
				sigma := r.Protocol.Data.WithDefaults().Noise
				w(" HNN and SHNN regress J⁻¹∇H on finite differences of the observations: unbiased to O(h²) at this step but noisy targets (σ/(√2·h) per coordinate for HNN's central difference, √2·σ/h for SHNN's one-sided one, %.2g and %.2g here), which many windows average out; each of their steps is 4–5× cheaper than this work's (no solve).",
					sigma/(math.Sqrt2*h), math.Sqrt2*sigma/h)
			}
			w("\n")
		}
	}
	if lo, hi, n := gapRange("separable-leapfrog", &yes); n > 0 {
		w("- **Separable leapfrog** (H = T(p) + V(q), Störmer–Verlet) is exact in form for the separable systems (double well, Hénon–Heiles: H = (px² + py²)/2 + V(qx, qy), although the paper calls it non-separable): %+.1f %% to %+.1f %% there.", lo, hi)
		if lo2, hi2, n2 := gapRange("separable-leapfrog", &no); n2 > 0 {
			w(" On the non-separable system(s) it cannot represent the coupling (α·p·q): %+.0f %% to %+.0f %%, the separability bias.", lo2, hi2)
		}
		w("\n")
	}
	var lost []string
	for _, row := range r.Table {
		if separable[row.System] {
			continue
		}
		tw, _ := row.Cell("this-work")
		for _, c := range row.Cells {
			if c.Model != "this-work" && c.Stat.Mean <= tw.Mean {
				lost = append(lost, fmt.Sprintf("%s %s: %s %.3g ≤ this work %.3g", row.System, row.Set, label(c.Model), c.Stat.Mean, tw.Mean))
			}
		}
	}
	if len(lost) > 0 {
		w("- On the non-separable system(s) this work is **not** better than every baseline: %s. In a harness where every model gets the same data, windows, network, optimizer and budget, the two second-order trajectory-trained models (this work, NSSNN) fit the same data through maps that differ far less than the noise, and land on the same H; the paper's margin over NSSNN is not reproduced. `hnn reproduce --dt` repeats the comparison at a coarser observation step (README, Reproduce Table I, for what h = 0.1 gives).\n", strings.Join(lost, "; "))
	} else {
		w("- On the non-separable system(s) this work is better than every baseline on every test set.\n")
	}
	return b.String()
}

// separable marks the systems whose H = T(p) + V(q).
var separable = map[string]bool{"double-well": true, "henon-heiles": true, "pendulum": true}

func duration(sec float64) string {
	if sec < 120 {
		return fmt.Sprintf("%.1f s", sec)
	}
	return fmt.Sprintf("%.1f min", sec/60)
}

func noise(n float64) float64 {
	switch {
	case n == 0:
		return 0.01
	case n < 0:
		return 0
	}
	return n
}
