package baseline_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
)

// TestObjectivesOnExactTrajectories builds windows that are converged
// implicit-midpoint trajectories of a random network H and checks each
// objective on them with that same H: SHNN's midpoint regression and the
// rollout loss vanish to round-off; HNN's central differences differ from
// the vector field by O(h²), so its loss is O(h⁴); shifting the windows by a
// constant noise makes every loss positive.
func TestObjectivesOnExactTrajectories(t *testing.T) {
	const h, n = 0.01, 6
	mlp := ansatz.MLP{D: 1, Widths: []int{8, 8}}
	store := model.NewStore()
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 7)
	exact := integrator.ImplicitMidpoint{Iterations: 60}
	p := gradient.Problem{Model: mlp, Integrator: exact, Step: h, Rollout: n}
	e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y0, bump *Node) []*Node {
		root.SetTraining(y0.Graph(), true)
		s := root.At(gradient.ScopeName)
		states, _ := integrator.Rollout(exact, p.VectorField(s), y0, nil, h, n)
		obs := Concatenate([]*Node{ExpandAxes(y0, 1), states}, 1) // [B, N+1, 2]
		var out []*Node
		for _, o := range []*Node{obs, Add(obs, bump)} {
			for _, obj := range []gradient.Objective{baseline.SHNN, baseline.HNN, gradient.RolloutLoss} {
				loss, _ := obj(p, s, o)
				out = append(out, loss)
			}
		}
		return out
	})
	y0 := testutil.RandomWindows(3, 32, 0, 1, 1.5)
	y0 = tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](y0), 32, 2)
	// bump: a fixed ±0.01 perturbation of every observed coordinate.
	bump := make([]float64, 32*(n+1)*2)
	for i := range bump {
		bump[i] = 0.01 * float64(1-2*(i%3%2))
	}
	out := e.MustCall(y0, tensors.FromFlatDataAndDimensions(bump, 32, n+1, 2))
	v := make([]float64, len(out))
	for i, o := range out {
		v[i] = tensors.MustCopyFlatData[float64](o)[0]
	}
	t.Logf("exact: SHNN %.3g, HNN %.3g, rollout %.3g; perturbed: %.3g, %.3g, %.3g", v[0], v[1], v[2], v[3], v[4], v[5])
	if !(v[0] < 1e-20) {
		t.Errorf("SHNN loss on midpoint trajectories of its own H: %.3g, want < 1e-20", v[0])
	}
	if !(v[1] < 1e-10) {
		t.Errorf("HNN loss on trajectories of its own H: %.3g, want O(h⁴) < 1e-10", v[1])
	}
	if !(v[2] < 1e-20) {
		t.Errorf("rollout loss on converged midpoint trajectories: %.3g, want < 1e-20", v[2])
	}
	for i, name := range []string{"SHNN", "HNN", "rollout"} {
		if !(v[3+i] > 1e-6) || math.IsNaN(v[3+i]) {
			t.Errorf("%s loss on perturbed windows: %.3g, want clearly positive", name, v[3+i])
		}
	}
}

func TestObjectivePanicsOnShortWindows(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("HNN with windows of 2 states must panic")
		}
	}()
	mlp := ansatz.MLP{D: 1, Widths: []int{4}}
	store := model.NewStore()
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 1)
	p := gradient.Problem{Model: mlp, Step: 0.01, Rollout: 1}
	e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, obs *Node) *Node {
		loss, _ := baseline.HNN(p, root.At(gradient.ScopeName), obs)
		return loss
	})
	e.MustCall(tensors.FromFlatDataAndDimensions(make([]float64, 4), 1, 2, 2))
}

func TestLookup(t *testing.T) {
	for _, n := range baseline.Names() {
		m, err := baseline.Lookup(n)
		if err != nil || m.Name != n || m.Label == "" || m.Cite == "" {
			t.Errorf("Lookup(%q) = %+v, %v", n, m, err)
		}
		if _, err := baseline.ObjectiveByName(m.Objective); err != nil {
			t.Errorf("%s: objective %q: %v", n, m.Objective, err)
		}
	}
	if _, err := baseline.Lookup("nope"); err == nil {
		t.Error("Lookup of an unknown name must fail")
	}
	if _, err := baseline.ObjectiveByName("nope"); err == nil {
		t.Error("ObjectiveByName of an unknown name must fail")
	}
}
