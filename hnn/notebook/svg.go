package notebook

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// Figure is a grid of plot panels rendered as one self-contained SVG
// (heat maps are embedded PNGs), which GoNB displays inline with
// gonbui.DisplayHTML and nbconvert keeps in the executed notebook.
type Figure struct {
	// Title is drawn above the panels ("" for none).
	Title string
	// Cols is the number of panels per row; 0 means all panels in one row.
	Cols int
	// PanelW and PanelH are each panel's size in pixels; 0 means 340×280.
	PanelW, PanelH int
	panels         []*Panel
}

// Panel is one set of axes with its data.
type Panel struct {
	Title, XLabel, YLabel string
	// LogX and LogY draw an axis on a log₁₀ scale (non-positive values are dropped).
	LogX, LogY bool
	// XMin…YMax fix the axes' ranges; when XMin == XMax (or YMin == YMax)
	// the range is taken from the data.
	XMin, XMax, YMin, YMax float64
	// Equal makes one unit on x as long as one unit on y.
	Equal bool
	// Categories, when set, makes the x axis categorical (one slot per
	// category) for Bar series.
	Categories []string
	series     []series
	img        *heat
}

type series struct {
	label   string
	color   string
	xs, ys  []float64
	scatter bool
	radius  float64
	width   float64
	dash    bool
	breaks  []int // line: indices where a new polyline starts
	bars    bool  // ys[i] is the bar of category i
}

type heat struct {
	z              [][]float64 // z[row][col], row 0 at YMin
	x0, x1, y0, y1 float64
	lo, hi         float64
	label          string
}

// Palette holds the line colours, used in order.
var Palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// Add appends a new panel to the figure and returns it.
func (f *Figure) Add(title, xlabel, ylabel string) *Panel {
	p := &Panel{Title: title, XLabel: xlabel, YLabel: ylabel}
	f.panels = append(f.panels, p)
	return p
}

// Line draws a polyline through (xs[i], ys[i]); non-finite points break it.
// color "" picks the next palette colour.
func (p *Panel) Line(label, color string, xs, ys []float64) *Panel {
	p.series = append(p.series, series{label: label, color: p.pick(color), xs: xs, ys: ys, width: 1.6})
	return p
}

// Lines draws several polylines in one colour under one legend label.
func (p *Panel) Lines(label, color string, xs, ys [][]float64) *Panel {
	s := series{label: label, color: p.pick(color), width: 1.1}
	for i := range xs {
		s.breaks = append(s.breaks, len(s.xs))
		s.xs = append(s.xs, xs[i]...)
		s.ys = append(s.ys, ys[i]...)
	}
	p.series = append(p.series, s)
	return p
}

// Dashed makes the last added series dashed.
func (p *Panel) Dashed() *Panel {
	if n := len(p.series); n > 0 {
		p.series[n-1].dash = true
	}
	return p
}

// Scatter draws dots of radius r (pixels; 0 means 1.5).
func (p *Panel) Scatter(label, color string, xs, ys []float64, r float64) *Panel {
	if r == 0 {
		r = 1.5
	}
	p.series = append(p.series, series{label: label, color: p.pick(color), xs: xs, ys: ys, scatter: true, radius: r})
	return p
}

// Bar adds one bar per category (values[i] for Categories[i]); the bars of
// several Bar series stand side by side.
func (p *Panel) Bar(label, color string, values []float64) *Panel {
	xs := make([]float64, len(values))
	for i := range xs {
		xs[i] = float64(i) + 0.5
	}
	p.series = append(p.series, series{label: label, color: p.pick(color), xs: xs, ys: values, bars: true})
	return p
}

// Heatmap fills [x0,x1]×[y0,y1] with z (z[row][col], row 0 at y0) in the
// viridis colour map, with a colour bar labelled label. The axes' ranges are
// set to the map's.
func (p *Panel) Heatmap(label string, z [][]float64, x0, x1, y0, y1 float64) *Panel {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	p.img = &heat{z: z, x0: x0, x1: x1, y0: y0, y1: y1, lo: lo, hi: hi, label: label}
	p.XMin, p.XMax, p.YMin, p.YMax = x0, x1, y0, y1
	return p
}

func (p *Panel) pick(c string) string {
	if c != "" {
		return c
	}
	n := 0
	for _, s := range p.series {
		if s.label != "" || !s.scatter {
			n++
		}
	}
	return Palette[n%len(Palette)]
}

