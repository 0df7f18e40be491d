package notebook

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/figure"
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
	e2, _ := m2.Energy(pts)
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

// A user-defined system trains, saves and loads like a built-in one,
// through hnn.Train (TrainModel) and hnn.LoadSystem (LoadModelFor).
func TestTrainModelOfAUserSystem(t *testing.T) {
	t.Setenv(RunsEnv, t.TempDir())
	s := system.Func{SystemName: "my-oscillator", D: 1,
		Energy:   func(y []float64) float64 { return y[1]*y[1]/2 + y[0]*y[0]/2 + 0.1*y[0]*y[0]*y[1]*y[1] },
		Gradient: func(dst, y []float64) { dst[0] = y[0] + 0.2*y[0]*y[1]*y[1]; dst[1] = y[1] + 0.2*y[0]*y[0]*y[1] }}
	all, err := data.Generate(s, data.GenerateConfig{Trajectories: 200, Steps: 10, Dt: 0.01, Noise: 0.01, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	tr, va := all.Split(50)
	m, hist, err := TrainModel(context.Background(), "mine", hnn.TrainConfig{System: s, Train: tr, Val: va,
		Spec: hnn.Spec{Widths: []int{8}}, Seed: 1, Trainer: train.Config{Epochs: 2, BatchSize: 50}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("%d epochs, want 2", len(hist))
	}
	m2, hist2, err := LoadModelFor("mine", s)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist2) != 2 {
		t.Fatalf("loaded %d epochs, want 2", len(hist2))
	}
	pts := [][]float64{{0.3, -0.2}, {1, 1}}
	e1, _ := m.Energy(pts)
	e2, _ := m2.Energy(pts)
	if e1[0] != e2[0] || e1[1] != e2[1] {
		t.Errorf("loaded energy %v, trained %v", e2, e1)
	}
	if _, err := m2.Evaluate(); err != nil {
		t.Error(err)
	}
	if _, _, err := LoadModelFor("mine", system.HenonHeiles{}); err == nil {
		t.Error("LoadModelFor accepted a system of another name and dimension")
	}
	bare, _, err := LoadModel("mine")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Evaluate(); err == nil || !strings.Contains(err.Error(), "LoadSystem") {
		t.Errorf("Evaluate without the user-defined system: %v", err)
	}
	if _, _, err := LoadModel("absent"); err == nil {
		t.Error("LoadModel of a missing run succeeded")
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
	if len(models) != 2 || len(hists[1].History) != 2 || models[1].Label != "This work" {
		t.Fatalf("loaded %d models, histories %v", len(models), hists)
	}
	scores, err := Evaluate(models)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "comparison", HTML(figure.Comparison(scores...)))
	wellFormed(t, "losses", HTML(figure.Losses(hists...)))
	wellFormed(t, "models", c.ModelsTable())
	wellFormed(t, "table", ResultsTable(append(scores, figure.Scores{Label: "a<b", Results: scores[0].Results})...))
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
}

func TestDataScoresTable(t *testing.T) {
	a := hnn.DataScores{Noise: 0.01, Horizons: []hnn.HorizonError{{Steps: 1, Time: 0.1, RMSE: 0.02}, {Steps: 10, Time: 1, RMSE: 0.5}},
		Derivative: hnn.DerivativeError{At: 0.3, Midpoint: 0.1, Pairs: 9}, LongDrift: 0.01, LongBounded: true}
	b := hnn.DataScores{Noise: 0.01, Horizons: []hnn.HorizonError{{Steps: 1, Time: 0.1, RMSE: 0.04}},
		Derivative: hnn.DerivativeError{At: 0.2, Midpoint: 0.2, Pairs: 9}, LongDrift: 0.5, LongFailure: "no convergence"}
	html := DataScoresTable([]string{"A", "B"}, []hnn.DataScores{a, b})
	for _, want := range []string{"<b>0.02</b>", ">0.04<", "<b>0.2</b>", "<b>0.1</b>", "–", "stopped: no convergence", "rollout rmse, 10 steps"} {
		if !strings.Contains(html, want) {
			t.Errorf("table lacks %q:\n%s", want, html)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "notebook: ") {
			t.Errorf("mismatched labels: recovered %v, want a notebook: panic", r)
		}
	}()
	DataScoresTable([]string{"A"}, []hnn.DataScores{a, b})
}
