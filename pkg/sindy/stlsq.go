package sindy

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// STLSQ is sequentially thresholded least squares (Brunton, Proctor & Kutz 2016), as in PySINDy:
// a ridge regression, then repeatedly zero every coefficient whose magnitude is below Threshold and
// refit the remaining terms of each equation, until the set of active terms stops changing or
// MaxIter rounds have run. With Unbias, the coefficients of the final support are then refitted
// by plain least squares, removing the ridge bias (PySINDy's unbias=True, its default). Its zero
// value is not usable (MaxIter must be > 0); DefaultSTLSQ gives PySINDy's defaults.
//
// A literal STLSQ{Threshold: t, Alpha: a, MaxIter: k} keeps the ridge-biased coefficients of the
// last thresholding round (PySINDy's STLSQ(unbias=False)); set Unbias: true to match PySINDy's
// default. With exact derivatives the unbiased fit recovers the true coefficients exactly, where
// the biased one is shrunk by the ridge penalty.
type STLSQ struct {
	Threshold float64 // Coefficients with |ξ| < Threshold are removed (PySINDy: 0.1).
	Alpha     float64 // Ridge (L2) penalty α‖ξ‖² of every regression (PySINDy: 0.05).
	MaxIter   int     // Maximum thresholding rounds (PySINDy: 20).
	Unbias    bool    // Refit the final support by least squares without the ridge (PySINDy: true).
}

// DefaultSTLSQ returns PySINDy's defaults: threshold 0.1, alpha 0.05, 20 iterations, unbiased.
func DefaultSTLSQ() STLSQ { return STLSQ{Threshold: 0.1, Alpha: 0.05, MaxIter: 20, Unbias: true} }

// Validate checks the options.
func (o STLSQ) Validate() error {
	if !(o.Threshold >= 0) || math.IsInf(o.Threshold, 0) {
		return fmt.Errorf("%w: STLSQ threshold %g must be finite and >= 0", ErrInput, o.Threshold)
	}
	if !(o.Alpha >= 0) || math.IsInf(o.Alpha, 0) {
		return fmt.Errorf("%w: STLSQ alpha %g must be finite and >= 0", ErrInput, o.Alpha)
	}
	if o.MaxIter <= 0 {
		return fmt.Errorf("%w: STLSQ MaxIter %d must be > 0", ErrInput, o.MaxIter)
	}
	return nil
}

// Fit solves Θ Ξ ≈ Y for a sparse Ξ (features × targets). theta is m × p, y is m × q; it returns
// Ξ as p rows of q coefficients.
func (o STLSQ) Fit(theta, y [][]float64) ([][]float64, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	p, q, err := checkSystem("STLSQ", theta, y)
	if err != nil {
		return nil, err
	}
	xi := make([][]float64, p)
	for i := range xi {
		xi[i] = make([]float64, q)
	}
	active := make([][]bool, q) // active[target][feature]
	for j := range q {
		active[j] = make([]bool, p)
		for i := range p {
			active[j][i] = true
		}
	}
	fitTarget := func(j int) error {
		var cols []int
		for i := range p {
			if active[j][i] {
				cols = append(cols, i)
			}
			xi[i][j] = 0
		}
		if len(cols) == 0 {
			return nil
		}
		w, err := ridge(theta, y, cols, j, o.Alpha)
		if err != nil {
			return err
		}
		for k, i := range cols {
			xi[i][j] = w[k]
		}
		return nil
	}
	for j := range q {
		if err := fitTarget(j); err != nil {
			return nil, err
		}
	}
	for range o.MaxIter {
		changed := false
		for j := range q {
			for i := range p {
				if active[j][i] && math.Abs(xi[i][j]) < o.Threshold {
					active[j][i] = false
					changed = true
				}
			}
		}
		if !changed {
			break
		}
		for j := range q {
			if err := fitTarget(j); err != nil {
				return nil, err
			}
		}
	}
	if o.Unbias {
		if err := unbias(theta, y, xi); err != nil {
			return nil, err
		}
	}
	return xi, nil
}

