package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot/vg"
)

// Palette holds the series colours, used in order by the series added with
// colour "": the first such series of a panel takes Palette[0], the next
// Palette[1], and so on (unlabelled Scatter series take a colour without
// advancing the sequence).
var Palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// Panel is one set of axes of a Figure with its data. Series are drawn in
// the order they were added, over the heat map if there is one. The zero
// value of each field means its default.
type Panel struct {
	// Title is drawn above the axes, XLabel below them and YLabel beside them.
	Title, XLabel, YLabel string
	// LogX and LogY draw an axis on a log₁₀ scale; non-positive values are
	// dropped from a log axis. A panel with a heat map ignores both.
	LogX, LogY bool
	// XMin, XMax, YMin and YMax fix an axis' range when Min < Max (and, on a
	// log axis, Min > 0); otherwise the range is taken from the data.
	XMin, XMax, YMin, YMax float64
	// Equal makes one unit on x as long as one unit on y (phase portraits):
	// the axes are shrunk, the ranges are kept.
	Equal bool
	// Categories makes the x axis categorical, for Bar series: one slot per
	// category, the i-th centred at x = i, labelled Categories[i]. It
	// overrides XMin and XMax.
	Categories []string
	// LegendLeft and LegendBottom move the legend from the top right corner
	// of the axes; only labelled series have a legend entry.
	LegendLeft, LegendBottom bool

	series []series
	heat   *heatMap
}

type seriesKind int

const (
	lineKind seriesKind = iota
	dotsKind
	barsKind
)

// series is one data set of a panel.
type series struct {
	kind   seriesKind
	label  string
	color  color.NRGBA
	xs, ys []float64
	starts []int     // lines: indices where a polyline starts
	width  vg.Length // lines
	radius vg.Length // dots
	dashed bool
}

// heatMap is a panel's heat map: z[row][col], row 0 at y0.
type heatMap struct {
	label          string
	z              [][]float64
	x0, x1, y0, y1 float64
}

// Line draws a polyline through (xs[i], ys[i]) in colour color ("" for the
// next Palette colour; otherwise "#rgb" or "#rrggbb"), with a legend entry
// when label is not "". Non-finite points (and non-positive ones on a log
// axis) break the line. It panics if len(xs) != len(ys). It returns p.
func (p *Panel) Line(label, color string, xs, ys []float64) *Panel {
	checkLen("Line", label, xs, ys)
	p.series = append(p.series, series{kind: lineKind, label: label, color: p.pick(color),
		xs: clone(xs), ys: clone(ys), starts: []int{0}, width: vg.Points(1.3)})
	return p
}

// Lines draws the polylines (xs[k], ys[k]), all in one colour (as in Line)
// and under one legend entry. It panics if the lengths differ. It returns p.
func (p *Panel) Lines(label, color string, xs, ys [][]float64) *Panel {
	if len(xs) != len(ys) {
		panic(fmt.Sprintf("plot: Lines %q has %d x and %d y polylines", label, len(xs), len(ys)))
	}
	s := series{kind: lineKind, label: label, color: p.pick(color), width: vg.Points(1)}
	for k := range xs {
		checkLen("Lines", label, xs[k], ys[k])
		s.starts = append(s.starts, len(s.xs))
		s.xs = append(s.xs, xs[k]...)
		s.ys = append(s.ys, ys[k]...)
	}
	p.series = append(p.series, s)
	return p
}

// Dashed draws the last added series dashed (it has no effect on Scatter
// and Bar series). It panics if the panel has no series. It returns p.
func (p *Panel) Dashed() *Panel {
	if len(p.series) == 0 {
		panic(fmt.Sprintf("plot: Dashed on panel %q before any series", p.Title))
	}
	p.series[len(p.series)-1].dashed = true
	return p
}

