package system

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// System is an analytic Hamiltonian H(q,p) with its closed-form gradient.
//
// Implementations must be safe for concurrent use by several goroutines.
type System interface {
	// Name is the system's command-line name, e.g. "double-well".
	Name() string
	// Dim is the number of degrees of freedom d; states have length 2d.
	Dim() int
	// H returns the energy at y = (q, p), len(y) == 2·Dim().
	H(y []float64) float64
	// Grad writes ∇H(y) = (∂H/∂q, ∂H/∂p) into dst (len 2·Dim()).
	Grad(dst, y []float64)
	// Box is the default box from which training initial conditions are drawn.
	Box() Box
	// Domains lists the evaluation domains; the first is the primary one
	// (the one Table I of the paper reports).
	Domains() []Domain
}

// Box is an axis-aligned box in phase space: Lo[i] ≤ y[i] ≤ Hi[i].
// An axis with Lo[i] == Hi[i] is fixed at that value (a slice).
type Box struct {
	Lo, Hi []float64
}

// Cube returns the box [lo, hi]^n.
func Cube(n int, lo, hi float64) Box {
	b := Box{Lo: make([]float64, n), Hi: make([]float64, n)}
	for i := range n {
		b.Lo[i], b.Hi[i] = lo, hi
	}
	return b
}

// Free returns the indices of the axes that are not fixed (Lo < Hi).
func (b Box) Free() []int {
	var free []int
	for i := range b.Lo {
		if b.Lo[i] < b.Hi[i] {
			free = append(free, i)
		}
	}
	return free
}

// Contains reports whether y lies in the box (boundaries included).
func (b Box) Contains(y []float64) bool {
	for i, v := range y {
		if v < b.Lo[i] || v > b.Hi[i] {
			return false
		}
	}
	return true
}

// Domain is an evaluation domain for a learned Hamiltonian: uniform points and a
// grid in Box, and Gaussian points N(Center, Sigma²) on the free axes of Box
// (fixed axes keep their value).
type Domain struct {
	// Name identifies the domain, e.g. "box" or "slice".
	Name string
	// Box bounds the uniform and grid test sets.
	Box Box
	// Sigma is the standard deviation of the Gaussian test set.
	Sigma float64
	// Uniform is the number of uniform random test points.
	Uniform int
	// GridPerAxis is the number of grid points per free axis.
	GridPerAxis int
}

// VectorField writes J⁻¹∇H(y) = (∂H/∂p, −∂H/∂q) into dst.
func VectorField(s System, dst, y []float64) {
	d := s.Dim()
	g := make([]float64, 2*d)
	s.Grad(g, y)
	for i := range d {
		dst[i] = g[d+i]
		dst[d+i] = -g[i]
	}
}

// CheckState panics with a "system: ..." message if y does not have length 2·s.Dim().
func CheckState(s System, y []float64) {
	if len(y) != 2*s.Dim() {
		panic(fmt.Sprintf("system: %s expects states of length %d, got %d", s.Name(), 2*s.Dim(), len(y)))
	}
}

// planar returns the standard 2-D evaluation domain of the paper: box [−2,2]²,
// 100,000 uniform points, a 30×30 grid and Gaussian N(0, I).
func planar() []Domain {
	return []Domain{{Name: "box", Box: Cube(2, -2, 2), Sigma: 1, Uniform: 100_000, GridPerAxis: 30}}
}

// DoubleWell is a particle in a symmetric double-well potential:
//
//	H = p²/2 + q⁴/4 − q²/2.
type DoubleWell struct{}

func (DoubleWell) Name() string { return "double-well" }
func (DoubleWell) Dim() int     { return 1 }
func (DoubleWell) H(y []float64) float64 {
	q, p := y[0], y[1]
	return p*p/2 + q*q*q*q/4 - q*q/2
}
func (DoubleWell) Grad(dst, y []float64) {
	q, p := y[0], y[1]
	dst[0] = q*q*q - q
	dst[1] = p
}
func (DoubleWell) Box() Box          { return Cube(2, -2, 2) }
func (DoubleWell) Domains() []Domain { return planar() }

// CoupledOscillator is a harmonic oscillator with a position–momentum coupling,
// non-separable for Alpha ≠ 0:
//
//	H = p²/2 + q²/2 + α·p·q.
//
// The zero value has α = 0; use NewCoupledOscillator for the default α = 0.5.
// |α| < 1 keeps H positive definite (bounded orbits).
type CoupledOscillator struct {
	Alpha float64
}

// DefaultAlpha is the coupled oscillator's default coupling α.
const DefaultAlpha = 0.5

// NewCoupledOscillator returns the coupled oscillator with coupling alpha.
func NewCoupledOscillator(alpha float64) CoupledOscillator { return CoupledOscillator{Alpha: alpha} }

func (CoupledOscillator) Name() string { return "coupled-oscillator" }
func (CoupledOscillator) Dim() int     { return 1 }
func (c CoupledOscillator) H(y []float64) float64 {
	q, p := y[0], y[1]
	return p*p/2 + q*q/2 + c.Alpha*p*q
}
func (c CoupledOscillator) Grad(dst, y []float64) {
	q, p := y[0], y[1]
	dst[0] = q + c.Alpha*p
	dst[1] = p + c.Alpha*q
}
func (CoupledOscillator) Box() Box          { return Cube(2, -2, 2) }
func (CoupledOscillator) Domains() []Domain { return planar() }

// HenonHeiles is the 2-degree-of-freedom Hénon–Heiles system (chaotic at
// energies near the escape energy 1/6):
//
//	H = (px² + py²)/2 + (qx² + qy²)/2 + qx²·qy − qy³/3,
//
// with y = (qx, qy, px, py). Training initial conditions come from [−0.3, 0.3]⁴,
// where H < 1/6 so that trajectories stay bounded.
type HenonHeiles struct{}