// ShareAxes gives every panel the axes' ranges of panel i (from its data,
// with a 5 % margin), so that panels compare at a glance.
func (f *Figure) ShareAxes(i int) {
	if i < 0 || i >= len(f.panels) {
		return
	}
	p := f.panels[i]
	x0, x1, y0, y1 := p.ranges()
	if p.LogX || p.LogY {
		return
	}
	mx, my := 0.05*(x1-x0), 0.05*(y1-y0)
	for _, q := range f.panels {
		q.XMin, q.XMax, q.YMin, q.YMax = x0-mx, x1+mx, y0-my, y1+my
	}
}

// SVG renders the figure.
func (f *Figure) SVG() string {
	pw, ph := f.PanelW, f.PanelH
	if pw == 0 {
		pw = 340
	}
	if ph == 0 {
		ph = 280
	}
	cols := f.Cols
	if cols <= 0 || cols > len(f.panels) {
		cols = max(len(f.panels), 1)
	}
	rows := (len(f.panels) + cols - 1) / cols
	top := 0
	if f.Title != "" {
		top = 28
	}
	w, h := cols*pw, rows*ph+top
	if tw := int(8.6*float64(len([]rune(f.Title)))) + 20; tw > w {
		w = tw // room for the title
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`, w, h)
	if f.Title != "" {
		fmt.Fprintf(&b, `<text x="%d" y="19" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`, w/2, esc(f.Title))
	}
	x0 := (w - cols*pw) / 2
	for i, p := range f.panels {
		x, y := x0+(i%cols)*pw, top+(i/cols)*ph
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`, x, y)
		p.render(&b, float64(pw), float64(ph))
		b.WriteString("</g>")
	}
	b.WriteString("</svg>")
	return b.String()
}

// HTML wraps the SVG in a div, ready for gonbui.DisplayHTML.
func (f *Figure) HTML() string { return "<div>" + f.SVG() + "</div>" }

func esc(s string) string { return html.EscapeString(s) }

type scale struct {
	lo, hi, a, b float64 // data [lo,hi] → pixels [a,b]
	log          bool
}

func (s scale) at(v float64) float64 {
	if s.log {
		v = math.Log10(v)
	}
	return s.a + (v-s.lo)/(s.hi-s.lo)*(s.b-s.a)
}

