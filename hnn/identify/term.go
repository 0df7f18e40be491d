package identify

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Trigonometric factors of a Term.
const (
	Cos = "cos"
	Sin = "sin"
)

// Term is one candidate function of the state y = (q₁…q_d, p₁…p_d): a
// monomial Π y_k^Powers[k], times cos(q_Axis) or sin(q_Axis) when Trig is
// set. The constant (all powers zero, no trig factor) is never a term.
type Term struct {
	// Powers are the exponents of the 2d coordinates (q₁…q_d, p₁…p_d).
	Powers []int
	// Trig is the trigonometric factor: "" (none), Cos or Sin.
	Trig string
	// Axis is the position (0 ≤ Axis < d) of the trigonometric factor.
	Axis int
}

// Degree is the total degree of the monomial factor.
func (t Term) Degree() int {
	n := 0
	for _, e := range t.Powers {
		n += e
	}
	return n
}

func (t Term) valid(dim int) error {
	if len(t.Powers) != 2*dim {
		return fmt.Errorf("term has %d powers, the state has %d coordinates", len(t.Powers), 2*dim)
	}
	for _, e := range t.Powers {
		if e < 0 {
			return fmt.Errorf("negative power %d", e)
		}
	}
	switch t.Trig {
	case "":
		if t.Degree() == 0 {
			return errors.New("the constant is not a term (the additive constant of H is not identifiable)")
		}
	case Cos, Sin:
		if t.Axis < 0 || t.Axis >= dim {
			return fmt.Errorf("trigonometric factor of position %d, the system has %d", t.Axis+1, dim)
		}
	default:
		return fmt.Errorf("unknown trigonometric factor %q (valid: cos, sin)", t.Trig)
	}
	return nil
}

func ipow(x float64, e int) float64 {
	r := 1.0
	for ; e > 0; e-- {
		r *= x
	}
	return r
}

func (t Term) monomial(y []float64) float64 {
	v := 1.0
	for k, e := range t.Powers {
		if e > 0 {
			v *= ipow(y[k], e)
		}
	}
	return v
}

func (t Term) trig(y []float64) (v, dv float64) {
	switch t.Trig {
	case Cos:
		s, c := math.Sincos(y[t.Axis])
		return c, -s
	case Sin:
		s, c := math.Sincos(y[t.Axis])
		return s, c
	}
	return 1, 0
}

// Value returns the term at y.
func (t Term) Value(y []float64) float64 {
	v, _ := t.trig(y)
	return t.monomial(y) * v
}

// AddGrad adds c·∇term(y) to dst (closed form).
func (t Term) AddGrad(dst, y []float64, c float64) {
	tv, dtv := t.trig(y)
	for k, e := range t.Powers {
		if e == 0 {
			continue
		}
		// ∂/∂y_k of the monomial: e·y_k^(e−1)·Π_{j≠k} y_j^e_j.
		d := float64(e) * ipow(y[k], e-1)
		for j, ej := range t.Powers {
			if j != k && ej > 0 {
				d *= ipow(y[j], ej)
			}
		}
		dst[k] += c * d * tv
	}
	if t.Trig != "" {
		dst[t.Axis] += c * t.monomial(y) * dtv
	}
}

// Name is the term's readable name with coordinate names coords, e.g.
// "q1^2 p1", "cos(q1)", "p1^2 cos(q1)".
func (t Term) Name(coords []string) string {
	var f []string
	for k, e := range t.Powers {
		switch {
		case e == 1:
			f = append(f, coords[k])
		case e > 1:
			f = append(f, coords[k]+"^"+strconv.Itoa(e))
		}
	}
	if t.Trig != "" {
		f = append(f, t.Trig+"("+coords[t.Axis]+")")
	}
	return strings.Join(f, " ")
}

// latexCoord writes a coordinate name for LaTeX: a letter followed by a
// suffix becomes a subscript (q1 → q_{1}, qx → q_{x}).
func latexCoord(name string) string {
	if len(name) > 1 {
		return name[:1] + "_{" + name[1:] + "}"
	}
	return name
}

