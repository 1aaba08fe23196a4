package led

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/f32"
	"github.com/dynlearn/dynlearn/pkg/nn"
)

// Plain-Go inference. LED's macro phase is thousands of tiny steps (an LSTM of 32 units on a latent
// vector of 2); run through a graph backend, each step pays the per-operation overhead of the
// backend many times over its arithmetic. FastPropagator and FastAutoencoder copy a trained
// model's weights into float32 slices and evaluate it one sample at a time in plain Go (SIMD axpy
// kernels of internal/f32), giving the same numbers as the graph to float32 rounding (tested to
// 1e-5). They are snapshots: retraining the model does not update them; call Fast again.

// fastAct returns the in-place float32 function of an activation (nil for linear).
func fastAct(a nn.Activation) func(y []float32) {
	switch a {
	case nn.Linear:
		return nil
	case nn.Tanh:
		return func(y []float32) { f32.TanhSlice(y, y) }
	case nn.Sigmoid:
		return func(y []float32) { f32.SigmoidSlice(y, y) }
	case nn.ELU, nn.CELU:
		return func(y []float32) { f32.ELUSlice(y, y) }
	case nn.TanhPlus:
		return func(y []float32) {
			f32.TanhSlice(y, y)
			for i, v := range y {
				y[i] = 0.5 + 0.5*v
			}
		}
	case nn.ReLU:
		return func(y []float32) {
			for i, v := range y {
				y[i] = max(v, 0)
			}
		}
	}
	return func(y []float32) {
		for i, v := range y {
			r, _ := a.Eval(float64(v))
			y[i] = float32(r)
		}
	}
}

// fastDense is one dense layer y = act(norm(b + x·W)).
type fastDense struct {
	w, b         []float32 // [in][out], [out]
	in, out      int
	gain, offset []float32 // layer normalisation (nil: none)
	act          func(y []float32)
}

func (l *fastDense) apply(y, x []float32) {
	f32.Dense(y, x, l.w, l.b)
	if l.gain != nil {
		var mean, sq float64
		for _, v := range y {
			mean += float64(v)
		}
		mean /= float64(l.out)
		for _, v := range y {
			d := float64(v) - mean
			sq += d * d
		}
		inv := 1 / math.Sqrt(sq/float64(l.out)+1e-5)
		for i, v := range y {
			y[i] = float32((float64(v)-mean)*inv)*l.gain[i] + l.offset[i]
		}
	}
	if l.act != nil {
		l.act(y)
	}
}

// variable returns the flat float32 value of the store's variable at path with the given size.
func variable(store *model.Store, path string, size int) ([]float32, error) {
	v := store.GetVariable(path)
	if v == nil {
		return nil, fmt.Errorf("fast inference: the model has no variable %s", path)
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("fast inference: variable %s: %w", path, err)
	}
	data, err := flatOf(t)
	if err != nil {
		return nil, fmt.Errorf("fast inference: variable %s: %w", path, err)
	}
	if len(data) != size {
		return nil, fmt.Errorf("fast inference: variable %s has %d values, want %d", path, len(data), size)
	}
	return data, nil
}

func loadDense(store *model.Store, scope string, in, out int, act nn.Activation, norm bool) (fastDense, error) {
	l := fastDense{in: in, out: out, act: fastAct(act)}
	var err error
	if l.w, err = variable(store, scope+"/weights", in*out); err != nil {
		return l, err
	}
	if l.b, err = variable(store, scope+"/biases", out); err != nil {
		return l, err
	}
	if norm {
		if l.gain, err = variable(store, scope+"/norm/gain", out); err != nil {
			return l, err
		}
		if l.offset, err = variable(store, scope+"/norm/offset", out); err != nil {
			return l, err
		}
	}
	return l, nil
}

// FastAutoencoder is a plain-Go float32 copy of a dense autoencoder (no convolutions, no field
// decoder) for one-sample-at-a-time inference. Build it with Autoencoder.Fast. Its methods are not
// safe for concurrent use (they share scratch buffers).
type FastAutoencoder struct {
	enc, dec []fastDense
	in, out  int
	latent   int
	bufA     []float32
	bufB     []float32
}

