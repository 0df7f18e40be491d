package hnn

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/dirlock"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// The paper's data set, generated when no data are given (DataConfig's defaults).
const (
	DefaultTrainTrajectories = 16384
	DefaultValTrajectories   = 8192
	DefaultSteps             = 30
	DefaultNoise             = 0.01
)

// DataConfig says which data to generate when none are given: the paper's
// data set by default. The zero value of each field means its default.
type DataConfig struct {
	// Train is the number of training trajectories; 0 means DefaultTrainTrajectories (16384).
	Train int
	// Val is the number of validation trajectories; 0 means DefaultValTrajectories (8192).
	Val int
	// Steps is the number of observation steps per trajectory; 0 means DefaultSteps (30).
	Steps int
	// Noise is the observation noise σ; 0 means DefaultNoise (0.01); a
	// negative value means clean data.
	Noise float64
	// Map is the map that generates each observation from the one before:
	// "" for the exact flow (the order-6 reference, internal steps ≤ 0.001),
	// or one of DataMaps, an implicit training integrator's own one-step map
	// of the true H at the observation step, solved to round-off. On clean
	// data of the map a model trains through, the true H is an exact
	// optimum of its loss: what error remains is the optimizer's
	// (README, section Training to the data's limit).
	Map string `json:",omitempty"`
}

// DataMaps lists the valid DataConfig.Map names other than "" (the exact
// flow): the implicit training integrators, whose exact one-step maps are
// the Gauss–Legendre methods of 1, 2 and 3 stages.
var DataMaps = []string{"implicit-midpoint", "gauss-legendre", "gauss-legendre-3"}

// DataMap returns the reference integrator and substeps per observation
// step that generate data of map (DataConfig.Map): the order-6 method with
// the default substeps for "", one step of the s-stage method for the
// implicit integrators.
func DataMap(name string) (integ reference.GaussLegendre, substeps int, err error) {
	switch name {
	case "":
		return reference.GaussLegendre{}, 0, nil
	case "implicit-midpoint":
		return reference.GaussLegendre{Stages: 1}, 1, nil
	case "gauss-legendre":
		return reference.GaussLegendre{Stages: 2}, 1, nil
	case "gauss-legendre-3":
		return reference.GaussLegendre{Stages: 3}, 1, nil
	}
	return reference.GaussLegendre{}, 0, fmt.Errorf("unknown data map %q (valid: the exact flow, or %s)", name, strings.Join(DataMaps, ", "))
}

// WithDefaults returns c with every zero field replaced by its default and
// a negative Noise (clean data) by 0: the data set that is generated.
func (c DataConfig) WithDefaults() DataConfig {
	if c.Train == 0 {
		c.Train = DefaultTrainTrajectories
	}
	if c.Val == 0 {
		c.Val = DefaultValTrajectories
	}
	if c.Steps == 0 {
		c.Steps = DefaultSteps
	}
	switch {
	case c.Noise == 0:
		c.Noise = DefaultNoise
	case c.Noise < 0:
		c.Noise = 0
	}
	return c
}

// GenerateData generates the training and validation trajectories for spec
// (its built-in system and step) with seed.
func GenerateData(spec Spec, cfg DataConfig, seed uint64) (trainSet, valSet *data.Trajectories, err error) {
	return GenerateDataContext(context.Background(), spec, cfg, seed)
}

// GenerateDataContext is GenerateData, stopping with ctx's error when ctx is cancelled.
func GenerateDataContext(ctx context.Context, spec Spec, cfg DataConfig, seed uint64) (trainSet, valSet *data.Trajectories, err error) {
	r, err := spec.Resolve()
	if err != nil {
		return nil, nil, err
	}
	return generate(ctx, r, cfg, seed)
}

