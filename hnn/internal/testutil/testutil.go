// Package testutil holds helpers shared by the tests of several packages:
// the pure-Go backend and random windows.
package testutil

import (
	"math/rand/v2"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend
	"github.com/gomlx/gomlx/core/tensors"
)

var (
	once    sync.Once
	backend compute.Backend
	bErr    error
)

// Backend returns a shared backend ($GOMLX_BACKEND, else pure Go) or panics.
func Backend() compute.Backend {
	once.Do(func() { backend, bErr = compute.New() })
	if bErr != nil {
		panic(bErr)
	}
	return backend
}

// RandomWindows returns a float64 tensor [b, n+1, 2d] of states uniform in
// [−scale, scale] with small increments along axis 1, like a noisy trajectory.
func RandomWindows(seed uint64, b, n, d int, scale float64) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	vals := make([]float64, b*(n+1)*2*d)
	for i := range b {
		for k := range 2 * d {
			x := (2*rng.Float64() - 1) * scale
			for j := range n + 1 {
				vals[(i*(n+1)+j)*2*d+k] = x + 0.01*float64(j)*rng.NormFloat64()
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(vals, b, n+1, 2*d)
}