func (p *Panel) ranges() (x0, x1, y0, y1 float64) {
	x0, x1, y0, y1 = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range p.series {
		for i := range s.xs {
			x, y := s.xs[i], s.ys[i]
			if !finite(x) || !finite(y) || (p.LogY && y <= 0) || (p.LogX && x <= 0) {
				continue
			}
			if p.LogY {
				y = math.Log10(y)
			}
			if p.LogX {
				x = math.Log10(x)
			}
			x0, x1 = math.Min(x0, x), math.Max(x1, x)
			y0, y1 = math.Min(y0, y), math.Max(y1, y)
		}
	}
	if p.XMin != p.XMax {
		x0, x1 = p.XMin, p.XMax
		if p.LogX {
			x0, x1 = math.Log10(x0), math.Log10(x1)
		}
	}
	if p.Categories != nil {
		x0, x1 = 0, float64(len(p.Categories))
	}
	if p.YMin != p.YMax {
		y0, y1 = p.YMin, p.YMax
		if p.LogY {
			y0, y1 = math.Log10(y0), math.Log10(y1)
		}
	}
	if math.IsInf(x0, 0) {
		x0, x1 = 0, 1
	}
	if math.IsInf(y0, 0) {
		y0, y1 = 0, 1
	}
	if x1 == x0 {
		x0, x1 = x0-0.5, x1+0.5
	}
	if y1 == y0 {
		y0, y1 = y0-0.5, y1+0.5
	}
	if p.YMin == p.YMax { // a little headroom
		pad := 0.04 * (y1 - y0)
		y0, y1 = y0-pad, y1+pad
	}
	if p.LogX && p.XMin == p.XMax { // room for markers at the ends
		pad := 0.03 * (x1 - x0)
		x0, x1 = x0-pad, x1+pad
	}
	return
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (p *Panel) render(b *strings.Builder, w, h float64) {
	left, right, top, bottom := 58.0, 14.0, 24.0, 40.0
	if p.img != nil {
		right = 64
	}
	x0, x1, y0, y1 := p.ranges()
	pw, ph := w-left-right, h-top-bottom
	if p.Equal {
		// Shrink one side so that the units agree.
		ux, uy := pw/(x1-x0), ph/(y1-y0)
		if ux > uy {
			d := pw - uy*(x1-x0)
			left += d / 2
			pw -= d
		} else {
			d := ph - ux*(y1-y0)
			top += d / 2
			ph -= d
		}
	}
	sx := scale{lo: x0, hi: x1, a: left, b: left + pw, log: p.LogX}
	sy := scale{lo: y0, hi: y1, a: top + ph, b: top, log: p.LogY}
	if p.Title != "" {
		fmt.Fprintf(b, `<text x="%.1f" y="15" text-anchor="middle" font-size="12.5" font-weight="bold">%s</text>`, left+pw/2, esc(p.Title))
	}
	clip := fmt.Sprintf("c%p", p)
	fmt.Fprintf(b, `<clipPath id="%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/></clipPath>`, clip, left, top, pw, ph)
	if p.img != nil {
		fmt.Fprintf(b, `<image x="%.1f" y="%.1f" width="%.1f" height="%.1f" preserveAspectRatio="none" style="image-rendering:pixelated" href="%s"/>`,
			sx.at(p.img.x0), sy.at(p.img.y1), sx.at(p.img.x1)-sx.at(p.img.x0), sy.at(p.img.y0)-sy.at(p.img.y1), p.img.dataURI())
	}
	// Ticks and grid.
	if p.Categories != nil {
		for i, c := range p.Categories {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, sx.at(float64(i)+0.5), top+ph+14, esc(c))
		}
	} else {
		for _, t := range ticks(x0, x1, p.LogX) {
			x := scale{lo: x0, hi: x1, a: left, b: left + pw}.at(t)
			if p.img == nil {
				fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e6e6e6"/>`, x, top, x, top+ph)
			}
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, top+ph+14, fmtTick(t, p.LogX))
		}
	}
	for _, t := range ticks(y0, y1, p.LogY) {
		y := sy.at(t)
		if p.LogY {
			y = scale{lo: y0, hi: y1, a: top + ph, b: top}.at(t)
		}
		if p.img == nil {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e6e6e6"/>`, left, y, left+pw, y)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-4, y+4, fmtTick(t, p.LogY))
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#444"/>`, left, top, pw, ph)
	if p.XLabel != "" {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`, left+pw/2, h-6, esc(p.XLabel))
	}
	if p.YLabel != "" {
		fmt.Fprintf(b, `<text transform="translate(13,%.1f) rotate(-90)" text-anchor="middle" font-size="12">%s</text>`, top+ph/2, esc(p.YLabel))
	}
	// Data.
	fmt.Fprintf(b, `<g clip-path="url(#%s)">`, clip)
	nbars, ibar := 0, 0
	for _, s := range p.series {
		if s.bars {
			nbars++
		}
	}
	for _, s := range p.series {
		if s.bars {
			slot := sx.at(1) - sx.at(0)
			bw := 0.8 * slot / float64(nbars)
			base := top + ph
			if !p.LogY && y0 <= 0 && y1 >= 0 {
				base = sy.at(0)
			}
			for i, v := range s.ys {
				if !finite(v) || (p.LogY && v <= 0) {
					continue
				}
				x := sx.at(float64(i)) + 0.1*slot + float64(ibar)*bw
				y := sy.at(v)
				fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, math.Min(y, base), bw, math.Abs(base-y), s.color)
			}
			ibar++
			continue
		}
		if s.scatter {
			fmt.Fprintf(b, `<g fill="%s" fill-opacity="0.75">`, s.color)
			for i := range s.xs {
				if !finite(s.xs[i]) || !finite(s.ys[i]) || (p.LogY && s.ys[i] <= 0) || (p.LogX && s.xs[i] <= 0) {
					continue
				}
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f"/>`, sx.at(s.xs[i]), sy.at(s.ys[i]), s.radius)
			}
			b.WriteString("</g>")
			continue
		}
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="5,3"`
		}
		fmt.Fprintf(b, `<path fill="none" stroke="%s" stroke-width="%.1f" stroke-linejoin="round"%s d="`, s.color, s.width, dash)
		pen := false
		next := 0
		lastX, lastY := math.NaN(), math.NaN()
		for i := range s.xs {
			if next < len(s.breaks) && s.breaks[next] == i {
				pen = false
				next++
			}
			x, y := s.xs[i], s.ys[i]
			if !finite(x) || !finite(y) || (p.LogY && y <= 0) || (p.LogX && x <= 0) {
				pen = false
				continue
			}
			px, py := sx.at(x), sy.at(y)
			if pen && math.Abs(px-lastX) < 0.4 && math.Abs(py-lastY) < 0.4 && i+1 < len(s.xs) {
				continue // sub-pixel step: skip
			}
			if pen {
				fmt.Fprintf(b, "L%.1f %.1f", px, py)
			} else {
				fmt.Fprintf(b, "M%.1f %.1f", px, py)
				pen = true
			}
			lastX, lastY = px, py
		}
		b.WriteString(`"/>`)
	}
	b.WriteString("</g>")
	// Legend.
	ly := top + 6
	for _, s := range p.series {
		if s.label == "" {
			continue
		}
		lx := left + 8
		if s.bars {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`, lx+3, ly, s.color)
		} else if s.scatter {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, lx+8, ly+5, s.color)
		} else {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, lx, ly+5, lx+16, ly+5, s.color)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" paint-order="stroke" stroke="white" stroke-width="3">%s</text>`, lx+20, ly+9, esc(s.label))
		ly += 14
	}
	// Colour bar.
	if p.img != nil {
		cx, cw := left+pw+10, 12.0
		n := 64
		for i := range n {
			v := float64(i) / float64(n-1)
			r, g, bb := viridis(v)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.2f" width="%.1f" height="%.2f" fill="rgb(%d,%d,%d)"/>`, cx, top+ph-float64(i+1)*ph/float64(n), cw, ph/float64(n)+0.3, r, g, bb)
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#444"/>`, cx, top, cw, ph)
		cs := scale{lo: p.img.lo, hi: p.img.hi, a: top + ph, b: top}
		for _, t := range ticks(p.img.lo, p.img.hi, false) {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text>`, cx+cw+3, cs.at(t)+4, fmtTick(t, false))
		}
		if p.img.label != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>`, cx+cw/2, top-4, esc(p.img.label))
		}
	}
}

