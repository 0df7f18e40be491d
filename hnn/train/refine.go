package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
)

// Defaults of Refine.
const (
	DefaultRefineGradTol   = 1e-8
	DefaultRefinePatience  = 20
	DefaultRefineThreshold = 1e-4
	// DefaultRefineMemory is larger than gonum's default (15): on the
	// coupled oscillator at h = 0.1, 400 iterations with 50 pairs reached a
	// training loss 4× lower than with 15 (2.4e-7 against 1.0e-6, clean
	// data), at a negligible cost (the pairs are vectors of the weights).
	DefaultRefineMemory = 50
	// DefaultRefineEvaluationsPerIteration sets the default bound on full-batch
	// evaluations: that many per allowed iteration.
	DefaultRefineEvaluationsPerIteration = 10
)

// Refine configures the optional second training stage that Fit runs after
// the Adam epochs: full-batch L-BFGS (gonum's optimize.LBFGS with its default
// bisection line search) on a fixed set of training windows, stopped on the
// validation loss. The zero value of each field means its default; the zero
// Refine (Iterations 0) means no refinement, and the weights are Adam's.
//
// # Objective
//
// The objective is the rollout loss (the trainer's gradient.Problem) averaged
// over a fixed set of training windows: by default one window per window of
// an epoch (max(1, ⌊(L−1)/EpochSpan⌋) per trajectory of L states), at starts
// drawn once from a PCG stream seeded by Config.Seed (a stream of its own,
// not the epochs'); with AllWindows, every non-overlapping window of every
// trajectory (starts 0, N, 2N, … with s+N ≤ L−1: ⌊(L−1)/N⌋ windows for a
// rollout of N, every observed transition used once). The windows are
// evaluated in batches of the trainer's batch size with the trainer's
// gradient.Computer; the full loss and gradient are the window-weighted means
// of the batches' (the sum of the batches' losses times their window counts,
// over the number of windows). The parameter vector is the trainable
// variables of gradient.TrainableVariables, flattened in that order.
//
// # Precision
//
// The rollouts, the loss and its gradient run in the model's dtype
// (Config.DType); the sums over batches, the L-BFGS iterate, its curvature
// pairs and the line search run in float64. For a float32 model the
// iterate is rounded to float32 at every evaluation, so the refinement stops
// (line search without progress) when the loss changes by less than float32
// round-off, about 1e-7 relative.
//
// # Stopping rule
//
// Let θ₀ be the weights at the start (Adam's, or the checkpoint's on a
// restart), θ_k those after major iteration k (an accepted line-search
// step), L_k the full training loss, g_k = ‖∇L(θ_k)‖∞ and v_k the validation
// loss (the mean over Fit's validation windows). The stage stops after the
// first iteration k at which any of these holds:
//   - k = Iterations;
//   - g_k ≤ GradTol·g₀;
//   - validation: with r the reference (initially v₀, set to v_j whenever
//     v_j < (1 − Threshold)·r), Patience consecutive iterations have
//     v_k ≥ (1 − Threshold)·r, i.e. no relative improvement of Threshold
//     over Patience iterations;
//
// or when MaxEvaluations full-batch evaluations (a pass over all windows
// for the loss, or for the loss and gradient) have been made, when the line
// search cannot decrease the loss any more (round-off), when the health
// checks fail (below) or when Fit's context is cancelled. The weights kept
// are θ_{k*}, k* = argmin over k ≥ 0 of v_k (the earliest on ties): the
// stage never leaves a model with a worse validation loss than Adam's.
//
// # Health, checkpoints and resume
//
// A point whose full-batch loss is not finite, or whose fixed-point residual
// is NaN or above Config.MaxResidual, is never accepted: a trial point of the
// line search that fails these checks counts as a loss of +∞, so that the
// line search shortens its step (a long first step of L-BFGS typically
// leaves the solver's region of convergence at h = 0.1), and the iterates
// θ_k all pass them. The stage stops, keeping θ_{k*}, when the starting
// point fails them, after MaxRejected consecutive failing evaluations, or
// when a validation loss is not finite; Fit then returns no error (the kept
// weights are good), and Trainer.Refinement reports the stop (StopDiverged,
// StopNonFinite) with an error matching ErrSolverDiverged or ErrNonFinite.
//
// # Record, checkpoints and resume
//
// Every iteration is a row of RefineFile (refine.csv, written atomically
// with every checkpoint; metrics.csv keeps the Adam epochs only). The
// checkpoint written at the end of the stage holds θ_{k*}; with
// Config.CheckpointEvery > 0 one is also written every that many iterations,
// holding the best weights so far, and when ctx is cancelled during the
// stage Fit writes one holding the best weights so far and returns ctx's
// error. Resuming a run whose stage did not finish restarts L-BFGS (its
// curvature memory is not saved) from the checkpoint's weights, with fresh
// budgets (Iterations, MaxEvaluations) and a fresh validation reference; its
// rows continue in refine.csv with the restart count incremented. Without
// CheckpointEvery, a process killed during the stage (not cancelled)
// restarts it from Adam's final weights. A resumed run that trains more Adam
// epochs (a larger Config.Epochs) refines again afterwards, from Adam's new
// weights. A resumed run whose stage finished on its budget (StopIterations,
// StopEvaluations) and whose Iterations is now larger continues the stage:
// a restart from the kept weights for the difference; with the same
// Iterations a finished stage is not run again.
type Refine struct {
	// Iterations is the largest number of L-BFGS major iterations; 0 means
	// no refinement.
	Iterations int
	// MaxEvaluations bounds the full-batch evaluations of one L-BFGS run;
	// 0 means DefaultRefineEvaluationsPerIteration (10) × Iterations.
	MaxEvaluations int
	// GradTol stops the stage when the gradient's largest component has
	// fallen to GradTol times its value at the stage's start; 0 means
	// DefaultRefineGradTol (1e-8).
	GradTol float64
	// Patience is the number of iterations without a relative validation
	// improvement of Threshold tolerated; 0 means DefaultRefinePatience (20).
	Patience int
	// Threshold is the relative validation improvement that resets the
	// patience count; 0 means DefaultRefineThreshold (1e-4).
	Threshold float64
	// Memory is the number of curvature pairs L-BFGS keeps; 0 means
	// DefaultRefineMemory (50).
	Memory int
	// AllWindows makes the objective every non-overlapping window of every
	// training trajectory instead of one window per window of an epoch.
	AllWindows bool
}

