package reproduce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// dataSets generates each (system, seed)'s data once, on first use.
type dataSets struct {
	proto *Protocol
	mu    sync.Mutex
	sets  map[string]*dataEntry
}

type dataEntry struct {
	once       sync.Once
	train, val *data.Trajectories
	err        error
}

func newDataSets(p *Protocol) *dataSets { return &dataSets{proto: p, sets: map[string]*dataEntry{}} }

func (d *dataSets) get(ctx context.Context, sys string, seed uint64) (*data.Trajectories, *data.Trajectories, error) {
	key := fmt.Sprintf("%s/%d", sys, seed)
	d.mu.Lock()
	e, ok := d.sets[key]
	if !ok {
		e = &dataEntry{}
		d.sets[key] = e
	}
	d.mu.Unlock()
	e.once.Do(func() {
		spec := d.proto.SystemSpec(sys)
		spec.System = sys
		e.train, e.val, e.err = hnn.GenerateDataContext(ctx, spec, d.proto.Data, seed)
	})
	return e.train, e.val, e.err
}

// ResultFile is the file, in each run's directory, that marks a finished
// training: its RunResult, written once the training and its evaluation
// are done.
const ResultFile = "result.json"

// ErrOtherRun is returned (wrapped) when a run directory holds a training of
// another protocol (spec, recipe, data or seed), which Run neither reuses
// nor deletes unless Config.Force.
var ErrOtherRun = errors.New("the run directory holds a training of another protocol")

// sameRun reports whether the finished run r was trained as spec, rec and
// data with seed prescribe; the second result names the first difference.
func sameRun(r RunResult, spec hnn.Spec, rec Recipe, data hnn.DataConfig, seed uint64) (bool, string) {
	a, _ := json.Marshal(r.Spec.WithDefaults())
	b, _ := json.Marshal(spec.WithDefaults())
	switch {
	case string(a) != string(b):
		return false, fmt.Sprintf("spec %s, want %s", a, b)
	case r.Recipe != rec:
		return false, fmt.Sprintf("recipe %+v, want %+v", r.Recipe, rec)
	case r.Data != data:
		return false, fmt.Sprintf("data %+v, want %+v", r.Data, data)
	case r.Seed != seed:
		return false, fmt.Sprintf("seed %d, want %d", r.Seed, seed)
	}
	return true, ""
}

