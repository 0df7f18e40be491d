package identify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// Defaults of Config.
const (
	DefaultSamples = 4000
	// DefaultSamplesPerTerm is the fewest samples per library term: a
	// library of more than Samples/10 terms is refused.
	DefaultSamplesPerTerm = 10
	DefaultBootstrap      = 200
	// DefaultMaxCondition is the largest condition number of the
	// normalised design accepted.
	DefaultMaxCondition = 1e6
	// DefaultOutsideResidual is the relative residual above which the
	// energy is reported as outside the library.
	DefaultOutsideResidual = 1e-2
	DefaultSeed            = 1
)

// Constants of the threshold path and of the comparison with the truth.
const (
	// PathMin and PathPoints: the thresholds λ are log-spaced, PathPoints
	// per decade, from PathMin up to the largest normalised coefficient of
	// the full least-squares fit.
	PathMin     = 1e-6
	PathPerDec  = 10
	maxSTLSQIts = 50
	// ExactResidual: a true H whose full-library fit leaves a relative
	// residual at most this lies in the library; its normalised
	// coefficients below ExactZero are zero (round-off).
	ExactResidual = 1e-9
	ExactZero     = 1e-8
	// logFloor bounds log10 of relative residuals from below (round-off).
	logFloor = 1e-15
)

// Errors of Fit, to be wrapped (errors.Is): ErrLibrary (term.go) for a
// malformed spec, and these.
var (
	// ErrLibraryTooLarge: more library terms than Samples/SamplesPerTerm.
	ErrLibraryTooLarge = errors.New("library too large for the samples")
	// ErrIllConditioned: the normalised design's condition number exceeds
	// MaxCondition, or a term is constant on the samples.
	ErrIllConditioned = errors.New("ill-conditioned fit")
)

// Config configures Fit. The zero value of each field means its default,
// except Box, which is required.
type Config struct {
	// Library is the set of candidate terms; the zero value means DefaultLibrary.
	Library Library
	// Box is where the energy is sampled (uniformly): the region the model
	// was trained on, e.g. its System.Box(). It becomes the formula's Box.
	Box system.Box
	// Domains are the formula's evaluation domains (Formula.Domains); nil
	// means one domain equal to Box.
	Domains []system.Domain
	// Coords names the 2d coordinates; nil means system.DefaultCoordNames.
	Coords []string
	// Samples is the number of sample points; 0 means DefaultSamples.
	Samples int
	// SamplesPerTerm is the fewest samples per library term; 0 means DefaultSamplesPerTerm.
	SamplesPerTerm int
	// Seed seeds the samples and the bootstrap; 0 means DefaultSeed.
	Seed uint64
	// Bootstrap is the number of bootstrap resamples; 0 means
	// DefaultBootstrap, negative none.
	Bootstrap int
	// MaxCondition bounds the condition number of the normalised design; 0
	// means DefaultMaxCondition.
	MaxCondition float64
	// OutsideResidual is the relative residual above which the energy is
	// flagged as outside the library; 0 means DefaultOutsideResidual.
	OutsideResidual float64
	// Truth, if set, is the true system: its H is fitted on the same
	// library and samples, and the true coefficients are reported beside
	// the found ones (Formula.Truth).
	Truth system.System
}

