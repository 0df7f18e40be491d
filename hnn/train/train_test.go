package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

func smallData(t *testing.T, dt float64) (*data.Trajectories, *data.Trajectories) {
	t.Helper()
	all, err := data.Generate(system.Pendulum{}, data.GenerateConfig{Trajectories: 320, Steps: 12, Dt: dt, Noise: 0.01, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return all.Split(64)
}

func newTrainer(t *testing.T, dir string, h float64, scale float64, cfg train.Config) (*train.Trainer, *model.Store) {
	t.Helper()
	store := model.NewStore()
	mlp := ansatz.MLP{D: 1, Widths: []int{8, 8}}
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 11)
	if scale != 1 {
		for _, v := range gradient.TrainableVariables(store) {
			vals := tensors.MustCopyFlatData[float64](v.MustValue())
			for i := range vals {
				vals[i] *= scale
			}
			v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...))
		}
	}
	p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: h, Rollout: 4}
	cfg.OutDir = dir
	cfg.BatchSize = 64
	cfg.LearningRate = 0.01
	cfg.Seed = 5
	cfg.Run = map[string]string{"test": "yes"}
	tr, err := train.New(testutil.Backend(), store, p, gradient.Backprop{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr, store
}

// cancelAfter is a context whose Err reports cancellation from its n-th call on:
// the trainer checks it once before every step.
type cancelAfter struct {
	context.Context
	n, calls atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) > c.n.Load() {
		return context.Canceled
	}
	return nil
}

func TestResumeContinuesExactly(t *testing.T) {
	trainSet, valSet := smallData(t, 0.05)
	cfg := train.Config{Epochs: 3}
	full, _ := newTrainer(t, t.TempDir(), 0.05, 1, cfg)
	want, err := full.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	// Interrupt after 6 of the 12 steps (mid-epoch 2), then resume in a new
	// trainer with freshly initialised weights.
	dir := t.TempDir()
	first, _ := newTrainer(t, dir, 0.05, 1, cfg)
	ctx := &cancelAfter{Context: context.Background()}
	ctx.n.Store(6)
	if _, err := first.Fit(ctx, trainSet, valSet); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Fit returned %v, want context.Canceled", err)
	}
	second, _ := newTrainer(t, dir, 0.05, 1, cfg)
	if err := second.Resume(dir); err != nil {
		t.Fatal(err)
	}
	got, err := second.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("resumed history has %d epochs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Step != want[i].Step || math.Abs(got[i].TrainLoss-want[i].TrainLoss) > 1e-13*want[i].TrainLoss ||
			math.Abs(got[i].ValLoss-want[i].ValLoss) > 1e-13*want[i].ValLoss || got[i].LR != want[i].LR {
			t.Errorf("epoch %d: resumed %+v, uninterrupted %+v", i+1, got[i], want[i])
		}
	}
	var run map[string]string
	if err := train.ReadRun(dir, &run); err != nil || run["test"] != "yes" {
		t.Errorf("ReadRun = %v, %v; want the run metadata back", run, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, train.MetricsFile)); err != nil || len(b) == 0 {
		t.Errorf("metrics.csv missing: %v", err)
	}
}

func TestTooLargeStepIsReportedAsDivergence(t *testing.T) {
	trainSet, valSet := smallData(t, 0.5)
	dir := t.TempDir()
	// Weights ×5 make Lip(F) large: h·Lip(F)/2 ≫ 1 at h = 0.5, so the
	// fixed-point iteration diverges.
	tr, _ := newTrainer(t, dir, 0.5, 5, train.Config{Epochs: 1})
	_, err := tr.Fit(context.Background(), trainSet, valSet)
	if !errors.Is(err, train.ErrSolverDiverged) {
		t.Fatalf("Fit returned %v, want ErrSolverDiverged", err)
	}
	t.Log(err)
	if _, serr := os.Stat(filepath.Join(dir, train.CheckpointFile)); serr == nil {
		t.Errorf("a diverged first step must not write a checkpoint")
	}
	// The same network at a small step trains normally.
	trainSet, valSet = smallData(t, 0.002)
	tr, _ = newTrainer(t, t.TempDir(), 0.002, 5, train.Config{Epochs: 1})
	if _, err := tr.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Errorf("h = 0.002: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []train.Config{{Epochs: -1}, {BatchSize: -2}, {LearningRate: math.NaN()}, {Plateau: train.Plateau{Factor: 2}}} {
		if c.Check() == nil {
			t.Errorf("Config %+v: want an error", c)
		}
	}
}

