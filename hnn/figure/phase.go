package figure

import (
	"fmt"

	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// PhasePortraits integrates the true system s and every model from the
// initial states y0 for steps steps of dt and draws the orbits projected on
// axes (i, j): one panel for the true flow, one per model with the true
// orbits dashed in grey beneath the learned ones, all on shared axes. With
// s nil (no known system) only the models' panels are drawn.
func PhasePortraits(s system.System, models []Labeled, y0 [][]float64, dt float64, steps, i, j int) (*plot.Figure, error) {
	checkModels(models)
	if len(models) == 0 {
		panic("figure: PhasePortraits needs a model")
	}
	names := coordNames(s, models[0].Model.Dim())
	title := fmt.Sprintf("phase portraits: %d orbits, 0 ≤ t ≤ %g, projected on (%s, %s)", len(y0), float64(steps)*dt, names[i], names[j])
	if s != nil {
		title += "; true orbits dashed grey"
	}
	f := &plot.Figure{Title: title, Cols: 4}
	var sx, sy []float64
	for _, st := range y0 {
		sx, sy = append(sx, st[i]), append(sy, st[j])
	}
	var tx, ty [][]float64
	if s != nil {
		truth, err := TrueRollout(s, y0, dt, steps)
		if err != nil {
			return nil, err
		}
		tx, ty = project(truth, i, j)
		p := f.Add("true H", names[i], names[j])
		p.Equal = true
		p.Lines("", "#333333", tx, ty).Scatter("", "#000000", sx, sy, 2)
	}
	for k, m := range models {
		tr, _, err := Rollout(m.Model, y0, dt, steps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		p := f.Add("learned: "+m.Label, names[i], names[j])
		p.Equal = true
		if tx != nil {
			p.Lines("", "#b0b0b0", tx, ty).Dashed()
		}
		lx, ly := project(tr, i, j)
		p.Lines("", color(k), lx, ly).Scatter("", "#000000", sx, sy, 2)
	}
	f.ShareAxes(0)
	return f, nil
}

// PoincareSection returns the points where the trajectories cross the
// hyperplane y[axis] = 0 upwards (y[axis] increasing), linearly
// interpolated, projected on coordinates i and j.
func PoincareSection(trajs [][][]float64, axis, i, j int) (xs, ys []float64) {
	for _, tr := range trajs {
		for k := 1; k < len(tr); k++ {
			a, b := tr[k-1][axis], tr[k][axis]
			if a < 0 && b >= 0 {
				t := a / (a - b)
				xs = append(xs, tr[k-1][i]+t*(tr[k][i]-tr[k-1][i]))
				ys = append(ys, tr[k-1][j]+t*(tr[k][j]-tr[k-1][j]))
			}
		}
	}
	return xs, ys
}

// Poincare integrates the true system s and every model from y0 and draws
// their Poincaré sections (crossings of y[axis] = 0 upwards) on coordinates
// (i, j), one panel each, one colour per orbit.
func Poincare(s system.System, models []Labeled, y0 [][]float64, dt float64, steps, axis, i, j int) (*plot.Figure, error) {
	checkModels(models)
	d := len(y0[0]) / 2
	names := coordNames(s, d)
	f := &plot.Figure{Title: fmt.Sprintf("Poincaré sections %s = 0 (upward), %d orbits, 0 ≤ t ≤ %g", names[axis], len(y0), float64(steps)*dt),
		Cols: 4}
	draw := func(title string, trajs [][][]float64) {
		p := f.Add(title, names[i], names[j])
		p.Equal = true
		for k := range trajs {
			xs, ys := PoincareSection(trajs[k:k+1], axis, i, j)
			p.Scatter("", color(k), xs, ys, 1.7)
		}
	}
	if s != nil {
		truth, err := TrueRollout(s, y0, dt, steps)
		if err != nil {
			return nil, err
		}
		draw("true H", truth)
	}
	for _, m := range models {
		tr, _, err := Rollout(m.Model, y0, dt, steps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		draw("learned: "+m.Label, tr)
	}
	f.ShareAxes(0)
	return f, nil
}
