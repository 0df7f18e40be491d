package hnn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Learn the double-well Hamiltonian H = p²/2 + q⁴/4 − q²/2 from noisy
// trajectories through the implicit midpoint rule, then score it. (A small
// run; `hnn train` with its defaults uses the paper's 16,384 trajectories.)
func Example() {
	model, history, err := hnn.Train(context.Background(), hnn.TrainConfig{
		// MLP 16-32-16, h = 0.01, N = 6, k = 3; tanh converges in this short
		// run, the default softplus needs the full budget (Spec.Activation).
		Spec:    hnn.Spec{System: "double-well", Activation: "tanh"},
		Data:    hnn.DataConfig{Train: 2048, Val: 512},
		Trainer: train.Config{Epochs: 12, BatchSize: 256, LearningRate: 0.01},
		Seed:    1,
	})
	if err != nil {
		log.Fatal(err)
	}
	results, err := model.Evaluate()
	if err != nil {
		log.Fatal(err)
	}
	last := history[len(history)-1]
	fmt.Printf("%d steps, validation loss below 1e-3: %v\n", last.Step, last.ValLoss < 1e-3)
	// The Gaussian set reaches beyond the training box, where errors are larger.
	bound := map[string]float64{"uniform": 0.1, "grid": 0.1, "gaussian": 0.5}
	for _, r := range results {
		fmt.Printf("%s: mean |H_pred − H_true − c| below %g: %v\n", r.Set, bound[r.Set], r.Error < bound[r.Set])
	}
	// Output:
	// 96 steps, validation loss below 1e-3: true
	// uniform: mean |H_pred − H_true − c| below 0.1: true
	// grid: mean |H_pred − H_true − c| below 0.1: true
	// gaussian: mean |H_pred − H_true − c| below 0.5: true
}
