package sindy

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPredict predicts 10^6 samples of the 20-term (polynomial order 3, 3 variables) Lorenz
// model and reports ns/sample: Predict on rows, PredictFlat on a flat buffer, and the term-by-term
// evaluation of Θ(z) Ξ that Predict used before (for comparison).
func BenchmarkPredict(b *testing.B) {
	lib := NewLibrary(3).Polynomial(3).MustLibrary()
	m, err := FromCoefficients(lib, lorenzXi(lib))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 1))
	z := make([][]float64, n)
	flat := make([]float64, 3*n)
	for i := range z {
		z[i] = flat[3*i : 3*i+3]
		for j := range 3 {
			z[i][j] = 20 * r.NormFloat64()
		}
	}
	perSample := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/sample")
	}
	b.Run("Predict", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.Predict(z); err != nil {
				b.Fatal(err)
			}
		}
		perSample(b)
	})
	b.Run("PredictFlat", func(b *testing.B) {
		var dst []float64
		for b.Loop() {
			if dst, err = m.PredictFlat(dst, flat, nil); err != nil {
				b.Fatal(err)
			}
		}
		perSample(b)
	})
	b.Run("TermByTerm", func(b *testing.B) {
		xi := m.Coefficients()
		dz := make([]float64, 3*n)
		for b.Loop() {
			for k, zr := range z {
				out := dz[3*k : 3*k+3]
				out[0], out[1], out[2] = 0, 0, 0
				for i := range lib.terms {
					th := lib.terms[i].Eval(zr)
					for j, c := range xi[i] {
						out[j] += th * c
					}
				}
			}
		}
		perSample(b)
	})
}
