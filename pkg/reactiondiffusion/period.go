package reactiondiffusion

import (
	"fmt"
	"math"
)

// Period estimates the period of a sampled oscillation x(t), t increasing, from its upward crossings
// of its mean: the crossing times are interpolated linearly between samples, and the period is the
// time between the first and the last crossing divided by the number of cycles between them. A
// crossing counts only after x has been below the mean by a tenth of its standard deviation, so noise
// near the mean does not add crossings. It needs at least two crossings (more than one period).
//
// Use it to compare rotation periods: the spiral's (the time series of one pixel), a latent
// coordinate's (the encoder on the test interval) and a discovered model's (its simulation).
func Period(t, x []float64) (float64, error) {
	if len(t) != len(x) {
		return 0, fmt.Errorf("reactiondiffusion.Period: %d times but %d values", len(t), len(x))
	}
	mean, sq := 0.0, 0.0
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(t[i]) || math.IsInf(t[i], 0) {
			return 0, fmt.Errorf("reactiondiffusion.Period: sample %d is not finite (t %g, x %g)", i, t[i], v)
		}
		if i > 0 && !(t[i] > t[i-1]) {
			return 0, fmt.Errorf("reactiondiffusion.Period: times not increasing at sample %d (%g after %g)", i, t[i], t[i-1])
		}
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sq += (v - mean) * (v - mean)
	}
	h := 0.1 * math.Sqrt(sq/float64(max(len(x), 1)))
	var first, last float64
	n, armed := 0, false
	for i := 1; i < len(x); i++ {
		if x[i-1] < mean-h {
			armed = true
		}
		if armed && x[i-1] < mean && x[i] >= mean {
			tc := t[i-1] + (t[i]-t[i-1])*(mean-x[i-1])/(x[i]-x[i-1])
			if n == 0 {
				first = tc
			}
			last, n, armed = tc, n+1, false
		}
	}
	if n < 2 {
		return 0, fmt.Errorf("reactiondiffusion.Period: %d upward crossing(s) of the mean in t ∈ [%g, %g]; need at least 2 (more than one period, not constant)",
			n, t[0], t[len(t)-1])
	}
	return (last - first) / float64(n-1), nil
}
