package ansatz

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Hamiltonian is a learnable energy H(y; θ) built on a GoMLX scope.
//
// Implementations create their variables under the scope they are given, with
// the dtype of y, and must panic with an "ansatz: ..." message on shape misuse.
type Hamiltonian interface {
	// Dim is the number of degrees of freedom d; inputs are [B, 2d].
	Dim() int
	// Energy returns H at each row of y: shape [B].
	Energy(scope *model.Scope, y *Node) *Node
	// Gradient returns ∇_y H at each row of y: shape [B, 2d]. It must equal
	// the autodiff gradient of Energy and be differentiable in θ and y.
	Gradient(scope *model.Scope, y *Node) *Node
	// Init creates (or overwrites) the variables in scope with initial values
	// drawn from a stream seeded by seed; the same seed gives the same values.
	Init(scope *model.Scope, dtype dtypes.DType, seed uint64)
	// String describes the architecture, e.g. "mlp 2-16-32-16-1 tanh".
	String() string
}

// VectorField returns F(y) = J⁻¹∇H(y) = (∂H/∂p, −∂H/∂q), shape [B, 2d].
func VectorField(h Hamiltonian, scope *model.Scope, y *Node) *Node {
	return Symplectic(h.Gradient(scope, y))
}

// Symplectic maps a gradient (g_q, g_p) to (g_p, −g_q), i.e. applies J⁻¹ to rows of g [B, 2d].
func Symplectic(g *Node) *Node {
	d := g.Shape().Dim(1) / 2
	gq := Slice(g, AxisRange(), AxisRange(0, d))
	gp := Slice(g, AxisRange(), AxisRange(d, 2*d))
	return Concatenate([]*Node{gp, Neg(gq)}, 1)
}

// AutodiffGradient returns ∇_y H by GoMLX reverse-mode autodiff of h.Energy.
// It is the reference that closed-form gradients are tested against.
func AutodiffGradient(h Hamiltonian, scope *model.Scope, y *Node) *Node {
	return Gradient(ReduceAllSum(h.Energy(scope, y)), y)[0]
}

// Activation names a smooth scalar nonlinearity with its derivative written
// in terms of the activation's input and output.
type Activation string

const (
	// TanhActivation is tanh(z); σ'(z) = 1 − tanh²(z). The default.
	TanhActivation Activation = "tanh"
	// SoftplusActivation is log(1 + eᶻ); σ'(z) = 1/(1 + e⁻ᶻ).
	SoftplusActivation Activation = "softplus"
)

func (a Activation) apply(z *Node) *Node {
	switch a {
	case TanhActivation, "":
		return Tanh(z)
	case SoftplusActivation:
		return Softplus(z)
	}
	panic(fmt.Sprintf("ansatz: unknown activation %q (valid: tanh, softplus)", string(a)))
}

// derivative returns σ'(z) given z and a = σ(z).
func (a Activation) derivative(z, act *Node) *Node {
	switch a {
	case TanhActivation, "":
		return OneMinus(Square(act))
	case SoftplusActivation:
		return Sigmoid(z)
	}
	panic(fmt.Sprintf("ansatz: unknown activation %q (valid: tanh, softplus)", string(a)))
}

// ParseActivation checks an activation name.
func ParseActivation(name string) (Activation, error) {
	switch Activation(name) {
	case TanhActivation, SoftplusActivation:
		return Activation(name), nil
	}
	return "", fmt.Errorf("unknown activation %q (valid: tanh, softplus)", name)
}

// DefaultWidths are the paper's hidden widths.
var DefaultWidths = []int{16, 32, 16}

// MLP is the multilayer-perceptron Hamiltonian
//
//	a₀ = y,  a_l = σ(a_{l−1} W_l + b_l) (l = 1…L),  H = a_L · w_out
//
// with no output bias (the additive constant of H is not identifiable and
// gets no gradient).
type MLP struct {
	// D is the number of degrees of freedom; inputs have 2D columns. Required.
	D int
	// Widths are the hidden layer widths; nil means DefaultWidths (16, 32, 16).
	Widths []int
	// Activation is the hidden nonlinearity; "" means TanhActivation.
	Activation Activation
	// Autodiff makes Gradient use GoMLX reverse-mode autodiff of Energy
	// instead of the closed-form sweep: the same values, a larger graph.
	Autodiff bool
}

// Dim implements Hamiltonian.
func (m MLP) Dim() int { return m.D }

func (m MLP) widths() []int {
	if m.Widths == nil {
		return DefaultWidths
	}
	return m.Widths
}

// String describes the architecture, e.g. "mlp 2-16-32-16-1 tanh".
func (m MLP) String() string {
	parts := []string{fmt.Sprint(2 * m.D)}
	for _, w := range m.widths() {
		parts = append(parts, fmt.Sprint(w))
	}
	act := m.Activation
	if act == "" {
		act = TanhActivation
	}
	return fmt.Sprintf("mlp %s-1 %s", strings.Join(parts, "-"), act)
}

