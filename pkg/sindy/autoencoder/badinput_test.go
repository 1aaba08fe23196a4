package autoencoder_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// TestBadInputAutoencoder feeds the SINDy autoencoder's builder options, Threshold, Train's data and
// options, TrainEnsemble and Load bad values (zero, negative, NaN, Inf, mismatched shapes, empty data)
// and checks that each error names the option or argument.
func TestBadInputAutoencoder(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
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
	base := smallConfig()
	for _, c := range []struct {
		name string
		b    func(*autoencoder.Builder) *autoencoder.Builder
		want string
	}{
		{"Threshold(-1)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Thresholding(3, -1) }, "Threshold=-1"},
		{"Threshold(NaN)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Thresholding(3, nan) }, "Threshold=NaN"},
		{"Threshold(Inf)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Thresholding(3, inf) }, "Threshold=+Inf"},
		{"ThresholdFrequency(-1)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Thresholding(-1, 0.1) }, "ThresholdFrequency=-1"},
		{"EvalFrequency(-1)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.EvalFrequency(-1) }, "EvalFrequency=-1"},
		{"LearningRate(0)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LearningRate(0) }, "LearningRate=0"},
		{"LearningRate(-1)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LearningRate(-1) }, "LearningRate=-1"},
		{"LearningRate(NaN)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LearningRate(nan) }, "LearningRate=NaN"},
		{"LearningRate(Inf)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LearningRate(inf) }, "LearningRate=+Inf"},
		{"BatchSize(0)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.BatchSize(0) }, "BatchSize=0"},
		{"Epochs(-1, 0)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Epochs(-1, 0) }, "Epochs=-1"},
		{"Epochs(1, -1)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Epochs(1, -1) }, "RefinementEpochs=-1"},
		{"InputDim(0)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.InputDim(0) }, "InputDim=0"},
		{"Latent(-3)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Latent(-3) }, "LatentDim=-3"},
		{"PolyOrder(6)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.PolyOrder(6) }, "PolyOrder=6"},
		{"Widths(16, 0)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Widths(16, 0) }, "width 1 is 0"},
		{"CoeffInit(NaN)", func(b *autoencoder.Builder) *autoencoder.Builder { return b.CoeffInit(nan) }, "CoeffInit=NaN"},
		{"WeightDecoder NaN", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LossWeights(nan, 0, 0, 0) }, "WeightDecoder=NaN"},
		{"WeightSindyX -1", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LossWeights(1, -1, 0, 0) }, "WeightSindyX=-1"},
		{"WeightSindyZ Inf", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LossWeights(1, 0, inf, 0) }, "WeightSindyZ=+Inf"},
		{"WeightL1 NaN", func(b *autoencoder.Builder) *autoencoder.Builder { return b.LossWeights(1, 0, 0, nan) }, "WeightL1=NaN"},
		{"Activation", func(b *autoencoder.Builder) *autoencoder.Builder { return b.Activation("nope") }, "Activation"},
		{"EncoderActivation", func(b *autoencoder.Builder) *autoencoder.Builder { return b.EncoderActivation("nope") }, "EncoderActivation"},
	} {
		_, err := c.b(autoencoder.New(base)).Done()
		check(t, c.name, err, c.want)
	}

	m := newModel(t, base)
	for _, th := range []float64{-1, nan, inf, math.Inf(-1)} {
		_, err := m.Threshold(th)
		check(t, "Model.Threshold", err, "threshold=")
	}
	if _, err := m.Threshold(0.1); err != nil {
		t.Errorf("Model.Threshold(0.1): %v", err)
	}

	dim := base.InputDim
	data := func(n int) autoencoder.Data {
		return autoencoder.Data{N: n, Dim: dim, X: make([]float32, n*dim), DX: make([]float32, n*dim)}
	}
	good := data(base.BatchSize)
	nanX := data(base.BatchSize)
	nanX.X[3*dim+5] = float32(nan)
	infDX := data(base.BatchSize)
	infDX.DX[7*dim] = float32(inf)
	short := data(base.BatchSize)
	short.X = short.X[:10]
	for _, c := range []struct {
		name       string
		train, val autoencoder.Data
		opts       autoencoder.TrainOptions
		want       []string
	}{
		{"NaN X", nanX, good, autoencoder.TrainOptions{}, []string{"training data", "X is NaN", "sample 3, component 5"}},
		{"Inf DX in validation", good, infDX, autoencoder.TrainOptions{}, []string{"validation data", "DX is +Inf", "sample 7"}},
		{"mismatched rows", short, good, autoencoder.TrainOptions{}, []string{"training data", "X has 10"}},
		{"empty", autoencoder.Data{Dim: dim}, good, autoencoder.TrainOptions{}, []string{"training data is empty"}},
		{"wrong dimension", autoencoder.Data{N: 1, Dim: 3, X: make([]float32, 3), DX: make([]float32, 3)}, good, autoencoder.TrainOptions{}, []string{"dimension 3"}},
		{"StopAfter -1", good, good, autoencoder.TrainOptions{StopAfter: -1}, []string{"StopAfter=-1"}},
		{"MaxDuration -1s", good, good, autoencoder.TrainOptions{MaxDuration: -time.Second}, []string{"MaxDuration=-1s"}},
		{"CheckpointEvery -1s", good, good, autoencoder.TrainOptions{CheckpointEvery: -time.Second}, []string{"CheckpointEvery=-1s"}},
	} {
		_, err := m.Train(c.train, c.val, c.opts)
		check(t, "Train, "+c.name, err, c.want...)
	}
	_, err := m.Run(nanX)
	check(t, "Run(NaN)", err, "X is NaN")
	_, _, err = m.Encode(infDX)
	check(t, "Encode(Inf)", err, "DX is +Inf")

	second := newModel(t, autoencoder.New(base).SecondOrder().Config())
	nanDDX := data(base.BatchSize)
	nanDDX.DDX = make([]float32, base.BatchSize*dim)
	nanDDX.DDX[dim] = float32(nan)
	_, err = second.Evaluate(nanDDX)
	check(t, "second order, NaN DDX", err, "DDX is NaN", "sample 1")

	_, _, err = autoencoder.TrainEnsemble(base, 0, good, good, autoencoder.EnsembleOptions{})
	check(t, "TrainEnsemble(k=0)", err, "k=0")

	missing := filepath.Join(t.TempDir(), "none.ckpt")
	_, _, err = autoencoder.Load(missing)
	check(t, "Load(missing)", err, missing, "does not exist")
}
