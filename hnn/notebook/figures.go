package notebook

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// CoordNames names the coordinates of a state of s: q, p for one degree of
// freedom; qx, qy, px, py for Hénon–Heiles; q1…qd, p1…pd otherwise.
func CoordNames(s system.System) []string {
	d := s.Dim()
	if d == 1 {
		return []string{"q", "p"}
	}
	if s.Name() == "henon-heiles" {
		return []string{"qx", "qy", "px", "py"}
	}
	out := make([]string, 2*d)
	for i := range d {
		out[i], out[d+i] = fmt.Sprintf("q%d", i+1), fmt.Sprintf("p%d", i+1)
	}
	return out
}

// LossFigure plots the training and validation losses (log scale) and the
// learning rate against the epoch.
func LossFigure(hist []train.Epoch) *Figure {
	f := &Figure{}
	var ep, tr, va, lr []float64
	for _, e := range hist {
		ep = append(ep, float64(e.Epoch))
		tr = append(tr, e.TrainLoss)
		va = append(va, e.ValLoss)
		lr = append(lr, e.LR)
	}
	p := f.Add("loss (26)", "epoch", "mean squared error")
	p.LogY = true
	p.Line("train", Palette[0], ep, tr)
	p.Line("validation", Palette[1], ep, va)
	if len(ep) == 1 {
		p.Scatter("", Palette[0], ep, tr, 3).Scatter("", Palette[1], ep, va, 3)
	}
	q := f.Add("learning rate (plateau schedule)", "epoch", "lr")
	q.LogY = true
	q.Line("", Palette[2], ep, lr)
	if len(ep) == 1 {
		q.Scatter("", Palette[2], ep, lr, 3)
	}
	return f
}

// DataFigure shows the observed states of up to maxTraj trajectories of set
// (noise included), one panel per degree of freedom (q_i, p_i), with the
// initial conditions' distribution: the training data of the notebooks.
func DataFigure(s system.System, set *data.Trajectories, maxTraj int) *Figure {
	names := CoordNames(s)
	d := set.Dim
	f := &Figure{Title: fmt.Sprintf("training data: %d trajectories × %d observed states, Δt = %g (showing %d)",
		set.N(), set.Steps()+1, set.Dt, min(maxTraj, set.N()))}
	for i := range d {
		p := f.Add(fmt.Sprintf("observed states (%s, %s)", names[i], names[d+i]), names[i], names[d+i])
		p.Equal = d == 1
		var xs, ys [][]float64
		var x0, y0 []float64
		for k := range min(maxTraj, set.N()) {
			tr := set.States[k]
			x, y := make([]float64, len(tr)), make([]float64, len(tr))
			for m, st := range tr {
				x[m], y[m] = st[i], st[d+i]
			}
			xs, ys = append(xs, x), append(ys, y)
			x0 = append(x0, tr[0][i])
			y0 = append(y0, tr[0][d+i])
		}
		p.Lines("observed trajectories", Palette[0], xs, ys)
		p.Scatter("initial conditions", Palette[1], x0, y0, 1.6)
	}
	return f
}

// SliceGrid returns an n×n grid over axes i and j of box, the other
// coordinates at the box's centre (for a slice domain: its fixed values), in
// row-major order with j varying slowest, and the grid's x and y values.
func SliceGrid(box system.Box, i, j, n int) (points [][]float64, xs, ys []float64) {
	lin := func(lo, hi float64) []float64 {
		v := make([]float64, n)
		for k := range n {
			v[k] = lo + (hi-lo)*float64(k)/float64(n-1)
		}
		return v
	}
	xs, ys = lin(box.Lo[i], box.Hi[i]), lin(box.Lo[j], box.Hi[j])
	centre := make([]float64, len(box.Lo))
	for k := range centre {
		centre[k] = (box.Lo[k] + box.Hi[k]) / 2
	}
	for _, y := range ys {
		for _, x := range xs {
			pt := append([]float64(nil), centre...)
			pt[i], pt[j] = x, y
			points = append(points, pt)
		}
	}
	return points, xs, ys
}

// ErrorHeatmaps draws H_true and, for each model, |H_pred − H_true − c|
// (c = mean(H_pred − H_true) over the grid, the gauge) on an n×n grid of
// box over the axes (i, j); the other coordinates sit at the box's centre.
func ErrorHeatmaps(s system.System, models []*Learned, box system.Box, i, j, n int) (*Figure, error) {
	names := CoordNames(s)
	pts, xs, ys := SliceGrid(box, i, j, n)
	truth := make([]float64, len(pts))
	for k, y := range pts {
		truth[k] = s.H(y)
	}
	grid := func(v []float64) [][]float64 {
		z := make([][]float64, n)
		for r := range n {
			z[r] = v[r*n : (r+1)*n]
		}
		return z
	}
	title := fmt.Sprintf("|H_pred − H_true − c| over (%s, %s)", names[i], names[j])
	if len(box.Free()) > 2 {
		title += " (other coordinates at 0)"
	} else if len(box.Lo) > 2 {
		title += " on the slice"
		for k := range box.Lo {
			if k != i && k != j {
				title += fmt.Sprintf(" %s = %g", names[k], box.Lo[k])
			}
		}
	}
	f := &Figure{Title: title, PanelW: 300, PanelH: 270, Cols: 4}
	f.Add("H_true", names[i], names[j]).Heatmap("H", grid(truth), xs[0], xs[n-1], ys[0], ys[n-1])
	for _, m := range models {
		pred, err := m.Energy(pts)
		if err != nil {
			return nil, err
		}
		e, c := eval.GaugeError(pred, truth)
		abs := make([]float64, len(pts))
		for k := range pts {
			abs[k] = math.Abs(pred[k] - truth[k] - c)
		}
		f.Add(fmt.Sprintf("%s (mean %.2g)", m.Name, e), names[i], names[j]).Heatmap("|error|", grid(abs), xs[0], xs[n-1], ys[0], ys[n-1])
	}
	return f, nil
}

