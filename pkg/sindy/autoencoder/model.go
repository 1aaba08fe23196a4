package autoencoder

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/sindy"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Model is a SINDy autoencoder: encoder φ, decoder ψ, coefficients Ξ and the sparsity mask, with
// its variables in a GoMLX model.Store. Create one with New(cfg)...Done() or NewModel.
type Model struct {
	cfg     Config
	lib     *sindy.Library
	backend compute.Backend
	store   *model.Store
	mask    []float32 // library × latent, row-major: 1 active, 0 removed

	trainExec, refineExec, evalExec, pretrainExec *model.Exec
}

// Variable paths in the store.
const (
	scopeEncoder = "encoder"
	scopeDecoder = "decoder"
	varXi        = "/sindy/xi"
	adamMain     = "adam"
	adamRefine   = "adam_refinement"
	adamPretrain = "adam_pretrain"
)

// NewModel validates cfg and creates the model with Xavier-uniform weights, zero biases and
// Ξ = CoeffInit everywhere, all drawn from cfg.Seed (so a seed reproduces the initial model).
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	lb := sindy.NewLibrary(cfg.LatentDim * cfg.ModelOrder).Polynomial(cfg.PolyOrder)
	if cfg.ModelOrder == 2 {
		names := make([]string, 2*cfg.LatentDim)
		for i := range cfg.LatentDim {
			names[i] = fmt.Sprintf("z%d", i+1)
			names[cfg.LatentDim+i] = fmt.Sprintf("z%d'", i+1)
		}
		lb.Names(names...)
	}
	if cfg.IncludeSine {
		lb.Sine()
	}
	lib, err := lb.Done()
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	m := &Model{cfg: cfg, lib: lib, backend: b, store: model.NewStore()}
	m.store.SetParam(optimizer.ParamLearningRate, cfg.LearningRate)
	if err := m.initVariables(); err != nil {
		return nil, err
	}
	m.mask = make([]float32, lib.Size()*cfg.LatentDim)
	for i := range m.mask {
		m.mask[i] = 1
	}
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Library returns Θ's library (variables z1..zd, or z1..zd, z1'..zd' for order 2).
func (m *Model) Library() *sindy.Library { return m.lib }

// Store returns the GoMLX store holding the weights (and, after training, Adam's state).
func (m *Model) Store() *model.Store { return m.store }

// encoderWidths returns [InputDim, Widths..., LatentDim]; the decoder is its reverse.
func (m *Model) encoderWidths() []int {
	return append(append([]int{m.cfg.InputDim}, m.cfg.Widths...), m.cfg.LatentDim)
}

func layerPath(scope string, i int, name string) string {
	return fmt.Sprintf("/%s/layer%d/%s", scope, i, name)
}

func (m *Model) initVariables() error {
	r := rand.New(rand.NewPCG(m.cfg.Seed, 0xa17e5c0de))
	ws := m.encoderWidths()
	dec := make([]int, len(ws))
	for i := range ws {
		dec[i] = ws[len(ws)-1-i]
	}
	for _, net := range []struct {
		scope  string
		widths []int
	}{{scopeEncoder, ws}, {scopeDecoder, dec}} {
		for i := 0; i+1 < len(net.widths); i++ {
			in, out := net.widths[i], net.widths[i+1]
			limit := math.Sqrt(6 / float64(in+out)) // Glorot/Xavier uniform, as tf.contrib's xavier_initializer
			w := make([]float32, in*out)
			for k := range w {
				w[k] = float32((2*r.Float64() - 1) * limit)
			}
			if _, err := m.store.CreateVariable(layerPath(net.scope, i, "weights"), tensors.FromFlatDataAndDimensions(w, in, out)); err != nil {
				return fmt.Errorf("autoencoder: %w", err)
			}
			if _, err := m.store.CreateVariable(layerPath(net.scope, i, "biases"), tensors.FromFlatDataAndDimensions(make([]float32, out), out)); err != nil {
				return fmt.Errorf("autoencoder: %w", err)
			}
		}
	}
	xi := make([]float32, m.lib.Size()*m.cfg.LatentDim)
	for i := range xi {
		xi[i] = float32(m.cfg.CoeffInit)
	}
	if _, err := m.store.CreateVariable(varXi, tensors.FromFlatDataAndDimensions(xi, m.lib.Size(), m.cfg.LatentDim)); err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	return nil
}

