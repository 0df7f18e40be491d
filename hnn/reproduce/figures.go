package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// FigureDir is the sub-directory of the output directory holding the figures.
const FigureDir = "figures"

// axisNames names the phase-space coordinates of a d-degree-of-freedom system.
func axisNames(d int) []string {
	if d == 1 {
		return []string{"q", "p"}
	}
	if d == 2 {
		return []string{"qx", "qy", "px", "py"}
	}
	var n []string
	for i := range d {
		n = append(n, fmt.Sprintf("q%d", i+1))
	}
	for i := range d {
		n = append(n, fmt.Sprintf("p%d", i+1))
	}
	return n
}

// figures writes the figures of one system (from the first seed's models)
// and returns their paths relative to outDir and the long-rollout results.
func figures(p *Protocol, outDir, sys string, trainSet *data.Trajectories, models map[string]*hnn.Model,
	runs []RunResult, order []string) ([]string, []RolloutResult, error) {
	s, err := system.Lookup(sys, system.Options{Alpha: p.SystemSpec(sys).Alpha})
	if err != nil {
		return nil, nil, err
	}
	dom := s.Domains()[0]
	free := dom.Box.Free()
	if len(free) != 2 {
		return nil, nil, fmt.Errorf("the primary domain of %s has %d free axes; figures need 2", sys, len(free))
	}
	ax, ay := free[0], free[1]
	names := axisNames(s.Dim())
	where := ""
	if fixed := fixedAxes(dom.Box, names); fixed != "" {
		where = " (" + fixed + ")"
	}
	var files []string
	save := func(name string, fn func(path string) error) error {
		rel := filepath.Join(FigureDir, sys+"-"+name+".png")
		if err := fn(filepath.Join(outDir, rel)); err != nil {
			return err
		}
		files = append(files, rel)
		return nil
	}

	// (a) Training data: observed states of up to 300 trajectories.
	var xs, ys []float64
	for i := range min(300, trainSet.N()) {
		for _, y := range trainSet.States[i] {
			xs, ys = append(xs, y[ax]), append(ys, y[ay])
		}
	}
	title := fmt.Sprintf("%s: training data (%d of %d trajectories)", sys, min(300, trainSet.N()), trainSet.N())
	if len(dom.Box.Lo) > 2 {
		title += ", projected"
	}
	if err := save("data", plot.Chart{Title: title, XLabel: names[ax], YLabel: names[ay],
		Points: []plot.Series{{X: xs, Y: ys}}, Equal: true}.Save); err != nil {
		return nil, nil, err
	}

	// (b) Train and validation loss of every model (each in its objective's units).
	var lines []plot.Series
	for i, name := range order {
		for _, r := range runs {
			if r.Model != name {
				continue
			}
			var ep, tr, va []float64
			for _, e := range r.History {
				ep, tr, va = append(ep, float64(e.Epoch)), append(tr, e.TrainLoss), append(va, e.ValLoss)
			}
			label := name
			if m, err := baseline.Lookup(name); err == nil {
				label = m.Label
			}
			lines = append(lines, plot.Series{Name: label, X: ep, Y: tr, Color: i + 1},
				plot.Series{X: ep, Y: va, Color: i + 1, Dashed: true})
		}
	}
	if err := save("loss", plot.Chart{Title: sys + ": train (solid) / validation (dashed) loss", XLabel: "epoch",
		YLabel: "loss (HNN, SHNN: derivative units)", LogY: true, Lines: lines, LegendBottom: true, LegendLeft: true}.Save); err != nil {
		return nil, nil, err
	}

	main := "this-work"
	if models[main] == nil {
		main = order[0]
	}
	// Rollouts and energies in float64 (the trained weights, converted), so
	// that float32 round-off does not mask the integrators' behaviour.
	m, err := models[main].AsFloat64()
	if err != nil {
		return nil, nil, err
	}

	// (c) Phase portrait: true orbits (reference integrator) and orbits of
	// the learned H (implicit midpoint, converged), same initial states.
	ics := phaseICs(dom.Box, ax, ay)
	steps := int(math.Round(p.PhaseTime / m.Spec.Dt))
	learned, _, err := m.Flow().Rollout(integrator.ImplicitMidpoint{Iterations: rolloutIterations}, ics, m.Spec.Dt, steps)
	if err != nil {
		return nil, nil, err
	}
	lines = nil
	for i, y0 := range ics {
		truth, err := reference.Trajectory(s, y0, m.Spec.Dt, steps, 0)
		if err != nil {
			return nil, nil, err
		}
		tn, ln := "", ""
		if i == 0 {
			tn, ln = "true H", "learned H ("+main+")"
		}
		lines = append(lines, series(tn, truth, ax, ay, i+1, false), series(ln, learned[i], ax, ay, i+1, true))
	}
	if err := save("phase", plot.Chart{Title: fmt.Sprintf("%s%s: true (solid) vs learned (dashed) orbits, t ≤ %g", sys, where, p.PhaseTime),
		XLabel: names[ax], YLabel: names[ay], Lines: lines, Equal: true}.Save); err != nil {
		return nil, nil, err
	}

	// (d) |H_pred − H_true − c| on the three test sets of the primary domain.
	for _, set := range eval.Sets(dom, eval.DefaultSeed) {
		pred, err := models[main].Energy(set.Points) // the model as evaluated in the table
		if err != nil {
			return nil, nil, err
		}
		errs, _ := eval.PointErrors(pred, trueH(s, set.Points))
		px, py := make([]float64, len(set.Points)), make([]float64, len(set.Points))
		for i, y := range set.Points {
			px[i], py[i] = y[ax], y[ay]
		}
		var h plot.Heat
		switch set.Name {
		case "grid":
			h = plot.BinMean(px, py, errs, dom.Box.Lo[ax], dom.Box.Hi[ax], dom.Box.Lo[ay], dom.Box.Hi[ay], dom.GridPerAxis, dom.GridPerAxis)
		case "gaussian":
			r := 3 * dom.Sigma
			h = plot.BinMean(px, py, errs, -r, r, -r, r, 40, 40)
		default:
			h = plot.BinMean(px, py, errs, dom.Box.Lo[ax], dom.Box.Hi[ax], dom.Box.Lo[ay], dom.Box.Hi[ay], 40, 40)
		}
		mean, _ := eval.GaugeError(pred, trueH(s, set.Points))
		for _, row := range h.Z {
			for i, v := range row {
				row[i] = math.Log10(math.Max(v, 1e-12))
			}
		}
		h.Title = fmt.Sprintf("%s, %s: %s set%s, mean |ΔH| %.3g", sys, main, set.Name, where, mean)
		h.XLabel, h.YLabel, h.ZLabel = names[ax], names[ay], "log10 mean |H_pred − H_true − c| per cell"
		if err := save("error-"+set.Name, h.Save); err != nil {
			return nil, nil, err
		}
	}

	// (e) Energy of the learned H along a long rollout: implicit midpoint
	// (symplectic: bounded error) against RK4 (not symplectic: drift).
	y0 := ics[len(ics)/2]
	var rolls []RolloutResult
	lines = nil
	for i, integ := range []integrator.Integrator{integrator.ImplicitMidpoint{Iterations: rolloutIterations}, integrator.RK4{}} {
		traj, res, err := m.Flow().Rollout(integ, [][]float64{y0}, p.LongDt, p.LongSteps)
		if err != nil {
			return nil, nil, err
		}
		e, err := m.Energy(traj[0])
		if err != nil {
			return nil, nil, err
		}
		name := []string{"implicit-midpoint", "rk4"}[i]
		rr := RolloutResult{System: sys, Model: main, Integrator: name, Steps: p.LongSteps, Dt: p.LongDt, Residual: res}
		stride := max(1, len(e)/2000)
		var t, drift []float64
		for n := range e {
			d := math.Abs(e[n] - e[0])
			if math.IsNaN(d) || math.IsInf(d, 0) {
				d = math.Inf(1)
			}
			rr.MaxDrift = math.Max(rr.MaxDrift, d)
			if n%stride == 0 || n == len(e)-1 {
				t, drift = append(t, float64(n)*p.LongDt), append(drift, d)
			}
		}
		rr.FinalDrift = drift[len(drift)-1]
		rolls = append(rolls, rr)
		lines = append(lines, plot.Series{Name: []string{"implicit midpoint (symplectic)", "RK4 (not symplectic)"}[i], X: t, Y: drift})
	}
	if err := save("energy", plot.Chart{Title: fmt.Sprintf("%s, learned H (%s): %d steps of h = %g", sys, main, p.LongSteps, p.LongDt),
		XLabel: "t", YLabel: "|H_θ(y_n) − H_θ(y_0)|", LogY: true, Lines: lines, LegendBottom: true}.Save); err != nil {
		return nil, nil, err
	}
	slices.Sort(files)
	return files, rolls, nil
}

