package reproduce

import (
	"github.com/hnnlab/hnnlab/hnn"
)

// DefaultProtocol is `hnn reproduce`'s default: the paper's data set
// (16,384 training and 8,192 validation trajectories of 30 steps, h = 0.01,
// noise 0.01) for every system and seed, the paper's MLP 16-32-16 tanh for
// every model, batch 512, Adam at lr 0.01 with the plateau schedule.
func DefaultProtocol() Protocol {
	return Protocol{
		Name:      "default",
		Seeds:     3,
		Data:      hnn.DataConfig{Train: 16384, Val: 8192, Steps: 30},
		Spec:      hnn.Spec{},
		Default:   Recipe{Epochs: 50, BatchSize: 512, LearningRate: 0.01},
		Recipes:   map[string]Recipe{},
		LongSteps: 10000,
		LongDt:    0.1,
		PhaseTime: 10,
	}
}

// QuickProtocol is `hnn reproduce --quick`: a smoke run of the whole
// pipeline (one seed, 2,048 training trajectories, 10 epochs, 1,000-step
// rollouts); its numbers are not Table I's.
func QuickProtocol() Protocol {
	return Protocol{
		Name:      "quick",
		Seeds:     1,
		Data:      hnn.DataConfig{Train: 2048, Val: 1024, Steps: 30},
		Default:   Recipe{Epochs: 10, BatchSize: 256, LearningRate: 0.01},
		Recipes:   map[string]Recipe{},
		LongSteps: 1000,
		LongDt:    0.1,
		PhaseTime: 10,
	}
}