// nanAt is a gradient.Method whose loss becomes NaN at a given step: the
// trainer must stop with ErrNonFinite and keep the last good checkpoint.
type nanAt struct {
	inner gradient.Method
	step  int
}

func (m nanAt) String() string { return "nan-at" }

func (m nanAt) Compile(b compute.Backend, s *model.Store, p gradient.Problem, u gradient.Update) (gradient.Computer, error) {
	c, err := m.inner.Compile(b, s, p, u)
	return &nanComputer{Computer: c, at: m.step}, err
}

type nanComputer struct {
	gradient.Computer
	at, n int
}

func (c *nanComputer) Train(obs *tensors.Tensor) (gradient.Result, error) {
	r, err := c.Computer.Train(obs)
	if c.n++; c.n == c.at {
		r.Loss = math.NaN()
	}
	return r, err
}

func TestNaNLossStopsAndKeepsTheLastGoodCheckpoint(t *testing.T) {
	trainSet, valSet := smallData(t, 0.05)
	dir := t.TempDir()
	store := model.NewStore()
	mlp := ansatz.MLP{D: 1, Widths: []int{8, 8}}
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 11)
	p := gradient.Problem{Model: mlp, Step: 0.05, Rollout: 4}
	tr, err := train.New(testutil.Backend(), store, p, nanAt{gradient.Backprop{}, 3},
		train.Config{Epochs: 2, BatchSize: 64, OutDir: dir, CheckpointEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Fit(context.Background(), trainSet, valSet)
	if !errors.Is(err, train.ErrNonFinite) {
		t.Fatalf("Fit returned %v, want ErrNonFinite", err)
	}
	var m struct {
		Meta struct {
			Trainer struct{ Step int } `json:"trainer"`
		} `json:"meta"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	if jerr := json.Unmarshal(b, &m); jerr != nil || m.Meta.Trainer.Step != 2 {
		t.Errorf("checkpoint after the NaN at step 3: step %d (%v), want the last good step 2", m.Meta.Trainer.Step, jerr)
	}
}

// A NaN at the first step, before any checkpoint: the error says that
// nothing was saved, not that a checkpoint is kept.
func TestNaNLossAtTheFirstStepSavesNothing(t *testing.T) {
	trainSet, valSet := smallData(t, 0.05)
	dir := t.TempDir()
	store := model.NewStore()
	mlp := ansatz.MLP{D: 1, Widths: []int{8}}
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 11)
	p := gradient.Problem{Model: mlp, Step: 0.05, Rollout: 4}
	tr, err := train.New(testutil.Backend(), store, p, nanAt{gradient.Backprop{}, 1}, train.Config{Epochs: 1, BatchSize: 64, OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Fit(context.Background(), trainSet, valSet)
	if !errors.Is(err, train.ErrNonFinite) || !strings.Contains(err.Error(), "nothing was saved") || strings.Contains(err.Error(), "checkpoint is kept") {
		t.Errorf("Fit returned %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err == nil {
		t.Error("a checkpoint was written")
	}
}

func TestNonFiniteDataIsRejected(t *testing.T) {
	trainSet, valSet := smallData(t, 0.05)
	trainSet.States[5][3][1] = math.Inf(1)
	tr, _ := newTrainer(t, t.TempDir(), 0.05, 1, train.Config{Epochs: 1})
	if _, err := tr.Fit(context.Background(), trainSet, valSet); err == nil || !strings.Contains(err.Error(), "trajectory 5 state 3") {
		t.Errorf("Fit with an Inf in the data: %v", err)
	}
}