// HenonHeilesEscapeEnergy is the energy above which orbits can leave for infinity.
const HenonHeilesEscapeEnergy = 1.0 / 6

func (HenonHeiles) Name() string { return "henon-heiles" }
func (HenonHeiles) Dim() int     { return 2 }
func (HenonHeiles) H(y []float64) float64 {
	qx, qy, px, py := y[0], y[1], y[2], y[3]
	return (px*px+py*py)/2 + (qx*qx+qy*qy)/2 + qx*qx*qy - qy*qy*qy/3
}
func (HenonHeiles) Grad(dst, y []float64) {
	qx, qy, px, py := y[0], y[1], y[2], y[3]
	dst[0] = qx + 2*qx*qy
	dst[1] = qy + qx*qx - qy*qy
	dst[2] = px
	dst[3] = py
}
func (HenonHeiles) Box() Box { return Cube(4, -0.3, 0.3) }

// Domains: the paper's slice qx = 0.1, px = 0.2, (qy, py) ∈ [−0.5, 0.5]² with
// 50,000 uniform points, a 30×30 grid and σ = 0.5; then the full training box
// [−0.3, 0.3]⁴ (grid 10 per axis).
func (HenonHeiles) Domains() []Domain {
	return []Domain{
		{Name: "slice", Box: Box{Lo: []float64{0.1, -0.5, 0.2, -0.5}, Hi: []float64{0.1, 0.5, 0.2, 0.5}},
			Sigma: 0.5, Uniform: 50_000, GridPerAxis: 30},
		{Name: "box", Box: Cube(4, -0.3, 0.3), Sigma: 0.15, Uniform: 100_000, GridPerAxis: 10},
	}
}

// Pendulum is the mathematical pendulum (unit mass, length and gravity):
//
//	H = p²/2 + (1 − cos q).
type Pendulum struct{}

func (Pendulum) Name() string { return "pendulum" }
func (Pendulum) Dim() int     { return 1 }
func (Pendulum) H(y []float64) float64 {
	return y[1]*y[1]/2 + 1 - math.Cos(y[0])
}
func (Pendulum) Grad(dst, y []float64) {
	dst[0] = math.Sin(y[0])
	dst[1] = y[1]
}
func (Pendulum) Box() Box          { return Cube(2, -2, 2) }
func (Pendulum) Domains() []Domain { return planar() }

// ProductOscillator is a non-separable Hamiltonian whose frequency depends on
// the energy:
//
//	H = (q² + 1)(p² + 1)/2.
type ProductOscillator struct{}

func (ProductOscillator) Name() string { return "product-oscillator" }
func (ProductOscillator) Dim() int     { return 1 }
func (ProductOscillator) H(y []float64) float64 {
	q, p := y[0], y[1]
	return (q*q + 1) * (p*p + 1) / 2
}
func (ProductOscillator) Grad(dst, y []float64) {
	q, p := y[0], y[1]
	dst[0] = q * (p*p + 1)
	dst[1] = p * (q*q + 1)
}
func (ProductOscillator) Box() Box          { return Cube(2, -2, 2) }
func (ProductOscillator) Domains() []Domain { return planar() }

// Func is a user-defined system built from closed-form functions.
type Func struct {
	// SystemName is returned by Name.
	SystemName string
	// D is the number of degrees of freedom.
	D int
	// Energy returns H(y).
	Energy func(y []float64) float64
	// Gradient writes ∇H(y) into dst.
	Gradient func(dst, y []float64)
	// TrainBox is returned by Box; the zero value means [−2, 2]^(2D).
	TrainBox Box
	// EvalDomains is returned by Domains; nil means one domain "box" equal to
	// the training box, 100,000 uniform points, 30 grid points per axis for
	// 2-D phase spaces (10 otherwise) and σ = 1.
	EvalDomains []Domain
}

func (f Func) Name() string          { return f.SystemName }
func (f Func) Dim() int              { return f.D }
func (f Func) H(y []float64) float64 { return f.Energy(y) }
func (f Func) Grad(dst, y []float64) { f.Gradient(dst, y) }
func (f Func) Box() Box {
	if f.TrainBox.Lo == nil {
		return Cube(2*f.D, -2, 2)
	}
	return f.TrainBox
}
func (f Func) Domains() []Domain {
	if f.EvalDomains != nil {
		return f.EvalDomains
	}
	grid := 30
	if f.D > 1 {
		grid = 10
	}
	return []Domain{{Name: "box", Box: f.Box(), Sigma: 1, Uniform: 100_000, GridPerAxis: grid}}
}

// Options configure Lookup.
type Options struct {
	// Alpha is the coupled oscillator's coupling; nil means DefaultAlpha (0.5).
	Alpha *float64
}

var builtins = map[string]func(Options) System{
	"double-pendulum": func(Options) System { return DoublePendulum{} },
	"double-well":     func(Options) System { return DoubleWell{} },
	"coupled-oscillator": func(o Options) System {
		a := DefaultAlpha
		if o.Alpha != nil {
			a = *o.Alpha
		}
		return CoupledOscillator{Alpha: a}
	},
	"henon-heiles":       func(Options) System { return HenonHeiles{} },
	"pendulum":           func(Options) System { return Pendulum{} },
	"product-oscillator": func(Options) System { return ProductOscillator{} },
}

// Names returns the built-in system names, sorted.
func Names() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the built-in system called name, or an error listing the valid names.
func Lookup(name string, opt Options) (System, error) {
	mk, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("unknown system %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	return mk(opt), nil
}
