package linearrnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/training"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Config configures the linear RNN h_{k+1} = h_k + δ(W h_k + U x_k), ŷ_k = cᵀh_k.
type Config struct {
	// Hidden is the state width m.
	Hidden int
	// Delta is the time step δ.
	Delta float64
	// Decay sets the initial W = −Decay·I + noise (a stable start with memory time 1/Decay).
	Decay float64
	// WScale is the standard deviation times √m of the initial noise in W; UScale and CScale the
	// standard deviations of the initial U and c (small values: the usual small initialisation).
	WScale, UScale, CScale float64
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation.
	DType dtypes.DType
	// Scope is the variable scope name.
	Scope string
}

// DefaultConfig returns m = 16, δ = 0.1, W = −I + 0.5·N(0, 1/m), U, c ~ N(0, 0.1²), float32.
func DefaultConfig() Config {
	return Config{Hidden: 16, Delta: 0.1, Decay: 1, WScale: 0.5, UScale: 0.1, CScale: 0.1, Seed: 1,
		DType: dtypes.Float32, Scope: "linearrnn"}
}

// Model is a linear RNN; build it with New.
type Model struct{ cfg Config }

// New validates cfg and returns the model.
func New(cfg Config) (*Model, error) {
	switch {
	case cfg.Hidden < 1:
		return nil, fmt.Errorf("linearrnn.New: Hidden must be >= 1, got %d", cfg.Hidden)
	case !(cfg.Delta > 0) || math.IsInf(cfg.Delta, 0):
		return nil, fmt.Errorf("linearrnn.New: Delta must be positive and finite, got %g", cfg.Delta)
	case !training.Finite(cfg.Decay, cfg.WScale, cfg.UScale, cfg.CScale) || cfg.WScale < 0 || cfg.UScale < 0 || cfg.CScale < 0:
		return nil, fmt.Errorf("linearrnn.New: need finite Decay and scales >= 0, got %g, %g, %g, %g",
			cfg.Decay, cfg.WScale, cfg.UScale, cfg.CScale)
	}
	if err := training.CheckVariables(cfg.DType, cfg.Scope); err != nil {
		return nil, fmt.Errorf("linearrnn.New: %w", err)
	}
	return &Model{cfg: cfg}, nil
}

// Config returns the configuration.
func (m *Model) Config() Config { return m.cfg }

// Identity is what the model's checkpoints hold: the kind "linearrnn.Model" and the configuration that
// shapes its variables (width, dtype, scope).
func (m *Model) Identity() training.Identity {
	return training.NewIdentity("linearrnn.Model", struct {
		Hidden int
		DType  dtypes.DType
		Scope  string
	}{m.cfg.Hidden, m.cfg.DType, m.cfg.Scope})
}

// String describes the model.
func (m *Model) String() string {
	return fmt.Sprintf("linear RNN(m=%d, δ=%g)", m.cfg.Hidden, m.cfg.Delta)
}

// Params are the weights in plain Go: W row-major m×m, U and c of length m.
type Params struct {
	W, U, C []float64
	Delta   float64
}

// InitialParams returns the seeded initial weights.
func (m *Model) InitialParams() Params {
	n := m.cfg.Hidden
	rng := rand.New(rand.NewPCG(m.cfg.Seed, 0x726e6e))
	p := Params{W: make([]float64, n*n), U: make([]float64, n), C: make([]float64, n), Delta: m.cfg.Delta}
	sd := m.cfg.WScale / math.Sqrt(float64(n))
	for i := range n {
		for j := range n {
			p.W[i*n+j] = sd * rng.NormFloat64()
		}
		p.W[i*n+i] -= m.cfg.Decay
	}
	for i := range n {
		p.U[i] = m.cfg.UScale * rng.NormFloat64()
		p.C[i] = m.cfg.CScale * rng.NormFloat64()
	}
	return p
}

// Kernel returns ρ̂_s = δ cᵀ(I + δW)^{s−1}U for s = 1..S.
func (p Params) Kernel(S int) []float64 {
	n := len(p.U)
	v := append([]float64(nil), p.U...)
	next := make([]float64, n)
	k := make([]float64, S)
	for s := range S {
		k[s] = p.Delta * floats.Dot(p.C, v)
		for i := range n {
			acc := v[i]
			for j := range n {
				acc += p.Delta * p.W[i*n+j] * v[j]
			}
			next[i] = acc
		}
		v, next = next, v
	}
	return k
}

