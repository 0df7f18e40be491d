package reference

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/hnnlab/hnnlab/hnn/system"
)

// builtins returns every built-in system with two initial conditions inside its
// training box (bounded orbits; Hénon–Heiles below the escape energy; for the
// double pendulum a regular orbit and a chaotic one above the turnover energy).
func builtins(t *testing.T) []struct {
	sys system.System
	y0  [][]float64
} {
	ics := map[string][][]float64{
		"double-pendulum":    {{0.5, -0.3, 0.2, 0.4}, {1.0, 1.0, 0.9, -0.9}},
		"double-well":        {{0.5, 1.0}, {-1.9, 1.5}},
		"coupled-oscillator": {{1.0, 0.0}, {-2.0, 1.7}},
		"henon-heiles":       {{0.1, -0.2, 0.25, 0.1}, {0.3, 0.3, -0.2, 0.2}},
		"pendulum":           {{1.5, 0.0}, {-2.0, 1.9}},
		"product-oscillator": {{0.5, 0.5}, {1.5, -1.2}},
	}
	var out []struct {
		sys system.System
		y0  [][]float64
	}
	for _, name := range system.Names() {
		s, err := system.Lookup(name, system.Options{})
		if err != nil {
			t.Fatal(err)
		}
		y0, ok := ics[name]
		if !ok {
			t.Fatalf("no test initial conditions for system %q", name)
		}
		out = append(out, struct {
			sys system.System
			y0  [][]float64
		}{s, y0})
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestTableaus(t *testing.T) {
	for s := 1; s <= 3; s++ {
		tab := GaussLegendre{Stages: s}.tableau()
		const tol = 1e-15
		// B(2s): Σ b_i c_i^(k−1) = 1/k, k = 1…2s.
		for k := 1; k <= 2*s; k++ {
			sum := 0.0
			for i := range s {
				sum += tab.b[i] * math.Pow(tab.c[i], float64(k-1))
			}
			if math.Abs(sum-1/float64(k)) > tol {
				t.Errorf("s=%d: B(%d) violated: %v", s, k, sum-1/float64(k))
			}
		}
		// C(s): Σ_j a_ij c_j^(k−1) = c_i^k/k, k = 1…s.
		for i := range s {
			for k := 1; k <= s; k++ {
				sum := 0.0
				for j := range s {
					sum += tab.a[i][j] * math.Pow(tab.c[j], float64(k-1))
				}
				if want := math.Pow(tab.c[i], float64(k)) / float64(k); math.Abs(sum-want) > tol {
					t.Errorf("s=%d: C(%d) violated in row %d: %v", s, k, i, sum-want)
				}
			}
		}
		// Symplecticity: b_i a_ij + b_j a_ji = b_i b_j.
		for i := range s {
			for j := range s {
				if r := tab.b[i]*tab.a[i][j] + tab.b[j]*tab.a[j][i] - tab.b[i]*tab.b[j]; math.Abs(r) > tol {
					t.Errorf("s=%d: symplecticity condition (%d,%d) violated: %v", s, i, j, r)
				}
			}
		}
	}
}

// TestConvergenceOrder measures the slope of log(error) against log(h) at
// t = 2 against a solution with 4000 steps of the same method, and checks it is
// within ±0.5 of 2s.
func TestConvergenceOrder(t *testing.T) {
	hs := []float64{0.2, 0.1, 0.05, 0.025}
	const T = 2.0
	for _, tc := range []struct {
		sys    system.System
		y0     []float64
		stages int
		hs     []float64
	}{
		{system.Pendulum{}, []float64{1.5, 0.5}, 3, hs},
		{system.DoubleWell{}, []float64{0.5, 1}, 3, hs},
		{system.ProductOscillator{}, []float64{0.5, 0.5}, 3, hs},
		{system.DoublePendulum{}, []float64{1.0, 1.0, 0.9, -0.9}, 3, hs},
		{system.Pendulum{}, []float64{1.5, 0.5}, 2, hs},
		{system.Pendulum{}, []float64{1.5, 0.5}, 1, []float64{0.02, 0.01, 0.005, 0.0025}},
	} {
		g := GaussLegendre{Stages: tc.stages}
		name := fmt.Sprintf("%s/s=%d", tc.sys.Name(), tc.stages)
		t.Run(name, func(t *testing.T) {
			fine, err := g.Trajectory(tc.sys, tc.y0, T, 1, 4000)
			if err != nil {
				t.Fatal(err)
			}
			var lh, le []float64
			for _, h := range tc.hs {
				n := int(math.Round(T / h))
				got, err := g.Trajectory(tc.sys, tc.y0, T, 1, n)
				if err != nil {
					t.Fatal(err)
				}
				e := maxAbsDiff(got[1], fine[1])
				t.Logf("h=%-7g error %.3e", h, e)
				lh = append(lh, math.Log(h))
				le = append(le, math.Log(e))
			}
			_, slope := stat.LinearRegression(lh, le, nil, false)
			t.Logf("empirical order %.3f (expect %d)", slope, g.Order())
			if math.Abs(slope-float64(g.Order())) > 0.5 {
				t.Errorf("empirical order %.3f, want %d ± 0.5", slope, g.Order())
			}
		})
	}
}

// TestEnergyConservation runs 10⁴ steps of h = 0.01 for every built-in system
// and checks max |H(y_k) − H(y₀)| ≤ 10⁻¹²·max(1, |H₀|), except where
// energyTol names a larger bound.
func TestEnergyConservation(t *testing.T) {
	const steps, h = 10_000, 0.01
	// energyTol holds per-orbit bounds where the method's own O(h⁶) energy
	// error at h = 0.01 exceeds 10⁻¹²: the double pendulum's turning-over orbit
	// (H₀ ≈ 0.40, angular velocities up to about 3) oscillates by about
	// 6·10⁻¹¹. For these the test also reruns at h/2 and requires the error to
	// fall by at least 2⁵, so it is truncation (order 6), not drift or round-off.
	energyTol := map[string]float64{"double-pendulum [1 1 0.9 -0.9]": 1e-10}
	maxDrift := func(s system.System, y0 []float64, h float64, steps int) float64 {
		ys, err := Trajectory(s, y0, h, steps, 1)
		if err != nil {
			t.Fatalf("%s from %v: %v", s.Name(), y0, err)
		}
		h0, drift := s.H(y0), 0.0
		for _, y := range ys {
			drift = max(drift, math.Abs(s.H(y)-h0))
		}
		return drift
	}
	for _, b := range builtins(t) {
		for _, y0 := range b.y0 {
			h0 := b.sys.H(y0)
			drift := maxDrift(b.sys, y0, h, steps)
			tol := 1e-12 * max(1, math.Abs(h0))
			t.Logf("%-18s y0=%v H0=%.4f max|ΔH|=%.2e", b.sys.Name(), y0, h0, drift)
			if o, ok := energyTol[fmt.Sprintf("%s %v", b.sys.Name(), y0)]; ok {
				tol = o
				half := maxDrift(b.sys, y0, h/2, 2*steps)
				t.Logf("%-18s y0=%v h=%g: max|ΔH|=%.2e (ratio %.1f)", b.sys.Name(), y0, h/2, half, drift/half)
				if !(drift/half >= 32) {
					t.Errorf("%s from %v: energy error falls only %.1f× when h is halved, want ≥ 2⁵", b.sys.Name(), y0, drift/half)
				}
			}
			if drift > tol {
				t.Errorf("%s from %v: max |ΔH| = %.3e over %d steps, want ≤ %.1e", b.sys.Name(), y0, drift, steps, tol)
			}
		}
	}
}

// jacobian returns the Jacobian of the one-step map y ↦ Φ_h(y) by fourth-order
// central differences of the increment Φ_h(y) − y (the identity part is exact).
func jacobian(t *testing.T, g GaussLegendre, s system.System, y []float64, h, delta float64) *mat.Dense {
	n := len(y)
	inc := func(x []float64) []float64 {
		out := make([]float64, n)
		if err := g.Step(s, x, h, out); err != nil {
			t.Fatal(err)
		}
		for i := range out {
			out[i] -= x[i]
		}
		return out
	}
	m := mat.NewDense(n, n, nil)
	x := make([]float64, n)
	for j := range n {
		at := func(k float64) []float64 {
			copy(x, y)
			x[j] += k * delta
			return inc(x)
		}
		p1, m1, p2, m2 := at(1), at(-1), at(2), at(-2)
		for i := range n {
			d := (8*(p1[i]-m1[i]) - (p2[i] - m2[i])) / (12 * delta)
			if i == j {
				d++
			}
			m.Set(i, j, d)
		}
	}
	return m
}

func canonicalJ(d int) *mat.Dense {
	j := mat.NewDense(2*d, 2*d, nil)
	for i := range d {
		j.Set(i, d+i, -1)
		j.Set(d+i, i, 1)
	}
	return j
}

// TestSymplectic checks MᵀJM = J for the Jacobian M of one step.
func TestSymplectic(t *testing.T) {
	// fdStep overrides the difference step 10⁻³ of the Jacobian where its
	// O(δ⁴) truncation error exceeds the tolerance: for the double pendulum's
	// fast orbit at h = 0.1 it gives 2·10⁻¹² at δ = 10⁻³ (5·10⁻¹⁰ at 4·10⁻³,
	// falling as δ⁴), 5·10⁻¹³ at δ = 5·10⁻⁴.
	fdStep := map[string]float64{"double-pendulum": 5e-4}
	for _, b := range builtins(t) {
		delta, ok := fdStep[b.sys.Name()]
		if !ok {
			delta = 1e-3
		}
		for _, h := range []float64{0.01, 0.1} {
			for _, y0 := range b.y0 {
				m := jacobian(t, GaussLegendre{}, b.sys, y0, h, delta)
				J := canonicalJ(b.sys.Dim())
				var mtj, res mat.Dense
				mtj.Mul(m.T(), J)
				res.Mul(&mtj, m)
				res.Sub(&res, J)
				e := mat.Norm(&res, math.Inf(1))
				t.Logf("%-18s h=%-4g y0=%v ‖MᵀJM−J‖∞ = %.2e", b.sys.Name(), h, y0, e)
				if e > 1e-12 {
					t.Errorf("%s h=%g y0=%v: ‖MᵀJM − J‖∞ = %.3e, want ≤ 1e-12", b.sys.Name(), h, y0, e)
				}
			}
		}
	}
}

// TestAgreesWithExtrapolation compares the default trajectory with the
// independent explicit extrapolation method for every built-in system.
func TestAgreesWithExtrapolation(t *testing.T) {
	const dt, steps = 0.1, 100
	for _, b := range builtins(t) {
		for _, y0 := range b.y0 {
			gl, err := Trajectory(b.sys, y0, dt, steps, 0)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := Extrapolation{}.Trajectory(b.sys, y0, dt, steps)
			if err != nil {
				t.Fatal(err)
			}
			e := 0.0
			for k := range gl {
				e = max(e, maxAbsDiff(gl[k], ex[k]))
			}
			t.Logf("%-18s y0=%v max difference over t∈[0,10]: %.2e", b.sys.Name(), y0, e)
			if e > 1e-10 {
				t.Errorf("%s from %v: Gauss–Legendre and extrapolation differ by %.3e, want ≤ 1e-10", b.sys.Name(), y0, e)
			}
		}
	}
}

// TestCoupledOscillatorExact compares both integrators with y(t) = exp(tA)y₀,
// A = [[α, 1], [−1, −α]].
func TestCoupledOscillatorExact(t *testing.T) {
	const dt, steps = 0.1, 200
	for _, tc := range []struct {
		alpha float64
		y0    []float64
		tol   float64
	}{
		{0.5, []float64{1, 0}, 1e-12},
		{0.5, []float64{-2, 1.7}, 1e-12},
		{0, []float64{0.3, -0.4}, 1e-12},
		{-0.9, []float64{1.2, 0.8}, 1e-12},
	} {
		s := system.NewCoupledOscillator(tc.alpha)
		gl, err := Trajectory(s, tc.y0, dt, steps, 0)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := Extrapolation{}.Trajectory(s, tc.y0, dt, steps)
		if err != nil {
			t.Fatal(err)
		}
		var eGL, eEx float64
		for k := range gl {
			var e mat.Dense
			e.Exp(mat.NewDense(2, 2, []float64{
				tc.alpha * dt * float64(k), dt * float64(k),
				-dt * float64(k), -tc.alpha * dt * float64(k)}))
			var y mat.VecDense
			y.MulVec(&e, mat.NewVecDense(2, tc.y0))
			exact := []float64{y.AtVec(0), y.AtVec(1)}
			eGL = max(eGL, maxAbsDiff(gl[k], exact))
			eEx = max(eEx, maxAbsDiff(ex[k], exact))
		}
		t.Logf("α=%v y0=%v: Gauss–Legendre error %.2e, extrapolation error %.2e", tc.alpha, tc.y0, eGL, eEx)
		if eGL > tc.tol || eEx > tc.tol {
			t.Errorf("α=%v y0=%v: errors %.3e (Gauss–Legendre), %.3e (extrapolation), want ≤ %.0e",
				tc.alpha, tc.y0, eGL, eEx, tc.tol)
		}
	}
}

// blowUp is H = p²/2 − q⁴/4: ṗ = q³ reaches infinity in finite time.
var blowUp = system.Func{
	SystemName: "blow-up",
	D:          1,
	Energy:     func(y []float64) float64 { return y[1]*y[1]/2 - y[0]*y[0]*y[0]*y[0]/4 },
	Gradient: func(dst, y []float64) {
		dst[0] = -y[0] * y[0] * y[0]
		dst[1] = y[1]
	},
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func() error
		want error
		msg  string
	}{
		{"blow-up", func() error {
			_, err := Trajectory(blowUp, []float64{1, 1}, 0.1, 100, 0)
			return err
		}, nil, "blow-up: step"},
		{"max-iter", func() error {
			_, err := GaussLegendre{MaxIter: 2}.Trajectory(system.Pendulum{}, []float64{1, 0}, 0.1, 1, 1)
			return err
		}, ErrNotConverged, "did not converge in 2 sweeps"},
		{"nan-state", func() error {
			return GaussLegendre{}.Step(system.Pendulum{}, []float64{math.NaN(), 0}, 0.1, make([]float64, 2))
		}, ErrNonFinite, "non-finite"},
		{"inf-state", func() error {
			_, err := Trajectory(system.Pendulum{}, []float64{0, math.Inf(1)}, 0.1, 3, 0)
			return err
		}, ErrNonFinite, "step 1 (t=0)"},
		{"extrapolation-blow-up", func() error {
			_, err := Extrapolation{}.Trajectory(blowUp, []float64{1, 1}, 0.1, 100)
			return err
		}, nil, "blow-up"},
	} {
		err := tc.run()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: error %q does not wrap %q", tc.name, err, tc.want)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.msg)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestPanics(t *testing.T) {
	p := system.Pendulum{}
	for _, tc := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"stages", func() { _ = GaussLegendre{Stages: 4}.Step(p, []float64{0, 0}, 0.1, make([]float64, 2)) }, "reference: GaussLegendre.Stages"},
		{"tol", func() { _ = GaussLegendre{Tol: -1}.Step(p, []float64{0, 0}, 0.1, make([]float64, 2)) }, "reference: invalid GaussLegendre.Tol"},
		{"maxiter", func() { _ = GaussLegendre{MaxIter: -1}.Step(p, []float64{0, 0}, 0.1, make([]float64, 2)) }, "reference: negative"},
		{"length", func() { _ = GaussLegendre{}.Step(p, []float64{0, 0, 0}, 0.1, make([]float64, 2)) }, "system: pendulum expects"},
		{"nan-h", func() { _ = GaussLegendre{}.Step(p, []float64{0, 0}, math.NaN(), make([]float64, 2)) }, "reference: non-finite step"},
		{"dt", func() { _, _ = Trajectory(p, []float64{0, 0}, 0, 1, 0) }, "reference: observation step"},
		{"steps", func() { _, _ = Trajectory(p, []float64{0, 0}, 0.1, -1, 0) }, "reference: negative number of steps"},
		{"substeps", func() { _, _ = Trajectory(p, []float64{0, 0}, 0.1, 1, -1) }, "reference: negative number of substeps"},
		{"ex-tol", func() { _, _ = Extrapolation{Tol: math.NaN()}.Trajectory(p, []float64{0, 0}, 0.1, 1) }, "reference: invalid Extrapolation.Tol"},
		{"ex-cols", func() { _, _ = Extrapolation{MaxColumns: 1}.Trajectory(p, []float64{0, 0}, 0.1, 1) }, "reference: Extrapolation.MaxColumns"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", tc.name)
					return
				}
				if !strings.Contains(fmt.Sprint(r), tc.msg) {
					t.Errorf("%s: panic %q does not contain %q", tc.name, r, tc.msg)
				}
			}()
			tc.f()
		}()
	}
}

func TestDefaultSubsteps(t *testing.T) {
	for _, tc := range []struct {
		dt   float64
		want int
	}{
		{0.01, 10}, {0.05, 50}, {0.001, 1}, {0.0001, 1}, {0.0105, 11}, {0.1, 100}, {1, 1000}, {0.003, 3},
	} {
		if got := DefaultSubsteps(tc.dt); got != tc.want {
			t.Errorf("DefaultSubsteps(%v) = %d, want %d", tc.dt, got, tc.want)
		}
	}
}

// TestStepAlias checks that dst may alias y and that Step equals one substep of Trajectory.
func TestStepAlias(t *testing.T) {
	s := system.HenonHeiles{}
	y := []float64{0.1, -0.2, 0.25, 0.1}
	want, err := Trajectory(s, y, 0.05, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := (GaussLegendre{}).Step(s, y, 0.05, y); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(y, want[1]); d != 0 {
		t.Errorf("Step in place differs from Trajectory by %g", d)
	}
}
