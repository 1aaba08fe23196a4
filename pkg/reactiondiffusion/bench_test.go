package reactiondiffusion

import (
	"testing"
)

// BenchmarkStep times one ETDRK4 step on the paper's 100×100 grid (8 2D FFTs of 100×100).
func BenchmarkStep(b *testing.B) {
	s := newSolver(100, 20, 0.1, 0.1, 1, 0.025, 0)
	u, v := SpiralIC(100, 20, 1)
	s.setState(u, v)
	for b.Loop() {
		s.step()
	}
}

// BenchmarkGenerateQuick generates the quick-mode data set in memory (50×50, t ∈ [0, 100]).
func BenchmarkGenerateQuick(b *testing.B) {
	cfg := QuickConfig()
	for b.Loop() {
		if _, err := Generate(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateFull generates the paper's data set in memory (100×100, t ∈ [0, 500], 20,000
// ETDRK4 steps, 800 MB of float32 observations). It takes minutes; run it on its own:
//
//	go test -run '^$' -bench GenerateFull -benchtime 1x -timeout 1h ./pkg/reactiondiffusion
//
// or use `go run ./cmd/dynlearn bench rd-solver`, which also reports the CPU time and the peak memory.
func BenchmarkGenerateFull(b *testing.B) {
	cfg := PaperConfig()
	for b.Loop() {
		if _, err := Generate(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
