package data_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Generate a noisy double-well dataset, split off a validation set and draw a
// training batch of windows of 6 steps (7 states).
func ExampleGenerate() {
	tr, err := data.Generate(system.DoubleWell{}, data.GenerateConfig{
		Trajectories: 100,
		Steps:        50,
		Dt:           0.01, // 10 internal steps of 0.001 each
		Noise:        0.01,
		Seed:         1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, val := tr.Split(20)
	fmt.Println("train:", train.N(), "trajectories of", train.Steps()+1, "states")
	fmt.Println("val:", val.N())
	batch := train.Windows(nil, rand.New(rand.NewPCG(1, 2)), 512, 6)
	fmt.Println("batch values:", len(batch), "= 512 × 7 × 2")
	// Output:
	// train: 80 trajectories of 51 states
	// val: 20
	// batch values: 7168 = 512 × 7 × 2
}

func ExampleTrajectories_WriteCSV() {
	tr := &data.Trajectories{
		Dim: 1,
		Dt:  0.1,
		States: [][][]float64{
			{{1, 0}, {0.995, -0.0998}},
			{{0.5, 0.25}, {0.52, 0.2}},
		},
	}
	if err := tr.WriteCSV(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// trajectory,t,q1,p1
	// 0,0,1,0
	// 0,0.1,0.995,-0.0998
	// 1,0,0.5,0.25
	// 1,0.1,0.52,0.2
}
