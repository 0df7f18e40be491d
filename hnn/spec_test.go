package hnn_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

func ptr[T any](v T) *T { return &v }

// TestSpecValidate: every invalid field is a *FieldError naming the field,
// with the valid range in the message; the zero spec is valid.
func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     hnn.Spec
		explicit bool
		field    string
		msg      string
	}{
		{"zero spec", hnn.Spec{}, false, "", ""},
		{"no system with dim", hnn.Spec{System: hnn.NoSystem, Dim: 2}, false, "", ""},
		{"unknown system", hnn.Spec{System: "kepler"}, false, "system", `unknown system "kepler"`},
		{"negative dim", hnn.Spec{Dim: -1}, false, "dim", "≥ 1"},
		{"alpha on the double well", hnn.Spec{Alpha: ptr(0.3)}, false, "alpha", "only to system coupled-oscillator"},
		{"alpha too large", hnn.Spec{System: "coupled-oscillator", Alpha: ptr(1.5)}, false, "alpha", "|alpha| < 1"},
		{"width 0", hnn.Spec{Widths: []int{16, 0}}, false, "widths", "1…4096"},
		{"too many layers", hnn.Spec{Widths: make([]int, 33)}, false, "widths", "1…32 hidden layers"},
		{"activation", hnn.Spec{Activation: "relu"}, false, "activation", "relu"},
		{"dtype", hnn.Spec{DType: "float16"}, false, "dtype", "float64, float32"},
		{"dt too large", hnn.Spec{Dt: 2}, false, "dt", "(0, 1]"},
		{"negative rollout", hnn.Spec{Rollout: -1}, false, "rollout", "1…100000"},
		{"iterations", hnn.Spec{Iterations: 1001}, false, "iterations", "1…1000"},
		{"predictor", hnn.Spec{Predictor: "euler"}, false, "predictor", "euler"},
		{"solver", hnn.Spec{Solver: "broyden"}, false, "solver", "valid: fixed-point, newton"},
		{"newton on gauss-legendre", hnn.Spec{Integrator: "gauss-legendre", Solver: "newton"}, false, "solver", "only to integrator implicit-midpoint"},
		{"newton", hnn.Spec{Solver: "newton"}, false, "", ""},
		{"integrator", hnn.Spec{Integrator: "rk45"}, false, "integrator", "implicit-midpoint"},
		{"omega without tao", hnn.Spec{Omega: 5}, false, "omega", "only to integrator tao"},
		{"nssnn without tao", hnn.Spec{Objective: "nssnn"}, false, "objective", `needs integrator "tao"`},
		{"explicit zero rollout", hnn.Spec{Dt: 0.01, Iterations: 3}, true, "rollout", "got 0"},
		{"explicit zero dt", hnn.Spec{Rollout: 6, Iterations: 3}, true, "dt", "got 0"},
		{"explicit zero iterations", hnn.Spec{Dt: 0.01, Rollout: 6}, true, "iterations", "got 0"},
		{"explicit complete", hnn.Spec{Dt: 0.01, Rollout: 6, Iterations: 3}, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.explicit {
				err = tc.spec.ValidateExplicit()
			}
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var fe *hnn.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want a FieldError on %q containing %q", err, tc.field, tc.msg)
			}
		})
	}
}

