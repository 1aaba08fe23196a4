package onsagernet

import (
	"fmt"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/nn"
	"github.com/dynlearn/dynlearn/pkg/training"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Activation is the hidden nonlinearity (nn.Activation; any of nn.All).
type Activation = nn.Activation

// The activations of the earlier API, kept as names of nn's.
const (
	// ActReQUr is relu(x)² − relu(x − ½)²: quadratic near 0, linear (x − ¼) for x > ½ — the original
	// code's default, C¹ so that ∇V is continuous.
	ActReQUr = nn.ReQUr
	// ActTanh is the hyperbolic tangent.
	ActTanh = nn.Tanh
	// ActSoftplus is log(1 + eˣ).
	ActSoftplus = nn.Softplus
)

// Net is what Train, Extract and the evaluation need from a learned vector field: OnsagerNet and MLP.
type Net interface {
	// Field builds ḣ (batch, n) for states h (batch, n) of the net's dtype.
	Field(scope *model.Scope, h *Node) *Node
	// Init creates the net's variables in store with their (seeded) initial values, keeping those
	// that exist.
	Init(store *model.Store) error
	// Extract copies the net's weights out of store into a float64 VectorField.
	Extract(store *model.Store) (VectorField, error)
	// Dim is the state dimension n.
	Dim() int
	// NumParams is the number of trainable weights.
	NumParams() int
	// DType is the dtype of weights and computation.
	DType() dtypes.DType
	// String describes the net.
	String() string
	// Identity is what the net's checkpoints hold: its kind and the shapes of its variables.
	Identity() training.Identity
}

var (
	_ Net = (*OnsagerNet)(nil)
	_ Net = (*MLP)(nil)
)

// Config configures OnsagerNet.
type Config struct {
	// Dim is the state dimension n.
	Dim int
	// Hidden is the width of the shared trunk z(h); Layers its number of layers (the first maps
	// h to Hidden, further ones are residual: z ← σ(z W + b) + z). The paper's Lorenz model: 20, 1.
	Hidden, Layers int
	// NPot is the number of potential terms Potᵢ (0: Dim).
	NPot int
	// Act is the trunk activation.
	Act Activation
	// Alpha is the minimum dissipation: M = L Lᵀ + Alpha·I (paper: 0.1).
	Alpha float64
	// Beta makes V coercive: V = Σ Potᵢ² + Beta·‖h‖² (paper: 0.1).
	Beta float64
	// Forcing adds the linear external force g(h) = A_g h + b_g; without it g = 0 and V decreases along
	// every trajectory.
	Forcing bool
	// InitGain scales the initial weights (the original code's ig = 0.1).
	InitGain float64
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation (Float32 or Float64).
	DType dtypes.DType
	// Scope is the variable scope name.
	Scope string
}

// DefaultConfig returns the paper's Lorenz configuration for dimension n: one trunk layer of 20 ReQUr
// units, α = β = 0.1, linear forcing, initial gain 0.1, float32.
func DefaultConfig(n int) Config {
	return Config{Dim: n, Hidden: 20, Layers: 1, Act: ActReQUr, Alpha: 0.1, Beta: 0.1, Forcing: true,
		InitGain: 0.1, Seed: 1, DType: dtypes.Float32, Scope: "onsagernet"}
}

// OnsagerNet is the structured model ḣ = −(M + W)∇V + g. Build it with New.
type OnsagerNet struct {
	cfg   Config
	specs []paramSpec
}

// New validates cfg and returns the model.
func New(cfg Config) (*OnsagerNet, error) {
	if cfg.NPot == 0 {
		cfg.NPot = cfg.Dim
	}
	switch {
	case cfg.Dim < 1 || cfg.Hidden < 1 || cfg.Layers < 1 || cfg.NPot < 1:
		return nil, fmt.Errorf("onsagernet.New: need Dim, Hidden, Layers, NPot >= 1, got %d, %d, %d, %d",
			cfg.Dim, cfg.Hidden, cfg.Layers, cfg.NPot)
	case !training.Finite(cfg.Alpha, cfg.Beta, cfg.InitGain) || cfg.Alpha < 0 || cfg.Beta < 0 || cfg.InitGain <= 0:
		return nil, fmt.Errorf("onsagernet.New: need finite Alpha >= 0, Beta >= 0, InitGain > 0, got %g, %g, %g",
			cfg.Alpha, cfg.Beta, cfg.InitGain)
	}
	if err := cfg.Act.Validate(); err != nil {
		return nil, fmt.Errorf("onsagernet.New: %w", err)
	}
	if err := training.CheckVariables(cfg.DType, cfg.Scope); err != nil {
		return nil, fmt.Errorf("onsagernet.New: %w", err)
	}
	n, h, ig := cfg.Dim, cfg.Hidden, cfg.InitGain
	specs := []paramSpec{
		{"trunk_0_w", n, h, xavierUniform(ig)}, {"trunk_0_b", 0, h, uniform(0, 0.5*ig)},
	}
	for l := 1; l < cfg.Layers; l++ {
		specs = append(specs, paramSpec{fmt.Sprintf("trunk_%d_w", l), h, h, xavierUniform(ig)},
			paramSpec{fmt.Sprintf("trunk_%d_b", l), 0, h, uniform(0, 0.5*ig)})
	}
	specs = append(specs,
		// A(h) = z W_A + b_A, its bias initialised to an orthogonal n×n matrix.
		paramSpec{"mat_w", h, n * n, xavierUniform(ig)},
		paramSpec{"mat_b", 0, n * n, func(rng *rand.Rand, _, _ int) []float64 { return orthogonal(1)(rng, n, n) }},
		paramSpec{"pot_w", h, cfg.NPot, orthogonal(ig)}, paramSpec{"pot_b", 0, cfg.NPot, uniform(0, ig)},
		paramSpec{"potlin_w", n, cfg.NPot, orthogonal(ig)},
	)
	if cfg.Forcing {
		specs = append(specs, paramSpec{"force_w", n, n, orthogonal(ig)}, paramSpec{"force_b", 0, n, zeros})
	}
	return &OnsagerNet{cfg: cfg, specs: specs}, nil
}

// Config returns the model's configuration.
func (m *OnsagerNet) Config() Config { return m.cfg }

// Dim returns n.
func (m *OnsagerNet) Dim() int { return m.cfg.Dim }

// DType returns the dtype.
func (m *OnsagerNet) DType() dtypes.DType { return m.cfg.DType }

// NumParams returns the number of weights.
func (m *OnsagerNet) NumParams() int { return countParams(m.specs) }

// String describes the model.
func (m *OnsagerNet) String() string {
	f := "g linear"
	if !m.cfg.Forcing {
		f = "g = 0"
	}
	return fmt.Sprintf("OnsagerNet(n=%d, %d×%d %s, α=%g, β=%g, %s; %d weights)", m.cfg.Dim, m.cfg.Layers,
		m.cfg.Hidden, m.cfg.Act, m.cfg.Alpha, m.cfg.Beta, f, m.NumParams())
}

// Identity is what the model's checkpoints hold: the kind "onsagernet.OnsagerNet" and its variables.
func (m *OnsagerNet) Identity() training.Identity {
	return specsIdentity("onsagernet.OnsagerNet", m.cfg.Scope, m.specs, m.cfg.DType)
}

// Init creates the variables in store.
func (m *OnsagerNet) Init(store *model.Store) error {
	return createVars(store, m.cfg.Scope, m.specs, m.cfg.Seed, m.cfg.DType)
}

// Parts holds the pieces of OnsagerNet's vector field at a batch of states (batch B, dimension n).
type Parts struct {
	M     *Node // (B, n, n) symmetric positive definite: L Lᵀ + αI.
	W     *Node // (B, n, n) antisymmetric: U − Uᵀ.
	V     *Node // (B) potential.
	GradV *Node // (B, n) ∇V.
	G     *Node // (B, n) external force (zeros without forcing).
	Field *Node // (B, n) ḣ = −(M + W)∇V + g.
}

func (m *OnsagerNet) checkInput(h *Node) {
	if h.Rank() != 2 || h.Shape().Dim(1) != m.cfg.Dim || h.DType() != m.cfg.DType {
		exceptions.Panicf("%s: states must be %s (batch, %d), got %s", m, m.cfg.DType, m.cfg.Dim, h.Shape())
	}
}

// Parts builds M, W, V, ∇V, g and ḣ for states h (batch, n).
func (m *OnsagerNet) Parts(scope *model.Scope, h *Node) Parts {
	m.checkInput(h)
	g := h.Graph()
	p := graphVars(scope, g, m.cfg.Scope, m.specs, m.cfg.Seed, m.cfg.DType)
	n := m.cfg.Dim
	batch := h.Shape().Dim(0)
	dense := func(x *Node, name string) *Node {
		return Add(Dot(x, p[name+"_w"]).Product(), InsertAxes(p[name+"_b"], 0))
	}
	// Trunk z(h), keeping σ'(u) of every layer for the backward pass of ∇V.
	z, d0 := m.cfg.Act.ApplyWithDerivative(dense(h, "trunk_0"))
	derivs := []*Node{d0}
	for l := 1; l < m.cfg.Layers; l++ {
		a, d := m.cfg.Act.ApplyWithDerivative(dense(z, fmt.Sprintf("trunk_%d", l)))
		z = Add(a, z)
		derivs = append(derivs, d)
	}
	// A(h) → L (lower triangular incl. diagonal), U (strictly upper triangular).
	A := Reshape(dense(z, "mat"), batch, n, n)
	lower, upper := make([]float64, n*n), make([]float64, n*n)
	for i := range n {
		for j := range n {
			if j <= i {
				lower[i*n+j] = 1
			} else {
				upper[i*n+j] = 1
			}
		}
	}
	mask := func(v []float64) *Node {
		return InsertAxes(Const(g, training.TensorFromFloat64s(m.cfg.DType, v, n, n)), 0)
	}
	L := Mul(A, mask(lower))
	U := Mul(A, mask(upper))
	eye := make([]float64, n*n)
	for i := range n {
		eye[i*n+i] = m.cfg.Alpha
	}
	M := Add(Einsum("bik,bjk->bij", L, L), mask(eye))
	W := Sub(U, Transpose(U, 1, 2))

	// Potential V = Σ Pot² + β‖h‖² with Pot = z W_p + b_p + h W_l, and its gradient by the chain rule:
	// ∂V/∂h = 2 (J_zᵀ W_p Pot + W_l Pot) + 2βh, J_zᵀ applied layer by layer from the top.
	pot := Add(dense(z, "pot"), Dot(h, p["potlin_w"]).Product())
	V := Add(ReduceSum(Square(pot), 1), MulScalar(ReduceSum(Square(h), 1), m.cfg.Beta))
	a := Dot(pot, Transpose(p["pot_w"], 0, 1)).Product() // ∂(½ΣPot²)/∂z, (B, H)
	for l := m.cfg.Layers - 1; l >= 1; l-- {
		a = Add(a, Dot(Mul(a, derivs[l]), Transpose(p[fmt.Sprintf("trunk_%d_w", l)], 0, 1)).Product())
	}
	gh := Dot(Mul(a, derivs[0]), Transpose(p["trunk_0_w"], 0, 1)).Product()
	gh = Add(gh, Dot(pot, Transpose(p["potlin_w"], 0, 1)).Product())
	gradV := Add(MulScalar(gh, 2), MulScalar(h, 2*m.cfg.Beta))

	force := ZerosLike(h)
	if m.cfg.Forcing {
		force = dense(h, "force")
	}
	field := Sub(force, Einsum("bij,bj->bi", Add(M, W), gradV))
	return Parts{M: M, W: W, V: V, GradV: gradV, G: force, Field: field}
}

// Field builds ḣ (batch, n).
func (m *OnsagerNet) Field(scope *model.Scope, h *Node) *Node { return m.Parts(scope, h).Field }

// Potential builds V (batch) alone (for autodiff checks and plots).
func (m *OnsagerNet) Potential(scope *model.Scope, h *Node) *Node { return m.Parts(scope, h).V }

// MLPConfig configures the unstructured baseline.
type MLPConfig struct {
	// Dim is the state dimension n.
	Dim int
	// Hidden is the width; Layers the number of hidden layers (the first maps h to Hidden, further ones
	// are residual), followed by a linear output layer to n.
	Hidden, Layers int
	// Act is the hidden activation.
	Act Activation
	// InitGain scales the initial weights.
	InitGain float64
	// Seed seeds the initial weights.
	Seed uint64
	// DType of weights and computation.
	DType dtypes.DType
	// Scope is the variable scope name.
	Scope string
}

// DefaultMLPConfig returns the paper's "MLP-ODEN" for the Lorenz comparison: 2 hidden layers of 16
// ReQUr units (about as many weights as DefaultConfig's OnsagerNet).
func DefaultMLPConfig(n int) MLPConfig {
	return MLPConfig{Dim: n, Hidden: 16, Layers: 2, Act: ActReQUr, InitGain: 0.1, Seed: 1, DType: dtypes.Float32, Scope: "mlp"}
}

// MLP is the unstructured ODE ḣ = MLP(h) (a ResNet-style MLP). Build it with NewMLP.
type MLP struct {
	cfg   MLPConfig
	specs []paramSpec
}

// NewMLP validates cfg and returns the baseline.
func NewMLP(cfg MLPConfig) (*MLP, error) {
	switch {
	case cfg.Dim < 1 || cfg.Hidden < 1 || cfg.Layers < 1:
		return nil, fmt.Errorf("onsagernet.NewMLP: need Dim, Hidden, Layers >= 1, got %d, %d, %d", cfg.Dim, cfg.Hidden, cfg.Layers)
	case !training.Finite(cfg.InitGain) || cfg.InitGain <= 0:
		return nil, fmt.Errorf("onsagernet.NewMLP: InitGain must be finite and > 0, got %g", cfg.InitGain)
	}
	if err := cfg.Act.Validate(); err != nil {
		return nil, fmt.Errorf("onsagernet.NewMLP: %w", err)
	}
	if err := training.CheckVariables(cfg.DType, cfg.Scope); err != nil {
		return nil, fmt.Errorf("onsagernet.NewMLP: %w", err)
	}
	n, h, ig := cfg.Dim, cfg.Hidden, cfg.InitGain
	specs := []paramSpec{{"layer_0_w", n, h, xavierUniform(ig)}, {"layer_0_b", 0, h, uniform(0, 0.5*ig)}}
	for l := 1; l < cfg.Layers; l++ {
		specs = append(specs, paramSpec{fmt.Sprintf("layer_%d_w", l), h, h, xavierUniform(ig)},
			paramSpec{fmt.Sprintf("layer_%d_b", l), 0, h, uniform(0, 0.5*ig)})
	}
	specs = append(specs, paramSpec{"out_w", h, n, xavierUniform(ig)}, paramSpec{"out_b", 0, n, zeros})
	return &MLP{cfg: cfg, specs: specs}, nil
}

// Config returns the baseline's configuration.
func (m *MLP) Config() MLPConfig { return m.cfg }

// Dim returns n.
func (m *MLP) Dim() int { return m.cfg.Dim }

// DType returns the dtype.
func (m *MLP) DType() dtypes.DType { return m.cfg.DType }

// NumParams returns the number of weights.
func (m *MLP) NumParams() int { return countParams(m.specs) }

// String describes the baseline.
func (m *MLP) String() string {
	return fmt.Sprintf("MLP ODE(n=%d, %d×%d %s; %d weights)", m.cfg.Dim, m.cfg.Layers, m.cfg.Hidden, m.cfg.Act, m.NumParams())
}

// Identity is what the baseline's checkpoints hold: the kind "onsagernet.MLP" and its variables.
func (m *MLP) Identity() training.Identity {
	return specsIdentity("onsagernet.MLP", m.cfg.Scope, m.specs, m.cfg.DType)
}

// Init creates the variables in store.
func (m *MLP) Init(store *model.Store) error {
	return createVars(store, m.cfg.Scope, m.specs, m.cfg.Seed, m.cfg.DType)
}

// Field builds ḣ (batch, n).
func (m *MLP) Field(scope *model.Scope, h *Node) *Node {
	if h.Rank() != 2 || h.Shape().Dim(1) != m.cfg.Dim || h.DType() != m.cfg.DType {
		exceptions.Panicf("%s: states must be %s (batch, %d), got %s", m, m.cfg.DType, m.cfg.Dim, h.Shape())
	}
	p := graphVars(scope, h.Graph(), m.cfg.Scope, m.specs, m.cfg.Seed, m.cfg.DType)
	dense := func(x *Node, name string) *Node {
		return Add(Dot(x, p[name+"_w"]).Product(), InsertAxes(p[name+"_b"], 0))
	}
	z := m.cfg.Act.Apply(dense(h, "layer_0"))
	for l := 1; l < m.cfg.Layers; l++ {
		a := m.cfg.Act.Apply(dense(z, fmt.Sprintf("layer_%d", l)))
		z = Add(a, z)
	}
	return dense(z, "out")
}
