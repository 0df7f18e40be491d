package reference

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// DefaultStep is the default largest internal step of Trajectory.
const DefaultStep = 0.001

// ErrNotConverged is wrapped by the errors returned when the implicit stage
// equations do not converge.
var ErrNotConverged = errors.New("implicit solve did not converge")

// ErrNonFinite is wrapped by the errors returned when a state or a stage value
// becomes NaN or infinite.
var ErrNonFinite = errors.New("non-finite value")

// GaussLegendre is the s-stage Gauss–Legendre collocation method (order 2s),
// symplectic for any Hamiltonian. The zero value is the 3-stage, order-6 method
// with the default tolerances. See the package documentation for the formulas.
type GaussLegendre struct {
	// Stages is the number of stages s, 1, 2 or 3; 0 means 3.
	Stages int
	// Tol is the relative tolerance of the fixed-point iteration on the stage
	// values: it stops when the largest change is at most Tol·max(1, ‖y‖∞);
	// 0 means 1e-15.
	Tol float64
	// MaxIter is the largest number of fixed-point sweeps per step; 0 means 100.
	MaxIter int
}

// tableau holds Butcher coefficients.
type tableau struct {
	a    [][]float64
	b, c []float64
}

var tableaus = func() [4]*tableau {
	r3 := math.Sqrt(3)
	r15 := math.Sqrt(15)
	return [4]*tableau{
		1: {
			a: [][]float64{{0.5}},
			b: []float64{1},
			c: []float64{0.5},
		},
		2: {
			a: [][]float64{
				{0.25, 0.25 - r3/6},
				{0.25 + r3/6, 0.25},
			},
			b: []float64{0.5, 0.5},
			c: []float64{0.5 - r3/6, 0.5 + r3/6},
		},
		3: {
			a: [][]float64{
				{5.0 / 36, 2.0/9 - r15/15, 5.0/36 - r15/30},
				{5.0/36 + r15/24, 2.0 / 9, 5.0/36 - r15/24},
				{5.0/36 + r15/30, 2.0/9 + r15/15, 5.0 / 36},
			},
			b: []float64{5.0 / 18, 4.0 / 9, 5.0 / 18},
			c: []float64{0.5 - r15/10, 0.5, 0.5 + r15/10},
		},
	}
}()

func (g GaussLegendre) tableau() *tableau {
	switch g.Stages {
	case 0:
		return tableaus[3]
	case 1, 2, 3:
		return tableaus[g.Stages]
	}
	panic(fmt.Sprintf("reference: GaussLegendre.Stages = %d, want 1, 2 or 3", g.Stages))
}

func (g GaussLegendre) tol() float64 {
	switch {
	case g.Tol == 0:
		return 1e-15
	case g.Tol < 0 || math.IsNaN(g.Tol) || math.IsInf(g.Tol, 0):
		panic(fmt.Sprintf("reference: invalid GaussLegendre.Tol %v", g.Tol))
	}
	return g.Tol
}

func (g GaussLegendre) maxIter() int {
	switch {
	case g.MaxIter == 0:
		return 100
	case g.MaxIter < 0:
		panic(fmt.Sprintf("reference: negative GaussLegendre.MaxIter %d", g.MaxIter))
	}
	return g.MaxIter
}

// Order returns the classical order 2s of the method.
func (g GaussLegendre) Order() int { return 2 * len(g.tableau().b) }

// stepper holds the work space of the Gauss–Legendre step for one system.
type stepper struct {
	sys     system.System
	tab     *tableau
	n       int // state length 2d
	tol     float64
	maxIter int
	z, f    [][]float64 // stage increments Z_i and derivatives f(y+Z_i)
	yi, g   []float64   // stage state and gradient scratch
}