func (r Refine) maxEvaluations() int {
	return cmp.Or(r.MaxEvaluations, DefaultRefineEvaluationsPerIteration*r.Iterations)
}
func (r Refine) gradTol() float64   { return cmp.Or(r.GradTol, DefaultRefineGradTol) }
func (r Refine) patience() int      { return cmp.Or(r.Patience, DefaultRefinePatience) }
func (r Refine) threshold() float64 { return cmp.Or(r.Threshold, DefaultRefineThreshold) }
func (r Refine) memory() int        { return cmp.Or(r.Memory, DefaultRefineMemory) }

func (r Refine) check() error {
	switch {
	case r.Iterations < 0:
		return fmt.Errorf("refine iterations must be ≥ 0 (0: no refinement), got %d", r.Iterations)
	case r.MaxEvaluations < 0:
		return fmt.Errorf("refine evaluations must be ≥ 0, got %d", r.MaxEvaluations)
	case r.GradTol < 0 || math.IsNaN(r.GradTol) || math.IsInf(r.GradTol, 0):
		return fmt.Errorf("refine gradient tolerance must be ≥ 0 and finite, got %g", r.GradTol)
	case r.Memory < 0:
		return fmt.Errorf("refine memory must be ≥ 1, got %d", r.Memory)
	case r.Patience < 0:
		return fmt.Errorf("refine patience must be ≥ 1, got %d", r.Patience)
	case r.Threshold < 0 || !(r.Threshold < 1):
		return fmt.Errorf("refine threshold must be in [0, 1), got %g", r.Threshold)
	}
	return nil
}

// RefineStop says why the refinement stage stopped.
type RefineStop string

// The reasons the refinement stops (Refine's stopping rule).
const (
	StopIterations  RefineStop = "iterations"  // Refine.Iterations reached
	StopEvaluations RefineStop = "evaluations" // Refine.MaxEvaluations reached
	StopGradTol     RefineStop = "gradient"    // g_k ≤ GradTol·g₀
	StopValidation  RefineStop = "validation"  // no relative improvement of Threshold for Patience iterations
	StopLineSearch  RefineStop = "line-search" // the line search made no progress (round-off)
	StopDiverged    RefineStop = "diverged"    // a fixed-point residual above Config.MaxResidual (or NaN)
	StopNonFinite   RefineStop = "non-finite"  // a non-finite training or validation loss
)

