package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"
	"sync"

	xfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	gridColor   = color.Gray{Y: 0xe0}
	frameColor  = color.Gray{Y: 0x44}
	legendColor = color.NRGBA{R: 255, G: 255, B: 255, A: 220}
	dashes      = []vg.Length{vg.Points(4), vg.Points(2.5)}
)

// sans returns the style of plain text of the given size in points.
func sans(size float64, bold bool) text.Style {
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return text.Style{Color: color.Black, Font: font.From(f, vg.Points(size)), Handler: gplot.DefaultTextHandler}
}

// withFont returns s in the font of f.
func withFont(s, f text.Style) text.Style {
	s.Font = f.Font
	return s
}

// built is a panel's gonum plot (without legend and colour bar) and its
// legend entries.
type built struct {
	pl           *gplot.Plot
	title, label text.Style
	legend       []legendEntry
}

// build returns the gonum plot of the panel and its legend; bold sets the
// title in bold.
func (p *Panel) build(bold bool) (*built, error) {
	if p.heat != nil {
		if lo, _ := p.heat.zRange(); math.IsNaN(lo) {
			return nil, fmt.Errorf("plot: panel %q: heat map %q has no finite value", p.Title, p.heat.label)
		}
	}
	// Panel.draw draws the title and the axis labels, centred on the data
	// area (gonum misplaces the labels' glyph boxes on log axes).
	pl := gplot.New()
	for _, a := range []*gplot.Axis{&pl.X, &pl.Y} {
		a.Tick.Label = withFont(a.Tick.Label, sans(8.5, false))
		a.Tick.Length = vg.Points(4)
		a.Color, a.Tick.Color = frameColor, frameColor
		a.Tick.Marker = linTicks{}
	}
	lx, ly := p.logX(), p.logY()
	x, y := p.limits()
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = x[0], x[1], y[0], y[1]
	if lx {
		pl.X.Scale, pl.X.Tick.Marker = gplot.LogScale{}, logTicks{}
	}
	if ly {
		pl.Y.Scale, pl.Y.Tick.Marker = gplot.LogScale{}, logTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	grid.Vertical.Width, grid.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	if p.Categories != nil {
		ticks := make(gplot.ConstantTicks, len(p.Categories))
		for i, c := range p.Categories {
			ticks[i] = gplot.Tick{Value: float64(i), Label: c}
		}
		pl.X.Tick.Marker, pl.X.Padding, grid.Vertical.Color = ticks, 0, nil
	}
	if p.hasBars() {
		pl.Y.Padding = 0
	}
	pl.Add(grid)
	if p.heat != nil {
		pl.X.Padding, pl.Y.Padding = 0, 0
		pl.Add(p.heat.plotter())
	}
	nbars, ibar := 0, 0
	for _, s := range p.series {
		if s.kind == barsKind {
			nbars++
		}
	}
	b := &built{pl: pl, title: sans(10.5, bold), label: sans(9.5, false)}
	b.title.XAlign, b.title.YAlign = draw.XCenter, draw.YTop
	for i := range p.series {
		s := &p.series[i]
		var th interface {
			gplot.Plotter
			gplot.Thumbnailer
		}
		switch s.kind {
		case lineKind:
			th = linePlotter{s, lx, ly}
		case dotsKind:
			th = dotsPlotter{s, lx, ly}
		case barsKind:
			th = barsPlotter{s, ly, ibar, nbars}
			ibar++
		}
		pl.Add(th)
		if s.label != "" {
			b.legend = append(b.legend, legendEntry{s.label, th})
		}
	}
	return b, nil
}

// linePlotter draws a line series.
type linePlotter struct {
	s      *series
	lx, ly bool
}

func (l linePlotter) style() draw.LineStyle {
	sty := draw.LineStyle{Color: l.s.color, Width: l.s.width}
	if l.s.dashed {
		sty.Dashes = dashes
	}
	return sty
}

// Plot implements gplot.Plotter.
func (l linePlotter) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, trY := pl.Transforms(&c)
	sty := l.style()
	var pts []vg.Point
	flush := func() {
		if len(pts) > 1 {
			c.StrokeLines(sty, c.ClipLinesXY(pts)...)
		}
		pts = nil
	}
	next := 0
	for i := range l.s.xs {
		if next < len(l.s.starts) && l.s.starts[next] == i {
			flush()
			for next < len(l.s.starts) && l.s.starts[next] == i {
				next++
			}
		}
		x, y := l.s.xs[i], l.s.ys[i]
		if !keep(x, l.lx) || !keep(y, l.ly) {
			flush()
			continue
		}
		pts = append(pts, vg.Point{X: trX(x), Y: trY(y)})
	}
	flush()
}