// trainOne trains model m on system sys with seed; shards is
// hnn.TrainConfig.Shards. A run already finished in its directory (its
// ResultFile) is reused, an interrupted one (a checkpoint without a result)
// is resumed exactly; nothing is deleted, except, with force, a run of
// another protocol. reused reports a finished run that was not retrained.
func trainOne(ctx context.Context, p *Protocol, ds *dataSets, sys string, m baseline.Model, seed uint64, outDir string, shards int, force bool) (res RunResult, model *hnn.Model, reused bool, err error) {
	spec := specFor(p, sys, m)
	rec := p.Recipe(sys, m.Name)
	rel := filepath.Join("runs", sys, m.Name, fmt.Sprintf("seed%d", seed))
	dir := filepath.Join(outDir, rel)
	if b, err := os.ReadFile(filepath.Join(dir, ResultFile)); err == nil {
		var r RunResult
		if err := json.Unmarshal(b, &r); err != nil {
			return RunResult{}, nil, false, fmt.Errorf("%s: %w (delete the file to retrain this run)", filepath.Join(dir, ResultFile), err)
		}
		if ok, why := sameRun(r, spec, rec, p.Data, seed); ok {
			r.Dir = filepath.ToSlash(rel)
			if r.Failure != "" { // a failed training, recorded: not retried
				return r, nil, true, nil
			}
			model, err := hnn.Load(dir)
			if err != nil {
				return RunResult{}, nil, false, err
			}
			r.Dir = filepath.ToSlash(rel)
			return r, model, true, nil
		} else if !force {
			return RunResult{}, nil, false, fmt.Errorf("%s: %w (%s): use --force to retrain it, or another output directory", dir, ErrOtherRun, why)
		}
		if err := os.RemoveAll(dir); err != nil {
			return RunResult{}, nil, false, err
		}
	}
	resume := false
	if run, err := hnn.ReadRunInfo(dir); err == nil {
		a, _ := json.Marshal(run.Spec.WithDefaults())
		r, _ := spec.Resolve()
		b, _ := json.Marshal(r.Spec)
		switch {
		case string(a) == string(b) && run.Seed == seed && run.Epochs == rec.Epochs:
			resume = true
		case !force:
			return RunResult{}, nil, false, fmt.Errorf("%s: %w (an interrupted training with spec %s, want %s): use --force to retrain it, or another output directory", dir, ErrOtherRun, a, b)
		default:
			if err := os.RemoveAll(dir); err != nil {
				return RunResult{}, nil, false, err
			}
		}
	}
	trainSet, valSet, err := ds.get(ctx, sys, seed)
	if err != nil {
		return RunResult{}, nil, false, err
	}
	t0 := time.Now()
	model, hist, err := hnn.Train(ctx, hnn.TrainConfig{Spec: spec, Train: trainSet, Val: valSet, Data: p.Data, Seed: seed, Shards: shards, Resume: resume,
		Trainer: train.Config{Epochs: rec.Epochs, BatchSize: rec.BatchSize, LearningRate: rec.LearningRate, Plateau: rec.Plateau,
			MaxResidual: rec.MaxResidual, Refine: train.Refine{Iterations: rec.Refine}, OutDir: dir}})
	if errors.Is(err, train.ErrSolverDiverged) || errors.Is(err, train.ErrNonFinite) {
		// A health stop is a result of the protocol (e.g. the implicit
		// solve at a coarse step): recorded, and the other runs go on.
		r := RunResult{System: sys, Model: m.Name, Seed: seed, Spec: spec, Recipe: rec, Data: p.Data,
			Seconds: time.Since(t0).Seconds(), History: hist, Dir: filepath.ToSlash(rel), Failure: err.Error()}
		if len(hist) > 0 {
			r.Steps = hist[len(hist)-1].Step
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return RunResult{}, nil, false, err
		}
		if err := writeJSON(filepath.Join(dir, ResultFile), r); err != nil {
			return RunResult{}, nil, false, err
		}
		return r, nil, false, nil
	}
	if err != nil {
		return RunResult{}, nil, false, err
	}
	secs := time.Since(t0).Seconds()
	if resume && len(hist) > 0 {
		secs = hist[len(hist)-1].Seconds // the run's training time, before and after the interruption
	}
	errs, err := model.Evaluate()
	if err != nil {
		return RunResult{}, nil, false, err
	}
	if model.Correction() != "" {
		corr, err := model.EvaluateCorrected()
		if err != nil {
			return RunResult{}, nil, false, err
		}
		errs = append(errs, corr...)
	}
	r := RunResult{System: sys, Model: m.Name, Seed: seed, Spec: spec, Recipe: rec, Data: p.Data, Architecture: model.Hamiltonian.String(),
		Seconds: secs, History: hist, Errors: errs, Dir: filepath.ToSlash(rel)}
	if len(hist) > 0 {
		r.Steps = hist[len(hist)-1].Step
	}
	r.GaussianOutside.Share, r.GaussianOutside.Error, err = gaussianOutside(model)
	if err != nil {
		return RunResult{}, nil, false, err
	}
	if err := writeJSON(filepath.Join(dir, ResultFile), r); err != nil {
		return RunResult{}, nil, false, err
	}
	return r, model, false, nil
}

// gaussianOutside splits the primary domain's Gaussian-set error into the
// part of the points outside the evaluation box.
func gaussianOutside(m *hnn.Model) (share, contribution float64, err error) {
	d := m.System.Domains()[0]
	g := eval.Sets(d, eval.DefaultSeed)[2]
	pred, err := m.Energy(g.Points)
	if err != nil {
		return 0, 0, err
	}
	errs, _ := eval.PointErrors(pred, eval.TrueEnergy(m.System, g.Points))
	n := 0
	for i, y := range g.Points {
		if !d.Box.Contains(y) {
			n++
			contribution += errs[i]
		}
	}
	return float64(n) / float64(len(g.Points)), contribution / float64(len(g.Points)), nil
}
