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
	"github.com/gomlx/gomlx/ml/model"

	"github.com/hnnlab/hnnlab/hnn/internal/tensorconv"
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
//
// A Hamiltonian with its own VectorField method (MLP) computes it directly.
func VectorField(h Hamiltonian, scope *model.Scope, y *Node) *Node {
	if f, ok := h.(interface {
		VectorField(scope *model.Scope, y *Node) *Node
	}); ok {
		return f.VectorField(scope, y)
	}
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
	// TanhActivation is tanh(z); σ'(z) = 1 − tanh²(z). The default of this
	// package's types ("" means tanh); hnn.Spec's default is softplus.
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

// forward returns, for states yT [2d, B] held feature-major, the input
// [in, B] of each hidden layer (yT, a₀, …), its pre-activation z_l = W_lᵀ·input
// + b_l and activation a_l = σ(z_l), each [w_l, B].
func (act Activation) forward(ws, bs []*Node, yT *Node) (ins, zs, acts []*Node) {
	a := yT
	for l := range bs {
		z := Add(matmul(Transpose(ws[l], 0, 1), a), Transpose(bs[l], 0, 1))
		ins = append(ins, a)
		a = act.apply(z)
		zs, acts = append(zs, z), append(acts, a)
	}
	return ins, zs, acts
}

// Energy implements Hamiltonian: H = a_L · w_out, shape [B].
func (m MLP) Energy(scope *model.Scope, y *Node) *Node {
	m.check(y)
	ws, bs := m.params(scope, y.Graph(), y.DType())
	return m.Activation.energy(ws, bs, y)
}

// energy returns H = a_L · w_out at each row of y [B, in] for the network
// with hidden weights and biases ws[:L], bs and output weights ws[L]: [B].
func (act Activation) energy(ws, bs []*Node, y *Node) *Node {
	_, _, acts := act.forward(ws, bs, Transpose(y, 0, 1))
	out := matmul(Transpose(ws[len(ws)-1], 0, 1), acts[len(acts)-1]) // [1, B]
	return Reshape(out, y.Shape().Dim(0))
}

// Gradient implements Hamiltonian with the closed-form backward sweep
//
//	g_L = w_outᵀ,  δ_l = g_l ⊙ σ'(z_l),  g_{l−1} = δ_l W_lᵀ,  ∇_y H = g₀,
//
// whose reverse-mode derivative (the Hessian-vector products that training
// needs) is written in closed form too: see mlpSweep.vjp.
func (m MLP) Gradient(scope *model.Scope, y *Node) *Node {
	return m.sweepNode(scope, y, false)
}

// VectorField returns F = J⁻¹∇H like the package-level VectorField, with J⁻¹
// folded into the first layer's weights (F = δ₀ (J⁻¹W₀)ᵀ) instead of
// applied to every row.
func (m MLP) VectorField(scope *model.Scope, y *Node) *Node {
	return m.sweepNode(scope, y, true)
}

func (m MLP) sweepNode(scope *model.Scope, y *Node, symplectic bool) *Node {
	m.check(y)
	if m.Autodiff {
		g := AutodiffGradient(m, scope, y)
		if symplectic {
			return Symplectic(g)
		}
		return g
	}
	ws, bs := m.params(scope, y.Graph(), y.DType())
	if !symplectic {
		return m.Activation.gradient(ws, bs, y)
	}
	// J⁻¹W₀: rows (W₀[d:2d], −W₀[0:d]), so that δ₀(J⁻¹W₀)ᵀ = J⁻¹(δ₀W₀ᵀ) row by row.
	out0 := Concatenate([]*Node{
		Slice(ws[0], AxisRange(m.D, 2*m.D), AxisRange()),
		Neg(Slice(ws[0], AxisRange(0, m.D), AxisRange())),
	}, 0)
	sw := m.Activation.sweep(ws, bs, out0, y)
	inputs := append(append(slices.Clone(ws), bs...), out0)
	return withVJP(sw.out, y, inputs, func(v *Node) []*Node {
		grads := sw.vjp(v)
		// The cotangent of W₀ used in the final product goes to the J⁻¹W₀
		// input; W₀'s own (forward-layer) cotangent stays in grads[1].
		grads[1] = sw.w0Forward
		return append(grads, sw.out0Bar)
	})
}

// gradient returns ∇_y of the network's energy at each row of y [B, in]
// (the closed-form sweep, with its closed-form reverse attached): [B, in].
func (act Activation) gradient(ws, bs []*Node, y *Node) *Node {
	sw := act.sweep(ws, bs, ws[0], y)
	return withVJP(sw.out, y, append(slices.Clone(ws), bs...), sw.vjp)
}

// mlpSweep holds the intermediates of one evaluation of ∇_y H. They are kept
// feature-major, [width, B]: every product of the sweep and of its reverse,
// including the weight cotangents Σ_b x[:,b] u[:,b]ᵀ, then contracts the
// left operand's trailing axis, the layout GoMLX's pure-Go backend multiplies
// without transposing [B, ·] operands.
type mlpSweep struct {
	act    Activation
	ws, bs []*Node // W_l [in, out], b_l [1, out]; ws[L] = w_out [w_L, 1]
	out0   *Node   // the weight of the final product: W₀, or J⁻¹W₀ for F
	ins    []*Node // input of hidden layer l, [in, B]: ins[0] = yᵀ, ins[l] = a_{l−1}
	acts   []*Node // a_l = σ(z_l), [w_l, B]
	ders   []*Node // s_l = σ'(z_l)
	gs     []*Node // g_l = ∂H/∂a_l ([w_L, 1] for l = L−1: w_out, broadcast)
	deltas []*Node // δ_l = g_l ⊙ s_l
	out    *Node   // ∇_y H or F, [B, 2d]

	w0Forward, out0Bar *Node // set by vjp: W₀'s cotangents from z₀ and from the final product
}

// matmul returns Σ_k a[i,k] b[k,j] for a [m, K], b [K, n].
func matmul(a, b *Node) *Node { return Dot(a, b).General([]int{1}, nil, []int{0}, nil) }

// outer returns Σ_b x[i,b] u[j,b] for x [m, B], u [n, B]: shape [m, n].
func outer(x, u *Node) *Node { return Dot(x, u).General([]int{1}, nil, []int{1}, nil) }

func (act Activation) sweep(ws, bs []*Node, out0, y *Node) *mlpSweep {
	L := len(bs)
	sw := &mlpSweep{act: act, ws: ws, bs: bs, out0: out0}
	var zs []*Node
	sw.ins, zs, sw.acts = act.forward(ws, bs, Transpose(y, 0, 1))
	for l, z := range zs {
		sw.ders = append(sw.ders, act.derivative(z, sw.acts[l]))
	}
	sw.gs = make([]*Node, L)
	sw.deltas = make([]*Node, L)
	sw.gs[L-1] = ws[L] // [w_L, 1], broadcast over the batch
	var g *Node
	for l := L - 1; l >= 0; l-- {
		if l < L-1 {
			sw.gs[l] = g
		}
		sw.deltas[l] = Mul(sw.gs[l], sw.ders[l])
		w := ws[l]
		if l == 0 {
			w = out0
		}
		g = matmul(w, sw.deltas[l]) // W_l δ_l: [in, B]
	}
	sw.out = Transpose(g, 0, 1)
	return sw
}

// vjp returns the cotangents of (y, W₀…W_{L−1}, w_out, b₀…b_{L−1}) given the
// cotangent ḡ of the sweep's output: the reverse of the backward sweep
// (l = 0…L−1)
//
//	δ̄_l = ḡ_l W_l,  W̄_l += ḡ_lᵀ δ_l,  ḡ_{l+1} = δ̄_l ⊙ s_l,  s̄_l = δ̄_l ⊙ g_l
//	(last layer: s̄ = δ̄ ⊙ w_outᵀ, w̄_out = Σ_b δ̄ ⊙ s),
//
// then of the forward pass (l = L−1…0), with σ” written through s and a
// (tanh: σ” = −2 a s; softplus: σ” = s (1 − s)):
//
//	z̄_l = ā_l ⊙ s_l + s̄_l ⊙ σ''(z_l),  b̄_l = Σ_b z̄_l,  W̄_l += a_{l−1}ᵀ z̄_l,  ā_{l−1} = z̄_l W_lᵀ,
//
// with ā_{L−1} = 0 and ȳ = ā_{−1} (formulas written batch-major; the code
// holds their transposes). TestMLPGradientVJPMatchesAutodiff compares the
// result with nested autodiff.
func (sw *mlpSweep) vjp(v *Node) []*Node {
	L := len(sw.bs)
	wBar := make([]*Node, L+1)
	bBar := make([]*Node, L)
	sBar := make([]*Node, L)
	gBar := Transpose(v, 0, 1) // [2d, B]
	for l := range L {
		w := sw.ws[l]
		if l == 0 {
			w = sw.out0
		}
		dBar := matmul(Transpose(w, 0, 1), gBar) // [out, B]
		wBar[l] = outer(gBar, sw.deltas[l])      // [in, out]
		if l == 0 {
			sw.out0Bar = wBar[0]
		}
		sBar[l] = Mul(dBar, sw.gs[l])
		if l < L-1 {
			gBar = Mul(dBar, sw.ders[l])
		} else {
			wBar[L] = Reshape(ReduceSum(Mul(dBar, sw.ders[l]), 1), sw.ws[L].Shape().Dimensions...) // Σ_b δ̄ ⊙ s
		}
	}
	var aBar *Node // ā_{L−1} = 0
	for l := L - 1; l >= 0; l-- {
		zBar := sw.zBar(l, aBar, sBar[l])
		bBar[l] = Reshape(ReduceSum(zBar, 1), sw.bs[l].Shape().Dimensions...)
		wz := outer(sw.ins[l], zBar)
		if l == 0 {
			sw.w0Forward = wz
			wBar[0] = Add(wBar[0], wz)
		} else {
			wBar[l] = Add(wBar[l], wz)
		}
		aBar = matmul(sw.ws[l], zBar) // W_l z̄_l: [in, B]
	}
	return append(append([]*Node{Transpose(aBar, 0, 1)}, wBar...), bBar...)
}

// zBar returns z̄_l = s ⊙ (ā + r ⊙ s̄) with σ” = r s: r = −2a for tanh, 1 − s
// for softplus. aBar is nil for the last hidden layer (ā = 0).
func (sw *mlpSweep) zBar(l int, aBar, sBar *Node) *Node {
	s := sw.ders[l]
	var rs *Node
	switch sw.act {
	case TanhActivation, "":
		rs = MulScalar(Mul(sw.acts[l], sBar), -2)
	case SoftplusActivation:
		rs = Mul(OneMinus(s), sBar)
	default:
		panic(fmt.Sprintf("ansatz: unknown activation %q (valid: tanh, softplus)", string(sw.act)))
	}
	if aBar != nil {
		rs = Add(aBar, rs)
	}
	return Mul(s, rs)
}

// withVJP returns a node equal to out whose reverse-mode derivative with
// respect to y and params is vjp(v) = (ȳ, p̄₀, p̄₁, …) for the cotangent v
// of out, instead of GoMLX's derivative of the ops that computed out. out
// and y must have the same shape. out itself stays differentiable through its
// ops for anything that differentiates vjp's result again (higher orders):
// its intermediates are not stopped.
//
// GoMLX offers custom gradients for single-input identities only
// (IdentityWithCustomGradient), so the result is stop(out) + c, where the
// carrier c = (y − stop(y)) + Σᵢ sum(pᵢ − stop(pᵢ)) is exactly zero. The
// cotangent reaching c is v: c's custom gradient evaluates vjp(v) and passes
// ȳ on to y. Each pᵢ − stop(pᵢ) is itself a custom-gradient identity that
// returns p̄ᵢ from that evaluation (discarding the cotangent that reached it
// through the sum); autodiff visits it after c because it lies upstream.
func withVJP(out, y *Node, params []*Node, vjp func(v *Node) []*Node) *Node {
	if !out.Shape().Equal(y.Shape()) {
		panic(fmt.Sprintf("ansatz: withVJP needs out and y of one shape, got %s and %s", out.Shape(), y.Shape()))
	}
	var grads []*Node
	carrier := Sub(y, StopGradient(y))
	for i, p := range params {
		c := IdentityWithCustomGradient(Sub(p, StopGradient(p)), func(_, _ *Node) *Node {
			if grads == nil {
				panic("ansatz: withVJP: a parameter's cotangent was requested before the output's")
			}
			return grads[i+1]
		})
		carrier = Add(carrier, ReduceAllSum(c))
	}
	carrier = IdentityWithCustomGradient(carrier, func(_, v *Node) *Node {
		grads = vjp(v)
		if len(grads) != len(params)+1 {
			panic(fmt.Sprintf("ansatz: withVJP: vjp returned %d cotangents for %d inputs", len(grads), len(params)+1))
		}
		for i, g := range grads {
			x := y
			if i > 0 {
				x = params[i-1]
			}
			if !g.Shape().Equal(x.Shape()) {
				panic(fmt.Sprintf("ansatz: withVJP: cotangent %d has shape %s, its input %s", i, g.Shape(), x.Shape()))
			}
		}
		return grads[0]
	})
	return Add(StopGradient(out), carrier)
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
	if dtype != dtypes.Float64 && dtype != dtypes.Float32 {
		panic(fmt.Sprintf("ansatz: dtype must be Float64 or Float32, got %s", dtype))
	}
	t := tensorconv.FromFloat64(dtype, vals, dims...)
	if v := s.GetVariable(name); v != nil {
		v.MustSetValue(t)
		return
	}
	if _, err := s.CreateVariable(name, t); err != nil {
		panic(fmt.Sprintf("ansatz: creating %s/%s: %v", s.Scope(), name, err))
	}
}