// Thumbnail implements gplot.Thumbnailer.
func (l linePlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style(), c.Min.X, y, c.Max.X, y)
}

// dotsPlotter draws a scatter series as one filled path.
type dotsPlotter struct {
	s      *series
	lx, ly bool
}

// Plot implements gplot.Plotter.
func (d dotsPlotter) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, trY := pl.Transforms(&c)
	r := d.s.radius
	var path vg.Path
	for i := range d.s.xs {
		x, y := d.s.xs[i], d.s.ys[i]
		if !keep(x, d.lx) || !keep(y, d.ly) {
			continue
		}
		pt := vg.Point{X: trX(x), Y: trY(y)}
		if !c.Contains(pt) {
			continue
		}
		path.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		path.Arc(pt, r, 0, 2*math.Pi)
		path.Close()
	}
	if len(path) > 0 {
		c.SetColor(d.s.color)
		c.Fill(path)
	}
}

// Thumbnail implements gplot.Thumbnailer.
func (d dotsPlotter) Thumbnail(c *draw.Canvas) {
	r := max(d.s.radius, vg.Points(2.5))
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: d.s.color, Radius: r, Shape: draw.CircleGlyph{}}, c.Center())
}

// barsPlotter draws the j-th of n bar series of a categorical panel.
type barsPlotter struct {
	s    *series
	ly   bool
	j, n int
}

// Plot implements gplot.Plotter.
func (b barsPlotter) Plot(c draw.Canvas, pl *gplot.Plot) {
	trX, trY := pl.Transforms(&c)
	base := pl.Y.Min
	if !b.ly {
		base = math.Min(math.Max(0, pl.Y.Min), pl.Y.Max)
	}
	w := 0.8 / float64(b.n)
	for i, v := range b.s.ys {
		if !keep(v, b.ly) {
			continue
		}
		x0 := float64(i) - 0.4 + float64(b.j)*w
		v = math.Min(math.Max(v, pl.Y.Min), pl.Y.Max)
		l, r, y0, y1 := trX(x0), trX(x0+w), trY(base), trY(v)
		pts := c.ClipPolygonXY([]vg.Point{{X: l, Y: y0}, {X: r, Y: y0}, {X: r, Y: y1}, {X: l, Y: y1}})
		c.FillPolygon(b.s.color, pts)
	}
}

// Thumbnail implements gplot.Thumbnailer.
func (b barsPlotter) Thumbnail(c *draw.Canvas) {
	ctr, h := c.Center(), vg.Points(4)
	c.FillPolygon(b.s.color, []vg.Point{{X: ctr.X - h, Y: ctr.Y - h}, {X: ctr.X + h, Y: ctr.Y - h},
		{X: ctr.X + h, Y: ctr.Y + h}, {X: ctr.X - h, Y: ctr.Y + h}})
}

// heatColors is the colour map of heat maps: viridis's control colours
// interpolated with a linear luminance ramp (moreland.NewLuminance).
var heatColors = sync.OnceValue(func() []color.Color {
	stops := [][3]uint8{{68, 1, 84}, {72, 40, 120}, {62, 73, 137}, {49, 104, 142}, {38, 130, 142},
		{31, 158, 137}, {53, 183, 121}, {110, 206, 88}, {181, 222, 43}, {253, 231, 37}}
	ctl := make([]color.Color, len(stops))
	for i, s := range stops {
		ctl[i] = color.NRGBA{s[0], s[1], s[2], 255}
	}
	cm, err := moreland.NewLuminance(ctl)
	if err != nil {
		panic("plot: heat colour map: " + err.Error())
	}
	return cm.Palette(256).Colors()
})

