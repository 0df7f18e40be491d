package identify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Name is the system name of an identified formula.
const Name = "identified"

// FileName is the file the hnn command writes a model's formula to.
const FileName = "identified.json"

// Coef is one term of a formula with its coefficient.
type Coef struct {
	Term Term
	// Name is the term's readable name (Term.Name with the formula's coordinates).
	Name        string
	Coefficient float64
	// Uncertainty is √(BootstrapStd² + ModelStd²/M) for M models: the
	// bootstrap's spread and the standard error of the models' mean.
	Uncertainty float64
	// BootstrapStd is the standard deviation of the coefficient over
	// bootstrap resamples of the sample points.
	BootstrapStd float64
	// ModelStd is its standard deviation across the models fitted (0 for
	// one): the spread of a single model's coefficient.
	ModelStd float64
	// True is the true coefficient when the true H is known and lies in the
	// library (0 for a spurious term), else nil.
	True *float64
}

// TrueTerm is one term of the true H's fit on the library.
type TrueTerm struct {
	Name string `json:"name"`
	// Coefficient is the true coefficient (exact when Truth.Exact).
	Coefficient float64 `json:"coefficient"`
	// Found is the identified coefficient (0 when the term was not selected).
	Found float64 `json:"found"`
	// OnTrueSupport is the model's energy fitted on the true support: the
	// coefficient that selection could at best find, so Found − True
	// splits into selection (Found − OnTrueSupport) and the model's own
	// error (OnTrueSupport − True).
	OnTrueSupport float64 `json:"on_true_support"`
}

// Truth compares a formula with the true system.
type Truth struct {
	System string `json:"system"`
	// Exact says that the true H lies in the library: its fit on the whole
	// library leaves a relative residual ≤ ExactResidual. Then Terms are its
	// exact coefficients, and Spurious and Missing compare the supports.
	Exact bool `json:"exact"`
	// Residual is the relative residual of the true H's fit on Terms.
	Residual float64    `json:"residual"`
	Terms    []TrueTerm `json:"terms"`
	// Spurious are selected terms whose true coefficient is zero; Missing
	// are true terms not selected.
	Spurious []string `json:"spurious"`
	Missing  []string `json:"missing"`
	Note     string   `json:"note,omitempty"`
}

// Formula is an identified Hamiltonian H(y) ≈ Σ c_j φ_j(y): the selected
// terms of a library with their coefficients. The additive constant of the
// fitted energy is not part of H (it is not identifiable); it is kept in
// Constant.
//
// A Formula is a system.System (Name "identified"), so that it can be
// scored on the test sets of eval and integrated by package reference. It
// is read-only after Fit or decoding and safe for concurrent use.
type Formula struct {
	// Coords names the 2d coordinates.
	Coords []string
	Terms  []Coef
	// Constant is the fitted intercept: the energy ≈ Constant + H.
	Constant float64
	// Residual is the RMS of energy − (Constant + H) over the samples,
	// relative to the standard deviation of the energy there.
	Residual float64
	// LibraryResidual is the relative residual of the fit on the whole
	// library: the best any formula of the library achieves.
	LibraryResidual float64
	// Outside is set when LibraryResidual exceeds Config.OutsideResidual:
	// the energy is outside the library (not in its span to that accuracy).
	Outside bool
	// Warnings say what to doubt (outside the library, disagreeing models).
	Warnings []string
	// SampleBox is where the energy was sampled (Box); EvalDomains the
	// evaluation domains (Domains; nil: one domain equal to SampleBox).
	SampleBox   system.Box
	EvalDomains []system.Domain
	// How the fit was made.
	Library      Library
	LibraryTerms int
	Samples      int
	Seed         uint64
	Bootstrap    int
	Models       int
	// Condition is the condition number of the normalised design.
	Condition float64
	// ThresholdLo and ThresholdHi bound the thresholds on the path that
	// select the formula's support.
	ThresholdLo, ThresholdHi float64
	// Path is the Pareto front of the threshold path (the selected model
	// marked).
	Path []PathPoint
	// Truth compares with the true system, when it was given.
	Truth *Truth
}

// Name implements system.System.
func (f *Formula) Name() string { return Name }

// Dim implements system.System.
func (f *Formula) Dim() int { return len(f.Coords) / 2 }

