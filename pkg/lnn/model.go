package lnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/dynlearn/dynlearn/pkg/nn"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// InitScheme chooses the initial weight standard deviations of a network (biases start at zero).
type InitScheme int

const (
	// CranmerInit is lnn.custom_init of the original code: for Dense layer i of N, with
	// n = max(fan-in, fan-out), σ = (2.2 if i = 0, 0.58·i for hidden layers, n for the output layer)/√n.
	// For 3×600 that is 0.0898, 0.0237, 0.0474 and 24.49.
	CranmerInit InitScheme = iota
	// SlidesInit is the variant of the course slides: the same factors divided by a fixed 5.6 instead of
	// √n: σ = 2.2/5.6, 0.58·i/5.6 and 5.6 for the output layer.
	SlidesInit
	// GlorotInit is Glorot/Xavier normal, σ = √(2/(fan-in + fan-out)) (stax's default, used by the
	// baseline).
	GlorotInit
)

var initSchemeNames = [...]string{CranmerInit: "cranmer", SlidesInit: "slides", GlorotInit: "glorot"}

// String names the scheme.
func (s InitScheme) String() string {
	if s >= 0 && int(s) < len(initSchemeNames) {
		return initSchemeNames[s]
	}
	return fmt.Sprintf("InitScheme(%d)", int(s))
}

// Std returns the weight standard deviation of Dense layer i (0-based) out of numLayers, with the given
// fan-in and fan-out.
func (s InitScheme) Std(i, numLayers, fanIn, fanOut int) float64 {
	factor := 0.58 * float64(i)
	switch {
	case i == 0:
		factor = 2.2
	case i == numLayers-1:
		factor = -1 // output layer
	}
	switch s {
	case CranmerInit:
		n := float64(max(fanIn, fanOut))
		if factor < 0 {
			factor = n
		}
		return factor / math.Sqrt(n)
	case SlidesInit:
		if factor < 0 {
			return 5.6
		}
		return factor / 5.6
	default:
		return math.Sqrt(2 / float64(fanIn+fanOut))
	}
}

// Model is a Lagrangian Neural Network: a softplus MLP on (q, q̇) → scalar L, with accelerations from
// the Euler-Lagrange equations. Build it with New. The fields are its configuration (they key caches and
// checkpoints); the weights live in a model.Store under Scope.
type Model struct {
	// DoF is the number of generalised coordinates n; the network input is 2n.
	DoF int
	// Width and Depth are the hidden layer width and number of hidden layers (paper: 600, 3).
	Width, Depth int
	// Init is the weight initialisation.
	Init InitScheme
	// Solve configures the Euler-Lagrange solve.
	Solve SolveOptions
	// WrapAngles maps q to [−π, π) before the network, as the original double-pendulum code.
	WrapAngles bool
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation (Float32 by default; Float64 for tests).
	DType dtypes.DType
	// Scope is the variable scope name ("lnn").
	Scope string
	// AutodiffHessian computes the derivatives with nested graph.Gradient instead of the closed form
	// (slower; for comparison).
	AutodiffHessian bool
}

// Builder configures a Model; see New.
type Builder struct {
	m   Model
	err error
}

// New starts building an LNN for dof generalised coordinates, with the paper's defaults: 3 hidden
// layers of 600 softplus units, CranmerInit, ridge solve with ε = 0, angles wrapped, float32:
//
//	m, err := lnn.New(2).Hidden(600, 3).Init(lnn.CranmerInit).Done()
func New(dof int) *Builder {
	return &Builder{m: Model{DoF: dof, Width: 600, Depth: 3, Init: CranmerInit, WrapAngles: true,
		Seed: 1, DType: dtypes.Float32, Scope: "lnn"}}
}

// Hidden sets the hidden width and the number of hidden layers.
func (b *Builder) Hidden(width, depth int) *Builder { b.m.Width, b.m.Depth = width, depth; return b }

// Init sets the initialisation scheme.
func (b *Builder) Init(s InitScheme) *Builder { b.m.Init = s; return b }

// Ridge selects the regularised solve (Hvv + εI) q̈ = rhs.
func (b *Builder) Ridge(epsilon float64) *Builder {
	b.m.Solve = SolveOptions{Method: Ridge, Epsilon: epsilon}
	return b
}

