package ode

import (
	"fmt"
	"math"
)

// luFactor factors the n×n row-major matrix a in place (Doolittle, partial pivoting): PA = LU with the
// unit lower factor below the diagonal. perm receives the row permutation. It returns ErrSingular when a
// pivot is zero or negligible relative to the matrix scale.
func luFactor(a []float64, n int, perm []int) error {
	scale := 0.0
	for _, v := range a[:n*n] {
		scale = math.Max(scale, math.Abs(v))
	}
	tiny := scale * 1e-14 * float64(n)
	for i := range perm[:n] {
		perm[i] = i
	}
	for k := 0; k < n; k++ {
		p, pv := k, math.Abs(a[k*n+k])
		for i := k + 1; i < n; i++ {
			if v := math.Abs(a[i*n+k]); v > pv {
				p, pv = i, v
			}
		}
		if !(pv > tiny) {
			return fmt.Errorf("%w: pivot %d is %g (matrix scale %g)", ErrSingular, k, pv, scale)
		}
		if p != k {
			rk, rp := a[k*n:(k+1)*n], a[p*n:(p+1)*n]
			for j := range rk {
				rk[j], rp[j] = rp[j], rk[j]
			}
			perm[k], perm[p] = perm[p], perm[k]
		}
		d := a[k*n+k]
		for i := k + 1; i < n; i++ {
			l := a[i*n+k] / d
			a[i*n+k] = l
			if l == 0 {
				continue
			}
			ri, rk := a[i*n+k+1:(i+1)*n], a[k*n+k+1:(k+1)*n]
			for j := range ri {
				ri[j] -= l * rk[j]
			}
		}
	}
	return nil
}

// luSolve solves A x = b given luFactor's output; x and b may alias.
func luSolve(lu []float64, n int, perm []int, b, x, work []float64) {
	for i := 0; i < n; i++ {
		work[i] = b[perm[i]]
	}
	for i := 0; i < n; i++ {
		s := work[i]
		for j := 0; j < i; j++ {
			s -= lu[i*n+j] * work[j]
		}
		work[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		s := work[i]
		for j := i + 1; j < n; j++ {
			s -= lu[i*n+j] * work[j]
		}
		work[i] = s / lu[i*n+i]
	}
	copy(x[:n], work[:n])
}