// TestResolveSystems: built-in, user-defined and no system.
func TestResolveSystems(t *testing.T) {
	r, err := hnn.Spec{System: "henon-heiles"}.Resolve()
	if err != nil || r.System.Name() != "henon-heiles" || r.Spec.Dim != 2 || r.Hamiltonian.Dim() != 2 {
		t.Fatalf("built in: %v, %+v", err, r.Spec)
	}
	own := system.Func{SystemName: "mine", D: 3, Energy: func([]float64) float64 { return 0 }, Gradient: func(_, _ []float64) {}}
	if r, err = (hnn.Spec{}).ResolveWith(own); err != nil || r.Spec.System != "mine" || r.Spec.Dim != 3 || r.System == nil {
		t.Fatalf("user-defined: %v, %+v", err, r.Spec)
	}
	if _, err := (hnn.Spec{System: "double-well"}).ResolveWith(own); err == nil || !strings.Contains(err.Error(), `"mine"`) {
		t.Errorf("a spec naming another system resolved with mine: %v", err)
	}
	if _, err := (hnn.Spec{Dim: 2}).ResolveWith(own); err == nil || !strings.Contains(err.Error(), "d = 3") {
		t.Errorf("a spec of another dimension resolved with mine: %v", err)
	}
	if _, err := (hnn.Spec{System: "mine"}).Resolve(); err == nil {
		t.Error("a user-defined system's name resolved without the system")
	}
	if r, err = (hnn.Spec{System: hnn.NoSystem, Dim: 2}).Resolve(); err != nil || r.System != nil || r.Hamiltonian.Dim() != 2 {
		t.Fatalf("no system: %v, %+v", err, r)
	}
	if _, err := (hnn.Spec{System: hnn.NoSystem}).Resolve(); err == nil || !strings.Contains(err.Error(), "degrees of freedom") {
		t.Errorf("no system without dim: %v", err)
	}
	m, err := hnn.NewModel(hnn.Spec{System: hnn.NoSystem, Dim: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Evaluate(); err == nil || !strings.Contains(err.Error(), "no true Hamiltonian") {
		t.Errorf("Evaluate without a system: %v", err)
	}
	if e, err := m.Energy([][]float64{{0.1, 0.2}}); err != nil || len(e) != 1 {
		t.Errorf("Energy without a system: %v %v", e, err)
	}
}

// TestWithBaseline: each baseline's spec has its model's pieces, shared
// settings kept, and the implicit solve's settings reset where they do not apply.
func TestWithBaseline(t *testing.T) {
	shared := hnn.Spec{System: "coupled-oscillator", Widths: []int{8, 8}, Dt: 0.1, Iterations: 7, Predictor: "observed"}
	for _, m := range baseline.Models() {
		s := shared.WithBaseline(m)
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if s.System != shared.System || s.Dt != 0.1 || len(s.Widths) != 2 || s.Ansatz != m.Ansatz || s.Objective != m.Objective {
			t.Errorf("%s: %+v", m.Name, s)
		}
		implicit := s.Integrator == "implicit-midpoint"
		if implicit != (s.Iterations == 7 && s.Predictor == "observed") && m.Integrator != "" {
			t.Errorf("%s: integrator %s with iterations %d, predictor %s", m.Name, s.Integrator, s.Iterations, s.Predictor)
		}
	}
}

func TestSpecWeightLimit(t *testing.T) {
	var fe *hnn.FieldError
	if err := (hnn.Spec{Widths: []int{4096, 4096, 4096}}).Validate(); !errors.As(err, &fe) || fe.Field != "widths" || !strings.Contains(err.Error(), "weights") {
		t.Errorf("3 layers of 4096: %v, want a FieldError on widths about the weight count", err)
	}
	if err := (hnn.Spec{Widths: []int{1024, 1024}}).Validate(); err != nil {
		t.Errorf("two layers of 1024 (about 1.05M weights): %v", err)
	}
}

// ScoreData on a model's own training system: the rollout error grows
// with the horizon from about the noise floor, the learned energy is
// conserved along the data, and its own rollouts stay bounded; a model with
// another system's weights (untrained) scores far worse on conservation.
func TestScoreData(t *testing.T) {
	m, _, err := hnn.Train(context.Background(), hnn.TrainConfig{
		Spec: hnn.Spec{System: hnn.NoSystem, Widths: []int{16, 16}}, Seed: 1,
		Train: trainSet(t, 1), Val: trainSet(t, 2),
		Trainer: train.Config{Epochs: 20, BatchSize: 128},
	})
	if err != nil {
		t.Fatal(err)
	}
	held := trainSet(t, 3).States
	s, err := m.ScoreData(held, hnn.DataScoreConfig{LongSteps: 2000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
	if math.Abs(s.Noise-0.01) > 0.002 {
		t.Errorf("noise estimate %g, want about 0.01", s.Noise)
	}
	if len(s.Horizons) != 2 || s.Horizons[0].Steps != 1 || s.Horizons[1].Steps != 10 || !(s.Horizons[0].RMSE < 0.03) || !(s.Horizons[1].RMSE >= s.Horizons[0].RMSE*0.5) {
		t.Errorf("horizons %+v", s.Horizons)
	}
	if s.Conservation.Ratio > 3 || !s.LongBounded || s.LongDrift > 0.05 {
		t.Errorf("a trained model's energy not conserved: %+v", s)
	}
	fresh, _ := hnn.NewModel(hnn.Spec{System: hnn.NoSystem, Dim: 1, Widths: []int{16, 16}}, 9)
	f, err := fresh.ScoreData(held, hnn.DataScoreConfig{LongSteps: 100})
	if err != nil {
		t.Fatal(err)
	}
	if f.Conservation.Ratio < 3*s.Conservation.Ratio || f.Horizons[1].RMSE < 2*s.Horizons[1].RMSE {
		t.Errorf("an untrained model scores like a trained one: %+v vs %+v", f, s)
	}
}

func trainSet(t *testing.T, seed uint64) *data.Trajectories {
	t.Helper()
	all, err := data.Generate(system.CoupledOscillator{Alpha: 0.5}, data.GenerateConfig{Trajectories: 512, Steps: 30, Noise: 0.01, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	all.System = "" // data without a known system
	return all
}

// The derivative metric at the midpoint is zero on the model's own
// implicit-midpoint trajectories (the rule's defining equation), while the
// field at y_k misses the forward difference by O(h): the check can fail.
func TestScoreDataDerivative(t *testing.T) {
	m, err := hnn.NewModel(hnn.Spec{System: hnn.NoSystem, Dim: 1, Widths: []int{8}, Dt: 0.1}, 4)
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := m.Flow().Converged([][]float64{{0.5, -0.3}, {-1, 0.2}}, 0.1, 40)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.ScoreData(own, hnn.DataScoreConfig{LongSteps: 10})
	if err != nil {
		t.Fatal(err)
	}
	d := s.Derivative
	t.Logf("%+v", d)
	if d.Pairs != 80 || !(d.Midpoint < 1e-20) || !(d.At > 1e6*d.Midpoint) || !(d.AtSE > 0) {
		t.Errorf("derivative errors %+v: want 80 pairs, ≈ 0 at the midpoint, not at y_k", d)
	}
}