// H implements system.System: Σ c_j φ_j(y), without Constant.
func (f *Formula) H(y []float64) float64 {
	system.CheckState(f, y)
	h := 0.0
	for _, c := range f.Terms {
		h += c.Coefficient * c.Term.Value(y)
	}
	return h
}

// Grad implements system.System: the closed-form gradient of H.
func (f *Formula) Grad(dst, y []float64) {
	system.CheckState(f, y)
	clear(dst[:len(y)])
	for _, c := range f.Terms {
		c.Term.AddGrad(dst, y, c.Coefficient)
	}
}

// Box implements system.System: the sample box.
func (f *Formula) Box() system.Box { return f.SampleBox }

// Domains implements system.System: EvalDomains, or one domain "box" equal
// to the sample box (100,000 uniform points, a grid of 30 per axis in 2-D
// phase spaces, 10 otherwise, σ = 1).
func (f *Formula) Domains() []system.Domain {
	if f.EvalDomains != nil {
		return f.EvalDomains
	}
	return system.Func{D: f.Dim(), TrainBox: f.SampleBox}.Domains()
}

// CoordNames implements system.CoordNamer.
func (f *Formula) CoordNames() []string { return f.Coords }

// Energy evaluates H on a batch of points (an eval.Energy).
func (f *Formula) Energy(points [][]float64) ([]float64, error) {
	out := make([]float64, len(points))
	for i, y := range points {
		if len(y) != len(f.Coords) {
			return nil, fmt.Errorf("identify: point %d has %d coordinates, the formula expects %d", i, len(y), len(f.Coords))
		}
		out[i] = f.H(y)
	}
	return out, nil
}

// Coefficient returns the coefficient of the term called name (0, false
// when it is not in the formula).
func (f *Formula) Coefficient(name string) (float64, bool) {
	for _, c := range f.Terms {
		if c.Name == name {
			return c.Coefficient, true
		}
	}
	return 0, false
}

func formatCoef(a float64) string {
	if a != 0 && (a < 1e-3 || a >= 1e4) {
		return strconv.FormatFloat(a, 'g', 4, 64)
	}
	return strconv.FormatFloat(a, 'f', 4, 64)
}

// String is the formula, e.g. "H ≈ −0.5000 q^2 + 0.5000 p^2 + 0.2500 q^4".
func (f *Formula) String() string {
	var b strings.Builder
	b.WriteString("H ≈ ")
	if len(f.Terms) == 0 {
		b.WriteString("0")
	}
	for i, c := range f.Terms {
		switch {
		case i == 0 && c.Coefficient < 0:
			b.WriteString("−")
		case c.Coefficient < 0:
			b.WriteString(" − ")
		case i > 0:
			b.WriteString(" + ")
		}
		b.WriteString(formatCoef(math.Abs(c.Coefficient)))
		b.WriteString(" ")
		b.WriteString(c.Name)
	}
	return b.String()
}

func latexCoef(a float64) string {
	s := formatCoef(a)
	if m, e, ok := strings.Cut(s, "e"); ok {
		n, _ := strconv.Atoi(e)
		return m + `\times 10^{` + strconv.Itoa(n) + "}"
	}
	return s
}

// LaTeX is the formula in LaTeX, e.g. "H \approx -0.5000\, q^{2} + …".
func (f *Formula) LaTeX() string {
	var b strings.Builder
	b.WriteString(`H \approx`)
	if len(f.Terms) == 0 {
		b.WriteString(" 0")
	}
	for i, c := range f.Terms {
		switch {
		case c.Coefficient < 0 && i == 0:
			b.WriteString(" -")
		case c.Coefficient < 0:
			b.WriteString(" - ")
		case i > 0:
			b.WriteString(" + ")
		default:
			b.WriteString(" ")
		}
		b.WriteString(latexCoef(math.Abs(c.Coefficient)))
		b.WriteString(`\, `)
		b.WriteString(c.Term.LaTeX(f.Coords))
	}
	return b.String()
}

// FormatVersion is the version of the JSON encoding.
const FormatVersion = 1

