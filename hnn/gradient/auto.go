package gradient

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
)

// DefaultCrossover is the rollout length up to which Auto uses Backprop.
//
// Measured with `hnn bench step --gradient backprop,adjoint` (the two
// methods timed interleaved in one process; B = 512, MLP 2-16-32-16-1 tanh,
// implicit midpoint, RK2 predictor, k = 3, h = 0.01, float64, pure-Go backend
// built with GOEXPERIMENT=simd, on this project's 2-core AMD EPYC machine),
// median ms per training step, backprop vs adjoint:
//
//	N = 6:       22 vs     27  (1.22×; chunks of 3 steps)
//	N = 32:     129 vs    164  (1.27×; 140 vs 201 in another run)
//	N = 128:    573 vs   1070  (1.87×; the adjoint checkpoints from N+1 > 128)
//
// and, before the closed-form reverse of ∇H and the adjoint's chunks (both
// methods about 1.4× slower then), under the load of other jobs:
//
//	N = 512:  6492 vs  13876  (2.14×)
//	N = 1024: 11375 vs 17983  (1.58×; first step with compilation 62 s vs 24 s)
//
// Backprop's step is faster at every N measured: the unrolled adjoint solves
// every step but those of its last chunk twice, more past MaxStoredStates.
// What grows is backprop's memory: about 6.5 MB per integration step at
// B = 512 (peak RSS 0.31 GB at N = 32, 1.7 GB at N = 256, 6.7 GB at N = 1024,
// `hnn bench memory`), against a flat ≈65 MB for the adjoint. So Backprop is
// chosen up to N = 1024, the longest rollout measured, and the adjoint
// beyond, where backprop would need more than 13 GB at B = 512 (this machine
// has 23 GB).
const DefaultCrossover = 1024

// Auto picks the faster method for the problem's rollout length N when it
// is compiled: Backprop for N ≤ Crossover, the unrolled DiscreteAdjoint
// (the same gradient to round-off, with memory flat in N) above. A problem
// with a custom Objective always gets Backprop.
type Auto struct {
	// Crossover is the largest N that uses Backprop; 0 means DefaultCrossover.
	Crossover int
}

func (Auto) String() string { return "auto" }

// Choose returns the method Auto uses for a rollout of n steps.
func (a Auto) Choose(n int) Method {
	c := a.Crossover
	if c == 0 {
		c = DefaultCrossover
	}
	if n <= c {
		return Backprop{}
	}
	return DiscreteAdjoint{}
}

// Compile implements Method.
func (a Auto) Compile(backend compute.Backend, store *model.Store, p Problem, update Update) (Computer, error) {
	m := a.Choose(p.N())
	if p.Objective != nil {
		m = Backprop{} // only Backprop differentiates a custom objective
	}
	return m.Compile(backend, store, p, update)
}
