package figure

import (
	"fmt"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/plot"
)

// Forecast plots observed trajectories against the models' predictions in
// time: each trajectory i of set (at most maxTraj of them, in order) is
// rolled out by every model from its first observed state with the implicit
// midpoint rule solved to round-off, for as many steps as were observed,
// and one panel per coordinate shows the observations (dots) and each
// model's rollout (a line), against the time of the recording
// (set.Time). names label the coordinates (CoordNames); nil means q1…, p1….
// It is the check of a model on held-out data when no true energy is known.
func Forecast(set *data.Trajectories, models []Labeled, names []string, maxTraj int) (*plot.Figure, error) {
	checkModels(models)
	if set == nil || set.N() == 0 {
		panic("figure: Forecast of an empty data set")
	}
	if maxTraj < 1 {
		panic(fmt.Sprintf("figure: Forecast of %d trajectories", maxTraj))
	}
	d2 := 2 * set.Dim
	if names == nil {
		names = coordNames(nil, set.Dim)
	}
	if len(names) != d2 {
		panic(fmt.Sprintf("figure: Forecast of %d coordinates with %d names", d2, len(names)))
	}
	n := min(maxTraj, set.N())
	f := &plot.Figure{Title: fmt.Sprintf("held-out data (dots) and rollouts from their first state, %d trajectory piece(s)", n)}
	panels := make([]*plot.Panel, d2)
	for a := range d2 {
		panels[a] = f.Add(names[a], "t", names[a])
	}
	for i := range n {
		ts := make([]float64, set.Length(i))
		for k := range ts {
			ts[k] = set.Time(i, k)
		}
		for a := range d2 {
			ys := make([]float64, len(ts))
			for k := range ts {
				ys[k] = set.States[i][k][a]
			}
			label := ""
			if i == 0 {
				label = "observed"
			}
			panels[a].Scatter(label, "#555555", ts, ys, 1.6)
		}
	}
	for mi, m := range models {
		m64, err := m.Model.AsFloat64()
		if err != nil {
			return nil, err
		}
		c := color(mi)
		for i := range n {
			tr, _, err := m64.Flow().Converged([][]float64{set.States[i][0]}, set.Dt, set.Length(i)-1)
			if err != nil {
				return nil, fmt.Errorf("%s: trajectory %d: %w", m.Label, i, err)
			}
			ts := make([]float64, set.Length(i))
			for k := range ts {
				ts[k] = set.Time(i, k)
			}
			for a := range d2 {
				ys := make([]float64, len(ts))
				for k := range ts {
					ys[k] = tr[0][k][a]
				}
				label := ""
				if i == 0 {
					label = m.Label
				}
				panels[a].Line(label, c, ts, ys)
			}
		}
	}
	return f, nil
}