// layers returns the encoder and decoder layers and Ξ as nodes of g.
func (m *Model) layers(g *graph.Graph) (enc, dec []Layer, xi *Node) {
	n := len(m.cfg.Widths) + 1
	get := func(path string) *Node {
		v := m.store.GetVariable(path)
		if v == nil {
			exceptions.Panicf("autoencoder: variable %s missing", path)
		}
		return v.NodeValue(g)
	}
	for i := range n {
		enc = append(enc, Layer{W: get(layerPath(scopeEncoder, i, "weights")), B: get(layerPath(scopeEncoder, i, "biases"))})
		dec = append(dec, Layer{W: get(layerPath(scopeDecoder, i, "weights")), B: get(layerPath(scopeDecoder, i, "biases"))})
	}
	return enc, dec, get(varXi)
}

// forward builds the forward pass for inputs in (x, dx[, ddx]) and the mask (tape may be nil).
func (m *Model) forward(g *graph.Graph, mask *Node, in []*Node, tape *weightTape) Outputs {
	enc, dec, xi := m.layers(g)
	var ddx *Node
	if m.cfg.ModelOrder == 2 {
		ddx = in[2]
	}
	return forward(m.cfg, m.lib, enc, dec, xi, mask, in[0], in[1], ddx, tape)
}

// stepExec returns the exec of one Adam step: inputs (mask, x, dx[, ddx]), outputs the total,
// decoder, SINDy-x, SINDy-z and L1 losses (before the step). pretrain: the loss is the decoder's
// alone (Config.PretrainEpochs), with its own Adam, on a graph without the derivative paths (the
// SINDy and L1 outputs are 0).
func (m *Model) stepExec(refine, pretrain bool) (*model.Exec, error) {
	adam := optimizer.Adam().Epsilon(1e-8).LearningRate(m.cfg.LearningRate)
	cfg := m.cfg
	switch {
	case pretrain:
		adam = adam.Scope(adamPretrain)
		cfg.WeightSindyX, cfg.WeightSindyZ, cfg.WeightL1 = 0, 0, 0
	case refine:
		adam = adam.Scope(adamRefine)
	default:
		adam = adam.Scope(adamMain)
	}
	opt, err := gradientOptimizer(adam)
	if err != nil {
		return nil, err
	}
	return model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) []*Node {
		g := in[0].Graph()
		var tape *weightTape
		if !m.cfg.PlainAutodiff {
			tape = &weightTape{}
		}
		enc, dec, xi := m.layers(g)
		var l Losses
		if pretrain {
			// The decoder loss alone: no derivatives through the networks (about a third of a
			// main-phase step for a second-order model), the SINDy and L1 losses reported as 0.
			z, _, _ := propagate(enc, cfg.encoderActivation(), in[1], nil, nil, tape, nil)
			xHat, _, _ := propagate(dec, cfg.Activation, z, nil, nil, tape, nil)
			zero := graph.ScalarZero(g, xHat.DType())
			l.Decoder = graph.ReduceAllMean(graph.Square(graph.Sub(in[1], xHat)))
			l.Total, l.SindyX, l.SindyZ, l.L1 = graph.MulScalar(l.Decoder, cfg.WeightDecoder), zero, zero, zero
		} else {
			var ddx *Node
			if cfg.ModelOrder == 2 {
				ddx = in[3]
			}
			o := forward(cfg, m.lib, enc, dec, xi, in[0], in[1], in[2], ddx, tape)
			xd := in[2]
			if cfg.ModelOrder == 2 {
				xd = in[3]
			}
			l = Loss(cfg, o, in[1], xd, !refine)
		}
		update(scope, opt, l.Total, tape)
		return []*Node{l.Total, l.Decoder, l.SindyX, l.SindyZ, l.L1}
	})
}

// optimizerWithGradients is an optimizer that applies gradients computed elsewhere (GoMLX's Adam).
type optimizerWithGradients interface {
	UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType)
}

// gradientOptimizer returns the optimizer that adam configures.
func gradientOptimizer(adam *optimizer.AdamConfig) (optimizerWithGradients, error) {
	opt, ok := adam.Done().(optimizerWithGradients)
	if !ok {
		return nil, fmt.Errorf("autoencoder: GoMLX's Adam does not accept precomputed gradients")
	}
	return opt, nil
}

