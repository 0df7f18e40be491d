package hnn

import (
	"github.com/gomlx/compute/dtypes"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Build is Resolve as a tuple.
//
// Deprecated: use Resolve. (Kept only until the notebooks move to Resolve.)
func (s Spec) Build() (system.System, ansatz.Hamiltonian, gradient.Problem, dtypes.DType, error) {
	r, err := s.Resolve()
	return r.System, r.Hamiltonian, r.Problem, r.DType, err
}
