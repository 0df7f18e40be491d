package figure

import (
	"fmt"
	"math"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Drift is what one long rollout of a learned Hamiltonian did to the
// energies, the maxima over the initial states.
type Drift struct {
	// Label and Integrator name the model and the integrator of the rollout:
	// "implicit-midpoint" or "rk4".
	Label      string `json:"model"`
	Integrator string `json:"integrator"`
	// MaxLearned and FinalLearned are max over n and |H_θ(y_n) − H_θ(y_0)| at
	// the last step, the learned energy's drift (+Inf when the rollout
	// produced a non-finite state).
	MaxLearned   float64 `json:"max_drift"`
	FinalLearned float64 `json:"final_drift"`
	// MaxTrue is max over n of |H(y_n) − H(y_0)| of the true energy along the
	// learned rollout (NaN without a system).
	MaxTrue float64 `json:"max_true_drift"`
	// Residual is the largest fixed-point residual of the rollout's steps.
	Residual float64 `json:"residual"`
}

// EnergyOptions chooses the rollouts of Energy. The zero value integrates
// with the implicit midpoint rule only.
type EnergyOptions struct {
	// RK4 also integrates every model with the classical Runge–Kutta method
	// (order 4, not symplectic), whose learned energy drifts: the contrast
	// that shows what symplecticity buys.
	RK4 bool
}

// Energy integrates every model from each state of y0 for steps steps of dt
// with the implicit midpoint rule solved to round-off (and RK4, see
// EnergyOptions) and plots, against time, |H(y_t) − H(y_0)| of the true
// energy (with the exact flow, dashed, for scale) and of each model's own
// learned energy, averaged over the initial states, one curve per model and
// integrator. It returns the rollouts' Drift too. Without a system (s nil)
// only the learned panel is drawn.
func Energy(s system.System, models []Labeled, y0 [][]float64, dt float64, steps int, opt EnergyOptions) (*plot.Figure, []Drift, error) {
	checkModels(models)
	f := &plot.Figure{Title: fmt.Sprintf("long rollouts: %d initial state(s), %d steps of %g (t = %g)", len(y0), steps, dt, float64(steps)*dt)}
	var tp *plot.Panel
	if s != nil {
		tp = f.Add("true energy along the rollout", "t", "mean |H(y_t) − H(y_0)|")
		tp.LogY, tp.LegendBottom = true, true
	}
	lp := f.Add("learned energy along the rollout", "t", "mean |H_θ(y_t) − H_θ(y_0)|")
	lp.LogY, lp.LegendBottom = true, true
	ts := make([]float64, steps+1)
	for k := range ts {
		ts[k] = float64(k) * dt
	}
	if s != nil {
		truth, err := TrueRollout(s, y0, dt, steps)
		if err != nil {
			return nil, nil, err
		}
		mean, _, _ := drift(energyAlong(s, truth))
		tx, ty := thin(ts, mean)
		tp.Line("exact flow", "#999999", tx, ty).Dashed()
	}
	type method struct {
		name string
		run  func(m *hnn.Model) ([][][]float64, float64, error)
	}
	methods := []method{{"implicit-midpoint", func(m *hnn.Model) ([][][]float64, float64, error) { return m.Flow().Converged(y0, dt, steps) }}}
	if opt.RK4 {
		methods = append(methods, method{"rk4", func(m *hnn.Model) ([][][]float64, float64, error) {
			return m.Flow().Rollout(integrator.RK4{}, y0, dt, steps)
		}})
	}
	var drifts []Drift
	curve := 0
	for _, m := range models {
		m64, err := m.Model.AsFloat64()
		if err != nil {
			return nil, nil, err
		}
		for _, mt := range methods {
			tr, res, err := mt.run(m64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", m.Label, err)
			}
			label := m.Label
			if len(methods) > 1 {
				label += ", " + mt.name
			}
			c := color(curve)
			curve++
			d := Drift{Label: m.Label, Integrator: mt.name, Residual: res, MaxTrue: math.NaN()}
			learned, err := learnedAlong(m64.Energy, tr)
			if err != nil {
				return nil, nil, err
			}
			mean, dmax, dfinal := drift(learned)
			d.MaxLearned, d.FinalLearned = dmax, dfinal
			lx, ly := thin(ts, mean)
			lp.Line(label, c, lx, ly)
			if s != nil {
				mean, dmax, _ := drift(energyAlong(s, tr))
				d.MaxTrue = dmax
				tx, ty := thin(ts, mean)
				tp.Line(label, c, tx, ty)
			}
			drifts = append(drifts, d)
		}
	}
	return f, drifts, nil
}

// drift returns, for energies e[i][n] along trajectories i, the mean over i
// of |e_n − e_0| (NaN at n = 0, off the log axis), its maximum over i and n,
// and the largest final |e_N − e_0|; a non-finite difference counts as +Inf.
func drift(e [][]float64) (mean []float64, maxDrift, final float64) {
	if len(e) == 0 {
		return nil, 0, 0
	}
	mean = make([]float64, len(e[0]))
	for _, row := range e {
		for n, v := range row {
			d := math.Abs(v - row[0])
			if math.IsNaN(d) || math.IsInf(d, 0) {
				d = math.Inf(1)
			}
			mean[n] += d / float64(len(e))
			maxDrift = math.Max(maxDrift, d)
		}
		final = math.Max(final, mean0(row))
	}
	mean[0] = math.NaN()
	return mean, maxDrift, final
}

// mean0 returns |e_N − e_0| (+Inf when not finite).
func mean0(row []float64) float64 {
	d := math.Abs(row[len(row)-1] - row[0])
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return math.Inf(1)
	}
	return d
}

// energyAlong returns s.H at every state of every trajectory.
func energyAlong(s system.System, trajs [][][]float64) [][]float64 {
	out := make([][]float64, len(trajs))
	for i, tr := range trajs {
		out[i] = eval.TrueEnergy(s, tr)
	}
	return out
}

// learnedAlong returns the learned energy at every state of every trajectory.
func learnedAlong(energy func([][]float64) ([]float64, error), trajs [][][]float64) ([][]float64, error) {
	var pts [][]float64
	for _, tr := range trajs {
		pts = append(pts, tr...)
	}
	e, err := energy(pts)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(trajs))
	off := 0
	for i, tr := range trajs {
		out[i] = e[off : off+len(tr)]
		off += len(tr)
	}
	return out, nil
}
