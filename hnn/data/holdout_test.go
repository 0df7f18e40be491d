package data_test

import (
	"slices"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/data"
)

func TestSplitTime(t *testing.T) {
	// Two segments of one recording: t = 0…0.9 and 1.5…2.9 (dt 0.1).
	mk := func(n int, v float64) [][]float64 {
		out := make([][]float64, n)
		for k := range out {
			out[k] = []float64{v + float64(k), 0}
		}
		return out
	}
	all := &data.Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{mk(10, 0), mk(15, 100)}, T0: []float64{0, 1.5}}
	tr, va := all.SplitTime(0.25) // cut at 2.9 − 0.725 = 2.175: the second segment from t = 2.2
	if tr.N() != 2 || va.N() != 1 || tr.Length(1) != 7 || va.Length(0) != 8 || va.Start(0) < 2.19 || va.Start(0) > 2.21 {
		t.Fatalf("train %d trajectories (lengths %d, %d), val %d (length %d, start %g)", tr.N(), tr.Length(0), tr.Length(1), va.N(), va.Length(0), va.Start(0))
	}
	if va.States[0][0][0] != 107 || tr.States[1][6][0] != 106 {
		t.Errorf("the cut is not at the state of time ≥ 2.175: %v / %v", tr.States[1][6], va.States[0][0])
	}
	tr, va = all.SplitTime(0.9) // the cut inside the first segment
	if tr.N() != 1 || va.N() != 2 || tr.Length(0)+va.Length(0) != 10 {
		t.Errorf("frac 0.9: train %d, val %d", tr.N(), va.N())
	}
	defer func() {
		if recover() == nil {
			t.Error("SplitTime(1) must panic")
		}
	}()
	all.SplitTime(1)
}

// AtLeast keeps the pieces with enough states, with their start times, and
// counts the others.
func TestAtLeast(t *testing.T) {
	mk := func(n int) [][]float64 { return make([][]float64, n) }
	all := &data.Trajectories{Dim: 1, Dt: 0.1, States: [][][]float64{mk(3), mk(7), mk(6), mk(2)}, T0: []float64{0, 1, 2, 3}}
	for _, tc := range []struct {
		n, kept, dropped int
		t0               []float64
	}{
		{1, 4, 0, []float64{0, 1, 2, 3}}, {3, 3, 1, []float64{0, 1, 2}}, {7, 1, 3, []float64{1}}, {8, 0, 4, nil},
	} {
		kept, dropped := all.AtLeast(tc.n)
		if kept.N() != tc.kept || dropped != tc.dropped || !slices.Equal(kept.T0, tc.t0) {
			t.Errorf("AtLeast(%d): %d kept (T0 %v), %d dropped; want %d (%v), %d", tc.n, kept.N(), kept.T0, dropped, tc.kept, tc.t0, tc.dropped)
		}
	}
	if all.N() != 4 {
		t.Errorf("AtLeast changed its receiver: %d trajectories", all.N())
	}
}
