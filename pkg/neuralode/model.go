package neuralode

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/training"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Config configures the continuous-time ResNet.
type Config struct {
	// Dim is the state dimension (2 for the lecture's data).
	Dim int
	// Width is the hidden width of each step's layer f(x, θ_k) = tanh(x W₁ + b₁) W₂ + b₂.
	Width int
	// Steps is the depth K (0: no flow, a plain linear classifier on the inputs).
	Steps int
	// T is the time horizon: the step is h = T/K.
	T float64
	// Shared uses one set of weights for every step: an autonomous neural ODE ẋ = f(x, θ).
	Shared bool
	// InitGain scales the initial weights.
	InitGain float64
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation.
	DType dtypes.DType
	// Scope is the variable scope name.
	Scope string
}

// DefaultConfig returns K = 20 steps on [0, 4] (h = 0.2) of width 16, per-step weights, float32.
func DefaultConfig() Config {
	return Config{Dim: 2, Width: 16, Steps: 20, T: 4, InitGain: 1, Seed: 1, DType: dtypes.Float32, Scope: "resnet"}
}

// Model is the ResNet / forward-Euler neural ODE with a linear classifier; build it with New.
type Model struct{ cfg Config }

// New validates cfg and returns the model.
func New(cfg Config) (*Model, error) {
	switch {
	case cfg.Dim < 1 || cfg.Width < 1 || cfg.Steps < 0:
		return nil, fmt.Errorf("neuralode.New: need Dim, Width >= 1 and Steps >= 0, got %d, %d, %d", cfg.Dim, cfg.Width, cfg.Steps)
	case !(cfg.T > 0) || math.IsInf(cfg.T, 0):
		return nil, fmt.Errorf("neuralode.New: T must be positive and finite, got %g", cfg.T)
	case !(cfg.InitGain > 0) || math.IsInf(cfg.InitGain, 0):
		return nil, fmt.Errorf("neuralode.New: InitGain must be positive and finite, got %g", cfg.InitGain)
	}
	if err := training.CheckVariables(cfg.DType, cfg.Scope); err != nil {
		return nil, fmt.Errorf("neuralode.New: %w", err)
	}
	return &Model{cfg: cfg}, nil
}

// Config returns the configuration.
func (m *Model) Config() Config { return m.cfg }

// Identity is what the model's checkpoints hold: the kind "neuralode.Model" and the configuration that
// shapes its variables (dimension, width, number of weight sets, dtype, scope).
func (m *Model) Identity() training.Identity {
	c := m.cfg
	return training.NewIdentity("neuralode.Model", struct {
		Dim, Width, Blocks int
		DType              dtypes.DType
		Scope              string
	}{c.Dim, c.Width, m.numBlocks(), c.DType, c.Scope})
}

// H returns the step size T/K (0 without steps).
func (m *Model) H() float64 {
	if m.cfg.Steps == 0 {
		return 0
	}
	return m.cfg.T / float64(m.cfg.Steps)
}

// String describes the model.
func (m *Model) String() string {
	if m.cfg.Steps == 0 {
		return "linear classifier (no flow)"
	}
	w := "per-step weights"
	if m.cfg.Shared {
		w = "shared weights"
	}
	return fmt.Sprintf("ResNet/neural ODE(K=%d, h=%g, width %d, %s)", m.cfg.Steps, m.H(), m.cfg.Width, w)
}

// numBlocks is the number of distinct weight sets.
func (m *Model) numBlocks() int {
	if m.cfg.Steps == 0 {
		return 0
	}
	if m.cfg.Shared {
		return 1
	}
	return m.cfg.Steps
}

// Layer is one step's weights: f(x) = tanh(x W1 + B1) W2 + B2, W1 Dim×Width, W2 Width×Dim (row-major).
type Layer struct {
	W1, B1, W2, B2 []float64
}

// Params are the model's weights in plain Go.
type Params struct {
	Cfg    Config
	Layers []Layer // one per step, or one when Shared
	A      []float64
	C      float64
}

// InitialParams returns the seeded initial weights: W1 ~ N(0, g²/Dim), W2 ~ N(0, g²/Width), zero
// biases, classifier a ~ N(0, 1/Dim).
func (m *Model) InitialParams() Params {
	c := m.cfg
	rng := rand.New(rand.NewPCG(c.Seed, 0x6e6f6465))
	norm := func(n int, sd float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = sd * rng.NormFloat64()
		}
		return v
	}
	p := Params{Cfg: c}
	for range m.numBlocks() {
		p.Layers = append(p.Layers, Layer{
			W1: norm(c.Dim*c.Width, c.InitGain/math.Sqrt(float64(c.Dim))), B1: make([]float64, c.Width),
			W2: norm(c.Width*c.Dim, c.InitGain/math.Sqrt(float64(c.Width))), B2: make([]float64, c.Dim),
		})
	}
	p.A = norm(c.Dim, 1/math.Sqrt(float64(c.Dim)))
	return p
}

// Field evaluates f(x, θ_k) for step k.
func (p Params) Field(k int, x []float64) []float64 {
	l := p.Layers[0]
	if !p.Cfg.Shared {
		l = p.Layers[k]
	}
	d, w := p.Cfg.Dim, p.Cfg.Width
	hid := make([]float64, w)
	for j := range w {
		s := l.B1[j]
		for i := range d {
			s += x[i] * l.W1[i*w+j]
		}
		hid[j] = math.Tanh(s)
	}
	out := make([]float64, d)
	for i := range d {
		s := l.B2[i]
		for j := range w {
			s += hid[j] * l.W2[j*d+i]
		}
		out[i] = s
	}
	return out
}

