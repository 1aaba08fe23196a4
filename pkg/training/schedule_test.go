package training

import (
	"math"
	"testing"
)

func TestCosineLR(t *testing.T) {
	const base, final, total = 1e-3, 1e-5, 101
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	if got := CosineLR(base, final, 0, total); !near(got, base) {
		t.Errorf("first step: %g, want %g", got, base)
	}
	if got := CosineLR(base, final, total-1, total); !near(got, final) {
		t.Errorf("last step: %g, want %g", got, final)
	}
	if got, want := CosineLR(base, final, 50, total), (base+final)/2; !near(got, want) {
		t.Errorf("middle step: %g, want %g", got, want)
	}
	// A quarter of the way: final + (base-final)(1+cos(pi/4))/2.
	if got, want := CosineLR(base, final, 25, total), final+(base-final)*(1+math.Sqrt2/2)/2; !near(got, want) {
		t.Errorf("quarter step: %g, want %g", got, want)
	}
	prev := math.Inf(1)
	for s := range total {
		lr := CosineLR(base, final, s, total)
		if lr > prev {
			t.Fatalf("step %d: %g after %g, want a non-increasing rate", s, lr, prev)
		}
		prev = lr
	}
	if got := CosineLR(base, final, -3, total); !near(got, base) {
		t.Errorf("before the first step: %g, want %g (clamped)", got, base)
	}
	if got := CosineLR(base, final, 500, total); !near(got, final) {
		t.Errorf("after the last step: %g, want %g (clamped)", got, final)
	}
	if got := CosineLR(base, 0, total-1, total); !near(got, base/100) {
		t.Errorf("final 0: last step %g, want base/100 = %g", got, base/100)
	}
	if got := CosineLR(base, final, 0, 1); got != base {
		t.Errorf("one step: %g, want %g", got, base)
	}
}
