package led

import (
	"math"
	"testing"
)

// circle returns n points of z_t = r(cos(ωt+φ), sin(ωt+φ)).
func circle(n int, r, phi float64) []float32 {
	out := make([]float32, 0, 2*n)
	for t := 0; t < n; t++ {
		a := 0.3*float64(t) + phi
		out = append(out, float32(r*math.Cos(a)), float32(r*math.Sin(a)))
	}
	return out
}

func TestPropagatorLearnsRotation(t *testing.T) {
	var series [][]float32
	for k := 0; k < 8; k++ {
		series = append(series, circle(60, 1, float64(k)))
	}
	p, err := NewPropagator(2).LSTM(16).Window(12).LossFrom(2).Done()
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Train(series, series[:2], TrainConfig{Epochs: 30, BatchSize: 32, LearningRate: 5e-3})
	if err != nil {
		t.Fatal(err)
	}
	first, last := checkLossFell(t, res.History, "loss", 5)
	truth := circle(40, 1, 0.5)
	fc, err := p.Forecast(truth[:20*2], 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc) != 40 {
		t.Fatalf("forecast has %d values, want 40", len(fc))
	}
	e, err := ComputeSeriesErrors(fc, truth[40:], 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	// A persistence forecast (repeat the last warm-up point) has an error of order 1 per step.
	if e.Snapshot[0] > 0.15 || e.Model/math.Sqrt(20) > 0.4 {
		t.Errorf("forecast errors: first step %.3f, RMS %.3f", e.Snapshot[0], e.Model/math.Sqrt(20))
	}
	// Observe + Rollout continue consistently: rolling out 5 and then 5 more equals rolling out 10.
	st, _ := p.Observe(nil, truth[:20*2])
	a, st2, _ := p.Rollout(st, 5)
	b, _, _ := p.Rollout(st2, 5)
	c, _, _ := p.Rollout(st, 10)
	ab := append(a, b...)
	for i := range c {
		if math.Abs(float64(ab[i]-c[i])) > 1e-5 {
			t.Fatalf("rollout 5+5 differs from 10 at %d: %g vs %g", i, ab[i], c[i])
		}
	}
	t.Logf("loss %g -> %g, first-step error %.4f, RMS %.4f", first, last, e.Snapshot[0], e.Model/math.Sqrt(20))
}

func TestBidirectionalPropagator(t *testing.T) {
	series := [][]float32{circle(40, 1, 0), circle(40, 1, 2)}
	p, err := NewPropagator(2).LSTM(8, 8).Bidirectional(true).Dense(8).Window(6).Done()
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Train(series, nil, TrainConfig{Epochs: 25, BatchSize: 16, LearningRate: 5e-3})
	if err != nil {
		t.Fatal(err)
	}
	checkLossFell(t, res.History, "loss", 1)
	fc, err := p.Forecast(series[0][:10*2], 7)
	if err != nil || len(fc) != 14 {
		t.Fatalf("forecast %d values, %v", len(fc), err)
	}
	if _, err := p.Forecast(series[0][:4*2], 3); err == nil {
		t.Error("warm-up shorter than the window accepted")
	}
	if _, err := p.Observe(nil, series[0]); err == nil {
		t.Error("Observe on a bidirectional propagator accepted")
	}
}

func TestPropagatorValidate(t *testing.T) {
	if _, err := NewPropagator(0).Done(); err == nil {
		t.Error("dim 0 accepted")
	}
	if _, err := NewPropagator(2).LSTM().Done(); err == nil {
		t.Error("no LSTM layers accepted")
	}
	if _, err := NewPropagator(2).Window(5).LossFrom(5).Done(); err == nil {
		t.Error("LossFrom >= window accepted")
	}
	p, _ := NewPropagator(2).Window(50).Done()
	if _, err := p.Train([][]float32{circle(20, 1, 0)}, nil, TrainConfig{Epochs: 1, BatchSize: 4}); err == nil {
		t.Error("series shorter than the window accepted")
	}
}
