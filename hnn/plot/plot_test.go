package plot_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/plot"
)

func TestChartAndHeatWritePNGAndSVG(t *testing.T) {
	dir := t.TempDir()
	x := make([]float64, 50)
	y := make([]float64, 50)
	for i := range x {
		x[i] = float64(i)
		y[i] = math.Exp(-float64(i) / 10)
	}
	y[3] = 0 // dropped on the log axis
	chart := plot.Chart{Title: "loss", XLabel: "epoch", YLabel: "loss", LogY: true,
		Lines: []plot.Series{{Name: "train", X: x, Y: y}}, Points: []plot.Series{{Name: "val", X: x, Y: y}}}
	xs, ys, vs := []float64{-1, 0.5, 0.9, 2}, []float64{-1, 0.5, 0.9, 5}, []float64{1, 2, 4, 100}
	heat := plot.BinMean(xs, ys, vs, -1, 1, -1, 1, 4, 4)
	heat.Title, heat.ZLabel = "error", "|ΔH|"
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		for name, save := range map[string]func(string) error{"chart": chart.Save, "heat": heat.Save} {
			path := filepath.Join(dir, name+ext)
			if err := save(path); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			decodes(t, path, ext[1:], b)
		}
	}
	if err := chart.Save(filepath.Join(dir, "x.gif")); err == nil {
		t.Error("an unsupported extension must be an error")
	}
	blank := plot.Heat{Title: "blank", X: []float64{0, 1}, Y: []float64{0, 1}, Z: [][]float64{{math.NaN(), math.NaN()}, {math.NaN(), math.NaN()}}}
	if err := blank.Save(filepath.Join(dir, "blank.png")); err == nil {
		t.Error("a heat map without a finite value must be an error")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("a ragged heat map must panic")
		}
	}()
	blank.Z[1] = blank.Z[1][:1]
	blank.Save(filepath.Join(dir, "ragged.png"))
}

func TestBinMean(t *testing.T) {
	xs := []float64{-1, -0.9, 0.5, 1, 3}
	ys := []float64{-1, -0.9, 0.5, 1, 0}
	vs := []float64{1, 3, 7, 9, 100}
	h := plot.BinMean(xs, ys, vs, -1, 1, -1, 1, 2, 2)
	want := [][]float64{{2, math.NaN()}, {math.NaN(), 8}} // (3, 0) is outside
	for j := range want {
		for i := range want[j] {
			g, w := h.Z[j][i], want[j][i]
			if !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("Z[%d][%d] = %g, want %g", j, i, g, w)
			}
		}
	}
	if h.X[0] != -0.5 || h.Y[1] != 0.5 {
		t.Errorf("cell centres %v %v", h.X, h.Y)
	}
	defer func() {
		if recover() == nil {
			t.Error("mismatched lengths must panic")
		}
	}()
	plot.BinMean(xs, ys[:2], vs, -1, 1, -1, 1, 2, 2)
}
