package sindy

import (
	"fmt"
	"math"
)

// AffineTransform rewrites polynomial dynamics ż = Θ(z) Ξ in new coordinates w defined by
// z_{perm[k]} = a[k] w_k + b[k] (a permutation, scaling and shift of the variables) and returns Ξ_w
// such that ẇ = Θ(w) Ξ_w exactly. An affine change of variables keeps polynomials of degree ≤ p of
// degree ≤ p, so Ξ_w lives in the same library. Only monomial terms may be non-zero, and the library
// must have no control inputs (an error otherwise).
func AffineTransform(lib *Library, xi [][]float64, perm []int, a, b []float64) ([][]float64, error) {
	n := lib.NumVars()
	if len(perm) != n || len(a) != n || len(b) != n {
		return nil, fmt.Errorf("%w: affine transform of %d variables with %d/%d/%d entries", ErrInput, n, len(perm), len(a), len(b))
	}
	if m := lib.NumInputs(); m > 0 {
		return nil, fmt.Errorf("%w: affine transform of a library with %d control inputs %q: only libraries of the states alone are allowed (the inputs cannot be changed with the states)",
			ErrInput, m, lib.InputNames())
	}
	if len(xi) != lib.Size() {
		return nil, fmt.Errorf("%w: Ξ has %d rows, library has %d terms", ErrInput, len(xi), lib.Size())
	}
	for t, row := range xi {
		if len(row) != n {
			return nil, fmt.Errorf("%w: Ξ row %d (%s) has %d columns, want one per state variable (%d)", ErrInput, t, lib.terms[t].Name, len(row), n)
		}
	}
	inv := make([]int, n) // inv[i] = k such that perm[k] = i
	seen := make([]bool, n)
	for k, i := range perm {
		if i < 0 || i >= n || seen[i] {
			return nil, fmt.Errorf("%w: %v is not a permutation", ErrInput, perm)
		}
		seen[i], inv[i] = true, k
		if a[k] == 0 || math.IsNaN(a[k]) || math.IsInf(a[k], 0) || math.IsNaN(b[k]) || math.IsInf(b[k], 0) {
			return nil, fmt.Errorf("%w: bad scale a[%d]=%g or shift b[%d]=%g", ErrInput, k, a[k], k, b[k])
		}
	}
	out := make([][]float64, lib.Size())
	for i := range out {
		out[i] = make([]float64, n)
	}
	for t, term := range lib.terms {
		nz := false
		for _, c := range xi[t] {
			nz = nz || c != 0
		}
		if !nz {
			continue
		}
		if term.Powers == nil {
			return nil, fmt.Errorf("%w: term %q is not a monomial; affine transforms need polynomial libraries", ErrInput, term.Name)
		}
		// Expand Π_i (a_k w_k + b_k)^{p_i}, k = inv[i], as a polynomial in w.
		poly := map[string]float64{key(make([]int, n)): 1}
		for i, p := range term.Powers {
			k := inv[i]
			for range p {
				next := map[string]float64{}
				for kp, c := range poly {
					pw := unkey(kp)
					next[kp] += c * b[k]
					pw[k]++
					next[key(pw)] += c * a[k]
				}
				poly = next
			}
		}
		for kp, c := range poly {
			if c == 0 {
				continue
			}
			col := lib.Index(unkey(kp)...)
			if col < 0 {
				return nil, fmt.Errorf("%w: monomial %v missing from the library", ErrInput, unkey(kp))
			}
			for k := range n {
				out[col][k] += c * xi[t][perm[k]] / a[k]
			}
		}
	}
	return out, nil
}

func key(pw []int) string {
	b := make([]byte, len(pw))
	for i, p := range pw {
		b[i] = byte(p)
	}
	return string(b)
}

func unkey(s string) []int {
	pw := make([]int, len(s))
	for i := range s {
		pw[i] = int(s[i])
	}
	return pw
}
