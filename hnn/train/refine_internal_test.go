package train

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// series is a plain Trajectories.
type series [][][]float64

func (s series) Count() int               { return len(s) }
func (s series) Length(i int) int         { return len(s[i]) }
func (s series) State(i, j int) []float64 { return s[i][j] }

// oscillator returns count noisy harmonic-oscillator trajectories of steps+1
// states at step 0.1.
func oscillator(count, steps int, seed uint64) series {
	rng := rand.New(rand.NewPCG(seed, 9))
	out := make(series, count)
	c, s := math.Cos(0.1), math.Sin(0.1)
	for i := range out {
		q, p := 2*rng.Float64()-1, 2*rng.Float64()-1
		for range steps + 1 {
			out[i] = append(out[i], []float64{q + 0.01*rng.NormFloat64(), p + 0.01*rng.NormFloat64()})
			q, p = c*q+s*p, -s*q+c*p
		}
	}
	return out
}

// refineTrainer returns a trainer of a small MLP on the oscillator with batch 16.
func refineTrainer(t *testing.T, cfg Config) *Trainer {
	t.Helper()
	store := model.NewStore()
	mlp := ansatz.MLP{D: 1, Widths: []int{8, 8}}
	mlp.Init(gradient.HamiltonianScope(store), cmp.Or(cfg.DType, dtypes.Float64), 11)
	p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.1, Rollout: 4}
	cfg.BatchSize = 16
	cfg.Seed = 5
	tr, err := New(testutil.Backend(), store, p, gradient.Backprop{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (t *Trainer) objectiveFor(set Trajectories) *objective {
	return newObjective(t.comp, gradient.TrainableVariables(t.store), t.refineWindows(set, t.cfg.batchFor(windowsCount(set))))
}

func windowsCount(set Trajectories) int { _, w := windowsOf(set); return w }

func relDiff(a, b []float64) float64 {
	num, den := 0.0, 0.0
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// TestRefineObjectiveGradient: the stage's full-batch loss and gradient
// (batches of 16, 16 and 8 windows) equal those of one batch of all 40
// windows to round-off, and the gradient matches central finite differences
// of the full loss along random directions.
func TestRefineObjectiveGradient(t *testing.T) {
	for _, all := range []bool{false, true} {
		tr := refineTrainer(t, Config{Refine: Refine{AllWindows: all}})
		set := oscillator(40, 12, 1)
		obj := tr.objectiveFor(set)
		sizes := []int{}
		var flat []float64
		for _, b := range obj.batches {
			sizes = append(sizes, b.Shape().Dim(0))
			flat = append(flat, tensorconv.ToFloat64(b)...)
		}
		n := len(flat) / (5 * 2)
		wantSizes := []int{16, 16, 8}
		if all { // 3 non-overlapping windows of 4 steps per 12-step trajectory
			wantSizes = []int{16, 16, 16, 16, 16, 16, 16, 8}
		}
		if !slices.Equal(sizes, wantSizes) {
			t.Fatalf("AllWindows %v: batches %v, want %v", all, sizes, wantSizes)
		}
		x := obj.get()
		g := make([]float64, len(x))
		loss, _, err := obj.eval(x, g)
		if err != nil {
			t.Fatal(err)
		}
		r, err := tr.comp.Gradients(tensors.FromFlatDataAndDimensions(flat, n, 5, 2))
		if err != nil {
			t.Fatal(err)
		}
		var one []float64
		for _, gt := range r.Gradients {
			one = append(one, tensorconv.ToFloat64(gt)...)
		}
		if d := math.Abs(loss-r.Loss) / r.Loss; d > 1e-13 {
			t.Errorf("AllWindows %v: full loss %.17g, one batch %.17g (rel %.2g)", all, loss, r.Loss, d)
		}
		t.Logf("AllWindows %v: %d windows in batches %v: loss differs from one batch's by %.2g relative, gradient by %.2g", all, n, sizes, math.Abs(loss-r.Loss)/r.Loss, relDiff(g, one))
		if d := relDiff(g, one); d > 1e-12 {
			t.Errorf("AllWindows %v: full gradient differs from one batch's by %.2g relative", all, d)
		}
		lossOnly, _, _ := obj.eval(x, nil)
		if lossOnly != loss {
			t.Errorf("loss-only evaluation %.17g, with the gradient %.17g", lossOnly, loss)
		}
		rng := rand.New(rand.NewPCG(3, 3))
		for range 3 {
			u := make([]float64, len(x))
			for i := range u {
				u[i] = rng.NormFloat64()
			}
			const eps = 1e-5
			xp, xm := slices.Clone(x), slices.Clone(x)
			for i := range x {
				xp[i] += eps * u[i]
				xm[i] -= eps * u[i]
			}
			lp, _, _ := obj.eval(xp, nil)
			lm, _, _ := obj.eval(xm, nil)
			fd := (lp - lm) / (2 * eps)
			dot := 0.0
			for i := range g {
				dot += g[i] * u[i]
			}
			t.Logf("directional derivative %.12g, central differences %.12g: rel %.2g", dot, fd, math.Abs(fd-dot)/math.Abs(dot))
			if d := math.Abs(fd-dot) / math.Abs(dot); d > 1e-6 {
				t.Errorf("AllWindows %v: directional derivative %.10g, finite differences %.10g (rel %.2g)", all, dot, fd, d)
			}
		}
	}
}

func TestValRule(t *testing.T) {
	r := valRule{threshold: 1e-4, patience: 3, ref: 1}
	for i, tc := range []struct {
		v    float64
		stop bool
	}{{0.5, false}, {0.49999, false}, {0.49998, false}, {0.49997, true}} {
		if got := r.observe(tc.v); got != tc.stop {
			t.Errorf("observation %d (%g): stop %v, want %v (state %+v)", i, tc.v, got, tc.stop, r)
		}
	}
	// Small improvements that add up to the threshold count.
	r = valRule{threshold: 1e-4, patience: 3, ref: 1}
	for _, v := range []float64{0.99995, 0.9999, 0.99985} {
		if r.observe(v) {
			t.Errorf("stopped at %g: the improvement since the reference is %g", v, 1-v)
		}
	}
}

// TestRefineValidationRule: with a scripted validation loss, the stage stops
// Patience iterations after the last relative improvement of Threshold and
// keeps the weights of the lowest validation loss (an improvement smaller
// than Threshold still counts for that), or the starting weights when
// validation only gets worse.
func TestRefineValidationRule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		vals      []float64
		stopAt    int
		kept      int
		wantStart bool
	}{
		{"improves, then not by 1e-4", []float64{1, 0.5, 0.49999, 0.49998, 0.6, 0.1, 0.1}, 4, 3, false},
		{"only worse", []float64{1, 2, 3, 4, 0.1}, 3, 0, true},
	} {
		tr := refineTrainer(t, Config{Refine: Refine{Iterations: 50, Patience: 3}})
		set := oscillator(40, 12, 1)
		obj := tr.objectiveFor(set)
		x0 := obj.get()
		var seen [][]float64
		validate := func() (float64, error) {
			k := len(seen)
			seen = append(seen, obj.get())
			return tc.vals[k], nil
		}
		if err := tr.refine(context.Background(), obj, validate, func() float64 { return 0 }); err != nil {
			t.Fatal(err)
		}
		r := tr.Refinement()
		if r.Stop != StopValidation || len(r.Steps) != tc.stopAt+1 || r.Best != tc.kept {
			t.Fatalf("%s: stop %q after %d rows, kept %d; want validation after %d, kept %d", tc.name, r.Stop, len(r.Steps), r.Best, tc.stopAt+1, tc.kept)
		}
		if got := obj.get(); !slices.Equal(got, seen[tc.kept]) || !slices.Equal(weightsOf(tr), seen[tc.kept]) {
			t.Errorf("%s: the weights left are not those of iteration %d", tc.name, tc.kept)
		}
		if tc.wantStart && !slices.Equal(weightsOf(tr), x0) {
			t.Errorf("%s: the starting weights are not kept", tc.name)
		}
		if !tc.wantStart && slices.Equal(weightsOf(tr), x0) {
			t.Errorf("%s: the weights did not move", tc.name)
		}
	}
}

func weightsOf(t *Trainer) []float64 {
	var x []float64
	for _, v := range gradient.TrainableVariables(t.store) {
		x = append(x, tensorconv.ToFloat64(v.MustValue())...)
	}
	return x
}

// sick is a Computer whose loss-only results are unhealthy from the at-th
// batch evaluation on (until the until-th, when until > 0): the line search
// evaluates the loss alone at a trial point, and the gradient only where the
// loss was accepted.
type sick struct {
	gradient.Computer
	at, until, n int
	residual     bool
}

func (c *sick) spoil(r gradient.Result, err error) (gradient.Result, error) {
	if c.n++; c.n >= c.at && (c.until == 0 || c.n <= c.until) {
		if c.residual {
			r.Residual = 1
		} else {
			r.Loss = math.NaN()
		}
	}
	return r, err
}

func (c *sick) Loss(obs *tensors.Tensor) (gradient.Result, error) {
	return c.spoil(c.Computer.Loss(obs))
}

// TestRefineHealth: a NaN loss or a diverging residual at every point from
// some evaluation on stops the stage without an error (after MaxRejected
// rejected points), keeps the best weights so far and reports why; at a
// single point, the point is rejected and the stage goes on.
func TestRefineHealth(t *testing.T) {
	for _, residual := range []bool{false, true} {
		tr := refineTrainer(t, Config{Refine: Refine{Iterations: 50}})
		trainSet, valSet := oscillator(40, 12, 1), oscillator(16, 12, 2)
		val := tr.validationWindows(valSet, 16)
		obj := newObjective(&sick{Computer: tr.comp, at: 10, residual: residual}, gradient.TrainableVariables(tr.store), tr.refineWindows(trainSet, 16))
		if err := tr.refine(context.Background(), obj, func() (float64, error) { return tr.validate(val) }, func() float64 { return 0 }); err != nil {
			t.Fatal(err)
		}
		r := tr.Refinement()
		want, base := StopNonFinite, ErrNonFinite
		if residual {
			want, base = StopDiverged, ErrSolverDiverged
		}
		if !r.Done || r.Stop != want || !errors.Is(r.Err, base) || len(r.Steps) < 2 {
			t.Fatalf("residual %v: %+v", residual, r)
		}
		t.Logf("stopped (%s) after %d iterations: %v", r.Stop, len(r.Steps)-1, r.Err)
		if v, err := tr.validate(val); err != nil || v != r.Steps[r.Best].ValLoss {
			t.Errorf("the weights left have validation %g (%v), the kept row %g", v, err, r.Steps[r.Best].ValLoss)
		}
		if last := r.Steps[len(r.Steps)-1]; last.Residual > tr.cfg.maxResidual() || math.IsNaN(last.TrainLoss) {
			t.Errorf("an unhealthy point was accepted: %+v", last)
		}

		// One evaluation (3 batches, calls 10–12: the 4th loss-only evaluation) unhealthy: rejected, and the stage goes on.
		tr = refineTrainer(t, Config{Refine: Refine{Iterations: 10}})
		obj = newObjective(&sick{Computer: tr.comp, at: 10, until: 12, residual: residual}, gradient.TrainableVariables(tr.store), tr.refineWindows(trainSet, 16))
		if err := tr.refine(context.Background(), obj, func() (float64, error) { return tr.validate(val) }, func() float64 { return 0 }); err != nil {
			t.Fatal(err)
		}
		r = tr.Refinement()
		if last := r.Steps[len(r.Steps)-1]; r.Stop != StopIterations || r.Err != nil || last.Rejected != 1 {
			t.Errorf("residual %v, one unhealthy point: stop %q (%v), %d rejected; want iterations, 1", residual, r.Stop, r.Err, last.Rejected)
		}
	}
}

type cancelAfterN struct {
	context.Context
	n, calls atomic.Int64
}

func (c *cancelAfterN) Err() error {
	if c.calls.Add(1) > c.n.Load() {
		return context.Canceled
	}
	return nil
}

// TestRefineInterruptAndResume: a cancelled stage writes a checkpoint with
// the best weights so far; resuming restarts L-BFGS from them and finishes.
func TestRefineInterruptAndResume(t *testing.T) {
	trainSet, valSet := oscillator(40, 12, 1), oscillator(16, 12, 2)
	dir := t.TempDir()
	cfg := Config{Epochs: 2, OutDir: dir, Refine: Refine{Iterations: 20}}
	first := refineTrainer(t, cfg)
	ctx := &cancelAfterN{Context: context.Background()}
	_, w := epochWindows(trainSet)
	ctx.n.Store(int64(2*(w/cfg.batchFor(w)) + 12)) // the Adam steps of 2 epochs, then about 10 evaluations
	if _, err := first.Fit(ctx, trainSet, valSet); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Fit: %v", err)
	}
	r1 := first.Refinement()
	if r1.Done || len(r1.Steps) < 2 {
		t.Fatalf("interrupted refinement: %+v", r1)
	}
	if _, err := os.Stat(filepath.Join(dir, RefineFile)); err != nil {
		t.Errorf("no %s after the interruption: %v", RefineFile, err)
	}
	second := refineTrainer(t, cfg)
	if err := second.Resume(dir); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weightsOf(second), weightsOf(first)) {
		t.Errorf("the checkpoint does not hold the weights left by the interrupted stage")
	}
	if _, err := second.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	r2 := second.Refinement()
	if !r2.Done || len(r2.Steps) <= len(r1.Steps) || r2.Steps[len(r1.Steps)].Restart != 1 || r2.Steps[len(r1.Steps)].Iteration != 0 {
		t.Fatalf("resumed refinement: %+v", r2)
	}
	if got, want := r2.Steps[len(r1.Steps)].ValLoss, r1.Steps[r1.Best].ValLoss; got != want {
		t.Errorf("the restart begins at validation %g, the interrupted stage kept %g", got, want)
	}
	if r2.Steps[r2.Best].ValLoss > r1.Steps[r1.Best].ValLoss {
		t.Errorf("the resumed stage kept worse weights")
	}
	// A completed stage is not run again.
	third := refineTrainer(t, cfg)
	if err := third.Resume(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := third.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	if len(third.Refinement().Steps) != len(r2.Steps) || !slices.Equal(weightsOf(third), weightsOf(second)) {
		t.Errorf("a finished refinement ran again on resume")
	}
}