type jsonTerm struct {
	Name         string   `json:"name"`
	Coefficient  float64  `json:"coefficient"`
	Uncertainty  float64  `json:"uncertainty"`
	BootstrapStd float64  `json:"bootstrap_std"`
	ModelStd     float64  `json:"model_std"`
	True         *float64 `json:"true,omitempty"`
	LaTeX        string   `json:"latex,omitempty"`
	Powers       []int    `json:"powers,omitempty"`
	Trig         string   `json:"trig,omitempty"`
	Axis         *int     `json:"axis,omitempty"`
}

type jsonBox struct {
	Lo []float64 `json:"lo"`
	Hi []float64 `json:"hi"`
}

type jsonDomain struct {
	Name        string  `json:"name"`
	Box         jsonBox `json:"box"`
	Sigma       float64 `json:"sigma"`
	Uniform     int     `json:"uniform"`
	GridPerAxis int     `json:"grid_per_axis"`
}

type jsonFormula struct {
	Format       int          `json:"format"`
	System       string       `json:"system"`
	Formula      string       `json:"formula"`
	LaTeX        string       `json:"latex"`
	Coords       []string     `json:"coords"`
	Terms        []jsonTerm   `json:"terms"`
	Constant     float64      `json:"constant"`
	Residual     float64      `json:"residual"`
	LibResidual  float64      `json:"library_residual"`
	Outside      bool         `json:"outside_library"`
	Warnings     []string     `json:"warnings"`
	Box          jsonBox      `json:"box"`
	Domains      []jsonDomain `json:"domains,omitempty"`
	Library      string       `json:"library"`
	LibraryTerms int          `json:"library_terms"`
	Samples      int          `json:"samples"`
	Seed         uint64       `json:"seed"`
	Bootstrap    int          `json:"bootstrap"`
	Models       int          `json:"models"`
	Condition    float64      `json:"condition"`
	ThresholdLo  float64      `json:"threshold_lo"`
	ThresholdHi  float64      `json:"threshold_hi"`
	Path         []PathPoint  `json:"path,omitempty"`
	Truth        *Truth       `json:"truth,omitempty"`
}

// finite makes a value JSON-encodable: ±Inf and NaN become 0 (they only
// occur in the empty model's thresholds).
func finite(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return v
}