func (c Config) withDefaults() Config {
	if c.Library == (Library{}) {
		c.Library = DefaultLibrary
	}
	if c.Samples == 0 {
		c.Samples = DefaultSamples
	}
	if c.SamplesPerTerm == 0 {
		c.SamplesPerTerm = DefaultSamplesPerTerm
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	switch {
	case c.Bootstrap == 0:
		c.Bootstrap = DefaultBootstrap
	case c.Bootstrap < 0:
		c.Bootstrap = 0
	}
	if c.MaxCondition == 0 {
		c.MaxCondition = DefaultMaxCondition
	}
	if c.OutsideResidual == 0 {
		c.OutsideResidual = DefaultOutsideResidual
	}
	return c
}

// Fit identifies a formula for energy (a learned Hamiltonian evaluated on
// batches, e.g. hnn.Model.Energy) in cfg.Box. See the package doc.
func Fit(energy eval.Energy, cfg Config) (*Formula, error) {
	return FitModels([]eval.Energy{energy}, cfg)
}

// FitModels identifies a formula for the mean of energies (several models
// of the same system, e.g. trained with different seeds: an ensemble) and
// measures the spread of its coefficients across them: each is fitted on
// the support selected for the mean, at the same samples (the mean of
// these fits is the formula's coefficients), and a model whose own
// selection differs is named in the warnings. With one energy it is Fit.
func FitModels(energies []eval.Energy, cfg Config) (*Formula, error) {
	if len(energies) == 0 {
		return nil, errors.New("identify: no energy to fit")
	}
	cfg = cfg.withDefaults()
	box := cfg.Box
	if len(box.Lo) == 0 || len(box.Lo) != len(box.Hi) || len(box.Lo)%2 != 0 {
		return nil, fmt.Errorf("identify: the sample box needs 2d bounds on each side, got %d and %d", len(box.Lo), len(box.Hi))
	}
	for i := range box.Lo {
		if !(box.Lo[i] <= box.Hi[i]) || math.IsInf(box.Lo[i], 0) || math.IsInf(box.Hi[i], 0) {
			return nil, fmt.Errorf("identify: the sample box's axis %d is [%g, %g]", i, box.Lo[i], box.Hi[i])
		}
	}
	dim := len(box.Lo) / 2
	coords := cfg.Coords
	if coords == nil {
		coords = system.DefaultCoordNames(dim)
	}
	if len(coords) != 2*dim {
		return nil, fmt.Errorf("identify: %d coordinate names for %d coordinates", len(coords), 2*dim)
	}
	if cfg.Truth != nil && cfg.Truth.Dim() != dim {
		return nil, fmt.Errorf("identify: the true system %s has d = %d, the sample box d = %d", cfg.Truth.Name(), cfg.Truth.Dim(), dim)
	}
	terms := cfg.Library.Terms(dim)
	if len(terms) == 0 {
		return nil, fmt.Errorf("identify: %w: the library %q has no terms", ErrLibrary, cfg.Library)
	}
	if cfg.Samples < 1 || len(terms)*cfg.SamplesPerTerm > cfg.Samples {
		return nil, fmt.Errorf("identify: %w: the library %s has %d terms for d = %d, more than samples/%d = %d/%d; "+
			"use at least %d samples or a smaller library", ErrLibraryTooLarge, cfg.Library, len(terms), dim,
			cfg.SamplesPerTerm, cfg.Samples, cfg.SamplesPerTerm, len(terms)*cfg.SamplesPerTerm)
	}
	points := eval.Uniform(box, cfg.Samples, rand.New(rand.NewPCG(cfg.Seed, 0x1de)))
	ds, err := newDesign(terms, coords, points)
	if err != nil {
		return nil, err
	}
	if ds.cond > cfg.MaxCondition {
		return nil, fmt.Errorf("identify: %w: the normalised design of %d terms (library %s) has condition number %.3g > %.3g "+
			"on the sample box: its coefficients would not be determined; use a smaller library (lower poly degree, or drop trig)",
			ErrIllConditioned, len(terms), cfg.Library, ds.cond, cfg.MaxCondition)
	}

	targets := make([]*target, len(energies))
	mean := make([]float64, len(points))
	for i, e := range energies {
		v, err := e(points)
		if err != nil {
			return nil, fmt.Errorf("identify: model %d: %w", i+1, err)
		}
		if targets[i], err = ds.newTarget(v); err != nil {
			return nil, fmt.Errorf("identify: model %d: %w", i+1, err)
		}
		for k, x := range v {
			mean[k] += x / float64(len(energies))
		}
	}
	prim := targets[0]
	if len(targets) > 1 {
		if prim, err = ds.newTarget(mean); err != nil {
			return nil, fmt.Errorf("identify: the models' mean energy: %w", err)
		}
	}
	sel := ds.selectSupport(prim)
	fit := ds.fitSupport(prim, sel.support)

	f := &Formula{
		Coords: slices.Clone(coords), Constant: fit.intercept, Residual: fit.residual,
		SampleBox:   system.Box{Lo: slices.Clone(box.Lo), Hi: slices.Clone(box.Hi)},
		EvalDomains: cfg.Domains, Library: cfg.Library, LibraryTerms: len(terms),
		Samples: len(points), Seed: cfg.Seed, Bootstrap: cfg.Bootstrap, Models: len(energies),
		Condition: ds.cond, ThresholdLo: sel.lo, ThresholdHi: sel.hi, Path: sel.path,
	}
	boot := ds.bootstrap(prim, sel.support, cfg.Bootstrap, rand.New(rand.NewPCG(cfg.Seed, 0xb007)))
	var across [][]float64 // coefficients of each model on the support
	for i := 0; len(targets) > 1 && i < len(targets); i++ {
		across = append(across, ds.fitSupport(targets[i], sel.support).coef)
		if own := ds.selectSupport(targets[i]).support; !slices.Equal(own, sel.support) {
			f.Warnings = append(f.Warnings, fmt.Sprintf("model %d selects another support: %s", i+1, ds.supportDiff(sel.support, own)))
		}
	}
	for j, col := range sel.support {
		c := Coef{Term: terms[col], Name: ds.names[col], Coefficient: fit.coef[j]}
		if boot != nil {
			c.BootstrapStd = std(column(boot, j))
		}
		if len(across) > 1 {
			c.ModelStd = std(column(across, j))
		}
		c.Uncertainty = math.Hypot(c.BootstrapStd, c.ModelStd/math.Sqrt(float64(len(targets))))
		f.Terms = append(f.Terms, c)
	}
	f.LibraryResidual = ds.solve(prim, allColumns(ds.m)).residual
	switch {
	case f.LibraryResidual > cfg.OutsideResidual:
		f.Outside = true
		f.Warnings = append(f.Warnings, fmt.Sprintf("outside the library: even all %d terms of %s leave a relative residual %.3g (> %g) "+
			"of the spread of H over the samples (the formula's own: %.3g); the formula approximates the energy, it does not identify it",
			len(terms), cfg.Library, f.LibraryResidual, cfg.OutsideResidual, fit.residual))
	case fit.residual > cfg.OutsideResidual:
		f.Warnings = append(f.Warnings, fmt.Sprintf("loose fit: the formula leaves a relative residual %.3g (> %g), the whole library %.3g: "+
			"the energy is not a sparse combination of the library's terms to that accuracy (the model's own error, or terms too small to select)",
			fit.residual, cfg.OutsideResidual, f.LibraryResidual))
	}
	if cfg.Truth != nil {
		f.Truth = ds.truth(cfg.Truth, points, prim, f)
	}
	return f, nil
}

// design is the normalised library matrix at the sample points: column j
// is (φ_j(y_i) − mean_j)/scale_j, so that every column has mean 0 and
// standard deviation 1 and coefficients are comparable whatever the units.
type design struct {
	terms       []Term
	names       []string
	n, m        int
	x           *mat.Dense
	mean, scale []float64
	cond        float64
	cache       map[string]lsq // least-squares fits by target and support
	targets     int            // targets made, for their ids
}

func newDesign(terms []Term, coords []string, points [][]float64) (*design, error) {
	n, m := len(points), len(terms)
	ds := &design{terms: terms, n: n, m: m, x: mat.NewDense(n, m, nil),
		mean: make([]float64, m), scale: make([]float64, m), cache: map[string]lsq{}}
	for _, t := range terms {
		ds.names = append(ds.names, t.Name(coords))
	}
	col := make([]float64, n)
	for j, t := range terms {
		for i, y := range points {
			col[i] = t.Value(y)
		}
		mu, sd := meanStd(col)
		if !(sd > 1e-12*math.Max(1, math.Abs(mu))) {
			return nil, fmt.Errorf("identify: %w: the term %s is constant on the sample box (a fixed axis?), so it cannot be told from the additive constant",
				ErrIllConditioned, ds.names[j])
		}
		ds.mean[j], ds.scale[j] = mu, sd
		for i := range col {
			ds.x.Set(i, j, (col[i]-mu)/sd)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(ds.x, mat.SVDNone) {
		return nil, fmt.Errorf("identify: %w: the singular value decomposition of the design failed", ErrIllConditioned)
	}
	s := svd.Values(nil)
	ds.cond = s[0] / s[len(s)-1]
	if s[len(s)-1] == 0 || math.IsNaN(ds.cond) {
		ds.cond = math.Inf(1)
	}
	return ds, nil
}

// target is an energy at the sample points, centred and scaled: y_i = (E_i − mean)/scale.
type target struct {
	raw         []float64
	y           *mat.VecDense
	mean, scale float64
	id          int
}

func (ds *design) newTarget(v []float64) (*target, error) {
	n := ds.n
	if len(v) != n {
		return nil, fmt.Errorf("the energy returned %d values for %d points", len(v), n)
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("the energy is not finite on the sample box")
		}
	}
	mu, sd := meanStd(v)
	if !(sd > 0) {
		return nil, errors.New("the energy is constant on the sample box: there is nothing to identify")
	}
	y := mat.NewVecDense(n, nil)
	for i, x := range v {
		y.SetVec(i, (x-mu)/sd)
	}
	ds.targets++
	return &target{raw: v, y: y, mean: mu, scale: sd, id: ds.targets}, nil
}

// lsq is a least-squares fit on a support, in normalised units.
type lsq struct {
	xi       []float64
	residual float64 // ‖y − X_S ξ‖ / ‖y‖: the RMS residual over the energy's std
}

func key(t *target, support []int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(t.id))
	for _, j := range support {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(j))
	}
	return b.String()
}