func generate(ctx context.Context, r Resolved, cfg DataConfig, seed uint64) (trainSet, valSet *data.Trajectories, err error) {
	if r.System == nil {
		return nil, nil, errors.New("hnn: no data given, and a model without a system has none to generate them from")
	}
	cfg = cfg.WithDefaults()
	integ, substeps, err := DataMap(cfg.Map)
	if err != nil {
		return nil, nil, err
	}
	all, err := data.GenerateContext(ctx, r.System, data.GenerateConfig{Trajectories: cfg.Train + cfg.Val, Steps: cfg.Steps, Dt: r.Spec.Dt, Noise: cfg.Noise, Seed: seed,
		Integrator: integ, Substeps: substeps})
	if err != nil {
		return nil, nil, err
	}
	trainSet, valSet = all.Split(cfg.Val)
	return trainSet, valSet, nil
}

// RunInfo is what Train stores in the checkpoint besides the trainer's
// state: enough to rebuild the model and to resume the run with the same data
// and settings.
type RunInfo struct {
	Spec Spec `json:"spec"`
	// Gradient is the gradient method's name (gradient.ByName).
	Gradient string `json:"gradient"`
	// Seed initialised the weights and seeds data generation and order.
	Seed uint64 `json:"seed"`
	// Data configured the generated data (when DataFile is empty).
	Data DataConfig `json:"data"`
	// DataFile is the file the data came from, if any (recorded by callers
	// that read one, such as hnn train --data), as an absolute path.
	DataFile string `json:"data_file,omitempty"`
	// DataSHA256 identifies the data the run trains on, generated or given:
	// the SHA-256 of the training and validation sets' content
	// (data.Trajectories.Hash). A resumed run checks that its data are the same.
	DataSHA256 string `json:"data_sha256,omitempty"`
	// ValFraction is the fraction of DataFile's trajectories held out (the
	// last ones), or ValTime the fraction of its time span (the end of the
	// recording, data.Trajectories.SplitTime).
	ValFraction float64 `json:"val_fraction,omitempty"`
	ValTime     float64 `json:"val_time,omitempty"`
	// Epochs, BatchSize and LearningRate are the trainer's settings.
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	// Refine is the trainer's refinement stage (train.Refine; zero: none),
	// restored on resume so that an interrupted stage finishes.
	Refine train.Refine `json:"refine,omitzero"`
}

// ReadRunInfo reads the RunInfo of the run saved in dir.
func ReadRunInfo(dir string) (RunInfo, error) {
	var run RunInfo
	err := train.ReadRun(dir, &run)
	return run, err
}

// TrainConfig configures Train. The zero value of each field means its default.
type TrainConfig struct {
	// Spec describes the model.
	Spec Spec
	// System is the system the data come from; nil means the built-in
	// system Spec.System names (or none, for NoSystem). A user-defined
	// system (e.g. a system.Func) goes here; its Name is recorded in the
	// spec, and LoadSystem reads the model back with it.
	System system.System
	// Train and Val are the data; nil means data generated from the system
	// (GenerateData with Data and Seed). Given data fix the step: a zero
	// Spec.Dt means their Dt, a different one is an error.
	Train, Val *data.Trajectories
	// Data configures generated data when Train is nil.
	Data DataConfig
	// Method computes gradients; nil means gradient.Backprop{} (on Resume: the
	// run's method, which a non-nil Method must equal).
	Method gradient.Method
	// Trainer holds epochs, batch size, learning rate, schedule, output
	// directory and progress writer; its Seed, DType and Run are set by Train.
	Trainer train.Config
	// Seed initialises the weights and seeds data generation and order.
	Seed uint64
	// Shards is gradient.Problem.Shards: the batch shards integrated as
	// independent graph branches, so that one training keeps several cores
	// busy; 0 means automatic (2 on the pure-Go backend with ≥ 2 cores), 1
	// none (the better choice when several trainings share the cores).
	Shards int
	// Resume continues the run whose checkpoint is in Trainer.OutDir, with
	// the spec, seed, data and trainer settings recorded there (Trainer.Epochs,
	// when set, may extend the run). Without Resume, an output directory
	// that already holds a run is an error.
	Resume bool
	// DataFile and ValFraction or ValTime (how the validation set was held
	// out) are recorded in the run's metadata when the caller read Train
	// and Val from a file; on Resume, the data must be the run's.
	DataFile    string
	ValFraction float64
	ValTime     float64
}

