package gradient

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
)

// DefaultCrossover is the rollout length up to which Auto uses Backprop.
//
// Backprop's training step was faster than the adjoint's at every N measured
// (`hnn bench step --gradient backprop,adjoint`, the two methods timed
// interleaved in one process), up to DefaultCrossover, the longest rollout
// measured: the unrolled adjoint solves every step but those of its last
// chunk twice, more past MaxStoredStates. What grows is Backprop's memory,
// linearly in N (its gradient graph keeps every step's activations), against
// flat in N for the adjoint (`hnn bench memory`). So Backprop is chosen up to
// DefaultCrossover and the adjoint beyond, where Backprop's memory, not its
// speed, is the limit. The README's benchmark section has the measurements.
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