// zRange returns the smallest and largest finite values of the map (NaN,
// NaN when there is none), widened when they are equal.
func (h *heatMap) zRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range h.z {
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case lo > hi:
		return math.NaN(), math.NaN()
	case lo == hi && lo == 0:
		return -0.5, 0.5
	case lo == hi:
		return lo - 0.05*math.Abs(lo), hi + 0.05*math.Abs(hi)
	}
	return lo, hi
}

// heatPlotter draws a heat map as one image, each cell a block of k×k pixels
// (so that the viewer's smoothing blurs only the cells' edges).
type heatPlotter struct {
	h   *heatMap
	img *image.NRGBA
}

func (h *heatMap) plotter() heatPlotter {
	rows, cols := len(h.z), len(h.z[0])
	k := max(1, (400+max(rows, cols)-1)/max(rows, cols))
	img := image.NewNRGBA(image.Rect(0, 0, cols*k, rows*k))
	lo, hi := h.zRange()
	pal := heatColors()
	for r, row := range h.z {
		for c, v := range row {
			if !finite(v) {
				continue // transparent
			}
			i := int(math.Round((v - lo) / (hi - lo) * float64(len(pal)-1)))
			col := color.NRGBAModel.Convert(pal[min(max(i, 0), len(pal)-1)]).(color.NRGBA)
			for dy := range k {
				off := img.PixOffset(c*k, (rows-1-r)*k+dy)
				for dx := range k {
					px := img.Pix[off+4*dx : off+4*dx+4 : off+4*dx+4]
					px[0], px[1], px[2], px[3] = col.R, col.G, col.B, col.A
				}
			}
		}
	}
	return heatPlotter{h, img}
}

// Plot implements gplot.Plotter: the part of the image inside the axes.
func (hp heatPlotter) Plot(c draw.Canvas, pl *gplot.Plot) {
	h, b := hp.h, hp.img.Bounds()
	w, ht := float64(b.Dx()), float64(b.Dy())
	// Visible pixel columns [i0, i1) and rows (from the bottom) [j0, j1).
	i0 := int(math.Floor(math.Max(0, (pl.X.Min-h.x0)/(h.x1-h.x0)*w)))
	i1 := int(math.Ceil(math.Min(w, (pl.X.Max-h.x0)/(h.x1-h.x0)*w)))
	j0 := int(math.Floor(math.Max(0, (pl.Y.Min-h.y0)/(h.y1-h.y0)*ht)))
	j1 := int(math.Ceil(math.Min(ht, (pl.Y.Max-h.y0)/(h.y1-h.y0)*ht)))
	if i1 <= i0 || j1 <= j0 {
		return
	}
	var img image.Image = hp.img
	if i0 > 0 || j0 > 0 || i1 < b.Dx() || j1 < b.Dy() {
		sub := image.NewNRGBA(image.Rect(0, 0, i1-i0, j1-j0))
		for y := range j1 - j0 {
			src := hp.img.PixOffset(i0, b.Dy()-j1+y)
			copy(sub.Pix[sub.PixOffset(0, y):sub.PixOffset(0, y)+4*(i1-i0)], hp.img.Pix[src:])
		}
		img = sub
	}
	trX, trY := pl.Transforms(&c)
	at := func(i int, a0, a1, n float64) float64 { return a0 + float64(i)/n*(a1-a0) }
	rect := vg.Rectangle{
		Min: vg.Point{X: trX(at(i0, h.x0, h.x1, w)), Y: trY(at(j0, h.y0, h.y1, ht))},
		Max: vg.Point{X: trX(at(i1, h.x0, h.x1, w)), Y: trY(at(j1, h.y0, h.y1, ht))},
	}
	c.DrawImage(rect, img)
}

