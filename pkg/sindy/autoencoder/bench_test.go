package autoencoder

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// BenchmarkSINDyAutoencoderStep times one Adam step at the paper's Lorenz sizes (batch 8000,
// 128-64-32-3 sigmoid encoder and its mirror decoder, cubic library of 20 terms, λ1 = 1e-4,
// λ2 = 0, λ3 = 1e-5): the same arithmetic as /work/shared/bench/sae_torch.py. Compare with
// `go run ./cmd/dynlearn bench sindy-step`, which runs both interleaved.
func BenchmarkSINDyAutoencoderStep(b *testing.B) { benchStep(b, false) }

// BenchmarkSINDyAutoencoderStepPlainAutodiff is the same step with GoMLX's generic weight
// gradients (Config.PlainAutodiff), the naive formulation.
func BenchmarkSINDyAutoencoderStepPlainAutodiff(b *testing.B) { benchStep(b, true) }

func benchStep(b *testing.B, plain bool) {
	m, x, dx, err := BenchSetup(8000, 1, plain)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Step(x, dx, nil); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.Step(x, dx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPendulumStep times one Adam step at the paper's pendulum sizes (2601-128-64-32-1
// sigmoid, second order, cubic library with sines, batch 1024): the main phase's step, which
// propagates ẋ and ẍ through both networks, against a pre-training step (the decoder loss alone,
// Config.PretrainEpochs), which does not. Compare the two ms/step in one run.
func BenchmarkPendulumStep(b *testing.B) {
	cfg := New(Paper()).InputDim(2601).Widths(128, 64, 32).Latent(1).PolyOrder(3).Sine(true).SecondOrder().
		BatchSize(1024).LossWeights(1, 5e-4, 5e-5, 1e-5).Config()
	m, err := NewModel(cfg)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 99))
	arrays := make([]*tensors.Tensor, 3)
	for k := range arrays {
		v := make([]float32, cfg.BatchSize*cfg.InputDim)
		for i := range v {
			v[i] = r.Float32()
		}
		arrays[k] = tensors.FromFlatDataAndDimensions(v, cfg.BatchSize, cfg.InputDim)
	}
	for _, phase := range []string{"main", "pretrain"} {
		b.Run(phase, func(b *testing.B) {
			exec, err := m.getStepExec(false)
			if phase == "pretrain" {
				exec, err = m.getPretrainExec()
			}
			if err != nil {
				b.Fatal(err)
			}
			args := []any{m.maskTensor(), arrays[0], arrays[1], arrays[2]}
			if _, err := exec.Call(args...); err != nil { // compile
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := exec.Call(args...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}
