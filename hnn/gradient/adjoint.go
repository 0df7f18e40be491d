package gradient

import (
	"cmp"
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/integrator"
)

// Variant selects which discrete map DiscreteAdjoint differentiates.
type Variant int

const (
	// Unrolled is the adjoint of the map the forward pass actually runs: the
	// integrator's Step graph (predictor and k fixed-point sweeps), whatever
	// the integrator. Its gradient equals Backprop's to round-off. The default.
	Unrolled Variant = iota
	// Converged is the adjoint of the exact implicit midpoint map (the
	// cotangent lift, solved by fixed-point iterations on μ): the gradient of
	// the loss of a forward pass solved to convergence. ImplicitMidpoint only.
	Converged
)

func (v Variant) String() string {
	switch v {
	case Unrolled:
		return "unrolled"
	case Converged:
		return "converged"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ParseVariant parses "unrolled" or "converged".
func ParseVariant(s string) (Variant, error) {
	switch s {
	case "unrolled", "":
		return Unrolled, nil
	case "converged":
		return Converged, nil
	}
	return 0, fmt.Errorf("unknown adjoint variant %q (valid: unrolled, converged)", s)
}

// DefaultMaxStoredStates is the default DiscreteAdjoint.MaxStoredStates: at
// B = 512, d = 1 in float64, 128 states are 1 MiB.
const DefaultMaxStoredStates = 128

// DefaultChunk is the default DiscreteAdjoint.Chunk.
const DefaultChunk = 3

// DefaultAdjointIterations is the default number of fixed-point iterations
// on μ of the Converged variant.
const DefaultAdjointIterations = 20

// DiscreteAdjoint computes dL/dθ by a backward sweep over the rollout, a
// chunk of Chunk steps (3) at a time, driven from Go: the discrete adjoint
// (cotangent lift) of the integrator's map. Its gradient graph holds one
// chunk, so its memory does not grow with the rollout length N (apart from the states
// [B, 2d] kept between the sweeps: all N+1 up to MaxStoredStates, about 2√N
// beyond (checkpoints), none with Recompute). The observed windows can be
// passed one time index at a time (StepwiseComputer), so that no [B, N+1, 2d]
// tensor need exist either.
//
// # The sweep
//
// The loss (26), L = (1/(N·B)) Σᵢ Σ_b ‖y_i − ŷ_i‖², is a function of the states
// y_{i+1} = Φ(y_i; θ), y₀ = ŷ₀. With λ_i = dL/dy_i (the total derivative,
// through all later states),
//
//	λ_N = ∂L/∂y_N,   λ_i = (∂Φ/∂y_i)ᵀ λ_{i+1} + ∂L/∂y_i,   dL/dθ = Σᵢ (∂Φ/∂θ(y_i))ᵀ λ_{i+1},
//
// with ∂L/∂y_i = 2(y_i − ŷ_i)/(N·B): every observed state seeds the sweep,
// not only the last one.
//
// Unrolled (the default) takes the vector–Jacobian products of the
// integrator's own Step graph (predictor and k sweeps, with the observed
// ŷ_{i+1} as guess) by GoMLX reverse-mode autodiff of ⟨λ_{i+1}, Φ(y_i)⟩ on a
// one-step graph: exactly the map the forward pass ran, for any integrator
// (ImplicitMidpoint, GaussLegendre2, ...), so the gradient is Backprop's up to
// round-off (measured ≤ 1e-14 relative in float64).
//
// Converged differentiates the exact implicit midpoint map
// y₁ = y₀ + h·F(m), m = (y₀+y₁)/2, by the implicit function theorem. Given
// λ₁ (the cotangent of y₁, seeds included) and A = ∂F/∂y(m),
//
//	μ = λ₁ + (h/2)·Aᵀμ                      (fixed-point iterations from μ = λ₁)
//	λ₀ = μ + (h/2)·Aᵀμ  (= 2μ − λ₁)
//	dL/dθ += h·μᵀ ∂F/∂θ(m).
//
// Since μ = (λ₀ + λ₁)/2, this is the implicit midpoint rule run backwards on
// the adjoint equation dλ/dt = −(∂F/∂y)ᵀλ with the Jacobian taken at the
// forward midpoint, and h·μᵀ∂F/∂θ(m) is the midpoint quadrature of the
// gradient integral: the "same symplectic integrator on the adjoint"
// construction that makes the adjoint agree with backprop. Aᵀμ and
// μᵀ∂F/∂θ are vector–Jacobian products of ⟨μ, F(m)⟩ with μ held constant
// (StopGradient): no Hessian is formed. m uses the forward pass's y₁; when
// the forward sweeps are not converged the result is the gradient of the
// converged map at slightly perturbed states (it matches Backprop only as
// the forward iterations converge). Each step costs AdjointIterations + 1
// VJPs; the iteration contracts like the forward one, with factor about
// h·Lip(F)/2.
//
// # Relation to the paper (Section 4.2, equations (16)–(19))
//
// The paper writes the continuous adjoint ODE dλ/dt = −(∂f/∂y)ᵀλ,
// equations (16)–(17), with the terminal condition (18) λ(T) = ∂L/∂y(T) only,
// and the gradient integral (19) by the trapezoidal rule. Here, instead:
// (a) the backward sweep is the exact adjoint of the discrete map
// (discretize-then-optimize), so the gradient is the gradient of the loss
// actually computed, not an O(h²) approximation of it; (b) the loss (26) has a
// term at every observed state, so λ jumps by ∂L/∂y_i at every step on the way
// back, which a terminal-only condition (18) misses; (c) the Jacobian is
// applied transposed, (∂F/∂y)ᵀλ, as a VJP (the authors' public code applies it
// untransposed and seeds from the last state only; TestAdjointRejectsFlaws
// shows either mistake moves the gradient by far more than round-off); (d) the
// θ-integral uses the midpoint of each step, where F was evaluated, not the
// trapezoid.
//
// # Memory and executors
//
// Executors (compiled once per batch shape and reused for every step): a
// split of the windows into ŷ₀…ŷ_N, a forward step (y_i, ŷ_{i+1}) ↦ (y_{i+1},
// residual, Σ‖y_{i+1} − ŷ_{i+1}‖²), a backward executor that returns λ_c
// (less its own seed, added by the next call) and the running gradient sums,
// and, for Train, an update executor whose graph takes the gradients as
// inputs. Gradients are in TrainableVariables order (Backprop's order); every
// trainable variable of the Hamiltonian's scope must be used by the model.
// The Unrolled variant's backward executor re-integrates and differentiates
// a whole chunk of K steps; that of the last chunk (λ_N = 0) also returns its
// residual and errors, so the forward pass stops at the last chunk's start.
// The Converged variant and Recompute go back step by step.
//
// Two savings keep the sweep's cost near Backprop's: the chunks (the
// forward pass solves N − L of the N steps a second time, L the last chunk's
// length: measured 1.21× Backprop's time at N = 6, K = 3, B = 512 on 2 cores,
// against 1.32× step by step, K = 1), and every executor cuts the batch into
// Problem.Shards independent branches, which the pure-Go backend runs on
// separate cores (a one-step graph has little parallelism of its own).
type DiscreteAdjoint struct {
	// Variant selects the differentiated map; the zero value is Unrolled,
	// which equals Backprop.
	Variant Variant
	// AdjointIterations is the number of fixed-point iterations on μ of the
	// Converged variant; 0 means DefaultAdjointIterations (20). Unused by Unrolled.
	AdjointIterations int
	// Recompute, when set, keeps no forward states: the backward sweep
	// recovers y_i from y_{i+1} by integrating backwards, y_i ≈ Φ_{−h}(y_{i+1})
	// (with ŷ_i as the guess), since the implicit midpoint and Gauss–Legendre
	// maps are symmetric. That is exact only for a converged forward solve:
	// with k sweeps each recovered state is off by the solver error, and the
	// gradient with it. Measured (float64, tests' MLPs, TestAdjointRecompute):
	// relative gradient error about 0.01–0.1 × the forward residual (ImplicitMidpoint
	// k = 3: 1e-10 at h = 0.1, 3e-7 at h = 0.3; k = 6, h = 0.3: 1e-13); with a
	// converged solve (k = 50, h = 0.3, N = 20) ≤ 4e-16, round-off only.
	// y₀ = ŷ₀ is never recomputed. It costs one more step solve per step.
	Recompute bool
	// MaxStoredStates bounds the states [B, 2d] the forward pass keeps for the
	// backward sweep (without Recompute); 0 means DefaultMaxStoredStates
	// (128), a negative value no bound. Up to that many (N+1 ≤ MaxStoredStates)
	// every state is kept. Beyond, the forward pass keeps a checkpoint every
	// K = ⌈√N⌉ steps and the backward sweep recomputes the states inside each
	// segment forward from its checkpoint with the same forward executor, so
	// the gradient is unchanged (still Backprop's to round-off) while about
	// 2√N states are held at once; this costs one more forward step solve per step.
	MaxStoredStates int
	// Chunk is the number of consecutive steps one backward executor of the
	// Unrolled variant (without Recompute) re-integrates and differentiates
	// together: the sweep goes back a chunk at a time, λ_c = (∂y_{c+K}/∂y_c)ᵀλ_{c+K}
	// plus the seeds inside, and the forward pass stops at the start of the last
	// chunk. 0 means DefaultChunk (3); 1 is the step-by-step sweep. Memory grows
	// with Chunk (the activations of K steps), not with N: measured peak RSS
	// 64–68 MiB at N = 4, 32 and 256 with K = 3, against 39 MiB with K = 1
	// (B = 512, `hnn bench memory`). Every step is solved twice except those of
	// the last chunk, L ≤ K steps: (2 − L/N)Φ of forward solves plus the VJPs,
	// against Backprop's Φ, so chunks pay off at short rollouts (N = 6: 1.21×
	// Backprop's time with K = 3, 1.32× with K = 1) and make no difference at
	// long ones.
	Chunk int

	// flaw deliberately breaks the sweep, for tests that show the checks can
	// fail (see adjoint_export_test.go). Zero in normal use.
	flaw flaw
}

// flaw is a deliberate mistake, used only by tests.
type flaw int

const (
	noFlaw flaw = iota
	// flawLastStateOnly seeds the sweep with ∂L/∂y_N only.
	flawLastStateOnly
	// flawUntransposed applies A = ∂F/∂y instead of Aᵀ (Converged only).
	flawUntransposed
)

// String names the method: "adjoint" (the default, unrolled variant),
// "adjoint-converged", with "-recompute" appended when states are recomputed.
func (a DiscreteAdjoint) String() string {
	s := "adjoint"
	if a.Variant != Unrolled {
		s += "-" + a.Variant.String()
	}
	if a.Recompute {
		s += "-recompute"
	}
	return s
}

func (a DiscreteAdjoint) iters() int {
	if a.AdjointIterations <= 0 {
		return DefaultAdjointIterations
	}
	return a.AdjointIterations
}

// chunked reports whether the sweep goes back a chunk of steps at a time
// (Unrolled without Recompute); otherwise it goes step by step.
func (a DiscreteAdjoint) chunked() bool {
	return a.Variant == Unrolled && !a.Recompute && a.flaw == noFlaw
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

// Compile implements Method.
func (a DiscreteAdjoint) Compile(backend compute.Backend, store *model.Store, p Problem, update Update) (Computer, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if p.Objective != nil {
		return nil, errors.New("gradient: the discrete adjoint differentiates the rollout loss (26) only; use Backprop for a custom Objective")
	}
	switch a.Variant {
	case Unrolled:
	case Converged:
		if _, ok := p.Integ().(integrator.ImplicitMidpoint); !ok {
			return nil, fmt.Errorf("gradient: the converged discrete adjoint needs the implicit midpoint integrator, got %s "+
				"(use the unrolled variant)", p.Integ())
		}
	default:
		return nil, fmt.Errorf("gradient: unknown adjoint variant %d", int(a.Variant))
	}
	if a.AdjointIterations < 0 {
		return nil, fmt.Errorf("gradient: adjoint iterations must be ≥ 0, got %d", a.AdjointIterations)
	}
	if a.Chunk < 0 {
		return nil, fmt.Errorf("gradient: adjoint chunk must be ≥ 1 (0: the default %d), got %d", DefaultChunk, a.Chunk)
	}
	c := &adjointComputer{a: a, p: p, store: store, update: update}
	var err error
	n := p.N()
	c.split, err = model.NewExec(backend, store, func(root *model.Scope, obs *Node) []*Node {
		p.CheckWindows(obs)
		parts := make([]*Node, n+1)
		for i := range parts {
			parts[i] = Squeeze(Slice(obs, AxisRange(), AxisElem(i), AxisRange()), 1)
		}
		return parts
	})
	if err != nil {
		return nil, err
	}
	c.forward, err = model.NewExec(backend, store, func(root *model.Scope, y, target *Node) (*Node, *Node, *Node) {
		root.SetTraining(y.Graph(), true) // read variables as parameters, not frozen constants
		y1, res := p.step(root.At(ScopeName), y, target, p.Step)
		return y1, res, ReduceAllSum(Square(Sub(y1, target)))
	})
	if err != nil {
		return nil, err
	}
	if a.chunked() {
		// Inputs: y_c, ŷ_{c+1}…ŷ_{c+K}, λ̃_{c+K}, acc... ; outputs: λ̃_c, acc'..., residual, Σ‖y_{c+j} − ŷ_{c+j}‖² (j = 1…K).
		k, last, _ := a.ChunkSchedule(n)
		c.backward, err = model.NewExec(backend, store, func(root *model.Scope, in []*Node) []*Node {
			root.SetTraining(in[0].Graph(), true)
			return a.backwardChunk(root, p, in[0], in[1:k+1], in[k+1], in[k+2:])
		})
		if err != nil {
			return nil, err
		}
		// The last chunk (λ̃_N = 0). Inputs: y_{N−L}, ŷ_{N−L+1}…ŷ_N, acc... ; outputs as above.
		c.backwardLast, err = model.NewExec(backend, store, func(root *model.Scope, in []*Node) []*Node {
			root.SetTraining(in[0].Graph(), true)
			return a.backwardChunk(root, p, in[0], in[1:last+1], nil, in[last+1:])
		})
		if err != nil {
			return nil, err
		}
	} else {
		// Inputs: y_i, y_{i+1}, ŷ_{i+1}, λ̃_{i+1}, acc... ; outputs: λ̃_i, acc'...
		c.backward, err = model.NewExec(backend, store, func(root *model.Scope, in []*Node) []*Node {
			root.SetTraining(in[0].Graph(), true)
			return a.backwardSharded(root, p, in[0], in[1], in[2], in[3], in[4:])
		})
		if err != nil {
			return nil, err
		}
	}
	if a.Recompute {
		// Inputs: y_{i+1}, ŷ_{i+1}, ŷ_i, λ̃_{i+1}, acc... ; outputs: y_i, λ̃_i, acc'...
		c.backwardRecompute, err = model.NewExec(backend, store, func(root *model.Scope, in []*Node) []*Node {
			root.SetTraining(in[0].Graph(), true)
			y1, target, prevObs := in[0], in[1], in[2]
			y0, _ := p.step(root.At(ScopeName), y1, prevObs, -p.Step) // a recovered input: backwardSharded stops gradients at it
			return append([]*Node{y0}, a.backwardSharded(root, p, y0, y1, target, in[3], in[4:])...)
		})
		if err != nil {
			return nil, err
		}
	}
	if update != nil {
		c.apply, err = model.NewExec(backend, store, func(root *model.Scope, grads []*Node) *Node {
			g := grads[0].Graph()
			root.SetTraining(g, true)
			vars := TrainableVariables(store)
			if len(vars) != len(grads) {
				panic(fmt.Sprintf("gradient: %d gradients for %d trainable variables", len(grads), len(vars)))
			}
			for _, v := range vars {
				v.NodeValue(g) // the optimizer updates only variables in use by the graph
			}
			update(root, grads, grads[0].DType())
			return ScalarZero(g, grads[0].DType())
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// backwardChunk builds the backward sweep over one chunk of steps on the
// whole batch, each batch shard an independent branch of the graph: from y0
// = y_c it re-integrates y_{c+1}…y_{c+K} with the targets ŷ (also the
// integrator's guesses) and differentiates
//
//	S = Σ_j ‖y_{c+j} − ŷ_{c+j}‖² / (N·B) + ⟨y_{c+K}, λ̃_{c+K}⟩
//
// with respect to y_c and θ: λ̃_c (the cotangent of y_c less its own seed) and
// the chunk's contributions to dL/dθ, added to acc. lam = nil is the last
// chunk, λ̃_N = 0. The outputs are λ̃_c, acc'..., the chunk's largest residual
// and Σ‖y_{c+j} − ŷ_{c+j}‖² for j = 1…K.
func (a DiscreteAdjoint) backwardChunk(root *model.Scope, p Problem, y0 *Node, targets []*Node, lam *Node, acc []*Node) []*Node {
	b := y0.Shape().Dim(0)
	n := p.shards(y0.Graph(), b)
	scope := root.At(ScopeName)
	f := p.VectorField(scope)
	vars := varNodes(scope, y0.Graph())
	if len(vars) != len(acc) {
		panic(fmt.Sprintf("gradient: %d running gradient sums for %d trainable variables", len(acc), len(vars)))
	}
	shardedTargets := make([][]*Node, len(targets))
	for j, t := range targets {
		shardedTargets[j] = shard(t, n)
	}
	var lams []*Node
	if lam != nil {
		lams = shard(lam, n)
	}
	var lam0s []*Node
	var res *Node
	ys := make([][]*Node, len(targets)) // ys[j][i]: y_{c+1+j} on shard i
	sum := acc
	for i, y0i := range shard(y0, n) {
		// Identity(StopGradient(·)): a node of its own to take the gradient at,
		// with nothing flowing past it into y0's computation.
		start := Identity(StopGradient(y0i))
		y := start
		var obj *Node
		for j := range targets {
			var r *Node
			y, r = p.Integ().Step(f, y, shardedTargets[j][i], p.Step)
			ys[j] = append(ys[j], y)
			term := MulScalar(ReduceAllSum(Square(Sub(y, shardedTargets[j][i]))), 1/float64(p.N()*b))
			if obj == nil {
				obj = term
			} else {
				obj = Add(obj, term)
			}
			if res == nil {
				res = r
			} else {
				res = Max(res, r)
			}
		}
		if lams != nil {
			obj = Add(obj, ReduceAllSum(Mul(y, lams[i])))
		}
		grads := Gradient(obj, append([]*Node{start}, vars...)...)
		lam0s = append(lam0s, grads[0])
		next := make([]*Node, len(acc))
		for j := range acc {
			next[j] = Add(sum[j], grads[j+1])
		}
		sum = next
	}
	out := append(append([]*Node{concat(lam0s)}, sum...), StopGradient(res))
	for j, t := range targets {
		// Σ‖y − ŷ‖² of each step over the whole batch, as the forward executor
		// sums it, so that the loss does not depend on where the sweep starts.
		out = append(out, StopGradient(ReduceAllSum(Square(Sub(concat(ys[j]), t)))))
	}
	return out
}

// backwardSharded builds one step of the backward sweep on the whole batch:
// backwardStep on each batch shard (independent branches of the graph), with
// λ̃₀ concatenated and the contributions summed. y0 is the step's input state,
// y1 the forward output, target = ŷ₁ (also the integrator's guess), lam = λ̃₁
// (the cotangent of y₁ less its own seed), acc the running gradient sums. It
// returns λ̃₀ (without y₀'s seed) and acc + the step's contributions.
func (a DiscreteAdjoint) backwardSharded(root *model.Scope, p Problem, y0, y1, target, lam *Node, acc []*Node) []*Node {
	b := y0.Shape().Dim(0)
	n := p.shards(y0.Graph(), b)
	y0s, targets := shard(y0, n), shard(target, n)
	y1s, lams := shard(y1, n), shard(lam, n)
	var lam0s []*Node
	sum := acc
	for i := range y0s {
		// Identity(StopGradient(·)): a node of its own to take the gradient at,
		// with nothing flowing past it into y0's computation.
		lam0, contrib := a.backwardStep(root, p, Identity(StopGradient(y0s[i])), y1s[i], targets[i], lams[i], b)
		if len(contrib) != len(acc) {
			panic(fmt.Sprintf("gradient: %d running gradient sums for %d trainable variables", len(acc), len(contrib)))
		}
		lam0s = append(lam0s, lam0)
		next := make([]*Node, len(acc))
		for j := range acc {
			next[j] = Add(sum[j], contrib[j])
		}
		sum = next
	}
	return append([]*Node{concat(lam0s)}, sum...)
}

// backwardStep builds one step of the backward sweep on one batch shard (of
// a batch of b): it returns λ̃₀ (without y₀'s seed) and the step's
// contributions to dL/dθ. y0 must be a node that gradients can be taken with
// respect to.
func (a DiscreteAdjoint) backwardStep(root *model.Scope, p Problem, y0, y1, target, lam *Node, b int) (lam0 *Node, contrib []*Node) {
	g := y0.Graph()
	scope := root.At(ScopeName)
	f := p.VectorField(scope)
	seed := MulScalar(Sub(y1, target), 2/float64(p.N()*b)) // ∂L/∂y₁
	if a.flaw == flawLastStateOnly {
		seed = ZerosLike(seed) // the seed of y_N is passed in lam instead
	}
	lam1 := Add(lam, seed)

	switch a.Variant {
	case Unrolled:
		y1again, _ := p.Integ().Step(f, y0, target, p.Step)
		s := ReduceAllSum(Mul(y1again, lam1))
		vars := varNodes(scope, g)
		grads := Gradient(s, append([]*Node{y0}, vars...)...)
		lam0, contrib = grads[0], grads[1:]
	case Converged:
		h := p.Step
		m := MulScalar(Add(y0, y1), 0.5)
		fm := f(m)
		vjp := func(mu *Node, wrt ...*Node) []*Node { // (μᵀ ∂F/∂x) for each x in wrt, μ held constant
			return Gradient(ReduceAllSum(Mul(StopGradient(mu), fm)), wrt...)
		}
		if a.flaw == flawUntransposed {
			// A·μ = ∂/∂u ⟨Aᵀu, μ⟩, by a second reverse sweep (for the flaw test only).
			u := Identity(ZerosLike(m))
			vjpM := vjp
			vjp = func(mu *Node, wrt ...*Node) []*Node {
				atu := Gradient(ReduceAllSum(Mul(u, fm)), m)[0]
				amu := Gradient(ReduceAllSum(Mul(atu, StopGradient(mu))), u)[0]
				out := vjpM(mu, wrt...)
				out[0] = amu
				return out
			}
		}
		mu := lam1
		for range a.iters() {
			mu = Add(lam1, MulScalar(vjp(mu, m)[0], h/2))
		}
		vars := varNodes(scope, g)
		grads := vjp(mu, append([]*Node{m}, vars...)...)
		lam0 = Add(mu, MulScalar(grads[0], h/2))
		contrib = make([]*Node, len(vars))
		for i, gv := range grads[1:] {
			contrib[i] = MulScalar(gv, h)
		}
	}
	return lam0, contrib
}

// varNodes returns the graph values of the trainable variables, in TrainableVariables order.
func varNodes(scope *model.Scope, g *Graph) []*Node {
	var nodes []*Node
	for v := range scope.IterVariables() {
		if v.Trainable {
			nodes = append(nodes, v.NodeValue(g))
		}
	}
	return nodes
}

type adjointComputer struct {
	a      DiscreteAdjoint
	p      Problem
	store  *model.Store
	update Update

	split, forward, backward, backwardRecompute, backwardLast, apply *model.Exec
}

// source gives the observed states ŷ_i [B, 2d] to the sweeps; done(i, t)
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
	if c.a.flaw == flawLastStateOnly {
		// Seed λ_N on the host: (2/(N·B))(y_N − ŷ_N); the graph adds no seeds.
		last, err := src.state(n)
		if err != nil {
			return Result{}, err
		}
		lam, err = seedOnHost(yN, last, 2/float64(n*b))
		src.done(last)
		if err != nil {
			return Result{}, err
		}
	}
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

// seedOnHost returns scale·(y − target) (for the last-state-only flaw test).
func seedOnHost(y, target *tensors.Tensor, scale float64) (*tensors.Tensor, error) {
	if y.DType() != dtypes.Float64 {
		return nil, errors.New("gradient: flaw tests need float64")
	}
	a, b := tensors.MustCopyFlatData[float64](y), tensors.MustCopyFlatData[float64](target)
	for i := range a {
		a[i] = scale * (a[i] - b[i])
	}
	return tensors.FromFlatDataAndDimensions(a, y.Shape().Dimensions...), nil
}