func (g GaussLegendre) newStepper(s system.System) *stepper {
	tab := g.tableau()
	n := 2 * s.Dim()
	st := &stepper{sys: s, tab: tab, n: n, tol: g.tol(), maxIter: g.maxIter(),
		yi: make([]float64, n), g: make([]float64, n)}
	ns := len(tab.b)
	st.z = make([][]float64, ns)
	st.f = make([][]float64, ns)
	for i := range ns {
		st.z[i] = make([]float64, n)
		st.f[i] = make([]float64, n)
	}
	return st
}

// field writes f(y) = (∂H/∂p, −∂H/∂q) into dst.
func (st *stepper) field(dst, y []float64) {
	st.sys.Grad(st.g, y)
	d := st.n / 2
	for i := range d {
		dst[i] = st.g[d+i]
		dst[d+i] = -st.g[i]
	}
}

// increment solves the stage equations at y for step h and writes
// h Σ_j b_j f(y+Z_j) into delta. It returns the number of sweeps.
func (st *stepper) increment(y []float64, h float64, delta []float64) (int, error) {
	tab, n := st.tab, st.n
	ns := len(tab.b)
	scale := 1.0
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%w in the state", ErrNonFinite)
		}
		scale = max(scale, math.Abs(v))
	}
	// Start from the explicit Euler guess Z_i = c_i h f(y).
	f0 := st.f[0]
	st.field(f0, y)
	for i := range ns {
		for k := range n {
			st.z[i][k] = tab.c[i] * h * f0[k]
		}
	}
	prev := math.Inf(1)
	for it := 1; it <= st.maxIter; it++ {
		for j := range ns {
			for k := range n {
				st.yi[k] = y[k] + st.z[j][k]
			}
			st.field(st.f[j], st.yi)
		}
		change := 0.0
		for i := range ns {
			for k := range n {
				zk := 0.0
				for j := range ns {
					zk += tab.a[i][j] * st.f[j][k]
				}
				zk *= h
				dz := math.Abs(zk - st.z[i][k])
				if !(dz <= change) { // also catches NaN
					change = dz
				}
				st.z[i][k] = zk
			}
		}
		if math.IsNaN(change) || math.IsInf(change, 0) {
			return it, fmt.Errorf("%w in the stage values", ErrNonFinite)
		}
		limit := st.tol * scale
		if change <= limit || (change >= prev && change <= 100*limit) {
			for k := range n {
				s := 0.0
				for j := range ns {
					s += tab.b[j] * st.f[j][k]
				}
				delta[k] = h * s
				if math.IsNaN(delta[k]) || math.IsInf(delta[k], 0) {
					return it, fmt.Errorf("%w in the increment", ErrNonFinite)
				}
			}
			return it, nil
		}
		prev = change
	}
	return st.maxIter, fmt.Errorf("%w in %d sweeps (last change %.3g, tolerance %.3g)",
		ErrNotConverged, st.maxIter, prev, st.tol*scale)
}

// Step advances y by one step of size h with the Gauss–Legendre method and
// writes the result into dst, which may alias y. It panics if y or dst do not
// have length 2·s.Dim() or if h is not finite, and returns an error wrapping
// ErrNotConverged or ErrNonFinite if the implicit solve fails (dst is then
// unspecified).
func (g GaussLegendre) Step(s system.System, y []float64, h float64, dst []float64) error {
	system.CheckState(s, y)
	system.CheckState(s, dst)
	if math.IsNaN(h) || math.IsInf(h, 0) {
		panic(fmt.Sprintf("reference: non-finite step size %v", h))
	}
	st := g.newStepper(s)
	delta := make([]float64, st.n)
	if _, err := st.increment(y, h, delta); err != nil {
		return fmt.Errorf("reference: %s: %w", s.Name(), err)
	}
	for k := range delta {
		dst[k] = y[k] + delta[k]
	}
	return nil
}

