package hnn

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Load reads the model saved by Train in dir. Its System is the built-in
// system its spec names; for a model of a user-defined system it is nil (the
// learned energy and its flow work, Evaluate says what is missing): read
// such a model with LoadSystem.
func Load(dir string) (*Model, error) {
	run, err := ReadRunInfo(dir)
	if err != nil {
		return nil, err
	}
	return load(dir, run.Spec, nil)
}

// LoadSystem reads the model saved by Train in dir for the system sys (e.g.
// the user-defined system.Func it was trained on), which must carry the
// name and dimension recorded in the run.
func LoadSystem(dir string, sys system.System) (*Model, error) {
	if sys == nil {
		return nil, errors.New("hnn: LoadSystem needs a system (Load reads a model of a built-in system)")
	}
	run, err := ReadRunInfo(dir)
	if err != nil {
		return nil, err
	}
	return load(dir, run.Spec, sys)
}

func load(dir string, spec Spec, sys system.System) (*Model, error) {
	path := filepath.Join(dir, train.CheckpointFile)
	r, err := spec.resolve(sys, true)
	if err != nil {
		return nil, fmt.Errorf("hnn: %s: %w", path, err)
	}
	m, err := newModel(r, 0)
	if err != nil {
		return nil, err
	}
	if err := loadWeights(path, m.Store); err != nil {
		return nil, err
	}
	return m, nil
}

// loadWeights restores only the Hamiltonian's variables from the checkpoint
// at path into store, checking that the architecture matches.
func loadWeights(path string, store *model.Store) error {
	vars, err := checkpoint.Read(path, nil)
	if err != nil {
		return err
	}
	prefix := "/" + gradient.ScopeName + "/"
	var keep []checkpoint.Variable
	for _, v := range vars {
		if strings.HasPrefix(v.Path, prefix) {
			if store.GetVariable(v.Path) == nil {
				return fmt.Errorf("hnn: %s: variable %s is not part of the model described by its spec (corrupt checkpoint or another architecture)", path, v.Path)
			}
			keep = append(keep, v)
		}
	}
	if n := len(gradient.TrainableVariables(store)); len(keep) != n {
		return fmt.Errorf("hnn: %s holds %d of the model's %d weight tensors (corrupt checkpoint or another architecture)", path, len(keep), n)
	}
	if err := checkpoint.Restore(store, keep); err != nil {
		return fmt.Errorf("hnn: %s: %w", path, err)
	}
	return nil
}
