package gradient

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
)

// DefaultCrossover is the rollout length up to which Auto uses Backprop.
// (Provisional value; see hnn bench step.)
const DefaultCrossover = 64

// Auto picks the faster method for the problem's rollout length N when it
// is compiled: Backprop for N ≤ Crossover, the unrolled DiscreteAdjoint
// (the same gradient to round-off, with memory flat in N) above.
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
