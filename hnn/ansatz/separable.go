package ansatz

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Separable is the separable Hamiltonian
//
//	H(q, p) = T(p) + V(q),
//
// with the kinetic energy T and the potential V two independent scalar
// networks of d inputs each, shaped like MLP (a_l = σ(a_{l−1} W_l + b_l), no
// output bias). It is the ansatz of explicit-integrator baselines such as the
// Störmer–Verlet (leapfrog) models of Greydanus et al. 2019 and Chen et al.
// 2020 (SRNN): it cannot represent a coupling term such as α·p·q, which is
// the bias the comparison shows. Its gradient is
//
//	∇_y H = (∇V(q), ∇T(p)),
//
// each part by the closed-form backward sweep of MLP.Gradient. The variables
// live under the sub-scopes "kinetic" and "potential".
type Separable struct {
	// D is the number of degrees of freedom; inputs have 2D columns. Required.
	D int
	// Widths are the hidden widths of each of the two networks; nil means DefaultWidths (16, 32, 16).
	Widths []int
	// Activation is the hidden nonlinearity; "" means TanhActivation.
	Activation Activation
}

// Dim implements Hamiltonian.
func (s Separable) Dim() int { return s.D }

func (s Separable) net() scalarNet {
	w := s.Widths
	if w == nil {
		w = DefaultWidths
	}
	return scalarNet{in: s.D, widths: w, act: s.Activation}
}

// String describes the architecture, e.g. "separable T(p)+V(q), each 1-16-32-16-1 tanh".
func (s Separable) String() string {
	parts := []string{fmt.Sprint(s.D)}
	for _, w := range s.net().widths {
		parts = append(parts, fmt.Sprint(w))
	}
	act := s.Activation
	if act == "" {
		act = TanhActivation
	}
	return fmt.Sprintf("separable T(p)+V(q), each %s-1 %s", strings.Join(parts, "-"), act)
}

func (s Separable) check(y *Node) {
	if s.D <= 0 {
		panic(fmt.Sprintf("ansatz: Separable.D must be positive, got %d", s.D))
	}
	if y.Rank() != 2 || y.Shape().Dim(1) != 2*s.D {
		panic(fmt.Sprintf("ansatz: Separable with D=%d expects y of shape [B, %d], got %s", s.D, 2*s.D, y.Shape()))
	}
	for _, w := range s.net().widths {
		if w <= 0 {
			panic(fmt.Sprintf("ansatz: Separable widths must be positive, got %v", s.net().widths))
		}
	}
}

func (s Separable) split(y *Node) (q, p *Node) {
	return Slice(y, AxisRange(), AxisRange(0, s.D)), Slice(y, AxisRange(), AxisRange(s.D, 2*s.D))
}

// Energy implements Hamiltonian: T(p) + V(q), shape [B].
func (s Separable) Energy(scope *model.Scope, y *Node) *Node {
	s.check(y)
	q, p := s.split(y)
	n := s.net()
	return Add(n.energy(scope.At("kinetic"), p), n.energy(scope.At("potential"), q))
}

// Gradient implements Hamiltonian: (∇V(q), ∇T(p)), shape [B, 2d].
func (s Separable) Gradient(scope *model.Scope, y *Node) *Node {
	s.check(y)
	q, p := s.split(y)
	n := s.net()
	return Concatenate([]*Node{n.gradient(scope.At("potential"), q), n.gradient(scope.At("kinetic"), p)}, 1)
}

// Init sets both networks' weights to Glorot-uniform values (biases zero)
// drawn from one PCG stream seeded by seed, the kinetic network first.
func (s Separable) Init(scope *model.Scope, dtype dtypes.DType, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5e9a7ab1e))
	n := s.net()
	n.init(scope.At("kinetic"), dtype, rng)
	n.init(scope.At("potential"), dtype, rng)
}

// scalarNet is an MLP-shaped network from `in` inputs to a scalar, without
// output bias: the building block of Separable.
type scalarNet struct {
	in     int
	widths []int
	act    Activation
}

func (n scalarNet) params(scope *model.Scope, g *Graph, dtype dtypes.DType) (ws, bs []*Node) {
	in := n.in
	for l, w := range n.widths {
		s := scope.At("layer%d", l)
		ws = append(ws, s.VariableWithShape("weights", shapes.Make(dtype, in, w)).NodeValue(g))
		bs = append(bs, s.VariableWithShape("biases", shapes.Make(dtype, 1, w)).NodeValue(g))
		in = w
	}
	ws = append(ws, scope.At("output").VariableWithShape("weights", shapes.Make(dtype, in, 1)).NodeValue(g))
	return ws, bs
}

// energy returns the network's output at each row of x [B, in]: shape [B].
func (n scalarNet) energy(scope *model.Scope, x *Node) *Node {
	ws, bs := n.params(scope, x.Graph(), x.DType())
	return n.act.energy(ws, bs, x)
}

// gradient returns the closed-form gradient of energy with respect to x
// (MLP.Gradient's sweep and its closed-form reverse): shape [B, in].
func (n scalarNet) gradient(scope *model.Scope, x *Node) *Node {
	ws, bs := n.params(scope, x.Graph(), x.DType())
	return n.act.gradient(ws, bs, x)
}

func (n scalarNet) init(scope *model.Scope, dtype dtypes.DType, rng *rand.Rand) {
	in := n.in
	glorot := func(s *model.Scope, fanIn, fanOut int) {
		limit := math.Sqrt(6 / float64(fanIn+fanOut))
		vals := make([]float64, fanIn*fanOut)
		for i := range vals {
			vals[i] = (2*rng.Float64() - 1) * limit
		}
		setVar(s, "weights", dtype, vals, fanIn, fanOut)
	}
	for l, w := range n.widths {
		s := scope.At("layer%d", l)
		glorot(s, in, w)
		setVar(s, "biases", dtype, make([]float64, w), 1, w)
		in = w
	}
	glorot(scope.At("output"), in, 1)
}
