package plot_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnnlab/hnnlab/hnn/plot"
)

// decodes checks that b is a file of the given format.
func decodes(t *testing.T, name, format string, b []byte) {
	t.Helper()
	switch format {
	case "png":
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s is not a PNG: %v", name, err)
		}
	case "svg":
		if err := parseXML(b); err != nil {
			t.Errorf("%s is not XML: %v", name, err)
		}
		if !bytes.HasPrefix(b, []byte("<svg")) {
			t.Errorf("%s does not start with <svg: %.40q", name, b)
		}
	case "pdf":
		if !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("%s does not start with %%PDF: %.20q", name, b)
		}
	}
}

func parseXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestEveryFormatDecodes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ ext, format string }{
		{".png", "png"}, {".svg", "svg"}, {".pdf", "pdf"}, {".PNG", "png"}, {".Svg", "svg"},
	} {
		path := filepath.Join(dir, "sub", "fig"+tc.ext) // the parent is created
		if err := sampleFigure().Save(path); err != nil {
			t.Fatalf("Save(%s): %v", path, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		decodes(t, path, tc.format, b)
		var buf bytes.Buffer
		if err := sampleFigure().WriteTo(&buf, tc.ext); err != nil {
			t.Fatalf("WriteTo(%s): %v", tc.ext, err)
		}
		decodes(t, "WriteTo "+tc.ext, tc.format, buf.Bytes())
	}
	for format, fn := range map[string]func() ([]byte, error){"png": sampleFigure().PNG, "svg": sampleFigure().SVG} {
		b, err := fn()
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		decodes(t, strings.ToUpper(format)+"()", format, b)
	}
}

func heatFigure(title string, n int) *plot.Figure {
	z := make([][]float64, n)
	for r := range z {
		z[r] = make([]float64, n)
		for c := range z[r] {
			z[r][c] = math.Sin(float64(r)/7) * math.Cos(float64(c)/5)
		}
	}
	z[3][4] = math.NaN()
	f := &plot.Figure{Title: title}
	f.Add("map", "q", "p").Heatmap("H", z, -1, 1, -2, 2).Line("orbit", "", []float64{-0.5, 0, 0.5}, []float64{0, 1, 0})
	return f
}

func TestSVGHeatMapIsOneImage(t *testing.T) {
	b, err := heatFigure("a", 60).SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<image")) || !bytes.Contains(b, []byte("data:image/png;base64,")) {
		t.Error("the heat map is not an embedded PNG image")
	}
	for _, el := range []string{"<rect", "<path"} {
		if n := bytes.Count(b, []byte(el)); n > 200 {
			t.Errorf("%d %s elements for a 60×60 heat map", n, el)
		}
	}
}

// TestSVGSelfContainedAndIDsUnique checks that two figures' SVGs can share
// an HTML page: no id attribute occurs twice among them, and nothing is
// referenced from outside the document.
func TestSVGSelfContainedAndIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range []*plot.Figure{heatFigure("a", 20), sampleFigure()} {
		b, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			el, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			for _, a := range el.Attr {
				switch {
				case a.Name.Local == "id" && seen[a.Value]:
					t.Errorf("id %q occurs twice", a.Value)
				case a.Name.Local == "id":
					seen[a.Value] = true
				case a.Name.Local == "href" && !strings.HasPrefix(a.Value, "data:"):
					t.Errorf("<%s> refers to %q outside the document", el.Name.Local, a.Value)
				}
			}
		}
	}
}

