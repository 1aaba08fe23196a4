package led

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/ml/model"
)

// ConvSpec is one convolutional block of the encoder: a same-padded convolution with Filters
// filters of size Kernel×Kernel, the activation, then 2×2 max pooling (sizes are floored: 20 → 10 →
// 5 → 2, as in the report). The decoder mirrors it with 2× nearest-neighbour upsampling followed by a
// convolution.
type ConvSpec struct{ Filters, Kernel int }

// AutoencoderConfig describes an autoencoder. Build it with NewAutoencoder(...)...Done().
type AutoencoderConfig struct {
	Input            []int      // Per-sample input shape: [H, W, C] with Conv, any shape without.
	Output           []int      // Per-sample output shape (Input when empty); differs for super-resolution.
	Conv             []ConvSpec // Convolutional blocks (report: (8,3), (16,3), (32,3)).
	Dense            []int      // Hidden dense layers of the encoder (the decoder uses them reversed).
	Latent           int        // Latent dimension.
	Activation       string     // Hidden activation (report: elu; LED: celu).
	OutputActivation string     // Output activation: linear (report) or tanhplus/sigmoid (LED).
	Dropout          float64    // Dropout rate after each hidden dense layer (report: 0.2).
	LayerNorm        bool       // Layer normalisation after each hidden dense layer.
	// Field, when set, replaces the decoder by a coordinate (neural-field) decoder: one MLP with
	// these hidden widths maps [z, cell coordinates] to the C channels of each cell of the
	// [H, W, C] output, shared by all cells. A travelling front is the same function at every cell,
	// shifted, which such a decoder represents with far fewer parameters than a dense layer per
	// cell; it also decodes to any output grid (super-resolution). The Dense and Conv settings still
	// shape the encoder.
	Field []int `json:",omitempty"`
}

// AutoencoderBuilder configures an autoencoder in GoMLX builder style:
//
//	ae, err := led.NewAutoencoder(20, 20, 2).Conv(8, 3).Conv(16, 3).Conv(32, 3).
//		Dense(64, 128).Latent(10).Activation("elu").Dropout(0.2).Done()
type AutoencoderBuilder struct {
	cfg   AutoencoderConfig
	store *model.Store
}

// NewAutoencoder starts an autoencoder for samples of the given shape. Defaults: latent 10, ELU,
// linear output, no dropout.
func NewAutoencoder(input ...int) *AutoencoderBuilder {
	return &AutoencoderBuilder{cfg: AutoencoderConfig{Input: input, Latent: 10, Activation: "elu"}}
}

// FromConfig starts a builder from a complete configuration.
func FromConfig(cfg AutoencoderConfig) *AutoencoderBuilder { return &AutoencoderBuilder{cfg: cfg} }

// Conv appends a convolutional block.
func (b *AutoencoderBuilder) Conv(filters, kernel int) *AutoencoderBuilder {
	b.cfg.Conv = append(b.cfg.Conv, ConvSpec{filters, kernel})
	return b
}

// Dense appends hidden dense layers.
func (b *AutoencoderBuilder) Dense(sizes ...int) *AutoencoderBuilder {
	b.cfg.Dense = append(b.cfg.Dense, sizes...)
	return b
}

// Latent sets the latent dimension.
func (b *AutoencoderBuilder) Latent(n int) *AutoencoderBuilder { b.cfg.Latent = n; return b }

// Output sets a per-sample output shape different from the input (super-resolution).
func (b *AutoencoderBuilder) Output(dims ...int) *AutoencoderBuilder { b.cfg.Output = dims; return b }

// Activation sets the hidden activation.
func (b *AutoencoderBuilder) Activation(name string) *AutoencoderBuilder {
	b.cfg.Activation = name
	return b
}

// OutputActivation sets the output activation.
func (b *AutoencoderBuilder) OutputActivation(name string) *AutoencoderBuilder {
	b.cfg.OutputActivation = name
	return b
}

// Dropout sets the dropout rate of the hidden dense layers.
func (b *AutoencoderBuilder) Dropout(rate float64) *AutoencoderBuilder {
	b.cfg.Dropout = rate
	return b
}

// Field makes the decoder a coordinate (neural-field) MLP with the given hidden widths (see
// AutoencoderConfig.Field).
func (b *AutoencoderBuilder) Field(widths ...int) *AutoencoderBuilder {
	b.cfg.Field = append(b.cfg.Field, widths...)
	return b
}