// RefineStep is one row of refine.csv: the state after one L-BFGS major
// iteration (iteration 0 is the start).
type RefineStep struct {
	// Restart is 0 for the first L-BFGS run, k for the run after the k-th resume.
	Restart int `json:"restart"`
	// Iteration is the major iteration within the run.
	Iteration int `json:"iteration"`
	// Evaluations is the number of full-batch evaluations of the run so far.
	Evaluations int `json:"evaluations"`
	// Rejected is the number of those whose point failed the health checks
	// and was rejected (see Refine, section Health).
	Rejected int `json:"rejected"`
	// TrainLoss is the full-batch loss on the refinement windows.
	TrainLoss float64 `json:"train_loss"`
	// ValLoss is the mean loss on Fit's validation windows.
	ValLoss float64 `json:"val_loss"`
	// GradNorm is ‖∇L‖∞ of the full-batch loss.
	GradNorm float64 `json:"grad_norm"`
	// Residual is the largest fixed-point residual of the evaluation at this point.
	Residual float64 `json:"residual"`
	// Seconds is the run's training time so far (Adam included).
	Seconds float64 `json:"seconds"`
}

// Refinement is the record of the refinement stage.
type Refinement struct {
	// Steps are the rows of refine.csv, over all restarts.
	Steps []RefineStep
	// Best is the index into Steps of the weights kept (−1 when none).
	Best int
	// Done reports that the stage has finished; Stop says why.
	Done bool
	Stop RefineStop
	// Err is the health error that stopped the stage (StopDiverged,
	// StopNonFinite), matching ErrSolverDiverged or ErrNonFinite; nil otherwise.
	Err error
}

// refineSt is the refinement's part of the checkpointed state.
type refineSt struct {
	Rows []RefineStep `json:"rows,omitempty"`
	Best int          `json:"best"` // index into Rows of the kept weights
	Done bool         `json:"done,omitempty"`
	Stop RefineStop   `json:"stop,omitempty"`
	Err  string       `json:"err,omitempty"`
	// Budget is the Refine.Iterations the stage last ran under (0 in
	// checkpoints written before it was recorded): a finished stage that
	// stopped on its budget is extended by a Fit with more (extends).
	Budget int `json:"budget,omitempty"`
}

// extends reports whether a Fit with cfg continues the finished stage s:
// it stopped on its iteration or evaluation budget, and cfg asks for more
// iterations than that budget. The same cfg again (a resume) does not.
func (s refineSt) extends(cfg Refine) bool {
	return s.Done && (s.Stop == StopIterations || s.Stop == StopEvaluations) && s.Budget > 0 && cfg.Iterations > s.Budget
}

func (s refineSt) check() error {
	if len(s.Rows) > 0 && (s.Best < 0 || s.Best >= len(s.Rows)) {
		return fmt.Errorf("refinement state keeps row %d of %d", s.Best, len(s.Rows))
	}
	return nil
}

// MaxRejected is the number of consecutive evaluations at unhealthy points
// (see Refine, section Health) after which the refinement stops: the line
// search has shortened its step 2^MaxRejected-fold and still diverges.
const MaxRejected = 20

// RefineFile is the refinement log's file name inside Config.OutDir.
const RefineFile = "refine.csv"

// Refinement returns the record of the refinement stage.
func (t *Trainer) Refinement() Refinement { return t.st.Refine.record() }

// ReadRefinement returns the record of the refinement stage of the run
// whose checkpoint is in dir (an empty record, Best −1, when the run has
// none).
func ReadRefinement(dir string) (Refinement, error) {
	var m meta
	if _, err := checkpoint.Read(filepath.Join(dir, CheckpointFile), &m); err != nil {
		return Refinement{}, err
	}
	return m.Trainer.Refine.record(), nil
}

func (s refineSt) record() Refinement {
	r := Refinement{Steps: slices.Clone(s.Rows), Best: -1, Done: s.Done, Stop: s.Stop}
	if len(s.Rows) > 0 {
		r.Best = s.Best
	}
	if s.Err != "" {
		base := ErrNonFinite
		if s.Stop == StopDiverged {
			base = ErrSolverDiverged
		}
		r.Err = fmt.Errorf("%w: %s", base, s.Err)
	}
	return r
}

