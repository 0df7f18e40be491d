package data

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Trajectories is a dataset of N observed trajectories. Trajectory i holds
// Length(i) ≥ 2 states observed at the times T0[i] + k·Dt, k = 0…Length(i)−1.
// Generated data are rectangular (every trajectory has S+1 states and starts
// at t = 0); data read from a recording may be ragged and start anywhere.
type Trajectories struct {
	// System is the name of the system the data come from ("" if unknown).
	System string
	// Dim is the number of degrees of freedom d; states have length 2d.
	Dim int
	// Dt is the observation time step, the same for every trajectory.
	Dt float64
	// States[i][k] is the state of trajectory i at time T0[i] + k·Dt, of
	// length 2·Dim.
	States [][][]float64
	// T0[i] is the time of the first state of trajectory i; nil means every
	// trajectory starts at t = 0 (the readers return nil then). A non-nil T0
	// has length N.
	T0 []float64
	// Meta describes where the data came from and what the readers did to
	// them (gaps split, single states dropped); nil means unknown. Generate
	// sets it, the readers return the file's (or a new one counting gaps and
	// drops), and the writers store it.
	Meta *Meta
}

// N returns the number of trajectories.
func (t *Trajectories) N() int { return len(t.States) }

// Steps returns the number of observation steps of the shortest trajectory
// (MinSteps): for rectangular data, the number S of steps of every
// trajectory (S+1 states). It returns 0 if there are no trajectories.
func (t *Trajectories) Steps() int { return t.MinSteps() }

// MinSteps returns the number of steps (states − 1) of the shortest
// trajectory, or 0 if there are no trajectories.
func (t *Trajectories) MinSteps() int {
	if len(t.States) == 0 {
		return 0
	}
	m := len(t.States[0])
	for _, tr := range t.States[1:] {
		m = min(m, len(tr))
	}
	return max(m-1, 0)
}

// MaxSteps returns the number of steps (states − 1) of the longest
// trajectory, or 0 if there are no trajectories.
func (t *Trajectories) MaxSteps() int {
	m := 0
	for _, tr := range t.States {
		m = max(m, len(tr))
	}
	return max(m-1, 0)
}

// Start returns the time T0[i] of the first state of trajectory i (0 if T0
// is nil).
func (t *Trajectories) Start(i int) float64 {
	if t.T0 == nil {
		return 0
	}
	return t.T0[i]
}

// Time returns the time T0[i] + k·Dt of state k of trajectory i, computed as
// the writers compute the time column.
func (t *Trajectories) Time(i, k int) float64 {
	return t.Start(i) + float64(k)*t.Dt
}

// rectangular reports whether every trajectory has the same number of states.
func (t *Trajectories) rectangular() bool {
	for _, tr := range t.States {
		if len(tr) != len(t.States[0]) {
			return false
		}
	}
	return true
}

// check panics with a "data: ..." message if the layout is inconsistent: Dim
// below 1, a state of the wrong length, or T0 of the wrong length.
func (t *Trajectories) check() {
	if t.Dim < 1 {
		panic(fmt.Sprintf("data: Trajectories.Dim = %d, want ≥ 1", t.Dim))
	}
	if t.T0 != nil && len(t.T0) != len(t.States) {
		panic(fmt.Sprintf("data: len(T0) = %d, want N = %d (or nil)", len(t.T0), len(t.States)))
	}
	for i, tr := range t.States {
		for k, y := range tr {
			if len(y) != 2*t.Dim {
				panic(fmt.Sprintf("data: state %d of trajectory %d has length %d, want %d", k, i, len(y), 2*t.Dim))
			}
		}
	}
}

// Split returns the first N−nVal trajectories as train and the last nVal as
// val. Both share the states, the start times and the Meta of t. It panics if
// nVal is negative or exceeds N, or if T0 is non-nil with a length other
// than N.
func (t *Trajectories) Split(nVal int) (train, val *Trajectories) {
	if nVal < 0 || nVal > t.N() {
		panic(fmt.Sprintf("data: Split(%d) of %d trajectories", nVal, t.N()))
	}
	if t.T0 != nil && len(t.T0) != len(t.States) {
		panic(fmt.Sprintf("data: len(T0) = %d, want N = %d (or nil)", len(t.T0), len(t.States)))
	}
	cut := t.N() - nVal
	train, val = new(Trajectories), new(Trajectories)
	*train, *val = *t, *t
	train.States = t.States[:cut:cut]
	val.States = t.States[cut:]
	if t.T0 != nil {
		train.T0 = t.T0[:cut:cut]
		val.T0 = t.T0[cut:]
	}
	return train, val
}

// Windows fills dst with batch random windows of length+1 consecutive observed
// states and returns it. dst is laid out as [batch][length+1][2·Dim] in
// row-major order; if dst is nil a new slice is allocated.
//
// For rectangular data (S+1 states per trajectory) the trajectory i of each
// window is uniform in [0, N) and the start index k is uniform in
// [0, S−length], both drawn from rng in that order; the window is
// States[i][k], …, States[i][k+length]. For ragged data every window of every
// trajectory is equally likely (a trajectory is chosen with a probability
// proportional to its number Length(i)−length of windows, and trajectories
// shorter than length+1 states are never chosen), with one draw from rng per
// window.
//
// Windows panics if batch < 0, length < 1, length exceeds MaxSteps, there are
// no trajectories, or dst is non-nil with the wrong length.
func (t *Trajectories) Windows(dst []float64, rng *rand.Rand, batch, length int) []float64 {
	switch {
	case t.Dim < 1:
		panic(fmt.Sprintf("data: Trajectories.Dim = %d, want ≥ 1", t.Dim))
	case batch < 0:
		panic(fmt.Sprintf("data: negative batch size %d", batch))
	case t.N() == 0:
		panic("data: Windows of an empty dataset")
	}
	rect := t.rectangular()
	if maxLen := t.MaxSteps(); length < 1 || length > maxLen {
		what := "the number of steps"
		if !rect {
			what = "the longest trajectory's number of steps"
		}
		panic(fmt.Sprintf("data: window length %d, want 1…%d (%s)", length, maxLen, what))
	}
	n := 2 * t.Dim
	size := batch * (length + 1) * n
	if dst == nil {
		dst = make([]float64, size)
	} else if len(dst) != size {
		panic(fmt.Sprintf("data: Windows dst has length %d, want %d = %d×%d×%d", len(dst), size, batch, length+1, n))
	}
	var cum []int // ragged: cum[i] = number of windows in trajectories 0…i
	if !rect {
		cum = make([]int, t.N())
		total := 0
		for i, tr := range t.States {
			total += max(0, len(tr)-length)
			cum[i] = total
		}
	}
	off, steps := 0, t.Steps()
	for range batch {
		var i, k int
		if rect {
			i = rng.IntN(t.N())
			k = rng.IntN(steps - length + 1)
		} else {
			w := rng.IntN(cum[len(cum)-1])
			i = sort.SearchInts(cum, w+1)
			k = w
			if i > 0 {
				k -= cum[i-1]
			}
		}
		for _, y := range t.States[i][k : k+length+1] {
			if len(y) != n {
				panic(fmt.Sprintf("data: state of trajectory %d has length %d, want %d", i, len(y), n))
			}
			off += copy(dst[off:], y)
		}
	}
	return dst
}
