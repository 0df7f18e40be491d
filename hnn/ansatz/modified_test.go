package ansatz_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// analytic is a Hamiltonian given by a graph formula (d = 1), its gradient
// by autodiff: H̄ built independently of the correction under test.
type analytic struct {
	name   string
	energy func(q, p *Node) *Node
}

func (a analytic) Dim() int { return 1 }
func (a analytic) Energy(_ *model.Scope, y *Node) *Node {
	q := Slice(y, AxisRange(), AxisRange(0, 1))
	p := Slice(y, AxisRange(), AxisRange(1, 2))
	return Reshape(a.energy(q, p), y.Shape().Dim(0))
}
func (a analytic) Gradient(s *model.Scope, y *Node) *Node {
	return Gradient(ReduceAllSum(a.Energy(s, y)), y)[0]
}
func (a analytic) Init(*model.Scope, dtypes.DType, uint64) {}
func (a analytic) String() string                          { return a.name }

// eval runs fn on the rows of pts and returns the [B] result.
func eval(t *testing.T, fn func(y *Node) *Node, pts []float64) []float64 {
	t.Helper()
	e := MustNewExec(testutil.Backend(), fn)
	return tensors.MustCopyFlatData[float64](e.MustCall(tensors.FromFlatDataAndDimensions(pts, len(pts)/2, 2))[0])
}

func points() []float64 {
	var pts []float64
	for i := range 40 {
		pts = append(pts, 1.8*math.Sin(float64(i)*1.3), 1.5*math.Cos(float64(i)*0.7+0.2))
	}
	return pts
}

