package train

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
)

// Trajectories is the view of a data set the trainer needs: Count
// trajectories, trajectory i has Length(i) observed states, each of length 2d,
// at a uniform time step.
type Trajectories interface {
	Count() int
	Length(i int) int
	// State returns observed state j of trajectory i; the trainer does not modify it.
	State(i, j int) []float64
}

// Defaults of Config. The learning rate is the authors' code's (0.01; the
// paper's text says 1e-3, which with 32 steps per epoch of the paper's data
// set needs many times more epochs); 50 epochs let the plateau schedule
// anneal it to the scale where the learned H gets accurate (the README's
// section "Train and evaluate" has the measurements).
const (
	DefaultEpochs       = 50
	DefaultBatchSize    = 512
	DefaultLearningRate = 0.01
	DefaultMaxResidual  = 1e-3
)

// MaxLearningRate bounds Config.LearningRate: Adam's steps are about the
// learning rate in size, and a step of the order of the weights themselves
// only destroys them.
const MaxLearningRate = 1

// Config are the trainer's settings. The zero value of each field means its default.
type Config struct {
	// Epochs is the number of passes over the training trajectories; 0 means DefaultEpochs (50).
	Epochs int
	// BatchSize is the number of windows per step, capped at the windows of
	// an epoch; 0 means DefaultBatchSize (512), or less for small data sets
	// (see MinStepsPerEpoch).
	BatchSize int
	// LearningRate is Adam's initial learning rate, at most MaxLearningRate;
	// 0 means DefaultLearningRate (0.01).
	LearningRate float64
	// Plateau configures the learning-rate schedule.
	Plateau Plateau
	// Seed seeds the data order and window starts; runs with equal seeds are identical.
	Seed uint64
	// DType is the dtype of the windows, Float64 or Float32; the zero value means Float64.
	// It must match the dtype of the model's variables.
	DType dtypes.DType
	// MaxResidual is the largest fixed-point residual accepted before the run
	// stops with ErrSolverDiverged; 0 means DefaultMaxResidual (1e-3).
	MaxResidual float64
	// OutDir receives checkpoint.json and metrics.csv; "" writes nothing.
	OutDir string
	// CheckpointEvery writes a checkpoint every that many steps as well as at
	// the end of every epoch (and, in the refinement stage, every that many
	// L-BFGS iterations); 0 means at epoch ends only.
	CheckpointEvery int
	// Progress receives a progress bar (when it is a terminal) or one line
	// per epoch; nil means silent.
	Progress io.Writer
	// Run is caller metadata stored in every checkpoint (e.g. the system and
	// the architecture), read back with ReadRun.
	Run any
	// Refine configures the full-batch L-BFGS stage after the Adam epochs;
	// the zero value means none (see Refine).
	Refine Refine
}

func (c Config) epochs() int          { return cmp.Or(c.Epochs, DefaultEpochs) }
func (c Config) lr() float64          { return cmp.Or(c.LearningRate, DefaultLearningRate) }
func (c Config) maxResidual() float64 { return cmp.Or(c.MaxResidual, DefaultMaxResidual) }
func (c Config) dtype() dtypes.DType {
	if c.DType == dtypes.InvalidDType {
		return dtypes.Float64
	}
	return c.DType
}

// Check returns an error naming the first invalid setting.
func (c Config) Check() error {
	switch {
	case c.Epochs < 0:
		return fmt.Errorf("epochs must be ≥ 1, got %d", c.Epochs)
	case c.BatchSize < 0:
		return fmt.Errorf("batch size must be ≥ 1, got %d", c.BatchSize)
	case c.LearningRate < 0 || !(c.LearningRate <= MaxLearningRate):
		return fmt.Errorf("learning rate must be in (0, %g], got %g", float64(MaxLearningRate), c.LearningRate)
	case c.MaxResidual < 0 || math.IsNaN(c.MaxResidual):
		return fmt.Errorf("max residual must be positive, got %g", c.MaxResidual)
	case c.CheckpointEvery < 0:
		return fmt.Errorf("checkpoint interval must be ≥ 0, got %d", c.CheckpointEvery)
	case c.DType != dtypes.InvalidDType && c.DType != dtypes.Float64 && c.DType != dtypes.Float32:
		return fmt.Errorf("dtype must be float64 or float32, got %s", c.DType)
	}
	if err := c.Refine.check(); err != nil {
		return err
	}
	return c.Plateau.check()
}

