package hnn

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// loadWeights restores only the Hamiltonian's variables from the checkpoint
// in dir into store, checking that the architecture matches.
func loadWeights(dir string, store *model.Store) error {
	path := filepath.Join(dir, train.CheckpointFile)
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
