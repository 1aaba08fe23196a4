package led

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// travelling returns frames of a Gaussian bump moving around a ring of n cells: a 1-D latent state
// (the phase) generates 16-dimensional frames.
func travelling(steps, n int, phase float64) []float32 {
	out := make([]float32, 0, steps*n)
	for t := 0; t < steps; t++ {
		c := math.Mod(phase+0.25*float64(t), float64(n))
		for i := 0; i < n; i++ {
			d := math.Abs(float64(i) - c)
			d = math.Min(d, float64(n)-d)
			out = append(out, float32(math.Exp(-d*d/8)))
		}
	}
	return out
}

// travellingLED trains a 16 → 2 autoencoder on six travelling-bump sequences of `steps` frames and
// an LSTM propagator on every stride-th latent vector of them (all offsets).
func travellingLED(t *testing.T, steps, stride int) (*Autoencoder, *Propagator) {
	t.Helper()
	const n = 16
	var seqs [][]float32
	var all []float32
	for k := 0; k < 6; k++ {
		s := travelling(steps, n, float64(k)*2.5)
		seqs = append(seqs, s)
		all = append(all, s...)
	}
	ae, err := NewAutoencoder(n).Dense(32).Latent(2).Activation("tanh").Done()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ae.Train(all, nil, nil, nil, TrainConfig{Epochs: 40, BatchSize: 32, LearningRate: 5e-3}); err != nil {
		t.Fatal(err)
	}
	var lat [][]float32
	for _, s := range seqs {
		z, err := ae.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		lat = append(lat, z)
	}
	p, _ := NewPropagator(2).LSTM(16).Window(10).LossFrom(2).Done()
	if _, err := p.Train(strided(lat, 2, stride), nil, TrainConfig{Epochs: 15, BatchSize: 32, LearningRate: 5e-3}); err != nil {
		t.Fatal(err)
	}
	return ae, p
}

func TestLEDAlternationAndSaveLoad(t *testing.T) {
	const n = 16
	ae, p := travellingLED(t, 80, 1)
	dir := t.TempDir()
	if err := ae.Save(filepath.Join(dir, "ae.ckpt")); err != nil {
		t.Fatal(err)
	}
	if err := p.Save(filepath.Join(dir, "p.ckpt")); err != nil {
		t.Fatal(err)
	}
	ae2, err := LoadAutoencoder(filepath.Join(dir, "ae.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := LoadPropagator(filepath.Join(dir, "p.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPropagator(filepath.Join(dir, "ae.ckpt")); err == nil || !strings.Contains(err.Error(), "led.Autoencoder") {
		t.Errorf("loading an autoencoder as a propagator: err = %v, want one naming led.Autoencoder", err)
	}
	truth := travelling(60, n, 1.3)
	warm := truth[:10*n]
	l1 := &LED{AE: ae, Prop: p}
	l2 := &LED{AE: ae2, Prop: p2}
	_, f1, err := l1.Forecast(warm, 20)
	if err != nil {
		t.Fatal(err)
	}
	_, f2, err := l2.Forecast(warm, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f1 {
		if math.Abs(float64(f1[i]-f2[i])) > 1e-5 {
			t.Fatalf("loaded model forecasts differently at %d: %g vs %g", i, f1[i], f2[i])
		}
	}
	// Exact micro solver: shifts the bump by 0.25 cell per step from the given frame's phase. We
	// give it the truth (the micro steps of the alternation are then exact).
	calls := 0
	step := 10
	micro := func(from []float32, k int) ([]float32, error) {
		calls++
		out := truth[(10+step)*n : (10+step+k)*n]
		return out, nil
	}
	res, err := l1.Alternate(warm, AlternationConfig{Macro: 10, Micro: 5, Horizon: 45}, func(from []float32, k int) ([]float32, error) {
		// steps covered so far: macro blocks of 10 then micro of 5
		out, err := micro(from, k)
		step += 15
		return out, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Frames) != 45*n || len(res.Macro) != 45 || calls != 3 {
		t.Fatalf("frames %d, macro flags %d, micro calls %d", len(res.Frames), len(res.Macro), calls)
	}
	for i, m := range res.Macro {
		if m != (i%15 < 10) {
			t.Fatalf("step %d macro=%v, want macro for the first 10 of every 15", i, m)
		}
	}
	// Micro steps are exact copies of the truth.
	if res.Frames[12*n+3] != truth[(10+12)*n+3] {
		t.Error("micro frames were not passed through")
	}
	rel, _ := RelativeError(res.Frames[:10*n], truth[10*n:20*n])
	if rel > 0.5 {
		t.Errorf("first macro block relative error %.3f", rel)
	}
	if _, err := l1.Alternate(warm, AlternationConfig{Macro: 5, Micro: 5, Horizon: 10}, nil); err == nil {
		t.Error("missing micro solver accepted")
	}
	t.Logf("first macro block relative error %.3f", rel)
}

func TestEndToEnd(t *testing.T) {
	const n = 16
	var seqs [][]float32
	for k := 0; k < 4; k++ {
		seqs = append(seqs, travelling(40, n, float64(k)*3))
	}
	ae, _ := NewAutoencoder(n).Dense(16).Latent(2).Activation("tanh").Done()
	p, _ := NewPropagator(2).LSTM(8).Window(6).Scale(false).Store(ae.Store()).Done()
	res, err := TrainEndToEnd(ae, p, seqs, seqs[:1], TrainConfig{Epochs: 12, BatchSize: 16, LearningRate: 5e-3})
	if err != nil {
		t.Fatal(err)
	}
	checkLossFell(t, res.History, "end-to-end loss", 2)
	p2, _ := NewPropagator(2).LSTM(8).Window(6).Scale(false).Done()
	if _, err := TrainEndToEnd(ae, p2, seqs, nil, TrainConfig{Epochs: 1, BatchSize: 16}); err == nil {
		t.Error("separate stores accepted")
	}
}
