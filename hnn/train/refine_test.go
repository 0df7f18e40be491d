package train_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
	"github.com/hnnlab/hnnlab/hnn/internal/testutil"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// trajs is a plain train.Trajectories.
type trajs [][][]float64

func (s trajs) Count() int               { return len(s) }
func (s trajs) Length(i int) int         { return len(s[i]) }
func (s trajs) State(i, j int) []float64 { return s[i][j] }

// teacher is the tiny architecture of the refinement tests: a student with
// the same MLP can fit the teacher's data exactly.
var teacherMLP = ansatz.MLP{D: 1, Widths: []int{8, 8}}

const teacherH = 0.1

func teacherProblem() gradient.Problem {
	return gradient.Problem{Model: teacherMLP, Integrator: integrator.ImplicitMidpoint{Iterations: 3}, Step: teacherH, Rollout: 4}
}

// teacherData returns count trajectories of steps+1 states made by the
// training integrator's own map (RK2 predictor and 3 fixed-point sweeps of
// the implicit midpoint rule) of the teacher network (seed 99), from initial
// states uniform in [−1.5, 1.5]²: the teacher's weights have zero loss on
// them (to round-off).
func teacherData(t *testing.T, count, steps int, seed uint64) trajs {
	t.Helper()
	store := model.NewStore()
	teacherMLP.Init(gradient.HamiltonianScope(store), dtypes.Float64, 99)
	p := teacherProblem()
	step := model.MustNewExec(testutil.Backend(), store, func(root *model.Scope, y *Node) *Node {
		root.SetTraining(y.Graph(), true)
		y1, _ := p.Integ().Step(p.VectorField(root.At(gradient.ScopeName)), y, nil, p.Step)
		return y1
	})
	rng := rand.New(rand.NewPCG(seed, 7))
	y := make([]float64, 2*count)
	for i := range y {
		y[i] = 3*rng.Float64() - 1.5
	}
	out := make(trajs, count)
	for j := 0; j <= steps; j++ {
		for i := range out {
			out[i] = append(out[i], slices.Clone(y[2*i:2*i+2]))
		}
		if j < steps {
			y = tensors.MustCopyFlatData[float64](step.MustCall1(tensors.FromFlatDataAndDimensions(y, count, 2)))
		}
	}
	return out
}

