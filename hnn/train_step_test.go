package hnn_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Given data fix the model's step: a zero Spec.Dt takes theirs, a different
// one is refused (it would train the flow of the wrong step, silently).
func TestTrainTakesTheDataStep(t *testing.T) {
	spec := hnn.Spec{System: "pendulum", Widths: []int{8}, Dt: 0.1}
	trainSet, valSet, err := hnn.GenerateData(spec, hnn.DataConfig{Train: 16, Val: 8, Steps: 12}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := hnn.TrainConfig{Spec: hnn.Spec{System: hnn.NoSystem, Widths: []int{8}}, Train: trainSet, Val: valSet, Seed: 1,
		Trainer: train.Config{Epochs: 1}}
	m, _, err := hnn.Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Spec.Dt != 0.1 {
		t.Errorf("Spec.Dt zero with data at step 0.1: the model has step %g", m.Spec.Dt)
	}
	cfg.Spec.Dt = hnn.DefaultDt
	_, _, err = hnn.Train(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "observed at the step 0.1, the model's Spec.Dt is 0.01") {
		t.Errorf("Spec.Dt 0.01 with data at step 0.1: err = %v", err)
	}
}
