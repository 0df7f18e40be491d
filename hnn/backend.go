package hnn

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, the default
)

var (
	backendOnce sync.Once
	backend     compute.Backend
	backendErr  error
)

// ErrBackend is returned (wrapped) by Backend when $GOMLX_BACKEND names a
// backend that cannot be created.
var ErrBackend = errors.New("GoMLX backend unavailable")

// DefaultBackend is the GoMLX backend used when $GOMLX_BACKEND is unset.
const DefaultBackend = "go"

// Backend returns the process's GoMLX backend: $GOMLX_BACKEND if set, else
// the pure-Go backend. A backend that cannot be created (an unknown name, or
// XLA without its PJRT plugin) is an error that says so, never a panic.
func Backend() (compute.Backend, error) {
	backendOnce.Do(func() {
		cfg := os.Getenv("GOMLX_BACKEND")
		if cfg == "" {
			cfg = DefaultBackend
		}
		backend, backendErr = newBackend(cfg)
		if backendErr != nil {
			backendErr = fmt.Errorf("%w: %q (from $GOMLX_BACKEND): %v; the pure-Go backend is %q, XLA (\"xla:cpu\", \"xla:cuda\") needs its PJRT plugin installed and the XLA backend imported", ErrBackend, cfg, backendErr, DefaultBackend)
		}
	})
	return backend, backendErr
}

// newBackend creates the backend cfg, turning a panic of the backend
// registry into an error.
func newBackend(cfg string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return compute.NewWithConfig(cfg)
}