// PhasePortraits integrates the true system and every model from the
// initial states y0 for steps steps of dt, and draws the orbits projected on
// axes (i, j): one panel for the true flow, one per model.
func PhasePortraits(s system.System, models []*Learned, y0 [][]float64, dt float64, steps, i, j int) (*Figure, error) {
	names := CoordNames(s)
	f := &Figure{Title: fmt.Sprintf("phase portraits: %d orbits, t ∈ [0, %g], projected on (%s, %s)", len(y0), float64(steps)*dt, names[i], names[j]),
		Cols: 4, PanelW: 300, PanelH: 280}
	add := func(title string, trajs [][][]float64, color string) {
		p := f.Add(title, names[i], names[j])
		p.Equal = true
		var xs, ys [][]float64
		for _, tr := range trajs {
			x, y := make([]float64, len(tr)), make([]float64, len(tr))
			for k, st := range tr {
				x[k], y[k] = st[i], st[j]
			}
			xs, ys = append(xs, x), append(ys, y)
		}
		p.Lines("", color, xs, ys)
		var sx, sy []float64
		for _, st := range y0 {
			sx, sy = append(sx, st[i]), append(sy, st[j])
		}
		p.Scatter("", "#000", sx, sy, 2)
	}
	truth, err := TrueRollout(s, y0, dt, steps)
	if err != nil {
		return nil, err
	}
	add("true H", truth, "#333")
	for k, m := range models {
		tr, err := m.Rollout(y0, dt, steps)
		if err != nil {
			return nil, err
		}
		add("learned: "+m.Name, tr, Palette[k%len(Palette)])
	}
	f.ShareAxes(0)
	return f, nil
}