// Fast returns a plain-Go copy of a dense autoencoder's weights for fast single-sample inference,
// or an error for convolutional and field decoders.
func (a *Autoencoder) Fast() (*FastAutoencoder, error) {
	c := a.Config
	if len(c.Conv) > 0 || len(c.Field) > 0 {
		return nil, fmt.Errorf("led: fast inference supports dense autoencoders only (this one has %d convolutions and a field decoder of %d layers)", len(c.Conv), len(c.Field))
	}
	if a.store.GetVariable("/autoencoder/decoder/output/weights") == nil { // not built yet: initialise
		if _, err := a.Reconstruct(make([]float32, a.InSize())); err != nil {
			return nil, fmt.Errorf("led fast inference: initialising the autoencoder: %w", err)
		}
	}
	act := activation(c.Activation)
	f := &FastAutoencoder{in: a.InSize(), out: a.OutSize(), latent: c.Latent}
	widest := max(f.in, f.out)
	prev := f.in
	for i, d := range c.Dense {
		l, err := loadDense(a.store, fmt.Sprintf("/autoencoder/encoder/dense%d", i), prev, d, act, c.LayerNorm)
		if err != nil {
			return nil, err
		}
		f.enc = append(f.enc, l)
		prev = d
		widest = max(widest, d)
	}
	l, err := loadDense(a.store, "/autoencoder/encoder/latent", prev, c.Latent, nn.Linear, false)
	if err != nil {
		return nil, err
	}
	f.enc = append(f.enc, l)
	prev = c.Latent
	for i := len(c.Dense) - 1; i >= 0; i-- {
		l, err := loadDense(a.store, fmt.Sprintf("/autoencoder/decoder/dense%d", i), prev, c.Dense[i], act, c.LayerNorm)
		if err != nil {
			return nil, err
		}
		f.dec = append(f.dec, l)
		prev = c.Dense[i]
	}
	if l, err = loadDense(a.store, "/autoencoder/decoder/output", prev, f.out, activation(c.OutputActivation), false); err != nil {
		return nil, err
	}
	f.dec = append(f.dec, l)
	f.bufA, f.bufB = make([]float32, widest), make([]float32, widest)
	return f, nil
}

// run applies layers to x, writing the last layer's output into dst.
func (f *FastAutoencoder) run(layers []fastDense, dst, x []float32) {
	cur := x
	for i := range layers {
		l := &layers[i]
		var out []float32
		switch {
		case i == len(layers)-1:
			out = dst
		case i%2 == 0:
			out = f.bufA[:l.out]
		default:
			out = f.bufB[:l.out]
		}
		l.apply(out, cur)
		cur = out
	}
}

// EncodeOne writes the latent vector of one input sample x (InSize values) into z (Latent values).
func (f *FastAutoencoder) EncodeOne(z, x []float32) error {
	if len(x) != f.in || len(z) != f.latent {
		return fmt.Errorf("led fast encode: got %d input and %d latent values, want %d and %d", len(x), len(z), f.in, f.latent)
	}
	f.run(f.enc, z, x)
	return nil
}

// DecodeOne writes the output sample of one latent vector z into x (OutSize values).
func (f *FastAutoencoder) DecodeOne(x, z []float32) error {
	if len(z) != f.latent || len(x) != f.out {
		return fmt.Errorf("led fast decode: got %d latent and %d output values, want %d and %d", len(z), len(x), f.latent, f.out)
	}
	f.run(f.dec, x, z)
	return nil
}

// Encode maps n samples (n·InSize values) to n latent vectors, like Autoencoder.Encode.
func (f *FastAutoencoder) Encode(x []float32) ([]float32, error) {
	return f.batch("encode", f.enc, x, f.in, f.latent)
}

// Decode maps n latent vectors to n output samples, like Autoencoder.Decode.
func (f *FastAutoencoder) Decode(z []float32) ([]float32, error) {
	return f.batch("decode", f.dec, z, f.latent, f.out)
}

