package autoencoder_test

import (
	"math"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// pendulumMovies returns n of the paper's pendulum movies of steps frames each (every 0.04) and
// their angles.
func pendulumMovies(t *testing.T, n, steps int) (autoencoder.Data, []float64) {
	t.Helper()
	c := pendulumimages.Train(n)
	c.Steps, c.Dt = steps, 0.04
	d, err := pendulumimages.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return autoencoder.Data{N: d.N(), Dim: d.Dim(), X: d.X, DX: d.DX, DDX: d.DDX}, d.Z
}

// linearity returns |corr(z, θ)| over the samples.
func linearity(z [][]float64, theta []float64) float64 {
	var mz, mt float64
	n := float64(len(theta))
	for i := range theta {
		mz, mt = mz+z[i][0]/n, mt+theta[i]/n
	}
	var czt, czz, ctt float64
	for i := range theta {
		a, b := z[i][0]-mz, theta[i]-mt
		czt, czz, ctt = czt+a*b, czz+a*a, ctt+b*b
	}
	return math.Abs(czt) / math.Sqrt(czz*ctt)
}

// IsomapStart on pendulum movies: after the fit, the encoder's latent is the angle up to shift and
// scale (|corr(z, θ)| > 0.999 on all frames, also those between the fitted samples), and the decoder
// has begun to rebuild the frames from it; an autoencoder trained for the same number of Adam steps from random
// weights (pre-training) is further from the angle. Through Train (Config.IsomapLatents) the fit
// runs once, before pre-training, and is logged.
func TestIsomapStartFindsTheAngle(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	d, theta := pendulumMovies(t, 6, 125)
	base := autoencoder.New(autoencoder.Quick()).InputDim(pendulumimages.Dim).Widths(32, 16).Latent(1).PolyOrder(3).Sine(true).
		SecondOrder().BatchSize(100).LearningRate(1e-2).Seed(3)
	m := newModel(t, base.Config())
	var log strings.Builder
	r, err := m.IsomapStart(d, autoencoder.IsomapOptions{Samples: 400, Epochs: 150, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	z, _, err := m.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	corr := linearity(z, theta)
	// The decoder learns more slowly than the encoder (from 1 at the start: a sigmoid network must
	// learn to draw a blob at every angle); the bar says it has started.
	if !(corr > 0.999) || !(r.DecoderError < 0.7) || r.Samples != 400 || r.Residual > 1e-3 {
		t.Errorf("after IsomapStart: |corr(z, θ)| = %.5f (want > 0.999), report %+v (decoder relative error < 0.7, residual < 1e-3)", corr, r)
	}
	// The same number of Adam steps of the plain autoencoder (pre-training only).
	steps := 150 * 4 // 400 samples in batches of 100
	plain := newModel(t, autoencoder.New(base.Config()).Pretrain(steps*100/d.N+1).Epochs(0, 0).Config())
	_, _ = plain.Train(d, d, autoencoder.TrainOptions{StopAfter: steps*100/d.N + 1})
	zp, _, err := plain.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("IsomapStart: |corr(z, θ)| %.5f, %s; plain pre-training, same steps: %.5f", corr, strings.TrimSpace(log.String()), linearity(zp, theta))
	if p := linearity(zp, theta); !(p < corr) {
		t.Errorf("plain pre-training reaches |corr| %.5f, IsomapStart %.5f: the start should be closer to the angle", p, corr)
	}

	// Through Train: once, before pre-training, logged.
	cfg := autoencoder.New(base.Config()).IsomapStart(300, 20).Pretrain(1).Epochs(1, 1).EvalFrequency(1).Config()
	var tlog strings.Builder
	if _, err := newModel(t, cfg).Train(d, d, autoencoder.TrainOptions{Log: &tlog}); err != nil {
		t.Fatal(err)
	}
	logInOrder(t, tlog.String(), "isomap start: epoch 20/20", "epoch 0: networks fitted to the Isomap coordinates of 300 samples", "(pretrain)", "(main)")
	if n := strings.Count(tlog.String(), "networks fitted to the Isomap"); n != 1 {
		t.Errorf("the Isomap fit ran %d times, want once", n)
	}
	bad := autoencoder.New(base.Config()).IsomapStart(2, 0).Config()
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "IsomapLatents=2") {
		t.Errorf("IsomapLatents=2 for a 1-D latent: error %v, want one naming IsomapLatents", err)
	}
}
