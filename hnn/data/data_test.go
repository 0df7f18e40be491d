package data

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// ragged returns trajectories of the given lengths where state k of
// trajectory i is (1000·i + k, −k), so that windows can be decoded.
func ragged(lengths ...int) *Trajectories {
	tr := &Trajectories{Dim: 1, Dt: 0.5}
	for i, n := range lengths {
		var states [][]float64
		for k := range n {
			states = append(states, []float64{float64(1000*i + k), -float64(k)})
		}
		tr.States = append(tr.States, states)
		tr.T0 = append(tr.T0, float64(10*i))
	}
	return tr
}

func TestStepsAndTimes(t *testing.T) {
	tr := ragged(4, 2, 7)
	if tr.Steps() != 1 || tr.MinSteps() != 1 || tr.MaxSteps() != 6 {
		t.Errorf("Steps=%d MinSteps=%d MaxSteps=%d, want 1 1 6", tr.Steps(), tr.MinSteps(), tr.MaxSteps())
	}
	if tr.Start(2) != 20 || tr.Time(2, 3) != 21.5 {
		t.Errorf("Start(2)=%v Time(2, 3)=%v, want 20 21.5", tr.Start(2), tr.Time(2, 3))
	}
	tr.T0 = nil
	if tr.Start(2) != 0 || tr.Time(2, 3) != 1.5 {
		t.Errorf("without T0: Start(2)=%v Time(2, 3)=%v", tr.Start(2), tr.Time(2, 3))
	}
	empty := &Trajectories{Dim: 1}
	if empty.Steps() != 0 || empty.MinSteps() != 0 || empty.MaxSteps() != 0 {
		t.Error("steps of an empty data set")
	}
	rect := ragged(3, 3)
	if rect.Steps() != 2 || rect.MaxSteps() != 2 {
		t.Errorf("rectangular: Steps=%d MaxSteps=%d", rect.Steps(), rect.MaxSteps())
	}
}

func TestSplitStarts(t *testing.T) {
	tr := ragged(2, 3, 4, 5)
	tr.Meta = &Meta{Format: 1}
	train, val := tr.Split(1)
	if len(train.T0) != 3 || len(val.T0) != 1 || val.T0[0] != 30 || train.Meta != tr.Meta || val.Meta != tr.Meta {
		t.Errorf("Split(1): T0 %v and %v", train.T0, val.T0)
	}
	train.T0 = append(train.T0, -1)
	if val.T0[0] != 30 {
		t.Error("append to train.T0 overwrote val.T0")
	}
	tr.T0 = nil
	if a, b := tr.Split(2); a.T0 != nil || b.T0 != nil {
		t.Error("Split of data without T0 made T0")
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "data: len(T0) = 1, want N = 4") {
				t.Errorf("panic %v", r)
			}
		}()
		tr.T0 = []float64{0}
		tr.Split(1)
	}()
}

// TestWindowsRagged: for ragged data every window of every trajectory is
// equally likely, trajectories too short for a window are never chosen, and
// windows are consecutive states of one trajectory.
func TestWindowsRagged(t *testing.T) {
	const length, batch = 3, 60000
	tr := ragged(4, 2, 10, 3, 6) // windows per trajectory: 1, 0, 7, 0, 3
	nWin := []int{1, 0, 7, 0, 3}
	rng := rand.New(rand.NewPCG(5, 6))
	w := tr.Windows(nil, rng, batch, length)
	counts := map[[2]int]int{}
	for b := range batch {
		win := w[b*(length+1)*2 : (b+1)*(length+1)*2]
		i, k := int(win[0])/1000, int(win[0])%1000
		counts[[2]int{i, k}]++
		for m := range length + 1 {
			if win[2*m] != float64(1000*i+k+m) || win[2*m+1] != -float64(k+m) {
				t.Fatalf("window %d is not consecutive states: %v", b, win)
			}
		}
		if k+length >= tr.Length(i) {
			t.Fatalf("window %d runs past trajectory %d", b, i)
		}
	}
	total := 0
	for _, n := range nWin {
		total += n
	}
	p := 1 / float64(total)
	mean, sd := batch*p, math.Sqrt(batch*p*(1-p))
	for i, n := range nWin {
		for k := range n {
			if c := counts[[2]int{i, k}]; math.Abs(float64(c)-mean) > 5*sd {
				t.Errorf("window (%d, %d) chosen %d times, expected %.0f ± %.0f", i, k, c, mean, sd)
			}
		}
	}
	if len(counts) != total {
		t.Errorf("%d distinct windows drawn, want %d", len(counts), total)
	}
	// The longest trajectory bounds the window length.
	full := tr.Windows(nil, rng, 10, 9)
	for b := range 10 {
		if full[b*20] != 2000 {
			t.Fatal("full-length window not of the longest trajectory")
		}
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "data: window length 10, want 1…9 (the longest trajectory's number of steps)") {
				t.Errorf("panic %v", r)
			}
		}()
		tr.Windows(nil, rng, 1, 10)
	}()
}

// TestWindowsRectangularUnchanged: rectangular data draw their windows as
// before (trajectory, then start, from rng), whatever their start times.
func TestWindowsRectangularUnchanged(t *testing.T) {
	tr := ragged(6, 6, 6)
	got := tr.Windows(nil, rand.New(rand.NewPCG(7, 8)), 50, 2)
	rng := rand.New(rand.NewPCG(7, 8))
	for b := range 50 {
		i, k := rng.IntN(3), rng.IntN(4)
		if got[b*6] != float64(1000*i+k) {
			t.Fatalf("window %d starts at %v, want trajectory %d step %d", b, got[b*6], i, k)
		}
	}
}
