package led

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/ml/layers/lstm"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// PropagatorConfig describes the recurrent latent propagator: stacked LSTM layers and a dense head
// predicting the next latent vector.
type PropagatorConfig struct {
	Dim           int    // Latent dimension (input and output size).
	LSTM          []int  // Hidden sizes of the stacked LSTM layers (LED FHN: [32]; report VdP: [64, 128, 256]).
	Bidirectional bool   // Bidirectional LSTM over a sliding window (the report's stateless models).
	Dense         []int  // Hidden layers of the head (report: [256, 128, 64]).
	Activation    string // Activation of the head's hidden layers.
	Window        int    // Training window length W (report VdP: 70; LED: 20-40).
	// LossFrom skips the first LossFrom positions of each window in the loss of a unidirectional
	// propagator, letting the hidden state warm up (LED's n_warmup_train).
	LossFrom int
	// Residual makes the head predict the increment z_{t+1} - z_t instead of z_{t+1}.
	Residual bool
	// Scale standardises the latent series (LED's "Standard" latent scaler) before training.
	Scale bool
}

// PropagatorBuilder configures a Propagator:
//
//	p, err := led.NewPropagator(2).LSTM(32).Window(40).LossFrom(10).Done()          // LED, stateful
//	p, err := led.NewPropagator(2).LSTM(64, 128).Bidirectional(true).Dense(64).Window(70).Done() // report
type PropagatorBuilder struct {
	cfg   PropagatorConfig
	store *model.Store
}

// NewPropagator starts a propagator for latent vectors of size dim. Defaults: one LSTM layer of 32,
// window 20, residual, scaled, tanh head activation.
func NewPropagator(dim int) *PropagatorBuilder {
	return &PropagatorBuilder{cfg: PropagatorConfig{Dim: dim, LSTM: []int{32}, Window: 20, Residual: true, Scale: true, Activation: "tanh"}}
}

// PropagatorFromConfig starts a builder from a complete configuration.
func PropagatorFromConfig(cfg PropagatorConfig) *PropagatorBuilder {
	return &PropagatorBuilder{cfg: cfg}
}

// LSTM sets the hidden sizes of the stacked LSTM layers.
func (b *PropagatorBuilder) LSTM(sizes ...int) *PropagatorBuilder { b.cfg.LSTM = sizes; return b }

// Bidirectional selects a bidirectional (sliding-window, stateless) propagator.
func (b *PropagatorBuilder) Bidirectional(on bool) *PropagatorBuilder {
	b.cfg.Bidirectional = on
	return b
}

// Dense sets the hidden layers of the head.
func (b *PropagatorBuilder) Dense(sizes ...int) *PropagatorBuilder { b.cfg.Dense = sizes; return b }

// Activation sets the head's activation.
func (b *PropagatorBuilder) Activation(name string) *PropagatorBuilder {
	b.cfg.Activation = name
	return b
}

// Window sets the training window length.
func (b *PropagatorBuilder) Window(w int) *PropagatorBuilder { b.cfg.Window = w; return b }

// LossFrom sets the warm-up positions excluded from the loss.
func (b *PropagatorBuilder) LossFrom(k int) *PropagatorBuilder { b.cfg.LossFrom = k; return b }

// Residual switches residual (increment) prediction.
func (b *PropagatorBuilder) Residual(on bool) *PropagatorBuilder { b.cfg.Residual = on; return b }

// Scale switches latent standardisation.
func (b *PropagatorBuilder) Scale(on bool) *PropagatorBuilder { b.cfg.Scale = on; return b }

// Store shares a variable store (with an Autoencoder, for end-to-end training).
func (b *PropagatorBuilder) Store(store *model.Store) *PropagatorBuilder { b.store = store; return b }

// Done validates the configuration and returns the propagator.
func (b *PropagatorBuilder) Done() (*Propagator, error) {
	c := b.cfg
	be, store, err := validateForBackend(c, b.store)
	if err != nil {
		return nil, err
	}
	return &Propagator{Config: c, store: store, backend: be}, nil
}

