package system_test

import (
	"math"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/system"
)

func all() []system.System {
	var out []system.System
	for _, n := range system.Names() {
		s, err := system.Lookup(n, system.Options{})
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return append(out, system.Func{SystemName: "quartic-2d", D: 2,
		Energy: func(y []float64) float64 { return y[0]*y[0]*y[1]*y[1] + y[2]*y[2] + y[3]*y[3]*y[0] },
		Gradient: func(dst, y []float64) {
			dst[0] = 2*y[0]*y[1]*y[1] + y[3]*y[3]
			dst[1] = 2 * y[0] * y[0] * y[1]
			dst[2] = 2 * y[2]
			dst[3] = 2 * y[3] * y[0]
		}})
}

// TestGradientMatchesFiniteDifferences checks every closed-form ∇H against
// fourth-order central differences of H at points of the training box.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, s := range all() {
		t.Run(s.Name(), func(t *testing.T) {
			box := s.Box()
			n := 2 * s.Dim()
			for k := range 20 {
				y := make([]float64, n)
				for i := range y {
					frac := math.Mod(0.37*float64(k+1)+0.61*float64(i+1), 1)
					y[i] = box.Lo[i] + (box.Hi[i]-box.Lo[i])*frac
				}
				g := make([]float64, n)
				s.Grad(g, y)
				for i := range y {
					h := 1e-3
					at := func(dx float64) float64 {
						z := append([]float64(nil), y...)
						z[i] += dx
						return s.H(z)
					}
					fd := (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
					if math.Abs(fd-g[i]) > 1e-9*math.Max(1, math.Abs(g[i])) {
						t.Errorf("∂H/∂y%d at %v: closed form %.12g, finite differences %.12g", i, y, g[i], fd)
					}
				}
			}
		})
	}
}

func TestVectorFieldIsHamiltonsEquations(t *testing.T) {
	// Harmonic oscillator as a coupled oscillator with α = 0: q̇ = p, ṗ = −q.
	f := make([]float64, 2)
	system.VectorField(system.CoupledOscillator{}, f, []float64{0.3, -0.7})
	if f[0] != -0.7 || f[1] != -0.3 {
		t.Errorf("F(0.3, −0.7) = %v, want (−0.7, −0.3)", f)
	}
}

func TestLookup(t *testing.T) {
	if _, err := system.Lookup("nope", system.Options{}); err == nil || !strings.Contains(err.Error(), "double-well") {
		t.Errorf("unknown system: %v (want the valid names listed)", err)
	}
	a := 0.25
	s, err := system.Lookup("coupled-oscillator", system.Options{Alpha: &a})
	if err != nil || s.(system.CoupledOscillator).Alpha != 0.25 {
		t.Errorf("alpha option: %v %v", s, err)
	}
	s, _ = system.Lookup("coupled-oscillator", system.Options{})
	if s.(system.CoupledOscillator).Alpha != system.DefaultAlpha {
		t.Errorf("default alpha %v", s)
	}
}

func TestCoordNames(t *testing.T) {
	for _, tc := range []struct {
		s    system.System
		want string
	}{
		{system.DoubleWell{}, "q p"},
		{system.HenonHeiles{}, "qx qy px py"},
		{system.DoublePendulum{}, "q1 q2 p1 p2"},
		{system.Func{SystemName: "x", D: 3}, "q1 q2 q3 p1 p2 p3"},
		{system.Func{SystemName: "y", D: 2}, "q1 q2 p1 p2"},
	} {
		if got := strings.Join(system.CoordNames(tc.s), " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.s.Name(), got, tc.want)
		}
	}
}

func TestCheckGradient(t *testing.T) {
	s := system.Func{SystemName: "my-oscillator", D: 1,
		Energy:   func(y []float64) float64 { return y[1]*y[1]/2 + y[0]*y[0]/2 + 0.1*y[0]*y[0]*y[1]*y[1] },
		Gradient: func(dst, y []float64) { dst[0] = y[0] + 0.2*y[0]*y[1]*y[1]; dst[1] = y[1] + 0.2*y[0]*y[0]*y[1] }}
	if worst := system.CheckGradient(s, 50, 1); worst > 1e-7 {
		t.Errorf("CheckGradient of a correct gradient: %g", worst)
	}
	bad := s
	bad.Gradient = func(dst, y []float64) { dst[0], dst[1] = y[0], y[1] }
	if worst := system.CheckGradient(bad, 50, 1); worst < 1e-3 {
		t.Errorf("CheckGradient of a wrong gradient: %g", worst)
	}
}
