package data

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// MaxDraws is the number of rejected initial conditions after which Generate
// gives up on a trajectory.
const MaxDraws = 10_000

// GenerateConfig configures Generate. Trajectories and Steps are required; the
// zero value of every other field means its default.
type GenerateConfig struct {
	// Trajectories is the number N of trajectories; it must be positive.
	Trajectories int
	// Steps is the number S of observation steps after t = 0 (S+1 states per
	// trajectory); it must be positive.
	Steps int
	// Dt is the observation time step; 0 means 0.01.
	Dt float64
	// Substeps is the number of internal integrator steps per observation step;
	// 0 means reference.DefaultSubsteps(Dt), i.e. internal steps of at most
	// 0.001 (10 for Dt = 0.01).
	Substeps int
	// Noise is the standard deviation σ of the Gaussian noise added to every
	// coordinate of every state; 0 means clean data.
	Noise float64
	// Seed selects the random streams (initial conditions and noise).
	Seed uint64
	// Integrator is the reference integrator; the zero value is the order-6
	// Gauss–Legendre method.
	Integrator reference.GaussLegendre
	// Accept reports whether an initial condition drawn from the box is kept;
	// nil means DefaultAccept(s). It is called from several goroutines at once.
	Accept func(y0 []float64) bool
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0).
	// The result does not depend on it.
	Workers int
}

// DefaultAccept returns the default acceptance rule for initial conditions of
// s: for system.HenonHeiles it keeps H(y₀) < 1/6 (bounded orbits), for every
// other system it keeps all draws.
func DefaultAccept(s system.System) func(y0 []float64) bool {
	if _, ok := s.(system.HenonHeiles); ok {
		return func(y0 []float64) bool { return s.H(y0) < system.HenonHeilesEscapeEnergy }
	}
	return func([]float64) bool { return true }
}

// stream returns the random stream for (seed, system name, purpose, i).
func stream(seed uint64, name, purpose string, i int) *rand.Rand {
	h := sha256.New()
	var buf [8]byte
	h.Write([]byte("hnnlab/data/v1\x00" + purpose + "\x00"))
	binary.LittleEndian.PutUint64(buf[:], seed)
	h.Write(buf[:])
	binary.LittleEndian.PutUint64(buf[:], uint64(len(name)))
	h.Write(buf[:])
	h.Write([]byte(name))
	binary.LittleEndian.PutUint64(buf[:], uint64(i))
	h.Write(buf[:])
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}

// InitialCondition returns the initial condition of trajectory i that
// Generate uses for system s and seed (accept nil means DefaultAccept(s)). It
// returns an error if MaxDraws draws are all rejected.
func InitialCondition(s system.System, seed uint64, i int, accept func([]float64) bool) ([]float64, error) {
	if accept == nil {
		accept = DefaultAccept(s)
	}
	box := s.Box()
	rng := stream(seed, s.Name(), "initial-condition", i)
	y := make([]float64, 2*s.Dim())
	if len(box.Lo) != len(y) || len(box.Hi) != len(y) {
		panic(fmt.Sprintf("data: %s box has dimension %d, want %d", s.Name(), len(box.Lo), len(y)))
	}
	for range MaxDraws {
		for j := range y {
			y[j] = box.Lo[j] + (box.Hi[j]-box.Lo[j])*rng.Float64()
		}
		if accept(y) {
			return y, nil
		}
	}
	return nil, fmt.Errorf("data: %s: trajectory %d: all %d initial conditions drawn from the box were rejected", s.Name(), i, MaxDraws)
}

