package hnn_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// TestDataMaps checks each DataConfig.Map against its closed form on the
// coupled oscillator, whose flow is linear, y' = Ay: one step of the s-stage
// Gauss–Legendre method is the (s, s) Padé approximant R(hA) of exp(hA),
// R = Q(−hA)⁻¹Q(hA) with Q(z) = 1 + z/2 (s = 1), 1 + z/2 + z²/12 (s = 2),
// 1 + z/2 + z²/10 + z³/120 (s = 3); the exact flow ("") is exp(hA). Every
// consecutive pair of observations must follow its map to round-off, and
// (the negative control) not the others'.
func TestDataMaps(t *testing.T) {
	const h = 0.4
	sys, _ := system.Lookup("coupled-oscillator", system.Options{})
	n := 2 * sys.Dim()
	// A = J⁻¹S with S the Hessian: column j of S is ∇H(e_j) (H is quadratic).
	a := mat.NewDense(n, n, nil)
	g := make([]float64, n)
	d := sys.Dim()
	for j := range n {
		e := make([]float64, n)
		e[j] = 1
		sys.Grad(g, e)
		for i := range d {
			a.Set(i, j, g[d+i])  // q' = ∂H/∂p
			a.Set(d+i, j, -g[i]) // p' = −∂H/∂q
		}
	}
	z := mat.NewDense(n, n, nil)
	z.Scale(h, a)
	poly := func(cs []float64, sign float64) *mat.Dense { // Σ c_k (sign·z)^k
		out := mat.NewDense(n, n, nil)
		pow := mat.NewDense(n, n, nil)
		for i := range n {
			pow.Set(i, i, 1)
		}
		for k, c := range cs {
			if k > 0 {
				var next mat.Dense
				next.Mul(pow, z)
				next.Scale(sign, &next)
				pow = &next
			}
			var term mat.Dense
			term.Scale(c, pow)
			out.Add(out, &term)
		}
		return out
	}
	pade := func(cs []float64) *mat.Dense {
		var inv, r mat.Dense
		if err := inv.Inverse(poly(cs, -1)); err != nil {
			t.Fatal(err)
		}
		r.Mul(&inv, poly(cs, 1))
		return &r
	}
	var flow mat.Dense
	flow.Exp(z)
	maps := map[string]*mat.Dense{
		"":                  &flow,
		"implicit-midpoint": pade([]float64{1, 0.5}),
		"gauss-legendre":    pade([]float64{1, 0.5, 1.0 / 12}),
		"gauss-legendre-3":  pade([]float64{1, 0.5, 0.1, 1.0 / 120}),
	}
	for name := range maps {
		tr, _, err := hnn.GenerateData(hnn.Spec{System: "coupled-oscillator", Dt: h}, hnn.DataConfig{Train: 3, Val: 1, Steps: 4, Noise: -1, Map: name}, 1)
		if err != nil {
			t.Fatalf("map %q: %v", name, err)
		}
		for other, r := range maps {
			worst := 0.0
			for _, ys := range tr.States {
				for k := 0; k+1 < len(ys); k++ {
					var y1 mat.VecDense
					y1.MulVec(r, mat.NewVecDense(n, append([]float64(nil), ys[k]...)))
					for i := range n {
						worst = math.Max(worst, math.Abs(y1.AtVec(i)-ys[k+1][i]))
					}
				}
			}
			switch {
			case other == name && worst > 1e-13:
				t.Errorf("map %q: observations follow their closed form to %.3g, want round-off", name, worst)
			case other != name && worst < 1e-10:
				t.Errorf("map %q: observations follow map %q's closed form to %.3g: the check cannot tell them apart", name, other, worst)
			}
		}
	}
	if _, _, err := hnn.GenerateData(hnn.Spec{System: "coupled-oscillator", Dt: h}, hnn.DataConfig{Train: 1, Val: 1, Steps: 1, Map: "rk4"}, 1); err == nil {
		t.Error("map rk4: no error")
	}
}
