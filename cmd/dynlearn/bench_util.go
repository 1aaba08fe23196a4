package main

import (
	"slices"
	"time"
)

// median returns the median of v (the upper one for an even length); v is not changed.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// msPerStep returns d / steps in milliseconds.
func msPerStep(d time.Duration, steps int) float64 {
	return float64(d.Microseconds()) / 1e3 / float64(steps)
}
