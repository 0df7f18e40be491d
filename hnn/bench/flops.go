package bench

import (
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// FieldFLOPs is the number of floating-point operations of one evaluation of
// the learned vector field F = J⁻¹∇H on one state, for an MLP with input
// width n₀ = 2d and hidden widths n₁…n_L (the ansatz's closed-form gradient):
//
//	forward   z_l = a_{l−1}W_l + b_l, a_l = tanh(z_l):   2·n_{l−1}·n_l + 2·n_l
//	backward  δ_l = g_l ⊙ (1 − a_l²), g_{l−1} = δ_l W_lᵀ: 2·n_{l−1}·n_l + 3·n_l
//
//	FieldFLOPs = Σ_{l=1..L} (4·n_{l−1}·n_l + 5·n_l)
//
// counting a multiply–add as 2 and tanh as 1, and neglecting the O(d)
// integrator arithmetic and the energy's output layer (∇H does not need
// it). For 2-16-32-16 it is 4·1056 + 5·64 = 4544.
func FieldFLOPs(d int, widths []int) float64 {
	in, total := 2*d, 0.0
	for _, w := range widths {
		total += 4*float64(in*w) + 5*float64(w)
		in = w
	}
	return total
}

// FieldEvaluations returns how many times one step of integ evaluates F
// (with observed guesses available, as in the rollout loss), or 0 if the
// integrator is not known:
//
//	ImplicitMidpoint: k sweeps + 2 for the RK2 predictor (0 for Observed)
//	GaussLegendre2:   2k sweeps + 3 for the RK2 predictor (0 for Observed)
func FieldEvaluations(integ integrator.Integrator) int {
	switch m := integ.(type) {
	case integrator.ImplicitMidpoint:
		if m.Predictor == integrator.Observed {
			return m.Iters()
		}
		return m.Iters() + 2
	case integrator.GaussLegendre2:
		if m.Predictor == integrator.Observed {
			return 2 * m.Iters()
		}
		return 2*m.Iters() + 3
	case integrator.GaussLegendre3:
		if m.Predictor == integrator.Observed {
			return 3 * m.Iters()
		}
		return 3*m.Iters() + 4
	}
	return 0
}

// StepFLOPs returns the floating-point operations one training step of
// method executes on a batch of b windows of p's rollout (0 if p's
// integrator or model is not an MLP/known integrator), with
// f = FieldFLOPs, E = FieldEvaluations, N the rollout:
//
//	forward rollout                                   Φ = N·E·f·b
//	a vector–Jacobian product (second-order: through ∇H into θ and y)
//	costs 2× the pass it differentiates               (matmuls: 2 per forward matmul)
//	Backprop                                          3·Φ
//	DiscreteAdjoint (unrolled, chunks of K steps, the last of L ≤ K):
//	  the forward pass up to the last chunk, then
//	  every step again plus its VJP                   (N − L)/N·Φ + 3·Φ
//	  beyond MaxStoredStates (kept states every C steps,
//	  C a multiple of K near √N, the other chunk starts
//	  solved again: S steps)                          + S/N·Φ
//	  with Recompute (step by step, one backward
//	  solve per step)                                 5·Φ
//	DiscreteAdjoint (converged, A adjoint iterations):
//	  Φ + N·b·f·(1 + 2·(A+1))  (+ Φ with Recompute)
//
// The Adam update (about 15 operations per weight) is added; the loss and
// the residual (O(N·b·d)) are neglected. These are the operations the method
// executes, recomputations included, so GFLOP/s measure throughput, not
// useful work: at N = 6 and K = 3 the adjoint executes 7/6 of Backprop's
// operations.
func StepFLOPs(p gradient.Problem, widths []int, method gradient.Method, b int) float64 {
	e := FieldEvaluations(p.Integ())
	if e == 0 || p.Model == nil {
		return 0
	}
	d, n := p.Model.Dim(), p.N()
	f := FieldFLOPs(d, widths)
	phi := float64(n*e*b) * f
	var total float64
	if a, ok := method.(gradient.Auto); ok {
		method = a.Choose(n)
	}
	switch m := method.(type) {
	case gradient.Backprop:
		total = 3 * phi
	case gradient.DiscreteAdjoint:
		if m.Variant == gradient.Converged {
			iters := m.AdjointIterations
			if iters <= 0 {
				iters = gradient.DefaultAdjointIterations
			}
			total = phi + float64(n*b)*f*float64(1+2*(iters+1))
			if m.Recompute {
				total += phi
			} else if k := m.CheckpointInterval(n); k > 1 {
				// Checkpoints every K = ⌈√N⌉ steps: the other states are solved again.
				total += float64((n-(n+k-1)/k)*e*b) * f
			}
		} else if m.Recompute {
			// The forward pass, then per step a backward solve, the step
			// again and its VJP.
			total = 5 * phi
		} else {
			// The forward pass up to the last chunk and the chunk starts
			// solved again between kept states, then every step again with
			// its VJP.
			k, last, every := m.ChunkSchedule(n)
			solves := n - last
			for s := 0; s < n-last; s += every {
				solves += min(every, n-last-s) - k
			}
			total = 3*phi + phi*float64(solves)/float64(n)
		}
	default:
		return 0
	}
	return total + 15*float64(paramCount(d, widths))
}

// paramCount is the number of weights of the MLP (hidden weights and biases, output weights).
func paramCount(d int, widths []int) int {
	in, n := 2*d, 0
	for _, w := range widths {
		n += in*w + w
		in = w
	}
	return n + in
}
