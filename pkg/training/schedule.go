package training

import "math"

// CosineLR is the learning rate of step (0-based) of total steps decaying along half a cosine
// from base at the first step to final at the last (final 0: base/100). Steps outside [0, total)
// are clamped; total <= 1 gives base.
func CosineLR(base, final float64, step, total int) float64 {
	if total <= 1 {
		return base
	}
	if final == 0 {
		final = base / 100
	}
	frac := min(max(float64(step)/float64(total-1), 0), 1)
	return final + (base-final)*0.5*(1+math.Cos(math.Pi*frac))
}
