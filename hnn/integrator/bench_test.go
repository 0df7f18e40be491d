package integrator_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// BenchmarkStep times the layer: one integrator step, forward only, of the
// learned vector field F = J⁻¹∇H of the paper's MLP (2-16-32-16-1 tanh) on a
// batch of 512 states, h = 0.01, RK2 predictor and k = 3 fixed-point sweeps.
func BenchmarkStep(b *testing.B) {
	for _, dt := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
		for _, c := range []struct {
			name  string
			integ integrator.Integrator
		}{{"implicit-midpoint", integrator.ImplicitMidpoint{Iterations: 3}}, {"gauss-legendre", integrator.GaussLegendre2{Iterations: 3}}} {
			integ := c.integ
			b.Run(fmt.Sprintf("%s/%s", c.name, dt), func(b *testing.B) {
				store := model.NewStore()
				mlp := ansatz.MLP{D: 1}
				scope := store.RootScope().At("hamiltonian")
				mlp.Init(scope, dt, 1)
				e, err := model.NewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) (*Node, *Node) {
					root.SetTraining(y.Graph(), true)
					f := func(y *Node) *Node { return ansatz.VectorField(mlp, root.At("hamiltonian"), y) }
					return integ.Step(f, y, nil, 0.01)
				})
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				vals := make([]float64, 512*2)
				for i := range vals {
					vals[i] = 4*rng.Float64() - 2
				}
				in := tensors.FromFlatDataAndDimensions(vals, 512, 2)
				if dt == dtypes.Float32 {
					f := make([]float32, len(vals))
					for i, v := range vals {
						f[i] = float32(v)
					}
					in = tensors.FromFlatDataAndDimensions(f, 512, 2)
				}
				if _, err := e.Call(in); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					out, err := e.Call(in)
					if err != nil {
						b.Fatal(err)
					}
					for _, t := range out {
						t.FinalizeAll()
					}
				}
			})
		}
	}
}
