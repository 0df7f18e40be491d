package figure

import (
	"fmt"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Data shows the observed states of up to maxTraj trajectories of set
// (noise included), one panel per degree of freedom (q_i, p_i), with the
// initial conditions: the training data. names labels the coordinates
// (nil: system.DefaultCoordNames).
func Data(set *data.Trajectories, names []string, maxTraj int) *plot.Figure {
	d := set.Dim
	if names == nil {
		names = coordNames(nil, d)
	}
	show := min(maxTraj, set.N())
	title := fmt.Sprintf("training data: %d trajectories × %d observed states, Δt = %g (showing %d)",
		set.N(), set.Steps()+1, set.Dt, show)
	if set.System != "" {
		title = set.System + ", " + title
	}
	f := &plot.Figure{Title: title}
	for i := range d {
		p := f.Add(fmt.Sprintf("observed states (%s, %s)", names[i], names[d+i]), names[i], names[d+i])
		p.Equal = d == 1
		var x0, y0 []float64
		xs, ys := project(set.States[:show], i, d+i)
		for _, tr := range set.States[:show] {
			x0, y0 = append(x0, tr[0][i]), append(y0, tr[0][d+i])
		}
		p.Lines("observed trajectories", color(0), xs, ys)
		p.Scatter("initial conditions", color(1), x0, y0, 1.6)
	}
	return f
}

// Loss is one training run's history with its label.
type Loss struct {
	Label   string
	History []train.Epoch
}

// Losses plots training (solid) and validation (dashed) losses against the
// epoch on a log scale, one colour per run, and for a single run the
// learning rate of the plateau schedule in a second panel. The losses of
// different objectives are different quantities (HNN and SHNN regress
// derivatives): compare the curves' shapes across objectives, not their levels.
func Losses(runs ...Loss) *plot.Figure {
	f := &plot.Figure{}
	title, ylabel := "loss (26)", "mean squared error"
	if len(runs) > 1 {
		title, ylabel = "train (solid), validation (dashed)", "loss of each model's own objective"
		f.PanelWidth = plot.Cm(14)
	}
	p := f.Add(title, "epoch", ylabel)
	p.LogY = true
	p.LegendLeft, p.LegendBottom = true, true
	var lr *plot.Panel
	if len(runs) == 1 {
		lr = f.Add("learning rate (plateau schedule)", "epoch", "lr")
		lr.LogY = true
	}
	for k, r := range runs {
		var ep, tr, va, rate []float64
		for _, e := range r.History {
			ep, tr, va, rate = append(ep, float64(e.Epoch)), append(tr, e.TrainLoss), append(va, e.ValLoss), append(rate, e.LR)
		}
		trainLabel, valLabel := r.Label, ""
		if len(runs) == 1 {
			trainLabel, valLabel = "train", "validation"
		}
		c, cv := color(k), color(k)
		if len(runs) == 1 {
			cv = color(1)
		}
		p.Line(trainLabel, c, ep, tr)
		p.Line(valLabel, cv, ep, va).Dashed()
		if len(ep) == 1 { // a single epoch draws no line: mark it
			p.Scatter("", c, ep, tr, 3).Scatter("", cv, ep, va, 3)
		}
		if lr != nil {
			lr.Line("", color(2), ep, rate)
			if len(ep) == 1 {
				lr.Scatter("", color(2), ep, rate, 3)
			}
		}
	}
	return f
}