// solve fits the normalised target on the columns support by QR.
func (ds *design) solve(t *target, support []int) lsq {
	k := key(t, support)
	if r, ok := ds.cache[k]; ok {
		return r
	}
	var r lsq
	if len(support) == 0 {
		r = lsq{residual: 1}
	} else {
		a := mat.NewDense(ds.n, len(support), nil)
		for c, j := range support {
			for i := range ds.n {
				a.Set(i, c, ds.x.At(i, j))
			}
		}
		var qr mat.QR
		qr.Factorize(a)
		var xi mat.VecDense
		if err := qr.SolveVecTo(&xi, false, t.y); err != nil {
			// Singular within the support: cannot happen below MaxCondition.
			panic(fmt.Sprintf("identify: least squares on %d columns: %v", len(support), err))
		}
		var res mat.VecDense
		res.MulVec(a, &xi)
		res.SubVec(t.y, &res)
		r = lsq{xi: mat.Col(nil, 0, &xi), residual: mat.Norm(&res, 2) / mat.Norm(t.y, 2)}
	}
	ds.cache[k] = r
	return r
}

// stlsq is sequentially thresholded least squares at threshold lambda:
// fit, drop the terms whose normalised |ξ| < λ, refit, until the support
// no longer changes.
func (ds *design) stlsq(t *target, lambda float64) []int {
	support := make([]int, ds.m)
	for j := range support {
		support[j] = j
	}
	for range maxSTLSQIts {
		fit := ds.solve(t, support)
		var keep []int
		for c, j := range support {
			if math.Abs(fit.xi[c]) >= lambda {
				keep = append(keep, j)
			}
		}
		if len(keep) == len(support) {
			break
		}
		support = keep
		if len(support) == 0 {
			break
		}
	}
	return support
}