// PInv selects the pseudo-inverse solve with relative cut-off rcond (0 means 1e-6).
func (b *Builder) PInv(rcond float64) *Builder {
	b.m.Solve = SolveOptions{Method: PInv, RCond: rcond}
	return b
}

// WrapAngles sets whether q is wrapped to [−π, π) before the network.
func (b *Builder) WrapAngles(wrap bool) *Builder { b.m.WrapAngles = wrap; return b }

// Seed sets the seed of the initial weights.
func (b *Builder) Seed(seed uint64) *Builder { b.m.Seed = seed; return b }

// DType sets the dtype of weights and computation.
func (b *Builder) DType(dt dtypes.DType) *Builder { b.m.DType = dt; return b }

// Autodiff selects nested autodiff (true) or the closed form (false, default) for the Hessians.
func (b *Builder) Autodiff(on bool) *Builder { b.m.AutodiffHessian = on; return b }

// Scope sets the variable scope name.
func (b *Builder) Scope(name string) *Builder { b.m.Scope = name; return b }

// Done validates the configuration and returns the Model.
func (b *Builder) Done() (*Model, error) {
	m := b.m
	if m.DoF < 1 {
		return nil, fmt.Errorf("lnn.New: need at least one degree of freedom, got %d", m.DoF)
	}
	if m.Width < 1 || m.Depth < 1 {
		return nil, fmt.Errorf("lnn.New: hidden layers must be at least 1 wide and 1 deep, got Hidden(%d, %d)", m.Width, m.Depth)
	}
	if m.Init < CranmerInit || m.Init > GlorotInit {
		return nil, fmt.Errorf("lnn.New: unknown init scheme %d", int(m.Init))
	}
	if err := training.CheckVariables(m.DType, m.Scope); err != nil {
		return nil, fmt.Errorf("lnn.New: %w", err)
	}
	if err := m.Solve.Validate(m.DoF); err != nil {
		return nil, fmt.Errorf("lnn.New: %w", err)
	}
	return &m, nil
}

// String describes the model.
func (m *Model) String() string {
	return fmt.Sprintf("LNN(%d DoF, %d×%d softplus, %s init, %s solve)", m.DoF, m.Depth, m.Width, m.Init, m.Solve.Method)
}

// NumDoF returns the number of generalised coordinates.
func (m *Model) NumDoF() int { return m.DoF }

// ComputeDType returns the dtype of weights and computation.
func (m *Model) ComputeDType() dtypes.DType { return m.DType }

// netShape is the configuration of a network that shapes its variables (a Net's Identity): not its
// initialisation, activation or solve.
type netShape struct {
	DoF, Width, Depth int
	DType             dtypes.DType
	Scope             string
}

// Identity is "lnn.Model" with the configuration that shapes its variables (see netShape).
func (m *Model) Identity() training.Identity {
	return training.NewIdentity("lnn.Model", netShape{m.DoF, m.Width, m.Depth, m.DType, m.Scope})
}

// layerDims returns the (fan-in, fan-out) of each Dense layer: Depth hidden layers and the output.
func layerDims(in, width, depth, out int) [][2]int {
	dims := make([][2]int, 0, depth+1)
	prev := in
	for range depth {
		dims = append(dims, [2]int{prev, width})
		prev = width
	}
	return append(dims, [2]int{prev, out})
}

// denseVariables creates (or reuses) the weights and biases of an MLP under scope, initialised from a
// Go random generator with the scheme's standard deviations, so initialisation is reproducible.
func denseVariables(scope *model.Scope, dims [][2]int, init InitScheme, seed uint64, dt dtypes.DType) (ws, bs []*model.Variable) {
	rng := rand.New(rand.NewPCG(seed, 0x4c4e4e))
	for i, d := range dims {
		s := scope.At("dense_%d", i)
		std := init.Std(i, len(dims), d[0], d[1])
		w := make([]float64, d[0]*d[1])
		for j := range w {
			w[j] = rng.NormFloat64() * std
		}
		if wv, bv := s.GetVariable("weights"), s.GetVariable("biases"); wv != nil && bv != nil {
			ws, bs = append(ws, wv), append(bs, bv)
			continue
		}
		var wt, bt *tensors.Tensor
		if dt == dtypes.Float64 {
			wt = tensors.FromFlatDataAndDimensions(w, d[0], d[1])
			bt = tensors.FromFlatDataAndDimensions(make([]float64, d[1]), d[1])
		} else {
			w32 := make([]float32, len(w))
			for j, v := range w {
				w32[j] = float32(v)
			}
			wt = tensors.FromFlatDataAndDimensions(w32, d[0], d[1])
			bt = tensors.FromFlatDataAndDimensions(make([]float32, d[1]), d[1])
		}
		if v := s.GetVariable("weights"); v != nil {
			ws = append(ws, v)
		} else {
			ws = append(ws, s.VariableWithValue("weights", wt))
		}
		if v := s.GetVariable("biases"); v != nil {
			bs = append(bs, v)
		} else {
			bs = append(bs, s.VariableWithValue("biases", bt))
		}
	}
	return ws, bs
}

