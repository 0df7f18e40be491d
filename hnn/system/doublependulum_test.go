package system_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// dpLagrangian is the double pendulum in velocity form, independent of
// DoublePendulum's code: for angles q and angular velocities v it returns the
// canonical momenta p = M(q)·v (M = [[2, cos Δ], [cos Δ, 1]]), the energy
// T + V, the generalized forces ∂L/∂q and the angular accelerations of the
// textbook equations of motion (unit masses, lengths and g; e.g.
// myphysicslab.com/pendulum/double-pendulum-en.html):
//
//	q̈₁ = (−3 sin q₁ − sin(q₁ − 2q₂) − 2 sin Δ·(v₂² + v₁² cos Δ)) / (3 − cos 2Δ)
//	q̈₂ = 2 sin Δ·(2v₁² + 2cos q₁ + v₂² cos Δ) / (3 − cos 2Δ).
type dpLagrangian struct{ q1, q2, v1, v2 float64 }

func (l dpLagrangian) momenta() (p1, p2 float64) {
	c := math.Cos(l.q1 - l.q2)
	return 2*l.v1 + l.v2*c, l.v2 + l.v1*c
}

func (l dpLagrangian) energy() float64 {
	c := math.Cos(l.q1 - l.q2)
	return l.v1*l.v1 + l.v2*l.v2/2 + l.v1*l.v2*c - 2*math.Cos(l.q1) - math.Cos(l.q2)
}

// forces returns ∂L/∂q₁, ∂L/∂q₂ at fixed velocities (= ṗ by Euler–Lagrange).
func (l dpLagrangian) forces() (f1, f2 float64) {
	s := math.Sin(l.q1 - l.q2)
	return -l.v1*l.v2*s - 2*math.Sin(l.q1), l.v1*l.v2*s - math.Sin(l.q2)
}

func (l dpLagrangian) accelerations() (a1, a2 float64) {
	d := l.q1 - l.q2
	s, c := math.Sincos(d)
	den := 3 - math.Cos(2*d)
	a1 = (-3*math.Sin(l.q1) - math.Sin(l.q1-2*l.q2) - 2*s*(l.v2*l.v2+l.v1*l.v1*c)) / den
	a2 = 2 * s * (2*l.v1*l.v1 + 2*math.Cos(l.q1) + l.v2*l.v2*c) / den
	return a1, a2
}

// forgotDenominator is a plausible wrong double pendulum: the kinetic energy
// N/2 without the 1/(1 + sin²Δ) of the inverse mass matrix.
var forgotDenominator = system.Func{SystemName: "double-pendulum-wrong", D: 2,
	Energy: func(y []float64) float64 {
		c := math.Cos(y[0] - y[1])
		return (y[2]*y[2]+2*y[3]*y[3]-2*y[2]*y[3]*c)/2 - 2*math.Cos(y[0]) - math.Cos(y[1])
	},
	Gradient: func(dst, y []float64) {
		s, c := math.Sincos(y[0] - y[1])
		t := y[2] * y[3] * s
		dst[0] = t + 2*math.Sin(y[0])
		dst[1] = -t + math.Sin(y[1])
		dst[2] = y[2] - y[3]*c
		dst[3] = 2*y[3] - y[2]*c
	}}