// LayerNorm switches layer normalisation of the hidden dense layers on or off.
func (b *AutoencoderBuilder) LayerNorm(on bool) *AutoencoderBuilder { b.cfg.LayerNorm = on; return b }

// Store makes the autoencoder keep its variables in store (to share it with a Propagator for
// end-to-end training). By default it gets its own store.
func (b *AutoencoderBuilder) Store(store *model.Store) *AutoencoderBuilder { b.store = store; return b }

// Done validates the configuration and returns the autoencoder (variables are created on first use).
func (b *AutoencoderBuilder) Done() (*Autoencoder, error) {
	c := b.cfg
	if len(c.Output) == 0 {
		c.Output = c.Input
	}
	be, store, err := validateForBackend(c, b.store)
	if err != nil {
		return nil, err
	}
	return &Autoencoder{Config: c, store: store, backend: be}, nil
}

// Validate checks the configuration.
func (c AutoencoderConfig) Validate() error {
	if len(c.Input) == 0 {
		return fmt.Errorf("autoencoder: Input shape is empty; give the per-sample shape, e.g. NewAutoencoder(20, 20, 2)")
	}
	for i, d := range c.Input {
		if d < 1 {
			return fmt.Errorf("autoencoder: Input shape %v: dimension %d is %d, each must be > 0", c.Input, i, d)
		}
	}
	out := c.Output
	if len(out) == 0 {
		out = c.Input
	}
	for i, d := range out {
		if d < 1 {
			return fmt.Errorf("autoencoder: Output shape %v: dimension %d is %d, each must be > 0", out, i, d)
		}
	}
	if c.Latent < 1 {
		return fmt.Errorf("autoencoder: Latent=%d (the latent dimension) must be >= 1", c.Latent)
	}
	for _, d := range c.Dense {
		if d < 1 {
			return fmt.Errorf("autoencoder: Dense layer sizes %v: %d must be >= 1", c.Dense, d)
		}
	}
	if len(c.Conv) > 0 {
		if len(c.Input) != 3 || len(out) != 3 {
			return fmt.Errorf("autoencoder: convolutional blocks need [H, W, C] input and output shapes, got %v and %v", c.Input, out)
		}
		h, w := c.Input[0], c.Input[1]
		for i, cs := range c.Conv {
			if cs.Filters < 1 || cs.Kernel < 1 {
				return fmt.Errorf("autoencoder: conv block %d has filters=%d kernel=%d, both must be >= 1", i, cs.Filters, cs.Kernel)
			}
			h, w = h/2, w/2
			if h < 1 || w < 1 {
				return fmt.Errorf("autoencoder: %d conv blocks pool a %dx%d input below 1x1", len(c.Conv), c.Input[0], c.Input[1])
			}
		}
	}
	if len(c.Field) > 0 {
		if len(out) != 3 {
			return fmt.Errorf("autoencoder: a field decoder needs an [H, W, C] output shape, got %v", out)
		}
		for _, w := range c.Field {
			if w < 1 {
				return fmt.Errorf("autoencoder: field decoder width %d must be >= 1", w)
			}
		}
	}
	if !(c.Dropout >= 0 && c.Dropout < 1) {
		return fmt.Errorf("autoencoder: Dropout=%g must be in [0, 1)", c.Dropout)
	}
	if err := checkActivation(c.Activation); err != nil {
		return fmt.Errorf("autoencoder: Activation: %w", err)
	}
	if err := checkActivation(c.OutputActivation); err != nil {
		return fmt.Errorf("autoencoder: OutputActivation: %w", err)
	}
	return nil
}

// Autoencoder maps samples to a latent vector and back (a GoMLX model).
type Autoencoder struct {
	Config  AutoencoderConfig
	store   *model.Store
	backend compute.Backend

	encExec, decExec *model.Exec
}

// Store returns the model's variable store.
func (a *Autoencoder) Store() *model.Store { return a.store }

// InSize and OutSize return the number of values per input and output sample.
func (a *Autoencoder) InSize() int  { return prod(a.Config.Input) }
func (a *Autoencoder) OutSize() int { return prod(a.Config.Output) }

// NumParams returns the number of trainable parameters (0 before the first use).
func (a *Autoencoder) NumParams() int {
	n := 0
	for v := range a.store.IterVariables() {
		if len(v.Path()) >= len("/autoencoder") && v.Path()[:len("/autoencoder")] == "/autoencoder" {
			n += v.Shape().Size()
		}
	}
	return n
}

