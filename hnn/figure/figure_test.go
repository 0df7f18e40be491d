package figure_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

var tiny = sync.OnceValues(func() (*hnn.Model, []train.Epoch) {
	m, hist, err := hnn.Train(context.Background(), hnn.TrainConfig{
		Spec:    hnn.Spec{System: "double-well", Widths: []int{8, 8}},
		Data:    hnn.DataConfig{Train: 256, Val: 128, Steps: 12},
		Trainer: train.Config{Epochs: 3, BatchSize: 128},
		Seed:    3,
	})
	if err != nil {
		panic(err)
	}
	return m, hist
})

// svg renders f and fails the test unless it is well-formed SVG.
func svg(t *testing.T, name string, f *plot.Figure) string {
	t.Helper()
	b, err := f.SVG()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed SVG: %v", name, err)
		}
	}
	if !strings.Contains(string(b), "<svg") {
		t.Errorf("%s: no <svg element", name)
	}
	return string(b)
}

// The chunked rollout is the implicit midpoint map applied step by step:
// each state is one step (compiled separately) of the previous one, across
// chunk boundaries.
func TestRolloutIsStepByStep(t *testing.T) {
	m, _ := tiny()
	y0 := [][]float64{{0.5, 0}, {-1.2, 0.3}, {1.5, -1}}
	steps := hnn.FlowChunk*2 + 5
	out, _, err := figure.Rollout(m, y0, 0.01, steps)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y0 {
		if len(out[i]) != steps+1 {
			t.Fatalf("trajectory %d has %d states, want %d", i, len(out[i]), steps+1)
		}
		for k := range steps {
			r, _, err := figure.Rollout(m, [][]float64{out[i][k]}, 0.01, 1) // one step, its own executor
			if err != nil {
				t.Fatal(err)
			}
			next := r[0][1]
			for a := range next {
				if d := math.Abs(next[a] - out[i][k+1][a]); d > 1e-12 {
					t.Fatalf("trajectory %d step %d: rollout %v, one step %v", i, k+1, out[i][k+1], next)
				}
			}
		}
	}
	// The implicit midpoint rule nearly conserves the learned energy.
	for i, tr := range out {
		e, err := m.Energy(tr)
		if err != nil {
			t.Fatal(err)
		}
		for k := range e {
			if d := math.Abs(e[k] - e[0]); d > 1e-4 {
				t.Errorf("trajectory %d: learned energy drifts by %g at step %d", i, d, k)
			}
		}
	}
}

func TestTrueRollout(t *testing.T) {
	s := system.CoupledOscillator{Alpha: 0.5}
	out, err := figure.TrueRollout(s, [][]float64{{1, 0}, {0, 1}}, 0.01, 300)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range out {
		if len(tr) != 301 {
			t.Fatalf("%d states, want 301", len(tr))
		}
		if d := math.Abs(s.H(tr[300]) - s.H(tr[0])); d > 1e-12 {
			t.Errorf("energy drift %g", d)
		}
	}
}

func TestPoincareSection(t *testing.T) {
	// A circle q = sin t, p = cos t crosses q = 0 upwards once per period, at p = 1.
	var tr [][]float64
	for k := range 1000 {
		tt := float64(k) * 0.02
		tr = append(tr, []float64{math.Sin(tt - 0.3), math.Cos(tt - 0.3)})
	}
	xs, ys := figure.PoincareSection([][][]float64{tr}, 0, 0, 1)
	if want := 4; len(xs) != want { // t ∈ [0, 20): upward crossings at 0.3 + 2πk, k = 0…3
		t.Fatalf("%d crossings, want %d", len(xs), want)
	}
	for i := range xs {
		if math.Abs(xs[i]) > 1e-12 || math.Abs(ys[i]-1) > 1e-3 {
			t.Errorf("crossing %d at (%g, %g), want (0, 1)", i, xs[i], ys[i])
		}
	}
}

func TestHenonHeilesSectionStarts(t *testing.T) {
	s := system.HenonHeiles{}
	for _, y := range figure.HenonHeilesSectionStarts(0.1, 20, 1) {
		if y[0] != 0 || y[2] <= 0 || math.Abs(s.H(y)-0.1) > 1e-12 {
			t.Errorf("start %v: H = %g, want qx = 0, px > 0, H = 0.1", y, s.H(y))
		}
	}
}

