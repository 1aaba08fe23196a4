package lnn

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/dynlearn/dynlearn/pkg/nn"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Activation is the nonlinearity of the baseline MLP (nn.Activation; any of nn.All).
type Activation = nn.Activation

// The activations of the earlier API, kept as names of nn's.
const (
	// ActReLU is max(x, 0) (the paper's baseline).
	ActReLU = nn.ReLU
	// ActSoftplus is log(1 + eˣ).
	ActSoftplus = nn.Softplus
	// ActTanh is the hyperbolic tangent.
	ActTanh = nn.Tanh
)

// Baseline is the black-box comparison of the paper: an MLP mapping (q, q̇) directly to q̈. Build it
// with NewBaseline.
type Baseline struct {
	// DoF is the number of generalised coordinates n (input 2n, output n).
	DoF int
	// Width and Depth are the hidden layer width and number of hidden layers (paper: 600, 3).
	Width, Depth int
	// Act is the hidden activation (paper: ReLU).
	Act Activation
	// Init is the weight initialisation (default GlorotInit).
	Init InitScheme
	// WrapAngles maps q to [−π, π) before the network.
	WrapAngles bool
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation.
	DType dtypes.DType
	// Scope is the variable scope name ("baseline").
	Scope string
}

// BaselineBuilder configures a Baseline; see NewBaseline.
type BaselineBuilder struct{ b Baseline }

// NewBaseline starts building the baseline MLP with the paper's defaults: 3 hidden ReLU layers of 600,
// Glorot initialisation, wrapped angles, float32:
//
//	base, err := lnn.NewBaseline(2).Hidden(600, 3).Done()
func NewBaseline(dof int) *BaselineBuilder {
	return &BaselineBuilder{b: Baseline{DoF: dof, Width: 600, Depth: 3, Act: ActReLU, Init: GlorotInit,
		WrapAngles: true, Seed: 2, DType: dtypes.Float32, Scope: "baseline"}}
}

// Hidden sets the hidden width and the number of hidden layers.
func (b *BaselineBuilder) Hidden(width, depth int) *BaselineBuilder {
	b.b.Width, b.b.Depth = width, depth
	return b
}

// Activation sets the hidden activation.
func (b *BaselineBuilder) Activation(a Activation) *BaselineBuilder { b.b.Act = a; return b }

// Init sets the initialisation scheme.
func (b *BaselineBuilder) Init(s InitScheme) *BaselineBuilder { b.b.Init = s; return b }

// WrapAngles sets whether q is wrapped to [−π, π).
func (b *BaselineBuilder) WrapAngles(wrap bool) *BaselineBuilder { b.b.WrapAngles = wrap; return b }

// Seed sets the seed of the initial weights.
func (b *BaselineBuilder) Seed(seed uint64) *BaselineBuilder { b.b.Seed = seed; return b }

// DType sets the dtype.
func (b *BaselineBuilder) DType(dt dtypes.DType) *BaselineBuilder { b.b.DType = dt; return b }

// Done validates the configuration and returns the Baseline.
func (b *BaselineBuilder) Done() (*Baseline, error) {
	m := b.b
	if m.DoF < 1 || m.Width < 1 || m.Depth < 1 {
		return nil, fmt.Errorf("lnn.NewBaseline: need DoF, width and depth >= 1, got %d, %d, %d", m.DoF, m.Width, m.Depth)
	}
	if err := m.Act.Validate(); err != nil {
		return nil, fmt.Errorf("lnn.NewBaseline: %w", err)
	}
	if m.Init < CranmerInit || m.Init > GlorotInit {
		return nil, fmt.Errorf("lnn.NewBaseline: unknown init scheme %d", int(m.Init))
	}
	if err := training.CheckVariables(m.DType, m.Scope); err != nil {
		return nil, fmt.Errorf("lnn.NewBaseline: %w", err)
	}
	return &m, nil
}

// String describes the model.
func (m *Baseline) String() string {
	return fmt.Sprintf("Baseline MLP(%d DoF, %d×%d %s)", m.DoF, m.Depth, m.Width, m.Act)
}

// NumDoF returns the number of generalised coordinates.
func (m *Baseline) NumDoF() int { return m.DoF }

// ComputeDType returns the dtype of weights and computation.
func (m *Baseline) ComputeDType() dtypes.DType { return m.DType }

// Identity is "lnn.Baseline" with the configuration that shapes its variables (see netShape).
func (m *Baseline) Identity() training.Identity {
	return training.NewIdentity("lnn.Baseline", netShape{m.DoF, m.Width, m.Depth, m.DType, m.Scope})
}

// Variables creates (or returns) the weights and biases under scope.At(m.Scope).
func (m *Baseline) Variables(scope *model.Scope) (ws, bs []*model.Variable) {
	return denseVariables(scope.At("%s", m.Scope), layerDims(2*m.DoF, m.Width, m.Depth, m.DoF), m.Init, m.Seed, m.DType)
}

// Accel returns the predicted q̈ (batch, n) for states (batch, 2n); rcond is all ones (there is no
// Hessian to invert).
func (m *Baseline) Accel(scope *model.Scope, state *Node) (qdd, rcond *Node) {
	if state.Rank() != 2 || state.Shape().Dim(1) != 2*m.DoF || state.DType() != m.DType {
		exceptions.Panicf("%s: state must be %s (batch, %d), got %s", m, m.DType, 2*m.DoF, state.Shape())
	}
	ws, bs := m.Variables(scope)
	g := state.Graph()
	x := state
	if m.WrapAngles {
		n := m.DoF
		x = Concatenate([]*Node{WrapAngle(Slice(state, AxisRange(), AxisRange(0, n))),
			Slice(state, AxisRange(), AxisRange(n, 2*n))}, 1)
	}
	qdd = mlpForward(nodes(g, ws), nodes(g, bs), x, m.Act.Apply)
	if qdd.Rank() == 1 {
		qdd = InsertAxes(qdd, 1)
	}
	return qdd, OnesLike(Reshape(Slice(state, AxisRange(), AxisElem(0)), state.Shape().Dim(0)))
}

// Net is what Train, LoadTrained, Rollout and EnergyError need from a model: the accelerations at a
// batch of states, its variables and what its checkpoints hold. *Model (the LNN) and *Baseline
// implement it; a new network implements it and trains with Train unchanged.
type Net interface {
	// Accel builds q̈ (batch, n) and the reciprocal condition number of the solve (batch) for states
	// (batch, 2n).
	Accel(scope *model.Scope, state *Node) (qdd, rcond *Node)
	// NumDoF is n.
	NumDoF() int
	// String describes the model.
	String() string
	// ComputeDType is the dtype of the states, the accelerations and the weights.
	ComputeDType() dtypes.DType
	// Variables creates (or returns the existing) weights and biases under scope, initialised
	// reproducibly (NewStore).
	Variables(scope *model.Scope) (ws, bs []*model.Variable)
	// Identity names the model kind and hashes the configuration that shapes its variables: Train
	// writes it into its checkpoints and LoadTrained refuses a checkpoint of another identity.
	Identity() training.Identity
}

var (
	_ Net = (*Model)(nil)
	_ Net = (*Baseline)(nil)
)
