package led

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// checkLossFell fails the test unless the last training loss in h is below the first divided by factor,
// and returns both.
func checkLossFell(t *testing.T, h training.History, what string, factor float64) (first, last float64) {
	t.Helper()
	first = h.Series["train"][0]
	last, _ = h.Last("train")
	if !(last < first/factor) {
		t.Errorf("%s %g -> %g, expected it to fall by more than a factor %g", what, first, last, factor)
	}
	return first, last
}
func TestConvAutoencoderShapes(t *testing.T) {
	for _, tc := range []struct {
		in, out []int
	}{{[]int{20, 20, 2}, nil}, {[]int{10, 10, 2}, []int{20, 20, 2}}} {
		b := NewAutoencoder(tc.in...).Conv(4, 3).Conv(8, 3).Dense(16).Latent(3).Dropout(0.1).LayerNorm(true)
		if tc.out != nil {
			b = b.Output(tc.out...)
		}
		ae, err := b.Done()
		if err != nil {
			t.Fatal(err)
		}
		n := 3
		x := make([]float32, n*ae.InSize())
		for i := range x {
			x[i] = float32(math.Sin(float64(i)))
		}
		z, err := ae.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		if len(z) != n*3 {
			t.Fatalf("latent has %d values, want %d", len(z), n*3)
		}
		y, err := ae.Decode(z)
		if err != nil {
			t.Fatal(err)
		}
		if len(y) != n*ae.OutSize() {
			t.Fatalf("decoded %d values, want %d", len(y), n*ae.OutSize())
		}
		if ae.NumParams() == 0 {
			t.Error("no parameters counted")
		}
		if _, err := ae.Encode(x[:len(x)-1]); err == nil {
			t.Error("ragged input accepted")
		}
	}
	// The report's architecture: 20 → 10 → 5 → 2 by pooling, latent 10, decoded back to 20×20×2.
	rep, err := FromConfig(ReportConvAutoencoder()).Done()
	if err != nil {
		t.Fatal(err)
	}
	z, err := rep.Encode(make([]float32, 2*800))
	if err != nil || len(z) != 20 {
		t.Fatalf("report autoencoder latent: %d values, %v", len(z), err)
	}
	if y, err := rep.Decode(z); err != nil || len(y) != 1600 {
		t.Fatalf("report autoencoder output: %d values, %v", len(y), err)
	}
	if _, err := NewAutoencoder(4, 4, 1).Conv(2, 3).Conv(2, 3).Conv(2, 3).Done(); err == nil {
		t.Error("pooling below 1x1 accepted")
	}
	if _, err := NewAutoencoder(8).Activation("nope").Done(); err == nil {
		t.Error("unknown activation accepted")
	}
	if _, err := NewAutoencoder(8).Latent(0).Done(); err == nil {
		t.Error("latent 0 accepted")
	}
}

