package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// STLSQ is sequentially thresholded least squares (Brunton, Proctor & Kutz 2016), as in PySINDy:
// a ridge regression, then repeatedly zero every coefficient whose magnitude is below Threshold and
// refit the remaining terms of each equation, until the set of active terms stops changing or
// MaxIter rounds have run. Its zero value is not usable; DefaultSTLSQ gives PySINDy's defaults.
type STLSQ struct {
	Threshold float64 // Coefficients with |ξ| < Threshold are removed (PySINDy: 0.1).
	Alpha     float64 // Ridge (L2) penalty α‖ξ‖² of every regression (PySINDy: 0.05).
	MaxIter   int     // Maximum thresholding rounds (PySINDy: 20).
}

// DefaultSTLSQ returns PySINDy's defaults: threshold 0.1, alpha 0.05, 20 iterations.
func DefaultSTLSQ() STLSQ { return STLSQ{Threshold: 0.1, Alpha: 0.05, MaxIter: 20} }

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
	m := len(theta)
	if m == 0 || len(y) != m {
		return nil, fmt.Errorf("%w: STLSQ with %d library rows and %d target rows", ErrInput, m, len(y))
	}
	p, q := len(theta[0]), len(y[0])
	if p == 0 || q == 0 {
		return nil, fmt.Errorf("%w: STLSQ with %d features and %d targets", ErrInput, p, q)
	}
	for r := range m {
		if len(theta[r]) != p || len(y[r]) != q {
			return nil, fmt.Errorf("%w: STLSQ row %d has %d features and %d targets, want %d and %d", ErrInput, r, len(theta[r]), len(y[r]), p, q)
		}
		for _, v := range theta[r] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: library row %d is not finite", ErrInput, r)
			}
		}
		for _, v := range y[r] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: target row %d is not finite", ErrInput, r)
			}
		}
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
	return xi, nil
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
