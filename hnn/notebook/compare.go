package notebook

import (
	"context"
	"fmt"
	"html"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/eval"
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

// ModelSpec returns the full spec of model m: c.Spec with m's ansatz,
// integrator, objective and window length.
func (c Comparison) ModelSpec(m baseline.Model) hnn.Spec {
	s := c.Spec
	s.Ansatz, s.Integrator, s.Omega, s.Objective = m.Ansatz, m.Integrator, m.Omega, m.Objective
	if m.Rollout != 0 {
		s.Rollout = m.Rollout
	}
	return s
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
// labels, with their histories.
func (c Comparison) Load() ([]*Learned, [][]train.Epoch, error) {
	var out []*Learned
	var hists [][]train.Epoch
	for _, m := range c.models() {
		model, hist, err := LoadModel(c.RunName(m))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.Label, err)
		}
		out = append(out, FromModel(m.Label, model))
		hists = append(hists, hist)
	}
	return out, hists, nil
}

// Evaluate scores every loaded model on the system's test sets and returns
// the labels and results, for ResultsTable and ComparisonFigure.
func (c Comparison) Evaluate(models []*Learned) ([]string, [][]eval.Result, error) {
	sys, _, _, _, err := c.Spec.Build()
	if err != nil {
		return nil, nil, err
	}
	var names []string
	var results [][]eval.Result
	for _, m := range models {
		r, err := m.Evaluate(sys)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		names = append(names, m.Name)
		results = append(results, r)
	}
	return names, results, nil
}

// LossFigures draws every model's validation loss on one log-scale panel.
// (The losses of different objectives are different quantities: compare
// the curves' shapes, not their levels across objectives.)
func LossFigures(names []string, hists [][]train.Epoch) *Figure {
	f := &Figure{PanelW: 460, PanelH: 300}
	p := f.Add("validation loss of each model's own objective", "epoch", "loss")
	p.LogY = true
	for i, h := range hists {
		var ep, va []float64
		for _, e := range h {
			ep = append(ep, float64(e.Epoch))
			va = append(va, e.ValLoss)
		}
		p.Line(names[i], Palette[i%len(Palette)], ep, va)
	}
	return f
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
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-size:13px"><tr>`)
	for _, h := range []string{"model", "ansatz H", "trained through", "objective", "window N", "reference"} {
		fmt.Fprintf(&b, `<th style="text-align:left;padding:2px 8px">%s</th>`, h)
	}
	b.WriteString("</tr>")
	for _, m := range c.models() {
		s := c.ModelSpec(m)
		integ := m.Integrator
		if m.Objective != baseline.RolloutObjective {
			integ = "— (no integrator)"
		} else if m.Omega != 0 {
			integ = fmt.Sprintf("%s (ω = %g)", integ, m.Omega)
		}
		ansatz := map[string]string{"mlp": "MLP H(q, p)", "separable": "T(p) + V(q)"}[m.Ansatz]
		row := []string{m.Label, ansatz, integ, m.Objective, fmt.Sprint(s.WithDefaults().Rollout), m.Cite}
		b.WriteString("<tr>")
		for _, v := range row {
			fmt.Fprintf(&b, `<td style="text-align:left;padding:2px 8px">%s</td>`, html.EscapeString(v))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