// Errors that stop a run; test with errors.Is.
var (
	ErrSolverDiverged = errors.New("the implicit solver did not converge")
	ErrNonFinite      = errors.New("loss is not finite")
)

// Epoch is one row of the training history (and of metrics.csv).
type Epoch struct {
	Step      int     `json:"step"`
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
	LR        float64 `json:"lr"`
	Residual  float64 `json:"residual"`
	Seconds   float64 `json:"seconds"`
}

// state is everything besides the store that a checkpoint must hold to
// resume exactly.
type state struct {
	Epoch     int       `json:"epoch"`      // epochs completed
	Batch     int       `json:"batch"`      // batches of the current epoch completed
	Step      int       `json:"step"`       // optimizer steps completed
	Perm      []int     `json:"perm"`       // current epoch's window order (indices into the epoch's windows)
	RNG       []byte    `json:"rng"`        // PCG state after the last drawn batch
	SumLoss   float64   `json:"sum_loss"`   // running sum of this epoch's batch losses
	MaxRes    float64   `json:"max_res"`    // largest residual this epoch
	LR        float64   `json:"lr"`         // current learning rate
	Plateau   plateauSt `json:"plateau"`    // schedule state
	History   []Epoch   `json:"history"`    // completed epochs
	Elapsed   float64   `json:"elapsed"`    // training seconds so far
	BatchSize int       `json:"batch_size"` // effective batch size
	Refine    refineSt  `json:"refine"`     // the refinement stage's record
}

type meta struct {
	Run     json.RawMessage `json:"run"`
	Trainer state           `json:"trainer"`
}

// CheckpointFile is the checkpoint's file name inside Config.OutDir.
const CheckpointFile = "checkpoint.json"

// MetricsFile is the metrics log's file name inside Config.OutDir.
const MetricsFile = "metrics.csv"

// Trainer fits the model of a gradient.Problem.
type Trainer struct {
	backend compute.Backend
	store   *model.Store
	problem gradient.Problem
	method  gradient.Method
	cfg     Config
	comp    gradient.Computer
	lrVar   *model.Variable
	st      state
	rng     *rand.PCG
}

// New returns a trainer for problem whose model variables live in store
// (under gradient.HamiltonianScope, already initialised), computing
// gradients with method (nil means gradient.Backprop{}).
func New(backend compute.Backend, store *model.Store, problem gradient.Problem, method gradient.Method, cfg Config) (*Trainer, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if err := problem.Check(); err != nil {
		return nil, err
	}
	if method == nil {
		method = gradient.Backprop{}
	}
	if len(gradient.TrainableVariables(store)) == 0 {
		return nil, errors.New("train: the store has no trainable variables under scope " + gradient.ScopeName + " (initialise the model first)")
	}
	t := &Trainer{backend: backend, store: store, problem: problem, method: method, cfg: cfg}
	root := store.RootScope()
	t.lrVar = optimizer.LearningRateVar(root, cfg.dtype(), cfg.lr())
	adam := optimizer.Adam().Done().(interface {
		UpdateGraphWithGradients(*model.Scope, []*Node, dtypes.DType)
	})
	update := func(root *model.Scope, grads []*Node, lossDType dtypes.DType) {
		adam.UpdateGraphWithGradients(root, grads, lossDType)
	}
	var err error
	if t.comp, err = method.Compile(backend, store, problem, update); err != nil {
		return nil, fmt.Errorf("train: compiling %s: %w", method, err)
	}
	t.rng = rand.NewPCG(cfg.Seed, 0x5eed)
	t.st = state{LR: cfg.lr(), Epoch: 0, Batch: 0}
	return t, nil
}

// Resume restores the trainer's state (weights, optimizer, schedule, data
// position and random state) from the checkpoint in dir. The trainer must
// have been built with the same problem, model and configuration. A
// checkpoint that is corrupt (checksum), inconsistent (a negative count, a
// learning rate that is not positive and finite, a negative second moment of
// Adam's), incomplete (missing one of the model's variables, or the
// optimizer's moments after the first step, without which the run would not
// continue exactly) or of another architecture (a variable's shape) is an
// error naming what is wrong, matching checkpoint.ErrInvalid; Fit checks the
// data position against the data.
func (t *Trainer) Resume(dir string) error {
	var m meta
	path := filepath.Join(dir, CheckpointFile)
	vars, err := checkpoint.Read(path, &m)
	if err != nil {
		return err
	}
	if err := m.check(vars); err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	if err := modelComplete(t.store, vars); err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	if err := checkpoint.Restore(t.store, vars); err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	if err := t.rng.UnmarshalBinary(m.Trainer.RNG); err != nil {
		return fmt.Errorf("train: %s: random state: %w", path, err)
	}
	t.st = m.Trainer
	t.setLR(t.st.LR)
	return nil
}

