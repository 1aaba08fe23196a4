package reactiondiffusion

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const want = 6.1
	var ts, xs []float64
	for i := range 1000 {
		tm := 0.05 * float64(i)
		// An offset, a harmonic and noise that crosses the mean several times per crossing.
		x := 2 + math.Sin(2*math.Pi*tm/want+0.3) + 0.4*math.Sin(4*math.Pi*tm/want) + 0.02*rng.NormFloat64()
		ts, xs = append(ts, tm), append(xs, x)
	}
	got, err := Period(ts, xs)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-2*want {
		t.Errorf("period %g, want %g", got, want)
	}

	for name, c := range map[string]struct{ t, x []float64 }{
		"lengths":      {[]float64{0, 1}, []float64{0}},
		"constant":     {ts, make([]float64, len(ts))},
		"short":        {ts[:100], xs[:100]},
		"NaN":          {[]float64{0, 1, 2}, []float64{0, math.NaN(), 1}},
		"not monotone": {[]float64{0, 2, 1}, []float64{0, 1, 0}},
	} {
		if p, err := Period(c.t, c.x); err == nil {
			t.Errorf("%s: period %g, want an error", name, p)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
