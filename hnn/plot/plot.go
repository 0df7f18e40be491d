package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is a set of points (X[i], Y[i]). A named series gets a legend entry.
type Series struct {
	Name string
	X, Y []float64
	// Color is a 1-based index into plotutil's palette; 0 means the next
	// unused colour (series with equal Color share it).
	Color int
	// Dashed draws a line series dashed.
	Dashed bool
}

// colorOf returns the series' colour and advances the automatic counter.
func colorOf(s Series, next *int) color.Color {
	if s.Color > 0 {
		return plotutil.Color(s.Color - 1)
	}
	c := plotutil.Color(*next)
	*next++
	return c
}

// Default figure size (the zero Width/Height).
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 11 * vg.Centimeter
)

// Chart is an x–y chart of lines and point clouds. The zero value of each
// field means its default.
type Chart struct {
	Title, XLabel, YLabel string
	// LogY puts the y axis on a log scale; non-positive values are left out.
	LogY bool
	// Lines are drawn as polylines, Points as small dots, each series in its
	// own colour (plotutil's palette) with a legend entry when named.
	Lines, Points []Series
	// Equal makes one unit the same length on both axes (phase portraits).
	Equal bool
	// LegendLeft and LegendBottom move the legend from the top right corner.
	LegendLeft, LegendBottom bool
	// Width and Height are the figure's size; 0 means DefaultWidth, DefaultHeight.
	Width, Height vg.Length
}

// Save writes the chart to path, as PNG or SVG according to its extension.
func (c Chart) Save(path string) error {
	p := gplot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = c.Title, c.XLabel, c.YLabel
	p.Add(plotter.NewGrid())
	if c.LogY {
		p.Y.Scale = gplot.LogScale{}
		p.Y.Tick.Marker = gplot.LogTicks{Prec: 1}
	}
	n := 0
	for _, s := range c.Lines {
		xy := c.xys(s)
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", s.Name, err)
		}
		l.Color = colorOf(s, &n)
		l.Width = vg.Points(1.2)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
		}
	}
	for _, s := range c.Points {
		xy := c.xys(s)
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", s.Name, err)
		}
		sc.GlyphStyle.Color = colorOf(s, &n)
		sc.GlyphStyle.Radius = vg.Points(0.8)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	p.Legend.Top = !c.LegendBottom
	p.Legend.Left = c.LegendLeft
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Title.TextStyle.Font.Size = vg.Points(11)
	w, h := size(c.Width, c.Height)
	if c.Equal {
		equalAxes(p)
	}
	return render(path, w, h, func(dc draw.Canvas) { p.Draw(dc) })
}

// xys returns s's finite points (positive y on a log axis).
func (c Chart) xys(s Series) plotter.XYs {
	if len(s.X) != len(s.Y) {
		panic(fmt.Sprintf("plot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y)))
	}
	xy := make(plotter.XYs, 0, len(s.X))
	for i := range s.X {
		x, y := s.X[i], s.Y[i]
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || (c.LogY && y <= 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	return xy
}

// equalAxes widens the narrower axis range so that both span the same length.
func equalAxes(p *gplot.Plot) {
	xmin, xmax, ymin, ymax := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
	dx, dy := xmax-xmin, ymax-ymin
	if dx > dy {
		c := (ymin + ymax) / 2
		p.Y.Min, p.Y.Max = c-dx/2, c+dx/2
	} else {
		c := (xmin + xmax) / 2
		p.X.Min, p.X.Max = c-dy/2, c+dy/2
	}
}

// Heat is a heat map of values on a regular grid of cell centres, with a
// colour bar. Cells holding NaN (no data) are left blank.
type Heat struct {
	Title, XLabel, YLabel string
	// ZLabel names the colour bar.
	ZLabel string
	// X and Y are the cell centres, increasing and evenly spaced.
	X, Y []float64
	// Z[j][i] is the value at (X[i], Y[j]).
	Z [][]float64
	// Width and Height are the figure's size; 0 means DefaultWidth, DefaultHeight.
	Width, Height vg.Length
}

// Dims, Z, X and Y implement plotter.GridXYZ.
type heatGrid struct{ h Heat }

func (g heatGrid) Dims() (c, r int)   { return len(g.h.X), len(g.h.Y) }
func (g heatGrid) Z(c, r int) float64 { return g.h.Z[r][c] }
func (g heatGrid) X(c int) float64    { return g.h.X[c] }
func (g heatGrid) Y(r int) float64    { return g.h.Y[r] }

// Range returns the smallest and largest finite values of Z (NaN, NaN when none).
func (h Heat) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range h.Z {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

// Save writes the heat map to path, as PNG or SVG according to its extension.
func (h Heat) Save(path string) error {
	if len(h.X) < 2 || len(h.Y) < 2 || len(h.Z) != len(h.Y) {
		panic(fmt.Sprintf("plot: heat map needs ≥ 2×2 cells and len(Z) = len(Y), got %d×%d and %d rows", len(h.X), len(h.Y), len(h.Z)))
	}
	for j, row := range h.Z {
		if len(row) != len(h.X) {
			panic(fmt.Sprintf("plot: heat map row %d has %d values, want %d", j, len(row), len(h.X)))
		}
	}
	lo, hi := h.Range()
	if math.IsNaN(lo) {
		return errors.New("plot: heat map " + h.Title + " has no finite value")
	}
	if hi <= lo {
		hi = lo + math.Max(1e-12, math.Abs(lo)*1e-9)
	}
	cmap := moreland.ExtendedBlackBody()
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	pal := cmap.Palette(255)
	hm := plotter.NewHeatMap(heatGrid{h}, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.Transparent
	hm.Rasterized = strings.EqualFold(filepath.Ext(path), ".png") // one image in PNG, vector cells in SVG
	p := gplot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = h.Title, h.XLabel, h.YLabel
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Add(hm)
	p.X.Padding, p.Y.Padding = 0, 0
	bar := gplot.New()
	cb := &plotter.ColorBar{ColorMap: cmap, Vertical: true}
	bar.Add(cb)
	bar.HideX()
	bar.Y.Label.Text = h.ZLabel
	bar.Y.Padding = 0
	bar.Title.Text = " " // align the bar with the map below the title
	w, ht := size(h.Width, h.Height)
	return render(path, w, ht, func(dc draw.Canvas) {
		barW := w * 0.2
		p.Draw(draw.Crop(dc, 0, -barW, 0, 0))
		bar.Draw(draw.Crop(dc, w-barW+vg.Millimeter, 0, 0, 0))
	})
}

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
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	return w, h
}

// render draws into a canvas of size w × h and writes it to path (atomically:
// a temporary file renamed into place), PNG or SVG by extension.
func render(path string, w, h vg.Length, drawFn func(draw.Canvas)) (err error) {
	var wt io.WriterTo
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))
		drawFn(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case ".svg":
		c := vgsvg.New(w, h)
		drawFn(draw.New(c))
		wt = c
	default:
		return fmt.Errorf("plot: %s: unsupported format (use .png or .svg)", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err = wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