// PathPoint is one model on the threshold path's Pareto front.
type PathPoint struct {
	// Terms is the number of terms, Residual the relative residual of the
	// least-squares fit on them.
	Terms    int     `json:"terms"`
	Residual float64 `json:"residual"`
	// Lo and Hi are the smallest and largest thresholds on the path that
	// select this model.
	Lo float64 `json:"threshold_lo"`
	Hi float64 `json:"threshold_hi"`
	// Names are the terms.
	Names []string `json:"names"`
	// Knee is the knee criterion 1 − x − y (see the package doc); the
	// selected model maximises it.
	Knee     float64 `json:"knee"`
	Selected bool    `json:"selected,omitempty"`
	support  []int
}

type selection struct {
	support []int
	lo, hi  float64
	path    []PathPoint
}

// selectSupport runs STLSQ along the threshold path and picks the knee of
// the Pareto front of (number of terms, log relative residual).
func (ds *design) selectSupport(t *target) selection {
	full := ds.solve(t, allColumns(ds.m))
	top := PathMin
	for _, x := range full.xi {
		top = math.Max(top, math.Abs(x))
	}
	steps := int(math.Ceil(math.Log10(top/PathMin)*PathPerDec)) + 1
	byKey := map[string]*PathPoint{}
	for s := range steps + 1 {
		lambda := PathMin * math.Pow(10, float64(s)/PathPerDec)
		sup := ds.stlsq(t, lambda)
		k := key(t, sup)
		p, ok := byKey[k]
		if !ok {
			p = &PathPoint{Terms: len(sup), Residual: ds.solve(t, sup).residual, Lo: lambda, support: sup}
			byKey[k] = p
		}
		p.Hi = lambda
	}
	// The empty model (residual 1) anchors the front.
	if _, ok := byKey[key(t, nil)]; !ok {
		byKey[key(t, nil)] = &PathPoint{Terms: 0, Residual: 1, Lo: math.Inf(1), Hi: math.Inf(1)}
	}
	// Pareto front: for each size the best model, then only models that
	// improve on every smaller one.
	best := map[int]*PathPoint{}
	for _, p := range byKey {
		if b, ok := best[p.Terms]; !ok || p.Residual < b.Residual {
			best[p.Terms] = p
		}
	}
	sizes := make([]int, 0, len(best))
	for k := range best {
		sizes = append(sizes, k)
	}
	sort.Ints(sizes)
	var front []PathPoint
	for _, k := range sizes {
		p := best[k]
		if len(front) > 0 && p.Residual >= front[len(front)-1].Residual {
			continue
		}
		front = append(front, *p)
	}
	for i := range front {
		front[i].Names = ds.namesOf(front[i].support)
	}
	pick := knee(front)
	front[pick].Selected = true
	return selection{support: front[pick].support, lo: front[pick].Lo, hi: front[pick].Hi, path: front}
}