// MarshalJSON encodes the formula: terms (name, coefficient, uncertainty
// and the term's structure), residual, latex, box and how it was fitted.
func (f *Formula) MarshalJSON() ([]byte, error) {
	j := jsonFormula{Format: FormatVersion, System: Name, Formula: f.String(), LaTeX: f.LaTeX(), Coords: f.Coords,
		Constant: f.Constant, Residual: f.Residual, LibResidual: f.LibraryResidual, Outside: f.Outside, Warnings: f.Warnings,
		Box: jsonBox{f.SampleBox.Lo, f.SampleBox.Hi}, Library: f.Library.String(), LibraryTerms: f.LibraryTerms,
		Samples: f.Samples, Seed: f.Seed, Bootstrap: f.Bootstrap, Models: f.Models, Condition: finite(f.Condition),
		ThresholdLo: finite(f.ThresholdLo), ThresholdHi: finite(f.ThresholdHi), Truth: f.Truth}
	if j.Warnings == nil {
		j.Warnings = []string{}
	}
	j.Terms = []jsonTerm{}
	for _, c := range f.Terms {
		t := jsonTerm{Name: c.Name, Coefficient: c.Coefficient, Uncertainty: c.Uncertainty, BootstrapStd: c.BootstrapStd,
			ModelStd: c.ModelStd, True: c.True, LaTeX: c.Term.LaTeX(f.Coords), Powers: c.Term.Powers, Trig: c.Term.Trig}
		if c.Term.Trig != "" {
			t.Axis = &c.Term.Axis
		}
		j.Terms = append(j.Terms, t)
	}
	for _, d := range f.EvalDomains {
		j.Domains = append(j.Domains, jsonDomain{d.Name, jsonBox{d.Box.Lo, d.Box.Hi}, d.Sigma, d.Uniform, d.GridPerAxis})
	}
	for _, p := range f.Path {
		p.Lo, p.Hi = finite(p.Lo), finite(p.Hi)
		j.Path = append(j.Path, p)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a formula written by MarshalJSON. A term needs
// its name; its structure (powers, trig, axis) is read from the name when
// absent. Coordinates default to system.DefaultCoordNames of the box.
func (f *Formula) UnmarshalJSON(data []byte) error {
	var j jsonFormula
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	if j.Format > FormatVersion {
		return fmt.Errorf("identify: formula format %d is newer than this program's %d", j.Format, FormatVersion)
	}
	if len(j.Box.Lo) != len(j.Box.Hi) {
		return fmt.Errorf("identify: box has %d lower and %d upper bounds", len(j.Box.Lo), len(j.Box.Hi))
	}
	coords := j.Coords
	if coords == nil {
		if len(j.Box.Lo) == 0 || len(j.Box.Lo)%2 != 0 {
			return errors.New("identify: a formula needs its coords (or a box of 2d coordinates)")
		}
		coords = system.DefaultCoordNames(len(j.Box.Lo) / 2)
	}
	if len(coords) == 0 || len(coords)%2 != 0 {
		return fmt.Errorf("identify: %d coordinate names: a state has 2d coordinates", len(coords))
	}
	if len(j.Box.Lo) != 0 && len(j.Box.Lo) != len(coords) {
		return fmt.Errorf("identify: box of %d coordinates for %d coordinate names", len(j.Box.Lo), len(coords))
	}
	dim := len(coords) / 2
	var lib Library
	if j.Library != "" {
		var err error
		if lib, err = ParseLibrary(j.Library); err != nil {
			return fmt.Errorf("identify: %w", err)
		}
	}
	out := Formula{Coords: coords, Constant: j.Constant, Residual: j.Residual, LibraryResidual: j.LibResidual, Outside: j.Outside, Warnings: j.Warnings,
		SampleBox: system.Box{Lo: j.Box.Lo, Hi: j.Box.Hi}, Library: lib, LibraryTerms: j.LibraryTerms,
		Samples: j.Samples, Seed: j.Seed, Bootstrap: j.Bootstrap, Models: j.Models, Condition: j.Condition,
		ThresholdLo: j.ThresholdLo, ThresholdHi: j.ThresholdHi, Path: j.Path, Truth: j.Truth}
	if len(out.SampleBox.Lo) == 0 {
		out.SampleBox = system.Cube(2*dim, -2, 2)
	}
	for i, t := range j.Terms {
		term, err := ParseTerm(t.Name, coords)
		if err != nil {
			return fmt.Errorf("identify: term %d: %w", i+1, err)
		}
		if t.Powers != nil || t.Trig != "" {
			given := Term{Powers: t.Powers, Trig: t.Trig}
			if t.Axis != nil {
				given.Axis = *t.Axis
			}
			if !sameTerm(given, term) {
				return fmt.Errorf("identify: term %d: name %q does not match its powers %v and trig %q", i+1, t.Name, t.Powers, t.Trig)
			}
		}
		if math.IsNaN(t.Coefficient) || math.IsInf(t.Coefficient, 0) {
			return fmt.Errorf("identify: term %q: coefficient is not finite", t.Name)
		}
		for _, c := range out.Terms {
			if sameTerm(c.Term, term) {
				return fmt.Errorf("identify: term %q given twice", t.Name)
			}
		}
		out.Terms = append(out.Terms, Coef{Term: term, Name: term.Name(coords), Coefficient: t.Coefficient,
			Uncertainty: t.Uncertainty, BootstrapStd: t.BootstrapStd, ModelStd: t.ModelStd, True: t.True})
	}
	for _, d := range j.Domains {
		if len(d.Box.Lo) != 2*dim || len(d.Box.Hi) != 2*dim {
			return fmt.Errorf("identify: domain %q has a box of %d/%d coordinates, want %d", d.Name, len(d.Box.Lo), len(d.Box.Hi), 2*dim)
		}
		out.EvalDomains = append(out.EvalDomains, system.Domain{Name: d.Name, Box: system.Box{Lo: d.Box.Lo, Hi: d.Box.Hi},
			Sigma: d.Sigma, Uniform: d.Uniform, GridPerAxis: d.GridPerAxis})
	}
	*f = out
	return nil
}

// WriteFile writes f as indented JSON to path atomically.
func (f *Formula) WriteFile(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

// ReadFile reads a formula written by WriteFile.
func ReadFile(path string) (*Formula, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := new(Formula)
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

var _ system.System = (*Formula)(nil)