// refineCSV renders the refinement rows; the row of the kept weights has best = 1.
func (s refineSt) csv() []byte {
	var sb strings.Builder
	sb.WriteString("restart,iteration,evaluations,rejected,train_loss,val_loss,grad_norm,residual,seconds,best\n")
	for i, r := range s.Rows {
		best := 0
		if i == s.Best {
			best = 1
		}
		fmt.Fprintf(&sb, "%d,%d,%d,%d,%.10g,%.10g,%.6g,%.3g,%.3f,%d\n", r.Restart, r.Iteration, r.Evaluations, r.Rejected,
			r.TrainLoss, r.ValLoss, r.GradNorm, r.Residual, r.Seconds, best)
	}
	return []byte(sb.String())
}

// refineWindows returns the refinement objective's windows of trainSet in
// batches of at most bs (Refine's doc says which).
func (t *Trainer) refineWindows(trainSet Trajectories, bs int) []*tensors.Tensor {
	n := t.problem.N()
	d2 := 2 * t.problem.Model.Dim()
	type window struct{ traj, start int }
	var all []window
	if t.cfg.Refine.AllWindows {
		for i := range trainSet.Count() {
			for s := 0; s+n <= trainSet.Length(i)-1; s += n {
				all = append(all, window{i, s})
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(t.cfg.Seed, 0x4ef1))
		per, _ := windowsOf(trainSet)
		for _, i := range slots(per) {
			all = append(all, window{i, rng.IntN(trainSet.Length(i) - n)})
		}
	}
	var out []*tensors.Tensor
	for lo := 0; lo < len(all); lo += bs {
		ws := all[lo:min(lo+bs, len(all))]
		buf := make([]float64, 0, len(ws)*(n+1)*d2)
		for _, w := range ws {
			for j := w.start; j <= w.start+n; j++ {
				buf = append(buf, trainSet.State(w.traj, j)...)
			}
		}
		out = append(out, t.tensor(buf, len(ws), n+1, d2))
	}
	return out
}

// objective is the full-batch loss of fixed windows as a function of the
// flattened trainable variables.
type objective struct {
	comp    gradient.Computer
	vars    []*model.Variable
	batches []*tensors.Tensor
	weights []float64 // windows of each batch over all windows
	held    []float64 // the point the variables hold
	evals   int
}

func newObjective(comp gradient.Computer, vars []*model.Variable, batches []*tensors.Tensor) *objective {
	total := 0
	for _, b := range batches {
		total += b.Shape().Dim(0)
	}
	o := &objective{comp: comp, vars: vars, batches: batches}
	for _, b := range batches {
		o.weights = append(o.weights, float64(b.Shape().Dim(0))/float64(total))
	}
	o.held = o.get()
	return o
}

// get returns the variables' values, flattened.
func (o *objective) get() []float64 {
	var x []float64
	for _, v := range o.vars {
		x = append(x, tensorconv.ToFloat64(v.MustValue())...)
	}
	return x
}

// set writes x into the variables (rounded to their dtype).
func (o *objective) set(x []float64) {
	if slices.Equal(x, o.held) {
		return
	}
	off := 0
	for _, v := range o.vars {
		sh := v.Shape()
		k := sh.Size()
		v.MustSetValue(tensorconv.FromFloat64(sh.DType, x[off:off+k], sh.Dimensions...))
		off += k
	}
	o.held = slices.Clone(x)
}

// eval returns the full-batch loss at x and the largest residual, and when
// grad is not nil writes the full-batch gradient into it.
func (o *objective) eval(x, grad []float64) (loss, residual float64, err error) {
	o.set(x)
	o.evals++
	if grad != nil {
		clear(grad)
	}
	for i, b := range o.batches {
		var r gradient.Result
		if grad != nil {
			r, err = o.comp.Gradients(b)
		} else {
			r, err = o.comp.Loss(b)
		}
		if err != nil {
			return 0, 0, err
		}
		w := o.weights[i]
		loss += w * r.Loss
		if i == 0 {
			residual = r.Residual
		} else {
			residual = math.Max(residual, r.Residual)
		}
		if grad != nil {
			off := 0
			for _, g := range r.Gradients {
				vals := tensorconv.ToFloat64(g)
				floats.AddScaled(grad[off:off+len(vals)], w, vals)
				off += len(vals)
			}
		}
	}
	return loss, residual, nil
}

// valRule is the validation part of Refine's stopping rule.
type valRule struct {
	threshold float64
	patience  int
	ref       float64
	bad       int
}

// observe records a validation loss after an iteration and reports whether to stop.
func (r *valRule) observe(v float64) bool {
	if v < (1-r.threshold)*r.ref {
		r.ref, r.bad = v, 0
		return false
	}
	r.bad++
	return r.bad >= r.patience
}

// converger adapts a function to optimize.Converger.
type converger func(loc *optimize.Location) optimize.Status

func (converger) Init(int)                                           {}
func (c converger) Converged(loc *optimize.Location) optimize.Status { return c(loc) }

// errHealth is a failed health check of the refinement: base is
// ErrSolverDiverged or ErrNonFinite.
type errHealth struct {
	stop   RefineStop
	base   error
	detail string
}

func (e *errHealth) Error() string { return e.base.Error() + ": " + e.detail }
func (e *errHealth) Unwrap() error { return e.base }

func (t *Trainer) refineHealth(loss, residual float64) error {
	if math.IsNaN(residual) || residual > t.cfg.maxResidual() {
		return &errHealth{StopDiverged, ErrSolverDiverged, fmt.Sprintf("residual %.3g > %.3g at a point the refinement evaluated", residual, t.cfg.maxResidual())}
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return &errHealth{StopNonFinite, ErrNonFinite, fmt.Sprintf("training loss %g at a point the refinement evaluated", loss)}
	}
	return nil
}

// refine runs the refinement stage on obj from the variables' current
// values, validating with validate, and leaves the best-validation weights
// in the variables and the record in t.st.Refine. clock returns the run's
// training seconds. It returns ctx's error when cancelled (after a
// checkpoint), an evaluation's error, or nil.
func (t *Trainer) refine(ctx context.Context, obj *objective, validate func() (float64, error), clock func() float64) error {
	cfg := t.cfg.Refine
	st := &t.st.Refine
	if st.extends(cfg) {
		// More iterations for a stage that stopped on its budget: a
		// restart from the kept weights with the difference as its budget.
		extra := cfg.Iterations - st.Budget
		st.Done, st.Stop, st.Err, st.Budget = false, "", "", cfg.Iterations
		cfg.Iterations = extra
		cfg.MaxEvaluations = 0 // the default for the extra iterations, unless set below
		if t.cfg.Refine.MaxEvaluations > 0 {
			cfg.MaxEvaluations = t.cfg.Refine.MaxEvaluations
		}
	} else {
		st.Budget = cfg.Iterations
	}
	restart := 0
	if n := len(st.Rows); n > 0 {
		restart = st.Rows[n-1].Restart + 1
	}
	x0 := obj.get()
	obj.held = slices.Clone(x0)
	var (
		runErr        error   // what stopped the run from inside (ctx, health, an evaluation's error)
		rejected, run int     // unhealthy points rejected: in all, in a row
		res           float64 // residual of the last healthy evaluation: at the accepted point
		stop          RefineStop
		k             int
		g0            float64
		best          = -1
		bestV         = math.Inf(1)
		bestX         []float64
		rule          = valRule{threshold: cfg.threshold(), patience: cfg.patience()}
		maxEval       = cfg.maxEvaluations()
	)
	fail := func(err error) {
		if runErr == nil && err != nil {
			runErr = err
		}
	}
	evaluate := func(x, grad []float64) float64 {
		if runErr != nil {
			return math.Inf(1)
		}
		l, r, err := obj.eval(x, grad)
		if err != nil {
			fail(err)
			return math.Inf(1)
		}
		if err := t.refineHealth(l, r); err != nil {
			// Reject the point: as +∞ the line search shortens the step.
			rejected++
			if run++; run >= MaxRejected {
				fail(err) // even short steps are unhealthy
			}
			return math.Inf(1)
		}
		run, res = 0, r
		return l
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return evaluate(x, nil) },
		Grad: func(grad, x []float64) { evaluate(x, grad) },
		Status: func() (optimize.Status, error) {
			if runErr == nil {
				if err := ctx.Err(); err != nil {
					fail(err)
				}
			}
			if runErr != nil {
				return optimize.Failure, runErr
			}
			if maxEval > 0 && obj.evals >= maxEval {
				stop = StopEvaluations
				return optimize.FunctionEvaluationLimit, nil
			}
			return optimize.NotTerminated, nil
		},
	}
	conv := converger(func(loc *optimize.Location) optimize.Status {
		obj.set(loc.X)
		v, err := validate()
		if err != nil {
			if errors.Is(err, ErrNonFinite) {
				err = &errHealth{StopNonFinite, ErrNonFinite, fmt.Sprintf("validation loss %g", v)}
			}
			fail(err)
			return optimize.Failure
		}
		gn := floats.Norm(loc.Gradient, math.Inf(1))
		st.Rows = append(st.Rows, RefineStep{Restart: restart, Iteration: k, Evaluations: obj.evals,
			Rejected: rejected, TrainLoss: loc.F, ValLoss: v, GradNorm: gn, Residual: res, Seconds: clock()})
		if v < bestV {
			best, bestV, bestX = len(st.Rows)-1, v, slices.Clone(loc.X)
		}
		t.progressRefine(st.Rows[len(st.Rows)-1], cfg.Iterations)
		defer func() { k++ }()
		if every := t.cfg.CheckpointEvery; every > 0 && k > 0 && k%every == 0 {
			// A checkpoint of the best weights so far (the next evaluation
			// sets the variables to its own point again).
			obj.set(bestX)
			st.Best = best
			t.st.Elapsed = clock()
			if err := t.save(); err != nil {
				fail(err)
				return optimize.Failure
			}
		}
		if k == 0 {
			g0, rule.ref = gn, v
		}
		switch {
		case gn <= cfg.gradTol()*g0:
			stop = StopGradTol
			return optimize.GradientThreshold
		case k > 0 && rule.observe(v):
			stop = StopValidation
			return optimize.FunctionConvergence
		case k >= cfg.Iterations:
			stop = StopIterations
			return optimize.IterationLimit
		}
		return optimize.NotTerminated
	})
	// The start, evaluated here (one pass for the loss and gradient, given
	// to gonum as InitValues): if it is unhealthy, there is nothing to do.
	g := make([]float64, len(x0))
	l0, r0, err := obj.eval(x0, g)
	if err == nil {
		err = t.refineHealth(l0, r0)
	}
	fail(err)
	if runErr == nil {
		res = r0
		settings := &optimize.Settings{Converger: conv, InitValues: &optimize.Location{F: l0, Gradient: g}}
		_, err = optimize.Minimize(prob, x0, settings, newLBFGS(cfg.memory()))
	}
	if bestX != nil {
		obj.set(bestX)
		st.Best = best
	} else {
		obj.set(x0)
	}
	var he *errHealth
	switch {
	case runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err()):
		t.st.Elapsed = clock()
		if serr := t.save(); serr != nil {
			return errors.Join(runErr, serr)
		}
		return runErr
	case errors.As(runErr, &he):
		stop = he.stop
		st.Err = he.detail
	case runErr != nil:
		return fmt.Errorf("train: refinement: %w", runErr)
	case stop == "":
		// gonum stopped by itself: the line search could not decrease the
		// loss (err is its ErrLinesearcherFailure, ErrNoProgress or
		// ErrNonDescentDirection).
		_ = err
		stop = StopLineSearch
	}
	st.Done, st.Stop = true, stop
	t.st.Elapsed = clock()
	t.progressRefineDone()
	return t.save()
}