// EnergyFigure integrates every model from y0 for steps steps of dt (the
// implicit midpoint rule on the learned H) and plots, against time, the
// drift of the true energy |H(y_t) − H(y_0)| averaged over the initial
// states, beside the drift of each model's own learned energy. The exact
// flow (order-6 reference) is drawn for scale.
func EnergyFigure(s system.System, models []*Learned, y0 [][]float64, dt float64, steps int) (*Figure, error) {
	f := &Figure{Title: fmt.Sprintf("long rollouts: %d initial states, %d steps of %g (t = %g)", len(y0), steps, dt, float64(steps)*dt),
		PanelW: 420, PanelH: 290}
	tp := f.Add("true energy along the rollout", "t", "mean |H(y_t) − H(y_0)|")
	tp.LogY = true
	lp := f.Add("learned energy along the rollout", "t", "mean |H_θ(y_t) − H_θ(y_0)|")
	lp.LogY = true
	ts := make([]float64, steps+1)
	for k := range ts {
		ts[k] = float64(k) * dt
	}
	meanDrift := func(e [][]float64) []float64 {
		out := make([]float64, steps+1)
		for _, row := range e {
			for k, v := range row {
				out[k] += math.Abs(v-row[0]) / float64(len(e))
			}
		}
		out[0] = math.NaN()
		return out
	}
	truth, err := TrueRollout(s, y0, dt, steps)
	if err != nil {
		return nil, err
	}
	tp.Line("exact flow", "#999", ts, meanDrift(EnergyAlong(s.H, truth))).Dashed()
	for k, m := range models {
		tr, err := m.Rollout(y0, dt, steps)
		if err != nil {
			return nil, err
		}
		c := Palette[k%len(Palette)]
		tp.Line(m.Name, c, ts, meanDrift(EnergyAlong(s.H, tr)))
		le, err := m.EnergyAlong(tr)
		if err != nil {
			return nil, err
		}
		lp.Line(m.Name, c, ts, meanDrift(le))
	}
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

// HenonHeilesSectionStarts returns n initial states on the Poincaré section
// qx = 0 of the Hénon–Heiles system at energy E, spread over the allowed
// (qy, py) region with px > 0 solving H = E. The draw is deterministic in seed.
func HenonHeilesSectionStarts(E float64, n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out [][]float64
	for len(out) < n {
		qy := -0.6 + 1.2*rng.Float64()
		py := -0.6 + 1.2*rng.Float64()
		v := qy*qy/2 - qy*qy*qy/3
		px2 := 2*(E-v) - py*py
		if px2 <= 0.01 {
			continue
		}
		out = append(out, []float64{0, qy, math.Sqrt(px2), py})
	}
	return out
}

// PoincareFigure integrates the true system and every model from y0 and
// draws their Poincaré sections (crossings of y[axis] = 0 upwards) on
// coordinates (i, j), one panel each.
func PoincareFigure(s system.System, models []*Learned, y0 [][]float64, dt float64, steps, axis, i, j int) (*Figure, error) {
	names := CoordNames(s)
	f := &Figure{Title: fmt.Sprintf("Poincaré sections %s = 0 (upward), %d orbits, t ∈ [0, %g]", names[axis], len(y0), float64(steps)*dt),
		Cols: 4, PanelW: 300, PanelH: 290}
	draw := func(title string, trajs [][][]float64) {
		p := f.Add(title, names[i], names[j])
		p.Equal = true
		for k := range trajs {
			xs, ys := PoincareSection(trajs[k:k+1], axis, i, j)
			p.Scatter("", Palette[k%len(Palette)], xs, ys, 1.7)
		}
	}
	truth, err := TrueRollout(s, y0, dt, steps)
	if err != nil {
		return nil, err
	}
	draw("true H", truth)
	for _, m := range models {
		tr, err := m.Rollout(y0, dt, steps)
		if err != nil {
			return nil, err
		}
		draw("learned: "+m.Name, tr)
	}
	f.ShareAxes(0)
	return f, nil
}

// ComparisonFigure draws the evaluation errors of several models as grouped
// bars on a log scale, one group per domain/test set.
func ComparisonFigure(names []string, results [][]eval.Result) *Figure {
	var cats []string
	idx := map[string]int{}
	for _, rs := range results {
		for _, r := range rs {
			k := r.Set
			if r.Domain != "box" || len(rs) > 3 {
				k = r.Domain + "/" + r.Set
			}
			if _, ok := idx[k]; !ok {
				idx[k] = len(cats)
				cats = append(cats, k)
			}
		}
	}
	f := &Figure{PanelW: 120*len(cats) + 200, PanelH: 300}
	p := f.Add("mean |H_pred − H_true − c| by test set", "", "error (log scale)")
	p.LogY = true
	p.Categories = cats
	for m, rs := range results {
		v := make([]float64, len(cats))
		for k := range v {
			v[k] = math.NaN()
		}
		for _, r := range rs {
			k := r.Set
			if r.Domain != "box" || len(rs) > 3 {
				k = r.Domain + "/" + r.Set
			}
			v[idx[k]] = r.Error
		}
		p.Bar(names[m], "", v)
	}
	return f
}

// Starts returns n initial states for phase portraits of a one-degree-of-
// freedom system: points on the diagonal of box between its centre and its
// upper corner scaled by 0.15…0.9 (deterministic).
func Starts(box system.Box, n int) [][]float64 {
	var out [][]float64
	for k := range n {
		t := 0.15 + 0.75*float64(k)/float64(max(n-1, 1))
		y := make([]float64, len(box.Lo))
		for a := range y {
			c := (box.Lo[a] + box.Hi[a]) / 2
			y[a] = c + t*(box.Hi[a]-c)
		}
		if len(y) == 2 {
			y[1] = (box.Lo[1] + box.Hi[1]) / 2 // start at p = centre: orbits through (q, 0)
		}
		out = append(out, y)
	}
	return out
}

// EnergyMap draws a learned H over box on axes (i, j) (other coordinates at
// the box's centre) as a heat map, with the model's orbits from y0 (steps
// steps of dt, implicit midpoint) on top: what a model trained on data
// without a known Hamiltonian can show. names labels the axes (nil: q, p, …).
func EnergyMap(m *Learned, box system.Box, i, j, n int, y0 [][]float64, dt float64, steps int, names []string) (*Figure, error) {
	if names == nil {
		d := m.Hamiltonian.Dim()
		names = CoordNames(system.Func{SystemName: "", D: d})
	}
	pts, xs, ys := SliceGrid(box, i, j, n)
	e, err := m.Energy(pts)
	if err != nil {
		return nil, err
	}
	z := make([][]float64, n)
	for r := range n {
		z[r] = e[r*n : (r+1)*n]
	}
	f := &Figure{PanelW: 420, PanelH: 380}
	p := f.Add(fmt.Sprintf("learned H (%s) and its orbits", m.Name), names[i], names[j])
	p.Heatmap("H_θ", z, xs[0], xs[n-1], ys[0], ys[n-1])
	if len(y0) > 0 && steps > 0 {
		tr, err := m.Rollout(y0, dt, steps)
		if err != nil {
			return nil, err
		}
		var ox, oy [][]float64
		for _, t := range tr {
			x, y := make([]float64, len(t)), make([]float64, len(t))
			for k, st := range t {
				x[k], y[k] = st[i], st[j]
			}
			ox, oy = append(ox, x), append(oy, y)
		}
		p.Lines("orbits of H_θ", "#ffffff", ox, oy)
	}
	return f, nil
}