// colorBarWidth is the room a colour bar takes beside its panel.
func (h *heatMap) colorBarWidth() vg.Length {
	lo, hi := h.zRange()
	sty := sans(8.5, false)
	var tw vg.Length
	for _, t := range barTicks(lo, hi) {
		tw = max(tw, sty.Width(t.Label))
	}
	w := vg.Points(8) + vg.Points(10) + vg.Points(3) + tw
	if h.label != "" {
		w += vg.Points(4) + sans(9, false).Height(h.label)
	}
	return w + vg.Points(4)
}

func barTicks(lo, hi float64) []gplot.Tick {
	var out []gplot.Tick
	for _, t := range (gplot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Label != "" && t.Value >= lo-1e-9*(hi-lo) && t.Value <= hi+1e-9*(hi-lo) {
			out = append(out, t)
		}
	}
	return out
}

// drawColorBar draws the map's colour bar at the left of c, as tall as the
// data area da of its panel.
func (h *heatMap) drawColorBar(c draw.Canvas, da vg.Rectangle) {
	lo, hi := h.zRange()
	pal := heatColors()
	strip := image.NewNRGBA(image.Rect(0, 0, 4, len(pal)))
	for i, col := range pal {
		for x := range 4 {
			strip.Set(x, len(pal)-1-i, col)
		}
	}
	x0 := c.Min.X + vg.Points(8)
	x1 := x0 + vg.Points(10)
	bar := vg.Rectangle{Min: vg.Point{X: x0, Y: da.Min.Y}, Max: vg.Point{X: x1, Y: da.Max.Y}}
	c.DrawImage(bar, strip)
	frame := draw.LineStyle{Color: frameColor, Width: vg.Points(0.5)}
	c.StrokeLines(frame, []vg.Point{bar.Min, {X: x1, Y: bar.Min.Y}, bar.Max, {X: x0, Y: bar.Max.Y}, bar.Min})
	sty := sans(8.5, false)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	var tw vg.Length
	for _, t := range barTicks(lo, hi) {
		y := bar.Min.Y + vg.Length((t.Value-lo)/(hi-lo))*(bar.Max.Y-bar.Min.Y)
		c.StrokeLine2(frame, x1, y, x1+vg.Points(2.5), y)
		c.FillText(sty, vg.Point{X: x1 + vg.Points(3.5), Y: y}, t.Label)
		tw = max(tw, sty.Width(t.Label))
	}
	if h.label == "" {
		return
	}
	ls := sans(9, false)
	if w, room := ls.Width(h.label), bar.Max.Y-bar.Min.Y; w > room { // shrink to fit the bar
		ls = sans(math.Max(5, 9*float64(room/w)), false)
	}
	ls.Rotation, ls.XAlign, ls.YAlign = math.Pi/2, draw.XCenter, draw.YBottom
	lx := x1 + vg.Points(3.5) + tw + vg.Points(4) + ls.Height(h.label)
	c.FillText(ls, vg.Point{X: lx, Y: (bar.Min.Y + bar.Max.Y) / 2}, h.label)
}

// legendEntry is one labelled series of a panel.
type legendEntry struct {
	label string
	thumb gplot.Thumbnailer
}

// drawLegend draws the entries in a boxed legend in a corner of the data area da.
func drawLegend(c draw.Canvas, da vg.Rectangle, entries []legendEntry, left, bottom bool) {
	if len(entries) == 0 {
		return
	}
	sty := sans(8.5, false)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	pad, thumbW, gap := vg.Points(3), vg.Points(16), vg.Points(4)
	rowH := sty.Font.Size * 1.3
	var tw vg.Length
	for _, e := range entries {
		tw = max(tw, sty.Width(e.label))
	}
	tw *= 1.08 // slack for a wider fallback font in SVG
	w, h := 2*pad+thumbW+gap+tw, 2*pad+rowH*vg.Length(len(entries))
	inset := vg.Points(4)
	x0, y1 := da.Max.X-inset-w, da.Max.Y-inset
	if left {
		x0 = da.Min.X + inset
	}
	if bottom {
		y1 = da.Min.Y + inset + h
	}
	box := vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - h}, Max: vg.Point{X: x0 + w, Y: y1}}
	c.FillPolygon(legendColor, []vg.Point{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}})
	c.StrokeLines(draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)},
		[]vg.Point{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}, box.Min})
	for i, e := range entries {
		yc := y1 - pad - rowH*(vg.Length(i)+0.5)
		thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0 + pad, Y: yc - rowH/2}, Max: vg.Point{X: x0 + pad + thumbW, Y: yc + rowH/2}}}
		e.thumb.Thumbnail(&thumb)
		c.FillText(sty, vg.Point{X: x0 + pad + thumbW + gap, Y: yc}, e.label)
	}
}