// fixedAxes describes the axes a box fixes, e.g. "qx = 0.1, px = 0.2".
func fixedAxes(box system.Box, names []string) string {
	var parts []string
	for i := range box.Lo {
		if box.Lo[i] == box.Hi[i] {
			parts = append(parts, fmt.Sprintf("%s = %g", names[i], box.Lo[i]))
		}
	}
	return strings.Join(parts, ", ")
}

func trueH(s system.System, pts [][]float64) []float64 {
	out := make([]float64, len(pts))
	for i, y := range pts {
		out[i] = s.H(y)
	}
	return out
}

// phaseICs returns five initial states in box: fixed axes at their value,
// the free axes (ax, ay) at fractions of the box chosen to show small and
// large orbits (for the double well: inside one well and around both).
func phaseICs(box system.Box, ax, ay int) [][]float64 {
	fr := [][2]float64{{0.6, 0.5}, {0.8, 0.5}, {0.5, 0.75}, {0.95, 0.5}, {0.5, 0.9}}
	var out [][]float64
	for _, f := range fr {
		y := append([]float64(nil), box.Lo...)
		y[ax] = box.Lo[ax] + f[0]*(box.Hi[ax]-box.Lo[ax])
		y[ay] = box.Lo[ay] + f[1]*(box.Hi[ay]-box.Lo[ay])
		out = append(out, y)
	}
	return out
}

func series(name string, traj [][]float64, ax, ay, color int, dashed bool) plot.Series {
	s := plot.Series{Name: name, Color: color, Dashed: dashed}
	for _, y := range traj {
		s.X, s.Y = append(s.X, y[ax]), append(s.Y, y[ay])
	}
	return s
}