func (m MLP) check(y *Node) {
	if m.D <= 0 {
		panic(fmt.Sprintf("ansatz: MLP.D must be positive, got %d", m.D))
	}
	if y.Rank() != 2 || y.Shape().Dim(1) != 2*m.D {
		panic(fmt.Sprintf("ansatz: MLP with D=%d expects y of shape [B, %d], got %s", m.D, 2*m.D, y.Shape()))
	}
	for _, w := range m.widths() {
		if w <= 0 {
			panic(fmt.Sprintf("ansatz: MLP widths must be positive, got %v", m.widths()))
		}
	}
}

// layer returns the weight [in, out] and bias [1, out] nodes of hidden layer l
// (l = len(widths) is the output layer, weight [in, 1], no bias).
func (m MLP) params(scope *model.Scope, g *Graph, dtype dtypes.DType) (ws, bs []*Node) {
	in := 2 * m.D
	for l, w := range m.widths() {
		s := scope.At("layer%d", l)
		ws = append(ws, s.VariableWithShape("weights", shapes.Make(dtype, in, w)).NodeValue(g))
		bs = append(bs, s.VariableWithShape("biases", shapes.Make(dtype, 1, w)).NodeValue(g))
		in = w
	}
	s := scope.At("output")
	ws = append(ws, s.VariableWithShape("weights", shapes.Make(dtype, in, 1)).NodeValue(g))
	return ws, bs
}

// forward returns the pre-activations z_l and activations a_l of the hidden layers.
func (m MLP) forward(ws, bs []*Node, y *Node) (zs, acts []*Node) {
	a := y
	for l := range bs {
		z := Add(DotProduct(a, ws[l]), bs[l])
		a = m.Activation.apply(z)
		zs, acts = append(zs, z), append(acts, a)
	}
	return zs, acts
}

// Energy implements Hamiltonian: H = a_L · w_out, shape [B].
func (m MLP) Energy(scope *model.Scope, y *Node) *Node {
	m.check(y)
	ws, bs := m.params(scope, y.Graph(), y.DType())
	_, acts := m.forward(ws, bs, y)
	out := DotProduct(acts[len(acts)-1], ws[len(ws)-1]) // [B, 1]
	return Reshape(out, y.Shape().Dim(0))
}

// Gradient implements Hamiltonian with the closed-form backward sweep
//
//	g_L = w_outᵀ,  δ_l = g_l ⊙ σ'(z_l),  g_{l−1} = δ_l W_lᵀ,  ∇_y H = g₀.
func (m MLP) Gradient(scope *model.Scope, y *Node) *Node {
	m.check(y)
	if m.Autodiff {
		return AutodiffGradient(m, scope, y)
	}
	ws, bs := m.params(scope, y.Graph(), y.DType())
	zs, acts := m.forward(ws, bs, y)
	L := len(bs)
	// g_L = 1 · w_outᵀ broadcast over the batch: [B, w_L].
	wOut := Reshape(ws[L], 1, ws[L].Shape().Dim(0))
	var g *Node
	for l := L - 1; l >= 0; l-- {
		var delta *Node
		if l == L-1 {
			delta = Mul(m.Activation.derivative(zs[l], acts[l]), wOut)
		} else {
			delta = Mul(g, m.Activation.derivative(zs[l], acts[l]))
		}
		g = Dot(delta, ws[l]).General([]int{1}, nil, []int{1}, nil) // δ_l W_lᵀ: [B, in]
	}
	return g
}

// Init sets the MLP's weights in scope to Glorot-uniform values drawn from a
// PCG stream seeded by seed (biases zero), so that the same seed always gives
// the same network. dtype is Float64 or Float32.
func (m MLP) Init(scope *model.Scope, dtype dtypes.DType, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	in := 2 * m.D
	glorot := func(name string, fanIn, fanOut int, s *model.Scope) {
		limit := math.Sqrt(6 / float64(fanIn+fanOut))
		vals := make([]float64, fanIn*fanOut)
		for i := range vals {
			vals[i] = (2*rng.Float64() - 1) * limit
		}
		setVar(s, name, dtype, vals, fanIn, fanOut)
	}
	for l, w := range m.widths() {
		s := scope.At("layer%d", l)
		glorot("weights", in, w, s)
		setVar(s, "biases", dtype, make([]float64, w), 1, w)
		in = w
	}
	glorot("weights", in, 1, scope.At("output"))
}

func setVar(s *model.Scope, name string, dtype dtypes.DType, vals []float64, dims ...int) {
	var t *tensors.Tensor
	switch dtype {
	case dtypes.Float64:
		t = tensors.FromFlatDataAndDimensions(slices.Clone(vals), dims...)
	case dtypes.Float32:
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		t = tensors.FromFlatDataAndDimensions(f, dims...)
	default:
		panic(fmt.Sprintf("ansatz: dtype must be Float64 or Float32, got %s", dtype))
	}
	if v := s.GetVariable(name); v != nil {
		v.MustSetValue(t)
		return
	}
	if _, err := s.CreateVariable(name, t); err != nil {
		panic(fmt.Sprintf("ansatz: creating %s/%s: %v", s.Scope(), name, err))
	}
}