// Validate checks the configuration.
func (c PropagatorConfig) Validate() error {
	if c.Dim < 1 {
		return fmt.Errorf("propagator: latent dimension %d must be >= 1", c.Dim)
	}
	if len(c.LSTM) == 0 {
		return fmt.Errorf("propagator: needs at least one LSTM layer")
	}
	for _, h := range append(append([]int(nil), c.LSTM...), c.Dense...) {
		if h < 1 {
			return fmt.Errorf("propagator: layer size %d must be >= 1", h)
		}
	}
	if c.Window < 1 {
		return fmt.Errorf("propagator: window %d must be >= 1", c.Window)
	}
	if c.LossFrom < 0 || c.LossFrom >= c.Window {
		return fmt.Errorf("propagator: LossFrom %d must be in [0, window %d)", c.LossFrom, c.Window)
	}
	if err := checkActivation(c.Activation); err != nil {
		return fmt.Errorf("propagator: Activation: %w", err)
	}
	return nil
}

// Propagator is the LSTM latent propagator (a GoMLX model).
type Propagator struct {
	Config PropagatorConfig
	Scaler *Scaler // Latent scaler fitted by Train (nil: identity).
	// Lo and Hi bound the (scaled) latent vectors of autonomous roll-outs: the range seen in training
	// widened by 10% on each side. A fed-back prediction that leaves the training range is clipped
	// back instead of being extrapolated (nil: no bounds).
	Lo, Hi  []float32
	store   *model.Store
	backend compute.Backend

	seqExec, rollExec, winExec *model.Exec
}

// Store returns the variable store.
func (p *Propagator) Store() *model.Store { return p.store }

// StateSize is the size of the flattened recurrent state (h and c of every layer).
func (p *Propagator) StateSize() int {
	n := 0
	for _, h := range p.Config.LSTM {
		n += 2 * h
	}
	return n
}

func (p *Propagator) scope(scope *model.Scope, name string, args ...any) *model.Scope {
	return scope.At("propagator").At(name, args...)
}

// head maps LSTM features [..., F] to a latent increment or value [..., Dim].
func (p *Propagator) head(scope *model.Scope, h *Node) *Node {
	for i, d := range p.Config.Dense {
		h = act(p.Config.Activation, dense(p.scope(scope, "head%d", i), h, d))
	}
	return dense(p.scope(scope, "out"), h, p.Config.Dim)
}

// SequenceGraph runs the unidirectional propagator over x [B, S, Dim] from state [B, StateSize]
// (nil: zeros) with teacher forcing: y[:, t] is the prediction of x[:, t+1]. It returns y [B, S, Dim]
// and the final state.
func (p *Propagator) SequenceGraph(scope *model.Scope, x, state *Node) (y, newState *Node) {
	g := x.Graph()
	batch, seq := x.Shape().Dim(0), x.Shape().Dim(1)
	if state == nil {
		state = Zeros(g, shapes.Make(x.DType(), batch, p.StateSize()))
	}
	h := x
	off := 0
	var states []*Node
	for l, size := range p.Config.LSTM {
		h0 := Reshape(Slice(state, AxisRange(), AxisRange(off, off+size)), 1, batch, size)
		c0 := Reshape(Slice(state, AxisRange(), AxisRange(off+size, off+2*size)), 1, batch, size)
		off += 2 * size
		all, lastH, lastC := lstm.New(p.scope(scope, "lstm%d", l), h, size).InitialStates(h0, c0).Done()
		h = TransposeAllDims(Reshape(all, seq, batch, size), 1, 0, 2) // [B, S, H]
		states = append(states, Reshape(lastH, batch, size), Reshape(lastC, batch, size))
	}
	y = p.head(scope, h)
	if p.Config.Residual {
		y = Add(x, y)
	}
	return y, Concatenate(states, 1)
}

// WindowGraph runs the bidirectional propagator over a window x [B, W, Dim] and returns the
// prediction of the next vector [B, Dim].
func (p *Propagator) WindowGraph(scope *model.Scope, x *Node) *Node {
	batch, seq := x.Shape().Dim(0), x.Shape().Dim(1)
	h := x
	var last *Node
	for l, size := range p.Config.LSTM {
		all, lastH, _ := lstm.New(p.scope(scope, "lstm%d", l), h, size).Direction(lstm.DirBidirectional).Done()
		// all: [S, 2, B, H] → [B, S, 2H]
		h = Reshape(TransposeAllDims(all, 2, 0, 1, 3), batch, seq, 2*size)
		last = Reshape(TransposeAllDims(lastH, 1, 0, 2), batch, 2*size)
	}
	y := p.head(scope, last)
	if p.Config.Residual {
		y = Add(Reshape(Slice(x, AxisRange(), AxisElem(seq-1)), batch, p.Config.Dim), y)
	}
	return y
}

