package autoencoder

import (
	"testing"
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