// check validates what a checkpoint holds besides the weights: the trainer
// state (the data-dependent parts are checked by Fit) and, after the first
// step, the optimizer's state for every trained variable. Its errors match
// checkpoint.ErrInvalid.
func (m meta) check(vars []checkpoint.Variable) error {
	if err := m.Trainer.check(); err != nil {
		return fmt.Errorf("%w: %w", checkpoint.ErrInvalid, err)
	}
	if m.Trainer.Step > 0 {
		var trained []string
		for _, v := range vars {
			if strings.HasPrefix(v.Path, "/"+gradient.ScopeName+"/") && v.Trainable {
				trained = append(trained, v.Path)
			}
		}
		if err := optimizerComplete(vars, trained); err != nil {
			return fmt.Errorf("%w: %w; the run cannot continue exactly", checkpoint.ErrInvalid, err)
		}
	}
	if err := optimizerValid(vars); err != nil {
		return fmt.Errorf("%w: %w", checkpoint.ErrInvalid, err)
	}
	return nil
}

// optimizerValid reports an error naming the first of vars that Adam could
// not have written: a negative second moment or step count (checkpoint.Decode
// has already refused non-finite values).
func optimizerValid(vars []checkpoint.Variable) error {
	for _, v := range vars {
		if !strings.HasPrefix(v.Path, "/AdamOptimizer/") {
			continue
		}
		second := strings.HasSuffix(v.Path, "_2nd_moment")
		if !second && v.Path != "/AdamOptimizer/step" {
			continue
		}
		for i, x := range v.Values {
			if x < 0 {
				what := "Adam's second moments (running means of squared gradients) are ≥ 0"
				if !second {
					what = "Adam's step count is ≥ 0"
				}
				return fmt.Errorf("the optimizer state %s holds %g (value %d): %s", v.Path, x, i, what)
			}
		}
	}
	return nil
}

// modelComplete reports an error naming the first variable of the model in
// store (its Hamiltonian's weights) that vars lack: restoring the others
// would leave it freshly initialised, and the run would not continue exactly.
func modelComplete(store *model.Store, vars []checkpoint.Variable) error {
	have := map[string]bool{}
	for _, v := range vars {
		have[v.Path] = true
	}
	for v := range gradient.HamiltonianScope(store).IterVariables() {
		if !have[v.Path()] {
			return fmt.Errorf("%w: the model's variable %s is missing from the checkpoint; the run cannot continue exactly", checkpoint.ErrInvalid, v.Path())
		}
	}
	return nil
}

// check validates a state read from a checkpoint (the data-dependent parts
// are checked by Fit).
func (s state) check() error {
	switch {
	case s.Epoch < 0 || s.Batch < 0 || s.Step < 0 || s.BatchSize < 0:
		return fmt.Errorf("negative counts in the trainer state (epoch %d, batch %d, step %d, batch size %d)", s.Epoch, s.Batch, s.Step, s.BatchSize)
	case !(s.LR > 0) || math.IsInf(s.LR, 0):
		return fmt.Errorf("learning rate %g in the trainer state: want positive and finite", s.LR)
	case len(s.History) != s.Epoch:
		return fmt.Errorf("trainer state has %d epochs of history for %d completed epochs", len(s.History), s.Epoch)
	case s.Batch > 0 && s.Perm == nil:
		return fmt.Errorf("trainer state is inside an epoch (batch %d) without the epoch's order", s.Batch)
	}
	if err := s.Plateau.check(); err != nil {
		return err
	}
	return s.Refine.check()
}

// checkPosition checks a state's data position against an epoch of n
// windows in batches: the epoch's order is a permutation of 0…n−1 and the
// batch within the epoch.
func (s state) checkPosition(n, batches int) error {
	if s.Perm == nil {
		return nil
	}
	if len(s.Perm) != n {
		return fmt.Errorf("the epoch's order has %d entries for %d windows of the training trajectories", len(s.Perm), n)
	}
	seen := make([]bool, n)
	for _, i := range s.Perm {
		if i < 0 || i >= n || seen[i] {
			return fmt.Errorf("the epoch's order is not a permutation of the %d windows of the training trajectories (entry %d)", n, i)
		}
		seen[i] = true
	}
	if s.Batch > batches {
		return fmt.Errorf("batch %d of an epoch of %d batches", s.Batch, batches)
	}
	return nil
}