// TestDoublePendulumMatchesLagrangian checks DoublePendulum's Hamilton's
// equations against the Lagrangian form at random states (q, q̇) of
// [−π, π]² × [−2, 2]² (beyond the training box): with p the Legendre
// transform of q̇, ∂H/∂p = q̇, −∂H/∂q = ∂L/∂q (= ṗ), H = T + V, and
// d/dt ∂H/∂p (a fourth-order difference along the flow F = J⁻¹∇H) equals the
// textbook angular accelerations. The control, a Hamiltonian missing the
// inverse mass matrix's 1/(1 + sin²Δ), must fail each check.
func TestDoublePendulumMatchesLagrangian(t *testing.T) {
	for _, tc := range []struct {
		name string
		sys  system.System
		// tolerances: velocities, forces and energy (round-off of a few
		// operations), accelerations (a difference with steps ≤ 10⁻³: ε⁴ + 10⁻¹⁶/ε).
		tolV, tolF, tolE, tolA float64
		broken                 bool // a control: every check must fail by ≥ 10⁻²
	}{
		{"double-pendulum", system.DoublePendulum{}, 1e-14, 1e-14, 1e-14, 1e-9, false},
		{"control: no 1/(1+sin²Δ)", forgotDenominator, 1e-14, 1e-14, 1e-14, 1e-9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			var errV, errF, errE, errA float64
			g := make([]float64, 4)
			for range 200 {
				l := dpLagrangian{
					q1: math.Pi * (2*rng.Float64() - 1), q2: math.Pi * (2*rng.Float64() - 1),
					v1: 2 * (2*rng.Float64() - 1), v2: 2 * (2*rng.Float64() - 1)}
				p1, p2 := l.momenta()
				y := []float64{l.q1, l.q2, p1, p2}
				tc.sys.Grad(g, y)
				errV = max(errV, math.Abs(g[2]-l.v1), math.Abs(g[3]-l.v2))
				f1, f2 := l.forces()
				errF = max(errF, math.Abs(-g[0]-f1), math.Abs(-g[1]-f2))
				errE = max(errE, math.Abs(tc.sys.H(y)-l.energy()))
				// q̈ = d/dt ∂H/∂p(y(t)) = D(∂H/∂p)(y)·F(y).
				f := make([]float64, 4)
				system.VectorField(tc.sys, f, y)
				fmax := 1.0
				for _, v := range f {
					fmax = max(fmax, math.Abs(v))
				}
				eps := 1e-3 / fmax // a step of at most 10⁻³ in every coordinate
				qdot := func(k float64) (float64, float64) {
					z := make([]float64, 4)
					for i := range z {
						z[i] = y[i] + k*eps*f[i]
					}
					tc.sys.Grad(g, z)
					return g[2], g[3]
				}
				a1p, a2p := qdot(1)
				a1m, a2m := qdot(-1)
				a1pp, a2pp := qdot(2)
				a1mm, a2mm := qdot(-2)
				a1 := (8*(a1p-a1m) - (a1pp - a1mm)) / (12 * eps)
				a2 := (8*(a2p-a2m) - (a2pp - a2mm)) / (12 * eps)
				w1, w2 := l.accelerations()
				errA = max(errA, math.Abs(a1-w1)/max(1, math.Abs(w1)), math.Abs(a2-w2)/max(1, math.Abs(w2)))
			}
			t.Logf("max errors: velocities %.2g, forces %.2g, energy %.2g, accelerations %.2g", errV, errF, errE, errA)
			for _, c := range []struct {
				what     string
				err, tol float64
			}{{"∂H/∂p − q̇", errV, tc.tolV}, {"−∂H/∂q − ∂L/∂q", errF, tc.tolF},
				{"H − (T + V)", errE, tc.tolE}, {"d/dt ∂H/∂p − q̈", errA, tc.tolA}} {
				switch {
				case tc.broken && !(c.err > 1e-2):
					t.Errorf("control: %s = %.3g, expected a visible mismatch", c.what, c.err)
				case !tc.broken && !(c.err <= c.tol):
					t.Errorf("max |%s| = %.3g > %.0g", c.what, c.err, c.tol)
				}
			}
		})
	}
}

// TestDoublePendulumBoxAndDomains checks the energy range of the training box
// that DoublePendulum's documentation states, by a grid search: from the
// minimum −3 to 2.5 − 3cos 1 at the corners, above the outer rod's turnover
// energy −1 and below the inner rod's, 1. It also checks the domains: the
// slice frees (q₂, p₂) at q₁ = 0.1, p₁ = 0.2 inside the box, and the second
// domain is the box itself.
func TestDoublePendulumBoxAndDomains(t *testing.T) {
	s, err := system.Lookup("double-pendulum", system.Options{})
	if err != nil {
		t.Fatal(err)
	}
	box := s.Box()
	const n = 21
	lo, hi := math.Inf(1), math.Inf(-1)
	y := make([]float64, 4)
	for i := range n * n * n * n {
		r := i
		for k := range y {
			y[k] = box.Lo[k] + (box.Hi[k]-box.Lo[k])*float64(r%n)/(n-1)
			r /= n
		}
		e := s.H(y)
		lo, hi = min(lo, e), max(hi, e)
	}
	wantHi := 2.5 - 3*math.Cos(1)
	t.Logf("H on a %d⁴ grid of the box: [%.6f, %.6f]", n, lo, hi)
	if math.Abs(lo+3) > 1e-12 || math.Abs(hi-wantHi) > 1e-12 {
		t.Errorf("H on the box spans [%.6f, %.6f], want [−3, %.6f]", lo, hi, wantHi)
	}
	if !(hi > system.DoublePendulumTurnover && hi < 1) {
		t.Errorf("box reaches H = %.3f: want above the turnover energy −1 and below 1", hi)
	}
	if d := system.CheckGradient(s, 200, 3); d > 1e-7 {
		t.Errorf("CheckGradient: %.3g", d)
	}
	doms := s.Domains()
	if len(doms) != 2 || doms[0].Name != "slice" || doms[1].Name != "box" {
		t.Fatalf("domains %+v, want slice then box", doms)
	}
	if f := doms[0].Box.Free(); len(f) != 2 || f[0] != 1 || f[1] != 3 {
		t.Errorf("slice frees axes %v, want [1 3] (q2, p2)", f)
	}
	for _, d := range doms {
		if !box.Contains(d.Box.Lo) || !box.Contains(d.Box.Hi) {
			t.Errorf("domain %s %v leaves the training box", d.Name, d.Box)
		}
		if d.Sigma <= 0 || d.Uniform <= 0 || d.GridPerAxis < 2 {
			t.Errorf("domain %s: settings %+v", d.Name, d)
		}
	}
}