// student returns a trainer of a student in the teacher's basin: the
// teacher's weights plus N(0, 0.1²) noise on each (a student from a random
// start converges to another local minimum, whose loss is unknown).
func student(t *testing.T, cfg train.Config) (*train.Trainer, *model.Store) {
	t.Helper()
	store := model.NewStore()
	teacherMLP.Init(gradient.HamiltonianScope(store), dtypes.Float64, 99)
	rng := rand.New(rand.NewPCG(11, 3))
	for _, v := range gradient.TrainableVariables(store) {
		x := tensorconv.ToFloat64(v.MustValue())
		for i := range x {
			x[i] += 0.1 * rng.NormFloat64()
		}
		v.MustSetValue(tensorconv.FromFloat64(dtypes.Float64, x, v.Shape().Dimensions...))
	}
	cfg.BatchSize = 64
	cfg.LearningRate = 0.01
	cfg.Seed = 5
	tr, err := train.New(testutil.Backend(), store, teacherProblem(), gradient.Backprop{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr, store
}

func weights(store *model.Store) []float64 {
	var x []float64
	for _, v := range gradient.TrainableVariables(store) {
		x = append(x, tensorconv.ToFloat64(v.MustValue())...)
	}
	return x
}

// TestRefineReachesTheTeacher: on data made by a teacher of the same
// architecture through the training map, the optimum is known (zero loss).
// Adam's 30 epochs leave the loss orders of magnitude above it, and Adam
// stays there for more epochs than take the stage's time; the L-BFGS stage
// takes it down by more than two and a half orders of magnitude (3.1 on the
// training loss, 2.9 on the validation loss, measured with 32 steps an
// epoch; 3.5 and more with 8).
func TestRefineReachesTheTeacher(t *testing.T) {
	if testing.Short() {
		t.Skip("about 15 s")
	}
	trainSet, valSet := teacherData(t, 128, 12, 1), teacherData(t, 64, 12, 2)
	dir := t.TempDir()
	tr, _ := student(t, train.Config{Epochs: 30, OutDir: dir, Refine: train.Refine{Iterations: 300, Patience: 300}})
	hist, err := tr.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	ref := tr.Refinement()
	if !ref.Done || len(ref.Steps) < 2 {
		t.Fatalf("refinement %+v", ref)
	}
	adam, start, kept := hist[len(hist)-1], ref.Steps[0], ref.Steps[ref.Best]
	last := ref.Steps[len(ref.Steps)-1]
	t.Logf("Adam, %d epochs: train %.3g val %.3g; L-BFGS start: train %.3g val %.3g", adam.Epoch, adam.TrainLoss, adam.ValLoss, start.TrainLoss, start.ValLoss)
	t.Logf("L-BFGS stopped (%s) after %d iterations, %d evaluations, %.1fs: kept iteration %d, train %.3g val %.3g, grad %.3g → %.3g",
		ref.Stop, last.Iteration, last.Evaluations, last.Seconds-adam.Seconds, kept.Iteration, kept.TrainLoss, kept.ValLoss, start.GradNorm, kept.GradNorm)
	if start.ValLoss != adam.ValLoss {
		t.Errorf("the stage's iteration 0 has validation %g, Adam's last epoch %g: not the same weights", start.ValLoss, adam.ValLoss)
	}
	if !(kept.TrainLoss < 3e-3*start.TrainLoss && kept.ValLoss < 3e-3*start.ValLoss) {
		t.Errorf("L-BFGS took the loss from %g (val %g) to %g (val %g): want 2.5 orders of magnitude", start.TrainLoss, start.ValLoss, kept.TrainLoss, kept.ValLoss)
	}
	csv, err := os.ReadFile(filepath.Join(dir, train.RefineFile))
	if err != nil || strings.Count(string(csv), "\n") != len(ref.Steps)+1 {
		t.Errorf("refine.csv: %v\n%s", err, csv)
	}

	// Adam alone, for more epochs than take the stage's time, stays more than
	// 30× above (99× measured with the step-based plateau patience, about 700×
	// when the schedule annealed the rate to its floor within 2 epochs).
	long, _ := student(t, train.Config{Epochs: 400})
	lh, err := long.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	la := lh[len(lh)-1]
	t.Logf("Adam, %d epochs (%d steps, %.1fs): train %.3g val %.3g", la.Epoch, la.Step, la.Seconds, la.TrainLoss, la.ValLoss)
	if !(la.ValLoss > 30*kept.ValLoss) {
		t.Errorf("Adam alone reached validation %g in %d epochs, the refinement %g: the test needs a problem where Adam stalls", la.ValLoss, la.Epoch, kept.ValLoss)
	}
}

// TestRefineOffKeepsAdamsWeights is the negative control: with Iterations 0
// (whatever the other knobs) the weights, history and files are those of a
// run without refinement, bit for bit; with the stage on, the Adam epochs
// are the same and the stage starts from their weights.
func TestRefineOffKeepsAdamsWeights(t *testing.T) {
	trainSet, valSet := teacherData(t, 128, 12, 1), teacherData(t, 32, 12, 2)
	plainDir, offDir := t.TempDir(), t.TempDir()
	plain, ps := student(t, train.Config{Epochs: 3, OutDir: plainDir})
	want, err := plain.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	off, os_ := student(t, train.Config{Epochs: 3, OutDir: offDir, Refine: train.Refine{Memory: 50, Patience: 2, AllWindows: true, GradTol: 1e-3}})
	got, err := off.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(ps), weights(os_)) {
		t.Errorf("Iterations 0 changed the weights")
	}
	noTime := func(h []train.Epoch) []train.Epoch {
		h = slices.Clone(h)
		for i := range h {
			h[i].Seconds = 0
		}
		return h
	}
	if !slices.Equal(noTime(got), noTime(want)) {
		t.Errorf("Iterations 0 changed the history: %+v, want %+v", got, want)
	}
	if r := off.Refinement(); len(r.Steps) != 0 || r.Done {
		t.Errorf("Iterations 0 recorded a refinement: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(offDir, train.RefineFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Iterations 0 wrote %s (%v)", train.RefineFile, err)
	}

	on, _ := student(t, train.Config{Epochs: 3, Refine: train.Refine{Iterations: 2}})
	hist, err := on.Fit(context.Background(), trainSet, valSet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if hist[i].TrainLoss != want[i].TrainLoss || hist[i].ValLoss != want[i].ValLoss || hist[i].Step != want[i].Step {
			t.Errorf("epoch %d with the stage on: %+v, want %+v", i+1, hist[i], want[i])
		}
	}
	if r := on.Refinement(); len(r.Steps) == 0 || r.Steps[0].ValLoss != want[len(want)-1].ValLoss {
		t.Errorf("the stage does not start from Adam's weights: %+v", r)
	}
}

// TestRefineIterationBound: the stage makes exactly Iterations major
// iterations when no other rule fires first, and keeps the best-validation
// weights among them.
func TestRefineIterationBound(t *testing.T) {
	trainSet, valSet := teacherData(t, 128, 12, 1), teacherData(t, 32, 12, 2)
	tr, _ := student(t, train.Config{Epochs: 2, Refine: train.Refine{Iterations: 4}})
	if _, err := tr.Fit(context.Background(), trainSet, valSet); err != nil {
		t.Fatal(err)
	}
	r := tr.Refinement()
	if !r.Done || r.Stop != train.StopIterations || len(r.Steps) != 5 || r.Steps[4].Iteration != 4 {
		t.Fatalf("refinement with Iterations 4: stop %q, %d rows %+v", r.Stop, len(r.Steps), r.Steps)
	}
	best := 0
	for i, s := range r.Steps {
		if s.ValLoss < r.Steps[best].ValLoss {
			best = i
		}
	}
	if r.Best != best {
		t.Errorf("kept row %d, the best validation is row %d: %+v", r.Best, best, r.Steps)
	}
}
