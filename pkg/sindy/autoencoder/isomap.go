package autoencoder

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/isomap"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// adamIsomap is the scope of the Isomap fit's own Adam.
const adamIsomap = "adam_isomap"

// IsomapReport describes an IsomapStart.
type IsomapReport struct {
	Samples, Neighbors, Epochs int
	// Residual is the share of the geodesic distances' structure that LatentDim coordinates leave
	// unexplained (isomap.Result.Residual; near 0 for data on a LatentDim-dimensional manifold).
	Residual float64
	// EncoderError is the mean squared error of the encoder's outputs against the (unit-variance)
	// coordinates after the fit; DecoderError the decoder's relative squared error on the samples,
	// Σ(x - ψ(z*))² / Σx².
	EncoderError, DecoderError float64
	Took                       time.Duration
}

// IsomapOptions control IsomapStart.
type IsomapOptions struct {
	Samples int // Training samples, evenly spaced, whose Isomap coordinates are the targets.
	Epochs  int // Epochs of Adam over those samples.
	// Log (may be nil) gets one line per 10% of the epochs; Alive (may be nil) is called after
	// every epoch (a training loop's watchdog).
	Log   io.Writer
	Alive func()
}

// IsomapStart computes the Isomap coordinates (LatentDim of them, centred and scaled to unit
// variance) of o.Samples evenly spaced samples of d, and fits the encoder to output them and the
// decoder to rebuild the samples from them: o.Epochs epochs of Adam over the samples (batch
// min(BatchSize, Samples), the order shuffled with the model's seed, the learning rate decaying
// along half a cosine from LearningRate to a hundredth of it, so that the encoder ends smooth: its
// chain-rule derivatives ż, z̈ amplify any wiggle of the fit). Config.IsomapLatents runs it before
// pre-training.
func (m *Model) IsomapStart(d Data, o IsomapOptions) (*IsomapReport, error) {
	samples, epochs, log := o.Samples, o.Epochs, o.Log
	t0 := time.Now()
	if samples < m.cfg.LatentDim+2 || epochs < 1 {
		return nil, fmt.Errorf("autoencoder: IsomapStart: samples=%d, epochs=%d; want samples >= LatentDim+2 = %d and epochs >= 1",
			samples, epochs, m.cfg.LatentDim+2)
	}
	if err := d.validate(m.cfg, "Isomap"); err != nil {
		return nil, err
	}
	s := subsample(d, samples)
	x := make([]float64, len(s.X))
	for i, v := range s.X {
		x[i] = float64(v)
	}
	res, err := isomap.Embed(x, s.N, s.Dim, m.cfg.LatentDim, isomap.Options{})
	if err != nil {
		return nil, fmt.Errorf("autoencoder: IsomapStart on %d samples: %w", s.N, err)
	}
	dim := m.cfg.LatentDim
	target := make([]float32, s.N*dim)
	for j := range dim {
		var ss float64
		for i := range s.N {
			ss += res.Coords[i][j] * res.Coords[i][j]
		}
		sd := math.Sqrt(ss / float64(s.N))
		if !(sd > 0) {
			return nil, fmt.Errorf("autoencoder: IsomapStart: Isomap coordinate %d is constant over %d samples", j, s.N)
		}
		for i := range s.N {
			target[i*dim+j] = float32(res.Coords[i][j] / sd)
		}
	}
	exec, err := m.isomapExec()
	if err != nil {
		return nil, err
	}
	bs := min(m.cfg.BatchSize, s.N)
	steps := s.N / bs
	bx, bz := make([]float32, bs*s.Dim), make([]float32, bs*dim)
	r := rand.New(rand.NewPCG(m.cfg.Seed, 0x150))
	var encErr, decErr, xx float64
	for i := range s.X {
		xx += float64(s.X[i]) * float64(s.X[i])
	}
	lrVar := optimizer.LearningRateVar(m.store.RootScope(), dtypes.Float32, m.cfg.LearningRate)
	setLR := func(lr float64) error {
		if err := lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
			return fmt.Errorf("autoencoder: IsomapStart: setting the learning rate: %w", err)
		}
		return nil
	}
	defer func() { _ = setLR(m.cfg.LearningRate) }() // the variable the other phases' Adams read
	for e := range epochs {
		perm := r.Perm(s.N)
		var el, dl float64
		for b := range steps {
			if err := setLR(training.CosineLR(m.cfg.LearningRate, 0, e*steps+b, epochs*steps)); err != nil {
				return nil, err
			}
			for k := range bs {
				i := perm[b*bs+k]
				copy(bx[k*s.Dim:(k+1)*s.Dim], s.X[i*s.Dim:(i+1)*s.Dim])
				copy(bz[k*dim:(k+1)*dim], target[i*dim:(i+1)*dim])
			}
			outs, err := exec.Call(tensors.FromFlatDataAndDimensions(bx, bs, s.Dim), tensors.FromFlatDataAndDimensions(bz, bs, dim))
			if err != nil {
				return nil, fmt.Errorf("autoencoder: IsomapStart step: %w", err)
			}
			el += float64(tensors.ToScalar[float32](outs[0])) / float64(steps)
			dl += float64(tensors.ToScalar[float32](outs[1])) / float64(steps)
		}
		if math.IsNaN(el) || math.IsNaN(dl) {
			return nil, fmt.Errorf("autoencoder: IsomapStart diverged at epoch %d (encoder %g, decoder %g)", e, el, dl)
		}
		// Mean squared errors of the epoch's batches (before each step); the decoder's relative.
		encErr, decErr = el, dl*float64(s.N*s.Dim)/xx
		if o.Alive != nil {
			o.Alive()
		}
		if log != nil && ((e+1)%max(1, epochs/10) == 0 || e == epochs-1) {
			fmt.Fprintf(log, "isomap start: epoch %d/%d, encoder error %.3e, decoder relative error %.3e\n", e+1, epochs, encErr, decErr)
		}
	}
	return &IsomapReport{Samples: s.N, Neighbors: res.Neighbors, Epochs: epochs, Residual: res.Residual,
		EncoderError: encErr, DecoderError: decErr, Took: time.Since(t0)}, nil
}

// isomapExec returns the exec of one Adam step of the Isomap fit: inputs x [batch, InputDim] and
// the target latents z* [batch, LatentDim]; outputs mean (φ(x) - z*)² and mean (x - ψ(z*))² before
// the step, whose loss is their sum (the encoder and the decoder learn independently).
func (m *Model) isomapExec() (*model.Exec, error) {
	adam := optimizer.Adam().Epsilon(1e-8).LearningRate(m.cfg.LearningRate).Scope(adamIsomap)
	opt, err := gradientOptimizer(adam)
	if err != nil {
		return nil, err
	}
	cfg := m.cfg
	return model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) []*Node {
		g := in[0].Graph()
		var tape *weightTape
		if !cfg.PlainAutodiff {
			tape = &weightTape{}
		}
		enc, dec, _ := m.layers(g)
		z, _, _ := propagate(enc, cfg.encoderActivation(), in[0], nil, nil, tape, nil)
		xHat, _, _ := propagate(dec, cfg.Activation, in[1], nil, nil, tape, nil)
		encLoss := graph.ReduceAllMean(graph.Square(graph.Sub(z, in[1])))
		decLoss := graph.ReduceAllMean(graph.Square(graph.Sub(in[0], xHat)))
		update(scope, opt, graph.Add(encLoss, decLoss), tape)
		return []*Node{encLoss, decLoss}
	})
}