func TestFiguresWellFormed(t *testing.T) {
	m, hist := tiny()
	l := []figure.Labeled{{Label: "tiny", Model: m}}
	s := system.DoubleWell{}
	trainSet, _, err := hnn.GenerateData(hnn.Spec{System: "double-well"}, hnn.DataConfig{Train: 40, Val: 10, Steps: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	dom := s.Domains()[0]
	figs := map[string]func() (*plot.Figure, error){
		"loss":  func() (*plot.Figure, error) { return figure.Losses(figure.Loss{Label: "a", History: hist}), nil },
		"loss1": func() (*plot.Figure, error) { return figure.Losses(figure.Loss{Label: "a", History: hist[:1]}), nil },
		"losses": func() (*plot.Figure, error) {
			return figure.Losses(figure.Loss{Label: "a", History: hist}, figure.Loss{Label: "b", History: hist}), nil
		},
		"data": func() (*plot.Figure, error) { return figure.Data(trainSet, nil, 20), nil },
		"heat": func() (*plot.Figure, error) {
			return figure.ErrorMaps(s, l, figure.GridRegion(s.Box(), 0, 1, 20), figure.MapOptions{ShowTrue: true})
		},
		"test-set heat": func() (*plot.Figure, error) {
			return figure.ErrorMaps(s, l, figure.TestSetRegion(dom, eval.Sets(dom, 1)[2], 0, 1), figure.MapOptions{Log: true})
		},
		"phase": func() (*plot.Figure, error) {
			return figure.PhasePortraits(s, l, figure.Starts(s.Box(), 3), 0.01, 50, 0, 1)
		},
		"phase, no system": func() (*plot.Figure, error) {
			return figure.PhasePortraits(nil, l, figure.Starts(s.Box(), 3), 0.01, 50, 0, 1)
		},
		"energy": func() (*plot.Figure, error) {
			f, _, err := figure.Energy(s, l, figure.Starts(s.Box(), 3), 0.01, 50, figure.EnergyOptions{})
			return f, err
		},
		"poincare": func() (*plot.Figure, error) {
			return figure.Poincare(s, l, figure.Starts(s.Box(), 2), 0.01, 700, 1, 0, 1)
		},
		"compare": func() (*plot.Figure, error) {
			return figure.Comparison(figure.Scores{Label: "a", Results: res}, figure.Scores{Label: "b", Results: res}), nil
		},
		"forecast": func() (*plot.Figure, error) { return figure.Forecast(trainSet, l, nil, 3) },
		"landscape": func() (*plot.Figure, error) {
			return figure.EnergyLandscape(l[0], s.Box(), 0, 1, 20, figure.Starts(s.Box(), 3), 0.01, 50, nil)
		},
	}
	for name, mk := range figs {
		f, err := mk()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svg(t, name, f)
	}
}

// ErrorMaps' panel titles report the mean error over the region, which on
// a test set is eval's number for that set.
func TestErrorMapsMeanIsEvalError(t *testing.T) {
	m, _ := tiny()
	s := system.DoubleWell{}
	dom := s.Domains()[0]
	res, err := m.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	for i, set := range eval.Sets(dom, eval.DefaultSeed) {
		f, err := figure.ErrorMaps(s, []figure.Labeled{{Label: "m", Model: m}}, figure.TestSetRegion(dom, set, 0, 1), figure.MapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("m (mean %.3g)", res[i].Error)
		if got := f.Panels[0].Title; got != want {
			t.Errorf("%s set: panel title %q, want %q", set.Name, got, want)
		}
	}
}

// Energy's drifts are those of the rollouts it draws: the learned energy
// of the implicit midpoint rule stays within its small bounded error, RK4's
// is reported for the same steps, and each Drift names its integrator.
func TestEnergyDrifts(t *testing.T) {
	m, _ := tiny()
	s := system.DoubleWell{}
	y0 := [][]float64{{1.2, 0}, {0.3, 0.4}}
	_, drifts, err := figure.Energy(s, []figure.Labeled{{Label: "m", Model: m}}, y0, 0.1, 200, figure.EnergyOptions{RK4: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts) != 2 || drifts[0].Integrator != "implicit-midpoint" || drifts[1].Integrator != "rk4" {
		t.Fatalf("drifts %+v", drifts)
	}
	tr, _, err := m.Flow().Rollout(integrator.RK4{}, y0, 0.1, 200)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, traj := range tr {
		e, _ := m.Energy(traj)
		for _, v := range e {
			want = math.Max(want, math.Abs(v-e[0]))
		}
	}
	if drifts[1].MaxLearned != want {
		t.Errorf("RK4 max drift %g, recomputed %g", drifts[1].MaxLearned, want)
	}
	if !(drifts[0].MaxTrue >= 0) || drifts[0].FinalLearned > drifts[0].MaxLearned {
		t.Errorf("implicit midpoint drift %+v", drifts[0])
	}
}

func TestMemoryFigure(t *testing.T) {
	f := figure.Memory([]bench.MemoryResult{{Gradient: "adjoint", Rollout: 4, PeakRSSBytes: 30 << 20, MsPerStep: 5}, {Gradient: "adjoint", Rollout: 64, PeakRSSBytes: 31 << 20, MsPerStep: 80},
		{Gradient: "backprop", Rollout: 4, PeakRSSBytes: 40 << 20, MsPerStep: 4}, {Gradient: "backprop", Rollout: 64, PeakRSSBytes: 400 << 20, MsPerStep: 60}})
	out := svg(t, "memory", f)
	if !strings.Contains(out, ">10<") || !strings.Contains(out, ">100<") || !strings.Contains(out, "adjoint") {
		t.Errorf("memory figure lacks log ticks or legend")
	}
}

// Forecast draws recordings that start anywhere; a start the model cannot
// roll out is an error naming the trajectory, not a panic.
func TestForecastRecording(t *testing.T) {
	m, _ := tiny()
	own, _, err := m.Flow().Converged([][]float64{{0.4, -0.2}}, 0.05, 20)
	if err != nil {
		t.Fatal(err)
	}
	set := &data.Trajectories{Dim: 1, Dt: 0.05, States: own, T0: []float64{3}}
	f, err := figure.Forecast(set, []figure.Labeled{{Label: "tiny", Model: m}}, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	svg(t, "forecast", f)
	if _, err := figure.Forecast(&data.Trajectories{Dim: 1, Dt: 0.05, States: [][][]float64{{{math.NaN(), 1}, {0, 1}}}},
		[]figure.Labeled{{Label: "tiny", Model: m}}, nil, 1); err == nil || !strings.Contains(err.Error(), "trajectory 0") {
		t.Errorf("a non-finite start: error %v, want one naming trajectory 0", err)
	}
}
