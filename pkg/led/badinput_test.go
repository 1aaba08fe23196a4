package led

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputLED feeds the package's constructors and entry points bad values (the probe of issue
// 26: negative input dims, NaN dropout, infinite learning rates, NaN input) and checks that each error
// names the argument.
func TestBadInputLED(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	check := func(t *testing.T, what string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error, want one naming %q", what, want)
			return
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", what, err, w)
			}
		}
	}

	// Autoencoder configurations.
	for _, c := range []struct {
		name string
		b    *AutoencoderBuilder
		want string
	}{
		{"negative dims", NewAutoencoder(-2, -3), "dimension 0 is -2"},
		{"one negative dim", NewAutoencoder(4, -1, 2), "dimension 1 is -1"},
		{"zero dim", NewAutoencoder(0), "dimension 0 is 0"},
		{"no dims", NewAutoencoder(), "Input shape is empty"},
		{"negative output", NewAutoencoder(4).Output(-4, -1), "Output shape"},
		{"NaN dropout", NewAutoencoder(4).Dropout(math.NaN()), "Dropout=NaN"},
		{"dropout 1", NewAutoencoder(4).Dropout(1), "Dropout=1"},
		{"negative dropout", NewAutoencoder(4).Dropout(-0.1), "Dropout=-0.1"},
		{"zero latent", NewAutoencoder(4).Latent(0), "Latent=0"},
		{"negative dense", NewAutoencoder(4).Dense(8, -1), "Dense"},
		{"unknown activation", NewAutoencoder(4).Activation("nope"), "Activation"},
	} {
		_, err := c.b.Done()
		check(t, "NewAutoencoder, "+c.name, err, c.want)
	}
	for _, c := range []struct {
		name string
		b    *PropagatorBuilder
		want string
	}{
		{"zero dim", NewPropagator(0), "latent dimension 0"},
		{"negative LSTM", NewPropagator(2).LSTM(-3), "layer size -3"},
		{"zero window", NewPropagator(2).Window(0), "window 0"},
	} {
		_, err := c.b.Done()
		check(t, "NewPropagator, "+c.name, err, c.want)
	}

	// Training configurations: rejected by Validate and by every Train before any data is used.
	good := TrainConfig{Epochs: 1, BatchSize: 4}
	for _, c := range []struct {
		name string
		cfg  func(*TrainConfig)
		want string
	}{
		{"zero epochs", func(c *TrainConfig) { c.Epochs = 0 }, "Epochs=0"},
		{"negative batch", func(c *TrainConfig) { c.BatchSize = -1 }, "BatchSize=-1"},
		{"+Inf learning rate", func(c *TrainConfig) { c.LearningRate = math.Inf(1) }, "LearningRate=+Inf"},
		{"-Inf learning rate", func(c *TrainConfig) { c.LearningRate = math.Inf(-1) }, "LearningRate=-Inf"},
		{"NaN learning rate", func(c *TrainConfig) { c.LearningRate = math.NaN() }, "LearningRate=NaN"},
		{"negative learning rate", func(c *TrainConfig) { c.LearningRate = -1e-3 }, "LearningRate=-0.001"},
		{"NaN final learning rate", func(c *TrainConfig) { c.Schedule, c.FinalLR = "cosine", math.NaN() }, "FinalLR=NaN"},
		{"Inf final learning rate", func(c *TrainConfig) { c.FinalLR = math.Inf(1) }, "FinalLR=+Inf"},
		{"final above initial", func(c *TrainConfig) { c.LearningRate, c.FinalLR = 1e-3, 1 }, "FinalLR=1"},
		{"negative patience", func(c *TrainConfig) { c.Patience = -1 }, "Patience=-1"},
		{"negative steps", func(c *TrainConfig) { c.StepsPerEpoch = -1 }, "StepsPerEpoch=-1"},
		{"loss", func(c *TrainConfig) { c.Loss = "huber" }, `Loss="huber"`},
		{"schedule", func(c *TrainConfig) { c.Schedule = "linear" }, `Schedule="linear"`},
	} {
		cfg := good
		c.cfg(&cfg)
		check(t, "TrainConfig.Validate, "+c.name, cfg.Validate(), c.want)
		ae, err := NewAutoencoder(4).Latent(2).Done()
		if err != nil {
			t.Fatal(err)
		}
		_, err = ae.Train(make([]float32, 16), nil, nil, nil, cfg)
		check(t, "Autoencoder.Train, "+c.name, err, c.want)
		p, err := NewPropagator(2).Window(2).Done()
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Train([][]float32{make([]float32, 20)}, nil, cfg)
		check(t, "Propagator.Train, "+c.name, err, c.want)
	}

	// Data: NaN and Inf input are errors naming the argument and the sample, not NaN output.
	ae, err := NewAutoencoder(4).Latent(2).Done()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPropagator(2).Window(3).Done()
	if err != nil {
		t.Fatal(err)
	}
	bi, err := NewPropagator(2).Window(3).Bidirectional(true).Done()
	if err != nil {
		t.Fatal(err)
	}
	l := &LED{AE: ae, Prop: p}
	x := []float32{0, 0, 0, 0, 0, nan, 0, 0} // sample 1, component 1
	_, err = ae.Encode(x)
	check(t, "Autoencoder.Encode(NaN)", err, "input x", "sample 1, component 1", "NaN")
	_, err = ae.Decode([]float32{0, inf})
	check(t, "Autoencoder.Decode(Inf)", err, "latent z", "sample 0, component 1", "+Inf")
	_, err = ae.Reconstruct(x)
	check(t, "Autoencoder.Reconstruct(NaN)", err, "input x")
	_, err = ae.Encode(make([]float32, 5))
	check(t, "Autoencoder.Encode(ragged)", err, "5 values")
	_, err = ae.Train(x, nil, nil, nil, good)
	check(t, "Autoencoder.Train(NaN)", err, "input value 5")
	_, err = l.Encode(x)
	check(t, "LED.Encode(NaN)", err, "frames", "sample 1")
	_, _, err = l.Forecast(x, 3)
	check(t, "LED.Forecast(NaN)", err, "frames", "sample 1")
	_, _, err = l.Forecast(make([]float32, 4), 0)
	check(t, "LED.Forecast(steps=0)", err, "steps=0")
	_, _, err = l.Forecast(nil, 3)
	check(t, "LED.Forecast(empty)", err, "warmup is empty")
	_, err = l.Decode([]float32{nan, 0})
	check(t, "LED.Decode(NaN)", err, "latents z")
	_, _, err = (&LED{Prop: p}).Forecast(make([]float32, 4), 1)
	check(t, "LED without an autoencoder", err, "LED.AE is nil")
	z := []float32{0, 0, 0, 0, 0, 0, inf, 0}
	_, err = p.Forecast(z, 2)
	check(t, "Propagator.Forecast(Inf)", err, "warmup", "sample 3, component 0")
	_, err = bi.Forecast(z, 2)
	check(t, "bidirectional Propagator.Forecast(Inf)", err, "warmup", "sample 3")
	_, err = p.Observe(nil, z)
	check(t, "Propagator.Observe(Inf)", err, "zs", "sample 3")
	_, _, err = p.Rollout(&State{Next: []float32{1}}, 2)
	check(t, "Propagator.Rollout(foreign state)", err, "state holds 1 latent values")
	_, err = p.Train([][]float32{{0, 0, 0, 0, 0, 0, nan, 0, 0, 0}}, nil, good)
	check(t, "Propagator.Train(NaN)", err, "series 0", "sample 3")

	// Loading: a missing file says so, with its path.
	missing := filepath.Join(t.TempDir(), "nothing-here.ckpt")
	_, err = LoadAutoencoder(missing)
	check(t, "LoadAutoencoder(missing)", err, missing, "does not exist")
	_, err = LoadPropagator(missing)
	check(t, "LoadPropagator(missing)", err, missing, "does not exist")
	_, err = LoadAutoencoder(t.TempDir())
	check(t, "LoadAutoencoder(a directory)", err, "is a directory")
}
