package sindy

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// A library with control inputs has monomials in the inputs too: AffineTransform used to index its
// permutation with an input's position and panic; it now refuses such libraries with an error.
func TestAffineTransformRejectsControlInputs(t *testing.T) {
	lib := NewLibrary(2).Inputs(1).Polynomial(2).MustLibrary()
	xi := make([][]float64, lib.Size())
	for i := range xi {
		xi[i] = []float64{1, -1} // every term non-zero, including those with u1
	}
	got, err := AffineTransform(lib, xi, []int{1, 0}, []float64{1, 2}, []float64{0, 1})
	if got != nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "1 control inputs") ||
		!strings.Contains(err.Error(), `"u1"`) {
		t.Errorf("library with an input: got %v, err %v; want an ErrInput naming the input", got, err)
	}
}

// Ξ rows with the wrong number of columns are an error, not an index out of range.
func TestAffineTransformRejectsRaggedXi(t *testing.T) {
	lib := NewLibrary(2).Polynomial(1).MustLibrary()
	xi := [][]float64{{0, 0}, {1}, {0, 1}}
	if _, err := AffineTransform(lib, xi, []int{0, 1}, []float64{1, 1}, []float64{0, 0}); !errors.Is(err, ErrInput) ||
		!strings.Contains(err.Error(), "row 1 (z1) has 1 columns") {
		t.Errorf("ragged Ξ: err = %v", err)
	}
}

// The transform is exact: for ż = Θ(z)Ξ and z_{perm[k]} = a_k w_k + b_k, the returned Ξ_w gives
// ẇ_k = ż_{perm[k]} / a_k at every point.
func TestAffineTransformIsExact(t *testing.T) {
	lib := NewLibrary(2).Polynomial(2).MustLibrary()
	xi := [][]float64{{0.5, -1}, {0, 2}, {-3, 0}, {1, 0}, {0, 0.25}, {0, -1}} // 1, z1, z2, z1², z1z2, z2²
	perm, a, b := []int{1, 0}, []float64{2, -0.5}, []float64{1, 3}
	xw, err := AffineTransform(lib, xi, perm, a, b)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float64, lib.Size())
	for _, w := range [][]float64{{0.3, -1.2}, {2, 0.7}, {-0.4, 0}} {
		z := make([]float64, 2)
		for k := range 2 {
			z[perm[k]] = a[k]*w[k] + b[k]
		}
		lib.EvalTo(z, row)
		zdot := make([]float64, 2)
		for i := range row {
			for j := range 2 {
				zdot[j] += row[i] * xi[i][j]
			}
		}
		lib.EvalTo(w, row)
		for k := range 2 {
			wdot := 0.0
			for i := range row {
				wdot += row[i] * xw[i][k]
			}
			if want := zdot[perm[k]] / a[k]; math.Abs(wdot-want) > 1e-12 {
				t.Errorf("w = %v: ẇ%d = %g, want %g", w, k+1, wdot, want)
			}
		}
	}
}
