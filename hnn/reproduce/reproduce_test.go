package reproduce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/reproduce"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// tiny is a protocol small enough for a unit test: a few seconds per model.
func tiny() *reproduce.Protocol {
	p := reproduce.QuickProtocol()
	p.Name = "tiny"
	p.Data = hnn.DataConfig{Train: 128, Val: 64, Steps: 10}
	p.Spec = hnn.Spec{Widths: []int{8, 8}}
	p.Default = reproduce.Recipe{Epochs: 2, BatchSize: 64, LearningRate: 0.01}
	p.Recipes = map[string]reproduce.Recipe{"this-work": {Epochs: 3, BatchSize: 64, LearningRate: 0.01}}
	p.LongSteps, p.PhaseTime = 100, 1
	return &p
}

func TestRunWritesTableResultsAndFigures(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	res, err := reproduce.Run(context.Background(), reproduce.Config{Systems: []string{"coupled-oscillator"},
		Seeds: 2, Protocol: tiny(), OutDir: dir, Progress: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(log.String())
	if got, want := len(res.Runs), 2*5; got != want {
		t.Fatalf("%d runs, want %d (5 models × 2 seeds)", got, want)
	}
	// results.json parses back into the same numbers.
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back reproduce.Results
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	// 5 models and the bias-corrected energies of the two midpoint-consistent ones (SHNN, this work).
	if tw, ok := back.Table[0].Cell("this-work"); len(back.Table) != 3 || len(back.Table[0].Cells) != 7 || !ok || tw.N != 2 {
		t.Errorf("results.json table: %d rows, want 3 rows of 7 cells with 2 seeds each", len(back.Table))
	}
	if c, ok := back.Table[0].Cell("this-work" + reproduce.CorrectedSuffix); !ok || !(c.Mean > 0) {
		t.Errorf("no bias-corrected column for this work")
	}
	for _, row := range back.Table {
		if row.MeetsPaper == nil || row.Paper["this-work"].Mean == 0 {
			t.Errorf("row %s/%s lacks the paper comparison", row.System, row.Set)
		}
		for _, c := range row.Cells {
			if !(c.Stat.Mean > 0) {
				t.Errorf("row %s/%s model %s: mean %g", row.System, row.Set, c.Model, c.Stat.Mean)
			}
		}
	}
	// table.md has the header and one line per row.
	md, err := os.ReadFile(filepath.Join(dir, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| System | Test set | NSSNN | SHNN | SHNN (bias-corrected) | HNN | Separable leapfrog | This work | This work (bias-corrected) | Paper: this work |",
		"| coupled-oscillator | uniform (RU) |", "| coupled-oscillator | Gaussian (N) |", "figures/coupled-oscillator-energy.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("table.md lacks %q", want)
		}
	}
	// Every figure is a PNG.
	if len(res.Figures) != 7 {
		t.Errorf("%d figures, want 7: %v", len(res.Figures), res.Figures)
	}
	for _, f := range res.Figures {
		fb, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(fb)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Two rollouts; the implicit midpoint's energy error stays small.
	if len(res.Rollouts) != 2 || res.Rollouts[0].Integrator != "implicit-midpoint" || !(res.Rollouts[0].MaxDrift < 1e-2) {
		t.Errorf("rollouts: %+v", res.Rollouts)
	}
	// Each run's checkpoint loads back with the facade.
	m, err := hnn.Load(filepath.Join(dir, res.Runs[0].Dir))
	if err != nil {
		t.Fatal(err)
	}
	if m.Spec.Objective != res.Runs[0].Spec.Objective {
		t.Errorf("loaded spec %+v, want %+v", m.Spec, res.Runs[0].Spec)
	}
	// Redraw rebuilds the figures and the table from the saved run alone.
	for _, f := range res.Figures {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	again, err := reproduce.Redraw(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Figures) != len(res.Figures) || again.Rollouts[0].MaxDrift != res.Rollouts[0].MaxDrift {
		t.Errorf("Redraw: %d figures (want %d), drift %g (want %g)", len(again.Figures), len(res.Figures), again.Rollouts[0].MaxDrift, res.Rollouts[0].MaxDrift)
	}
	for _, f := range again.Figures {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md2, _ := os.ReadFile(filepath.Join(dir, "table.md"))
	if string(md2) != string(md) {
		t.Error("Redraw changed table.md")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]reproduce.Config{
		"no out dir":     {Protocol: tiny()},
		"unknown system": {Systems: []string{"nope"}, Protocol: tiny(), OutDir: t.TempDir()},
		"unknown model":  {Models: []string{"nope"}, Protocol: tiny(), OutDir: t.TempDir()},
	} {
		if _, err := reproduce.Run(context.Background(), cfg); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}

func TestWithDt(t *testing.T) {
	p := reproduce.DefaultProtocol()
	p.Specs = map[string]hnn.Spec{"double-well": {Activation: "tanh"}}
	q := p.WithDt(0.1)
	if q.Spec.Dt != 0.1 || q.Specs["double-well"].Dt != 0.1 || q.Specs["double-well"].Activation != "tanh" || q.Name != "default, h = 0.1" {
		t.Errorf("WithDt(0.1): spec dt %g, specs %+v, name %q", q.Spec.Dt, q.Specs, q.Name)
	}
	if p.Spec.Dt != 0 || p.Specs["double-well"].Dt != 0 {
		t.Errorf("WithDt changed its receiver: %+v", p)
	}
}

// An interrupted Run keeps what it finished; running it again reuses the
// finished trainings, resumes the interrupted one and gives the same
// results, digit for digit, as a run never interrupted. Nothing is deleted,
// and a run directory of another protocol is refused unless Force is set.
func TestRunResumesAndNeverDeletes(t *testing.T) {
	cfg := func(dir string) reproduce.Config {
		return reproduce.Config{Systems: []string{"double-well"}, Models: []string{"hnn", "this-work"}, Protocol: tiny(), OutDir: dir, Workers: 1}
	}
	whole, err := reproduce.Run(context.Background(), cfg(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	c := cfg(dir)
	c.Progress = writerFunc(func(p []byte) { cancel() }) // stop after the first training finishes
	_, err = reproduce.Run(ctx, c)
	if err == nil || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("interrupted run: %v", err)
	}
	finished, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "*", "*", reproduce.ResultFile))
	if len(finished) != 1 {
		t.Fatalf("%d finished runs kept after the interruption, want 1: %v", len(finished), finished)
	}
	var log bytes.Buffer
	c = cfg(dir)
	c.Progress = &log
	again, err := reproduce.Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "reused") {
		t.Errorf("the finished training was not reused:\n%s", log.String())
	}
	for i := range whole.Runs {
		a, b := whole.Runs[i], again.Runs[i]
		for k := range a.Errors {
			if a.Errors[k] != b.Errors[k] {
				t.Errorf("%s: error %+v after the interruption, %+v uninterrupted", a.Model, b.Errors[k], a.Errors[k])
			}
		}
	}

	// Another protocol in the same directory: refused, the runs kept; --force retrains.
	other := cfg(dir)
	p := tiny()
	p.Default.Epochs++
	p.Recipes = nil
	other.Protocol = p
	if _, err := reproduce.Run(context.Background(), other); !errors.Is(err, reproduce.ErrOtherRun) {
		t.Fatalf("a run of another protocol: %v, want ErrOtherRun", err)
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "*", "*", reproduce.ResultFile)); len(kept) != 2 {
		t.Errorf("%d finished runs left after the refusal, want 2", len(kept))
	}
	other.Force = true
	if _, err := reproduce.Run(context.Background(), other); err != nil {
		t.Fatalf("with Force: %v", err)
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// Redraw refuses a results.json that Run did not write.
func TestRedrawRejectsEmptyResults(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "results.json"), []byte("{}"), 0o644)
	if _, err := reproduce.Redraw(context.Background(), dir, nil); err == nil || !strings.Contains(err.Error(), "not the results of a finished") {
		t.Errorf("Redraw of {}: %v", err)
	}
}

// Sweep runs every step in its own directory (reused on a re-run), and
// writes the sweep's table, JSON and a figure per system with fitted slopes.
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	cfg := reproduce.SweepConfig{Config: reproduce.Config{Systems: []string{"coupled-oscillator"}, Models: []string{"hnn", "this-work"},
		Protocol: tiny(), OutDir: dir, Workers: 2}, Dts: []float64{0.2, 0.1}}
	res, err := reproduce.Sweep(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dts) != 2 || res.Dts[0] != 0.1 || len(res.Runs) != 2 {
		t.Fatalf("dts %v runs %v", res.Dts, res.Runs)
	}
	// 3 columns (HNN, this work, this work corrected) × 3 sets × 2 steps.
	if len(res.Points) != 18 || len(res.Slopes) != 9 {
		t.Errorf("%d points, %d slopes; want 18, 9", len(res.Points), len(res.Slopes))
	}
	for _, f := range append(res.Figures, "sweep.md", "sweep.json", "h-0.1/results.json", "h-0.2/table.md") {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "sweep.md"))
	if !strings.Contains(string(md), "| This work (bias-corrected) |") || !strings.Contains(string(md), "h = 0.2") {
		t.Errorf("sweep.md:\n%s", md)
	}
	var back reproduce.Results
	b, _ := os.ReadFile(filepath.Join(dir, "h-0.2", "results.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.Runs[0].Spec.Dt != 0.2 {
		t.Errorf("the step's runs do not record spec.dt = 0.2: %v", err)
	}
	var log bytes.Buffer
	cfg.Progress = &log
	if _, err := reproduce.Sweep(context.Background(), cfg); err != nil || strings.Count(log.String(), "reused") != 4 {
		t.Errorf("a re-run of the sweep retrained: %v\n%s", err, log.String())
	}
}

// Two shards, each in its own directory (as on two machines), merged, give
// the same table digit for digit as one process.
func TestShardsMergeToTheSameTable(t *testing.T) {
	base := reproduce.Config{Systems: []string{"double-well"}, Models: []string{"hnn", "shnn", "this-work"}, Protocol: tiny(), Workers: 1}
	one := base
	one.OutDir = t.TempDir()
	whole, err := reproduce.Run(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := range 2 {
		c := base
		c.OutDir, c.Shard = t.TempDir(), reproduce.Shard{I: i, N: 2}
		if _, err := reproduce.Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, c.OutDir)
	}
	merged := base
	merged.OutDir = t.TempDir()
	if n, err := reproduce.Merge(dirs, merged.OutDir); err != nil || n != 3 {
		t.Fatalf("merged %d trainings: %v", n, err)
	}
	res, err := reproduce.Run(context.Background(), merged)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(r *reproduce.Results) string {
		var keep []string
		for _, l := range strings.Split(reproduce.TableMarkdown(r), "\n") {
			if !strings.Contains(l, "wall time") && !strings.Contains(l, "seconds") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if a, b := strip(whole), strip(res); a != b {
		t.Errorf("merged shards give another table:\n%s\n---\n%s", b, a)
	}
	// A second merge of the same shards copies nothing and changes nothing.
	if n, err := reproduce.Merge(dirs, merged.OutDir); err != nil || n != 0 {
		t.Errorf("second merge: %d, %v", n, err)
	}
	if _, err := reproduce.ParseShard("2/2"); err == nil {
		t.Error("shard 2/2 accepted")
	}
}

// Merge checks what it merges: a shard's damaged result file, or a result
// without its checkpoint, is an error naming it, and nothing of it is copied.
func TestMergeRejectsDamagedShards(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"corrupt result":     {reproduce.ResultFile: `{"broken":`, "checkpoint.json": "{}", "metrics.csv": ""},
		"missing checkpoint": {reproduce.ResultFile: `{}`, "metrics.csv": ""},
	} {
		src, out := t.TempDir(), t.TempDir()
		run := filepath.Join(src, "runs", "pendulum", "hnn", "seed1")
		os.MkdirAll(run, 0o755)
		for f, s := range files {
			os.WriteFile(filepath.Join(run, f), []byte(s), 0o644)
		}
		n, err := reproduce.Merge([]string{src}, out)
		if err == nil || n != 0 || !strings.Contains(err.Error(), run) {
			t.Errorf("%s: merged %d, err %v", name, n, err)
		}
		if name == "corrupt result" && !errors.Is(err, reproduce.ErrBadResults) {
			t.Errorf("%s: %v does not match ErrBadResults", name, err)
		}
		if _, serr := os.Stat(filepath.Join(out, "runs", "pendulum", "hnn", "seed1", reproduce.ResultFile)); serr == nil {
			t.Errorf("%s: the damaged result was copied", name)
		}
	}
}

// A training that stops on a health check (here the implicit solve's
// residual above a bound of 1e-300) is recorded as failed, the other runs
// go on, the table shows its cells as missing, and a second run reuses the
// record instead of retraining.
func TestRunRecordsAFailedTraining(t *testing.T) {
	p := tiny()
	p.Recipes = map[string]reproduce.Recipe{"this-work": {Epochs: 3, BatchSize: 64, LearningRate: 0.01, MaxResidual: 1e-300}}
	dir := t.TempDir()
	cfg := reproduce.Config{Systems: []string{"double-well"}, Models: []string{"hnn", "this-work"}, Protocol: p, OutDir: dir, Workers: 1}
	res, err := reproduce.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var failed, ok int
	for _, r := range res.Runs {
		switch {
		case r.Model == "this-work" && strings.Contains(r.Failure, "did not converge") && len(r.Errors) == 0:
			failed++
		case r.Model == "hnn" && r.Failure == "" && len(r.Errors) > 0:
			ok++
		default:
			t.Errorf("%s: failure %q, %d errors", r.Model, r.Failure, len(r.Errors))
		}
	}
	if failed != 1 || ok != 1 {
		t.Fatalf("%d failed and %d finished runs, want 1 and 1", failed, ok)
	}
	table, err := os.ReadFile(filepath.Join(dir, "table.md"))
	if err != nil || !strings.Contains(string(table), "—") {
		t.Errorf("table.md does not show the failed run's cells as missing: %v\n%s", err, table)
	}
	var log bytes.Buffer
	cfg.Progress = &log
	if _, err := reproduce.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "reused") != 2 || !strings.Contains(log.String(), "FAILED") {
		t.Errorf("the second run did not reuse both records:\n%s", log.String())
	}
}

func TestBudget(t *testing.T) {
	dir := t.TempDir()
	cfg := reproduce.BudgetConfig{Config: reproduce.Config{Systems: []string{"coupled-oscillator"}, Models: []string{"hnn", "this-work"},
		Protocol: tiny(), OutDir: dir, Workers: 2}, Dts: []float64{0.2}}
	res, err := reproduce.Budget(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"h-0.2/own-map-implicit-midpoint", "h-0.2/clean", "h-0.2/noisy"}
	if !slices.Equal(res.Runs, want) {
		t.Fatalf("runs %v, want %v", res.Runs, want)
	}
	// Own map: this work's learned energy (not its correction, whose
	// optimum there is not H); clean and noisy: HNN, this work and its
	// corrected energy; 3 sets each.
	if len(res.Points) != (1+3+3)*3 {
		t.Errorf("%d points, want 21", len(res.Points))
	}
	if !slices.Equal(res.Columns, []string{"hnn", "this-work", "this-work+corrected"}) {
		t.Errorf("columns %v", res.Columns)
	}
	for _, f := range append(res.Figures, "budget.md", "budget.json") {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// Each kind of data is what it says: the own-map run's data are clean
	// and of the midpoint map, the noisy run's have the protocol's noise.
	for rel, wantData := range map[string]hnn.DataConfig{
		want[0]: {Train: 128, Val: 64, Steps: 10, Noise: -1, Map: "implicit-midpoint"},
		want[1]: {Train: 128, Val: 64, Steps: 10, Noise: -1},
		want[2]: {Train: 128, Val: 64, Steps: 10},
	} {
		var back reproduce.Results
		b, _ := os.ReadFile(filepath.Join(dir, rel, "results.json"))
		if err := json.Unmarshal(b, &back); err != nil || len(back.Runs) == 0 || back.Runs[0].Data != wantData {
			t.Errorf("%s: data %+v, want %+v (%v)", rel, back.Runs[0].Data, wantData, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "budget.md"))
	for _, s := range []string{"### This work (bias-corrected)", "| clean, own map (optimizer) |", "| dominant term |", "figures/budget-coupled-oscillator.png"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("budget.md lacks %q:\n%s", s, md)
		}
	}
	var log bytes.Buffer
	cfg.Progress = &log
	if _, err := reproduce.Budget(context.Background(), cfg); err != nil || strings.Count(log.String(), "reused") != 5 {
		t.Errorf("a re-run of the budget retrained: %v\n%s", err, log.String())
	}
}

func TestBudgetDominant(t *testing.T) {
	for _, tc := range []struct {
		name              string
		own, clean, noisy float64
		want              string
	}{
		{"optimizer", 0.004, 0.005, 0.006, "optimizer"},
		{"shadow", 0.001, 0.005, 0.006, "shadow"},
		{"noise", 0.001, 0.002, 0.006, "noise"},
		{"clean below own map", 0.003, 0.002, 0.0035, "optimizer"},
		{"no own map, noise", math.NaN(), 0.001, 0.004, "noise"},
		{"no own map, optimizer and shadow", math.NaN(), 0.003, 0.004, "optimizer + shadow"},
		{"missing noisy", 0.001, 0.002, math.NaN(), ""},
	} {
		r := &reproduce.BudgetResults{}
		for kind, v := range map[string]float64{reproduce.OwnMapData: tc.own, reproduce.CleanData: tc.clean, reproduce.NoisyData: tc.noisy} {
			if !math.IsNaN(v) {
				r.Points = append(r.Points, reproduce.BudgetPoint{SweepPoint: reproduce.SweepPoint{Dt: 0.1, System: "s", Model: "m", Set: "uniform", Mean: v}, Data: kind})
			}
		}
		if got := r.Dominant("s", "m", "uniform", 0.1); got != tc.want {
			t.Errorf("%s: dominant %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRunWithRefine: a protocol with an L-BFGS stage runs it for every
// model (refine.csv), records it in the recipe and says so in table.md.
func TestRunWithRefine(t *testing.T) {
	dir := t.TempDir()
	p := tiny().WithRefine(5)
	res, err := reproduce.Run(context.Background(), reproduce.Config{Systems: []string{"coupled-oscillator"}, Models: []string{"hnn", "this-work"},
		Protocol: &p, OutDir: dir, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Runs {
		if r.Recipe.Refine != 5 {
			t.Errorf("%s: recipe %+v, want Refine 5", r.Model, r.Recipe)
		}
		if _, err := os.Stat(filepath.Join(dir, r.Dir, train.RefineFile)); err != nil {
			t.Errorf("%s: no L-BFGS log: %v", r.Model, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "table.md"))
	if !strings.Contains(string(md), "then full-batch L-BFGS (at most 5 iterations") || !strings.Contains(string(md), "tiny + L-BFGS 5") {
		t.Errorf("table.md does not describe the L-BFGS stage:\n%s", md)
	}
}
