package notebook

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// QuickEnv is the environment variable that selects the notebooks' small
// settings: HNN_NOTEBOOK_QUICK=1 (CI sets it) makes every notebook run in a
// minute or two with fewer trajectories, epochs and rollout steps.
const QuickEnv = "HNN_NOTEBOOK_QUICK"

// RunsEnv names the directory where notebooks write their runs; unset means
// a folder hnnlab-notebooks under the system's temporary directory.
const RunsEnv = "HNN_NOTEBOOK_RUNS"

// Quick reports whether $HNN_NOTEBOOK_QUICK asks for small settings
// ("1", "true", "yes" or "on", in any case).
func Quick() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(QuickEnv))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// Size returns quick in quick mode (see Quick) and full otherwise.
func Size[T any](full, quick T) T {
	if Quick() {
		return quick
	}
	return full
}

// Mode describes the current settings in a line for the notebooks' output.
func Mode() string {
	if Quick() {
		return QuickEnv + "=1: quick mode (small data, few epochs; figures are illustrative, errors are not the paper's)"
	}
	return "full mode (set " + QuickEnv + "=1 for a quick run)"
}

// RunDir returns the directory in which a notebook keeps its run called
// name (checkpoints and metrics.csv, read back by later cells): under
// $HNN_NOTEBOOK_RUNS, or the temporary directory, with a "-quick" suffix in
// quick mode so that the two modes never share a run.
func RunDir(name string) string {
	root := os.Getenv(RunsEnv)
	if root == "" {
		root = filepath.Join(os.TempDir(), "hnnlab-notebooks")
	}
	if Quick() {
		name += "-quick"
	}
	return filepath.Join(root, name)
}

// FreshRunDir is RunDir after removing whatever an earlier run left there.
func FreshRunDir(name string) (string, error) {
	dir := RunDir(name)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// TrainModel trains cfg into the fresh run directory RunDir(name), showing
// live progress through display (nil prints epoch lines on stdout), and
// returns the model and its history. Later cells read it back with
// LoadModel(name).
func TrainModel(ctx context.Context, name string, cfg hnn.TrainConfig, display func(html string)) (*hnn.Model, []train.Epoch, error) {
	dir, err := FreshRunDir(name)
	if err != nil {
		return nil, nil, err
	}
	cfg.Trainer.OutDir = dir
	prog := NewProgress(name, display)
	cfg.Trainer.Progress = prog
	m, hist, err := hnn.Train(ctx, cfg)
	prog.Done(err)
	if err != nil {
		return nil, nil, fmt.Errorf("training %s: %w", name, err)
	}
	return m, hist, nil
}

// LoadModel loads the model that TrainModel saved under name, with its
// history (hnn.Load: a built-in system, or none).
func LoadModel(name string) (*hnn.Model, []train.Epoch, error) {
	return load(name, func(dir string) (*hnn.Model, error) { return hnn.Load(dir) })
}

// LoadModelFor is LoadModel for a model of the user-defined system sys
// (hnn.LoadSystem), which it is scored against.
func LoadModelFor(name string, sys system.System) (*hnn.Model, []train.Epoch, error) {
	return load(name, func(dir string) (*hnn.Model, error) { return hnn.LoadSystem(dir, sys) })
}

func load(name string, read func(dir string) (*hnn.Model, error)) (*hnn.Model, []train.Epoch, error) {
	dir := RunDir(name)
	m, err := read(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run the training cell above first)", err)
	}
	hist, err := ReadHistory(dir)
	return m, hist, err
}

// HTML returns figure f as inline SVG in a div, ready for
// gonbui.DisplayHTML (or, if it cannot be drawn, the error as text).
func HTML(f *plot.Figure) string {
	svg, err := f.SVG()
	if err != nil {
		return `<div style="color:#b00">figure: ` + html.EscapeString(err.Error()) + `</div>`
	}
	return "<div>" + string(svg) + "</div>"
}

// ReadHistory reads the training history from dir/metrics.csv.
func ReadHistory(dir string) ([]train.Epoch, error) {
	f, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	var out []train.Epoch
	for i, r := range rows {
		if i == 0 {
			continue
		}
		if len(r) < 7 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 7", f.Name(), i+1, len(r))
		}
		var v [7]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", f.Name(), i+1, err)
			}
		}
		out = append(out, train.Epoch{Step: int(v[0]), Epoch: int(v[1]), TrainLoss: v[2], ValLoss: v[3], LR: v[4], Residual: v[5], Seconds: v[6]})
	}
	return out, nil
}
