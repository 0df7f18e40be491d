package reference

import (
	"fmt"
	"math"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// Extrapolation is an explicit, adaptive Gragg–Bulirsch–Stoer integrator: the
// modified midpoint rule with n_k = 2k substeps (k = 1, 2, …), Gragg's smoothing,
// and Aitken–Neville extrapolation of the results to zero step size in h².
// Column k of the extrapolation table has order 2k. A macro step is accepted at
// the first column k ≥ 2 whose estimate max_i |T_kk − T_k,k−1|_i / (1 + |y_i|)
// is at most Tol; if no column up to MaxColumns qualifies, the macro step is
// halved and retried. It is not symplectic and shares no code with
// GaussLegendre: it exists to cross-check reference solutions.
//
// The zero value uses the default settings.
type Extrapolation struct {
	// Tol is the local error tolerance per macro step, mixed absolute and
	// relative; 0 means 1e-13.
	Tol float64
	// MaxColumns is the largest number of extrapolation columns (order
	// 2·MaxColumns); 0 means 10.
	MaxColumns int
}

func (e Extrapolation) settings() (tol float64, cols int) {
	tol, cols = e.Tol, e.MaxColumns
	if tol == 0 {
		tol = 1e-13
	}
	if !(tol > 0) || math.IsInf(tol, 0) {
		panic(fmt.Sprintf("reference: invalid Extrapolation.Tol %v", e.Tol))
	}
	if cols == 0 {
		cols = 10
	}
	if cols < 2 {
		panic(fmt.Sprintf("reference: Extrapolation.MaxColumns = %d, want at least 2", e.MaxColumns))
	}
	return tol, cols
}

// Trajectory integrates from y0 and returns steps+1 states, the state at
// t = k·dt in element k. Macro steps are chosen adaptively and never cross an
// observation time. It panics on the same misuse as GaussLegendre.Trajectory
// and returns an error if the step size underflows or values become
// non-finite.
func (e Extrapolation) Trajectory(s system.System, y0 []float64, dt float64, steps int) ([][]float64, error) {
	system.CheckState(s, y0)
	checkGrid(dt, steps, 0)
	tol, cols := e.settings()
	n := len(y0)
	x := &gbs{sys: s, n: n, tol: tol, cols: cols}
	x.alloc()
	flat := make([]float64, (steps+1)*n)
	out := make([][]float64, steps+1)
	for k := range out {
		out[k] = flat[k*n : (k+1)*n : (k+1)*n]
	}
	copy(out[0], y0)
	y := append([]float64(nil), y0...)
	ynew := make([]float64, n)
	H := dt
	for k := 1; k <= steps; k++ {
		t, tEnd := 0.0, dt
		for t < tEnd {
			h, last := H, false
			if rem := tEnd - t; h >= rem*(1-1e-12) {
				h, last = rem, true
			}
			col, ok := x.step(y, h, ynew)
			if !ok {
				H = h / 2
				if H < dt*1e-10 {
					return nil, fmt.Errorf("reference: %s: extrapolation step size underflow at step %d", s.Name(), k)
				}
				continue
			}
			copy(y, ynew)
			if last {
				t = tEnd
			} else {
				t += h
			}
			switch {
			case col <= cols/2:
				H = 2 * h
			case col >= cols-1:
				H = h / 2
			default:
				H = h
			}
		}
		copy(out[k], y)
	}
	return out, nil
}

// gbs is the work space of Extrapolation.
type gbs struct {
	sys       system.System
	n         int
	tol       float64
	cols      int
	g         []float64
	z0, z1, f []float64
	table     [][]float64 // current diagonal row of the Aitken–Neville table
	row       [][]float64
}

func (x *gbs) alloc() {
	x.g = make([]float64, x.n)
	x.z0 = make([]float64, x.n)
	x.z1 = make([]float64, x.n)
	x.f = make([]float64, x.n)
	x.table = make([][]float64, x.cols)
	x.row = make([][]float64, x.cols)
	for i := range x.cols {
		x.table[i] = make([]float64, x.n)
		x.row[i] = make([]float64, x.n)
	}
}

func (x *gbs) field(dst, y []float64) {
	x.sys.Grad(x.g, y)
	d := x.n / 2
	for i := range d {
		dst[i] = x.g[d+i]
		dst[d+i] = -x.g[i]
	}
}

// midpoint writes the smoothed modified-midpoint result with m substeps of
// H/m from y into dst.
func (x *gbs) midpoint(y []float64, H float64, m int, dst []float64) {
	h := H / float64(m)
	z0, z1, f := x.z0, x.z1, x.f
	copy(z0, y)
	x.field(f, y)
	for i := range z1 {
		z1[i] = y[i] + h*f[i]
	}
	for range m - 1 {
		x.field(f, z1)
		for i := range z1 {
			z0[i], z1[i] = z1[i], z0[i]+2*h*f[i]
		}
	}
	x.field(f, z1)
	for i := range dst {
		dst[i] = 0.5 * (z1[i] + z0[i] + h*f[i])
	}
}

// step makes one macro step of size H from y into dst. It reports the column
// at which it converged and whether it did.
func (x *gbs) step(y []float64, H float64, dst []float64) (int, bool) {
	// table[j] holds T_{k-1,j} from the previous row; row[j] builds T_{k,j}.
	for k := range x.cols {
		nk := float64(2 * (k + 1))
		x.midpoint(y, H, 2*(k+1), x.row[0])
		for j := 1; j <= k; j++ {
			nkj := float64(2 * (k - j + 1))
			r := nk / nkj
			den := r*r - 1
			for i := range x.n {
				x.row[j][i] = x.row[j-1][i] + (x.row[j-1][i]-x.table[j-1][i])/den
			}
		}
		if k >= 1 {
			errMax := 0.0
			finite := true
			for i := range x.n {
				v := x.row[k][i]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					finite = false
					break
				}
				errMax = max(errMax, math.Abs(v-x.row[k-1][i])/(1+math.Abs(y[i])))
			}
			if !finite {
				return k + 1, false
			}
			if errMax <= x.tol {
				copy(dst, x.row[k])
				return k + 1, true
			}
		}
		x.table, x.row = x.row, x.table
	}
	return x.cols, false
}
