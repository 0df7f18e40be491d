package gradient

import (
	"errors"
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
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
// round-off (TestAdjointMatchesBackprop).
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
// shows that either mistake moves the gradient by far more than round-off); (d) the
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
// forward pass solves only N − L of the N steps a second time, L the last
// chunk's length: N − 1 with K = 1), and every executor cuts the
// batch into Problem.Shards independent branches, which the pure-Go backend
// runs on separate cores (a one-step graph has little parallelism of its own).
// The README's benchmark section has the measured times.
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
	// gradient with it: the relative gradient error is a fraction of the
	// forward residual, and round-off only with a converged solve
	// (TestAdjointRecompute checks both). y₀ = ŷ₀ is never recomputed. It
	// costs one more step solve per step.
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
	// with Chunk (the activations of K steps), not with N (`hnn bench memory`;
	// see the README). Every step is solved twice except those of the last
	// chunk, L ≤ K steps: (2 − L/N)Φ of forward solves plus the VJPs, against
	// Backprop's Φ, so chunks pay off at short rollouts, where L/N is large,
	// and make no difference at long ones.
	Chunk int
}

// String names the method as ByName does: "adjoint" (the default, unrolled
// variant), "adjoint-step" (unrolled, Chunk 1), "adjoint-converged", with
// "-recompute" appended when states are recomputed. The other fields are not
// part of the name.
func (a DiscreteAdjoint) String() string {
	s := "adjoint"
	if a.Variant == Unrolled && a.Chunk == 1 && !a.Recompute {
		return "adjoint-step"
	}
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