func (c GenerateConfig) check() GenerateConfig {
	switch {
	case c.Trajectories <= 0:
		panic(fmt.Sprintf("data: GenerateConfig.Trajectories = %d, want > 0", c.Trajectories))
	case c.Steps <= 0:
		panic(fmt.Sprintf("data: GenerateConfig.Steps = %d, want > 0", c.Steps))
	case c.Dt < 0 || math.IsNaN(c.Dt) || math.IsInf(c.Dt, 0):
		panic(fmt.Sprintf("data: GenerateConfig.Dt = %v, want positive and finite", c.Dt))
	case c.Substeps < 0:
		panic(fmt.Sprintf("data: GenerateConfig.Substeps = %d, want ≥ 0", c.Substeps))
	case c.Noise < 0 || math.IsNaN(c.Noise) || math.IsInf(c.Noise, 0):
		panic(fmt.Sprintf("data: GenerateConfig.Noise = %v, want ≥ 0 and finite", c.Noise))
	case c.Workers < 0:
		panic(fmt.Sprintf("data: GenerateConfig.Workers = %d, want ≥ 0", c.Workers))
	}
	if c.Dt == 0 {
		c.Dt = 0.01
	}
	if c.Substeps == 0 {
		c.Substeps = reference.DefaultSubsteps(c.Dt)
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// meta returns the provenance record of data generated with c (already
// checked) for s.
func (c GenerateConfig) meta(s system.System) *Meta {
	stages := c.Integrator.Stages
	if stages == 0 {
		stages = 3
	}
	return &Meta{
		Format:    FormatVersion,
		System:    s.Name(),
		Params:    systemParams(s),
		Dt:        c.Dt,
		Noise:     c.Noise,
		Seed:      c.Seed,
		Substeps:  c.Substeps,
		Generator: fmt.Sprintf("hnnlab data.Generate, Gauss-Legendre %d stages", stages),
	}
}

// MaxValues bounds the number of values trajectories × states × coordinates
// of a data set that Generate makes and the readers accept (2 GiB of float64).
const MaxValues = 1 << 28

// ErrTooLarge is returned (wrapped) by CheckSize and the functions that call it.
var ErrTooLarge = errors.New("dataset too large")

// CheckSize returns an error unless n trajectories of steps+1 states of d
// degrees of freedom fit in MaxValues.
func CheckSize(n, steps, d int) error {
	if v := float64(n) * (float64(steps) + 1) * float64(2*d); v > MaxValues {
		return fmt.Errorf("%w: %d trajectories × %.0f states × %d coordinates = %.3g values (limit %d)", ErrTooLarge, n, float64(steps)+1, 2*d, v, MaxValues)
	}
	return nil
}

// Generate returns cfg.Trajectories noisy observed trajectories of s (see the
// package documentation for the model and the random streams), with their
// provenance in Meta: the system's name and parameters (alpha for
// system.CoupledOscillator; a system with a method Params() map[string]float64
// reports its own), Dt, Noise, Seed, the number of substeps used and the
// integrator. It panics on an
// invalid configuration and returns an error if the data set would exceed
// MaxValues, an initial condition cannot be drawn or the reference
// integration fails.
func Generate(s system.System, cfg GenerateConfig) (*Trajectories, error) {
	return GenerateContext(context.Background(), s, cfg)
}

// GenerateContext is Generate, stopping early with ctx's error when ctx is
// cancelled (Ctrl-C during data generation).
func GenerateContext(ctx context.Context, s system.System, cfg GenerateConfig) (*Trajectories, error) {
	cfg = cfg.check()
	if err := CheckSize(cfg.Trajectories, cfg.Steps, s.Dim()); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	accept := cfg.Accept
	if accept == nil {
		accept = DefaultAccept(s)
	}
	out := &Trajectories{System: s.Name(), Dim: s.Dim(), Dt: cfg.Dt, States: make([][][]float64, cfg.Trajectories),
		Meta: cfg.meta(s)}
	errs := make([]error, cfg.Trajectories)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(cfg.Workers, cfg.Trajectories) {
		wg.Go(func() {
			for i := range next {
				out.States[i], errs[i] = generateOne(s, cfg, accept, i)
			}
		})
	}
	stopped := false
	for i := range cfg.Trajectories {
		if ctx.Err() != nil {
			stopped = true
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if stopped {
		return nil, ctx.Err()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func generateOne(s system.System, cfg GenerateConfig, accept func([]float64) bool, i int) (ys [][]float64, err error) {
	defer func() { // a panic in a worker goroutine would end the process with a trace
		if r := recover(); r != nil {
			ys, err = nil, fmt.Errorf("data: trajectory %d: internal error: %v", i, r)
		}
	}()
	y0, err := InitialCondition(s, cfg.Seed, i, accept)
	if err != nil {
		return nil, err
	}
	ys, err = cfg.Integrator.Trajectory(s, y0, cfg.Dt, cfg.Steps, cfg.Substeps)
	if err != nil {
		return nil, fmt.Errorf("data: trajectory %d from %v: %w", i, y0, err)
	}
	if cfg.Noise > 0 {
		rng := stream(cfg.Seed, s.Name(), "noise", i)
		for _, y := range ys {
			for j := range y {
				y[j] += cfg.Noise * rng.NormFloat64()
			}
		}
	}
	return ys, nil
}
