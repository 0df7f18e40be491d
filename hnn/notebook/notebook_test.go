package notebook

import (
	"context"
	"encoding/xml"
	"io"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

func TestQuick(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{{"", false}, {"0", false}, {"no", false}, {"1", true}, {"true", true}, {" YES ", true}, {"on", true}} {
		t.Setenv(QuickEnv, c.v)
		if got := Quick(); got != c.want {
			t.Errorf("%s=%q: Quick() = %v, want %v", QuickEnv, c.v, got, c.want)
		}
		if got, want := Size(100, 5), map[bool]int{true: 5, false: 100}[c.want]; got != want {
			t.Errorf("%s=%q: Size(100, 5) = %d, want %d", QuickEnv, c.v, got, want)
		}
	}
}

func TestRunDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv(RunsEnv, root)
	t.Setenv(QuickEnv, "")
	full := RunDir("x")
	t.Setenv(QuickEnv, "1")
	quick := RunDir("x")
	if full == quick || !strings.HasPrefix(full, root) || !strings.HasSuffix(quick, "x-quick") {
		t.Errorf("RunDir: full %q, quick %q", full, quick)
	}
}

// wellFormed fails the test unless s parses as XML.
func wellFormed(t *testing.T, name, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: not well-formed SVG: %v", name, err)
		}
	}
}

// trainTiny trains a small double-well model in a temporary run directory
// and returns it with the lines its progress writer received.
func trainTiny(t *testing.T) (*hnn.Model, []train.Epoch, []string) {
	t.Helper()
	t.Setenv(RunsEnv, t.TempDir())
	t.Setenv(QuickEnv, "1")
	var shown []string
	m, hist, err := TrainModel(context.Background(), "tiny", hnn.TrainConfig{
		Spec:    hnn.Spec{System: "double-well", Widths: []int{8, 8}},
		Data:    hnn.DataConfig{Train: 256, Val: 128, Steps: 12},
		Trainer: train.Config{Epochs: 3, BatchSize: 128},
		Seed:    3,
	}, func(h string) { shown = append(shown, h) })
	if err != nil {
		t.Fatal(err)
	}
	return m, hist, shown
}

func TestTrainModelProgressAndHistory(t *testing.T) {
	m, hist, shown := trainTiny(t)
	if len(hist) != 3 {
		t.Fatalf("history has %d epochs, want 3", len(hist))
	}
	// One display per progress line (data generation + 3 epochs) and the final one.
	if len(shown) != 5 {
		t.Fatalf("display called %d times, want 5", len(shown))
	}
	if !strings.Contains(shown[len(shown)-1], "done: 3 epochs") || !strings.Contains(shown[3], "<svg") {
		t.Errorf("unexpected progress display:\n%s", shown[len(shown)-1])
	}
	for i, s := range shown {
		wellFormed(t, "progress", "<div>"+s+"</div>")
		_ = i
	}
	// The history read back equals the returned one (metrics.csv rounds to 10 digits).
	m2, hist2, err := LoadModel("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist2) != len(hist) {
		t.Fatalf("ReadHistory: %d epochs, want %d", len(hist2), len(hist))
	}
	for i := range hist {
		if hist2[i].Step != hist[i].Step || math.Abs(hist2[i].ValLoss-hist[i].ValLoss) > 1e-9*hist[i].ValLoss {
			t.Errorf("epoch %d: read %+v, trained %+v", i, hist2[i], hist[i])
		}
	}
	pts := [][]float64{{0.1, 0.2}, {-1, 1.5}}
	e1, _ := m.Energy(pts)
	e2, _ := FromModel("loaded", m2).Energy(pts)
	for i := range e1 {
		if e1[i] != e2[i] {
			t.Errorf("loaded model's energy %v, trained %v", e2, e1)
		}
	}
}

func TestParseEpochLine(t *testing.T) {
	e, total, ok := ParseEpochLine("epoch 3/12 step 24 train 0.0123 val 0.0456 lr 0.005 residual 1.2e-07 4.5s")
	if !ok || total != 12 || e.Epoch != 3 || e.Step != 24 || e.TrainLoss != 0.0123 || e.ValLoss != 0.0456 || e.LR != 0.005 || e.Residual != 1.2e-7 || e.Seconds != 4.5 {
		t.Errorf("ParseEpochLine = %+v, %d, %v", e, total, ok)
	}
	if _, _, ok := ParseEpochLine("generating double-well data …"); ok {
		t.Error("ParseEpochLine accepted a non-epoch line")
	}
}

