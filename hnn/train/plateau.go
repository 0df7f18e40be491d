package train

import (
	"cmp"
	"fmt"
	"math"
)

// Plateau is a ReduceLROnPlateau schedule: when the validation loss has not
// improved by more than Threshold (relative) for Patience epochs, the
// learning rate is multiplied by Factor, down to MinLR. The zero value of
// each field means its default.
type Plateau struct {
	// Factor multiplies the learning rate on a plateau; 0 means 0.5.
	Factor float64
	// Patience is the number of epochs without improvement tolerated; 0
	// means 2, or as many more as make MinPlateauSteps optimizer steps when
	// epochs are short (⌈MinPlateauSteps / steps per epoch⌉: small data sets
	// are not annealed to MinLR in a few hundred steps).
	Patience int
	// Threshold is the relative improvement that counts; 0 means 1e-3.
	Threshold float64
	// MinLR is the smallest learning rate; 0 means 1e-6.
	MinLR float64
}

type plateauSt struct {
	Best float64 `json:"best"` // best validation loss so far (0 before the first epoch)
	Bad  int     `json:"bad"`  // epochs since the last improvement
	Seen bool    `json:"seen"`
}

// MinPlateauSteps is the fewest optimizer steps that the default patience
// waits for an improvement (Plateau.Patience).
const MinPlateauSteps = 16

// forSteps returns p with the default patience resolved for epochs of
// steps optimizer steps.
func (p Plateau) forSteps(steps int) Plateau {
	if p.Patience == 0 {
		steps = max(steps, 1)
		p.Patience = max(2, (MinPlateauSteps+steps-1)/steps)
	}
	return p
}

func (p Plateau) factor() float64    { return cmp.Or(p.Factor, 0.5) }
func (p Plateau) patience() int      { return cmp.Or(p.Patience, 2) }
func (p Plateau) threshold() float64 { return cmp.Or(p.Threshold, 1e-3) }
func (p Plateau) minLR() float64     { return cmp.Or(p.MinLR, 1e-6) }

func (p Plateau) check() error {
	switch {
	case p.Factor < 0 || p.Factor >= 1:
		return fmt.Errorf("plateau factor must be in (0, 1), got %g", p.Factor)
	case p.Patience < 0:
		return fmt.Errorf("plateau patience must be ≥ 1, got %d", p.Patience)
	case p.Threshold < 0:
		return fmt.Errorf("plateau threshold must be ≥ 0, got %g", p.Threshold)
	case p.MinLR < 0:
		return fmt.Errorf("plateau minimum learning rate must be ≥ 0, got %g", p.MinLR)
	}
	return nil
}

func (s plateauSt) check() error {
	if s.Bad < 0 || math.IsNaN(s.Best) || math.IsInf(s.Best, 0) || s.Best < 0 {
		return fmt.Errorf("invalid schedule state (best %g, epochs without improvement %d)", s.Best, s.Bad)
	}
	return nil
}

// next records the epoch's validation loss and returns the learning rate to use next.
func (p Plateau) next(s *plateauSt, val, lr float64) float64 {
	if !s.Seen || val < s.Best*(1-p.threshold()) {
		s.Best, s.Bad, s.Seen = val, 0, true
		return lr
	}
	s.Bad++
	if s.Bad <= p.patience() {
		return lr
	}
	s.Bad = 0
	return math.Max(lr*p.factor(), p.minLR())
}