// ErrOutputDir is returned (wrapped) by Train when its output directory
// cannot be used: it is a file, cannot be created or written, or another
// process trains in it (dirlock.ErrLocked).
var ErrOutputDir = errors.New("unusable output directory")

// ErrRunExists is returned (wrapped) by Train when its output directory
// already holds a run and TrainConfig.Resume is not set.
var ErrRunExists = errors.New("the output directory already holds a run")

// ErrResumeMismatch is returned (wrapped) by Train when a resumed run would
// not continue the run that was started: other data, or data changed since.
var ErrResumeMismatch = errors.New("the resumed run differs from the run that was started")

// dataHash identifies a training and a validation set together; it stops
// with ctx's error when ctx is done (hashing a large data set takes seconds).
func dataHash(ctx context.Context, trainSet, valSet *data.Trajectories) (string, error) {
	a, err := trainSet.HashContext(ctx)
	if err != nil {
		return "", err
	}
	b, err := valSet.HashContext(ctx)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte("train " + a + " val " + b))
	return hex.EncodeToString(h[:]), nil
}

// checkResumeData returns an error unless the data of a resumed run, about
// to be trained on, are those it started with (got is their dataHash).
func checkResumeData(run RunInfo, dataFile string, trainSet, valSet *data.Trajectories, got string) error {
	if run.DataSHA256 == "" { // a run recorded before data identities: the file's path only
		if run.DataFile != "" && dataFile != "" && dataFile != run.DataFile {
			return fmt.Errorf("%w: the run trained on %s, not %s", ErrResumeMismatch, run.DataFile, dataFile)
		}
		return nil
	}
	if got != run.DataSHA256 {
		was := "data generated from its system (seed " + fmt.Sprint(run.Seed) + ")"
		if run.DataFile != "" {
			was = run.DataFile
		}
		now := cmp.Or(dataFile, "the data given")
		if run.DataFile == "" && dataFile == "" && trainSet != nil {
			now = "the data given in memory"
		}
		return fmt.Errorf("%w: the run trained on %s (sha256 %.12s…), but %s hold other data (%d training + %d validation trajectories, sha256 %.12s…): give the run its own data, or start a new run in another directory",
			ErrResumeMismatch, was, run.DataSHA256, now, trainSet.N(), valSet.N(), got)
	}
	return nil
}