// RolloutGraph feeds z [B, Dim] and then its own predictions for n steps (n = steps.Shape().Dim(0),
// steps is a dummy [n] input), returning the n predictions [B, n, Dim] and the final state.
func (p *Propagator) RolloutGraph(scope *model.Scope, z, state, steps *Node) (ys, newState *Node) {
	n := steps.Shape().Dim(0)
	batch := z.Shape().Dim(0)
	outs := make([]*Node, n)
	x := Reshape(z, batch, 1, p.Config.Dim)
	var lo, hi *Node
	if len(p.Lo) == p.Config.Dim && len(p.Hi) == p.Config.Dim {
		lo = Reshape(Const(z.Graph(), p.Lo), 1, 1, p.Config.Dim)
		hi = Reshape(Const(z.Graph(), p.Hi), 1, 1, p.Config.Dim)
	}
	for k := 0; k < n; k++ {
		x, state = p.SequenceGraph(scope, x, state)
		if lo != nil {
			x = Clip(x, BroadcastToShape(lo, x.Shape()), BroadcastToShape(hi, x.Shape()))
		}
		outs[k] = x
	}
	return Concatenate(outs, 1), state
}

// windows cuts every window of length w+1 (stride 1) out of the series (each [T][Dim]).
func windows(series [][]float32, dim, w int) ([]float32, int, error) {
	var out []float32
	n := 0
	for i, s := range series {
		if len(s)%dim != 0 {
			return nil, 0, fmt.Errorf("series %d has %d values, not a multiple of the latent dimension %d", i, len(s), dim)
		}
		steps := len(s) / dim
		for start := 0; start+w+1 <= steps; start++ {
			out = append(out, s[start*dim:(start+w+1)*dim]...)
			n++
		}
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("no series is longer than the window %d + 1", w)
	}
	return out, n, nil
}

// trainingPairs splits windows of W+1 into inputs [n, W, D] and targets: [n, W, D] shifted by one for
// unidirectional propagators, [n, D] (the vector after the window) for bidirectional ones.
func (p *Propagator) trainingPairs(series [][]float32) (*dataset, error) {
	d, w := p.Config.Dim, p.Config.Window
	win, n, err := windows(series, d, w)
	if err != nil {
		return nil, err
	}
	x := make([]float32, 0, n*w*d)
	var y []float32
	for i := 0; i < n; i++ {
		s := win[i*(w+1)*d : (i+1)*(w+1)*d]
		x = append(x, s[:w*d]...)
		if p.Config.Bidirectional {
			y = append(y, s[w*d:]...)
		} else {
			y = append(y, s[d:]...)
		}
	}
	yDims := []int{w, d}
	if p.Config.Bidirectional {
		yDims = []int{d}
	}
	return newDataset(x, y, []int{w, d}, yDims)
}