// Flow returns the states x_0, …, x_K of the ResNet from x0.
func (p Params) Flow(x0 []float64) [][]float64 {
	h := 0.0
	if p.Cfg.Steps > 0 {
		h = p.Cfg.T / float64(p.Cfg.Steps)
	}
	xs := [][]float64{append([]float64(nil), x0...)}
	x := append([]float64(nil), x0...)
	for k := range p.Cfg.Steps {
		f := p.Field(k, x)
		for i := range x {
			x[i] += h * f[i]
		}
		xs = append(xs, append([]float64(nil), x...))
	}
	return xs
}

// Logit returns a·x_K + c: positive means class 1.
func (p Params) Logit(x0 []float64) float64 {
	xs := p.Flow(x0)
	xk := xs[len(xs)-1]
	s := p.C
	for i, a := range p.A {
		s += a * xk[i]
	}
	return s
}

// specs lists the variables: the weights of all steps stacked along a leading axis (one variable per
// kind keeps the optimizer's graph small), then the classifier.
func (m *Model) specs() []training.Var {
	c := m.cfg
	p := m.InitialParams()
	nb := len(p.Layers)
	var s []training.Var
	if nb > 0 {
		var w1, b1, w2, b2 []float64
		for _, l := range p.Layers {
			w1, b1 = append(w1, l.W1...), append(b1, l.B1...)
			w2, b2 = append(w2, l.W2...), append(b2, l.B2...)
		}
		s = append(s,
			training.Var{Name: "w1", Data: w1, Dims: []int{nb, c.Dim, c.Width}},
			training.Var{Name: "b1", Data: b1, Dims: []int{nb, c.Width}},
			training.Var{Name: "w2", Data: w2, Dims: []int{nb, c.Width, c.Dim}},
			training.Var{Name: "b2", Data: b2, Dims: []int{nb, c.Dim}})
	}
	return append(s, training.Var{Name: "classifier_a", Data: p.A, Dims: []int{c.Dim}},
		training.Var{Name: "classifier_c", Data: []float64{p.C}, Dims: []int{}})
}

// Init creates the variables in store (keeping existing ones).
func (m *Model) Init(store *model.Store) error {
	if err := training.InitVariables(store.RootScope().At("%s", m.cfg.Scope), m.cfg.DType, m.specs()...); err != nil {
		return fmt.Errorf("neuralode: %w", err)
	}
	return nil
}

// Extract copies the weights out of store.
func (m *Model) Extract(store *model.Store) (Params, error) {
	vals, err := training.ReadVariables(store.RootScope().At("%s", m.cfg.Scope), m.specs()...)
	if err != nil {
		return Params{}, fmt.Errorf("neuralode: %w", err)
	}
	p := Params{Cfg: m.cfg, A: vals["classifier_a"], C: vals["classifier_c"][0]}
	d, w := m.cfg.Dim, m.cfg.Width
	for k := range m.numBlocks() {
		p.Layers = append(p.Layers, Layer{
			W1: vals["w1"][k*d*w : (k+1)*d*w], B1: vals["b1"][k*w : (k+1)*w],
			W2: vals["w2"][k*w*d : (k+1)*w*d], B2: vals["b2"][k*d : (k+1)*d],
		})
	}
	return p, nil
}

// vars returns the graph nodes of the variables, creating missing ones.
func (m *Model) vars(scope *model.Scope, g *Graph) map[string]*Node {
	return training.GraphVariables(scope.At("%s", m.cfg.Scope), g, m.cfg.DType, m.specs()...)
}

// Flow builds the states x_0, …, x_K (each (batch, Dim)) of the ResNet from x (batch, Dim).
func (m *Model) Flow(scope *model.Scope, x *Node) []*Node {
	if x.Rank() != 2 || x.Shape().Dim(1) != m.cfg.Dim || x.DType() != m.cfg.DType {
		exceptions.Panicf("%s: inputs must be %s (batch, %d), got %s", m, m.cfg.DType, m.cfg.Dim, x.Shape())
	}
	p := m.vars(scope, x.Graph())
	xs := []*Node{x}
	h := m.H()
	for k := range m.cfg.Steps {
		b := k
		if m.cfg.Shared {
			b = 0
		}
		at := func(v *Node) *Node { // the weights of block b
			dims := v.Shape().Dimensions
			axes := []SliceAxisSpec{AxisElem(b)}
			for range dims[1:] {
				axes = append(axes, AxisRange())
			}
			return Reshape(Slice(v, axes...), dims[1:]...)
		}
		hid := Tanh(Add(Dot(x, at(p["w1"])).Product(), InsertAxes(at(p["b1"]), 0)))
		f := Add(Dot(hid, at(p["w2"])).Product(), InsertAxes(at(p["b2"]), 0))
		x = Add(x, MulScalar(f, h))
		xs = append(xs, x)
	}
	return xs
}

// Regularizer builds the running cost h·Σ_k ‖θ_k‖² = ∫₀ᵀ ‖θ(t)‖² dt of the step weights (0 without steps).
func (m *Model) Regularizer(scope *model.Scope, g *Graph) *Node {
	p := m.vars(scope, g)
	if m.numBlocks() == 0 {
		return Scalar(g, m.cfg.DType, 0)
	}
	sum := ReduceAllSum(Square(p["w1"]))
	for _, n := range []string{"b1", "w2", "b2"} {
		sum = Add(sum, ReduceAllSum(Square(p[n])))
	}
	h := m.H()
	if m.cfg.Shared {
		h = m.cfg.T // one θ for the whole interval
	}
	return MulScalar(sum, h)
}

// Logits builds a·x_K + c (batch).
func (m *Model) Logits(scope *model.Scope, x *Node) *Node {
	xs := m.Flow(scope, x)
	p := m.vars(scope, x.Graph())
	return Add(Dot(xs[len(xs)-1], p["classifier_a"]).Product(), p["classifier_c"])
}