// ticks returns about five round values in [lo, hi] (in log₁₀ units when log).
func ticks(lo, hi float64, log bool) []float64 {
	if log {
		var out []float64
		if hi-lo >= 2 {
			step := math.Max(1, math.Ceil((hi-lo)/6))
			for t := math.Ceil(lo); t <= hi+1e-9; t += step {
				out = append(out, t)
			}
			return out
		}
		// Less than two decades: mantissas 1, 2, 5 (or every integer mantissa).
		ms := []float64{1, 2, 5}
		if hi-lo < 0.7 {
			ms = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
		}
		for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
			for _, m := range ms {
				if t := e + math.Log10(m); t >= lo-1e-9 && t <= hi+1e-9 {
					out = append(out, t)
				}
			}
		}
		return out
	}
	span := hi - lo
	if !(span > 0) {
		return []float64{lo}
	}
	raw := span / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		if math.Abs(t) < step*1e-9 {
			t = 0
		}
		out = append(out, t)
	}
	return out
}

func fmtTick(t float64, log bool) string {
	if log {
		e := math.Floor(t + 1e-9)
		m := math.Round(math.Pow(10, t-e))
		if e >= -2 && e <= 4 {
			return fmt.Sprintf("%g", m*math.Pow(10, e))
		}
		if m == 1 {
			return fmt.Sprintf("1e%d", int(e))
		}
		return fmt.Sprintf("%ge%d", m, int(e))
	}
	a := math.Abs(t)
	switch {
	case t == 0:
		return "0"
	case a >= 1e4 || a < 1e-3:
		return fmt.Sprintf("%.0e", t)
	default:
		return fmt.Sprintf("%.4g", t)
	}
}

// viridis maps v ∈ [0,1] to an RGB colour of the viridis map.
func viridis(v float64) (uint8, uint8, uint8) {
	stops := [][3]float64{
		{68, 1, 84}, {72, 40, 120}, {62, 73, 137}, {49, 104, 142}, {38, 130, 142},
		{31, 158, 137}, {53, 183, 121}, {110, 206, 88}, {181, 222, 43}, {253, 231, 37},
	}
	if !(v >= 0) {
		v = 0
	}
	if v > 1 {
		v = 1
	}
	x := v * float64(len(stops)-1)
	i := min(int(x), len(stops)-2)
	f := x - float64(i)
	c := func(k int) uint8 { return uint8(math.Round(stops[i][k]*(1-f) + stops[i+1][k]*f)) }
	return c(0), c(1), c(2)
}

func (h *heat) dataURI() string {
	rows := len(h.z)
	cols := 0
	if rows > 0 {
		cols = len(h.z[0])
	}
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	for r := range rows {
		for c := range cols {
			v := h.z[r][c]
			var col color.RGBA
			if finite(v) {
				R, G, B := viridis((v - h.lo) / (h.hi - h.lo))
				col = color.RGBA{R, G, B, 255}
			} else {
				col = color.RGBA{200, 200, 200, 255}
			}
			img.Set(c, rows-1-r, col) // row 0 is at the bottom
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