func TestLogAxesDropNonPositive(t *testing.T) {
	f := &plot.Figure{}
	p := f.Add("log–log", "N", "ms")
	p.LogX, p.LogY = true, true
	xs := []float64{-1, 0, 1, 10, 100, math.NaN(), 1000}
	ys := []float64{1, 2, 0, 4, -5, 6, 7}
	p.Line("a", "", xs, ys).Scatter("b", "", xs, ys, 0)
	q := f.Add("nothing positive", "", "")
	q.LogY = true
	q.Line("", "", []float64{1, 2}, []float64{0, -1})
	r := f.Add("narrow", "", "")
	r.LogY = true
	r.Line("", "", []float64{1, 2}, []float64{1.1, 1.3}) // less than a decade
	for _, format := range []string{"png", "svg", "pdf"} {
		if err := f.WriteTo(io.Discard, format); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
}

func TestBarsWithCategoriesAndLogY(t *testing.T) {
	for _, logY := range []bool{false, true} {
		f := &plot.Figure{}
		p := f.Add(fmt.Sprintf("bars, LogY %v", logY), "", "error")
		p.LogY = logY
		p.Categories = []string{"grid", "uniform", "gaussian"}
		p.Bar("a", "", []float64{1e-3, math.NaN(), 2e-2}).Bar("b", "#0a0", []float64{5e-4, 1e-3, 0})
		b, err := f.PNG()
		if err != nil {
			t.Fatal(err)
		}
		decodes(t, p.Title, "png", b)
	}
}

func TestBadExtension(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"fig.gif", "fig", "fig.svg.bak"} {
		path := filepath.Join(dir, name)
		err := sampleFigure().Save(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), ".png, .svg or .pdf") {
			t.Errorf("Save(%s) = %v, want an error naming the path and the valid extensions", name, err)
		}
	}
	if err := sampleFigure().WriteTo(io.Discard, "gif"); err == nil {
		t.Error("WriteTo(gif) is not an error")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func TestMisusePanics(t *testing.T) {
	xs, ys := []float64{1, 2}, []float64{1}
	for _, tc := range []struct {
		name string
		fn   func(p *plot.Panel)
	}{
		{"Line lengths", func(p *plot.Panel) { p.Line("", "", xs, ys) }},
		{"Scatter lengths", func(p *plot.Panel) { p.Scatter("", "", xs, ys, 0) }},
		{"Scatter radius", func(p *plot.Panel) { p.Scatter("", "", xs, xs, -1) }},
		{"Lines count", func(p *plot.Panel) { p.Lines("", "", [][]float64{xs}, nil) }},
		{"Lines lengths", func(p *plot.Panel) { p.Lines("", "", [][]float64{xs}, [][]float64{ys}) }},
		{"colour name", func(p *plot.Panel) { p.Line("", "red", xs, xs) }},
		{"colour length", func(p *plot.Panel) { p.Line("", "#1234", xs, xs) }},
		{"colour digits", func(p *plot.Panel) { p.Line("", "#ggg", xs, xs) }},
		{"Dashed first", func(p *plot.Panel) { p.Dashed() }},
		{"Bar without categories", func(p *plot.Panel) { p.Bar("", "", xs) }},
		{"Bar length", func(p *plot.Panel) { p.Categories = []string{"a"}; p.Bar("", "", xs) }},
		{"ragged heat map", func(p *plot.Panel) { p.Heatmap("", [][]float64{{1, 2}, {3}}, 0, 1, 0, 1) }},
		{"empty heat map", func(p *plot.Panel) { p.Heatmap("", nil, 0, 1, 0, 1) }},
		{"reversed heat map", func(p *plot.Panel) { p.Heatmap("", [][]float64{{1}}, 1, 0, 0, 1) }},
		{"second heat map", func(p *plot.Panel) {
			p.Heatmap("", [][]float64{{1}}, 0, 1, 0, 1).Heatmap("", [][]float64{{1}}, 0, 1, 0, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "plot: ") {
					t.Errorf("panic %v, want a \"plot: ...\" message", r)
				}
			}()
			tc.fn(new(plot.Figure).Add("misuse", "", ""))
		})
	}
}

