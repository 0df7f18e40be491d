package plot_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/plot"
)

// sampleFigure exercises every kind of series: lines, dashed lines, dots,
// grouped bars on a log axis, two heat maps (one with blank cells) and a
// log–log panel.
func sampleFigure() *plot.Figure {
	f := &plot.Figure{Title: "sample figure: every kind of panel", Cols: 3}
	n := 400
	t, s, c := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range t {
		t[i] = 4 * math.Pi * float64(i) / float64(n-1)
		s[i], c[i] = math.Sin(t[i]), 0.8*math.Cos(t[i])
	}
	s[100] = math.NaN() // breaks the line
	p := f.Add("lines", "t", "value")
	p.Line("sin t", "", t, s).Line("0.8 cos t", "", t, c).Dashed()
	var ts, cs []float64
	for i := 0; i < n; i += 20 {
		ts, cs = append(ts, t[i]), append(cs, c[i])
	}
	p.Scatter("samples", "#2ca02c", ts, cs, 2)

	ph := f.Add("phase portrait (Equal)", "q", "p")
	ph.Equal = true
	var xs, ys [][]float64
	for _, r := range []float64{0.5, 1, 1.5} {
		x, y := make([]float64, 200), make([]float64, 200)
		for i := range x {
			a := 2 * math.Pi * float64(i) / 199
			x[i], y[i] = 2*r*math.Cos(a), r*math.Sin(a)
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	ph.Lines("orbits", "#333", xs, ys).Scatter("", "#000", []float64{1, 2, 3}, []float64{0, 0, 0}, 2.5)
	ph.LegendLeft, ph.LegendBottom = true, true

	b := f.Add("grouped bars, log y", "", "error")
	b.LogY = true
	b.Categories = []string{"grid", "uniform", "gaussian", "box/grid"}
	b.Bar("HNN", "", []float64{1e-3, 2e-2, 5e-4, math.NaN()})
	b.Bar("SHNN", "", []float64{3e-4, 1e-2, 2e-4, 1e-3})
	b.Bar("this work", "", []float64{1e-4, 0, 8e-5, 2e-4})

	h1 := f.Add("heat map 60×60", "q", "p")
	z := make([][]float64, 60)
	for r := range z {
		z[r] = make([]float64, 60)
		for k := range z[r] {
			q, pp := -2+4*float64(k)/59, -1+2*float64(r)/59
			z[r][k] = pp*pp/2 + q*q*q*q/4 - q*q/2
		}
	}
	h1.Heatmap("H", z, -2, 2, -1, 1)
	h1.Line("orbit", "#fff", xs[0], ys[0])

	h2 := f.Add("heat map with blank cells", "x", "y")
	z2 := make([][]float64, 8)
	for r := range z2 {
		z2[r] = make([]float64, 12)
		for k := range z2[r] {
			z2[r][k] = math.Pow(10, -float64(r+k)/4)
			if (r+k)%7 == 0 {
				z2[r][k] = math.NaN()
			}
		}
	}
	h2.Heatmap("|error| (long colour-bar label)", z2, 0, 12, 0, 8)

	ll := f.Add("log–log", "rollout length N", "time (ms)")
	ll.LogX, ll.LogY = true, true
	ns := []float64{0, 10, 30, 100, 300, 1000, 3000}
	ll.Line("adjoint", "", ns, []float64{1, 0.5, 1.2, 4, 11, 40, 115}).Scatter("", "", ns, []float64{1, 0.5, 1.2, 4, 11, 40, 115}, 2.5)
	ll.Line("backprop", "", ns, []float64{-1, 0.4, 1.5, 9, 40, 220, 900})
	ll.LegendLeft = true
	return f
}

// TestSampleFigure renders the sample figure in every format; with
// PLOT_SAMPLE_DIR set, it also leaves plot-sample.{png,svg,pdf} there to
// look at.
func TestSampleFigure(t *testing.T) {
	dir := os.Getenv("PLOT_SAMPLE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		if err := sampleFigure().Save(filepath.Join(dir, "plot-sample"+ext)); err != nil {
			t.Fatal(err)
		}
	}
}
