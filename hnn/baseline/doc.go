// Package baseline holds the methods this work is compared with in Table I
// of the paper, as pieces of the same harness: the same data, trainer
// (package train, gradient.Backprop) and evaluation (package eval).
//
// Two baselines are objectives (gradient.Objective), trained without an
// integrator:
//
//	HNN   Greydanus et al. 2019: ‖J⁻¹∇H(ŷ_i) − (ŷ_{i+1} − ŷ_{i−1})/(2h)‖²
//	SHNN  David & Méhats 2023:   ‖(ŷ_{i+1} − ŷ_i)/h − J⁻¹∇H((ŷ_i + ŷ_{i+1})/2)‖²
//
// The other two are trained with the paper's rollout loss (26) through an
// explicit integrator (package integrator):
//
//	NSSNN               Xiong et al. 2021: MLP H on the augmented phase space, integrator.Tao (ω = 20), the doubled state carried over each window (objective NSSNN)
//	separable leapfrog  H = T(p) + V(q) (ansatz.Separable), integrator.Leapfrog (Störmer–Verlet)
//
// Models lists the named model set ("nssnn", "shnn", "hnn",
// "separable-leapfrog", "this-work"); each Model says which hnn.Spec fields
// (Ansatz, Integrator, Omega, Objective, Rollout) make it, so a baseline is
// just a Spec. This package does not import package hnn (hnn.Spec.Build
// resolves objective names with ObjectiveByName).
package baseline
