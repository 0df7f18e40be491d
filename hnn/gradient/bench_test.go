package gradient_test

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// BenchmarkTrainStep times one training step (loss, gradient, Adam update)
// of each gradient method at the paper's settings: B = 512, MLP
// 2-16-32-16-1 tanh, implicit midpoint with RK2 predictor and k = 3,
// h = 0.01, float64, at rollouts N = 6 (the paper's) and 32. The same numbers,
// interleaved in one process and with a FLOP count, come from
// `hnn bench step --gradient backprop,adjoint`.
func BenchmarkTrainStep(b *testing.B) {
	methods := []gradient.Method{
		gradient.Backprop{},
		gradient.DiscreteAdjoint{},
		gradient.DiscreteAdjoint{Recompute: true},
		gradient.DiscreteAdjoint{Variant: gradient.Converged},
	}
	for _, n := range []int{6, 32} {
		for _, m := range methods {
			b.Run(fmt.Sprintf("%s/N=%d", m, n), func(b *testing.B) {
				store, mlp := newModel(1, nil, dtypes.Float64, 1)
				p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.01, Rollout: n}
				c, err := m.Compile(testutil.Backend(), store, p, adam(store))
				if err != nil {
					b.Fatal(err)
				}
				obs := testutil.RandomWindows(1, 512, n, 1, 2)
				if _, err := c.Train(obs); err != nil { // compile
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := c.Train(obs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
