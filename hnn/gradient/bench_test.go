package gradient_test

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// BenchmarkTrainStep times one training step (loss, gradient, Adam update) at
// the paper's settings: B=512, MLP 2-16-32-16-1 tanh, implicit midpoint with
// RK2 predictor and 3 fixed-point iterations, float64.
func BenchmarkTrainStep(b *testing.B) {
	for _, m := range []gradient.Method{gradient.Backprop{}} {
		for _, n := range []int{6, 32} {
			b.Run(fmt.Sprintf("%s/N=%d", m, n), func(b *testing.B) {
				store := model.NewStore()
				mlp := ansatz.MLP{D: 1}
				mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 1)
				p := gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: 0.01, Rollout: n}
				adam := optimizer.Adam().Done().(interface {
					UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
				})
				c, err := m.Compile(testutil.Backend(), store, p, adam.UpdateGraphWithGradients)
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