// TestSaveIsAtomic checks that no temporary file is left behind, whether
// Save succeeds or fails.
func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "fig.png")
	for range 2 { // the second Save replaces the file
		if err := sampleFigure().Save(ok); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(dir, "taken.svg") // a non-empty directory: the rename fails
	if err := os.MkdirAll(filepath.Join(taken, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "fig.gif"),         // unsupported extension
		filepath.Join(dir, "file", "fig.png"), // the parent is a file
		taken,                                 // the target is a directory
		filepath.Join(dir, "nan.svg"),         // a rendering error
	} {
		f := sampleFigure()
		if strings.HasSuffix(path, "nan.svg") {
			f.Add("all NaN", "", "").Heatmap("z", [][]float64{{math.NaN()}}, 0, 1, 0, 1)
		}
		if err := f.Save(path); err == nil {
			t.Errorf("Save(%s) succeeded", path)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := "fig.png file taken.svg"; strings.Join(names, " ") != want {
		t.Errorf("directory holds %v, want %s", names, want)
	}
	if sub, _ := os.ReadDir(taken); len(sub) != 1 {
		t.Errorf("%s holds %d entries, want 1", taken, len(sub))
	}
}

func TestShareAxes(t *testing.T) {
	f := &plot.Figure{}
	f.Add("a", "", "").Line("", "", []float64{0, 10}, []float64{-1, 1})
	f.Add("b", "", "").Line("", "", []float64{5, 6}, []float64{100, 200})
	f.Add("c", "", "").Scatter("", "", []float64{1}, []float64{1}, 0)
	f.ShareAxes(7) // out of range: nothing happens
	f.ShareAxes(-1)
	for _, p := range f.Panels {
		if p.XMin != 0 || p.XMax != 0 || p.YMin != 0 || p.YMax != 0 {
			t.Fatalf("ShareAxes out of range changed panel %q", p.Title)
		}
	}
	f.ShareAxes(0)
	want := [4]float64{-0.5, 10.5, -1.1, 1.1}
	for _, p := range f.Panels {
		got := [4]float64{p.XMin, p.XMax, p.YMin, p.YMax}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("panel %q ranges %v, want %v", p.Title, got, want)
				break
			}
		}
	}
	g := &plot.Figure{}
	g.Add("log", "", "").LogY = true
	g.Panels[0].Line("", "", []float64{1, 2}, []float64{1, 10})
	g.Add("lin", "", "").Line("", "", []float64{1, 2}, []float64{1, 10})
	g.ShareAxes(0) // panel 0 is a log panel: nothing happens
	if q := g.Panels[1]; q.XMin != 0 || q.XMax != 0 {
		t.Errorf("ShareAxes of a log panel changed the others: %+v", q)
	}
	if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
}

func TestHeatMapConstantAndAllNaN(t *testing.T) {
	f := &plot.Figure{}
	f.Add("constant", "", "").Heatmap("z", [][]float64{{2, 2}, {2, math.NaN()}}, 0, 1, 0, 1)
	f.Add("zero", "", "").Heatmap("z", [][]float64{{0}}, 0, 1, 0, 1)
	if _, err := f.SVG(); err != nil {
		t.Errorf("constant map: %v", err)
	}
	f.Add("blank panel", "", "").Heatmap("z", [][]float64{{math.NaN(), math.NaN()}}, 0, 1, 0, 1)
	if _, err := f.SVG(); err == nil || !strings.Contains(err.Error(), "blank panel") {
		t.Errorf("all-NaN map: error %v, want one naming the panel", err)
	}
	if err := f.Save(filepath.Join(t.TempDir(), "x.png")); err == nil {
		t.Error("Save of an all-NaN map succeeded")
	}
}

func TestDefaultColoursFollowPalette(t *testing.T) {
	f := &plot.Figure{}
	p := f.Add("", "", "")
	xs := []float64{0, 1}
	p.Line("a", "", xs, xs).Scatter("", "", xs, xs, 0).Line("b", "", xs, xs).Line("c", "#0f0", xs, xs)
	b, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{plot.Palette[0], plot.Palette[1], "#00ff00"} {
		if !bytes.Contains(bytes.ToLower(b), []byte("stroke:"+c)) {
			t.Errorf("no line in %s", c)
		}
	}
}

func TestLargeSeries(t *testing.T) {
	const n = 20000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
		ys[i] = math.Sin(float64(i) / 300)
	}
	f := &plot.Figure{}
	f.Add("20 000 points", "", "").Line("line", "", xs, ys).Dashed().Scatter("dots", "", xs, ys, 0)
	for _, format := range []string{"png", "svg"} {
		start := time.Now()
		if err := f.WriteTo(io.Discard, format); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s of %d points took %v", format, n, d)
		} else {
			t.Logf("%s of 2×%d points: %v", format, n, d)
		}
	}
}

func TestEmptyFigureIsAnError(t *testing.T) {
	if _, err := new(plot.Figure).PNG(); err == nil {
		t.Error("a figure without panels rendered")
	}
}