// Scatter draws a dot of radius r points (0 means 1.2) at each (xs[i], ys[i]),
// in colour color (as in Line) at 75 % opacity. It panics if
// len(xs) != len(ys) or r < 0. It returns p.
func (p *Panel) Scatter(label, color string, xs, ys []float64, r float64) *Panel {
	checkLen("Scatter", label, xs, ys)
	if !(r >= 0) || math.IsInf(r, 0) {
		panic(fmt.Sprintf("plot: Scatter %q has radius %g", label, r))
	}
	if r == 0 {
		r = 1.2
	}
	c := p.pick(color)
	c.A = 191
	p.series = append(p.series, series{kind: dotsKind, label: label, color: c,
		xs: clone(xs), ys: clone(ys), radius: vg.Points(r)})
	return p
}

// Bar draws one bar per category, values[i] for Categories[i], in colour
// color (as in Line); the bars of several Bar series stand side by side in
// each slot, in the order the series were added. A NaN value draws no bar.
// Bars rise from 0, or from the bottom of the axis on a log y axis (where
// non-positive values draw no bar). It panics if len(values) differs from
// len(p.Categories) (set Categories first). It returns p.
func (p *Panel) Bar(label, color string, values []float64) *Panel {
	if len(values) != len(p.Categories) {
		panic(fmt.Sprintf("plot: Bar %q has %d values for %d categories", label, len(values), len(p.Categories)))
	}
	xs := make([]float64, len(values))
	for i := range xs {
		xs[i] = float64(i)
	}
	p.series = append(p.series, series{kind: barsKind, label: label, color: p.pick(color), xs: xs, ys: clone(values)})
	return p
}

// Heatmap fills [x0,x1]×[y0,y1] with the cells of z (z[row][col], row 0 at
// y0, column 0 at x0) coloured by a viridis-like perceptual colour map, with
// a colour bar labelled label beside the panel; non-finite cells are left
// blank (transparent). It sets the axes' ranges (XMin…YMax) to the map's.
// The map is drawn as one image in every format. It panics if z is empty or
// ragged, if the panel already has a heat map, or unless x0 < x1 and y0 < y1
// (finite). It returns p.
func (p *Panel) Heatmap(label string, z [][]float64, x0, x1, y0, y1 float64) *Panel {
	if p.heat != nil {
		panic(fmt.Sprintf("plot: panel %q already has a heat map", p.Title))
	}
	if len(z) == 0 || len(z[0]) == 0 {
		panic(fmt.Sprintf("plot: heat map %q has no cells", label))
	}
	if !(x0 < x1) || !(y0 < y1) || math.IsInf(x1-x0, 0) || math.IsInf(y1-y0, 0) {
		panic(fmt.Sprintf("plot: heat map %q covers [%g,%g]×[%g,%g]", label, x0, x1, y0, y1))
	}
	zz := make([][]float64, len(z))
	for r, row := range z {
		if len(row) != len(z[0]) {
			panic(fmt.Sprintf("plot: heat map %q row %d has %d cells, row 0 has %d", label, r, len(row), len(z[0])))
		}
		zz[r] = clone(row)
	}
	p.heat = &heatMap{label: label, z: zz, x0: x0, x1: x1, y0: y0, y1: y1}
	p.XMin, p.XMax, p.YMin, p.YMax = x0, x1, y0, y1
	return p
}

func checkLen(method, label string, xs, ys []float64) {
	if len(xs) != len(ys) {
		panic(fmt.Sprintf("plot: %s %q has %d x and %d y values", method, label, len(xs), len(ys)))
	}
}

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

// pick returns the colour c, or the panel's next palette colour if c is "".
func (p *Panel) pick(c string) color.NRGBA {
	if c != "" {
		return parseColor(c)
	}
	if len(Palette) == 0 {
		panic("plot: Palette is empty")
	}
	n := 0
	for _, s := range p.series {
		if s.label != "" || s.kind != dotsKind {
			n++
		}
	}
	return parseColor(Palette[n%len(Palette)])
}