// Variables creates (or returns the existing) weights and biases of the model under
// scope.In(m.Scope): Depth hidden layers and the output layer, named dense_<i>/{weights,biases}.
func (m *Model) Variables(scope *model.Scope) (ws, bs []*model.Variable) {
	return denseVariables(scope.At("%s", m.Scope), layerDims(2*m.DoF, m.Width, m.Depth, 1), m.Init, m.Seed, m.DType)
}

func nodes(g *Graph, vs []*model.Variable) []*Node {
	out := make([]*Node, len(vs))
	for i, v := range vs {
		out[i] = v.NodeValue(g)
	}
	return out
}

// WrapAngle maps angles to [−π, π): q − 2π⌊(q + π)/2π⌋. The derivative is 1 (the floor is a
// StopGradient), so derivatives of L are unaffected.
func WrapAngle(q *Node) *Node {
	k := StopGradient(Floor(MulScalar(AddScalar(q, math.Pi), 1/(2*math.Pi))))
	return Sub(q, MulScalar(k, 2*math.Pi))
}

// input returns the network input (wrapped q, q̇) from a state (batch, 2n).
func (m *Model) input(state *Node) *Node {
	if !m.WrapAngles {
		return state
	}
	n := m.DoF
	q := Slice(state, AxisRange(), AxisRange(0, n))
	v := Slice(state, AxisRange(), AxisRange(n, 2*n))
	return Concatenate([]*Node{WrapAngle(q), v}, 1)
}

func (m *Model) checkState(state *Node) {
	if state.Rank() != 2 || state.Shape().Dim(1) != 2*m.DoF {
		exceptions.Panicf("%s: state must have shape (batch, %d), got %s", m, 2*m.DoF, state.Shape())
	}
	if state.DType() != m.DType {
		exceptions.Panicf("%s: state dtype %s, model dtype %s", m, state.DType(), m.DType)
	}
}

// Lagrangian returns L per sample, shape (batch), for states (batch, 2n) = (q, q̇).
func (m *Model) Lagrangian(scope *model.Scope, state *Node) *Node {
	m.checkState(state)
	ws, bs := m.Variables(scope)
	g := state.Graph()
	return mlpForward(nodes(g, ws), nodes(g, bs), m.input(state), nn.Softplus.Apply)
}

// LagrangianFn returns the model's Lagrangian as a LagrangianFn (for AutodiffDerivatives).
func (m *Model) LagrangianFn(scope *model.Scope) LagrangianFn {
	return func(q, qdot *Node) *Node {
		return m.Lagrangian(scope, Concatenate([]*Node{q, qdot}, 1))
	}
}

// mlpForward runs Dense layers with act between them; a single output column is returned as (batch).
func mlpForward(ws, bs []*Node, x *Node, act func(*Node) *Node) *Node {
	h := x
	for i := range ws {
		h = Add(Dot(h, ws[i]).Product(), InsertAxes(bs[i], 0))
		if i < len(ws)-1 {
			h = act(h)
		}
	}
	if h.Shape().Dim(1) == 1 {
		return Reshape(h, h.Shape().Dim(0))
	}
	return h
}

// Derivatives returns ∂L/∂q and the Hessian blocks of the model's Lagrangian at states (batch, 2n),
// in closed form: a forward pass carrying the n tangents along q̇ⱼ, a backward pass for ∇L, and the
// tangent of the backward pass, which is the Hessian column for q̇ⱼ (forward-over-reverse). With
// s = σ(z) = softplus'(z) and p = σ(z)(1 − σ(z)), the second derivative of softplus, per layer, the tangents obey
// ż' = (s ⊙ ż) W and ȧ = (ȧ' ⊙ s + a' ⊙ p ⊙ ż) Wᵀ. Primal and tangents share one matrix product per
// layer and direction of propagation. Only first-order autodiff is then needed for training.
func (m *Model) Derivatives(scope *model.Scope, state *Node) Derivatives {
	m.checkState(state)
	if m.AutodiffHessian {
		n := m.DoF
		return AutodiffDerivatives(m.LagrangianFn(scope), Slice(state, AxisRange(), AxisRange(0, n)),
			Slice(state, AxisRange(), AxisRange(n, 2*n)))
	}
	ws, bs := m.Variables(scope)
	g := state.Graph()
	return mlpDerivatives(nodes(g, ws), nodes(g, bs), m.input(state), m.DoF)
}

