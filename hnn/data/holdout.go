package data

import (
	"fmt"
	"math"
)

// SplitTime holds out the last fraction frac of the recorded time span:
// with t₀ the earliest and t₁ the latest observation time, every state at a
// time ≥ t₁ − frac·(t₁ − t₀) goes to val, the others to train; a
// trajectory that crosses the cut is split there (the state at the cut
// starts the validation part). It is the hold-out of one long recording:
// training on its beginning, validating (or testing) on its end. Parts of a
// single state are dropped. It panics unless 0 < frac < 1.
func (t *Trajectories) SplitTime(frac float64) (train, val *Trajectories) {
	if !(frac > 0 && frac < 1) {
		panic(fmt.Sprintf("data: SplitTime(%g): want 0 < frac < 1", frac))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, tr := range t.States {
		lo, hi = math.Min(lo, t.Start(i)), math.Max(hi, t.Time(i, len(tr)-1))
	}
	cut := hi - frac*(hi-lo)
	train, val = &Trajectories{System: t.System, Dim: t.Dim, Dt: t.Dt, Meta: t.Meta, T0: []float64{}},
		&Trajectories{System: t.System, Dim: t.Dim, Dt: t.Dt, Meta: t.Meta, T0: []float64{}}
	add := func(d *Trajectories, states [][]float64, t0 float64) {
		if len(states) >= 2 {
			d.States = append(d.States, states)
			d.T0 = append(d.T0, t0)
		}
	}
	for i, tr := range t.States {
		k := 0
		for k < len(tr) && t.Time(i, k) < cut-1e-9*t.Dt {
			k++
		}
		add(train, tr[:k:k], t.Start(i))
		add(val, tr[k:], t.Time(i, min(k, len(tr)-1)))
	}
	return train, val
}