// A dense autoencoder with a 2-D latent space learns data lying on a 1-D curve in R^6.
func TestDenseAutoencoderTrains(t *testing.T) {
	n := 256
	x := make([]float32, n*6)
	for i := 0; i < n; i++ {
		s := -1 + 2*float64(i)/float64(n-1)
		for j := 0; j < 6; j++ {
			x[i*6+j] = float32(math.Sin(s*float64(j+1)) * 0.5)
		}
	}
	ae, err := NewAutoencoder(6).Dense(32).Latent(2).Activation("tanh").Done()
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "ae.ckpt")
	epochs := 0
	res, err := ae.Train(x, nil, x[:64*6], nil, TrainConfig{Epochs: 60, BatchSize: 32, LearningRate: 1e-2, Checkpoint: ckpt,
		OnEpoch: func(EpochStats) { epochs++ }})
	if err != nil {
		t.Fatal(err)
	}
	first, last := checkLossFell(t, res.History, "training loss", 10)
	rec, err := ae.Reconstruct(x)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := RelativeError(rec, x)
	if rel > 0.15 {
		t.Errorf("relative reconstruction error %.3f", rel)
	}
	if epochs != 60 {
		t.Errorf("OnEpoch called %d times", epochs)
	}
	// Resuming a finished run trains nothing and restores the same weights.
	ae2, _ := NewAutoencoder(6).Dense(32).Latent(2).Activation("tanh").Done()
	res2, err := ae2.Train(x, nil, x[:64*6], nil, TrainConfig{Epochs: 60, BatchSize: 32, LearningRate: 1e-2, Checkpoint: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	rec2, _ := ae2.Reconstruct(x)
	if res2.Epochs != 60 || rec2[17] != rec[17] {
		t.Errorf("resumed run: epochs %d, reconstruction %g vs %g", res2.Epochs, rec2[17], rec[17])
	}
	t.Logf("loss %g -> %g, relative error %.4f, best epoch %d", first, last, rel, res.BestEpoch)
}

func TestTrainErrors(t *testing.T) {
	ae, _ := NewAutoencoder(2).Dense(4).Latent(1).Done()
	x := []float32{1, 2, 3, 4}
	if _, err := ae.Train(x, nil, nil, nil, TrainConfig{Epochs: 0, BatchSize: 2}); err == nil {
		t.Error("0 epochs accepted")
	}
	if _, err := ae.Train([]float32{1, float32(math.NaN())}, nil, nil, nil, TrainConfig{Epochs: 1, BatchSize: 1}); err == nil {
		t.Error("NaN data accepted")
	}
	if _, err := ae.Train(x, nil, nil, nil, TrainConfig{Epochs: 5, BatchSize: 2, LearningRate: 1e30}); !errors.Is(err, training.ErrDiverged) {
		t.Errorf("learning rate 1e30: err = %v, want ErrDiverged", err)
	}
	if _, err := ae.Train(x[:3], nil, nil, nil, TrainConfig{Epochs: 1, BatchSize: 2}); err == nil {
		t.Error("ragged data accepted")
	}
	if _, err := ae.Train(x, nil, nil, nil, TrainConfig{Epochs: 1, BatchSize: 2, Schedule: "linear"}); err == nil {
		t.Error("unknown schedule accepted")
	}
	if _, err := ae.Train(x, nil, nil, nil, TrainConfig{Epochs: 1, BatchSize: 2, LearningRate: 1e-3, FinalLR: 1e-2, Schedule: "cosine"}); err == nil {
		t.Error("FinalLR above LearningRate accepted")
	}
}

// The convolutional path (conv, max pooling, upsampling, crop) trains: a blob moving on an 8×8 image.
func TestConvAutoencoderTrains(t *testing.T) {
	n := 48
	x := make([]float32, 0, n*64)
	for k := 0; k < n; k++ {
		cx, cy := 1+6*float64(k%8)/7, 1+6*float64(k/8)/5
		for i := 0; i < 8; i++ {
			for j := 0; j < 8; j++ {
				d2 := (float64(i)-cx)*(float64(i)-cx) + (float64(j)-cy)*(float64(j)-cy)
				x = append(x, float32(math.Exp(-d2/4)))
			}
		}
	}
	ae, err := NewAutoencoder(8, 8, 1).Conv(4, 3).Dense(16).Latent(2).Done()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ae.Train(x, nil, nil, nil, TrainConfig{Epochs: 25, BatchSize: 16, LearningRate: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	checkLossFell(t, res.History, "conv autoencoder loss", 3)
}

func TestCosineSchedule(t *testing.T) {
	c := TrainConfig{LearningRate: 1e-3, Schedule: "cosine", FinalLR: 1e-5}
	const total = 101
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 1e-3}, {50, (1e-3 + 1e-5) / 2}, {100, 1e-5}, {25, 1e-5 + (1e-3-1e-5)*0.5*(1+math.Sqrt(0.5))}} {
		if got := c.LearningRateAt(tc.step, total); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("cosine step %d: lr %g, want %g", tc.step, got, tc.want)
		}
	}
	if got := (TrainConfig{LearningRate: 2e-3}).LearningRateAt(70, total); got != 2e-3 {
		t.Errorf("constant schedule: lr %g, want 2e-3", got)
	}
	if got := (TrainConfig{LearningRate: 1e-3, Schedule: "cosine"}).LearningRateAt(100, total); math.Abs(got-1e-5) > 1e-15 {
		t.Errorf("cosine default final lr %g, want LearningRate/100", got)
	}
}