// slope is the least-squares slope of log err against log h.
func slope(hs, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(errs[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(hs))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestMidpointCorrectionOrder: for H̄ the inverse modified Hamiltonian of
// a known H (exact for the harmonic oscillator, to O(h⁴) for the
// pendulum), the corrected energy is H to O(h⁴) (slope 4 over h), while H̄
// itself is H only to O(h²): the correction removes the h² term.
func TestMidpointCorrectionOrder(t *testing.T) {
	hs := []float64{0.4, 0.2, 0.1, 0.05}
	pts := points()
	cases := []struct {
		name string
		bar  func(h float64) analytic   // H̄ for step h
		h    func(q, p float64) float64 // the true H
	}{
		{"harmonic oscillator, H̄ = (2/h)·tan(h/2)·H exactly", func(h float64) analytic {
			c := 2 / h * math.Tan(h/2)
			return analytic{"c·(q²+p²)/2", func(q, p *Node) *Node { return MulScalar(Add(Square(q), Square(p)), c/2) }}
		}, func(q, p float64) float64 { return (q*q + p*p) / 2 }},
		{"pendulum, H̄ = H + (h²/24)(p² cos q + sin² q)", func(h float64) analytic {
			return analytic{"pendulum H̄", func(q, p *Node) *Node {
				H := Sub(MulScalar(Square(p), 0.5), Cos(q))
				return Add(H, MulScalar(Add(Mul(Square(p), Cos(q)), Square(Sin(q))), h*h/24))
			}}
		}, func(q, p float64) float64 { return p*p/2 - math.Cos(q) }},
	}
	for _, tc := range cases {
		var raw, corrected []float64
		for _, h := range hs {
			bar := tc.bar(h)
			e := eval(t, func(y *Node) *Node { return bar.Energy(nil, y) }, pts)
			c := eval(t, func(y *Node) *Node { return ansatz.MidpointCorrected(bar, nil, y, h) }, pts)
			// Gauge-fix: the constant of H is not identifiable.
			var re, ce, rm, cm float64
			for i := range e {
				H := tc.h(pts[2*i], pts[2*i+1])
				rm, cm = rm+(e[i]-H)/float64(len(e)), cm+(c[i]-H)/float64(len(e))
			}
			for i := range e {
				H := tc.h(pts[2*i], pts[2*i+1])
				re, ce = math.Max(re, math.Abs(e[i]-H-rm)), math.Max(ce, math.Abs(c[i]-H-cm))
			}
			raw, corrected = append(raw, re), append(corrected, ce)
		}
		rs, cs := slope(hs, raw), slope(hs, corrected)
		t.Logf("%s: raw errors %.3g, slope %.2f; corrected %.3g, slope %.2f", tc.name, raw, rs, corrected, cs)
		if math.Abs(rs-2) > 0.15 || math.Abs(cs-4) > 0.3 || corrected[len(hs)-1] > raw[len(hs)-1]/100 {
			t.Errorf("%s: slopes raw %.2f (want 2), corrected %.2f (want 4)", tc.name, rs, cs)
		}
	}
}

// TestInverseModifiedHamiltonianIsWhatTheMidpointRuleLearns checks the sign
// and size of the h² term independently of the correction's algebra: one
// implicit-midpoint step of the pendulum's H̄ = H + (h²/24)·∇²H(f, f)
// follows the exact flow of H to O(h⁵), one step of H itself only to
// O(h³), and one step of H − (h²/24)·∇²H(f, f) (the wrong sign) to O(h³).
func TestInverseModifiedHamiltonianIsWhatTheMidpointRuleLearns(t *testing.T) {
	hs := []float64{0.4, 0.2, 0.1}
	y0 := []float64{0.9, 0.4, -1.7, 1.1, 0.3, -0.6}
	exact := func(h float64) []float64 {
		var out []float64
		for i := 0; i < len(y0); i += 2 {
			tr, err := reference.Trajectory(system.Pendulum{}, y0[i:i+2], h, 1, 200)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tr[1]...)
		}
		return out
	}
	mk := func(sign float64) func(h float64) analytic {
		return func(h float64) analytic {
			return analytic{"pendulum", func(q, p *Node) *Node {
				H := Sub(MulScalar(Square(p), 0.5), Cos(q))
				return Add(H, MulScalar(Add(Mul(Square(p), Cos(q)), Square(Sin(q))), sign*h*h/24))
			}}
		}
	}
	for _, tc := range []struct {
		name  string
		model func(h float64) analytic
		order float64
	}{{"H̄", mk(1), 5}, {"H", mk(0), 3}, {"wrong sign", mk(-1), 3}} {
		var errs []float64
		for _, h := range hs {
			m := tc.model(h)
			step := eval2(t, m, h, y0)
			want := exact(h)
			e := 0.0
			for i := range want {
				e = math.Max(e, math.Abs(step[i]-want[i]))
			}
			errs = append(errs, e)
		}
		s := slope(hs, errs)
		t.Logf("%s: local errors %.3g, slope %.2f", tc.name, errs, s)
		if math.Abs(s-tc.order) > 0.3 {
			t.Errorf("%s: local error slope %.2f, want %g", tc.name, s, tc.order)
		}
	}
}

// eval2 takes one converged implicit-midpoint step of m from the rows of y0.
func eval2(t *testing.T, m analytic, h float64, y0 []float64) []float64 {
	t.Helper()
	e := MustNewExec(testutil.Backend(), func(y *Node) *Node {
		field := func(x *Node) *Node { return ansatz.VectorField(m, nil, x) }
		y1, _ := integrator.ImplicitMidpoint{Iterations: 80}.Step(field, y, nil, h)
		return y1
	})
	return tensors.MustCopyFlatData[float64](e.MustCall(tensors.FromFlatDataAndDimensions(y0, len(y0)/2, 2))[0])
}

// TestCurvatureOfMLP: the Hessian–vector product of the closed-form MLP
// gradient agrees with central finite differences of that gradient along f.
func TestCurvatureOfMLP(t *testing.T) {
	for _, mlp := range []ansatz.MLP{{D: 1, Widths: []int{8, 8}}, {D: 2, Widths: []int{6}, Activation: ansatz.SoftplusActivation}} {
		t.Run(fmt.Sprint(mlp), func(t *testing.T) {
			store := model.NewStore()
			mlp.Init(store.RootScope().At("h"), dtypes.Float64, 3)
			d2 := 2 * mlp.D
			exec := func(fn func(s *model.Scope, y *Node) *Node) func([]float64) []float64 {
				e := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) *Node {
					root.SetTraining(y.Graph(), true)
					return fn(root.At("h"), y)
				})
				return func(pts []float64) []float64 {
					return tensors.MustCopyFlatData[float64](e.MustCall(tensors.FromFlatDataAndDimensions(pts, len(pts)/d2, d2))[0])
				}
			}
			curv := exec(func(s *model.Scope, y *Node) *Node { return ansatz.Curvature(mlp, s, y) })
			grad := exec(func(s *model.Scope, y *Node) *Node { return mlp.Gradient(s, y) })
			y := make([]float64, d2)
			for a := range y {
				y[a] = 0.4*float64(a) - 0.3
			}
			g := grad(y)
			f := make([]float64, d2)
			for i := range mlp.D {
				f[i], f[mlp.D+i] = g[mlp.D+i], -g[i]
			}
			const eps = 1e-5
			yp, ym := make([]float64, d2), make([]float64, d2)
			for a := range y {
				yp[a], ym[a] = y[a]+eps*f[a], y[a]-eps*f[a]
			}
			gp, gm := grad(yp), grad(ym)
			fd := 0.0
			for a := range f {
				fd += f[a] * (gp[a] - gm[a]) / (2 * eps)
			}
			if got := curv(y)[0]; math.Abs(got-fd) > 1e-7*math.Max(1, math.Abs(fd)) {
				t.Errorf("Curvature %.12g, finite differences %.12g", got, fd)
			}
		})
	}
}