// checkSystem validates the regression Θ Ξ ≈ Y of an optimizer: equal row counts, rectangular,
// finite. It returns the numbers of features p and targets q.
func checkSystem(name string, theta, y [][]float64) (p, q int, err error) {
	m := len(theta)
	if m == 0 || len(y) != m {
		return 0, 0, fmt.Errorf("%w: %s with %d library rows and %d target rows", ErrInput, name, m, len(y))
	}
	p, q = len(theta[0]), len(y[0])
	if p == 0 || q == 0 {
		return 0, 0, fmt.Errorf("%w: %s with %d features and %d targets", ErrInput, name, p, q)
	}
	for r := range m {
		if len(theta[r]) != p || len(y[r]) != q {
			return 0, 0, fmt.Errorf("%w: %s row %d has %d features and %d targets, want %d and %d", ErrInput, name, r, len(theta[r]), len(y[r]), p, q)
		}
		for c, v := range theta[r] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("%w: %s: library row %d column %d is %g (must be finite)", ErrInput, name, r, c, v)
			}
		}
		for c, v := range y[r] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("%w: %s: target row %d column %d is %g (must be finite)", ErrInput, name, r, c, v)
			}
		}
	}
	return p, q, nil
}

// unbias refits, for every target j, the coefficients of its support {i : |Ξ[i][j]| > 1e-14} by
// least squares (PySINDy's BaseOptimizer._unbias), in place.
func unbias(theta, y, xi [][]float64) error {
	for j := range xi[0] {
		var cols []int
		for i := range xi {
			if math.Abs(xi[i][j]) > 1e-14 {
				cols = append(cols, i)
			} else {
				xi[i][j] = 0
			}
		}
		if len(cols) == 0 {
			continue
		}
		w, err := lstsq(theta, y, cols, j)
		if err != nil {
			return err
		}
		for k, i := range cols {
			xi[i][j] = w[k]
		}
	}
	return nil
}

// lstsq solves min ‖y_j - Θ[:, cols] w‖² by SVD, the minimum-norm solution when Θ[:, cols] is rank
// deficient (numpy.linalg.lstsq with rcond=None: singular values below eps·max(m, k)·s_max dropped).
func lstsq(theta, y [][]float64, cols []int, j int) ([]float64, error) {
	m, k := len(theta), len(cols)
	a := mat.NewDense(m, k, nil)
	b := mat.NewDense(m, 1, nil)
	for r := range m {
		for c, i := range cols {
			a.Set(r, c, theta[r][i])
		}
		b.Set(r, 0, y[r][j])
	}
	x, err := lstsqDense(a, b)
	if err != nil {
		return nil, fmt.Errorf("sindy: least squares for target %d: %w", j, err)
	}
	w := make([]float64, k)
	for c := range k {
		w[c] = x.At(c, 0)
	}
	return w, nil
}

// lstsqDense is numpy.linalg.lstsq(a, b, rcond=None)[0].
func lstsqDense(a, b *mat.Dense) (*mat.Dense, error) {
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		return nil, errors.New("SVD did not converge")
	}
	m, k := a.Dims()
	rank := svd.Rank((math.Nextafter(1, 2) - 1) * float64(max(m, k)))
	var x mat.Dense
	if rank == 0 {
		_, c := b.Dims()
		return mat.NewDense(k, c, nil), nil
	}
	svd.SolveTo(&x, b, rank)
	return &x, nil
}

// ridge solves min ‖y_j - Θ[:, cols] w‖² + α‖w‖² by QR of the augmented matrix [Θ_cols; √α I].
func ridge(theta, y [][]float64, cols []int, j int, alpha float64) ([]float64, error) {
	m, k := len(theta), len(cols)
	rows := m
	if alpha > 0 {
		rows += k
	}
	a := mat.NewDense(rows, k, nil)
	b := mat.NewDense(rows, 1, nil)
	for r := range m {
		for c, i := range cols {
			a.Set(r, c, theta[r][i])
		}
		b.Set(r, 0, y[r][j])
	}
	if alpha > 0 {
		s := math.Sqrt(alpha)
		for c := range k {
			a.Set(m+c, c, s)
		}
	}
	if rows < k {
		return nil, fmt.Errorf("%w: %d samples for %d active terms (need at least as many samples as terms, or alpha > 0)", ErrInput, m, k)
	}
	var qr mat.QR
	qr.Factorize(a)
	var x mat.Dense
	if err := qr.SolveTo(&x, false, b); err != nil {
		return nil, fmt.Errorf("sindy: least squares for target %d: %w", j, err)
	}
	w := make([]float64, k)
	for c := range k {
		w[c] = x.At(c, 0)
	}
	return w, nil
}