// update adds to loss's graph the gradients of loss with respect to the trainable variables the
// graph uses (from tape when not nil, else GoMLX's autodiff) and opt's step with them.
func update(scope *model.Scope, opt optimizerWithGradients, loss *Node, tape *weightTape) {
	g := loss.Graph()
	// The optimizer's order of variables: trainable ones used by this graph, as in
	// Scope.BuildTrainableVariablesGradientsGraph.
	var vars []*Node
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v.NodeValue(g))
		}
	}
	var grads []*Node
	if tape != nil {
		grads = tape.Gradients(loss, vars)
	} else {
		grads = graph.Gradient(loss, vars...)
	}
	opt.UpdateGraphWithGradients(scope, grads, loss.DType())
}

// evalExecFn returns the exec of a forward pass: inputs (mask, x, dx[, ddx]), outputs z, the
// encoder derivative, the SINDy prediction, x̂ and the decoded derivative prediction.
func (m *Model) evalExecFn() (*model.Exec, error) {
	return model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) []*Node {
		g := in[0].Graph()
		o := m.forward(g, in[0], in[1:], nil)
		outs := []*Node{o.Z, o.ZDeriv, o.ZPred, o.XHat, o.XPred}
		if o.DZ != nil {
			outs = append(outs, o.DZ)
		}
		return outs
	})
}

func (m *Model) maskTensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float32(nil), m.mask...), m.lib.Size(), m.cfg.LatentDim)
}

// Mask returns a copy of the sparsity mask as library × latent booleans.
func (m *Model) Mask() [][]bool {
	out := make([][]bool, m.lib.Size())
	for i := range out {
		out[i] = make([]bool, m.cfg.LatentDim)
		for j := range out[i] {
			out[i][j] = m.mask[i*m.cfg.LatentDim+j] != 0
		}
	}
	return out
}

// ActiveTerms counts the coefficients still in the model (mask = 1).
func (m *Model) ActiveTerms() int {
	n := 0
	for _, v := range m.mask {
		if v != 0 {
			n++
		}
	}
	return n
}

// rawXi returns Ξ (unmasked) as a flat row-major slice.
func (m *Model) rawXi() ([]float32, error) {
	v := m.store.GetVariable(varXi)
	if v == nil {
		return nil, fmt.Errorf("autoencoder: Ξ variable missing")
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("autoencoder: Ξ: %w", err)
	}
	return tensors.CopyFlatData[float32](t)
}

// Coefficients returns Ξ ⊙ mask (library × latent), the discovered model.
func (m *Model) Coefficients() ([][]float64, error) {
	raw, err := m.rawXi()
	if err != nil {
		return nil, err
	}
	d := m.cfg.LatentDim
	out := make([][]float64, m.lib.Size())
	for i := range out {
		out[i] = make([]float64, d)
		for j := range d {
			out[i][j] = float64(raw[i*d+j] * m.mask[i*d+j])
		}
	}
	return out, nil
}

// Threshold masks out every active coefficient with |ξ| <= threshold (sequential thresholding) and
// returns the number of active terms left. The mask only shrinks.
func (m *Model) Threshold(threshold float64) (int, error) {
	if !(threshold >= 0) || math.IsInf(threshold, 0) {
		return 0, fmt.Errorf("autoencoder: Threshold(threshold=%g): the threshold must be finite and >= 0", threshold)
	}
	raw, err := m.rawXi()
	if err != nil {
		return 0, err
	}
	for i, v := range raw {
		if math.Abs(float64(v)) <= threshold {
			m.mask[i] = 0
		}
	}
	return m.ActiveTerms(), nil
}

