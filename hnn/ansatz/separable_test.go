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

func TestSeparableGradientMatchesAutodiffAndIsSeparable(t *testing.T) {
	cases := []struct {
		name string
		h    ansatz.Separable
	}{
		{"d=1 default widths tanh", ansatz.Separable{D: 1}},
		{"d=2 8-8 softplus", ansatz.Separable{D: 2, Widths: []int{8, 8}, Activation: ansatz.SoftplusActivation}},
	}
	const tol = 1e-13
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			tc.h.Init(store.RootScope().At("h"), dtypes.Float64, 3)
			d := tc.h.D
			// Outputs: closed-form ∇H, autodiff ∇H, and H at y and at y with
			// q and p taken from two different rows (T(p)+V(q) splits exactly);
			// then the (y, θ) cotangents of Σ z ⊙ ∇H, closed-form and autodiff
			// (the products training differentiates through).
			e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y, z *Node) []*Node {
				root.SetTraining(y.Graph(), true)
				s := root.At("h")
				mixed := Concatenate([]*Node{Slice(y, AxisRange(), AxisRange(0, d)), Slice(z, AxisRange(), AxisRange(d, 2*d))}, 1)
				mixed2 := Concatenate([]*Node{Slice(z, AxisRange(), AxisRange(0, d)), Slice(y, AxisRange(), AxisRange(d, 2*d))}, 1)
				// H(q_y,p_z) + H(q_z,p_y) − H(y) − H(z) = 0 for a separable H.
				sep := Sub(Add(tc.h.Energy(s, mixed), tc.h.Energy(s, mixed2)), Add(tc.h.Energy(s, y), tc.h.Energy(s, z)))
				closed, auto := tc.h.Gradient(s, y), ansatz.AutodiffGradient(tc.h, s, y)
				wrt := []*Node{y}
				for v := range s.IterVariables() {
					wrt = append(wrt, v.NodeValue(y.Graph()))
				}
				vjpClosed := Gradient(ReduceAllSum(Mul(z, closed)), wrt...)
				vjpAuto := Gradient(ReduceAllSum(Mul(z, auto)), wrt...)
				return append(append([]*Node{closed, auto, sep}, vjpClosed...), vjpAuto...)
			})
			flat := func(seed uint64) *tensors.Tensor {
				w := testutil.RandomWindows(seed, 20, 0, d, 2)
				return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](w), 20, 2*d)
			}
			out := e.MustCall(flat(1), flat(2))
			closed, auto := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
			worst := 0.0
			for i := range closed {
				worst = math.Max(worst, math.Abs(closed[i]-auto[i])/math.Max(1, math.Abs(auto[i])))
			}
			if worst > tol {
				t.Errorf("closed-form ∇H differs from autodiff by %.3g > %.0g", worst, tol)
			}
			for i, v := range tensors.MustCopyFlatData[float64](out[2]) {
				if math.Abs(v) > 1e-12 {
					t.Fatalf("row %d: H is not separable: mixed-sum defect %.3g", i, v)
				}
			}
			half := (len(out) - 3) / 2
			worst, scale := 0.0, 0.0
			for k := range half {
				c, a := tensors.MustCopyFlatData[float64](out[3+k]), tensors.MustCopyFlatData[float64](out[3+half+k])
				for i := range a {
					worst, scale = math.Max(worst, math.Abs(c[i]-a[i])), math.Max(scale, math.Abs(a[i]))
				}
			}
			if worst > 1e-12*scale {
				t.Errorf("closed-form reverse of ∇H differs from nested autodiff by %.3g (scale %.3g)", worst, scale)
			}
		})
	}
}

func TestSeparableInitAndString(t *testing.T) {
	h := ansatz.Separable{D: 1}
	get := func(seed uint64) []float64 {
		store := model.NewStore()
		h.Init(store.RootScope().At("h"), dtypes.Float64, seed)
		var all []float64
		for v := range store.IterVariables() {
			all = append(all, tensors.MustCopyFlatData[float64](v.MustValue())...)
		}
		return all
	}
	a, b, c := get(5), get(5), get(6)
	if want := 2 * (1*16 + 16 + 16*32 + 32 + 32*16 + 16 + 16); len(a) != want {
		t.Fatalf("default Separable has %d parameters, want %d", len(a), want)
	}
	same := true
	for i := range a {
		same = same && a[i] == b[i]
	}
	differ := false
	for i := range a {
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Errorf("Init: same seed must give the same weights and another seed other weights")
	}
	if got, want := h.String(), "separable T(p)+V(q), each 1-16-32-16-1 tanh"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSeparableShapeMisusePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("expected a panic for wrong input width")
		}
	}()
	store := model.NewStore()
	e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) *Node {
		return ansatz.Separable{D: 2}.Energy(root, y)
	})
	e.MustCall(tensors.FromFlatDataAndDimensions(make([]float64, 6), 3, 2))
}
