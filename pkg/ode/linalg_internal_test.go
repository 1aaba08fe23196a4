package ode

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestLUSolveRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 8} {
		a := make([]float64, n*n)
		for i := range a {
			a[i] = r.NormFloat64()
		}
		a[0] = 0 // force a pivot exchange
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		b := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				b[i] += a[i*n+j] * x[j]
			}
		}
		lu := append([]float64(nil), a...)
		perm := make([]int, n)
		if err := luFactor(lu, n, perm); err != nil {
			if n == 1 && errors.Is(err, ErrSingular) {
				continue // a[0] = 0 makes the 1×1 case singular
			}
			t.Fatal(err)
		}
		got := make([]float64, n)
		luSolve(lu, n, perm, b, got, make([]float64, n))
		for i := range x {
			if math.Abs(got[i]-x[i]) > 1e-10 {
				t.Errorf("n=%d: x[%d] = %v, want %v", n, i, got[i], x[i])
			}
		}
	}
}

func TestLUSingular(t *testing.T) {
	a := []float64{1, 2, 2, 4}
	if err := luFactor(a, 2, make([]int, 2)); !errors.Is(err, ErrSingular) {
		t.Errorf("rank-1 matrix: %v", err)
	}
}