// KneeTolerance: the knee is the smallest model whose knee criterion is
// within this of the largest (a knee is not resolved more finely than a
// fiftieth of the normalised plot).
const KneeTolerance = 0.02

// knee returns the index of the knee of the front (sizes increasing,
// residuals decreasing, front[0] the empty model): with x the size and y
// log10 of the residual, both scaled to [0, 1] between the first and the
// last point (x from 0 to 1, y from 1 to 0), the criterion 1 − x − y is the
// height of the chord between the ends above the point; the knee is the
// smallest model whose criterion is within KneeTolerance of the largest.
// The empty model is never picked unless it is the only one.
func knee(front []PathPoint) int {
	if len(front) == 1 {
		return 0
	}
	first, last := front[0], front[len(front)-1]
	l0, l1 := math.Log10(math.Max(first.Residual, logFloor)), math.Log10(math.Max(last.Residual, logFloor))
	bestV := math.Inf(-1)
	for i := 1; i < len(front); i++ {
		x := float64(front[i].Terms-first.Terms) / float64(last.Terms-first.Terms)
		y := 0.0
		if l0 > l1 {
			y = (math.Log10(math.Max(front[i].Residual, logFloor)) - l1) / (l0 - l1)
		}
		front[i].Knee = 1 - x - y
		bestV = math.Max(bestV, front[i].Knee)
	}
	for i := 1; i < len(front); i++ {
		if front[i].Knee >= bestV-KneeTolerance {
			return i
		}
	}
	return len(front) - 1
}

func allColumns(m int) []int {
	s := make([]int, m)
	for j := range s {
		s[j] = j
	}
	return s
}

func (ds *design) namesOf(support []int) []string {
	out := make([]string, len(support))
	for i, j := range support {
		out[i] = ds.names[j]
	}
	return out
}

func (ds *design) supportDiff(ref, other []int) string {
	var d []string
	for _, j := range other {
		if !slices.Contains(ref, j) {
			d = append(d, "+"+ds.names[j])
		}
	}
	for _, j := range ref {
		if !slices.Contains(other, j) {
			d = append(d, "−"+ds.names[j])
		}
	}
	return strings.Join(d, ", ")
}

// fitted is a fit in the energy's units: E ≈ intercept + Σ coef_j φ_j.
type fitted struct {
	coef      []float64
	intercept float64
	residual  float64
}

func (ds *design) fitSupport(t *target, support []int) fitted {
	r := ds.solve(t, support)
	f := fitted{coef: make([]float64, len(support)), intercept: t.mean, residual: r.residual}
	for c, j := range support {
		f.coef[c] = r.xi[c] * t.scale / ds.scale[j]
		f.intercept -= f.coef[c] * ds.mean[j]
	}
	return f
}

