package data

import (
	"fmt"
	"math"
)

// timeTol is the relative tolerance of the uniform time-step check of the
// readers: a time may differ from its step's T0 + k·dt by timeTol·k·dt, plus
// the rounding of float64 times (resolution).
const timeTol = 1e-9

// resolution returns the allowance for the rounding of the times t and t0
// (4 units in the last place of the larger).
func resolution(t, t0 float64) float64 {
	return 4 * 0x1p-52 * max(math.Abs(t), math.Abs(t0))
}

// timeline splits the observed times of the trajectories of a file into
// segments without gaps and collects them. Its errors name the problem and
// the trajectory but not the place; the caller adds the file and the line or
// array index.
type timeline struct {
	dt     float64 // time step; 0 until the file's first step defines it
	dtNote string  // where a fixed dt came from, for messages ("" if from the times)

	states        [][][]float64
	t0            []float64
	gaps, dropped int

	// The current segment.
	id    int         // trajectory id in the file (for messages)
	cur   [][]float64 // its states
	start float64     // time of its first state
	k     float64     // step index of its last state
	last  float64     // time of its last state
}

// begin ends the current segment and starts a trajectory numbered id at
// time t with state y.
func (tl *timeline) begin(id int, t float64, y []float64) {
	tl.end()
	tl.id = id
	tl.segment(t, y)
}

// segment starts a segment at time t with state y.
func (tl *timeline) segment(t float64, y []float64) {
	tl.cur = [][]float64{y}
	tl.start, tl.k, tl.last = t, 0, t
}

// end ends the current segment: it is kept if it has at least two states
// and counted as dropped if it has one.
func (tl *timeline) end() {
	switch len(tl.cur) {
	case 0:
	case 1:
		tl.dropped++
	default:
		tl.states = append(tl.states, tl.cur)
		tl.t0 = append(tl.t0, tl.start)
	}
	tl.cur = nil
}

// next adds state y at time t to the current trajectory: the next step of the
// segment, or the first state of a new segment after a gap of a whole number
// m > 1 of steps. It returns an error if t does not increase or is not a
// whole number of steps after the segment's start.
func (tl *timeline) next(t float64, y []float64) error {
	switch {
	case t == tl.last:
		return fmt.Errorf("duplicated time t=%v in trajectory %d (times must increase within a trajectory)", t, tl.id)
	case t < tl.last:
		return fmt.Errorf("time t=%v after t=%v in trajectory %d (times must increase within a trajectory)", t, tl.last, tl.id)
	}
	if tl.dt == 0 { // the first step of the file defines the time step
		tl.dt = t - tl.start
	}
	dt, res := tl.dt, resolution(t, tl.start)
	if res >= dt/4 {
		return fmt.Errorf("time t=%v of trajectory %d cannot resolve the time step dt=%v%s in float64 (subtract an offset from the times)",
			t, tl.id, dt, tl.dtNote)
	}
	n := (t - tl.start) / dt
	if !(n < 1<<52) {
		return fmt.Errorf("time t=%v of trajectory %d is more than 2^52 steps of dt=%v%s after t=%v", t, tl.id, dt, tl.dtNote, tl.start)
	}
	k := math.Round(n)
	if k <= tl.k || math.Abs(t-(tl.start+k*dt)) > timeTol*k*dt+res {
		next := tl.k + 1
		return fmt.Errorf("non-uniform time step: t=%v at step %.0f of trajectory %d, want %v (dt=%v%s) or, after a gap, a whole number of steps later",
			t, next, tl.id, tl.start+next*dt, dt, tl.dtNote)
	}
	if k == tl.k+1 {
		tl.cur = append(tl.cur, y)
		tl.k, tl.last = k, t
		return nil
	}
	tl.gaps++
	tl.end()
	tl.segment(t, y)
	return nil
}

// starts returns the start times of the kept segments, or nil if all are 0.
func (tl *timeline) starts() []float64 {
	for _, v := range tl.t0 {
		if v != 0 {
			return tl.t0
		}
	}
	return nil
}

// record returns meta with the gaps and drops of this reading added; if meta
// is nil, a new record holding only them, or nil if there were none.
func (tl *timeline) record(meta *Meta) *Meta {
	if meta == nil {
		if tl.gaps == 0 && tl.dropped == 0 {
			return nil
		}
		meta = &Meta{Format: FormatVersion}
	}
	meta.Gaps += tl.gaps
	meta.Dropped += tl.dropped
	return meta
}
