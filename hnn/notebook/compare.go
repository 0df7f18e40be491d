package notebook

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Comparison trains this work and the baselines of package baseline on the
// same data and evaluates them the same way: the "comparison to baselines"
// of the system notebooks. Each model's run lives in RunDir(Name + "-" +
// model name), so later cells Load the models instead of retraining.
type Comparison struct {
	// Name prefixes the models' run names, e.g. "double-well".
	Name string
	// Spec holds the fields shared by every model (system, widths, dt, …);
	// each model sets Ansatz, Integrator, Omega, Objective and Rollout.
	Spec hnn.Spec
	// Models are the models compared; nil means baseline.Models().
	Models []baseline.Model
	// Data is the generated data set, shared by all models.
	Data hnn.DataConfig
	// Trainer holds epochs, batch size and learning rate.
	Trainer train.Config
	// Seed seeds the data and every model's weights.
	Seed uint64
}

func (c Comparison) models() []baseline.Model {
	if c.Models == nil {
		return baseline.Models()
	}
	return c.Models
}

// ModelSpec returns the full spec of model m: c.Spec with m applied
// (hnn.Spec.WithBaseline).
func (c Comparison) ModelSpec(m baseline.Model) hnn.Spec { return c.Spec.WithBaseline(m) }

// System returns the system of the comparison's spec.
func (c Comparison) System() (system.System, error) {
	r, err := c.Spec.Resolve()
	return r.System, err
}

// RunName is the run name of model m.
func (c Comparison) RunName(m baseline.Model) string { return c.Name + "-" + m.Name }

// Train generates the data once and trains every model on it in turn,
// showing each one's live progress through display(model label) (nil
// prints progress lines).
func (c Comparison) Train(ctx context.Context, display func(label string) func(html string)) error {
	trainSet, valSet, err := hnn.GenerateData(c.Spec, c.Data, c.Seed)
	if err != nil {
		return err
	}
	for _, m := range c.models() {
		var show func(string)
		if display != nil {
			show = display(m.Label)
		}
		cfg := hnn.TrainConfig{Spec: c.ModelSpec(m), Train: trainSet, Val: valSet, Data: c.Data, Trainer: c.Trainer, Seed: c.Seed}
		if _, _, err := TrainModel(ctx, c.RunName(m), cfg, show); err != nil {
			return fmt.Errorf("%s: %w", m.Label, err)
		}
	}
	return nil
}

// Load reads back every model that Train saved, labelled by the models'
// labels, with their loss histories (for figure.Losses).
func (c Comparison) Load() ([]figure.Labeled, []figure.Loss, error) {
	var out []figure.Labeled
	var losses []figure.Loss
	for _, m := range c.models() {
		model, hist, err := LoadModel(c.RunName(m))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		out = append(out, figure.Labeled{Label: m.Label, Model: model})
		losses = append(losses, figure.Loss{Label: m.Label, History: hist})
	}
	return out, losses, nil
}

// Evaluate scores every loaded model on its system's test sets, for
// ResultsTable and figure.Comparison.
func Evaluate(models []figure.Labeled) ([]figure.Scores, error) {
	var out []figure.Scores
	for _, m := range models {
		r, err := m.Model.Evaluate()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		out = append(out, figure.Scores{Label: m.Label, Results: r})
	}
	return out, nil
}

// HNNCommand builds this module's hnn command (go build; the go command
// caches it) under the runs directory and returns its path: the worker
// processes of bench.Memory run it, since a notebook's own program cannot
// serve as one.
func HNNCommand() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/hnnlab/hnnlab").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("notebook: locating module github.com/hnnlab/hnnlab: %w", err)
	}
	root := strings.TrimSpace(string(out))
	bin := filepath.Join(filepath.Dir(RunDir("x")), "bin", "hnn")
	cmd := exec.Command("go", "build", "-o", bin, "./hnn/cmd/hnn")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("notebook: go build ./hnn/cmd/hnn in %s: %w: %s", root, err, msg)
	}
	return bin, nil
}

// ModelsTable describes the compared models as an HTML table: ansatz,
// integrator, objective, window and reference.
func (c Comparison) ModelsTable() string {
	var rows [][]cell
	for _, m := range c.models() {
		integ := m.Integrator
		if m.Objective != baseline.RolloutObjective {
			integ = "— (no integrator)"
		} else if m.Omega != 0 {
			integ = fmt.Sprintf("%s (ω = %g)", integ, m.Omega)
		}
		ansatz := map[string]string{"mlp": "MLP H(q, p)", "separable": "T(p) + V(q)"}[m.Ansatz]
		rows = append(rows, cells(m.Label, ansatz, integ, m.Objective, fmt.Sprint(c.ModelSpec(m).Rollout), m.Cite))
	}
	return table([]string{"model", "ansatz H", "trained through", "objective", "window N", "reference"}, rows, 6)
}