// optimizerComplete reports an error unless vars hold Adam's step count and
// both moments of every trained variable (by path).
func optimizerComplete(vars []checkpoint.Variable, trained []string) error {
	have := map[string]bool{}
	for _, v := range vars {
		have[v.Path] = true
	}
	want := []string{"/AdamOptimizer/step"}
	for _, p := range trained {
		for _, k := range []string{"_1st_moment", "_2nd_moment"} {
			want = append(want, "/AdamOptimizer"+p+k)
		}
	}
	for _, p := range want {
		if !have[p] {
			return fmt.Errorf("the optimizer state %s is missing", p)
		}
	}
	return nil
}

// ReadRun reads the caller metadata (Config.Run) of the checkpoint in dir
// into run, after validating the checkpoint as Resume does (without the
// data): a broken checkpoint is found before any work.
func ReadRun(dir string, run any) error {
	var m meta
	path := filepath.Join(dir, CheckpointFile)
	vars, err := checkpoint.Read(path, &m)
	if err != nil {
		return err
	}
	if err := m.check(vars); err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	if err := json.Unmarshal(m.Run, run); err != nil {
		return fmt.Errorf("train: %s: run metadata: %w", path, err)
	}
	return nil
}

// CompletedEpochs returns the number of epochs the run whose checkpoint is
// in dir has completed.
func CompletedEpochs(dir string) (int, error) {
	var m meta
	if _, err := checkpoint.Read(filepath.Join(dir, CheckpointFile), &m); err != nil {
		return 0, err
	}
	return m.Trainer.Epoch, nil
}

// History returns the completed epochs.
func (t *Trainer) History() []Epoch { return append([]Epoch(nil), t.st.History...) }

// LearningRate returns the current learning rate.
func (t *Trainer) LearningRate() float64 { return t.st.LR }

func (t *Trainer) setLR(lr float64) {
	var v *tensors.Tensor
	if t.cfg.dtype() == dtypes.Float32 {
		v = tensors.FromScalar(float32(lr))
	} else {
		v = tensors.FromScalar(lr)
	}
	t.lrVar.MustSetValue(v)
}

