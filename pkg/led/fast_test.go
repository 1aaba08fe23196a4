package led

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/dynlearn/dynlearn/internal/checkout"
)

// maxDiff returns max |a - b| / max(1, |b|) over the slices (they must have the same length).
func maxDiff(t *testing.T, what string, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d values vs %d", what, len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]-b[i])) / math.Max(1, math.Abs(float64(b[i])))
		if !(d <= worst) {
			worst = d
		}
	}
	return worst
}

func randomFrames(n, size int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*size)
	for i := range x {
		x[i] = r.Float32()
	}
	return x
}

// checkFast compares the plain-Go inference of l with its graphs: encoding, decoding, observing a
// warm-up and rolling out.
func checkFast(t *testing.T, l *LED, frames []float32, warm, steps int, tol float64) {
	t.Helper()
	fa, err := l.AE.Fast()
	if err != nil {
		t.Fatal(err)
	}
	fp, err := l.Prop.Fast()
	if err != nil {
		t.Fatal(err)
	}
	zg, err := l.AE.Encode(frames)
	if err != nil {
		t.Fatal(err)
	}
	zf, err := fa.Encode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, "encode", zf, zg); d > tol {
		t.Errorf("encode: plain Go differs from the graph by %.2g > %.0g", d, tol)
	}
	xg, err := l.AE.Decode(zg)
	if err != nil {
		t.Fatal(err)
	}
	xf, err := fa.Decode(zg)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, "decode", xf, xg); d > tol {
		t.Errorf("decode: plain Go differs from the graph by %.2g > %.0g", d, tol)
	}
	d := l.Prop.Config.Dim
	sg, err := l.Prop.Observe(nil, zg[:warm*d])
	if err != nil {
		t.Fatal(err)
	}
	sf, err := fp.Observe(nil, zg[:warm*d])
	if err != nil {
		t.Fatal(err)
	}
	if e := maxDiff(t, "observe state", sf.hc, sg.hc); e > tol {
		t.Errorf("observe: LSTM state differs by %.2g > %.0g", e, tol)
	}
	if e := maxDiff(t, "observe next", sf.Next, sg.Next); e > tol {
		t.Errorf("observe: prediction differs by %.2g > %.0g", e, tol)
	}
	rg, ng, err := l.Prop.Rollout(sg, steps)
	if err != nil {
		t.Fatal(err)
	}
	rf, nf, err := fp.Rollout(sg, steps)
	if err != nil {
		t.Fatal(err)
	}
	if e := maxDiff(t, "rollout", rf, rg); e > tol {
		t.Errorf("rollout of %d steps differs by %.2g > %.0g", steps, e, tol)
	}
	if e := maxDiff(t, "rollout state", nf.hc, ng.hc); e > tol {
		t.Errorf("rollout: final state differs by %.2g > %.0g", e, tol)
	}
	t.Logf("plain Go vs graph: encode %.1g, decode %.1g, rollout of %d steps %.1g",
		maxDiff(t, "", zf, zg), maxDiff(t, "", xf, xg), steps, maxDiff(t, "", rf, rg))
}

// TestFastMatchesGraph: the plain-Go inference of a dense autoencoder (with and without layer
// normalisation) and a two-layer LSTM propagator with a dense head, residual and scaling, gives the
// graph's numbers to 1e-5.
func TestFastMatchesGraph(t *testing.T) {
	for _, norm := range []bool{false, true} {
		ae, err := NewAutoencoder(24).Dense(20, 12).Latent(3).Activation("celu").OutputActivation("tanhplus").LayerNorm(norm).Done()
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPropagator(3).LSTM(9, 7).Dense(5).Activation("tanh").Window(5).Residual(true).Done()
		if err != nil {
			t.Fatal(err)
		}
		p.Scaler = &Scaler{Offset: []float64{0.1, -0.2, 0.3}, Scale: []float64{0.5, 2, 1.5}}
		p.Lo, p.Hi = []float32{-3, -3, -3}, []float32{3, 3, 3}
		checkFast(t, &LED{AE: ae, Prop: p}, randomFrames(40, 24, 1), 20, 30, 1e-5)
	}
	conv, err := NewAutoencoder(8, 8, 1).Conv(4, 3).Dense(8).Latent(2).Done()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conv.Fast(); err == nil {
		t.Error("fast inference of a convolutional autoencoder: no error")
	}
	bi, _ := NewPropagator(2).LSTM(4).Bidirectional(true).Window(3).Done()
	if _, err := bi.Fast(); err == nil {
		t.Error("fast inference of a bidirectional propagator: no error")
	}
}

// TestFastShippedLattice: on the shipped FHN-lattice models (LED's MLP autoencoder 202 -> 3x100 ->
// 2 and LSTM 32), plain Go and the graph agree to 1e-5 on real frames and over a 100-step roll-out.
func TestFastShippedLattice(t *testing.T) {
	root, err := checkout.Root()
	if err != nil {
		t.Skip(err)
	}
	ae, err := LoadAutoencoder(filepath.Join(root, "notebooks/models/led/lattice_autoencoder.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPropagator(filepath.Join(root, "notebooks/models/led/lattice_propagator.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	checkFast(t, &LED{AE: ae, Prop: p}, randomFrames(60, 202, 3), 40, 100, 1e-5)
}

func shippedLattice(b *testing.B) (*FastAutoencoder, *FastPropagator) {
	b.Helper()
	root, err := checkout.Root()
	if err != nil {
		b.Skip(err)
	}
	ae, err := LoadAutoencoder(filepath.Join(root, "notebooks/models/led/lattice_autoencoder.ckpt"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := LoadPropagator(filepath.Join(root, "notebooks/models/led/lattice_propagator.ckpt"))
	if err != nil {
		b.Fatal(err)
	}
	fa, err := ae.Fast()
	if err != nil {
		b.Fatal(err)
	}
	fp, err := p.Fast()
	if err != nil {
		b.Fatal(err)
	}
	return fa, fp
}

// BenchmarkLatentStep times one update of the shipped lattice LSTM (32 units, latent 2, dense
// head) in plain Go: the cost of one macro step of LED's alternation.
func BenchmarkLatentStep(b *testing.B) {
	_, fp := shippedLattice(b)
	hc := make([]float32, fp.stateSz)
	x, y := []float32{0.1, -0.2}, make([]float32, 2)
	for b.Loop() {
		fp.Step(hc, x, y)
		copy(x, y)
		fp.clip(x)
	}
}

// BenchmarkLatentDecode times decoding one latent vector into a lattice frame (2 -> 3x100 -> 202)
// in plain Go.
func BenchmarkLatentDecode(b *testing.B) {
	fa, _ := shippedLattice(b)
	z, x := []float32{0.3, -0.4}, make([]float32, 202)
	for b.Loop() {
		if err := fa.DecodeOne(x, z); err != nil {
			b.Fatal(err)
		}
	}
}
