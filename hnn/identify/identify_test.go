package identify_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/identify"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// exact is the energy of h on a batch.
func exact(h func([]float64) float64) eval.Energy {
	return noisy(h, 0, 0)
}

// noisy is h plus Gaussian noise of standard deviation sigma at each point.
func noisy(h func([]float64) float64, sigma float64, seed uint64) eval.Energy {
	return func(pts [][]float64) ([]float64, error) {
		rng := rand.New(rand.NewPCG(seed, 77))
		out := make([]float64, len(pts))
		for i, y := range pts {
			out[i] = h(y) + sigma*rng.NormFloat64()
		}
		return out, nil
	}
}

// spread is the standard deviation of s.H over n uniform points of box.
func spread(s system.System, box system.Box) float64 {
	pts := eval.Uniform(box, 20000, rand.New(rand.NewPCG(1, 2)))
	v := eval.TrueEnergy(s, pts)
	mu := 0.0
	for _, x := range v {
		mu += x
	}
	mu /= float64(len(v))
	sd := 0.0
	for _, x := range v {
		sd += (x - mu) * (x - mu)
	}
	return math.Sqrt(sd / float64(len(v)))
}

func mustLibrary(t *testing.T, spec string) identify.Library {
	t.Helper()
	l, err := identify.ParseLibrary(spec)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseLibrary(t *testing.T) {
	for _, c := range []struct {
		spec      string
		canonical string
		d, terms  int
	}{
		{"", "poly:4", 1, 14},                   // 2+3+4+5
		{"poly", "poly:4", 2, 69},               // C(8,4) − 1
		{"poly:2", "poly:2", 1, 5},              // q p q² qp p²
		{"poly:2,trig", "poly:2,trig:2", 1, 11}, // + cos, p cos, p² cos, sin, p sin, p² sin
		{" trig:0 ", "trig:0", 2, 4},            // cos q1, sin q1, cos q2, sin q2
		{"trig:1,poly:3", "poly:3,trig:1", 2, 34 + 4*3},
	} {
		l, err := identify.ParseLibrary(c.spec)
		if err != nil {
			t.Errorf("ParseLibrary(%q): %v", c.spec, err)
			continue
		}
		if l.String() != c.canonical {
			t.Errorf("ParseLibrary(%q).String() = %q, want %q", c.spec, l, c.canonical)
		}
		terms := l.Terms(c.d)
		if len(terms) != c.terms {
			t.Errorf("%q, d = %d: %d terms, want %d", c.spec, c.d, len(terms), c.terms)
		}
		names := map[string]bool{}
		for _, term := range terms {
			n := term.Name(system.DefaultCoordNames(c.d))
			if names[n] {
				t.Errorf("%q: term %q twice", c.spec, n)
			}
			names[n] = true
		}
	}
	for _, bad := range []string{"poly:x", "poly:0", "poly:13", "trig:9", "poly:2,poly:3", "fourier", "poly:2,", "trig:-1"} {
		if _, err := identify.ParseLibrary(bad); !errors.Is(err, identify.ErrLibrary) {
			t.Errorf("ParseLibrary(%q): error %v, want ErrLibrary", bad, err)
		}
	}
}

func TestTermNamesAndGradients(t *testing.T) {
	coords := system.DefaultCoordNames(2)
	want := map[string]identify.Term{
		"q1^2 p1":      {Powers: []int{2, 0, 1, 0}},
		"cos(q1)":      {Powers: []int{0, 0, 0, 0}, Trig: identify.Cos, Axis: 0},
		"p1^2 cos(q1)": {Powers: []int{0, 0, 2, 0}, Trig: identify.Cos, Axis: 0},
		"p2 sin(q2)":   {Powers: []int{0, 0, 0, 1}, Trig: identify.Sin, Axis: 1},
	}
	for name, term := range want {
		if got := term.Name(coords); got != name {
			t.Errorf("Name = %q, want %q", got, name)
		}
	}
	if got := want["p1^2 cos(q1)"].LaTeX(coords); got != `p_{1}^{2} \cos q_{1}` {
		t.Errorf("LaTeX = %q", got)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for _, term := range mustLibrary(t, "poly:4,trig:2").Terms(2) {
		name := term.Name(coords)
		back, err := identify.ParseTerm(name, coords)
		if err != nil || back.Name(coords) != name {
			t.Errorf("ParseTerm(%q) = %v, %v", name, back.Name(coords), err)
		}
		for range 5 {
			y := make([]float64, 4)
			for k := range y {
				y[k] = 4*rng.Float64() - 2
			}
			g := make([]float64, 4)
			term.AddGrad(g, y, 1)
			for k := range y {
				h := 1e-6
				yp, ym := slices.Clone(y), slices.Clone(y)
				yp[k] += h
				ym[k] -= h
				fd := (term.Value(yp) - term.Value(ym)) / (2 * h)
				if math.Abs(g[k]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s: ∂/∂y%d = %g, finite difference %g", name, k, g[k], fd)
				}
			}
		}
	}
	for _, bad := range []string{"", "r^2", "q1^0", "cos(p1)", "cos(q1) sin(q2)", "q1^x"} {
		if _, err := identify.ParseTerm(bad, coords); err == nil {
			t.Errorf("ParseTerm(%q) accepted", bad)
		}
	}
}

// noiseFraction is the noise added to the analytic energies of
// TestRecoversPolynomial, as a fraction of the spread (std) of H over
// the sample box.
const noiseFraction = 1e-3

// TestRecoversPolynomial fits noisy analytic energies (noise 1e-3 of the
// spread of H) and requires the true support exactly (no spurious, no
// missing term) and every coefficient within 3 bootstrap σ (+1e-9) of the
// truth.
func TestRecoversPolynomial(t *testing.T) {
	for _, s := range []system.System{system.DoubleWell{}, system.NewCoupledOscillator(0.5), system.HenonHeiles{}} {
		t.Run(s.Name(), func(t *testing.T) {
			sigma := noiseFraction * spread(s, s.Box())
			f, err := identify.Fit(noisy(s.H, sigma, 9), identify.Config{Box: s.Box(), Truth: s, Coords: system.CoordNames(s)})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, σ = %.3g: %s (residual %.3g)", s.Name(), sigma, f, f.Residual)
			tr := f.Truth
			if tr == nil || !tr.Exact {
				t.Fatalf("truth %+v: the true H should lie in poly:4", tr)
			}
			if len(tr.Spurious) > 0 || len(tr.Missing) > 0 {
				t.Errorf("spurious %v, missing %v", tr.Spurious, tr.Missing)
			}
			if len(f.Terms) != len(tr.Terms) {
				t.Errorf("%d terms found, %d true", len(f.Terms), len(tr.Terms))
			}
			for _, c := range f.Terms {
				if c.True == nil {
					t.Fatalf("%s: no true coefficient", c.Name)
				}
				dev := math.Abs(c.Coefficient - *c.True)
				t.Logf("  %-8s %.6f ± %.2g (true %.6f, %.1fσ)", c.Name, c.Coefficient, c.Uncertainty, *c.True, dev/c.Uncertainty)
				if !(c.BootstrapStd > 0) || dev > 3*c.BootstrapStd+1e-9 {
					t.Errorf("%s: found %.6g ± %.2g, true %.6g", c.Name, c.Coefficient, c.BootstrapStd, *c.True)
				}
			}
			// The residual is the noise: σ over the spread of H.
			if f.Residual < 0.8*noiseFraction || f.Residual > 1.25*noiseFraction {
				t.Errorf("residual %.3g, want ≈ %g (the noise)", f.Residual, noiseFraction)
			}
			if f.Outside || len(f.Warnings) > 0 {
				t.Errorf("flagged: %v", f.Warnings)
			}
		})
	}
}

// TestRecoversPendulum: H = p²/2 − cos q with the trig library (alone and
// beside the quartic monomials that approximate cos q).
func TestRecoversPendulum(t *testing.T) {
	s := system.Pendulum{}
	sigma := noiseFraction * spread(s, s.Box())
	for _, spec := range []string{"poly:2,trig", "poly:4,trig"} {
		f, err := identify.Fit(noisy(s.H, sigma, 5), identify.Config{Library: mustLibrary(t, spec), Box: s.Box(), Truth: s})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s (residual %.3g, condition %.3g)", spec, f, f.Residual, f.Condition)
		names := []string{}
		for _, c := range f.Terms {
			names = append(names, c.Name)
			if c.True == nil || math.Abs(c.Coefficient-*c.True) > 3*c.BootstrapStd+1e-9 {
				t.Errorf("%s: %s = %.6g ± %.2g, true %v", spec, c.Name, c.Coefficient, c.BootstrapStd, c.True)
			}
		}
		if !slices.Equal(names, []string{"p^2", "cos(q)"}) {
			t.Errorf("%s: terms %v, want [p^2 cos(q)]", spec, names)
		}
		if !f.Truth.Exact || len(f.Truth.Spurious)+len(f.Truth.Missing) > 0 {
			t.Errorf("%s: truth %+v", spec, f.Truth)
		}
		if c, _ := f.Coefficient("cos(q)"); math.Abs(c+1) > 1e-3 {
			t.Errorf("cos(q) coefficient %g", c)
		}
	}
}

// TestOutsideLibrary: energies that no poly:4 formula represents are
// flagged, with a large residual, and the pendulum without trig terms is
// not reported as exact.
func TestOutsideLibrary(t *testing.T) {
	box := system.Cube(2, -2, 2)
	for name, h := range map[string]func([]float64) float64{
		"exp(q) p^2":  func(y []float64) float64 { return math.Exp(y[0]) * y[1] * y[1] },
		"1/(1+q^2)":   func(y []float64) float64 { return 1 / (1 + y[0]*y[0]) },
		"p^2/2+|q|^3": func(y []float64) float64 { return y[1]*y[1]/2 + math.Pow(math.Abs(y[0]), 3) },
	} {
		truth := system.Func{SystemName: name, D: 1, Energy: h, Gradient: func(dst, y []float64) {}}
		f, err := identify.Fit(exact(h), identify.Config{Box: box, Truth: truth})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s (residual %.3g, library %.3g)", name, f, f.Residual, f.LibraryResidual)
		if !f.Outside || !(f.LibraryResidual > 1e-2) || !(f.Residual >= f.LibraryResidual) {
			t.Errorf("%s: outside %v, residual %.3g, library residual %.3g", name, f.Outside, f.Residual, f.LibraryResidual)
		}
		if len(f.Warnings) == 0 || !strings.Contains(f.Warnings[0], "outside the library") {
			t.Errorf("%s: warnings %q", name, f.Warnings)
		}
		if f.Truth.Exact || f.Truth.Spurious != nil {
			t.Errorf("%s: the true H is reported as in the library: %+v", name, f.Truth)
		}
		for _, c := range f.Terms {
			if c.True != nil {
				t.Errorf("%s: %s has a 'true' coefficient", name, c.Name)
			}
		}
	}
	// The pendulum on monomials: a close approximation (residual 2e-3 < 1e-2),
	// not exact, and its truth is a reference fit, not exact coefficients.
	s := system.Pendulum{}
	f, err := identify.Fit(exact(s.H), identify.Config{Box: s.Box(), Truth: s})
	if err != nil {
		t.Fatal(err)
	}
	if f.Truth.Exact || f.Truth.Note == "" || f.Residual < 1e-3 {
		t.Errorf("pendulum on poly:4: residual %.3g, truth %+v", f.Residual, f.Truth)
	}
}

// TestSpuriousAndMissing: the comparison with the truth names a term the
// energy has and the truth has not, and one the other way round.
func TestSpuriousAndMissing(t *testing.T) {
	dw := system.DoubleWell{}
	energy := exact(func(y []float64) float64 { return dw.H(y) + 0.1*y[0]*y[0]*y[0] - y[0]*y[0]*y[0]*y[0]/4 })
	f, err := identify.Fit(energy, identify.Config{Box: dw.Box(), Truth: dw})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Truth.Spurious, []string{"q^3"}) || !slices.Equal(f.Truth.Missing, []string{"q^4"}) {
		t.Errorf("%s: spurious %v, missing %v", f, f.Truth.Spurious, f.Truth.Missing)
	}
	for _, c := range f.Terms {
		if c.Name == "q^3" && (c.True == nil || *c.True != 0) {
			t.Errorf("spurious q^3: true %v, want 0", c.True)
		}
	}
	for _, tt := range f.Truth.Terms {
		if tt.Name == "q^4" && (tt.Found != 0 || math.Abs(tt.Coefficient-0.25) > 1e-12) {
			t.Errorf("missing q^4: %+v", tt)
		}
	}
}

// doubleWellFormula is the formula identified from the exact double well.
func doubleWellFormula(t *testing.T) *identify.Formula {
	t.Helper()
	s := system.DoubleWell{}
	f, err := identify.Fit(exact(s.H), identify.Config{Box: s.Box(), Domains: s.Domains()})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFormulaIsASystem(t *testing.T) {
	s := system.DoubleWell{}
	f := doubleWellFormula(t)
	if got, want := f.String(), "H ≈ −0.5000 q^2 + 0.5000 p^2 + 0.2500 q^4"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := f.LaTeX(), `H \approx -0.5000\, q^{2} + 0.5000\, p^{2} + 0.2500\, q^{4}`; got != want {
		t.Errorf("LaTeX() = %q, want %q", got, want)
	}
	var sys system.System = f
	if sys.Name() != "identified" || sys.Dim() != 1 || !slices.Equal(sys.Box().Hi, s.Box().Hi) || len(sys.Domains()) != 1 {
		t.Errorf("system: %s, d = %d, box %v, %d domains", sys.Name(), sys.Dim(), sys.Box(), len(sys.Domains()))
	}
	if e := system.CheckGradient(f, 200, 3); e > 1e-7 {
		t.Errorf("Grad against finite differences of H: %.3g", e)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	g, gt := make([]float64, 2), make([]float64, 2)
	for range 100 {
		y := []float64{6*rng.Float64() - 3, 6*rng.Float64() - 3}
		f.Grad(g, y)
		s.Grad(gt, y)
		if math.Abs(f.H(y)-s.H(y)) > 1e-12 || math.Abs(g[0]-gt[0]) > 1e-11 || math.Abs(g[1]-gt[1]) > 1e-12 {
			t.Fatalf("at %v: H %g vs %g, ∇H %v vs %v", y, f.H(y), s.H(y), g, gt)
		}
	}
	res, err := eval.Evaluate(s, f.Energy, eval.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error > 1e-12 {
			t.Errorf("%s/%s: error %.3g of the exact double well's formula", r.Domain, r.Set, r.Error)
		}
	}
	// The reference integrator takes the formula as a system.
	y0 := []float64{0.5, 0.3}
	a, err := reference.Trajectory(f, y0, 0.1, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := reference.Trajectory(s, y0, 0.1, 50, 0)
	for i := range a {
		for k := range a[i] {
			if math.Abs(a[i][k]-b[i][k]) > 1e-9 {
				t.Fatalf("step %d: formula trajectory %v, true %v", i, a[i], b[i])
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := system.HenonHeiles{}
	f, err := identify.Fit(noisy(s.H, 1e-5, 2), identify.Config{Box: s.Box(), Domains: s.Domains(), Coords: system.CoordNames(s), Truth: s})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", identify.FileName)
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	g, err := identify.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.String() != f.String() || g.LaTeX() != f.LaTeX() || g.Residual != f.Residual || !slices.Equal(g.Coords, []string{"qx", "qy", "px", "py"}) ||
		!slices.Equal(g.Box().Lo, f.Box().Lo) || len(g.Domains()) != 2 || g.Domains()[0].GridPerAxis != 30 || g.Truth == nil || g.Library != f.Library {
		t.Errorf("decoded %s (residual %g, coords %v, box %v, %d domains), want %s", g, g.Residual, g.Coords, g.Box(), len(g.Domains()), f)
	}
	for i, c := range f.Terms {
		d := g.Terms[i]
		if d.Coefficient != c.Coefficient || d.Uncertainty != c.Uncertainty || d.True == nil || *d.True != *c.True {
			t.Errorf("term %s decoded as %+v", c.Name, d)
		}
	}
	y := []float64{0.1, -0.2, 0.05, 0.3}
	if f.H(y) != g.H(y) {
		t.Errorf("H %g, decoded %g", f.H(y), g.H(y))
	}
	var raw map[string]any
	b, _ := json.Marshal(f)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"terms", "residual", "latex", "box", "outside_library", "library"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	term := raw["terms"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "coefficient", "uncertainty"} {
		if _, ok := term[k]; !ok {
			t.Errorf("JSON term lacks %q", k)
		}
	}
	// A hand-written formula: names and coefficients only.
	var h identify.Formula
	if err := json.Unmarshal([]byte(`{"coords":["q","p"],"terms":[{"name":"p^2","coefficient":0.5},{"name":"cos(q)","coefficient":-1}]}`), &h); err != nil {
		t.Fatal(err)
	}
	if got := h.H([]float64{0, 2}); math.Abs(got-1) > 1e-15 {
		t.Errorf("hand-written H(0, 2) = %g, want 1", got)
	}
	for _, bad := range []string{
		`{"coords":["q","p"],"terms":[{"name":"r^2","coefficient":1}]}`,
		`{"coords":["q","p"],"terms":[{"name":"q^2","coefficient":1,"powers":[0,2]}]}`,
		`{"coords":["q","p"],"terms":[{"name":"q^2","coefficient":1},{"name":"q^2","coefficient":2}]}`,
		`{"coords":["q"],"terms":[]}`,
		`{"coords":["q","p"],"box":{"lo":[0],"hi":[1]},"terms":[]}`,
		`{"format":99,"coords":["q","p"]}`,
		`{"coords":["q","p"],"terms":[{"name":"q","coefficient":"x"}]}`,
	} {
		if err := json.Unmarshal([]byte(bad), new(identify.Formula)); err == nil {
			t.Errorf("decoded %s", bad)
		}
	}
}

func TestErrors(t *testing.T) {
	s := system.DoubleWell{}
	_, err := identify.Fit(exact(s.H), identify.Config{Box: s.Box(), Library: mustLibrary(t, "poly:6"), Samples: 200})
	if !errors.Is(err, identify.ErrLibraryTooLarge) || !strings.Contains(err.Error(), "27 terms") {
		t.Errorf("27 terms for 200 samples: %v", err)
	}
	// cos q and sin q are nearly polynomials of degree 8 on [−2, 2]
	// (condition number ≈ 8e6), and on the small box of Hénon–Heiles, of
	// degree 4 (≈ 2e6).
	_, err = identify.Fit(exact(s.H), identify.Config{Box: s.Box(), Library: mustLibrary(t, "poly:8,trig:4")})
	if !errors.Is(err, identify.ErrIllConditioned) || !strings.Contains(err.Error(), "condition number") {
		t.Errorf("poly:8,trig:4: %v", err)
	}
	hh := system.HenonHeiles{}
	_, err = identify.Fit(exact(hh.H), identify.Config{Box: hh.Box(), Library: mustLibrary(t, "poly:4,trig")})
	if !errors.Is(err, identify.ErrIllConditioned) {
		t.Errorf("Hénon–Heiles, poly:4,trig: %v", err)
	}
	slice := system.Box{Lo: []float64{0.1, -1}, Hi: []float64{0.1, 1}}
	_, err = identify.Fit(exact(s.H), identify.Config{Box: slice})
	if !errors.Is(err, identify.ErrIllConditioned) || !strings.Contains(err.Error(), "constant") {
		t.Errorf("fixed axis: %v", err)
	}
	if _, err = identify.Fit(exact(s.H), identify.Config{Box: system.Box{Lo: []float64{0}, Hi: []float64{1}}}); err == nil {
		t.Error("a box of one coordinate accepted")
	}
	if _, err = identify.Fit(exact(func([]float64) float64 { return 3 }), identify.Config{Box: s.Box()}); err == nil || !strings.Contains(err.Error(), "constant") {
		t.Errorf("constant energy: %v", err)
	}
	if _, err = identify.Fit(exact(func(y []float64) float64 { return 1 / y[0] * 0 / y[0] }), identify.Config{Box: s.Box()}); err == nil {
		t.Error("a NaN energy accepted")
	}
	failing := func([][]float64) ([]float64, error) { return nil, errors.New("boom") }
	if _, err = identify.Fit(failing, identify.Config{Box: s.Box()}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing energy: %v", err)
	}
}

// TestAcrossModels: several "models" (the double well with independent
// noise) give the formula of their mean, a spread across models
// comparable to a single model's bootstrap σ (both come from the same
// noise), and a model whose support differs from the mean's is named.
func TestAcrossModels(t *testing.T) {
	s := system.DoubleWell{}
	sigma := noiseFraction * spread(s, s.Box())
	var energies []eval.Energy
	for seed := range uint64(5) {
		energies = append(energies, noisy(s.H, sigma, 100+seed))
	}
	f, err := identify.FitModels(energies, identify.Config{Box: s.Box(), Truth: s})
	if err != nil {
		t.Fatal(err)
	}
	if f.Models != 5 || len(f.Warnings) > 0 {
		t.Errorf("models %d, warnings %v", f.Models, f.Warnings)
	}
	mean := make([]float64, len(f.Terms))
	for _, e := range energies {
		one, err := identify.Fit(e, identify.Config{Box: s.Box()})
		if err != nil || len(one.Terms) != len(f.Terms) {
			t.Fatalf("one model: %v, %v", one, err)
		}
		for j, c := range one.Terms {
			mean[j] += c.Coefficient / float64(len(energies))
		}
	}
	for j, c := range f.Terms {
		t.Logf("%s: %.6f, bootstrap σ %.3g, across models σ %.3g, uncertainty %.3g", c.Name, c.Coefficient, c.BootstrapStd, c.ModelStd, c.Uncertainty)
		// One model's bootstrap σ is √5 that of the mean of five.
		if r := c.ModelStd / (math.Sqrt(5) * c.BootstrapStd); !(r > 0.4 && r < 2.5) ||
			math.Abs(c.Uncertainty-math.Hypot(c.BootstrapStd, c.ModelStd/math.Sqrt(5))) > 1e-15 {
			t.Errorf("%s: bootstrap %.3g, models %.3g, uncertainty %.3g", c.Name, c.BootstrapStd, c.ModelStd, c.Uncertainty)
		}
		if math.Abs(c.Coefficient-mean[j]) > 1e-12 {
			t.Errorf("%s: %.12g, the mean of the models' fits %.12g", c.Name, c.Coefficient, mean[j])
		}
		if math.Abs(c.Coefficient-*c.True) > 3*c.Uncertainty {
			t.Errorf("%s: %.6g ± %.2g, true %.6g", c.Name, c.Coefficient, c.Uncertainty, *c.True)
		}
	}
	other := exact(func(y []float64) float64 { return s.H(y) + 0.2*y[0]*y[1] })
	f, err = identify.FitModels([]eval.Energy{energies[0], other}, identify.Config{Box: s.Box()})
	if err != nil {
		t.Fatal(err)
	}
	// The mean has 0.1 q p, which the first model lacks.
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "model 1 selects another support: −q p") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

// TestNetworkLikeError: a smooth systematic error (what a network leaves)
// of 1e-3 of the spread of H, spread over every monomial, does not make
// the double well's formula pick up terms: the selection keeps the three
// true terms, and each coefficient is off by about the error's projection.
func TestNetworkLikeError(t *testing.T) {
	s := system.DoubleWell{}
	eps := noiseFraction * spread(s, s.Box())
	e := exact(func(y []float64) float64 {
		q, p := y[0], y[1]
		return s.H(y) + eps*(math.Sin(1.3*q+0.4)*math.Cos(0.7*p)+0.3*math.Tanh(q*p))
	})
	f, err := identify.Fit(e, identify.Config{Box: s.Box(), Truth: s})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (residual %.3g)", f, f.Residual)
	if len(f.Truth.Spurious)+len(f.Truth.Missing) > 0 {
		t.Errorf("spurious %v, missing %v", f.Truth.Spurious, f.Truth.Missing)
	}
	for _, tt := range f.Truth.Terms {
		if math.Abs(tt.Found/tt.Coefficient-1) > 1e-2 {
			t.Errorf("%s: found %.6g, true %.6g", tt.Name, tt.Found, tt.Coefficient)
		}
	}
}