// Train fits the propagator on latent series (each a row-major [T][Dim] array) with validation
// series for early stopping (nil: none). With Config.Scale it first fits a standard scaler on the
// training series.
func (p *Propagator) Train(series, val [][]float32, cfg TrainConfig) (*TrainResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("led.Propagator.Train: %w", err)
	}
	for i, s := range series {
		if err := checkFinite(fmt.Sprintf("led.Propagator.Train: series %d", i), s, p.Config.Dim); err != nil {
			return nil, err
		}
	}
	for i, s := range val {
		if err := checkFinite(fmt.Sprintf("led.Propagator.Train: validation series %d", i), s, p.Config.Dim); err != nil {
			return nil, err
		}
	}
	if p.Config.Scale {
		sc, err := NewStandardScaler(series, p.Config.Dim)
		if err != nil {
			return nil, fmt.Errorf("led.Propagator.Train: %w", err)
		}
		p.Scaler = sc
	}
	scaled := func(ss [][]float32) [][]float32 {
		out := make([][]float32, len(ss))
		for i, s := range ss {
			out[i] = p.scaleIn(s)
		}
		return out
	}
	sc := scaled(series)
	train, err := p.trainingPairs(sc)
	if err != nil {
		return nil, fmt.Errorf("led.Propagator.Train: %w", err)
	}
	p.setBounds(sc)
	var vd *dataset
	if len(val) > 0 {
		if vd, err = p.trainingPairs(scaled(val)); err != nil {
			return nil, fmt.Errorf("led.Propagator.Train: validation data: %w", err)
		}
	}
	from := p.Config.LossFrom
	loss := func(scope *model.Scope, x, y *Node) *Node {
		if p.Config.Bidirectional {
			return lossFn(cfg.Loss, p.WindowGraph(scope, x), y)
		}
		pred, _ := p.SequenceGraph(scope, x, nil)
		if from > 0 {
			pred = Slice(pred, AxisRange(), AxisRangeToEnd(from))
			y = Slice(y, AxisRange(), AxisRangeToEnd(from))
		}
		return lossFn(cfg.Loss, pred, y)
	}
	res, err := fit("led.Propagator.Train", p.Config.identity(), p.backend, p.store, loss, train, vd, cfg)
	p.seqExec, p.rollExec, p.winExec = nil, nil, nil
	return res, err
}