// EncodeGraph builds the encoder: x [B, Input...] → z [B, Latent].
func (a *Autoencoder) EncodeGraph(scope *model.Scope, x *Node) *Node {
	c := a.Config
	scope = scope.At("autoencoder").At("encoder")
	if len(c.Conv) > 0 {
		x = a.convEncode(scope, x) // conv.go
	}
	x = Reshape(x, x.Shape().Dim(0), -1)
	for i, d := range c.Dense {
		x = hidden(scope.In("dense%d", i), x, d, c.Activation, c.LayerNorm, c.Dropout)
	}
	return dense(scope.In("latent"), x, c.Latent)
}

// DecodeGraph builds the decoder: z [B, Latent] → x̂ [B, Output...].
func (a *Autoencoder) DecodeGraph(scope *model.Scope, z *Node) *Node {
	c := a.Config
	scope = scope.At("autoencoder").At("decoder")
	batch := z.Shape().Dim(0)
	if len(c.Field) > 0 {
		return a.fieldDecode(scope.In("field"), z)
	}
	x := z
	for i := len(c.Dense) - 1; i >= 0; i-- {
		x = hidden(scope.In("dense%d", i), x, c.Dense[i], c.Activation, c.LayerNorm, c.Dropout)
	}
	if len(c.Conv) == 0 {
		x = dense(scope.In("output"), x, a.OutSize())
		return act(c.OutputActivation, Reshape(x, append([]int{batch}, c.Output...)...))
	}
	k := len(c.Conv)
	oh, ow := c.Output[0], c.Output[1]
	h0, w0 := (oh+(1<<k)-1)>>k, (ow+(1<<k)-1)>>k
	f0 := c.Conv[k-1].Filters
	x = act(c.Activation, dense(scope.In("project"), x, h0*w0*f0))
	x = Reshape(x, batch, h0, w0, f0)
	return act(c.OutputActivation, a.convDecode(scope, x)) // conv.go
}

// fieldDecode is the coordinate decoder: for every cell (i, j) of the [H, W, C] output, with
// coordinates u_i = 2(i+½)/H - 1, v_j = 2(j+½)/W - 1 and cell features c = (u, v, u² + v²), the first
// hidden layer is
//
//	h = act(A z + b + B c + (P z) ⊙ (Q c))
//
// and further dense layers map h to the C channels. The product term makes the first layer
// bilinear in latent and position, so a distance to a latent point (|c - c0|² = u² + v² - 2u·u0 -
// 2v·v0 + |c0|²), the quantity a front expanding from a firing point depends on, is one linear
// combination away. The z and cell parts are computed once ([B, h] and [H·W, h]) and broadcast.
func (a *Autoencoder) fieldDecode(scope *model.Scope, z *Node) *Node {
	c := a.Config
	g := z.Graph()
	batch := z.Shape().Dim(0)
	oh, ow, oc := c.Output[0], c.Output[1], c.Output[2]
	feats := make([]float32, 0, oh*ow*3)
	for i := range oh {
		for j := range ow {
			u, v := 2*(float32(i)+0.5)/float32(oh)-1, 2*(float32(j)+0.5)/float32(ow)-1
			feats = append(feats, u, v, u*u+v*v)
		}
	}
	cells := Reshape(ConvertDType(Const(g, feats), z.DType()), oh*ow, 3)
	h0 := c.Field[0]
	cellPart := func(name string) *Node {
		w := scope.In("%s", name).VariableWithShape("weights", shapes.Make(z.DType(), 3, h0)).NodeValue(g)
		return ExpandAxes(Dot(cells, w).Product(), 0) // [1, HW, h0]
	}
	x := Add(ExpandAxes(dense(scope.In("latent"), z, h0), 1), cellPart("coords")) // [B, HW, h0]
	x = Add(x, Mul(ExpandAxes(dense(scope.In("gate"), z, h0), 1), cellPart("coordsGate")))
	x = act(c.Activation, x)
	x = Reshape(x, batch*oh*ow, h0)
	for i, w := range c.Field[1:] {
		x = act(c.Activation, dense(scope.In("hidden%d", i+1), x, w))
	}
	x = dense(scope.In("output"), x, oc)
	return act(c.OutputActivation, Reshape(x, batch, oh, ow, oc))
}

// upsample2 repeats each pixel of x [B, H, W, C] into a 2×2 block: [B, 2H, 2W, C].
func upsample2(x *Node) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	x = Reshape(x, b, h, 1, w, 1, c)
	x = BroadcastToDims(x, b, h, 2, w, 2, c)
	return Reshape(x, b, 2*h, 2*w, c)
}

