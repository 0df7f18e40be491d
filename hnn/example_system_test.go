package hnn_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// A user-defined Hamiltonian goes through the same calls as a built-in one:
// Train generates its data and learns it, LoadSystem reads the saved model
// back with the system, and Evaluate scores it against the true energy.
func ExampleLoadSystem() {
	// An oscillator whose mass depends on its position (non-separable):
	// H = (1 + q²/4)·p²/2 + q²/2.
	variableMass := system.Func{
		SystemName: "variable-mass",
		D:          1,
		Energy: func(y []float64) float64 {
			q, p := y[0], y[1]
			return (1+q*q/4)*p*p/2 + q*q/2
		},
		Gradient: func(dst, y []float64) {
			q, p := y[0], y[1]
			dst[0] = q*p*p/4 + q
			dst[1] = (1 + q*q/4) * p
		},
	}
	dir, err := os.MkdirTemp("", "hnn-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	_, _, err = hnn.Train(context.Background(), hnn.TrainConfig{
		System: variableMass,
		// tanh converges in this short run; the default softplus needs the
		// full budget (Spec.Activation).
		Spec:    hnn.Spec{Activation: "tanh"},
		Data:    hnn.DataConfig{Train: 1024, Val: 256},
		Trainer: train.Config{Epochs: 25, BatchSize: 256, OutDir: dir},
		Seed:    1,
	})
	if err != nil {
		log.Fatal(err)
	}
	model, err := hnn.LoadSystem(dir, variableMass)
	if err != nil {
		log.Fatal(err)
	}
	results, err := model.Evaluate()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("system:", model.Spec.System, "d =", model.Spec.Dim)
	for _, r := range results {
		fmt.Printf("%s: mean |H_pred − H_true − c| below 0.1: %v\n", r.Set, r.Error < 0.1)
	}
	// Without the system, the network still loads, but has nothing to be scored against.
	bare, err := hnn.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	_, err = bare.Evaluate()
	fmt.Println("without the system:", err != nil)
	// Output:
	// system: variable-mass d = 1
	// uniform: mean |H_pred − H_true − c| below 0.1: true
	// grid: mean |H_pred − H_true − c| below 0.1: true
	// gaussian: mean |H_pred − H_true − c| below 0.1: true
	// without the system: true
}
