package data_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

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

// Read a real recording: comment lines, a provenance line, trajectory ids
// that are labels, a start at t = 3, and a gap (t jumps from 3.2 to 3.5, three
// steps) where the trajectory is split into two segments. The record's dt
// gives the step exactly (from the times alone it would be 3.1 − 3 =
// 0.10000000000000009).
func ExampleReadCSV() {
	const file = `# pendulum bench, run 12
# hnnlab-data {"format":1,"system":"pendulum","dt":0.1,"units":"SI"}
trajectory,t,q1,p1
17,3,0.5,0
17,3.1,0.49,-0.1
17,3.2,0.46,-0.2
17,3.5,0.3,-0.45
17,3.6,0.22,-0.5
42,0,1,0
42,0.1,0.99,-0.1
`
	tr, err := data.ReadCSV(strings.NewReader(file), "run12.csv", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("system:", tr.System, "dt:", tr.Dt)
	for i := range tr.N() {
		fmt.Printf("trajectory %d: %d states from t = %v\n", i, tr.Length(i), tr.Start(i))
	}
	fmt.Println("gaps:", tr.Meta.Gaps, "units:", string(tr.Meta.Extra["units"]))
	// Output:
	// system: pendulum dt: 0.1
	// trajectory 0: 3 states from t = 3
	// trajectory 1: 2 states from t = 3.5
	// trajectory 2: 2 states from t = 0
	// gaps: 1 units: "SI"
}
