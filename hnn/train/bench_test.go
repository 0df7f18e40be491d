package train_test

import (
	"context"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// epochTimer restarts the benchmark's timer when the first epoch (which
// compiles the graphs) reports, so that the time is that of the others.
type epochTimer struct {
	b      *testing.B
	epochs int
}

func (w *epochTimer) Write(p []byte) (int, error) {
	if w.epochs == 0 {
		w.b.ResetTimer()
	}
	w.epochs++
	return len(p), nil
}

// BenchmarkEpoch times one epoch of training (windows, steps, validation;
// no checkpoint) on a small data set: 2048 double-well training and 512
// validation trajectories of 10 steps, B = 512 (4 steps per epoch), N = 6,
// the paper's MLP, implicit midpoint k = 3, float64. The first epoch, which
// compiles, is not timed.
func BenchmarkEpoch(b *testing.B) {
	all, err := data.Generate(system.DoubleWell{}, data.GenerateConfig{Trajectories: 2560, Steps: 10, Dt: 0.01, Noise: 0.01, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	trainSet, valSet := all.Split(512)
	for _, m := range []gradient.Method{gradient.Backprop{}, gradient.DiscreteAdjoint{}} {
		b.Run(m.String(), func(b *testing.B) {
			store := model.NewStore()
			mlp := ansatz.MLP{D: 1}
			mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 1)
			p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.01, Rollout: 6}
			w := &epochTimer{b: b}
			tr, err := train.New(testutil.Backend(), store, p, m, train.Config{Epochs: b.N + 1, BatchSize: 512, Seed: 1, Progress: w})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tr.Fit(context.Background(), trainSet, valSet); err != nil {
				b.Fatal(err)
			}
			if w.epochs != b.N+1 {
				b.Fatalf("%d epochs reported, want %d", w.epochs, b.N+1)
			}
		})
	}
}