// bootstrap refits the support on b resamples (with replacement) of the
// sample points, with an intercept, and returns the coefficients of each
// resample in the energy's units (nil for b = 0 or an empty support).
func (ds *design) bootstrap(t *target, support []int, b int, rng *rand.Rand) [][]float64 {
	if b == 0 || len(support) == 0 {
		return nil
	}
	k := len(support)
	a := mat.NewDense(ds.n, k+1, nil)
	y := mat.NewVecDense(ds.n, nil)
	out := make([][]float64, 0, b)
	for range b {
		for i := range ds.n {
			r := rng.IntN(ds.n)
			a.Set(i, 0, 1)
			for c, j := range support {
				a.Set(i, c+1, ds.x.At(r, j))
			}
			y.SetVec(i, t.y.AtVec(r))
		}
		var qr mat.QR
		qr.Factorize(a)
		var xi mat.VecDense
		if err := qr.SolveVecTo(&xi, false, y); err != nil {
			continue // a degenerate resample (cannot happen for n ≫ k)
		}
		c := make([]float64, k)
		for i, j := range support {
			c[i] = xi.AtVec(i+1) * t.scale / ds.scale[j]
		}
		out = append(out, c)
	}
	return out
}

// truth fits the true system's H on the same samples and compares.
func (ds *design) truth(sys system.System, points [][]float64, prim *target, f *Formula) *Truth {
	v := make([]float64, len(points))
	for i, y := range points {
		v[i] = sys.H(y)
	}
	tt, err := ds.newTarget(v)
	if err != nil {
		return &Truth{System: sys.Name(), Note: "the true H " + err.Error()}
	}
	tr := &Truth{System: sys.Name()}
	all := allColumns(ds.m)
	full := ds.solve(tt, all)
	var support []int
	if full.residual <= ExactResidual {
		tr.Exact = true
		for c, j := range all {
			if math.Abs(full.xi[c]) > ExactZero {
				support = append(support, j)
			}
		}
	} else {
		support = ds.selectSupport(tt).support
		tr.Note = fmt.Sprintf("the true H is outside the library (its full-library fit leaves a relative residual %.3g): "+
			"the true column is the library fit of the true H by the same rule", full.residual)
	}
	fit := ds.fitSupport(tt, support)
	tr.Residual = fit.residual
	onTrue := ds.fitSupport(prim, support)
	found := map[int]float64{}
	foundIdx := map[int]int{}
	for i, c := range f.Terms {
		j := slices.IndexFunc(ds.terms, func(t Term) bool { return sameTerm(t, c.Term) })
		found[j] = c.Coefficient
		foundIdx[j] = i
	}
	trueCoef := map[int]float64{}
	for c, j := range support {
		trueCoef[j] = fit.coef[c]
		tr.Terms = append(tr.Terms, TrueTerm{Name: ds.names[j], Coefficient: fit.coef[c], Found: found[j], OnTrueSupport: onTrue.coef[c]})
		if _, ok := found[j]; !ok && tr.Exact {
			tr.Missing = append(tr.Missing, ds.names[j])
		}
	}
	if tr.Exact {
		for j, i := range foundIdx {
			tc := trueCoef[j]
			f.Terms[i].True = &tc
			if _, ok := trueCoef[j]; !ok {
				tr.Spurious = append(tr.Spurious, ds.names[j])
			}
		}
		sort.Slice(tr.Spurious, func(a, b int) bool {
			return slices.Index(ds.names, tr.Spurious[a]) < slices.Index(ds.names, tr.Spurious[b])
		})
	}
	return tr
}

func sameTerm(a, b Term) bool {
	return slices.Equal(a.Powers, b.Powers) && a.Trig == b.Trig && (a.Trig == "" || a.Axis == b.Axis)
}

func meanStd(v []float64) (mu, sd float64) {
	for _, x := range v {
		mu += x
	}
	mu /= float64(len(v))
	for _, x := range v {
		sd += (x - mu) * (x - mu)
	}
	return mu, math.Sqrt(sd / float64(len(v)))
}

// std is the sample standard deviation (n − 1); 0 for fewer than 2 values.
func std(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	mu, sd := meanStd(v)
	_ = mu
	return sd * math.Sqrt(float64(len(v))/float64(len(v)-1))
}

func column(rows [][]float64, j int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = r[j]
	}
	return out
}
