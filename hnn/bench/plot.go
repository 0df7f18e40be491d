package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// WriteMemoryPlot draws Figure VIII of the paper from Memory's results: peak
// resident memory (MiB) and time per step (ms) against the rollout length N,
// one line per method, both axes logarithmic, side by side, as SVG (or PNG
// or PDF, by the file's extension).
func WriteMemoryPlot(results []MemoryResult, path string) error {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if format != "svg" && format != "png" && format != "pdf" {
		return fmt.Errorf("plot %s: the file must end in .svg, .png or .pdf", path)
	}
	if len(results) == 0 {
		return fmt.Errorf("plot %s: no results", path)
	}
	var methods []string
	for _, r := range results {
		if !slices.Contains(methods, r.Gradient) {
			methods = append(methods, r.Gradient)
		}
	}
	panel := func(title, ylabel string, y func(MemoryResult) float64) (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "rollout length N"
		p.Y.Label.Text = ylabel
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		p.Legend.Top, p.Legend.Left = true, true
		for i, m := range methods {
			var pts plotter.XYs
			for _, r := range results {
				if r.Gradient == m && r.Rollout > 0 && y(r) > 0 {
					pts = append(pts, plotter.XY{X: float64(r.Rollout), Y: y(r)})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			l.Color, s.Color = plotutil.Color(i), plotutil.Color(i)
			s.Shape = plotutil.Shape(i)
			p.Add(l, s)
			p.Legend.Add(m, l, s)
		}
		return p, nil
	}
	mem, err := panel("peak resident memory", "MiB", func(r MemoryResult) float64 { return float64(r.PeakRSSBytes) / (1 << 20) })
	if err != nil {
		return err
	}
	tim, err := panel("time per training step", "ms", func(r MemoryResult) float64 { return r.MsPerStep })
	if err != nil {
		return err
	}
	const w, h = 10 * vg.Inch, 4 * vg.Inch
	canvas, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2,
		PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	mem.Draw(tiles.At(dc, 0, 0))
	tim.Draw(tiles.At(dc, 1, 0))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