// parseColor parses "#rgb" or "#rrggbb"; it panics on anything else.
func parseColor(s string) color.NRGBA {
	bad := func() { panic(fmt.Sprintf("plot: malformed colour %q (want #rgb or #rrggbb)", s)) }
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		bad()
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		bad()
	}
	if len(s) == 4 {
		r, g, b := uint8(v>>8&0xf), uint8(v>>4&0xf), uint8(v&0xf)
		return color.NRGBA{r * 17, g * 17, b * 17, 255}
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

func (p *Panel) logX() bool { return p.LogX && p.heat == nil }
func (p *Panel) logY() bool { return p.LogY && p.heat == nil }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// keep reports whether v can be drawn on an axis (log or not).
func keep(v float64, log bool) bool { return finite(v) && (!log || v > 0) }

// hasBars reports whether the panel has a Bar series.
func (p *Panel) hasBars() bool {
	for _, s := range p.series {
		if s.kind == barsKind {
			return true
		}
	}
	return false
}

// extent returns the range of the panel's data on each axis ([+Inf, -Inf]
// when there is none), fixed ranges applied.
func (p *Panel) extent() (x, y [2]float64) {
	lx, ly := p.logX(), p.logY()
	x, y = [2]float64{math.Inf(1), math.Inf(-1)}, [2]float64{math.Inf(1), math.Inf(-1)}
	grow := func(r *[2]float64, v float64) { r[0], r[1] = math.Min(r[0], v), math.Max(r[1], v) }
	for _, s := range p.series {
		for i := range s.xs {
			if keep(s.xs[i], lx) && keep(s.ys[i], ly) {
				grow(&x, s.xs[i])
				grow(&y, s.ys[i])
			}
		}
		if s.kind == barsKind && !ly && !math.IsInf(y[0], 0) {
			grow(&y, 0)
		}
	}
	if p.heat != nil {
		grow(&x, p.heat.x0)
		grow(&x, p.heat.x1)
		grow(&y, p.heat.y0)
		grow(&y, p.heat.y1)
	}
	if p.Categories != nil {
		x = [2]float64{-0.5, float64(len(p.Categories)) - 0.5}
	} else if fixed(p.XMin, p.XMax, lx) {
		x = [2]float64{p.XMin, p.XMax}
	}
	if fixed(p.YMin, p.YMax, ly) {
		y = [2]float64{p.YMin, p.YMax}
	}
	return x, y
}

func fixed(lo, hi float64, log bool) bool {
	return lo < hi && finite(lo) && finite(hi) && (!log || lo > 0)
}

// limits returns the axis ranges the panel is drawn with.
func (p *Panel) limits() (x, y [2]float64) {
	x, y = p.extent()
	x = sane(x, p.logX())
	fy := fixed(p.YMin, p.YMax, p.logY())
	y = sane(y, p.logY())
	if p.hasBars() && !fy { // bars touch the axis: headroom by hand
		if p.logY() {
			pad := 0.08 * math.Max(math.Log10(y[1]/y[0]), 1)
			y = [2]float64{y[0] / math.Pow(10, pad), y[1] * math.Pow(10, pad)}
		} else {
			d := 0.05 * (y[1] - y[0])
			if y[0] < 0 {
				y[0] -= d
			}
			if y[1] > 0 {
				y[1] += d
			}
		}
	}
	return x, y
}

// sane replaces an empty or degenerate range by one that can be drawn.
func sane(r [2]float64, log bool) [2]float64 {
	switch {
	case math.IsInf(r[0], 1) && log:
		return [2]float64{1, 10}
	case math.IsInf(r[0], 1):
		return [2]float64{0, 1}
	case r[0] == r[1] && log:
		return [2]float64{r[0] / 2, r[0] * 2}
	case r[0] == r[1] && r[0] == 0:
		return [2]float64{-0.5, 0.5}
	case r[0] == r[1]:
		d := 0.05 * math.Abs(r[0])
		return [2]float64{r[0] - d, r[0] + d}
	}
	return r
}