// Fit trains until Config.Epochs epochs are complete (counting epochs done
// before a Resume), then runs the refinement stage when Config.Refine asks
// for one (and it has not finished), and returns the history of the Adam
// epochs (the stage's record is Refinement). When ctx is cancelled it writes
// a checkpoint at the current step and returns ctx's error.
func (t *Trainer) Fit(ctx context.Context, trainSet, valSet Trajectories) ([]Epoch, error) {
	n := t.problem.N()
	if err := checkData("training", trainSet, n, t.problem.Model.Dim()); err != nil {
		return nil, err
	}
	if err := checkData("validation", valSet, n, t.problem.Model.Dim()); err != nil {
		return nil, err
	}
	per, windows := epochWindows(trainSet)
	epochSlots := slots(per)
	bs := t.cfg.batchFor(windows)
	if t.st.BatchSize != 0 && t.st.BatchSize != bs {
		return nil, fmt.Errorf("train: %w: the checkpoint was written with batch size %d, this run has %d (other data, or a run of another version of the trainer); the run cannot continue exactly", checkpoint.ErrInvalid, t.st.BatchSize, bs)
	}
	if err := t.st.checkPosition(windows, windows/bs); err != nil {
		return nil, fmt.Errorf("train: %w: it does not fit the data: %w", checkpoint.ErrInvalid, err)
	}
	t.st.BatchSize = bs
	t.setLR(t.st.LR)
	val := t.validationWindows(valSet, bs)
	batchesPerEpoch := windows / bs
	d2 := 2 * t.problem.Model.Dim()
	buf := make([]float64, bs*(n+1)*d2)
	prog := newProgress(t.cfg.Progress, t.cfg.epochs(), batchesPerEpoch)
	start := time.Now()
	elapsed0 := t.st.Elapsed
	clock := func() float64 { return elapsed0 + time.Since(start).Seconds() }
	for t.st.Epoch < t.cfg.epochs() {
		t.st.Refine = refineSt{} // new Adam weights: any refinement is of older ones
		if t.st.Batch == 0 && t.st.Perm == nil {
			t.st.Perm = rand.New(t.rng).Perm(windows)
			t.st.SumLoss, t.st.MaxRes = 0, 0
		}
		for t.st.Batch < batchesPerEpoch {
			if err := ctx.Err(); err != nil {
				t.st.Elapsed = elapsed0 + time.Since(start).Seconds()
				if serr := t.save(); serr != nil {
					return t.History(), errors.Join(err, serr)
				}
				return t.History(), err
			}
			idx := make([]int, bs)
			for k, w := range t.st.Perm[t.st.Batch*bs : (t.st.Batch+1)*bs] {
				idx[k] = epochSlots[w]
			}
			fillWindows(buf, trainSet, idx, n, rand.New(t.rng))
			r, err := t.comp.Train(t.tensor(buf, bs, n+1, d2))
			if err != nil {
				return t.History(), fmt.Errorf("train: step %d: %w", t.st.Step+1, err)
			}
			if err := t.health(r); err != nil {
				return t.History(), err
			}
			t.st.Batch++
			t.st.Step++
			t.st.SumLoss += r.Loss
			t.st.MaxRes = math.Max(t.st.MaxRes, r.Residual)
			prog.step(t.st.Epoch, t.st.Batch, r.Loss, t.st.LR)
			if k := t.cfg.CheckpointEvery; k > 0 && t.st.Step%k == 0 && t.st.Batch < batchesPerEpoch {
				t.st.Elapsed = elapsed0 + time.Since(start).Seconds()
				if err := t.save(); err != nil {
					return t.History(), err
				}
			}
		}
		valLoss, err := t.validate(val)
		if err != nil {
			return t.History(), err
		}
		t.st.Elapsed = elapsed0 + time.Since(start).Seconds()
		e := Epoch{Step: t.st.Step, Epoch: t.st.Epoch + 1, TrainLoss: t.st.SumLoss / float64(batchesPerEpoch),
			ValLoss: valLoss, LR: t.st.LR, Residual: t.st.MaxRes, Seconds: t.st.Elapsed}
		t.st.History = append(t.st.History, e)
		prog.epoch(e)
		if lr := t.cfg.Plateau.forSteps(batchesPerEpoch).next(&t.st.Plateau, valLoss, t.st.LR); lr != t.st.LR {
			t.st.LR = lr
			t.setLR(lr)
		}
		t.st.Epoch++
		t.st.Batch = 0
		t.st.Perm = nil
		if err := t.save(); err != nil {
			return t.History(), err
		}
	}
	prog.done()
	if t.cfg.Refine.Iterations > 0 && (!t.st.Refine.Done || t.st.Refine.extends(t.cfg.Refine)) {
		obj := newObjective(t.comp, gradient.TrainableVariables(t.store), t.refineWindows(trainSet, bs))
		if err := t.refine(ctx, obj, func() (float64, error) { return t.validate(val) }, clock); err != nil {
			return t.History(), err
		}
	}
	return t.History(), nil
}

// divergedAdvice says what to try when integ's solve did not converge.
func divergedAdvice(integ integrator.Integrator) string {
	if m, ok := integ.(integrator.ImplicitMidpoint); ok {
		if m.Solver == integrator.Newton {
			return "use a smaller step or more Newton steps (--iterations)"
		}
		return "use a smaller step, more fixed-point iterations (--iterations) or the Newton solve (--solver newton)"
	}
	return "use a smaller step or more fixed-point iterations (--iterations)"
}

func (t *Trainer) health(r gradient.Result) error {
	// The residual first: a diverging solve is the usual cause of a NaN loss.
	if math.IsNaN(r.Residual) || r.Residual > t.cfg.maxResidual() {
		return fmt.Errorf("train: step %d: %w: residual %.3g > %.3g with %s; the step h=%g is too large for the learned Hamiltonian: %s (%s)",
			t.st.Step+1, ErrSolverDiverged, r.Residual, t.cfg.maxResidual(), t.problem.Integ(), t.problem.Step, divergedAdvice(t.problem.Integ()), t.kept())
	}
	if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
		return fmt.Errorf("train: step %d: %w (%g); the weights of this step are unusable, %s", t.st.Step+1, ErrNonFinite, r.Loss, t.kept())
	}
	return nil
}

// kept says what a failed step leaves: the last good checkpoint, or none
// when none has been written yet.
func (t *Trainer) kept() string {
	if t.cfg.OutDir == "" {
		return "no checkpoint is written without an output directory"
	}
	if _, err := os.Stat(filepath.Join(t.cfg.OutDir, CheckpointFile)); err != nil {
		return "no checkpoint was written before it: nothing was saved"
	}
	return "the last good checkpoint is kept"
}

