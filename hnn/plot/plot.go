package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
)

// Series is a set of points (X[i], Y[i]) of a Chart. A named series gets a
// legend entry.
type Series struct {
	// Name is the legend entry ("" for none).
	Name string
	// X and Y are the points' coordinates, of equal lengths.
	X, Y []float64
	// Color is a 1-based index into Palette; 0 means the next unused colour
	// (series with equal Color share it).
	Color int
	// Dashed draws a line series dashed.
	Dashed bool
}

// Default size of a Chart or Heat (the zero Width and Height).
const (
	DefaultWidth  = 16 * vg.Centimeter // a Chart's or Heat's default width
	DefaultHeight = 11 * vg.Centimeter // a Chart's or Heat's default height
)

// chartDPI is the PNG resolution of Chart and Heat.
const chartDPI = 110

// Chart is a one-panel x–y chart of lines and point clouds. The zero value
// of each field means its default.
type Chart struct {
	// Title is drawn above the axes, XLabel below them and YLabel beside them.
	Title, XLabel, YLabel string
	// LogY puts the y axis on a log scale; non-positive values are left out.
	LogY bool
	// Lines are drawn as polylines (non-finite points break them), Points as
	// small dots, each series in its own colour with a legend entry when
	// named.
	Lines, Points []Series
	// Equal makes one unit the same length on both axes (phase portraits).
	Equal bool
	// LegendLeft and LegendBottom move the legend from the top right corner.
	LegendLeft, LegendBottom bool
	// Width and Height are the figure's size; 0 means DefaultWidth (16 cm)
	// and DefaultHeight (11 cm).
	Width, Height vg.Length
}

// Figure returns the chart as a one-panel Figure.
func (c Chart) Figure() *Figure {
	w, h := size(c.Width, c.Height)
	f := &Figure{PanelWidth: w, PanelHeight: h, DPI: chartDPI}
	p := f.Add(c.Title, c.XLabel, c.YLabel)
	p.LogY, p.Equal, p.LegendLeft, p.LegendBottom = c.LogY, c.Equal, c.LegendLeft, c.LegendBottom
	next := 0
	colorOf := func(s Series) string {
		i := s.Color - 1
		if s.Color <= 0 {
			i = next
			next++
		}
		return Palette[i%len(Palette)]
	}
	for _, s := range c.Lines {
		p.Line(s.Name, colorOf(s), s.X, s.Y)
		if s.Dashed {
			p.Dashed()
		}
	}
	for _, s := range c.Points {
		p.Scatter(s.Name, colorOf(s), s.X, s.Y, 0.8)
	}
	return f
}

// Save writes the chart to path as PNG, SVG or PDF according to its
// extension, atomically (see Figure.Save).
func (c Chart) Save(path string) error { return c.Figure().Save(path) }

// Heat is a heat map of values on a regular grid of cell centres, with a
// colour bar. Cells holding NaN (no data) are left blank.
type Heat struct {
	// Title is drawn above the map, XLabel below it and YLabel beside it.
	Title, XLabel, YLabel string
	// ZLabel names the colour bar.
	ZLabel string
	// X and Y are the cell centres, increasing and evenly spaced.
	X, Y []float64
	// Z[j][i] is the value at (X[i], Y[j]).
	Z [][]float64
	// Width and Height are the figure's size; 0 means DefaultWidth (16 cm)
	// and DefaultHeight (11 cm).
	Width, Height vg.Length
}

// Range returns the smallest and largest finite values of Z (NaN, NaN when none).
func (h Heat) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range h.Z {
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

// Figure returns the heat map as a one-panel Figure. It panics unless the
// grid has at least 2×2 cells and Z matches it.
func (h Heat) Figure() *Figure {
	if len(h.X) < 2 || len(h.Y) < 2 || len(h.Z) != len(h.Y) {
		panic(fmt.Sprintf("plot: heat map needs ≥ 2×2 cells and len(Z) = len(Y), got %d×%d and %d rows", len(h.X), len(h.Y), len(h.Z)))
	}
	for j, row := range h.Z {
		if len(row) != len(h.X) {
			panic(fmt.Sprintf("plot: heat map row %d has %d values, want %d", j, len(row), len(h.X)))
		}
	}
	w, ht := size(h.Width, h.Height)
	f := &Figure{PanelWidth: w, PanelHeight: ht, DPI: chartDPI}
	dx := (h.X[len(h.X)-1] - h.X[0]) / float64(len(h.X)-1)
	dy := (h.Y[len(h.Y)-1] - h.Y[0]) / float64(len(h.Y)-1)
	f.Add(h.Title, h.XLabel, h.YLabel).Heatmap(h.ZLabel, h.Z,
		h.X[0]-dx/2, h.X[len(h.X)-1]+dx/2, h.Y[0]-dy/2, h.Y[len(h.Y)-1]+dy/2)
	return f
}

// Save writes the heat map to path as PNG, SVG or PDF according to its
// extension, atomically (see Figure.Save). A map without a finite value is
// an error.
func (h Heat) Save(path string) error { return h.Figure().Save(path) }

// BinMean bins the points (xs[k], ys[k]) into an nx × ny grid over
// [xlo, xhi] × [ylo, yhi] and returns the mean of vs per cell (NaN for empty
// cells; points outside are dropped).
func BinMean(xs, ys, vs []float64, xlo, xhi, ylo, yhi float64, nx, ny int) Heat {
	if len(xs) != len(ys) || len(xs) != len(vs) {
		panic(fmt.Sprintf("plot: BinMean needs equal lengths, got %d, %d, %d", len(xs), len(ys), len(vs)))
	}
	if nx < 2 || ny < 2 || !(xhi > xlo) || !(yhi > ylo) {
		panic(fmt.Sprintf("plot: BinMean needs ≥ 2×2 bins over a non-empty box, got %d×%d over [%g,%g]×[%g,%g]", nx, ny, xlo, xhi, ylo, yhi))
	}
	sum := make([][]float64, ny)
	cnt := make([][]int, ny)
	for j := range sum {
		sum[j], cnt[j] = make([]float64, nx), make([]int, nx)
	}
	for k := range xs {
		i := int(math.Floor((xs[k] - xlo) / (xhi - xlo) * float64(nx)))
		j := int(math.Floor((ys[k] - ylo) / (yhi - ylo) * float64(ny)))
		if xs[k] == xhi {
			i = nx - 1
		}
		if ys[k] == yhi {
			j = ny - 1
		}
		if i < 0 || i >= nx || j < 0 || j >= ny || math.IsNaN(vs[k]) {
			continue
		}
		sum[j][i] += vs[k]
		cnt[j][i]++
	}
	h := Heat{X: make([]float64, nx), Y: make([]float64, ny), Z: sum}
	for i := range h.X {
		h.X[i] = xlo + (float64(i)+0.5)*(xhi-xlo)/float64(nx)
	}
	for j := range h.Y {
		h.Y[j] = ylo + (float64(j)+0.5)*(yhi-ylo)/float64(ny)
	}
	for j := range sum {
		for i := range sum[j] {
			if cnt[j][i] == 0 {
				sum[j][i] = math.NaN()
			} else {
				sum[j][i] /= float64(cnt[j][i])
			}
		}
	}
	return h
}

func size(w, h vg.Length) (vg.Length, vg.Length) {
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return w, h
}