// The chunked rollout is the implicit midpoint map applied step by step:
// each state is one step (compiled separately) of the previous one, across
// chunk boundaries.
func TestRolloutIsStepByStep(t *testing.T) {
	m, _, _ := trainTiny(t)
	l := FromModel("tiny", m)
	y0 := [][]float64{{0.5, 0}, {-1.2, 0.3}, {1.5, -1}}
	steps := hnn.FlowChunk*2 + 5
	out, err := l.Rollout(y0, 0.01, steps)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y0 {
		if len(out[i]) != steps+1 {
			t.Fatalf("trajectory %d has %d states, want %d", i, len(out[i]), steps+1)
		}
		for k := range steps {
			r, err := l.Rollout([][]float64{out[i][k]}, 0.01, 1) // one step, its own executor
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
	e, err := l.EnergyAlong(out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range e {
		for k := range e[i] {
			if d := math.Abs(e[i][k] - e[i][0]); d > 1e-4 {
				t.Errorf("trajectory %d: learned energy drifts by %g at step %d", i, d, k)
			}
		}
	}
}

func TestTrueRollout(t *testing.T) {
	s := system.CoupledOscillator{Alpha: 0.5}
	out, err := TrueRollout(s, [][]float64{{1, 0}, {0, 1}}, 0.01, 300)
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
	xs, ys := PoincareSection([][][]float64{tr}, 0, 0, 1)
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
	for _, y := range HenonHeilesSectionStarts(0.1, 20, 1) {
		if y[0] != 0 || y[2] <= 0 || math.Abs(s.H(y)-0.1) > 1e-12 {
			t.Errorf("start %v: H = %g, want qx = 0, px > 0, H = 0.1", y, s.H(y))
		}
	}
}

func TestFiguresWellFormed(t *testing.T) {
	m, hist, _ := trainTiny(t)
	l := FromModel("tiny", m)
	s := system.DoubleWell{}
	trainSet, _, err := hnn.GenerateData(hnn.Spec{System: "double-well"}, hnn.DataConfig{Train: 40, Val: 10, Steps: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string]func() (*Figure, error){
		"loss":   func() (*Figure, error) { return LossFigure(hist), nil },
		"loss1":  func() (*Figure, error) { return LossFigure(hist[:1]), nil },
		"data":   func() (*Figure, error) { return DataFigure(s, trainSet, 20), nil },
		"heat":   func() (*Figure, error) { return ErrorHeatmaps(s, []*Learned{l}, s.Box(), 0, 1, 20) },
		"phase":  func() (*Figure, error) { return PhasePortraits(s, []*Learned{l}, Starts(s.Box(), 3), 0.01, 50, 0, 1) },
		"energy": func() (*Figure, error) { return EnergyFigure(s, []*Learned{l}, Starts(s.Box(), 3), 0.01, 50) },
		"poincare": func() (*Figure, error) {
			return PoincareFigure(s, []*Learned{l}, Starts(s.Box(), 2), 0.01, 700, 1, 0, 1)
		},
		"compare": func() (*Figure, error) { return ComparisonFigure([]string{"a", "b"}, [][]eval.Result{res, res}), nil },
	}
	for name, mk := range figs {
		f, err := mk()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svg := f.SVG()
		wellFormed(t, name, svg)
		if !strings.HasPrefix(svg, "<svg") {
			t.Errorf("%s: does not start with <svg", name)
		}
	}
	wellFormed(t, "table", ResultsTable([]string{"a<b", "c"}, [][]eval.Result{res, res}))
}

// A user-defined system trains, saves and loads like a built-in one.
func TestTrainSystemRoundTrip(t *testing.T) {
	t.Setenv(RunsEnv, t.TempDir())
	s := system.Func{SystemName: "my-oscillator", D: 1,
		Energy:   func(y []float64) float64 { return y[1]*y[1]/2 + y[0]*y[0]/2 + 0.1*y[0]*y[0]*y[1]*y[1] },
		Gradient: func(dst, y []float64) { dst[0] = y[0] + 0.2*y[0]*y[1]*y[1]; dst[1] = y[1] + 0.2*y[0]*y[0]*y[1] }}
	all, err := data.Generate(s, data.GenerateConfig{Trajectories: 200, Steps: 10, Dt: 0.01, Noise: 0.01, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	tr, va := all.Split(50)
	l, hist, err := TrainSystem(context.Background(), "mine", s, tr, va, SystemConfig{Widths: []int{8}, Seed: 1, Trainer: train.Config{Epochs: 2, BatchSize: 50}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("%d epochs, want 2", len(hist))
	}
	l2, hist2, err := LoadSystem("mine")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist2) != 2 {
		t.Fatalf("loaded %d epochs, want 2", len(hist2))
	}
	pts := [][]float64{{0.3, -0.2}, {1, 1}}
	e1, _ := l.Energy(pts)
	e2, _ := l2.Energy(pts)
	if e1[0] != e2[0] || e1[1] != e2[1] {
		t.Errorf("loaded energy %v, trained %v", e2, e1)
	}
	if _, err := l2.Evaluate(s); err != nil {
		t.Error(err)
	}
	if _, err := l2.Evaluate(system.HenonHeiles{}); err == nil {
		t.Error("Evaluate accepted a system of another dimension")
	}
	if worst := CheckGradient(s, 50, 1); worst > 1e-7 {
		t.Errorf("CheckGradient of a correct gradient: %g", worst)
	}
	bad := s
	bad.Gradient = func(dst, y []float64) { dst[0], dst[1] = y[0], y[1] }
	if worst := CheckGradient(bad, 50, 1); worst < 1e-3 {
		t.Errorf("CheckGradient of a wrong gradient: %g", worst)
	}
	fig, err := EnergyMap(l2, s.Box(), 0, 1, 20, Starts(s.Box(), 3), 0.01, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "energy map", fig.SVG())
	if _, _, err := LoadSystem("absent"); err == nil {
		t.Error("LoadSystem of a missing run succeeded")
	}
}

func TestComparison(t *testing.T) {
	t.Setenv(RunsEnv, t.TempDir())
	t.Setenv(QuickEnv, "1")
	c := Comparison{Name: "cmp", Spec: hnn.Spec{System: "coupled-oscillator", Widths: []int{8}},
		Models:  []baseline.Model{baseline.HNNModel(), baseline.ThisWork()},
		Data:    hnn.DataConfig{Train: 128, Val: 64, Steps: 8},
		Trainer: train.Config{Epochs: 2, BatchSize: 64}, Seed: 1}
	if s := c.ModelSpec(baseline.HNNModel()); s.Objective != "hnn" || s.System != "coupled-oscillator" || s.Widths[0] != 8 {
		t.Errorf("HNN spec %+v: want objective hnn and the shared fields", s)
	}
	var labels []string
	if err := c.Train(context.Background(), func(l string) func(string) {
		labels = append(labels, l)
		return func(string) {}
	}); err != nil {
		t.Fatal(err)
	}
	if len(labels) != 2 || labels[0] != "HNN" {
		t.Errorf("displays for %v", labels)
	}
	models, hists, err := c.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 || len(hists[1]) != 2 || models[1].Name != "This work" {
		t.Fatalf("loaded %d models, histories %v", len(models), hists)
	}
	names, res, err := c.Evaluate(models)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "comparison", ComparisonFigure(names, res).SVG())
	wellFormed(t, "losses", LossFigures(names, hists).SVG())
	wellFormed(t, "models", c.ModelsTable())
}

func TestHNNCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hnn command")
	}
	t.Setenv(RunsEnv, t.TempDir())
	bin, err := HNNCommand()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "help").CombinedOutput()
	if !strings.Contains(string(out), "train") {
		t.Errorf("%s help: %v\n%s", bin, err, out)
	}
}

func TestBenchViews(t *testing.T) {
	conv := 1e-13
	wellFormed(t, "gradcheck", GradcheckTable([]bench.GradcheckResult{{System: "double-well", Rollout: 6, AdjointVsBackprop: 1e-15, ConvergedAdjointVsBackprop: &conv}, {}}))
	f := MemoryFigure([]bench.MemoryResult{{Gradient: "adjoint", Rollout: 4, PeakRSSBytes: 30 << 20, MsPerStep: 5}, {Gradient: "adjoint", Rollout: 64, PeakRSSBytes: 31 << 20, MsPerStep: 80},
		{Gradient: "backprop", Rollout: 4, PeakRSSBytes: 40 << 20, MsPerStep: 4}, {Gradient: "backprop", Rollout: 64, PeakRSSBytes: 400 << 20, MsPerStep: 60}})
	svg := f.SVG()
	wellFormed(t, "memory", svg)
	if !strings.Contains(svg, ">10<") || !strings.Contains(svg, ">100<") || !strings.Contains(svg, "adjoint") {
		t.Errorf("memory figure lacks log ticks or legend")
	}
}
