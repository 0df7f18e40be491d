package data

import (
	"fmt"
	"math/rand/v2"
)

// Trajectories is a dataset of N observed trajectories with S+1 states each.
type Trajectories struct {
	// System is the name of the system the data come from ("" if unknown).
	System string
	// Dim is the number of degrees of freedom d; states have length 2d.
	Dim int
	// Dt is the observation time step.
	Dt float64
	// States[i][k] is the state of trajectory i at time k·Dt, of length 2·Dim.
	States [][][]float64
}

// N returns the number of trajectories.
func (t *Trajectories) N() int { return len(t.States) }

// Steps returns the number S of observation steps per trajectory (S+1 states),
// or 0 if there are no trajectories.
func (t *Trajectories) Steps() int {
	if len(t.States) == 0 {
		return 0
	}
	return len(t.States[0]) - 1
}

// check panics with a "data: ..." message if the layout is inconsistent.
func (t *Trajectories) check() {
	if t.Dim < 1 {
		panic(fmt.Sprintf("data: Trajectories.Dim = %d, want ≥ 1", t.Dim))
	}
	for i, tr := range t.States {
		if len(tr) != len(t.States[0]) {
			panic(fmt.Sprintf("data: trajectory %d has %d states, trajectory 0 has %d", i, len(tr), len(t.States[0])))
		}
		for k, y := range tr {
			if len(y) != 2*t.Dim {
				panic(fmt.Sprintf("data: state %d of trajectory %d has length %d, want %d", k, i, len(y), 2*t.Dim))
			}
		}
	}
}

// Split returns the first N−nVal trajectories as train and the last nVal as
// val. Both share the states of t. It panics if nVal is negative or exceeds N.
func (t *Trajectories) Split(nVal int) (train, val *Trajectories) {
	if nVal < 0 || nVal > t.N() {
		panic(fmt.Sprintf("data: Split(%d) of %d trajectories", nVal, t.N()))
	}
	cut := t.N() - nVal
	train, val = new(Trajectories), new(Trajectories)
	*train, *val = *t, *t
	train.States = t.States[:cut:cut]
	val.States = t.States[cut:]
	return train, val
}

// Windows fills dst with batch random windows of length+1 consecutive observed
// states and returns it. dst is laid out as [batch][length+1][2·Dim] in
// row-major order; if dst is nil a new slice is allocated. For each window the
// trajectory i is uniform in [0, N) and the start index k is uniform in
// [0, S−length], both drawn from rng in that order; the window is States[i][k],
// …, States[i][k+length].
//
// Windows panics if batch < 0, length < 1, length > S, there are no
// trajectories, or dst is non-nil with the wrong length.
func (t *Trajectories) Windows(dst []float64, rng *rand.Rand, batch, length int) []float64 {
	switch {
	case t.Dim < 1:
		panic(fmt.Sprintf("data: Trajectories.Dim = %d, want ≥ 1", t.Dim))
	case batch < 0:
		panic(fmt.Sprintf("data: negative batch size %d", batch))
	case t.N() == 0:
		panic("data: Windows of an empty dataset")
	case length < 1 || length > t.Steps():
		panic(fmt.Sprintf("data: window length %d, want 1…%d (the number of steps)", length, t.Steps()))
	}
	n := 2 * t.Dim
	size := batch * (length + 1) * n
	if dst == nil {
		dst = make([]float64, size)
	} else if len(dst) != size {
		panic(fmt.Sprintf("data: Windows dst has length %d, want %d = %d×%d×%d", len(dst), size, batch, length+1, n))
	}
	off := 0
	for range batch {
		i := rng.IntN(t.N())
		k := rng.IntN(t.Steps() - length + 1)
		if len(t.States[i]) != t.Steps()+1 {
			panic(fmt.Sprintf("data: trajectory %d has %d states, trajectory 0 has %d", i, len(t.States[i]), t.Steps()+1))
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
