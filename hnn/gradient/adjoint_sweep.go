package gradient

import (
	"cmp"
	"errors"
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// chunked reports whether the sweep goes back a chunk of steps at a time
// (Unrolled without Recompute); otherwise it goes step by step.
func (a DiscreteAdjoint) chunked() bool {
	return a.Variant == Unrolled && !a.Recompute
}

// ChunkSchedule returns, for a rollout of n steps, how the Unrolled sweep
// without Recompute goes back: chunks [0, K), [K, 2K), … of k steps, the last
// one [n − last, n) of last ∈ [1, k] steps; the forward pass runs the n − last
// steps before it and keeps y_i for i a multiple of every (a multiple of k:
// k itself up to MaxStoredStates, else the multiple nearest ⌈√n⌉ above), and
// the chunk starts between kept states are solved again.
func (a DiscreteAdjoint) ChunkSchedule(n int) (k, last, every int) {
	k = a.Chunk
	if k == 0 {
		k = DefaultChunk
	}
	k = min(k, n)
	every = a.CheckpointInterval(n)
	return k, n - ((n-1)/k)*k, k * ((every + k - 1) / k)
}

// CheckpointInterval returns how often the step-by-step sweep's forward pass
// keeps a state for a rollout of n steps: every step (1) while the n+1 states
// fit in MaxStoredStates, else every ⌈√n⌉ steps, the states in between being
// solved again. ChunkSchedule rounds it up to a multiple of the chunk.
func (a DiscreteAdjoint) CheckpointInterval(n int) int {
	if m := cmp.Or(a.MaxStoredStates, DefaultMaxStoredStates); m > 0 && n+1 > m {
		return int(math.Ceil(math.Sqrt(float64(n))))
	}
	return 1
}

// adjointComputer is DiscreteAdjoint's Computer: the executors Compile
// builds (adjoint_graph.go has the backward ones' graphs), run by the sweeps
// below.
type adjointComputer struct {
	a      DiscreteAdjoint
	p      Problem
	store  *model.Store
	update Update

	split, forward, backward, backwardRecompute, backwardLast, apply *model.Exec
}

// source gives the observed states ŷ_i [B, 2d] to the sweeps; done(t)
// tells it that the sweep no longer needs t (a stepwise source's tensor is
// freed there, a split window's part at the end).
type source interface {
	state(i int) (*tensors.Tensor, error)
	done(t *tensors.Tensor)
	close()
}

// splitSource holds the parts ŷ₀…ŷ_N of a window tensor.
type splitSource struct{ parts []*tensors.Tensor }

func (s *splitSource) state(i int) (*tensors.Tensor, error) { return s.parts[i], nil }
func (s *splitSource) done(*tensors.Tensor)                 {}
func (s *splitSource) close() {
	for _, t := range s.parts {
		t.FinalizeAll()
	}
}

// stepSource asks an Observed for each state when needed and frees it after use.
type stepSource struct{ obs Observed }

func (s stepSource) state(i int) (*tensors.Tensor, error) { return s.obs.State(i) }
func (s stepSource) done(t *tensors.Tensor)               { t.FinalizeAll() }
func (s stepSource) close()                               {}

func (c *adjointComputer) splitWindows(obs *tensors.Tensor) (*splitSource, error) {
	parts, err := c.split.Call(obs)
	if err != nil {
		return nil, err
	}
	return &splitSource{parts: parts}, nil
}

// forwardPass runs the first `steps` (≤ N) steps of the rollout from y₀ = ŷ₀.
// It returns the states it keeps (ys[i] for 0 < i < steps a multiple of
// every, nil elsewhere; every = 0 keeps none), y_steps, the batch size, the
// sum of the squared errors Σ‖y_i − ŷ_i‖² and the largest residual. ys[0] is
// src's ŷ₀, which the caller releases (y_steps is ys[0] when steps = 0).
func (c *adjointComputer) forwardPass(src source, every, steps int) (ys []*tensors.Tensor, yEnd *tensors.Tensor, b int, sse, res float64, err error) {
	n := c.p.N()
	ys = make([]*tensors.Tensor, n+1)
	if ys[0], err = src.state(0); err != nil {
		return nil, nil, 0, 0, 0, err
	}
	b = ys[0].Shape().Dim(0)
	y := ys[0]
	for i := range steps {
		target, err := src.state(i + 1)
		if err != nil {
			return nil, nil, 0, 0, 0, err
		}
		out, err := c.forward.Call(y, target)
		src.done(target)
		if err != nil {
			return nil, nil, 0, 0, 0, err
		}
		if i > 0 && (every == 0 || i%every != 0) {
			y.FinalizeAll()
		}
		y = out[0]
		res = math.Max(res, scalar(out[1]))
		sse += scalar(out[2])
		out[1].FinalizeAll()
		out[2].FinalizeAll()
		if every > 0 && (i+1)%every == 0 && i+1 < steps {
			ys[i+1] = y
		}
	}
	return ys, y, b, sse, res, nil
}

func (c *adjointComputer) Loss(obs *tensors.Tensor) (Result, error) {
	src, err := c.splitWindows(obs)
	if err != nil {
		return Result{}, err
	}
	defer src.close()
	return c.loss(src)
}

// LossStepwise implements StepwiseComputer.
func (c *adjointComputer) LossStepwise(obs Observed) (Result, error) { return c.loss(stepSource{obs}) }

func (c *adjointComputer) loss(src source) (Result, error) {
	n := c.p.N()
	ys, yN, b, sse, res, err := c.forwardPass(src, 0, n)
	if err != nil {
		return Result{}, err
	}
	yN.FinalizeAll()
	src.done(ys[0])
	return Result{Loss: sse / float64(n*b), Residual: res}, nil
}

func (c *adjointComputer) Gradients(obs *tensors.Tensor) (Result, error) {
	src, err := c.splitWindows(obs)
	if err != nil {
		return Result{}, err
	}
	defer src.close()
	return c.gradients(src)
}

// GradientsStepwise implements StepwiseComputer.
func (c *adjointComputer) GradientsStepwise(obs Observed) (Result, error) {
	return c.gradients(stepSource{obs})
}

func (c *adjointComputer) gradients(src source) (Result, error) {
	if c.a.chunked() {
		return c.gradientsChunked(src)
	}
	n := c.p.N()
	every := c.a.CheckpointInterval(n)
	if c.a.Recompute {
		every = 0
	}
	ys, yN, b, sse, res, err := c.forwardPass(src, every, n)
	if err != nil {
		return Result{}, err
	}
	y0 := ys[0]
	dtype := y0.DType()
	lam := tensors.FromShape(y0.Shape())
	vars := TrainableVariables(c.store)
	acc := make([]*tensors.Tensor, len(vars))
	for i, v := range vars {
		acc[i] = tensors.FromShape(shapes.Make(dtype, v.Shape().Dimensions...))
	}
	// step runs the backward step of y_i → y_{i+1} (y1), given y_i (y0, nil
	// to recover it by integrating backwards); it returns y_i.
	step := func(i int, y0, y1 *tensors.Tensor) (*tensors.Tensor, error) {
		target, err := src.state(i + 1)
		if err != nil {
			return nil, err
		}
		defer src.done(target)
		var out []*tensors.Tensor
		if y0 == nil {
			prev, err := src.state(i)
			if err != nil {
				return nil, err
			}
			out, err = c.backwardRecompute.Call(append([]*tensors.Tensor{y1, target, prev, lam}, acc...))
			src.done(prev)
			if err != nil {
				return nil, err
			}
			y0, out = out[0], out[1:]
		} else if out, err = c.backward.Call(append([]*tensors.Tensor{y0, y1, target, lam}, acc...)); err != nil {
			return nil, err
		}
		lam.FinalizeAll()
		for _, t := range acc {
			t.FinalizeAll()
		}
		lam, acc = out[0], out[1:]
		return y0, nil
	}
	// y1 is the current step's output state; each state is released once used.
	y1 := yN
	if every == 0 { // Recompute: recover y_i from y_{i+1}; y₀ = ŷ₀ is known
		for i := n - 1; i >= 0; i-- {
			var known *tensors.Tensor
			if i == 0 {
				known = y0
			}
			yi, err := step(i, known, y1)
			if err != nil {
				return Result{}, err
			}
			y1.FinalizeAll()
			y1 = yi
		}
	} else {
		// Segments [s, e) of every steps from the checkpoints y_s: the states
		// inside are recomputed forward (the same forward map, so the same
		// values), then swept backwards.
		for s := ((n - 1) / every) * every; s >= 0; s -= every {
			e := min(s+every, n)
			seg := make([]*tensors.Tensor, e-s)
			seg[0] = ys[s]
			for j := s + 1; j < e; j++ {
				target, err := src.state(j)
				if err != nil {
					return Result{}, err
				}
				out, err := c.forward.Call(seg[j-s-1], target)
				src.done(target)
				if err != nil {
					return Result{}, err
				}
				out[1].FinalizeAll()
				out[2].FinalizeAll()
				seg[j-s] = out[0]
			}
			for i := e - 1; i >= s; i-- {
				if _, err := step(i, seg[i-s], y1); err != nil {
					return Result{}, err
				}
				y1.FinalizeAll()
				y1 = seg[i-s]
			}
		}
	}
	// y1 is now y₀ = ŷ₀, the source's.
	lam.FinalizeAll()
	src.done(y0)
	return Result{Loss: sse / float64(n*b), Residual: res, Gradients: acc}, nil
}

// gradientsChunked is the sweep of the Unrolled variant: a chunk of K steps
// at a time (DiscreteAdjoint.Chunk), the last chunk [N − L, N) first. The
// forward pass stops at y_{N−L} and keeps the chunk starts y_c (c a multiple
// of K), or, beyond MaxStoredStates, checkpoints every multiple of K nearest
// √N above, from which the chunk starts inside are recomputed forward.
func (c *adjointComputer) gradientsChunked(src source) (Result, error) {
	n := c.p.N()
	k, last, every := c.a.ChunkSchedule(n)
	steps := n - last // a multiple of k
	ys, yEnd, b, sse, res, err := c.forwardPass(src, every, steps)
	if err != nil {
		return Result{}, err
	}
	y0 := ys[0]
	vars := TrainableVariables(c.store)
	acc := make([]*tensors.Tensor, len(vars))
	for i, v := range vars {
		acc[i] = tensors.FromShape(shapes.Make(y0.DType(), v.Shape().Dimensions...))
	}
	var lam *tensors.Tensor
	// chunk runs the backward executor e on the chunk starting at y_c.
	chunk := func(e *model.Exec, yc *tensors.Tensor, cStart, length int) error {
		in := []*tensors.Tensor{yc}
		for j := 1; j <= length; j++ {
			t, err := src.state(cStart + j)
			if err != nil {
				return err
			}
			defer src.done(t)
			in = append(in, t)
		}
		if lam != nil {
			in = append(in, lam)
		}
		out, err := e.Call(append(in, acc...))
		if err != nil {
			return err
		}
		if lam != nil {
			lam.FinalizeAll()
		}
		for _, t := range acc {
			t.FinalizeAll()
		}
		m := len(out) - length - 1 // out[m]: residual, then each step's Σ‖y − ŷ‖²
		for j, t := range out[m:] {
			if lam == nil { // the last chunk: its residual and errors complete the forward pass's
				if j == 0 {
					res = math.Max(res, scalar(t))
				} else {
					sse += scalar(t)
				}
			}
			t.FinalizeAll()
		}
		lam, acc = out[0], out[1:m]
		return nil
	}
	if err := chunk(c.backwardLast, yEnd, steps, last); err != nil {
		return Result{}, err
	}
	if steps > 0 {
		yEnd.FinalizeAll()
	}
	// Segments [s, e) between kept states, from the last: the chunk starts
	// inside are recomputed forward (the same forward map, so the same values).
	for s := ((steps - 1) / every) * every; steps > 0 && s >= 0; s -= every {
		e := min(s+every, steps)
		starts := []*tensors.Tensor{ys[s]}
		y := ys[s]
		for j := s + 1; j <= e-k; j++ {
			target, err := src.state(j)
			if err != nil {
				return Result{}, err
			}
			out, err := c.forward.Call(y, target)
			src.done(target)
			if err != nil {
				return Result{}, err
			}
			out[1].FinalizeAll()
			out[2].FinalizeAll()
			if (j-s-1)%k != 0 {
				y.FinalizeAll() // not a chunk start (nor ys[s])
			}
			y = out[0]
			if (j-s)%k == 0 {
				starts = append(starts, y)
			}
		}
		for i := len(starts) - 1; i >= 0; i-- {
			if err := chunk(c.backward, starts[i], s+i*k, k); err != nil {
				return Result{}, err
			}
			if s+i*k > 0 {
				starts[i].FinalizeAll()
			}
		}
	}
	lam.FinalizeAll()
	src.done(y0)
	return Result{Loss: sse / float64(n*b), Residual: res, Gradients: acc}, nil
}

func (c *adjointComputer) Train(obs *tensors.Tensor) (Result, error) {
	return c.train(func() (Result, error) { return c.Gradients(obs) })
}

// TrainStepwise implements StepwiseComputer.
func (c *adjointComputer) TrainStepwise(obs Observed) (Result, error) {
	return c.train(func() (Result, error) { return c.GradientsStepwise(obs) })
}

func (c *adjointComputer) train(grads func() (Result, error)) (Result, error) {
	if c.apply == nil {
		return Result{}, errors.New("gradient: Train called on a Computer compiled without an Update")
	}
	r, err := grads()
	if err != nil {
		return Result{}, err
	}
	out, err := c.apply.Call(r.Gradients)
	for _, t := range r.Gradients {
		t.FinalizeAll()
	}
	if err != nil {
		return Result{}, err
	}
	for _, t := range out {
		t.FinalizeAll()
	}
	return Result{Loss: r.Loss, Residual: r.Residual}, nil
}