// batch applies layers to each sample of in values in x, returning the samples of out values.
func (f *FastAutoencoder) batch(what string, layers []fastDense, x []float32, in, out int) ([]float32, error) {
	if len(x)%in != 0 {
		return nil, fmt.Errorf("led fast %s: %d values are not whole samples of %d", what, len(x), in)
	}
	n := len(x) / in
	y := make([]float32, n*out)
	for i := range n {
		f.run(layers, y[i*out:(i+1)*out], x[i*in:(i+1)*in])
	}
	return y, nil
}

// fastLSTM is one LSTM layer with its weights transposed for axpy: gates (input, output, forget,
// cell, each H values: GoMLX's order) = b + x·Wx + h·Wh.
type fastLSTM struct {
	wx, wh, b []float32 // [F][4H], [H][4H], [4H]
	in, h     int
}

// FastPropagator is a plain-Go float32 copy of a unidirectional LSTM propagator: Observe and
// Rollout as Propagator's, one step at a time. Build it with Propagator.Fast. Not safe for
// concurrent use.
type FastPropagator struct {
	p       *Propagator
	layers  []fastLSTM
	head    []fastDense
	outL    fastDense
	gates   []float32
	hbuf    [2][]float32
	x, y    []float32
	lo, hi  []float32
	stateSz int
}

// Fast returns a plain-Go copy of a unidirectional propagator's weights for fast stepping.
func (p *Propagator) Fast() (*FastPropagator, error) {
	if p.Config.Bidirectional {
		return nil, fmt.Errorf("led: fast inference needs a unidirectional propagator (this one is bidirectional)")
	}
	d := p.Config.Dim
	if p.store.GetVariable("/propagator/out/weights") == nil { // not built yet: initialise
		if _, err := p.Observe(nil, make([]float32, d)); err != nil {
			return nil, fmt.Errorf("led fast inference: initialising the propagator: %w", err)
		}
	}
	f := &FastPropagator{p: p, stateSz: p.StateSize(), x: make([]float32, d), y: make([]float32, d)}
	widest := d
	in := d
	for l, h := range p.Config.LSTM {
		scope := fmt.Sprintf("/propagator/lstm%d", l)
		wx, err := variable(p.store, scope+"/inputsW", 4*h*in)
		if err != nil {
			return nil, err
		}
		wh, err := variable(p.store, scope+"/recurrentW", 4*h*h)
		if err != nil {
			return nil, err
		}
		b, err := variable(p.store, scope+"/biasesW", 8*h)
		if err != nil {
			return nil, err
		}
		fl := fastLSTM{wx: make([]float32, in*4*h), wh: make([]float32, h*4*h), b: make([]float32, 4*h), in: in, h: h}
		for n := range 4 {
			for j := range h {
				for k := range in { // inputsW [1, 4, H, F]
					fl.wx[k*4*h+n*h+j] = wx[(n*h+j)*in+k]
				}
				for k := range h { // recurrentW [1, 4, H(j), H(h)]
					fl.wh[k*4*h+n*h+j] = wh[(n*h+j)*h+k]
				}
				fl.b[n*h+j] = b[n*h+j] + b[(4+n)*h+j]
			}
		}
		f.layers = append(f.layers, fl)
		in = h
		widest = max(widest, 4*h)
	}
	act := activation(p.Config.Activation)
	for i, w := range p.Config.Dense {
		l, err := loadDense(p.store, fmt.Sprintf("/propagator/head%d", i), in, w, act, false)
		if err != nil {
			return nil, err
		}
		f.head = append(f.head, l)
		in = w
		widest = max(widest, w)
	}
	var err error
	if f.outL, err = loadDense(p.store, "/propagator/out", in, d, nn.Linear, false); err != nil {
		return nil, err
	}
	f.gates = make([]float32, widest)
	f.hbuf = [2][]float32{make([]float32, widest), make([]float32, widest)}
	if len(p.Lo) == d && len(p.Hi) == d {
		f.lo, f.hi = p.Lo, p.Hi
	}
	return f, nil
}

