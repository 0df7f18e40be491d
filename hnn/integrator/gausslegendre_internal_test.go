package integrator

import (
	"math"
	"math/cmplx"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestGaussLegendreTableaus checks the collocation tableaus: the quadrature
// conditions B(2s) Σ b_i c_i^(k−1) = 1/k (k ≤ 2s), the stage conditions C(s)
// Σ_j a_ij c_j^(k−1) = c_i^k/k (k ≤ s), the symplecticity condition
// b_i a_ij + b_j a_ji = b_i b_j, and the norms the documentation quotes,
// ‖a‖∞ and ρ(a). The control, GaussLegendre3's tableau with a₁₂ and a₂₁
// swapped, must fail C(s) and symplecticity.
func TestGaussLegendreTableaus(t *testing.T) {
	flat := func(a [][]float64) []float64 {
		var out []float64
		for _, r := range a {
			out = append(out, r...)
		}
		return out
	}
	gl2 := [][]float64{gl2A[0][:], gl2A[1][:]}
	gl3 := [][]float64{gl3A[0][:], gl3A[1][:], gl3A[2][:]}
	swapped := [][]float64{
		{gl3A[0][0], gl3A[1][0], gl3A[0][2]},
		{gl3A[0][1], gl3A[1][1], gl3A[1][2]},
		{gl3A[2][0], gl3A[2][1], gl3A[2][2]},
	}
	for _, tc := range []struct {
		name         string
		a            [][]float64
		b, c         []float64
		normInf, rho float64 // expected ‖a‖∞ and ρ(a), to 1e-4
		tol          float64
		broken       bool
	}{
		{"gauss-legendre-2", gl2, gl2B[:], gl2C[:], 0.7887, 0.2887, 1e-15, false},
		{"gauss-legendre-3", gl3, gl3B[:], gl3C[:], 0.8873, 0.2153, 1e-15, false},
		{"control: gauss-legendre-3 with a₁₂, a₂₁ swapped", swapped, gl3B[:], gl3C[:], 0, 0, 1e-15, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := len(tc.b)
			worst := 0.0
			for k := 1; k <= 2*s; k++ {
				sum := 0.0
				for i := range s {
					sum += tc.b[i] * math.Pow(tc.c[i], float64(k-1))
				}
				worst = max(worst, math.Abs(sum-1/float64(k)))
			}
			for i := range s {
				for k := 1; k <= s; k++ {
					sum := 0.0
					for j := range s {
						sum += tc.a[i][j] * math.Pow(tc.c[j], float64(k-1))
					}
					worst = max(worst, math.Abs(sum-math.Pow(tc.c[i], float64(k))/float64(k)))
				}
				for j := range s {
					worst = max(worst, math.Abs(tc.b[i]*tc.a[i][j]+tc.b[j]*tc.a[j][i]-tc.b[i]*tc.b[j]))
				}
			}
			t.Logf("largest violation of B(2s), C(s), symplecticity: %.3g", worst)
			if tc.broken {
				if !(worst > 1e-3) {
					t.Errorf("control: largest violation %.3g, expected a visible one", worst)
				}
				return
			}
			if worst > tc.tol {
				t.Errorf("largest violation %.3g > %.0g", worst, tc.tol)
			}
			m := mat.NewDense(s, s, flat(tc.a))
			var e mat.Eigen
			if !e.Factorize(m, mat.EigenNone) {
				t.Fatal("eigen decomposition failed")
			}
			rho := 0.0
			for _, v := range e.Values(nil) {
				rho = max(rho, cmplx.Abs(v))
			}
			normInf := mat.Norm(m, math.Inf(1))
			t.Logf("‖a‖∞ = %.4f, ρ(a) = %.4f", normInf, rho)
			if math.Abs(normInf-tc.normInf) > 1e-4 || math.Abs(rho-tc.rho) > 1e-4 {
				t.Errorf("‖a‖∞ = %.5f, ρ(a) = %.5f, want %.4f, %.4f", normInf, rho, tc.normInf, tc.rho)
			}
		})
	}
}
