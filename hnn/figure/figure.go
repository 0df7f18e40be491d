package figure

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Labeled is a learned model with the label its panels and legend entries show.
type Labeled struct {
	Label string
	Model *hnn.Model
}

// MaxLinePoints is the most points per curve of the energy figures: longer
// series are thinned to every k-th point (the last one kept).
const MaxLinePoints = 2000

// Rollout integrates m's learned flow from each state of y0 for steps steps
// of dt with the implicit midpoint rule solved to round-off
// (hnn.Flow.Converged), in float64 (a float32 model is converted first), and
// returns the states and the largest fixed-point residual.
func Rollout(m *hnn.Model, y0 [][]float64, dt float64, steps int) ([][][]float64, float64, error) {
	m64, err := m.AsFloat64()
	if err != nil {
		return nil, 0, err
	}
	return m64.Flow().Converged(y0, dt, steps)
}

// TrueRollout integrates the true system s from each state of y0 for steps
// steps of dt with the order-6 Gauss–Legendre reference integrator
// (reference.Trajectories, default internal steps).
func TrueRollout(s system.System, y0 [][]float64, dt float64, steps int) ([][][]float64, error) {
	return reference.Trajectories(s, y0, dt, steps, 0)
}

// coordNames names the coordinates of a system, or of a model without one.
func coordNames(s system.System, d int) []string {
	if s == nil {
		return system.DefaultCoordNames(d)
	}
	return system.CoordNames(s)
}

// project returns the (i, j) coordinates of every state of every trajectory,
// one polyline per trajectory.
func project(trajs [][][]float64, i, j int) (xs, ys [][]float64) {
	for _, tr := range trajs {
		x, y := make([]float64, len(tr)), make([]float64, len(tr))
		for k, st := range tr {
			x[k], y[k] = st[i], st[j]
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}

// thin returns every k-th point of (xs, ys), the last one included, so that
// at most MaxLinePoints remain.
func thin(xs, ys []float64) ([]float64, []float64) {
	stride := max(1, (len(xs)+MaxLinePoints-1)/MaxLinePoints)
	if stride == 1 {
		return xs, ys
	}
	var tx, ty []float64
	for n := range xs {
		if n%stride == 0 || n == len(xs)-1 {
			tx, ty = append(tx, xs[n]), append(ty, ys[n])
		}
	}
	return tx, ty
}

// color returns the palette colour of model k.
func color(k int) string { return plot.Palette[k%len(plot.Palette)] }

// Starts returns n initial states for phase portraits of a one-degree-of-
// freedom system: points on the diagonal of box between its centre and its
// upper corner scaled by 0.15…0.9, at p = the centre's (orbits through
// (q, p̄)); deterministic.
func Starts(box system.Box, n int) [][]float64 {
	var out [][]float64
	for k := range n {
		t := 0.15 + 0.75*float64(k)/float64(max(n-1, 1))
		y := make([]float64, len(box.Lo))
		for a := range y {
			c := (box.Lo[a] + box.Hi[a]) / 2
			y[a] = c + t*(box.Hi[a]-c)
		}
		if len(y) == 2 {
			y[1] = (box.Lo[1] + box.Hi[1]) / 2
		}
		out = append(out, y)
	}
	return out
}

// BoxStarts returns five initial states in box for phase portraits on its
// axes (ax, ay): the other axes at their lower bound (a slice's fixed
// values), (ax, ay) at fractions of the box that show small and large orbits
// (for the double well: inside one well and around both).
func BoxStarts(box system.Box, ax, ay int) [][]float64 {
	fr := [][2]float64{{0.6, 0.5}, {0.8, 0.5}, {0.5, 0.75}, {0.95, 0.5}, {0.5, 0.9}}
	var out [][]float64
	for _, f := range fr {
		y := append([]float64(nil), box.Lo...)
		y[ax] = box.Lo[ax] + f[0]*(box.Hi[ax]-box.Lo[ax])
		y[ay] = box.Lo[ay] + f[1]*(box.Hi[ay]-box.Lo[ay])
		out = append(out, y)
	}
	return out
}

// HenonHeilesSectionStarts returns n initial states on the Poincaré section
// qx = 0 of the Hénon–Heiles system at energy E, spread over the allowed
// (qy, py) region with px > 0 solving H = E. The draw is deterministic in seed.
func HenonHeilesSectionStarts(E float64, n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out [][]float64
	for len(out) < n {
		qy := -0.6 + 1.2*rng.Float64()
		py := -0.6 + 1.2*rng.Float64()
		v := qy*qy/2 - qy*qy*qy/3
		px2 := 2*(E-v) - py*py
		if px2 <= 0.01 {
			continue
		}
		out = append(out, []float64{0, qy, math.Sqrt(px2), py})
	}
	return out
}

// FixedAxes describes the axes a box fixes, e.g. "qx = 0.1, px = 0.2" ("" for none).
func FixedAxes(box system.Box, names []string) string {
	out := ""
	for i := range box.Lo {
		if box.Lo[i] == box.Hi[i] {
			if out != "" {
				out += ", "
			}
			out += fmt.Sprintf("%s = %g", names[i], box.Lo[i])
		}
	}
	return out
}

// checkModels panics on a nil model: misuse.
func checkModels(models []Labeled) {
	for i, m := range models {
		if m.Model == nil {
			panic(fmt.Sprintf("figure: model %d (%q) is nil", i, m.Label))
		}
	}
}
