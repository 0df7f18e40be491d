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
	"sync"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/eval"
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

// LoadModel loads the model that TrainModel saved under name, with its history.
func LoadModel(name string) (*hnn.Model, []train.Epoch, error) {
	dir := RunDir(name)
	m, err := hnn.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run the training cell above first)", err)
	}
	hist, err := ReadHistory(dir)
	return m, hist, err
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

// Progress is an io.Writer for train.Config.Progress that turns the
// trainer's per-epoch lines into a live display: a status line and the loss
// curves so far, redrawn after every epoch through display (for GoNB:
// gonbui.UpdateHTML with a fixed id). With a nil display it echoes the
// lines to stdout.
type Progress struct {
	name    string
	display func(string)
	mu      sync.Mutex
	buf     []byte
	status  string
	hist    []train.Epoch
	epochs  int
}

// NewProgress returns a Progress for the run called name.
func NewProgress(name string, display func(html string)) *Progress {
	return &Progress{name: name, display: display, status: "starting …"}
}

// Write implements io.Writer.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexAny(string(p.buf), "\n\r")
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(p.buf[:i]))
		p.buf = p.buf[i+1:]
		if line != "" {
			p.line(line)
		}
	}
	return len(b), nil
}

func (p *Progress) line(line string) {
	if p.display == nil {
		fmt.Println(line)
		return
	}
	if e, total, ok := ParseEpochLine(line); ok {
		p.hist = append(p.hist, e)
		p.epochs = total
	}
	p.status = line
	p.display(p.html(false))
}

// Done shows the final state (and the error, if any).
func (p *Progress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.status = "stopped: " + err.Error()
	} else if len(p.hist) > 0 {
		last := p.hist[len(p.hist)-1]
		p.status = fmt.Sprintf("done: %d epochs, %d steps, %.1f s, final validation loss %.3g", last.Epoch, last.Step, last.Seconds, last.ValLoss)
	}
	if p.display != nil {
		p.display(p.html(true))
	} else if err != nil {
		fmt.Println(p.status)
	}
}

func (p *Progress) html(done bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="font-family:monospace;font-size:12px"><b>%s</b>: %s</div>`, html.EscapeString(p.name), html.EscapeString(p.status))
	if len(p.hist) > 0 {
		// The loss so far, compact (LossFigure shows the learning rate too).
		f := LossFigure(p.hist)
		f.panels = f.panels[:1]
		f.PanelW, f.PanelH = 320, 190
		if !done && p.epochs > 0 {
			f.panels[0].Title = fmt.Sprintf("loss (26), epoch %d / %d", len(p.hist), p.epochs)
		}
		b.WriteString(f.SVG())
	}
	return b.String()
}

// ParseEpochLine parses one of the trainer's per-epoch progress lines
// ("epoch E/T step S train L val V lr R residual X Ns").
func ParseEpochLine(line string) (e train.Epoch, total int, ok bool) {
	var secs string
	n, err := fmt.Sscanf(line, "epoch %d/%d step %d train %g val %g lr %g residual %g %s",
		&e.Epoch, &total, &e.Step, &e.TrainLoss, &e.ValLoss, &e.LR, &e.Residual, &secs)
	if err != nil || n != 8 {
		return train.Epoch{}, 0, false
	}
	e.Seconds, _ = strconv.ParseFloat(strings.TrimSuffix(secs, "s"), 64)
	return e, total, true
}

// ResultsTable renders evaluation results of several models as an HTML
// table: one row per model, one column per domain/test set, mean
// |H_pred − H_true − c| in each cell, the best of each column in bold.
func ResultsTable(names []string, results [][]eval.Result) string {
	var cols []string
	seen := map[string]bool{}
	for _, rs := range results {
		for _, r := range rs {
			k := r.Domain + "/" + r.Set
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	best := map[string]float64{}
	for _, rs := range results {
		for _, r := range rs {
			k := r.Domain + "/" + r.Set
			if v, ok := best[k]; !ok || r.Error < v {
				best[k] = r.Error
			}
		}
	}
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-size:13px"><tr><th style="text-align:left;padding:2px 8px">model</th>`)
	for _, c := range cols {
		fmt.Fprintf(&b, `<th style="padding:2px 8px">%s</th>`, html.EscapeString(c))
	}
	b.WriteString("</tr>")
	for i, rs := range results {
		fmt.Fprintf(&b, `<tr><td style="padding:2px 8px">%s</td>`, html.EscapeString(names[i]))
		byKey := map[string]float64{}
		for _, r := range rs {
			byKey[r.Domain+"/"+r.Set] = r.Error
		}
		for _, c := range cols {
			v, ok := byKey[c]
			switch {
			case !ok:
				b.WriteString(`<td style="padding:2px 8px;text-align:right">–</td>`)
			case v == best[c]:
				fmt.Fprintf(&b, `<td style="padding:2px 8px;text-align:right"><b>%.3g</b></td>`, v)
			default:
				fmt.Fprintf(&b, `<td style="padding:2px 8px;text-align:right">%.3g</td>`, v)
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