// progressRefine prints a refinement row every 10 iterations (and the first).
func (t *Trainer) progressRefine(r RefineStep, iterations int) {
	if t.cfg.Progress == nil || r.Iteration%10 != 0 {
		return
	}
	fmt.Fprintf(t.cfg.Progress, "refine %d/%d train %.4g val %.4g grad %.2e evaluations %d %.1fs\n",
		r.Iteration, iterations, r.TrainLoss, r.ValLoss, r.GradNorm, r.Evaluations, r.Seconds)
}

// progressRefineDone prints the stage's summary.
func (t *Trainer) progressRefineDone() {
	st := t.st.Refine
	if t.cfg.Progress == nil || len(st.Rows) == 0 {
		return
	}
	last, kept := st.Rows[len(st.Rows)-1], st.Rows[st.Best]
	fmt.Fprintf(t.cfg.Progress, "refine stopped (%s) after %d iterations, %d evaluations, %.1fs: kept iteration %d, train %.4g val %.4g\n",
		st.Stop, last.Iteration, last.Evaluations, last.Seconds, kept.Iteration, kept.TrainLoss, kept.ValLoss)
	if err := t.Refinement().Err; err != nil {
		fmt.Fprintf(t.cfg.Progress, "refine: %v; the best weights before it are kept\n", err)
	}
}

// newLBFGS returns gonum's L-BFGS keeping memory curvature pairs, with its
// absolute gradient test off: the stopping rule is Refine's alone.
func newLBFGS(memory int) optimize.Method {
	return &optimize.LBFGS{GradStopThreshold: math.NaN(), Store: memory}
}