func (t *Trainer) tensor(buf []float64, dims ...int) *tensors.Tensor {
	return tensorconv.FromFloat64(t.cfg.dtype(), buf, dims...)
}

// validationWindows fixes the windows of the validation trajectories (as
// many per trajectory as an epoch draws, at starts drawn from a stream of
// their own), in batches of at most bs.
func (t *Trainer) validationWindows(valSet Trajectories, bs int) []*tensors.Tensor {
	n := t.problem.N()
	d2 := 2 * t.problem.Model.Dim()
	rng := rand.New(rand.NewPCG(t.cfg.Seed, 0x7a1))
	per, _ := windowsOf(valSet)
	all := slots(per)
	var out []*tensors.Tensor
	for lo := 0; lo < len(all); lo += bs {
		idx := all[lo:min(lo+bs, len(all))]
		buf := make([]float64, len(idx)*(n+1)*d2)
		fillWindows(buf, valSet, idx, n, rng)
		out = append(out, t.tensor(buf, len(idx), n+1, d2))
	}
	return out
}

// validate returns the mean validation loss over all windows.
func (t *Trainer) validate(batches []*tensors.Tensor) (float64, error) {
	sum, count := 0.0, 0
	for _, b := range batches {
		r, err := t.comp.Loss(b)
		if err != nil {
			return 0, fmt.Errorf("train: validation: %w", err)
		}
		m := b.Shape().Dim(0)
		sum += r.Loss * float64(m)
		count += m
	}
	v := sum / float64(count)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v, fmt.Errorf("train: validation %w (%g)", ErrNonFinite, v)
	}
	return v, nil
}

// fillWindows writes, for each trajectory in idx, a window of n+1 states
// starting at a uniformly drawn index into buf ([len(idx), n+1, 2d]).
func fillWindows(buf []float64, set Trajectories, idx []int, n int, rng *rand.Rand) {
	k := 0
	for _, i := range idx {
		s := rng.IntN(set.Length(i) - n)
		for j := s; j <= s+n; j++ {
			k += copy(buf[k:], set.State(i, j))
		}
	}
}

func checkData(name string, set Trajectories, n, d int) error {
	if set == nil || set.Count() == 0 {
		return fmt.Errorf("train: the %s set is empty", name)
	}
	for i := range set.Count() {
		if set.Length(i) < n+1 {
			return fmt.Errorf("train: %s trajectory %d has %d states, fewer than rollout+1 = %d", name, i, set.Length(i), n+1)
		}
		if got := len(set.State(i, 0)); got != 2*d {
			return fmt.Errorf("train: %s trajectory %d has states of length %d, the model expects %d (d=%d)", name, i, got, 2*d, d)
		}
		for j := range set.Length(i) {
			y := set.State(i, j)
			if len(y) != 2*d {
				return fmt.Errorf("train: %s trajectory %d state %d has length %d, want %d", name, i, j, len(y), 2*d)
			}
			for k, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("train: %s trajectory %d state %d coordinate %d is %g: the data must be finite", name, i, j, k, v)
				}
			}
		}
	}
	return nil
}

// save writes the checkpoint and metrics.csv (both atomically).
func (t *Trainer) save() error {
	if t.cfg.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(t.cfg.OutDir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	rng, err := t.rng.MarshalBinary()
	if err != nil {
		return err
	}
	t.st.RNG = rng
	run, err := json.Marshal(t.cfg.Run)
	if err != nil {
		return fmt.Errorf("train: encoding run metadata: %w", err)
	}
	if err := checkpoint.Save(filepath.Join(t.cfg.OutDir, CheckpointFile), t.store, meta{Run: run, Trainer: t.st}); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("step,epoch,train_loss,val_loss,lr,residual,seconds\n")
	for _, e := range t.st.History {
		fmt.Fprintf(&sb, "%d,%d,%.10g,%.10g,%.6g,%.3g,%.3f\n", e.Step, e.Epoch, e.TrainLoss, e.ValLoss, e.LR, e.Residual, e.Seconds)
	}
	if err := atomicfile.WriteFile(filepath.Join(t.cfg.OutDir, MetricsFile), []byte(sb.String())); err != nil {
		return err
	}
	if len(t.st.Refine.Rows) == 0 { // no refinement, or one of older weights
		if err := os.Remove(filepath.Join(t.cfg.OutDir, RefineFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("train: %w", err)
		}
		return nil
	}
	return atomicfile.WriteFile(filepath.Join(t.cfg.OutDir, RefineFile), t.st.Refine.csv())
}
