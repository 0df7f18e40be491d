package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
)

// Defaults of a Figure's zero fields.
const (
	DefaultPanelWidth  = 9 * vg.Centimeter // a panel's default width
	DefaultPanelHeight = 7 * vg.Centimeter // a panel's default height
	DefaultDPI         = 144               // the default resolution of PNG output
)

// Figure is a grid of panels drawn as one image: a title, then Cols panels
// per row, filled row by row. The zero value of each field means its

// Cm returns v centimetres: the unit of Figure's sizes, for callers that
// set them without importing gonum's vg.
func Cm(v float64) vg.Length { return vg.Length(v) * vg.Centimeter }

// default.
type Figure struct {
	// Title is drawn above the grid ("" for none).
	Title string
	// Cols is the number of panels per row; 0 means all panels in one row.
	Cols int
	// PanelWidth and PanelHeight are each panel's size, colour bar
	// included; 0 means DefaultPanelWidth (9 cm) and DefaultPanelHeight (7 cm).
	PanelWidth, PanelHeight vg.Length
	// DPI is the resolution of PNG output in dots per inch; 0 means
	// DefaultDPI (144).
	DPI int
	// Panels are the figure's panels, in reading order.
	Panels []*Panel
}

// Add appends a new panel with the given title and axis labels and returns it.
func (f *Figure) Add(title, xlabel, ylabel string) *Panel {
	p := &Panel{Title: title, XLabel: xlabel, YLabel: ylabel}
	f.Panels = append(f.Panels, p)
	return p
}

// ShareAxes gives every panel the ranges of panel i (XMin…YMax: its fixed
// ranges, or else its data's, widened by 5 % on each side), so that the
// panels compare at a glance. It does nothing if i is out of range or panel
// i has a log axis. Call it after adding the data.
func (f *Figure) ShareAxes(i int) {
	if i < 0 || i >= len(f.Panels) || f.Panels[i] == nil || f.Panels[i].logX() || f.Panels[i].logY() {
		return
	}
	x, y := f.Panels[i].extent()
	x, y = sane(x, false), sane(y, false)
	mx, my := 0.05*(x[1]-x[0]), 0.05*(y[1]-y[0])
	for _, q := range f.Panels {
		if q != nil {
			q.XMin, q.XMax, q.YMin, q.YMax = x[0]-mx, x[1]+mx, y[0]-my, y[1]+my
		}
	}
}

// Save writes the figure to path as PNG, SVG or PDF according to its
// extension (.png, .svg, .pdf, in any case), creating the parent directory.
// The file is written atomically: a temporary file in the same directory,
// renamed into place (and removed on failure).
func (f *Figure) Save(path string) error {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if !validFormat(format) {
		return fmt.Errorf("plot: %s: unsupported extension (use .png, .svg or .pdf)", path)
	}
	b, err := f.render(format)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("plot: saving %s: %w", path, err)
	}
	return nil
}

// SVG returns the figure as a self-contained SVG document without an XML
// declaration, to be inlined in HTML: heat maps are embedded PNG images,
// the document defines no id attributes (so that many figures can share a
// page), and the text falls back from Liberation Sans to Arial, Helvetica
// or any sans-serif font.
func (f *Figure) SVG() ([]byte, error) { return f.render("svg") }

// PNG returns the figure as a PNG image at f.DPI.
func (f *Figure) PNG() ([]byte, error) { return f.render("png") }

// WriteTo writes the figure to w in format: "png", "svg" or "pdf" (any case,
// with or without a leading dot). (It takes a format, so a Figure is not an
// io.WriterTo.)
func (f *Figure) WriteTo(w io.Writer, format string) error {
	b, err := f.render(strings.ToLower(strings.TrimPrefix(format, ".")))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("plot: writing %s: %w", format, err)
	}
	return nil
}

func validFormat(format string) bool { return format == "png" || format == "svg" || format == "pdf" }

// layout returns the figure's size, its grid and the height of its title.
func (f *Figure) layout(bold bool) (w, h vg.Length, cols, rows int, titleH vg.Length) {
	pw, ph := f.panelSize()
	cols = f.Cols
	if cols <= 0 || cols > len(f.Panels) {
		cols = max(len(f.Panels), 1)
	}
	rows = (len(f.Panels) + cols - 1) / cols
	w, h = vg.Length(cols)*pw, vg.Length(rows)*ph
	if f.Title != "" {
		sty := titleStyle(bold)
		titleH = sty.Height(f.Title) + vg.Points(8)
		w = max(w, sty.Width(f.Title)+vg.Points(16))
		h += titleH
	}
	return w, h, cols, rows, titleH
}

func (f *Figure) panelSize() (vg.Length, vg.Length) {
	pw, ph := f.PanelWidth, f.PanelHeight
	if pw <= 0 {
		pw = DefaultPanelWidth
	}
	if ph <= 0 {
		ph = DefaultPanelHeight
	}
	return pw, ph
}

// titleStyle is the style of the figure's title; bold is false in PDF,
// where vgpdf cannot select the bold face it embeds.
func titleStyle(bold bool) draw.TextStyle {
	sty := sans(13, bold)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	return sty
}

