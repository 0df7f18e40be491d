package figure

import (
	"fmt"
	"math"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Region is a set of states a heat map scores, with the rectangle of axes
// (I, J) that the map covers and its number of cells per axis; each cell
// shows the mean over the states that fall in it.
type Region struct {
	// Name says what the states are, e.g. "60 × 60 grid" or "uniform test set".
	Name   string
	Points [][]float64
	// I and J are the coordinates drawn on the x and y axes.
	I, J int
	// X and Y are the rectangle's ranges on axes I and J.
	X, Y [2]float64
	// Cells is the number of cells per axis.
	Cells int
}

// GridRegion is an n×n grid of states over axes i and j of box, the other
// coordinates at the box's centre (a slice's fixed values), one cell per
// grid point.
func GridRegion(box system.Box, i, j, n int) Region {
	if n < 2 {
		panic(fmt.Sprintf("figure: a grid needs ≥ 2 points per axis, got %d", n))
	}
	pts, xs, ys := SliceGrid(box, i, j, n)
	dx, dy := (xs[n-1]-xs[0])/float64(n-1), (ys[n-1]-ys[0])/float64(n-1)
	return Region{Name: fmt.Sprintf("%d × %d grid", n, n), Points: pts, I: i, J: j,
		X: [2]float64{xs[0] - dx/2, xs[n-1] + dx/2}, Y: [2]float64{ys[0] - dy/2, ys[n-1] + dy/2}, Cells: n}
}

// TestSetRegion is an evaluation test set of domain dom (eval.Sets) on axes
// i and j: the grid set binned one cell per grid point, the uniform set in
// 40 × 40 cells of the box, the Gaussian set in 40 × 40 cells of ±3σ.
func TestSetRegion(dom system.Domain, set eval.Set, i, j int) Region {
	r := Region{Name: set.Name + " test set", Points: set.Points, I: i, J: j, Cells: 40,
		X: [2]float64{dom.Box.Lo[i], dom.Box.Hi[i]}, Y: [2]float64{dom.Box.Lo[j], dom.Box.Hi[j]}}
	switch set.Name {
	case "grid":
		r.Cells = dom.GridPerAxis
	case "gaussian":
		s := 3 * dom.Sigma
		r.X, r.Y = [2]float64{-s, s}, [2]float64{-s, s}
	}
	return r
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

// bin returns the per-cell means of values over r's rectangle.
func (r Region) bin(values []float64) plot.Heat {
	xs, ys := make([]float64, len(r.Points)), make([]float64, len(r.Points))
	for k, y := range r.Points {
		xs[k], ys[k] = y[r.I], y[r.J]
	}
	return plot.BinMean(xs, ys, values, r.X[0], r.X[1], r.Y[0], r.Y[1], r.Cells, r.Cells)
}

// where describes the coordinates of r's states other than I and J: their
// values where all states share them ("qx = 0.1, px = 0.2"), else "projected".
func (r Region) where(names []string) string {
	var fixed []string
	projected := false
	for k := range names {
		if k == r.I || k == r.J {
			continue
		}
		v := r.Points[0][k]
		same := true
		for _, y := range r.Points {
			if y[k] != v {
				same = false
				break
			}
		}
		if same {
			fixed = append(fixed, fmt.Sprintf("%s = %g", names[k], v))
		} else {
			projected = true
		}
	}
	switch {
	case projected:
		return "projected"
	case len(fixed) > 0:
		return strings.Join(fixed, ", ")
	}
	return ""
}

// MapOptions chooses what ErrorMaps draws. The zero value draws one panel
// per model on a linear colour scale.
type MapOptions struct {
	// ShowTrue adds a first panel with the true energy H over the region.
	ShowTrue bool
	// Log colours the errors by log₁₀ (cells of error 0 at 10⁻¹²).
	Log bool
}

// ErrorMaps scores every model on the states of r against the true system
// s and draws the gauge-fixed error |H_pred − H_true − c| (c = the mean of
// H_pred − H_true over r, removed per model) as a heat map per model, each
// cell the mean over its states; the panel titles give each model's mean.
func ErrorMaps(s system.System, models []Labeled, r Region, opt MapOptions) (*plot.Figure, error) {
	checkModels(models)
	if s == nil {
		panic("figure: ErrorMaps needs the true system")
	}
	if len(r.Points) == 0 {
		panic("figure: ErrorMaps needs states to score")
	}
	names := system.CoordNames(s)
	title := fmt.Sprintf("|H_pred − H_true − c| on the %s over (%s, %s)", r.Name, names[r.I], names[r.J])
	if w := r.where(names); w != "" {
		title += " (" + w + ")"
	}
	f := &plot.Figure{Title: title, Cols: 4}
	truth := eval.TrueEnergy(s, r.Points)
	if opt.ShowTrue {
		h := r.bin(truth)
		f.Add("H_true", names[r.I], names[r.J]).Heatmap("H", h.Z, r.X[0], r.X[1], r.Y[0], r.Y[1])
	}
	zlabel := "|error|"
	if opt.Log {
		zlabel = "log₁₀ |error|"
	}
	for _, m := range models {
		pred, err := m.Model.Energy(r.Points)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		errs, _ := eval.PointErrors(pred, truth)
		mean := 0.0
		for _, e := range errs {
			mean += e
		}
		mean /= float64(len(errs))
		h := r.bin(errs)
		if opt.Log {
			for _, row := range h.Z {
				for k, v := range row {
					row[k] = math.Log10(math.Max(v, 1e-12))
				}
			}
		}
		f.Add(fmt.Sprintf("%s (mean %.3g)", m.Label, mean), names[r.I], names[r.J]).Heatmap(zlabel, h.Z, r.X[0], r.X[1], r.Y[0], r.Y[1])
	}
	return f, nil
}

// EnergyLandscape draws the learned H of m over box on axes (i, j) (other
// coordinates at the box's centre, an n×n grid) as a heat map, with the
// model's orbits from y0 (steps steps of dt) in white on top: what a model
// trained on data without a known Hamiltonian can show. names labels the
// axes (nil: the system's coordinate names, or system.DefaultCoordNames).
func EnergyLandscape(m Labeled, box system.Box, i, j, n int, y0 [][]float64, dt float64, steps int, names []string) (*plot.Figure, error) {
	checkModels([]Labeled{m})
	if names == nil {
		names = coordNames(m.Model.System, m.Model.Dim())
	}
	r := GridRegion(box, i, j, n)
	e, err := m.Model.Energy(r.Points)
	if err != nil {
		return nil, err
	}
	h := r.bin(e)
	f := &plot.Figure{}
	p := f.Add(fmt.Sprintf("learned H (%s) and its orbits", m.Label), names[i], names[j])
	p.Heatmap("H_θ", h.Z, r.X[0], r.X[1], r.Y[0], r.Y[1])
	if len(y0) > 0 && steps > 0 {
		tr, _, err := Rollout(m.Model, y0, dt, steps)
		if err != nil {
			return nil, err
		}
		ox, oy := project(tr, i, j)
		p.Lines("orbits of H_θ", "#ffffff", ox, oy)
	}
	return f, nil
}