// Train fits a model and returns it with its history: the Adam epochs of
// cfg.Trainer, then the full-batch L-BFGS stage when cfg.Trainer.Refine asks
// for one (the model holds the weights it kept, those of the lowest
// validation loss; train.ReadRefinement reads the stage's record from
// Trainer.OutDir, the history is the Adam epochs only). With Trainer.OutDir
// set, the checkpoint there can be read back with Load (or LoadSystem, for
// a user-defined system).
func Train(ctx context.Context, cfg TrainConfig) (*Model, []train.Epoch, error) {
	spec := cfg.Spec
	var resumed *RunInfo
	if dir := cfg.Trainer.OutDir; dir != "" {
		// One training per directory at a time, found out before any work.
		lock, err := dirlock.Acquire(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("hnn: %w %s: %w", ErrOutputDir, dir, err)
		}
		defer lock.Unlock()
		atomicfile.CleanTemp(dir) // what a killed write left behind
		_, statErr := os.Stat(filepath.Join(dir, train.CheckpointFile))
		if statErr == nil && !cfg.Resume {
			return nil, nil, fmt.Errorf("hnn: %s: %w; resume it or choose another directory", dir, ErrRunExists)
		}
	}
	if cfg.Resume {
		if cfg.Trainer.OutDir == "" {
			return nil, nil, errors.New("hnn: resume needs an output directory")
		}
		run, err := ReadRunInfo(cfg.Trainer.OutDir)
		if err != nil {
			return nil, nil, err
		}
		resumed = &run
		if run.Gradient != "" {
			m, err := gradient.ByName(run.Gradient)
			if err != nil {
				return nil, nil, fmt.Errorf("hnn: resuming %s: %w", cfg.Trainer.OutDir, err)
			}
			if cfg.Method != nil && cfg.Method.String() != m.String() {
				return nil, nil, fmt.Errorf("hnn: resuming %s: %w: the run computes gradients with %s, not %s", cfg.Trainer.OutDir, ErrResumeMismatch, m, cfg.Method)
			}
			cfg.Method = m
		}
		spec, cfg.Seed, cfg.Data = run.Spec, run.Seed, run.Data
		cfg.ValFraction, cfg.ValTime = run.ValFraction, run.ValTime
		cfg.Trainer.BatchSize, cfg.Trainer.LearningRate = run.BatchSize, run.LearningRate
		if cfg.Trainer.Epochs == 0 {
			cfg.Trainer.Epochs = run.Epochs
		}
		if cfg.Trainer.Refine == (train.Refine{}) {
			cfg.Trainer.Refine = run.Refine
		}
	}
	dataFile := cfg.DataFile
	if dataFile != "" {
		abs, err := filepath.Abs(dataFile)
		if err != nil {
			return nil, nil, fmt.Errorf("hnn: data: %w", err)
		}
		dataFile = abs
	}
	if spec.System == NoSystem && spec.Dim == 0 && cfg.Train != nil {
		spec.Dim = cfg.Train.Dim
	}
	if cfg.Train != nil {
		// Given data fix the step: the model's Spec.Dt is theirs.
		if spec.Dt == 0 {
			spec.Dt = cfg.Train.Dt
		}
		for _, set := range []struct {
			name string
			t    *data.Trajectories
		}{{"training", cfg.Train}, {"validation", cfg.Val}} {
			if set.t != nil && !sameStep(set.t.Dt, spec.Dt) {
				return nil, nil, fmt.Errorf("hnn: the %s data are observed at the step %g, the model's Spec.Dt is %g (set it to the data's step, or leave it zero to take theirs)", set.name, set.t.Dt, spec.Dt)
			}
		}
	}
	r, err := spec.ResolveWith(cfg.System)
	if err != nil {
		return nil, nil, err
	}
	m, err := newModel(r, cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	problem := r.Problem
	problem.Shards = cfg.Shards
	trainSet, valSet := cfg.Train, cfg.Val
	if trainSet == nil {
		progressf(cfg.Trainer.Progress, "generating %s data …\n", r.Spec.System)
		if trainSet, valSet, err = generate(ctx, r, cfg.Data, cfg.Seed); err != nil {
			return nil, nil, err
		}
	}
	if valSet == nil {
		return nil, nil, errors.New("hnn: training data given without validation data")
	}
	hash, err := dataHash(ctx, trainSet, valSet)
	if err != nil {
		return nil, nil, err
	}
	if resumed != nil {
		if err := checkResumeData(*resumed, dataFile, trainSet, valSet, hash); err != nil {
			return nil, nil, fmt.Errorf("hnn: resuming %s: %w", cfg.Trainer.OutDir, err)
		}
	}
	if trainSet.Dim != m.Dim() || valSet.Dim != m.Dim() {
		return nil, nil, fmt.Errorf("hnn: the data have d = %d (validation: %d) degrees of freedom, system %s has %d", trainSet.Dim, valSet.Dim, r.Spec.System, m.Dim())
	}
	tc := cfg.Trainer
	tc.Seed = cfg.Seed
	tc.DType = r.DType
	method := cfg.Method
	if method == nil {
		method = gradient.Backprop{}
	}
	tc.Run = RunInfo{Spec: r.Spec, Gradient: method.String(), Seed: cfg.Seed, Data: cfg.Data,
		DataFile: dataFile, DataSHA256: hash, ValFraction: cfg.ValFraction, ValTime: cfg.ValTime,
		Epochs: tc.Epochs, BatchSize: tc.BatchSize, LearningRate: tc.LearningRate, Refine: tc.Refine}
	tr, err := train.New(m.backend, m.Store, problem, method, tc)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Resume {
		if err := tr.Resume(tc.OutDir); err != nil {
			return nil, nil, err
		}
	}
	hist, err := tr.Fit(ctx, trainSet, valSet)
	return m, hist, err
}

// sameStep reports whether two time steps agree to a relative 1e-9 (the
// steps of a CSV file's time column are differences of decimal times).
func sameStep(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
