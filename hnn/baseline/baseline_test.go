package baseline_test

import (
	"context"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// TestModelsLearnHarmonicOscillator trains every model of the comparison on
// the harmonic oscillator H = (q² + p²)/2 (the coupled oscillator with
// α = 0) from a small noisy data set and checks the gauge-fixed error of
// the learned H on the uniform test set of [−2, 2]² (where H ranges over
// [0, 4]). The bounds are about twice the measured errors; an untrained
// network scores above 1.
func TestModelsLearnHarmonicOscillator(t *testing.T) {
	if testing.Short() {
		t.Skip("trains five small models")
	}
	alpha := 0.0
	bounds := map[string]float64{"this-work": 0.06, "nssnn": 0.06, "shnn": 0.1, "hnn": 0.1, "separable-leapfrog": 0.06}
	data := hnn.DataConfig{Train: 512, Val: 128, Steps: 30}
	spec := hnn.Spec{System: "coupled-oscillator", Alpha: &alpha, Widths: []int{16, 16}}
	trainSet, valSet, err := hnn.GenerateData(spec, data, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range baseline.Models() {
		t.Run(m.Name, func(t *testing.T) {
			s := spec
			s.Ansatz, s.Integrator, s.Omega, s.Objective, s.Rollout = m.Ansatz, m.Integrator, m.Omega, m.Objective, m.Rollout
			model, hist, err := hnn.Train(context.Background(), hnn.TrainConfig{Spec: s, Train: trainSet, Val: valSet, Seed: 1,
				Trainer: train.Config{Epochs: 30, BatchSize: 64, LearningRate: 0.01}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := model.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			u := res[0]
			t.Logf("%s: %d steps, val loss %.3g, uniform error %.4f (grid %.4f, gaussian %.4f)",
				model.Hamiltonian, hist[len(hist)-1].Step, hist[len(hist)-1].ValLoss, u.Error, res[1].Error, res[2].Error)
			if u.Set != "uniform" || !(u.Error < bounds[m.Name]) {
				t.Errorf("%s: uniform error %.4f, want < %g", m.Name, u.Error, bounds[m.Name])
			}
		})
	}
}