// linTicks are gonum's default ticks with labels of as few decimals as the
// labelled values need (0, 2.5, 5 rather than 0.00, 2.50, 5.00).
type linTicks struct{}

// Ticks implements gplot.Ticker.
func (linTicks) Ticks(lo, hi float64) []gplot.Tick {
	ticks := gplot.DefaultTicks{}.Ticks(lo, hi)
	var big, small bool
	d := 0
	for _, t := range ticks {
		if t.Label == "" || t.Value == 0 {
			continue
		}
		a := math.Abs(t.Value)
		big, small = big || a >= 1e5, small || a < 1e-3
		for d < 12 && math.Abs(t.Value*math.Pow10(d)-math.Round(t.Value*math.Pow10(d))) > 1e-6*math.Max(1, a*math.Pow10(d)) {
			d++
		}
	}
	for i, t := range ticks {
		switch {
		case t.Label == "":
		case big || small:
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 4, 64)
		default:
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', d, 64)
		}
	}
	return ticks
}

// logTicks labels decades (every few decades over a wide range; 1, 2, 5 or
// every mantissa over a narrow one) with unlabelled minor ticks between.
type logTicks struct{}

// Ticks implements gplot.Ticker.
func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	a, b := math.Log10(lo), math.Log10(hi)
	e0, e1 := int(math.Floor(a)), int(math.Ceil(b))
	within := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	var major []gplot.Tick
	if n := int(math.Floor(b+1e-9) - math.Ceil(a-1e-9) + 1); n >= 2 {
		step := (n + 5) / 6
		var ticks []gplot.Tick
		for e := e0; e <= e1; e++ {
			v := math.Pow(10, float64(e))
			if within(v) && e%step == 0 {
				ticks = append(ticks, gplot.Tick{Value: v, Label: logLabel(1, e)})
			} else if within(v) {
				ticks = append(ticks, gplot.Tick{Value: v})
			}
			for m := 2; m < 10 && step == 1 && n < 8; m++ {
				if v := float64(m) * math.Pow(10, float64(e)); within(v) {
					ticks = append(ticks, gplot.Tick{Value: v})
				}
			}
		}
		return ticks
	}
	for _, ms := range [][]int{{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		major = major[:0]
		var minor []gplot.Tick
		for e := e0; e <= e1; e++ {
			for m := 1; m < 10; m++ {
				v := float64(m) * math.Pow(10, float64(e))
				if !within(v) {
					continue
				}
				if slices.Contains(ms, m) {
					major = append(major, gplot.Tick{Value: v, Label: logLabel(m, e)})
				} else {
					minor = append(minor, gplot.Tick{Value: v})
				}
			}
		}
		if len(major) >= 2 {
			return append(major, minor...)
		}
	}
	return gplot.DefaultTicks{}.Ticks(lo, hi) // less than a factor of 2
}

// logLabel formats m·10^e compactly: 0.02, 500, 1e-05 → "1e-5".
func logLabel(m, e int) string {
	if e >= -3 && e <= 4 {
		return strconv.FormatFloat(float64(m)*math.Pow(10, float64(e)), 'f', max(0, -e), 64)
	}
	return strconv.Itoa(m) + "e" + strconv.Itoa(e)
}