// Trajectory integrates from y0 and returns steps+1 states, the state at
// t = k·dt in element k (element 0 is a copy of y0). Each observation step is
// made of substeps internal Gauss–Legendre steps of size dt/substeps;
// substeps = 0 means ⌈dt/DefaultStep⌉. The states share one backing array.
//
// Trajectory panics if len(y0) ≠ 2·s.Dim(), dt is not positive and finite, or
// steps or substeps are negative, or substeps is 0 and DefaultSubsteps(dt)
// panics. It returns an error, naming the step and time,
// if the implicit solve fails or the state becomes non-finite.
func (g GaussLegendre) Trajectory(s system.System, y0 []float64, dt float64, steps, substeps int) ([][]float64, error) {
	system.CheckState(s, y0)
	checkGrid(dt, steps, substeps)
	if substeps == 0 {
		substeps = DefaultSubsteps(dt)
	}
	h := dt / float64(substeps)
	st := g.newStepper(s)
	n := st.n
	flat := make([]float64, (steps+1)*n)
	out := make([][]float64, steps+1)
	for k := range out {
		out[k] = flat[k*n : (k+1)*n : (k+1)*n]
	}
	copy(out[0], y0)
	y := make([]float64, n)
	comp := make([]float64, n) // Kahan compensation
	delta := make([]float64, n)
	copy(y, y0)
	for k := 1; k <= steps; k++ {
		for m := range substeps {
			if _, err := st.increment(y, h, delta); err != nil {
				t := (float64(k-1) + float64(m)/float64(substeps)) * dt
				return nil, fmt.Errorf("reference: %s: step %d (t=%g): %w", s.Name(), k, t, err)
			}
			for i := range n {
				inc := delta[i] + comp[i]
				next := y[i] + inc
				comp[i] = (y[i] - next) + inc
				y[i] = next
			}
		}
		copy(out[k], y)
	}
	return out, nil
}

// Trajectory is GaussLegendre{}.Trajectory: the default 3-stage, order-6 method.
func Trajectory(s system.System, y0 []float64, dt float64, steps, substeps int) ([][]float64, error) {
	return GaussLegendre{}.Trajectory(s, y0, dt, steps, substeps)
}

// DefaultSubsteps returns ⌈dt/DefaultStep⌉ (at least 1), the number of internal
// steps that Trajectory uses by default; e.g. 10 for dt = 0.01. It panics if
// the result exceeds 2³¹−1 (dt > 2.1·10⁶) or dt is NaN.
func DefaultSubsteps(dt float64) int {
	n := math.Ceil(dt/DefaultStep*(1-1e-12) - 1e-12)
	if math.IsNaN(n) {
		panic("reference: DefaultSubsteps(NaN)")
	}
	if n < 1 {
		return 1
	}
	if n > math.MaxInt32 {
		panic(fmt.Sprintf("reference: observation step %v too large", dt))
	}
	return int(n)
}

func checkGrid(dt float64, steps, substeps int) {
	if !(dt > 0) || math.IsInf(dt, 0) {
		panic(fmt.Sprintf("reference: observation step dt = %v, want positive and finite", dt))
	}
	if steps < 0 {
		panic(fmt.Sprintf("reference: negative number of steps %d", steps))
	}
	if substeps < 0 {
		panic(fmt.Sprintf("reference: negative number of substeps %d", substeps))
	}
}

// Trajectories is Trajectory from every initial state in y0, in parallel
// (one goroutine per state): out[i][k] is the state of trajectory i at
// time k·dt. substeps 0 means DefaultSubsteps(dt). The first error is returned.
func Trajectories(s system.System, y0 [][]float64, dt float64, steps, substeps int) ([][][]float64, error) {
	out := make([][][]float64, len(y0))
	errs := make([]error, len(y0))
	var wg sync.WaitGroup
	for i := range y0 {
		wg.Go(func() { out[i], errs[i] = Trajectory(s, y0[i], dt, steps, substeps) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("trajectory %d: %w", i, err)
		}
	}
	return out, nil
}