// Step advances the recurrent state hc (StateSize values: h and c of each layer) in place by one
// input x (Dim values, in the propagator's scaled space) and writes the prediction of the next
// vector (scaled, residual added, not clipped) into y. It is the LSTM update and the dense head.
func (f *FastPropagator) Step(hc, x, y []float32) {
	cur := x
	off := 0
	for li := range f.layers {
		l := &f.layers[li]
		h := l.h
		hPrev, c := hc[off:off+h], hc[off+h:off+2*h]
		g := f.gates[:4*h]
		copy(g, l.b)
		for k, v := range cur {
			f32.Axpy(v, l.wx[k*4*h:(k+1)*4*h], g)
		}
		for k, v := range hPrev {
			f32.Axpy(v, l.wh[k*4*h:(k+1)*4*h], g)
		}
		f32.SigmoidSlice(g[:3*h], g[:3*h])
		f32.TanhSlice(g[3*h:], g[3*h:])
		for j := range h {
			c[j] = c[j]*g[2*h+j] + g[3*h+j]*g[j]
		}
		f32.TanhSlice(hPrev, c)
		for j := range h {
			hPrev[j] *= g[h+j]
		}
		cur = hPrev
		off += 2 * h
	}
	for i := range f.head {
		out := f.hbuf[i%2][:f.head[i].out]
		f.head[i].apply(out, cur)
		cur = out
	}
	f.outL.apply(y, cur)
	if f.p.Config.Residual {
		for i := range y {
			y[i] += x[i]
		}
	}
}

// clip bounds a fed-back prediction to the training range (as RolloutGraph).
func (f *FastPropagator) clip(y []float32) {
	if f.lo == nil {
		return
	}
	for i := range y {
		y[i] = min(max(y[i], f.lo[i]), f.hi[i])
	}
}

func (f *FastPropagator) scaleIn(dst, z []float32) {
	if f.p.Scaler == nil {
		copy(dst, z)
		return
	}
	for i, v := range z {
		dst[i] = float32((float64(v) - f.p.Scaler.Offset[i]) / f.p.Scaler.Scale[i])
	}
}

func (f *FastPropagator) scaleOut(dst, z []float32) {
	if f.p.Scaler == nil {
		copy(dst, z)
		return
	}
	for i, v := range z {
		dst[i] = float32(float64(v)*f.p.Scaler.Scale[i] + f.p.Scaler.Offset[i])
	}
}

// Observe is Propagator.Observe in plain Go: it feeds the latent vectors zs ([T][Dim], unscaled)
// with teacher forcing from st (nil: a zero state) and returns the new state.
func (f *FastPropagator) Observe(st *State, zs []float32) (*State, error) {
	d := f.p.Config.Dim
	if len(zs) == 0 || len(zs)%d != 0 {
		return nil, fmt.Errorf("propagator: %d values are not a non-empty [T][%d] series", len(zs), d)
	}
	hc := make([]float32, f.stateSz)
	if st != nil {
		if len(st.hc) != f.stateSz {
			return nil, fmt.Errorf("propagator: state of %d values, want %d", len(st.hc), f.stateSz)
		}
		copy(hc, st.hc)
	}
	for t := 0; t < len(zs)/d; t++ {
		f.scaleIn(f.x, zs[t*d:(t+1)*d])
		f.Step(hc, f.x, f.y)
	}
	next := make([]float32, d)
	f.scaleOut(next, f.y)
	return &State{hc: hc, Next: next}, nil
}

// Rollout is Propagator.Rollout in plain Go: it feeds st.Next and then its own (clipped)
// predictions, returning st.Next, ẑ_1, ..., ẑ_{n-1} and the state advanced past them.
func (f *FastPropagator) Rollout(st *State, n int) ([]float32, *State, error) {
	if st == nil || n < 1 {
		return nil, nil, fmt.Errorf("propagator: Rollout needs a state from Observe and n >= 1 (n=%d)", n)
	}
	d := f.p.Config.Dim
	traj := make([]float32, n*d)
	copy(traj, st.Next)
	hc := append([]float32(nil), st.hc...)
	f.scaleIn(f.x, st.Next)
	for k := range n {
		f.Step(hc, f.x, f.y)
		f.clip(f.y)
		copy(f.x, f.y)
		if k < n-1 {
			f.scaleOut(traj[(k+1)*d:(k+2)*d], f.y)
		}
	}
	next := make([]float32, d)
	f.scaleOut(next, f.y)
	return traj, &State{hc: hc, Next: next}, nil
}
