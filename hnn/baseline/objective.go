package baseline

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// HNN is the objective of Hamiltonian Neural Networks (Greydanus, Dzamba &
// Yosinski, NeurIPS 2019): match the model's vector field to time
// derivatives estimated from the observations, here by central differences
// inside each window of observed states ŷ₀…ŷ_N (N ≥ 2):
//
//	ẏ_i ≈ (ŷ_{i+1} − ŷ_{i−1}) / (2h),   L = mean_{b, i=1…N−1} ‖J⁻¹∇H(ŷ_i) − ẏ_i‖².
//
// No integrator is involved (Problem.Integrator is ignored). With
// observation noise σ the target's noise has standard deviation σ/(√2·h)
// per coordinate (0.7 for σ = h = 0.01), so the loss floor is about
// d·σ²/h² and the fit relies on averaging many windows. The residual is 0.
func HNN(p gradient.Problem, scope *model.Scope, obs *Node) (loss, residual *Node) {
	n := obs.Shape().Dim(1)
	if n < 3 {
		panic(fmt.Sprintf("baseline: HNN needs windows of at least 3 states (rollout ≥ 2) for central differences, got %d", n))
	}
	b, d2 := obs.Shape().Dim(0), obs.Shape().Dim(2)
	states := func(lo, hi int) *Node { return Slice(obs, AxisRange(), AxisRange(lo, hi), AxisRange()) }
	target := MulScalar(Sub(states(2, n), states(0, n-2)), 1/(2*p.Step))
	x := Reshape(states(1, n-1), b*(n-2), d2)
	f := Reshape(ansatz.VectorField(p.Model, scope, x), b, n-2, d2)
	return ReduceAllMean(ReduceSum(Square(Sub(f, target)), 2)), zero(obs)
}

// SHNN is the objective of symplectic Hamiltonian neural networks (David &
// Méhats, "Symplectic learning for Hamiltonian neural networks", J. Comput.
// Phys. 494, 2023): the implicit midpoint rule read as a regression with no
// solve. For consecutive observations ŷ_i, ŷ_{i+1} of each window,
//
//	L = mean_{b, i=0…N−1} ‖(ŷ_{i+1} − ŷ_i)/h − J⁻¹∇H((ŷ_i + ŷ_{i+1})/2)‖²,
//
// which is zero exactly when the observations are an implicit-midpoint
// trajectory of H (so H is the midpoint rule's modified Hamiltonian, not
// only an O(h) approximation). Problem.Integrator is ignored; the residual is 0.
func SHNN(p gradient.Problem, scope *model.Scope, obs *Node) (loss, residual *Node) {
	n := obs.Shape().Dim(1)
	if n < 2 {
		panic(fmt.Sprintf("baseline: SHNN needs windows of at least 2 states, got %d", n))
	}
	b, d2 := obs.Shape().Dim(0), obs.Shape().Dim(2)
	y0 := Slice(obs, AxisRange(), AxisRange(0, n-1), AxisRange())
	y1 := Slice(obs, AxisRange(), AxisRange(1, n), AxisRange())
	target := MulScalar(Sub(y1, y0), 1/p.Step)
	mid := Reshape(MulScalar(Add(y0, y1), 0.5), b*(n-1), d2)
	f := Reshape(ansatz.VectorField(p.Model, scope, mid), b, n-1, d2)
	return ReduceAllMean(ReduceSum(Square(Sub(f, target)), 2)), zero(obs)
}

// NSSNN is the objective of non-separable symplectic neural networks
// (Xiong et al., ICLR 2021) as published: the window is integrated with
// Tao's augmented map, the doubled state (q, p, x, y) carried over all N
// steps from the diagonal (x, y) = (q, p) = ŷ₀ (integrator.Tao.CarriedRollout,
// never reset or projected), and both copies are compared with the
// observations:
//
//	L = (1/(2·N·B)) Σ_i Σ_b (‖(q_i, p_i) − ŷ_i‖² + ‖(x_i, y_i) − ŷ_i‖²).
//
// Problem.Integrator must be an integrator.Tao (its ω); the residual is 0.
func NSSNN(p gradient.Problem, scope *model.Scope, obs *Node) (loss, residual *Node) {
	tao, ok := p.Integrator.(integrator.Tao)
	if !ok {
		panic(fmt.Sprintf("baseline: the NSSNN objective needs the tao integrator, got %v", p.Integ()))
	}
	n := obs.Shape().Dim(1) - 1
	y0 := Squeeze(Slice(obs, AxisRange(), AxisElem(0), AxisRange()), 1)
	field := func(y *Node) *Node { return ansatz.VectorField(p.Model, scope, y) }
	first, second := tao.CarriedRollout(field, y0, p.Step, n)
	return MulScalar(Add(gradient.Loss(first, obs), gradient.Loss(second, obs)), 0.5), zero(obs)
}

func zero(x *Node) *Node { return StopGradient(ScalarZero(x.Graph(), x.DType())) }

// Objective names, as in hnn.Spec.Objective.
const (
	RolloutObjective = "rollout"
	HNNObjective     = "hnn"
	SHNNObjective    = "shnn"
	NSSNNObjective   = "nssnn"
)

// Objectives lists the valid objective names.
var Objectives = []string{RolloutObjective, HNNObjective, SHNNObjective, NSSNNObjective}

// ObjectiveByName returns the objective called name: nil (the problem's
// default, gradient.RolloutLoss) for "rollout" or "", HNN for "hnn", SHNN for
// "shnn", NSSNN for "nssnn"; an error listing the valid names otherwise.
func ObjectiveByName(name string) (gradient.Objective, error) {
	switch name {
	case "", RolloutObjective:
		return nil, nil
	case HNNObjective:
		return HNN, nil
	case SHNNObjective:
		return SHNN, nil
	case NSSNNObjective:
		return NSSNN, nil
	}
	return nil, fmt.Errorf("unknown objective %q (valid: %v)", name, Objectives)
}
