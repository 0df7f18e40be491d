package identify

import (
	"errors"
	"fmt"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// ErrNoRegion is returned (wrapped) by FitModels for a model without a
// known system: there is no data region to sample its energy in.
var ErrNoRegion = errors.New("the model has no known data region")

// ModelConfig configures FitModel. The zero value of each field means its default.
type ModelConfig struct {
	// Config holds the library, samples, seed and bootstrap; Box, Domains,
	// Coords and Truth are taken from the models' system.
	Config
	// Raw fits each model's energy as learned; by default, its
	// bias-corrected energy where it has one (hnn.Model.CorrectedEnergy).
	Raw bool
}

// FitModel identifies the closed form of one or more models of the same
// system (e.g. seeds): their energies, bias-corrected unless cfg.Raw,
// sampled in the system's training box and compared with its true H.
func FitModel(models []*hnn.Model, cfg ModelConfig) (*Formula, error) {
	if len(models) == 0 {
		return nil, errors.New("identify: no model to fit")
	}
	sys := models[0].System
	if sys == nil {
		return nil, fmt.Errorf("identify: %w (system %q): give the models of a known system", ErrNoRegion, models[0].Spec.System)
	}
	for i, m := range models {
		if m.System == nil || m.System.Name() != sys.Name() || m.Dim() != sys.Dim() {
			return nil, fmt.Errorf("identify: model %d is of system %q, model 0 of %q", i, m.Spec.System, sys.Name())
		}
	}
	c := cfg.Config
	c.Box, c.Domains, c.Coords, c.Truth = sys.Box(), sys.Domains(), system.CoordNames(sys), sys
	return FitModels(Energies(models, cfg.Raw), c)
}

// Energies returns the energies FitModel fits: each model's bias-corrected
// energy where it has one, unless raw, else its energy as learned.
func Energies(models []*hnn.Model, raw bool) []eval.Energy {
	var out []eval.Energy
	for _, m := range models {
		e := m.Energy
		if !raw && m.Correction() != "" {
			e = m.CorrectedEnergy
		}
		out = append(out, e)
	}
	return out
}

// MeanEnergy is the mean of the energies (the energy itself for one): the
// ensemble whose formula FitModels finds.
func MeanEnergy(energies []eval.Energy) eval.Energy {
	if len(energies) == 1 {
		return energies[0]
	}
	return func(points [][]float64) ([]float64, error) {
		var sum []float64
		for _, e := range energies {
			v, err := e(points)
			if err != nil {
				return nil, err
			}
			if sum == nil {
				sum = make([]float64, len(v))
			}
			for i, x := range v {
				sum[i] += x / float64(len(energies))
			}
		}
		return sum, nil
	}
}