// The coordinate (field) decoder learns a blob moving across an 8×8 grid from a 2-D latent, and is
// checked against the plain dense decoder of the same encoder on the same budget.
func TestFieldDecoderTrains(t *testing.T) {
	const n, h = 400, 8
	x := make([]float32, 0, n*h*h)
	for k := 0; k < n; k++ {
		ci := 1 + 6*float64(k%20)/19
		cj := 1 + 6*float64(k/20)/19
		for i := 0; i < h; i++ {
			for j := 0; j < h; j++ {
				d2 := (float64(i)-ci)*(float64(i)-ci) + (float64(j)-cj)*(float64(j)-cj)
				x = append(x, float32(math.Exp(-d2/3)))
			}
		}
	}
	if _, err := NewAutoencoder(h, h).Dense(8).Field(8).Done(); err == nil {
		t.Error("field decoder accepted a rank-2 output shape")
	}
	fit := TrainConfig{Epochs: 150, BatchSize: 40, LearningRate: 1e-2, Schedule: "cosine", Seed: 2}
	rel := map[bool]float64{}
	for _, field := range []bool{false, true} {
		b := NewAutoencoder(h, h, 1).Dense(64).Latent(2).Activation("tanh")
		if field {
			b = b.Field(32, 32)
		}
		ae, err := b.Done()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ae.Train(x, nil, nil, nil, fit); err != nil {
			t.Fatal(err)
		}
		rec, err := ae.Reconstruct(x)
		if err != nil {
			t.Fatal(err)
		}
		rel[field], _ = RelativeError(rec, x)
	}
	t.Logf("relative reconstruction error: dense decoder %.3f, field decoder %.3f", rel[false], rel[true])
	if rel[true] > 0.2 {
		t.Errorf("field decoder relative error %.3f, want <= 0.2", rel[true])
	}
}

// A run continued from its checkpoint (3 epochs, then 6) ends with the weights of an uninterrupted
// 6-epoch run: the optimizer state is resumed and the shuffles are replayed. The checkpoint is
// refused by a model of another kind or shape, and the best weights go to training.BestPath.
func TestTrainResumesExactly(t *testing.T) {
	x := make([]float32, 40*4)
	for i := range x {
		x[i] = float32(math.Sin(0.37 * float64(i)))
	}
	fit := TrainConfig{Epochs: 6, BatchSize: 8, LearningRate: 1e-2, Seed: 3}
	newAE := func() *Autoencoder {
		ae, err := NewAutoencoder(4).Dense(8).Latent(2).Done()
		if err != nil {
			t.Fatal(err)
		}
		return ae
	}
	ref := newAE()
	if _, err := ref.Train(x, nil, nil, nil, fit); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fit.Checkpoint = filepath.Join(dir, "ae.ckpt")
	short := fit
	short.Epochs = 3
	if _, err := newAE().Train(x, nil, nil, nil, short); err != nil {
		t.Fatal(err)
	}
	ae := newAE()
	res, err := ae.Train(x, nil, nil, nil, fit)
	if err != nil || res.Epochs != 6 || res.Stopped != "epochs" || len(res.History.Steps) != 6 {
		t.Fatalf("continued run: %+v, %v", res, err)
	}
	want, _ := ref.Reconstruct(x)
	got, _ := ae.Reconstruct(x)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("continued run reconstructs %g at %d, uninterrupted %g", got[i], i, want[i])
		}
	}
	if res, err := newAE().Train(x, nil, nil, nil, fit); err != nil || res.Stopped != "finished earlier (epochs)" {
		t.Errorf("finished run: stopped %q, %v", res.Stopped, err)
	}

	other, _ := NewAutoencoder(4).Dense(16).Latent(2).Done()
	if _, err := other.Train(x, nil, nil, nil, fit); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("resuming a checkpoint of another shape: err = %v", err)
	}
	p, _ := NewPropagator(4).LSTM(4).Window(3).Done()
	if _, err := p.Train([][]float32{x}, nil, fit); err == nil || !strings.Contains(err.Error(), "led.Autoencoder") {
		t.Errorf("resuming an autoencoder checkpoint as a propagator: err = %v", err)
	}

	fit.Checkpoint = filepath.Join(dir, "val.ckpt")
	fit.Epochs = 2
	if _, err := newAE().Train(x, nil, x[:8*4], nil, fit); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(training.BestPath(fit.Checkpoint)); err != nil {
		t.Errorf("best weights: %v", err)
	}
	if _, err := LoadAutoencoder(filepath.Join(dir, "none.ckpt")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing model: err = %v", err)
	}
}