// SINDy returns the discovered latent model ż = Θ(z)(Ξ ⊙ mask) as a classical sindy.Model, to print
// its equations or simulate it. For order 2 models the library variables are y = [z, ż] and the
// returned model is the equivalent first-order system ẏ = [ż, Θ(y)Ξ]: its first LatentDim equations
// are the identities ż_i = ż_i and the rest are the discovered z̈.
func (m *Model) SINDy() (*sindy.Model, error) {
	xi, err := m.Coefficients()
	if err != nil {
		return nil, err
	}
	if m.cfg.ModelOrder != 2 {
		return sindy.FromCoefficients(m.lib, xi)
	}
	n := m.cfg.LatentDim
	full := make([][]float64, len(xi))
	for i := range xi {
		full[i] = make([]float64, 2*n)
		copy(full[i][n:], xi[i])
	}
	for j := 0; j < n; j++ {
		powers := make([]int, 2*n)
		powers[n+j] = 1
		k := m.lib.Index(powers...)
		if k < 0 {
			return nil, fmt.Errorf("autoencoder: second-order library has no linear term for variable %d", n+j+1)
		}
		full[k][j] = 1
	}
	return sindy.FromCoefficients(m.lib, full)
}

// Save writes the model (weights, Adam's state, mask, configuration and the training state st, which
// may be nil) to path atomically, in the format of Train's checkpoints (Train can resume from it);
// Load reads it back.
func (m *Model) Save(path string, st *State) error {
	if err := m.save(path, st, nil); err != nil {
		return fmt.Errorf("autoencoder: save: %w", err)
	}
	return nil
}

// save writes the variables keep accepts (nil: all) with st (a fresh state when nil), the model's
// configuration and its current mask.
func (m *Model) save(path string, st *State, keep func(string) bool) error {
	ms := modelState{Config: m.cfg, RefineStart: -1, Mask: m.mask}
	ts := training.State{Best: math.Inf(1), BestEpoch: -1}
	if st != nil {
		ms.RefineStart, ms.Thresholds, ms.Reopened = st.RefineStart, st.Thresholds, st.Reopened
		ts.Epoch, ts.History, ts.Seconds, ts.Done = st.Epoch, st.History, st.Elapsed, st.Done
		if st.Done {
			ts.Stopped = "epochs"
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&ms); err != nil {
		return err
	}
	ts.Extra = buf.Bytes()
	return identity(m.cfg).Save(path, m.store, &ts, keep)
}

// SaveWeights is Save without the optimizer state (Adam's moments and step counters of both phases):
// the file to ship a trained model, at most a third of the size of a training checkpoint. Load reads
// it; training a loaded model further starts with fresh Adam moments.
func (m *Model) SaveWeights(path string, st *State) error {
	own := func(p string) bool {
		return p == varXi || strings.HasPrefix(p, "/"+scopeEncoder+"/") || strings.HasPrefix(p, "/"+scopeDecoder+"/")
	}
	if err := m.save(path, st, own); err != nil {
		return fmt.Errorf("autoencoder: save weights: %w", err)
	}
	return nil
}

// Load reads a model written by Save or SaveWeights (or a training checkpoint of Train) and returns
// it with its training state. It also reads the files written before checkpoints recorded their
// model (format 1: the models shipped in notebooks/models); it refuses a checkpoint of another kind
// of model.
func Load(path string) (*Model, *State, error) {
	// The configuration first: in the model's state (Extra) of a training.State, or, in format 1,
	// in the State itself.
	var probe struct {
		Extra  []byte
		Config Config
	}
	found, err := training.Identity{Kind: checkpointKind, Legacy: true}.Load(path, model.NewStore(), &probe)
	if err != nil {
		return nil, nil, fmt.Errorf("autoencoder: load: %w", err)
	}
	if !found {
		return nil, nil, fmt.Errorf("autoencoder: load: the file %s does not exist", path)
	}
	var ms modelState
	cfg := probe.Config
	if len(probe.Extra) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(probe.Extra)).Decode(&ms); err != nil {
			return nil, nil, fmt.Errorf("autoencoder: load %s: model state: %w", path, err)
		}
		cfg = ms.Config
	}
	m, err := NewModel(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("autoencoder: load %s: %w", path, err)
	}
	id := identity(cfg)
	id.Legacy = true
	var st *State
	if len(probe.Extra) > 0 {
		var ts training.State
		_, err = id.Load(path, m.store, &ts)
		st = ms.state(&ts)
	} else {
		st = &State{}
		_, err = id.Load(path, m.store, st)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("autoencoder: load: %w", err)
	}
	if len(st.Mask) != len(m.mask) {
		return nil, nil, fmt.Errorf("autoencoder: load %s: mask has %d entries, want %d", path, len(st.Mask), len(m.mask))
	}
	copy(m.mask, st.Mask)
	return m, st, nil
}
