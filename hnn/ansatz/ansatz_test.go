package ansatz_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

func TestMLPGradientMatchesAutodiff(t *testing.T) {
	cases := []struct {
		name string
		mlp  ansatz.MLP
		tol  float64
	}{
		{"d=1 default widths tanh", ansatz.MLP{D: 1}, 1e-13},
		{"d=2 8-8 softplus", ansatz.MLP{D: 2, Widths: []int{8, 8}, Activation: ansatz.SoftplusActivation}, 1e-13},
		{"d=1 one hidden layer", ansatz.MLP{D: 1, Widths: []int{5}}, 1e-13},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			scope := store.RootScope().At("h")
			tc.mlp.Init(scope, dtypes.Float64, 1)
			e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) (*Node, *Node) {
				root.SetTraining(y.Graph(), true)
				s := root.At("h")
				return tc.mlp.Gradient(s, y), ansatz.AutodiffGradient(tc.mlp, s, y)
			})
			y := testutil.RandomWindows(2, 20, 0, tc.mlp.D, 2)
			y = tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](y), 20, 2*tc.mlp.D)
			out := e.MustCall(y)
			closed, auto := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
			worst := 0.0
			for i := range closed {
				worst = math.Max(worst, math.Abs(closed[i]-auto[i])/math.Max(1, math.Abs(auto[i])))
			}
			if worst > tc.tol {
				t.Errorf("closed-form ∇H differs from autodiff by %.3g > %.0g", worst, tc.tol)
			}
		})
	}
}

func TestMLPInitIsDeterministic(t *testing.T) {
	get := func(seed uint64) []float64 {
		store := model.NewStore()
		ansatz.MLP{D: 1}.Init(store.RootScope().At("h"), dtypes.Float64, seed)
		var all []float64
		for v := range store.IterVariables() {
			all = append(all, tensors.MustCopyFlatData[float64](v.MustValue())...)
		}
		return all
	}
	a, b, c := get(5), get(5), get(6)
	if len(a) != 2*16+16+16*32+32+32*16+16+16 {
		t.Fatalf("default MLP has %d parameters, want 1136", len(a))
	}
	same := func(x, y []float64) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Errorf("Init: same seed must give the same weights and another seed other weights")
	}
}

func TestMLPShapeMisusePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("expected a panic for wrong input width")
		}
	}()
	store := model.NewStore()
	e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) *Node {
		return ansatz.MLP{D: 2}.Energy(root, y)
	})
	e.MustCall(tensors.FromFlatDataAndDimensions(make([]float64, 6), 3, 2))
}

// TestMLPGradientVJPMatchesAutodiff checks the closed-form reverse of ∇_y H
// and of F = J⁻¹∇H (mlpSweep.vjp, attached through withVJP) against GoMLX's
// nested autodiff of Energy: first the cotangents of (y, θ) of Σ v ⊙ G, then
// one order higher, the (y, θ)-cotangents of Σ u ⊙ ∂(Σ v ⊙ G)/∂y, which exercise
// differentiating the custom VJP's own graph.
func TestMLPGradientVJPMatchesAutodiff(t *testing.T) {
	cases := []struct {
		name string
		mlp  ansatz.MLP
		tol  float64
	}{
		{"d=1 default widths tanh", ansatz.MLP{D: 1}, 1e-12},
		{"d=2 8-8 softplus", ansatz.MLP{D: 2, Widths: []int{8, 8}, Activation: ansatz.SoftplusActivation}, 1e-12},
		{"d=2 one hidden layer tanh", ansatz.MLP{D: 2, Widths: []int{5}}, 1e-12},
	}
	for _, tc := range cases {
		for _, field := range []bool{false, true} {
			name := tc.name + " ∇H"
			if field {
				name = tc.name + " F"
			}
			t.Run(name, func(t *testing.T) {
				store := model.NewStore()
				scope := store.RootScope().At("h")
				tc.mlp.Init(scope, dtypes.Float64, 3)
				const b = 13
				d2 := 2 * tc.mlp.D
				derivatives := func(m ansatz.MLP) []float64 {
					e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y, v, u *Node) []*Node {
						root.SetTraining(y.Graph(), true)
						s := root.At("h")
						var vars []*Node
						for x := range s.IterVariables() {
							vars = append(vars, x.NodeValue(y.Graph()))
						}
						var g *Node
						if field {
							g = ansatz.VectorField(m, s, y)
						} else {
							g = m.Gradient(s, y)
						}
						first := Gradient(ReduceAllSum(Mul(v, g)), append([]*Node{y}, vars...)...)
						third := Gradient(ReduceAllSum(Mul(u, first[0])), append([]*Node{y}, vars...)...)
						return append(append([]*Node{g}, first...), third...)
					})
					flat := func(seed uint64) *tensors.Tensor {
						x := testutil.RandomWindows(seed, b, 0, tc.mlp.D, 1.5)
						return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](x), b, d2)
					}
					var all []float64
					for _, o := range e.MustCall(flat(11), flat(12), flat(13)) {
						all = append(all, tensors.MustCopyFlatData[float64](o)...)
					}
					return all
				}
				closed := derivatives(tc.mlp)
				auto := tc.mlp
				auto.Autodiff = true
				ref := derivatives(auto)
				if len(closed) != len(ref) {
					t.Fatalf("%d values against autodiff's %d", len(closed), len(ref))
				}
				worst, scale := 0.0, 0.0
				for i := range ref {
					worst = math.Max(worst, math.Abs(closed[i]-ref[i]))
					scale = math.Max(scale, math.Abs(ref[i]))
				}
				if worst/scale > tc.tol {
					t.Errorf("closed-form derivatives differ from nested autodiff by %.3g (relative to %.3g) > %.0g", worst/scale, scale, tc.tol)
				}
				t.Logf("%d values, max |Δ| / max |ref| = %.2g", len(ref), worst/scale)
			})
		}
	}
}