func mlpDerivatives(ws, bs []*Node, x *Node, n int) Derivatives {
	batch := x.Shape().Dim(0)
	depth := len(ws) - 1
	stackDot := func(p, t, w *Node) (*Node, *Node) {
		// p (B, d), t (n, B, d) → (p w, t w) with one matrix product.
		d := p.Shape().Dim(1)
		all := Concatenate([]*Node{InsertAxes(p, 0), t}, 0)
		out := Dot(Reshape(all, (1+n)*batch, d), w).Product()
		out = Reshape(out, 1+n, batch, w.Shape().Dim(1))
		return Reshape(Slice(out, AxisElem(0)), batch, w.Shape().Dim(1)), Slice(out, AxisRange(1, 1+n))
	}
	ss := make([]*Node, depth)
	ps := make([]*Node, depth)
	tzs := make([]*Node, depth)
	var h, th *Node
	for k := range depth {
		var z, tz *Node
		if k == 0 {
			z = Add(Dot(x, ws[0]).Product(), InsertAxes(bs[0], 0))
			d := ws[0].Shape().Dim(1)
			tz = BroadcastToDims(InsertAxes(Slice(ws[0], AxisRange(n, 2*n)), 1), n, batch, d)
		} else {
			z, tz = stackDot(h, th, ws[k])
			z = Add(z, InsertAxes(bs[k], 0))
		}
		s := Sigmoid(z)
		ss[k], ps[k], tzs[k] = s, Mul(s, OneMinus(s)), tz
		if k < depth-1 {
			h = nn.Softplus.Apply(z)
			th = Mul(InsertAxes(s, 0), tz)
		}
	}
	wo := ws[depth] // (d, 1)
	a := BroadcastToDims(Reshape(wo, 1, wo.Shape().Dim(0)), batch, wo.Shape().Dim(0))
	var ta *Node
	for k := depth - 1; k >= 0; k-- {
		gk := Mul(a, ss[k])
		tg := Mul(InsertAxes(Mul(a, ps[k]), 0), tzs[k])
		if ta != nil {
			tg = Add(tg, Mul(InsertAxes(ss[k], 0), ta))
		}
		a, ta = stackDot(gk, tg, Transpose(ws[k], 0, 1))
	}
	// a = ∇ₓL (B, 2n); ta[j] = ∂∇ₓL/∂q̇ⱼ (n, B, 2n).
	return Derivatives{
		DLdq: Slice(a, AxisRange(), AxisRange(0, n)),
		Hvv:  TransposeAllAxes(Slice(ta, AxisRange(), AxisRange(), AxisRange(n, 2*n)), 1, 0, 2),
		Hvq:  TransposeAllAxes(Slice(ta, AxisRange(), AxisRange(), AxisRange(0, n)), 1, 0, 2),
	}
}

// Accel returns the accelerations q̈ (batch, n) and the reciprocal condition numbers of ∂²L/∂q̇²
// (batch) at states (batch, 2n) = (q, q̇).
func (m *Model) Accel(scope *model.Scope, state *Node) (qdd, rcond *Node) {
	d := m.Derivatives(scope, state)
	qdot := Slice(state, AxisRange(), AxisRange(m.DoF, 2*m.DoF))
	return Accelerations(d, qdot, m.Solve)
}

// AccelDetail is Accel plus MinEigenRatio of ∂²L/∂q̇² (batch), used by Train's HessianPenalty.
func (m *Model) AccelDetail(scope *model.Scope, state *Node) (qdd, rcond, posdef *Node) {
	d := m.Derivatives(scope, state)
	qdot := Slice(state, AxisRange(), AxisRange(m.DoF, 2*m.DoF))
	qdd, rcond = Accelerations(d, qdot, m.Solve)
	return qdd, rcond, MinEigenRatio(d.Hvv)
}
