package notebook

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/ansatz"
	"github.com/hnnlab/hnnlab/hnn/checkpoint"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/gradient"
	"github.com/hnnlab/hnnlab/hnn/integrator"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// SystemConfig configures TrainSystem. The zero value of each field means
// the same default as hnn.Spec and train.Config.
type SystemConfig struct {
	// Widths are the MLP's hidden widths; nil means 16, 32, 16.
	Widths []int `json:"widths,omitempty"`
	// Rollout is the number of implicit-midpoint steps N per window; 0 means 6.
	Rollout int `json:"rollout,omitempty"`
	// Iterations is the number of fixed-point sweeps k; 0 means 3.
	Iterations int `json:"iterations,omitempty"`
	// Seed initialises the weights and seeds the data order.
	Seed uint64 `json:"seed"`
	// Trainer holds epochs, batch size and learning rate (OutDir and
	// Progress are set by TrainSystem).
	Trainer train.Config `json:"-"`
}

// customRun is what TrainSystem records in the checkpoint.
type customRun struct {
	System string       `json:"system"`
	Dim    int          `json:"dim"`
	Dt     float64      `json:"dt"`
	Config SystemConfig `json:"config"`
}

func (c SystemConfig) problem(d int, dt float64) (ansatz.MLP, gradient.Problem) {
	widths := c.Widths
	if widths == nil {
		widths = slices.Clone(ansatz.DefaultWidths)
	}
	mlp := ansatz.MLP{D: d, Widths: widths}
	return mlp, gradient.Problem{Model: mlp, Integrator: integrator.ImplicitMidpoint{Iterations: c.Iterations}, Step: dt, Rollout: c.Rollout}
}

// TrainSystem learns the Hamiltonian of any system — a user-defined
// system.Func, or one whose trajectories come from a CSV file — from
// observed trajectories, the same way hnn.Train does for the built-in
// systems (MLP, loss (26) through the implicit midpoint rule, Adam with the
// plateau schedule). The step h is the data's observation step. The run is
// saved in RunDir(name); LoadSystem reads it back. s names the system in
// figures and scores the model (Evaluate); it must have the data's dimension.
func TrainSystem(ctx context.Context, name string, s system.System, trainSet, valSet *data.Trajectories, cfg SystemConfig, display func(string)) (*Learned, []train.Epoch, error) {
	if trainSet == nil || valSet == nil {
		return nil, nil, fmt.Errorf("notebook: TrainSystem needs training and validation trajectories")
	}
	if s != nil && s.Dim() != trainSet.Dim {
		return nil, nil, fmt.Errorf("notebook: the data have d=%d degrees of freedom, system %s has %d", trainSet.Dim, s.Name(), s.Dim())
	}
	if !(trainSet.Dt > 0) {
		return nil, nil, fmt.Errorf("notebook: the training data have no time step (Dt = %g)", trainSet.Dt)
	}
	for _, w := range cfg.Widths {
		if w < 1 || w > 4096 {
			return nil, nil, fmt.Errorf("notebook: hidden widths must be in 1…4096, got %v", cfg.Widths)
		}
	}
	dir, err := FreshRunDir(name)
	if err != nil {
		return nil, nil, err
	}
	mlp, problem := cfg.problem(trainSet.Dim, trainSet.Dt)
	store := model.NewStore()
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, cfg.Seed)
	b, err := hnn.Backend()
	if err != nil {
		return nil, nil, err
	}
	sysName := trainSet.System
	if s != nil {
		sysName = s.Name()
	}
	tc := cfg.Trainer
	tc.Seed, tc.OutDir, tc.DType = cfg.Seed, dir, dtypes.Float64
	prog := NewProgress(name, display)
	tc.Progress = prog
	tc.Run = customRun{System: sysName, Dim: trainSet.Dim, Dt: trainSet.Dt, Config: cfg}
	tr, err := train.New(b, store, problem, gradient.Backprop{}, tc)
	if err != nil {
		return nil, nil, err
	}
	hist, err := tr.Fit(ctx, trainSet, valSet)
	prog.Done(err)
	if err != nil {
		return nil, hist, fmt.Errorf("training %s: %w", name, err)
	}
	return &Learned{Name: name, Hamiltonian: mlp, Store: store, DType: dtypes.Float64, Dt: trainSet.Dt}, hist, nil
}

// LoadSystem reads back the model that TrainSystem saved under name, with
// its history.
func LoadSystem(name string) (*Learned, []train.Epoch, error) {
	dir := RunDir(name)
	var run customRun
	if err := train.ReadRun(dir, &run); err != nil {
		return nil, nil, fmt.Errorf("%w (run the training cell above first)", err)
	}
	if run.Dim < 1 || !(run.Dt > 0) {
		return nil, nil, fmt.Errorf("notebook: %s was not written by TrainSystem", dir)
	}
	mlp, _ := run.Config.problem(run.Dim, run.Dt)
	store := model.NewStore()
	mlp.Init(gradient.HamiltonianScope(store), dtypes.Float64, 0)
	path := filepath.Join(dir, train.CheckpointFile)
	vars, err := checkpoint.Read(path, nil)
	if err != nil {
		return nil, nil, err
	}
	prefix := "/" + gradient.ScopeName + "/"
	var keep []checkpoint.Variable
	for _, v := range vars {
		if strings.HasPrefix(v.Path, prefix) {
			keep = append(keep, v)
		}
	}
	if len(keep) != len(gradient.TrainableVariables(store)) {
		return nil, nil, fmt.Errorf("notebook: %s holds %d of the model's %d weight tensors", path, len(keep), len(gradient.TrainableVariables(store)))
	}
	if err := checkpoint.Restore(store, keep); err != nil {
		return nil, nil, err
	}
	hist, err := ReadHistory(dir)
	if err != nil {
		return nil, nil, err
	}
	return &Learned{Name: name, Hamiltonian: mlp, Store: store, DType: dtypes.Float64, Dt: run.Dt}, hist, nil
}

// Evaluate scores the learned H against s on every evaluation domain and
// test set of s (package eval).
func (l *Learned) Evaluate(s system.System) ([]eval.Result, error) {
	if s.Dim() != l.Hamiltonian.Dim() {
		return nil, fmt.Errorf("notebook: system %s has d=%d, the model d=%d", s.Name(), s.Dim(), l.Hamiltonian.Dim())
	}
	return eval.Evaluate(s, l.Energy, eval.DefaultSeed)
}

// CheckGradient compares s.Grad with central differences of s.H at n
// random points of s's training box and returns the largest relative
// difference max|g − g_fd| / max(1, |g_fd|): a quick check of a
// hand-written gradient (expect ≲ 1e-7).
func CheckGradient(s system.System, n int, seed uint64) float64 {
	rng := rand.New(rand.NewPCG(seed, 11))
	box := s.Box()
	d2 := 2 * s.Dim()
	worst := 0.0
	g := make([]float64, d2)
	for range n {
		y := make([]float64, d2)
		for a := range y {
			y[a] = box.Lo[a] + (box.Hi[a]-box.Lo[a])*rng.Float64()
		}
		s.Grad(g, y)
		for a := range y {
			h := 1e-6 * math.Max(1, math.Abs(y[a]))
			yp, ym := slices.Clone(y), slices.Clone(y)
			yp[a] += h
			ym[a] -= h
			fd := (s.H(yp) - s.H(ym)) / (2 * h)
			worst = math.Max(worst, math.Abs(g[a]-fd)/math.Max(1, math.Abs(fd)))
		}
	}
	return worst
}
