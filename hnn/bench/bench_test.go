package bench_test

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func TestFLOPs(t *testing.T) {
	if got := bench.FieldFLOPs(1, []int{16, 32, 16}); got != 4544 {
		t.Errorf("FieldFLOPs(2-16-32-16) = %g, want 4·1056 + 5·64 = 4544", got)
	}
	for _, c := range []struct {
		integ integrator.Integrator
		want  int
	}{
		{integrator.ImplicitMidpoint{Iterations: 3}, 5},
		{integrator.ImplicitMidpoint{Iterations: 3, Predictor: integrator.Observed}, 3},
		{integrator.GaussLegendre2{Iterations: 3}, 9},
		{integrator.GaussLegendre2{Iterations: 2, Predictor: integrator.Observed}, 4},
	} {
		if got := bench.FieldEvaluations(c.integ); got != c.want {
			t.Errorf("FieldEvaluations(%s) = %d, want %d", c.integ, got, c.want)
		}
	}
	r, err := hnn.Spec{Rollout: 6}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	p := r.Problem
	w := []int{16, 32, 16}
	phi := 6.0 * 5 * 512 * 4544
	adam := 15.0 * (2*16 + 16 + 16*32 + 32 + 32*16 + 16 + 16)
	for _, c := range []struct {
		m    gradient.Method
		want float64
	}{
		{gradient.Backprop{}, 3 * phi},
		{gradient.Auto{}, 3 * phi},
		{gradient.DiscreteAdjoint{}, 3*phi + phi/2},                                         // chunks of 3: the forward pass stops at y₃
		{gradient.DiscreteAdjoint{Chunk: 1}, 4*phi - phi/6},                                 // step by step: the forward pass stops at y₅
		{gradient.DiscreteAdjoint{Chunk: 6}, 3 * phi},                                       // one chunk: Backprop's operations
		{gradient.DiscreteAdjoint{MaxStoredStates: 4}, 3*phi + phi/2},                       // kept every 3 steps: y₃ is kept anyway
		{gradient.DiscreteAdjoint{Chunk: 1, MaxStoredStates: 4}, 4*phi - phi/6 + 3*phi/6},   // every 3: 5 forward steps in 2 segments, 3 solved again
		{gradient.DiscreteAdjoint{Chunk: 2, MaxStoredStates: 4}, 3*phi + 4*phi/6 + 2*phi/6}, // every 4: y₂ solved again
		{gradient.DiscreteAdjoint{Recompute: true}, 5 * phi},
		{gradient.DiscreteAdjoint{Variant: gradient.Converged, AdjointIterations: 2}, phi + 6.0*512*4544*(1+2*3)},
		{gradient.DiscreteAdjoint{Variant: gradient.Converged, AdjointIterations: 2, MaxStoredStates: 4}, phi + 6.0*512*4544*(1+2*3) + 4*phi/6}, // every 3 of 6: 4 solved again
	} {
		if got := bench.StepFLOPs(p, w, c.m, 512); math.Abs(got-(c.want+adam)) > 1e-6*got {
			t.Errorf("StepFLOPs(%s) = %g, want %g", c.m, got, c.want+adam)
		}
	}
}

func TestRandomSource(t *testing.T) {
	src := bench.NewRandomSource(system.HenonHeiles{}, dtypes.Float64, 3, 5)
	w := tensors.MustCopyFlatData[float64](src.Windows(4))
	for j := range 5 {
		st, _ := src.State(j)
		s := tensors.MustCopyFlatData[float64](st)
		for b := range 5 {
			for k := range 4 {
				if got, want := w[(b*5+j)*4+k], s[b*4+k]; got != want {
					t.Fatalf("Windows[%d,%d,%d] = %g, State(%d)[%d,%d] = %g", b, j, k, got, j, b, k, want)
				}
				if math.Abs(s[b*4+k]) > 0.3+0.2 {
					t.Errorf("state %g far outside the Hénon–Heiles box", s[b*4+k])
				}
			}
		}
	}
	f32 := bench.RandomWindows(system.DoubleWell{}, dtypes.Float32, 1, 2, 3)
	if f32.DType() != dtypes.Float32 || f32.Shape().Size() != 2*4*2 {
		t.Errorf("float32 windows: %s", f32.Shape())
	}
}

func TestMaxRelDiff(t *testing.T) {
	a := [][]float64{{1, 2}, {3}}
	b := [][]float64{{1, 2.5}, {-4}}
	if got := bench.MaxRelDiff(a, b); got != 7.0/4 {
		t.Errorf("MaxRelDiff = %g, want 7/4", got)
	}
}

func TestWorkerAndPeakRSS(t *testing.T) {
	rss, err := bench.PeakRSS()
	if err != nil || rss < 1<<20 {
		t.Fatalf("PeakRSS = %d, %v", rss, err)
	}
	for _, g := range []string{"backprop", "adjoint"} {
		r, err := bench.Worker(bench.WorkerConfig{Spec: hnn.Spec{Rollout: 3, Widths: []int{4}}, Gradient: g, Batch: 4, Steps: 2, MinRolloutSteps: 9})
		if err != nil {
			t.Fatal(err)
		}
		if r.PeakRSSBytes < rss || !(r.MsPerStep > 0) || r.Stepwise != (g == "adjoint") {
			t.Errorf("%s: %+v", g, r)
		}
	}
	if _, err := bench.Worker(bench.WorkerConfig{Gradient: "nope"}); err == nil {
		t.Error("unknown method: no error")
	}
}

func TestStepsAndGradcheck(t *testing.T) {
	rs, err := bench.Steps(bench.StepConfig{Spec: hnn.Spec{Rollout: 2, Widths: []int{4}, DType: "float32"}, Batch: 4, Steps: 2, Warmup: -1},
		[]string{"backprop", "adjoint", "adjoint-converged", "auto"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if !(r.MedianMs > 0 && r.CompileMs > 0 && r.GFLOPs > 0) || r.DType != "float32" || r.Rollout != 2 {
			t.Errorf("%+v", r)
		}
	}
	g, err := bench.Gradcheck(bench.GradcheckConfig{Spec: hnn.Spec{System: "pendulum", Rollout: 2, Widths: []int{4}}, Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !(g.AdjointVsBackprop <= 1e-10) || !(g.AdjointVsFiniteDifferences <= 1e-6) || g.ConvergedAdjointVsBackprop == nil ||
		!(*g.ConvergedAdjointVsBackprop <= 1e-10) || !(*g.ConvergedAdjointVsFiniteDifferences <= 1e-6) {
		t.Errorf("gradcheck: %+v", g)
	}
	if _, err := bench.Gradcheck(bench.GradcheckConfig{Spec: hnn.Spec{Objective: "hnn"}}); err == nil {
		t.Error("gradcheck of the HNN objective: no error")
	}
}