// Run runs the RNN on the input sequence x from rest and returns ŷ_k = cᵀh_k, k = 0..len(x)−1.
func (p Params) Run(x []float64) []float64 {
	n := len(p.U)
	h := make([]float64, n)
	next := make([]float64, n)
	y := make([]float64, len(x))
	for k, xk := range x {
		y[k] = floats.Dot(p.C, h)
		for i := range n {
			acc := 0.0
			for j := range n {
				acc += p.W[i*n+j] * h[j]
			}
			next[i] = h[i] + p.Delta*(acc+p.U[i]*xk)
		}
		h, next = next, h
	}
	return y
}

// specs lists the variables W (m×m), U and c (m) with their initial values.
func (m *Model) specs() []training.Var {
	p := m.InitialParams()
	n := m.cfg.Hidden
	return []training.Var{{Name: "W", Data: p.W, Dims: []int{n, n}}, {Name: "U", Data: p.U, Dims: []int{n}},
		{Name: "c", Data: p.C, Dims: []int{n}}}
}

// vars returns the W, U, c nodes, creating the variables with their initial values when missing.
func (m *Model) vars(scope *model.Scope, g *Graph) (W, U, C *Node) {
	v := training.GraphVariables(scope.At("%s", m.cfg.Scope), g, m.cfg.DType, m.specs()...)
	return v["W"], v["U"], v["c"]
}

// Init creates the variables in store (keeping existing ones).
func (m *Model) Init(store *model.Store) error {
	if err := training.InitVariables(store.RootScope().At("%s", m.cfg.Scope), m.cfg.DType, m.specs()...); err != nil {
		return fmt.Errorf("linearrnn: %w", err)
	}
	return nil
}

// Extract copies the weights out of store.
func (m *Model) Extract(store *model.Store) (Params, error) {
	p := Params{Delta: m.cfg.Delta}
	v, err := training.ReadVariables(store.RootScope().At("%s", m.cfg.Scope), m.specs()...)
	if err != nil {
		return p, fmt.Errorf("linearrnn: %w", err)
	}
	p.W, p.U, p.C = v["W"], v["U"], v["c"]
	return p, nil
}

// KernelGraph builds ρ̂ (S) = δ cᵀ[U, AU, …, A^{S−1}U] with A = I + δW, by repeated squaring:
// [V, A^k V] doubles the columns of V = [U, …, A^{k−1}U] while A^k squares, so ⌈log₂ S⌉ products.
func (m *Model) KernelGraph(scope *model.Scope, g *Graph, S int) *Node {
	if S < 1 {
		exceptions.Panicf("linearrnn: kernel length must be >= 1, got %d", S)
	}
	W, U, C := m.vars(scope, g)
	n := m.cfg.Hidden
	eye := make([]float64, n*n)
	for i := range n {
		eye[i*n+i] = 1
	}
	A := Add(Const(g, training.TensorFromFloat64s(m.cfg.DType, eye, n, n)), MulScalar(W, m.cfg.Delta))
	V := InsertAxes(U, 1) // (m, 1)
	P := A
	for V.Shape().Dim(1) < S {
		V = Concatenate([]*Node{V, Dot(P, V).Product()}, 1)
		if V.Shape().Dim(1) < S {
			P = Dot(P, P).Product()
		}
	}
	V = Slice(V, AxisRange(), AxisRange(0, S))
	return MulScalar(Dot(C, V).Product(), m.cfg.Delta)
}

// Outputs runs the RNN on input sequences x (batch, K) from rest and returns ŷ (batch, K), unrolled
// in the graph.
func (m *Model) Outputs(scope *model.Scope, x *Node) *Node {
	if x.Rank() != 2 || x.DType() != m.cfg.DType {
		exceptions.Panicf("%s: inputs must be %s (batch, K), got %s", m, m.cfg.DType, x.Shape())
	}
	g := x.Graph()
	W, U, C := m.vars(scope, g)
	batch, K := x.Shape().Dim(0), x.Shape().Dim(1)
	h := Zeros(g, shapes.Make(m.cfg.DType, batch, m.cfg.Hidden))
	Wt := Transpose(W, 0, 1)
	ys := make([]*Node, K)
	for k := range K {
		ys[k] = Dot(h, C).Product()                                   // (batch)
		xk := Slice(x, AxisRange(), AxisElem(k))                      // (batch, 1)
		drive := Add(Dot(h, Wt).Product(), Mul(xk, InsertAxes(U, 0))) // (batch, m)
		h = Add(h, MulScalar(drive, m.cfg.Delta))
	}
	return Stack(ys, 1)
}