// setBounds records the training range of each latent coordinate, widened by 10% on each side.
func (p *Propagator) setBounds(series [][]float32) {
	d := p.Config.Dim
	lo, hi := make([]float32, d), make([]float32, d)
	for i := range lo {
		lo[i], hi[i] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	for _, s := range series {
		for k, v := range s {
			lo[k%d], hi[k%d] = min(lo[k%d], v), max(hi[k%d], v)
		}
	}
	for i := range lo {
		m := 0.1 * (hi[i] - lo[i])
		lo[i], hi[i] = lo[i]-m, hi[i]+m
	}
	p.Lo, p.Hi = lo, hi
	p.rollExec = nil
}

func (p *Propagator) scaleIn(z []float32) []float32 {
	if p.Scaler == nil {
		return append([]float32(nil), z...)
	}
	return p.Scaler.Transform(z)
}

func (p *Propagator) scaleOut(z []float32) []float32 {
	if p.Scaler == nil {
		return z
	}
	return p.Scaler.Inverse(z)
}

// State is the recurrent state of a unidirectional propagator between calls.
type State struct {
	hc []float32 // [StateSize]
	// Next is the predicted next latent vector (unscaled).
	Next []float32
}

// Observe feeds observed latent vectors zs ([T][Dim], unscaled) through the LSTM with teacher forcing,
// starting from st (nil: a zero state), and returns the updated state whose Next is the prediction
// of the vector after zs.
func (p *Propagator) Observe(st *State, zs []float32) (*State, error) {
	if p.Config.Bidirectional {
		return nil, fmt.Errorf("propagator: Observe needs a unidirectional propagator (this one is bidirectional)")
	}
	d := p.Config.Dim
	if len(zs) == 0 || len(zs)%d != 0 {
		return nil, fmt.Errorf("propagator: %d values are not a non-empty [T][%d] series", len(zs), d)
	}
	if err := checkFinite("propagator: observed series zs", zs, d); err != nil {
		return nil, err
	}
	if p.seqExec == nil {
		var err error
		if p.seqExec, err = model.NewExec(p.backend, p.store, p.SequenceGraph); err != nil {
			return nil, fmt.Errorf("propagator: %w", err)
		}
	}
	hc := make([]float32, p.StateSize())
	if st != nil {
		hc = st.hc
	}
	t := len(zs) / d
	out, err := p.seqExec.Exec(tensorOf(p.scaleIn(zs), []int{1, t, d}), tensorOf(hc, []int{1, len(hc)}))
	if err != nil {
		return nil, fmt.Errorf("propagator: %w", err)
	}
	y, err := flatOf(out[0])
	if err != nil {
		return nil, err
	}
	newHC, err := flatOf(out[1])
	if err != nil {
		return nil, err
	}
	return &State{hc: newHC, Next: p.scaleOut(y[(t-1)*d:])}, nil
}

// Rollout continues from st autonomously: it feeds st.Next and then its own predictions, and returns
// the n latent vectors st.Next, ẑ_1, ..., ẑ_{n-1} ([n][Dim], unscaled) with the state advanced past
// them (its Next is ẑ_n). The n steps run in one compiled graph.
func (p *Propagator) Rollout(st *State, n int) ([]float32, *State, error) {
	if st == nil || n < 1 {
		return nil, nil, fmt.Errorf("propagator: Rollout needs a state from Observe and n >= 1 (n=%d)", n)
	}
	d := p.Config.Dim
	if len(st.Next) != d || len(st.hc) != p.StateSize() {
		return nil, nil, fmt.Errorf("propagator: Rollout: the state holds %d latent values and %d hidden values, want %d and %d (a State from this propagator's Observe)",
			len(st.Next), len(st.hc), d, p.StateSize())
	}
	if err := checkFinite("propagator: Rollout: state.Next", st.Next, d); err != nil {
		return nil, nil, err
	}
	wd, err := training.StartWatchdog("led.Propagator.Rollout")
	if err != nil {
		return nil, nil, err
	}
	defer wd.Stop()
	if p.rollExec == nil {
		var err error
		if p.rollExec, err = model.NewExec(p.backend, p.store, p.RolloutGraph); err != nil {
			return nil, nil, fmt.Errorf("propagator: %w", err)
		}
	}
	out, err := p.rollExec.Exec(tensorOf(p.scaleIn(st.Next), []int{1, d}), tensorOf(st.hc, []int{1, len(st.hc)}),
		tensorOf(make([]float32, n), []int{n}))
	if err != nil {
		return nil, nil, fmt.Errorf("propagator: %w", err)
	}
	ys, err := flatOf(out[0])
	if err != nil {
		return nil, nil, err
	}
	hc, err := flatOf(out[1])
	if err != nil {
		return nil, nil, err
	}
	ys = p.scaleOut(ys)
	traj := append(append([]float32(nil), st.Next...), ys[:(n-1)*d]...)
	return traj, &State{hc: hc, Next: ys[(n-1)*d:]}, nil
}

// Forecast predicts `steps` latent vectors after the warm-up series ([T][Dim], unscaled). A
// unidirectional propagator observes the warm-up and rolls out; a bidirectional one slides a window
// of Config.Window vectors (the warm-up must be at least that long), appending each prediction.
func (p *Propagator) Forecast(warmup []float32, steps int) ([]float32, error) {
	d := p.Config.Dim
	if steps < 1 {
		return nil, fmt.Errorf("propagator: Forecast: steps=%d must be >= 1", steps)
	}
	if err := checkFinite("propagator: Forecast: warmup", warmup, d); err != nil {
		return nil, err
	}
	if !p.Config.Bidirectional {
		st, err := p.Observe(nil, warmup)
		if err != nil {
			return nil, err
		}
		traj, _, err := p.Rollout(st, steps)
		return traj, err
	}
	w := p.Config.Window
	if len(warmup)%d != 0 || len(warmup)/d < w {
		return nil, fmt.Errorf("propagator: warm-up of %d values is not a [T >= %d][%d] series", len(warmup), w, d)
	}
	if p.winExec == nil {
		var err error
		if p.winExec, err = model.NewExec(p.backend, p.store, p.WindowGraph); err != nil {
			return nil, fmt.Errorf("propagator: %w", err)
		}
	}
	buf := p.scaleIn(warmup[len(warmup)-w*d:])
	out := make([]float32, 0, steps*d)
	wd, err := training.StartWatchdog("led.Propagator.Forecast")
	if err != nil {
		return nil, err
	}
	defer wd.Stop()
	for k := 0; k < steps; k++ {
		res, err := p.winExec.Exec(tensorOf(buf[len(buf)-w*d:], []int{1, w, d}))
		wd.Kick()
		if err != nil {
			return nil, fmt.Errorf("propagator: %w", err)
		}
		y, err := flatOf(res[0])
		if err != nil {
			return nil, err
		}
		buf = append(buf, y...)
		out = append(out, y...)
	}
	return p.scaleOut(out), nil
}