// render draws the figure in format ("png", "svg" or "pdf").
func (f *Figure) render(format string) ([]byte, error) {
	if !validFormat(format) {
		return nil, fmt.Errorf("plot: unsupported format %q (use png, svg or pdf)", format)
	}
	if len(f.Panels) == 0 {
		return nil, fmt.Errorf("plot: figure %q has no panels", f.Title)
	}
	bold := format != "pdf"
	plots := make([]*built, len(f.Panels))
	for i, p := range f.Panels {
		if p == nil {
			return nil, fmt.Errorf("plot: figure %q: panel %d is nil", f.Title, i)
		}
		var err error
		if plots[i], err = p.build(bold); err != nil {
			return nil, err
		}
	}
	w, h, _, _, _ := f.layout(bold)
	var (
		canvas vg.CanvasSizer
		out    io.WriterTo
	)
	switch format {
	case "png":
		dpi := f.DPI
		if dpi <= 0 {
			dpi = DefaultDPI
		}
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		canvas, out = c, vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(w, h)
		canvas, out = c, c
	case "pdf":
		c := vgpdf.New(w, h)
		canvas, out = pdfCanvas{c}, c
	}
	f.draw(draw.New(canvas), plots, bold)
	var buf bytes.Buffer
	if _, err := out.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding %s: %w", format, err)
	}
	if format == "svg" {
		return fixSVG(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// fixSVG makes vgsvg's output fit for inlining: no XML prologue, embedded
// images stretched to their rectangle (as in PNG and PDF) and tagged with
// their MIME type, fallback fonts.
func fixSVG(b []byte) []byte {
	if i := bytes.Index(b, []byte("<svg")); i > 0 {
		b = b[i:]
	}
	b = bytes.ReplaceAll(b, []byte("<image "), []byte(`<image preserveAspectRatio="none" `))
	b = bytes.ReplaceAll(b, []byte("data:image/jpg;base64,"), []byte("data:image/png;base64,"))
	return bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}

// draw draws the title and the panels (plots[i] is Panels[i]'s plot).
func (f *Figure) draw(c draw.Canvas, plots []*built, bold bool) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	w, _, cols, _, titleH := f.layout(bold)
	if f.Title != "" {
		c.FillText(titleStyle(bold), vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(4)}, f.Title)
	}
	pw, ph := f.panelSize()
	off := (w - vg.Length(cols)*pw) / 2
	pad := vg.Points(4)
	for i, p := range f.Panels {
		x0 := c.Min.X + off + vg.Length(i%cols)*pw
		y1 := c.Max.Y - titleH - vg.Length(i/cols)*ph
		cell := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0 + pad, Y: y1 - ph + pad}, Max: vg.Point{X: x0 + pw - pad, Y: y1 - pad}}}
		p.draw(cell, plots[i])
	}
}

// draw draws the panel into c: its title, axis labels, plot, legend and
// colour bar.
func (p *Panel) draw(c draw.Canvas, b *built) {
	pl, main := b.pl, c
	if p.Title != "" {
		main = draw.Crop(main, 0, 0, 0, -(b.title.Height(p.Title) + vg.Points(6)))
	}
	if p.heat != nil {
		main = draw.Crop(main, 0, -p.heat.colorBarWidth(), 0, 0)
	}
	gap := vg.Points(3)
	if p.YLabel != "" {
		main = draw.Crop(main, b.label.Height(p.YLabel)+gap, 0, 0, 0)
	}
	if p.XLabel != "" {
		main = draw.Crop(main, 0, 0, b.label.Height(p.XLabel)+gap, 0)
	}
	if p.Equal {
		main = equalize(main, pl)
	}
	pl.Draw(main)
	da := pl.DataCanvas(main).Rectangle
	drawLegend(c, da, b.legend, p.LegendLeft, p.LegendBottom)
	if p.heat != nil {
		p.heat.drawColorBar(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: main.Max.X, Y: c.Min.Y}, Max: vg.Point{X: c.Max.X, Y: c.Max.Y}}}, da)
	}
	// Centred on the data area, kept inside the cell.
	centre := func(lo, hi, size, cmin, cmax vg.Length) vg.Length {
		return min(max((lo+hi)/2, cmin+size/2), cmax-size/2)
	}
	if p.YLabel != "" {
		sty := b.label
		sty.Rotation, sty.XAlign, sty.YAlign = math.Pi/2, draw.XCenter, draw.YBottom
		y := centre(da.Min.Y, da.Max.Y, sty.Width(p.YLabel), c.Min.Y, c.Max.Y)
		c.FillText(sty, vg.Point{X: main.Min.X - gap, Y: y}, p.YLabel)
	}
	if p.XLabel != "" {
		sty := b.label
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		x := centre(da.Min.X, da.Max.X, sty.Width(p.XLabel), c.Min.X, c.Max.X)
		c.FillText(sty, vg.Point{X: x, Y: main.Min.Y - gap/2}, p.XLabel)
	}
	if p.Title != "" {
		x := centre(da.Min.X, da.Max.X, b.title.Width(p.Title), c.Min.X, c.Max.X)
		c.FillText(b.title, vg.Point{X: x, Y: c.Max.Y}, p.Title)
	}
}

// equalize shrinks c so that one unit on x of pl's data area is as long as
// one unit on y (in decades on a log axis).
func equalize(c draw.Canvas, pl *gplot.Plot) draw.Canvas {
	span := func(a gplot.Axis) float64 {
		if _, ok := a.Scale.(gplot.LogScale); ok {
			return math.Log10(a.Max / a.Min)
		}
		return a.Max - a.Min
	}
	for range 2 { // the second pass corrects for changed tick labels
		da := pl.DataCanvas(c)
		w, h := float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y)
		if w <= 0 || h <= 0 {
			return c
		}
		sx, sy := span(pl.X), span(pl.Y)
		if ux, uy := w/sx, h/sy; ux > uy {
			d := vg.Length(w - uy*sx)
			c = draw.Crop(c, d/2, -d/2, 0, 0)
		} else {
			d := vg.Length(h - ux*sy)
			c = draw.Crop(c, 0, 0, d/2, -d/2)
		}
	}
	return c
}