// chunk is the fixed batch size used for inference (inputs are padded to a multiple of it so that a
// single graph is compiled).
const chunk = 256

// runChunked applies exec to n samples of inSize values in chunks of at most `chunk` samples,
// padding the last chunk, and returns n samples of outSize values.
func runChunked(exec *model.Exec, data []float32, n, inSize, outSize int, inDims []int) ([]float32, error) {
	if n < 0 || len(data) != n*inSize {
		return nil, fmt.Errorf("%d values are not %d samples of %d", len(data), n, inSize)
	}
	out := make([]float32, 0, n*outSize)
	bs := min(chunk, max(n, 1))
	buf := make([]float32, bs*inSize)
	for start := 0; start < n; start += bs {
		m := min(bs, n-start)
		clear(buf)
		copy(buf, data[start*inSize:(start+m)*inSize])
		res, err := exec.Exec(tensorOf(buf, append([]int{bs}, inDims...)))
		if err != nil {
			return nil, err
		}
		flat, err := flatOf(res[0])
		if err != nil {
			return nil, err
		}
		out = append(out, flat[:m*outSize]...)
	}
	return out, nil
}

// Encode maps n samples (flat, n·InSize values) to n latent vectors (n·Latent values).
func (a *Autoencoder) Encode(x []float32) ([]float32, error) {
	in := a.InSize()
	if len(x)%in != 0 {
		return nil, fmt.Errorf("autoencoder encode: %d values are not a whole number of samples of shape %v", len(x), a.Config.Input)
	}
	if err := checkFinite("autoencoder encode: input x", x, in); err != nil {
		return nil, err
	}
	if a.encExec == nil {
		var err error
		a.encExec, err = model.NewExec(a.backend, a.store, a.EncodeGraph)
		if err != nil {
			return nil, fmt.Errorf("autoencoder encode: %w", err)
		}
	}
	z, err := runChunked(a.encExec, x, len(x)/in, in, a.Config.Latent, a.Config.Input)
	if err != nil {
		return nil, fmt.Errorf("autoencoder encode: %w", err)
	}
	return z, nil
}

// Decode maps n latent vectors to n output samples.
func (a *Autoencoder) Decode(z []float32) ([]float32, error) {
	l := a.Config.Latent
	if len(z)%l != 0 {
		return nil, fmt.Errorf("autoencoder decode: %d values are not a whole number of latent vectors of size %d", len(z), l)
	}
	if err := checkFinite("autoencoder decode: latent z", z, l); err != nil {
		return nil, err
	}
	if a.decExec == nil {
		var err error
		a.decExec, err = model.NewExec(a.backend, a.store, a.DecodeGraph)
		if err != nil {
			return nil, fmt.Errorf("autoencoder decode: %w", err)
		}
	}
	x, err := runChunked(a.decExec, z, len(z)/l, l, a.OutSize(), []int{l})
	if err != nil {
		return nil, fmt.Errorf("autoencoder decode: %w", err)
	}
	return x, nil
}

// Reconstruct encodes and decodes x.
func (a *Autoencoder) Reconstruct(x []float32) ([]float32, error) {
	z, err := a.Encode(x)
	if err != nil {
		return nil, err
	}
	return a.Decode(z)
}

// Train fits the autoencoder: inputs x (n·InSize values) to targets y (n·OutSize values; pass nil to
// reconstruct x), with validation data (xVal, yVal) for early stopping (nil: none).
func (a *Autoencoder) Train(x, y, xVal, yVal []float32, cfg TrainConfig) (*TrainResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("led.Autoencoder.Train: %w", err)
	}
	if y == nil {
		y, yVal = x, xVal
	}
	train, err := newDataset(x, y, a.Config.Input, a.Config.Output)
	if err != nil {
		return nil, fmt.Errorf("led.Autoencoder.Train: %w", err)
	}
	var val *dataset
	if len(xVal) > 0 {
		if val, err = newDataset(xVal, yVal, a.Config.Input, a.Config.Output); err != nil {
			return nil, fmt.Errorf("led.Autoencoder.Train: validation data: %w", err)
		}
	}
	loss := func(scope *model.Scope, x, y *Node) *Node {
		return lossFn(cfg.Loss, a.DecodeGraph(scope, a.EncodeGraph(scope, x)), y)
	}
	res, err := fit("led.Autoencoder.Train", a.Config.identity(), a.backend, a.store, loss, train, val, cfg)
	a.encExec, a.decExec = nil, nil // weights may have been replaced by the best ones
	return res, err
}