// TestRefineExtendsAFinishedStage: a stage that stopped on its iteration
// budget is continued by a resume with a larger Iterations (the difference,
// a restart from the kept weights); a resume with the same Iterations runs
// nothing (exact).
func TestRefineExtendsAFinishedStage(t *testing.T) {
	trainSet, valSet := oscillator(40, 12, 1), oscillator(16, 12, 2)
	dir := t.TempDir()
	cfg := Config{Epochs: 2, OutDir: dir, Refine: Refine{Iterations: 3, Patience: 1000}}
	first := refineTrainer(t, cfg)
	if _, err := first.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	r1 := first.Refinement()
	if !r1.Done || r1.Stop != StopIterations || len(r1.Steps) != 4 {
		t.Fatalf("first stage: %+v", r1)
	}
	same := refineTrainer(t, cfg)
	if err := same.Resume(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := same.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	if len(same.Refinement().Steps) != 4 || !slices.Equal(weightsOf(same), weightsOf(first)) {
		t.Fatalf("a resume with the same budget refined again: %+v", same.Refinement())
	}
	more := cfg
	more.Refine.Iterations = 8
	ext := refineTrainer(t, more)
	if err := ext.Resume(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	r2 := ext.Refinement()
	// 4 rows of the first run, then the restart's iterations 0…5.
	if !r2.Done || r2.Stop != StopIterations || len(r2.Steps) != 4+6 || r2.Steps[4].Restart != 1 || r2.Steps[9].Iteration != 5 {
		t.Fatalf("extended stage: %+v", r2)
	}
	if got, want := r2.Steps[4].ValLoss, r1.Steps[r1.Best].ValLoss; got != want {
		t.Errorf("the extension starts at validation %g, the first stage kept %g", got, want)
	}
	if r2.Steps[r2.Best].ValLoss > r1.Steps[r1.Best].ValLoss {
		t.Errorf("the extension kept worse weights")
	}
}

// TestRefinePeriodicCheckpoint: with CheckpointEvery, the stage writes a
// checkpoint every that many iterations holding the best weights so far.
func TestRefinePeriodicCheckpoint(t *testing.T) {
	dir := t.TempDir()
	tr := refineTrainer(t, Config{OutDir: dir, CheckpointEvery: 2, Refine: Refine{Iterations: 6, Patience: 100}})
	obj := tr.objectiveFor(oscillator(40, 12, 1))
	vals := []float64{1, 0.9, 0.95, 0.8, 0.85, 0.7, 0.75}
	var seen [][]float64
	checked := false
	validate := func() (float64, error) {
		k := len(seen)
		if k == 5 { // the checkpoint of iteration 4 holds iteration 3's weights (0.8)
			var m meta
			vars, err := checkpoint.Read(filepath.Join(dir, CheckpointFile), &m)
			if err != nil {
				t.Fatal(err)
			}
			byPath := map[string][]float64{}
			for _, v := range vars {
				byPath[v.Path] = v.Values
			}
			var got []float64
			for _, v := range gradient.TrainableVariables(tr.store) {
				got = append(got, byPath[v.Path()]...)
			}
			if !slices.Equal(got, seen[3]) || m.Trainer.Refine.Done || m.Trainer.Refine.Best != 3 {
				t.Errorf("checkpoint at iteration 4: best row %d, done %v, weights of iteration 3: %v", m.Trainer.Refine.Best, m.Trainer.Refine.Done, slices.Equal(got, seen[3]))
			}
			checked = true
		}
		seen = append(seen, obj.get())
		return vals[k], nil
	}
	if err := tr.refine(context.Background(), obj, validate, func() float64 { return 0 }); err != nil {
		t.Fatal(err)
	}
	if r := tr.Refinement(); !checked || r.Stop != StopIterations || r.Best != 5 || !slices.Equal(weightsOf(tr), seen[5]) {
		t.Errorf("checked %v; refinement stop %q, kept %d", checked, r.Stop, r.Best)
	}
}

// TestRefineFloat32: a float32 model refines through the float64 parameter
// vector (rounded at the boundary): the loss decreases, the variables stay
// float32 and hold the kept iterate rounded to float32.
func TestRefineFloat32(t *testing.T) {
	tr := refineTrainer(t, Config{DType: dtypes.Float32, Refine: Refine{Iterations: 10}})
	trainSet, valSet := oscillator(40, 12, 1), oscillator(16, 12, 2)
	if _, err := tr.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	r := tr.Refinement()
	if !r.Done || len(r.Steps) < 2 || !(r.Steps[r.Best].TrainLoss < r.Steps[0].TrainLoss) {
		t.Fatalf("float32 refinement: %+v", r)
	}
	t.Logf("float32: stopped (%s) after %d iterations: train %.4g → %.4g", r.Stop, len(r.Steps)-1, r.Steps[0].TrainLoss, r.Steps[r.Best].TrainLoss)
	for _, v := range gradient.TrainableVariables(tr.store) {
		if v.Shape().DType != dtypes.Float32 {
			t.Errorf("%s is %s after the refinement", v.Path(), v.Shape().DType)
		}
	}
}

func TestRefineConfigErrors(t *testing.T) {
	for _, r := range []Refine{{Iterations: -1}, {MaxEvaluations: -1}, {GradTol: -1}, {GradTol: math.NaN()},
		{Patience: -1}, {Threshold: 1}, {Threshold: -0.1}, {Memory: -1}} {
		if (Config{Refine: r}).Check() == nil {
			t.Errorf("Refine %+v: want an error", r)
		}
	}
	if err := (Config{Refine: Refine{Iterations: 10, GradTol: 1e-6, Patience: 5, Threshold: 1e-3, Memory: 5, AllWindows: true}}).Check(); err != nil {
		t.Errorf("a valid Refine: %v", err)
	}
}
