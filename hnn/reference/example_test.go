package reference_test

import (
	"fmt"
	"math"

	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// One step of the order-6 method on the pendulum, and the energy before and after.
func ExampleGaussLegendre_Step() {
	s := system.Pendulum{}
	y := []float64{1, 0}
	next := make([]float64, 2)
	if err := (reference.GaussLegendre{}).Step(s, y, 0.1, next); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("q=%.10f p=%.10f\n", next[0], next[1])
	fmt.Printf("H before %.12f, after %.12f\n", s.H(y), s.H(next))
	// Output:
	// q=0.9957945416 p=-0.0840711954
	// H before 0.459697694132, after 0.459697694132
}

// A double-well trajectory observed every 0.01 (10 internal steps of 0.001 each).
func ExampleTrajectory() {
	s := system.DoubleWell{}
	ys, err := reference.Trajectory(s, []float64{0.5, 1}, 0.01, 1000, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	drift := 0.0
	for _, y := range ys {
		drift = math.Max(drift, math.Abs(s.H(y)-s.H(ys[0])))
	}
	fmt.Println("states:", len(ys))
	fmt.Printf("y(10) = (%.8f, %.8f)\n", ys[1000][0], ys[1000][1])
	fmt.Println("energy drift below 1e-14:", drift < 1e-14)
	// Output:
	// states: 1001
	// y(10) = (0.26996533, -0.92275427)
	// energy drift below 1e-14: true
}