// LaTeX is the term in LaTeX, e.g. "q_{1}^{2} p_{1}", "p^{2} \cos q".
func (t Term) LaTeX(coords []string) string {
	var f []string
	for k, e := range t.Powers {
		switch {
		case e == 1:
			f = append(f, latexCoord(coords[k]))
		case e > 1:
			f = append(f, latexCoord(coords[k])+"^{"+strconv.Itoa(e)+"}")
		}
	}
	if t.Trig != "" {
		f = append(f, `\`+t.Trig+" "+latexCoord(coords[t.Axis]))
	}
	return strings.Join(f, " ")
}

// ParseTerm reads a term from its Name with coordinate names coords
// (factors separated by spaces: "q1^2 p1", "p^2 cos(q)").
func ParseTerm(name string, coords []string) (Term, error) {
	d := len(coords) / 2
	t := Term{Powers: make([]int, len(coords))}
	index := func(c string) int {
		for i, n := range coords {
			if n == c {
				return i
			}
		}
		return -1
	}
	fields := strings.Fields(name)
	if len(fields) == 0 {
		return Term{}, errors.New("empty term name")
	}
	for _, f := range fields {
		if (strings.HasPrefix(f, Cos+"(") || strings.HasPrefix(f, Sin+"(")) && strings.HasSuffix(f, ")") {
			if t.Trig != "" {
				return Term{}, fmt.Errorf("term %q has two trigonometric factors", name)
			}
			t.Trig = f[:3]
			t.Axis = index(f[4 : len(f)-1])
			if t.Axis < 0 || t.Axis >= d {
				return Term{}, fmt.Errorf("term %q: %q is not a position (positions: %s)", name, f[4:len(f)-1], strings.Join(coords[:d], ", "))
			}
			continue
		}
		c, e := f, 1
		if i := strings.IndexByte(f, '^'); i >= 0 {
			c = f[:i]
			v, err := strconv.Atoi(f[i+1:])
			if err != nil || v < 1 {
				return Term{}, fmt.Errorf("term %q: bad power in %q", name, f)
			}
			e = v
		}
		k := index(c)
		if k < 0 {
			return Term{}, fmt.Errorf("term %q: unknown coordinate %q (valid: %s)", name, c, strings.Join(coords, ", "))
		}
		t.Powers[k] += e
	}
	if err := t.valid(d); err != nil {
		return Term{}, fmt.Errorf("term %q: %w", name, err)
	}
	return t, nil
}

// Library says which candidate terms a fit chooses from. The zero value is
// empty; DefaultLibrary is poly:4.
type Library struct {
	// Degree is the largest total degree of the monomials of the 2d
	// coordinates (degrees 1…Degree; 0: no monomials).
	Degree int
	// Trig adds cos q_i and sin q_i for each position i, and their products
	// with the monomials of the momenta of degree 1…TrigMomentumDegree.
	Trig               bool
	TrigMomentumDegree int
}

// DefaultLibrary is the monomials up to degree 4.
var DefaultLibrary = Library{Degree: 4}

// Limits of a library spec.
const (
	MaxDegree     = 12
	MaxTrigDegree = 4
	// DefaultTrigMomentumDegree is the momentum degree of "trig" without a number.
	DefaultTrigMomentumDegree = 2
)

// ErrLibrary marks a malformed library spec.
var ErrLibrary = errors.New("bad library")

// ParseLibrary reads a library spec: comma-separated items "poly:N"
// (monomials of degree 1…N; "poly" alone is poly:4) and "trig" or "trig:K"
// (cos q_i, sin q_i and their products with momentum monomials of degree
// 1…K; "trig" alone is trig:2). The empty string is DefaultLibrary.
func ParseLibrary(spec string) (Library, error) {
	if strings.TrimSpace(spec) == "" {
		return DefaultLibrary, nil
	}
	var l Library
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		kind, num, hasNum := strings.Cut(item, ":")
		if seen[kind] {
			return Library{}, fmt.Errorf("%w %q: %q given twice", ErrLibrary, spec, kind)
		}
		seen[kind] = true
		n := 0
		if hasNum {
			v, err := strconv.Atoi(num)
			if err != nil {
				return Library{}, fmt.Errorf("%w %q: %q is not a whole number", ErrLibrary, spec, num)
			}
			n = v
		}
		switch kind {
		case "poly":
			if !hasNum {
				n = DefaultLibrary.Degree
			}
			if n < 1 || n > MaxDegree {
				return Library{}, fmt.Errorf("%w %q: poly degree must be in 1…%d, got %d", ErrLibrary, spec, MaxDegree, n)
			}
			l.Degree = n
		case "trig":
			if !hasNum {
				n = DefaultTrigMomentumDegree
			}
			if n < 0 || n > MaxTrigDegree {
				return Library{}, fmt.Errorf("%w %q: trig momentum degree must be in 0…%d, got %d", ErrLibrary, spec, MaxTrigDegree, n)
			}
			l.Trig, l.TrigMomentumDegree = true, n
		default:
			return Library{}, fmt.Errorf("%w %q: unknown item %q (valid: poly:N, trig, trig:K; e.g. poly:4,trig)", ErrLibrary, spec, item)
		}
	}
	return l, nil
}

// String is the canonical spec of l (ParseLibrary reads it back).
func (l Library) String() string {
	var s []string
	if l.Degree > 0 {
		s = append(s, "poly:"+strconv.Itoa(l.Degree))
	}
	if l.Trig {
		s = append(s, "trig:"+strconv.Itoa(l.TrigMomentumDegree))
	}
	return strings.Join(s, ",")
}

// monomials returns the exponent vectors over n variables of total degree
// exactly deg, in lexicographic order (earlier variables first).
func monomials(n, deg int) [][]int {
	if n == 0 {
		if deg == 0 {
			return [][]int{{}}
		}
		return nil
	}
	var out [][]int
	for e := deg; e >= 0; e-- {
		for _, rest := range monomials(n-1, deg-e) {
			out = append(out, append([]int{e}, rest...))
		}
	}
	return out
}

// Terms returns the library's terms for a d-degree-of-freedom state:
// monomials by increasing degree, then the trigonometric terms by position.
func (l Library) Terms(dim int) []Term {
	var out []Term
	for deg := 1; deg <= l.Degree; deg++ {
		for _, e := range monomials(2*dim, deg) {
			out = append(out, Term{Powers: e})
		}
	}
	if l.Trig {
		for i := range dim {
			for _, trig := range []string{Cos, Sin} {
				for deg := 0; deg <= l.TrigMomentumDegree; deg++ {
					for _, e := range monomials(dim, deg) {
						pw := make([]int, 2*dim)
						copy(pw[dim:], e)
						out = append(out, Term{Powers: pw, Trig: trig, Axis: i})
					}
				}
			}
		}
	}
	return out
}
