package figure

import (
	"fmt"
	"math"
	"slices"

	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/plot"
)

// Scores is one model's evaluation results (hnn.Model.Evaluate) with its label.
type Scores struct {
	Label   string
	Results []eval.Result
}

// Comparison draws the evaluation errors of several models as grouped bars
// on a log scale, one group per test set (domain/test set when a model has
// several domains).
func Comparison(scores ...Scores) *plot.Figure {
	var cats []string
	idx := map[string]int{}
	key := func(rs []eval.Result, r eval.Result) string {
		if r.Domain != "box" || len(rs) > 3 {
			return r.Domain + "/" + r.Set
		}
		return r.Set
	}
	for _, s := range scores {
		for _, r := range s.Results {
			if k := key(s.Results, r); !slices.Contains(cats, k) {
				idx[k] = len(cats)
				cats = append(cats, k)
			}
		}
	}
	f := &plot.Figure{}
	f.PanelWidth = plot.Cm(9 * (0.6 + 0.35*float64(max(len(cats), 1))))
	p := f.Add("mean |H_pred − H_true − c| by test set", "", "error (log scale)")
	p.LogY = true
	p.Categories = cats
	for m, s := range scores {
		v := make([]float64, len(cats))
		for k := range v {
			v[k] = math.NaN()
		}
		for _, r := range s.Results {
			v[idx[key(s.Results, r)]] = r.Error
		}
		p.Bar(s.Label, color(m), v)
	}
	return f
}

// Memory draws Figure VIII of the paper from bench.Memory's results: peak
// resident memory (MiB) and time per training step (ms) against the rollout
// length N, one line with markers per gradient method, both axes
// logarithmic, side by side.
func Memory(results []bench.MemoryResult) *plot.Figure {
	var methods []string
	for _, r := range results {
		if !slices.Contains(methods, r.Gradient) {
			methods = append(methods, r.Gradient)
		}
	}
	f := &plot.Figure{Title: "memory and time of one training step vs rollout length (a fresh process per point)"}
	mem := f.Add("peak resident memory", "rollout length N", "MiB")
	tim := f.Add("time per training step", "rollout length N", "ms")
	for _, p := range []*plot.Panel{mem, tim} {
		p.LogX, p.LogY, p.LegendLeft = true, true, true
	}
	for i, m := range methods {
		var ns, mb, ms []float64
		for _, r := range results {
			if r.Gradient == m {
				ns = append(ns, float64(r.Rollout))
				mb = append(mb, float64(r.PeakRSSBytes)/(1<<20))
				ms = append(ms, r.MsPerStep)
			}
		}
		c := color(i)
		mem.Line(m, c, ns, mb).Scatter("", c, ns, mb, 3)
		tim.Line(m, c, ns, ms).Scatter("", c, ns, ms, 3)
	}
	return f
}

// SweepCurve is one model's error against the observation step h on each
// test set (uniform, grid, Gaussian), with the fitted slopes.
type SweepCurve struct {
	Label  string
	H      [][]float64 // per test set: the steps
	Errors [][]float64 // per test set: the mean errors
	Slopes []float64   // per test set: the fitted slope (NaN if none)
	// Dashed draws the curve dashed in the colour of the curve before it
	// (a variant of the same model, e.g. its bias-corrected energy).
	Dashed bool
}

// Sweep draws the observation-step sweep of one system: per test set, the
// error of every model against h, log–log, each legend entry with its
// slope fitted over h ≥ from.
func Sweep(sys string, curves []SweepCurve, from float64) *plot.Figure {
	sets := []string{"uniform", "grid", "Gaussian"}
	f := &plot.Figure{Title: fmt.Sprintf("%s: error against the observation step h (slopes fitted over h ≥ %g; dashed: a variant of the model above it)", sys, from)}
	// One colour per model, its variants dashed in the same colour.
	colours := make([]int, len(curves))
	next := -1
	for i, c := range curves {
		if !c.Dashed || i == 0 {
			next++
		}
		colours[i] = next
	}
	// One error range for every panel, with the top half of the (log)
	// height left to the first panel's legend.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, es := range c.Errors {
			for _, e := range es {
				if e > 0 && !math.IsInf(e, 0) {
					lo, hi = math.Min(lo, e), math.Max(hi, e)
				}
			}
		}
	}
	for k, set := range sets {
		p := f.Add(set+" test set", "observation step h", "mean |H_pred − H_true − c|")
		p.LogX, p.LogY, p.LegendLeft = true, true, true
		if lo < hi {
			lo := lo / 1.3
			p.YMin, p.YMax = lo, lo*math.Pow(hi*1.3/lo, 1/0.5)
		}
		for i, c := range curves {
			if k >= len(c.H) || len(c.H[k]) == 0 {
				continue
			}
			lbl := ""
			if k == 0 { // the legend once, in the first panel
				lbl = c.Label
				if k < len(c.Slopes) && !math.IsNaN(c.Slopes[k]) {
					lbl = fmt.Sprintf("%s (slope %.1f)", c.Label, c.Slopes[k])
				}
			}
			col := color(colours[i])
			p.Line(lbl, col, c.H[k], c.Errors[k])
			if c.Dashed {
				p.Dashed()
			}
			p.Scatter("", col, c.H[k], c.Errors[k], 2.5)
		}
	}
	f.PanelWidth = plot.Cm(11)
	f.PanelHeight = plot.Cm(11)
	return f
}

// BudgetTerm is one data variant of an error budget: a model's error
// against h on one kind of data (e.g. clean data of its own map).
type BudgetTerm struct {
	Label  string
	H      []float64
	Errors []float64
}

// BudgetPanel is one model's (or energy's) terms of an error budget.
type BudgetPanel struct {
	Label string
	Terms []BudgetTerm
}

// Budget draws the error budget of one system on one test set: a panel
// per model, four a row, a line per data variant (the same colour for the
// k-th term of every panel; the legend in the first), error against h on
// log–log axes. Where the lines are apart the term they differ by
// dominates; where they meet it does not count.
func Budget(sys, set string, panels []BudgetPanel) *plot.Figure {
	f := &plot.Figure{Title: fmt.Sprintf("%s: error budget on the %s test set", sys, set)}
	for k, pn := range panels {
		p := f.Add(pn.Label, "observation step h", "mean |H_pred − H_true − c|")
		p.LogX, p.LogY = true, true
		for i, t := range pn.Terms {
			if len(t.H) == 0 {
				continue
			}
			lbl := ""
			if k == 0 {
				lbl = t.Label
			}
			p.Line(lbl, color(i), t.H, t.Errors).Scatter("", color(i), t.H, t.Errors, 2.5)
		}
	}
	// One error range for every panel (ShareAxes leaves log axes alone),
	// widened by a factor 1.3 each side, the top 30 % of the (log) height
	// left to the legend.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pn := range panels {
		for _, t := range pn.Terms {
			for _, e := range t.Errors {
				if e > 0 && !math.IsInf(e, 0) {
					lo, hi = math.Min(lo, e), math.Max(hi, e)
				}
			}
		}
	}
	if lo < hi {
		for _, p := range f.Panels {
			p.YMin, p.YMax = lo/1.3, lo/1.3*math.Pow(hi*1.69/lo, 1/0.7)
		}
	}
	f.Cols = min(len(panels), 4)
	f.PanelWidth = plot.Cm(10)
	f.PanelHeight = plot.Cm(8.5)
	return f
}
