package reproduce

import (
	"fmt"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Recipe is how one model is trained.
type Recipe struct {
	// Epochs, BatchSize and LearningRate are the trainer's (train.Config).
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	// Plateau is the learning-rate schedule; the zero value is train's default.
	Plateau train.Plateau `json:"plateau"`
	// MaxResidual bounds the implicit solve's fixed-point residual
	// (train.Config.MaxResidual); 0 means train's default (1e-3).
	MaxResidual float64 `json:"max_residual,omitempty"`
	// Refine is the largest number of full-batch L-BFGS iterations after
	// the Adam epochs (train.Refine, its defaults otherwise: stopped by the
	// validation loss, the best weights kept); 0 means none.
	Refine int `json:"refine,omitempty"`
}

// Protocol is everything that decides the numbers: data, shared
// architecture, per-model training budgets and the figures' rollouts.
type Protocol struct {
	// Name labels the protocol in table.md ("default", "quick", …).
	Name string `json:"name"`
	// Seeds is the default number of seeds.
	Seeds int `json:"seeds"`
	// Data is the data set generated for every (system, seed) and shared by all models.
	Data hnn.DataConfig `json:"data"`
	// Spec holds the settings shared by all models (widths, activation,
	// dtype, step, rollout length, iterations, predictor); System and the
	// model-specific fields (baseline.Model) are set per run.
	Spec hnn.Spec `json:"spec"`
	// Specs replaces Spec for the systems it names (e.g. another activation
	// for one system, for every model of that system alike).
	Specs map[string]hnn.Spec `json:"specs,omitempty"`
	// Recipes maps "system/model", "model" or "system" to a recipe (looked
	// up in that order); Default serves the others.
	Recipes map[string]Recipe `json:"recipes"`
	Default Recipe            `json:"default"`
	// LongSteps and LongDt are the length and step of the energy rollout
	// (implicit midpoint vs RK4) under the learned H.
	LongSteps int     `json:"long_steps"`
	LongDt    float64 `json:"long_dt"`
	// PhaseTime is the duration of the phase-portrait orbits (step Spec.Dt).
	PhaseTime float64 `json:"phase_time"`
}

// SystemSpec returns the shared settings of the models of system.
func (p *Protocol) SystemSpec(system string) hnn.Spec {
	if s, ok := p.Specs[system]; ok {
		return s
	}
	return p.Spec
}

// Recipe returns the recipe of model on system.
func (p *Protocol) Recipe(system, model string) Recipe {
	if r, ok := p.Recipes[system+"/"+model]; ok {
		return r
	}
	if r, ok := p.Recipes[model]; ok {
		return r
	}
	if r, ok := p.Recipes[system]; ok {
		return r
	}
	return p.Default
}

// DefaultProtocol is `hnn reproduce`'s default, chosen from measurements on
// a 2-core machine to fit in 20 minutes (the README's section "Reproduce
// Table I" gives them):
//
//   - data per system and seed: the paper's 16,384 training trajectories of
//     30 steps, h = 0.01, noise 0.01; 2,048 validation trajectories (the
//     paper has 8,192; they only drive the learning-rate schedule);
//   - every model and system: the paper's MLP widths 16-32-16 with softplus
//     instead of tanh (tanh saturates outside the training box, where the
//     Gaussian test sets reach), float32 (about half the time of float64,
//     the same errors to the digits reported);
//   - batch 512, Adam at lr 0.01 with the plateau schedule, the same for
//     every model; epochs per system: 50 for the double well (its
//     uniform-box error still falls at 40), 40 for Hénon–Heiles (the
//     schedule has annealed the rate to its floor by then), 30 for the
//     coupled oscillator (at 20 this work misses the paper's cells);
//   - 2 seeds.
func DefaultProtocol() Protocol {
	return Protocol{
		Name:    "default",
		Seeds:   2,
		Data:    hnn.DataConfig{Train: 16384, Val: 2048, Steps: 30},
		Spec:    hnn.Spec{Activation: "softplus", DType: "float32"},
		Default: Recipe{Epochs: 50, BatchSize: 512, LearningRate: 0.01},
		Recipes: map[string]Recipe{
			"henon-heiles":       {Epochs: 40, BatchSize: 512, LearningRate: 0.01},
			"coupled-oscillator": {Epochs: 30, BatchSize: 512, LearningRate: 0.01},
		},
		LongSteps: 10000,
		LongDt:    0.1,
		PhaseTime: 10,
	}
}

// QuickProtocol is `hnn reproduce --quick`: a smoke run of the whole
// pipeline (one seed, 2,048 training trajectories, 10 epochs of batch 256,
// 1,000-step rollouts); its numbers are not Table I's.
func QuickProtocol() Protocol {
	return Protocol{
		Name:      "quick",
		Seeds:     1,
		Data:      hnn.DataConfig{Train: 2048, Val: 512, Steps: 30},
		Spec:      hnn.Spec{Activation: "softplus", DType: "float32"},
		Default:   Recipe{Epochs: 10, BatchSize: 256, LearningRate: 0.01},
		Recipes:   map[string]Recipe{},
		LongSteps: 1000,
		LongDt:    0.1,
		PhaseTime: 10,
	}
}

// SweepSystems are the non-separable systems of the observation-step sweep.
var SweepSystems = []string{"coupled-oscillator", "product-oscillator", "double-pendulum"}

// SweepModels are the models of the sweep: this work through the implicit
// midpoint rule (its learned and bias-corrected energies; solved by
// fixed-point sweeps and by Newton steps) and through Gauss–Legendre of
// orders 4 and 6, and every baseline.
var SweepModels = []string{"nssnn", "shnn", "hnn", "separable-leapfrog", "this-work", "this-work-gl4", "this-work-gl6", "this-work-newton"}

// SweepProtocol is the protocol of each step of `hnn reproduce --dt
// h1,h2,…`: smaller than the default so that 5 steps × 3 systems × 7
// models fit in a working session on 2 cores — 4,096 training and 1,024
// validation trajectories of 30 observation steps per system (the same
// initial conditions at every step: the data's streams do not depend on
// it), noise 0.01, float64, softplus, 30 epochs of batch 128 (32 steps an
// epoch, as the default protocol's 16,384 trajectories at batch 512; at
// batch 512 every model was limited by the optimizer), one seed.
// Every model keeps windows of N = 6 observations at every step, so a
// window spans 6·h in time (0.06 to 2.4 for h = 0.01…0.4) and a
// trajectory 30·h: the comparison across h is at a fixed number of noisy
// observations, and the long windows at coarse h are what the integrators'
// biases act on.
func SweepProtocol() Protocol {
	return Protocol{
		Name:      "sweep",
		Seeds:     1,
		Data:      hnn.DataConfig{Train: 4096, Val: 1024, Steps: 30},
		Spec:      hnn.Spec{Activation: "softplus", DType: "float64"},
		Default:   Recipe{Epochs: 30, BatchSize: 128, LearningRate: 0.01},
		Recipes:   map[string]Recipe{},
		LongSteps: 1000,
		LongDt:    0.1,
		PhaseTime: 10,
	}
}

// WithRefine returns p with an L-BFGS stage of at most n iterations after
// Adam in every recipe (Recipe.Refine), named after it, e.g.
// "sweep + L-BFGS 100".
func (p Protocol) WithRefine(n int) Protocol {
	p.Default.Refine = n
	recipes := make(map[string]Recipe, len(p.Recipes))
	for k, r := range p.Recipes {
		r.Refine = n
		recipes[k] = r
	}
	p.Recipes = recipes
	p.Name = fmt.Sprintf("%s + L-BFGS %d", p.Name, n)
	return p
}

// WithDt returns p with observation and integration step h = dt for the data
// and every model (Spec.Dt and every entry of Specs), named after it, e.g.
// "default, h = 0.1". Tao's augmented integrator (NSSNN) and the separable
// leapfrog are explicit second-order splittings whose errors grow with h
// faster than the implicit midpoint rule's; at the paper's h = 0.01 all
// trajectory-trained models see the same data to within the noise.
func (p Protocol) WithDt(dt float64) Protocol {
	p.Spec.Dt = dt
	specs := make(map[string]hnn.Spec, len(p.Specs))
	for k, s := range p.Specs {
		s.Dt = dt
		specs[k] = s
	}
	if len(specs) > 0 {
		p.Specs = specs
	}
	p.Name = fmt.Sprintf("%s, h = %g", p.Name, dt)
	return p
}
