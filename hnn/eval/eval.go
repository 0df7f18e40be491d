package eval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// Set is a named set of test points.
type Set struct {
	// Name is "uniform", "grid" or "gaussian".
	Name string
	// Points are phase-space states of length 2d.
	Points [][]float64
}

// Sets returns the three test sets of domain d, drawn with seed.
func Sets(d system.Domain, seed uint64) []Set {
	return []Set{
		{Name: "uniform", Points: Uniform(d.Box, d.Uniform, rand.New(rand.NewPCG(seed, 1)))},
		{Name: "grid", Points: Grid(d.Box, d.GridPerAxis)},
		{Name: "gaussian", Points: Gaussian(d.Box, d.Sigma, d.Uniform, rand.New(rand.NewPCG(seed, 2)))},
	}
}

// Uniform returns n points uniform in box (fixed axes keep their value).
func Uniform(box system.Box, n int, rng *rand.Rand) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		y := make([]float64, len(box.Lo))
		for k := range y {
			y[k] = box.Lo[k] + (box.Hi[k]-box.Lo[k])*rng.Float64()
		}
		pts[i] = y
	}
	return pts
}

// Grid returns the tensor grid with perAxis points (ends included) on each
// free axis of box; fixed axes keep their value.
func Grid(box system.Box, perAxis int) [][]float64 {
	if perAxis < 2 {
		panic(fmt.Sprintf("eval: a grid needs at least 2 points per axis, got %d", perAxis))
	}
	free := box.Free()
	total := 1
	for range free {
		total *= perAxis
	}
	pts := make([][]float64, total)
	for i := range pts {
		y := append([]float64(nil), box.Lo...)
		r := i
		for _, k := range free {
			j := r % perAxis
			r /= perAxis
			y[k] = box.Lo[k] + (box.Hi[k]-box.Lo[k])*float64(j)/float64(perAxis-1)
		}
		pts[i] = y
	}
	return pts
}

// Gaussian returns n points N(0, σ²) on the free axes of box; fixed axes keep
// their value.
func Gaussian(box system.Box, sigma float64, n int, rng *rand.Rand) [][]float64 {
	free := box.Free()
	pts := make([][]float64, n)
	for i := range pts {
		y := append([]float64(nil), box.Lo...)
		for _, k := range free {
			y[k] = sigma * rng.NormFloat64()
		}
		pts[i] = y
	}
	return pts
}

// GaugeError returns mean |pred − true − c| with c = mean(pred − true), and c.
func GaugeError(pred, truth []float64) (err, c float64) {
	if len(pred) != len(truth) || len(pred) == 0 {
		panic(fmt.Sprintf("eval: GaugeError needs equal, non-empty lengths, got %d and %d", len(pred), len(truth)))
	}
	for i := range pred {
		c += pred[i] - truth[i]
	}
	c /= float64(len(pred))
	for i := range pred {
		err += math.Abs(pred[i] - truth[i] - c)
	}
	return err / float64(len(pred)), c
}

// PointErrors returns |pred − true − c| at every point, with the gauge
// c = mean(pred − true) of GaugeError, and c: the values GaugeError averages.
func PointErrors(pred, truth []float64) (errs []float64, c float64) {
	_, c = GaugeError(pred, truth)
	errs = make([]float64, len(pred))
	for i := range pred {
		errs[i] = math.Abs(pred[i] - truth[i] - c)
	}
	return errs, c
}

// TrueEnergy returns s.H at every point.
func TrueEnergy(s system.System, points [][]float64) []float64 {
	out := make([]float64, len(points))
	for i, y := range points {
		out[i] = s.H(y)
	}
	return out
}

// Energy evaluates a learned Hamiltonian at a batch of points.
type Energy func(points [][]float64) ([]float64, error)

// Result is the gauge-fixed error on one test set.
type Result struct {
	Domain string  `json:"domain"`
	Set    string  `json:"set"`
	Points int     `json:"points"`
	Error  float64 `json:"error"`
	// Offset is the removed constant c.
	Offset float64 `json:"offset"`
	// Corrected marks the error of a bias-corrected energy
	// (hnn.Model.CorrectedEnergy); false for the energy as learned.
	Corrected bool `json:"corrected"`
}

// ErrNonFinite is returned (wrapped) by Evaluate when the energy scored, or
// its error against the truth, is not finite on a test set.
var ErrNonFinite = errors.New("the energy scored is not finite on the test set (or its error overflows)")

// DefaultSeed seeds the test sets unless a caller picks another.
const DefaultSeed = 20250901

// Evaluate scores h against s on every domain of s and every test set.
func Evaluate(s system.System, h Energy, seed uint64) ([]Result, error) {
	var out []Result
	for di, d := range s.Domains() {
		for _, set := range Sets(d, seed+uint64(di)) {
			pred, err := h(set.Points)
			if err != nil {
				return nil, fmt.Errorf("eval: %s/%s: %w", d.Name, set.Name, err)
			}
			truth := make([]float64, len(set.Points))
			for i, y := range set.Points {
				truth[i] = s.H(y)
			}
			e, c := GaugeError(pred, truth)
			if math.IsNaN(e) || math.IsInf(e, 0) {
				return nil, fmt.Errorf("eval: %s/%s: %w", d.Name, set.Name, ErrNonFinite)
			}
			out = append(out, Result{Domain: d.Name, Set: set.Name, Points: len(set.Points), Error: e, Offset: c})
		}
	}
	return out, nil
}
