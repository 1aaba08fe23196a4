package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Regularizer is the sparsity penalty R of SR3.
type Regularizer int

const (
	// RegL0 is the L0 penalty λ‖u‖₀ (PySINDy's "L0", its default): its proximal step is a hard
	// threshold at √(2λν).
	RegL0 Regularizer = iota
	// RegL1 is the L1 penalty λ‖u‖₁ (PySINDy's "L1"): its proximal step is a soft threshold at λν.
	RegL1
)

// String returns "L0" or "L1".
func (r Regularizer) String() string {
	switch r {
	case RegL0:
		return "L0"
	case RegL1:
		return "L1"
	}
	return fmt.Sprintf("Regularizer(%d)", int(r))
}

// SR3 is sparse relaxed regularized regression (Zheng, Askham, Brunton, Kutz & Aravkin 2018), as
// PySINDy's SR3: it minimises
//
//	½‖Y − Θ W‖² + λ R(U) + (1/2ν)‖W − U‖²
//
// by alternating an exact least-squares step for W, (ΘᵀΘ + I/ν) W = ΘᵀY + U/ν, and the proximal
// step of R for U, starting from the least-squares solution, until the change of U (Frobenius norm
// over ν) drops below Tol or MaxIter rounds have run. The result is the sparse U.
//
// The zero value is usable: Nu, Tol and MaxIter left at 0 take PySINDy's defaults (1, 1e-5, 30), the
// regularizer is L0. The penalty is set either by Lambda (PySINDy's reg_weight_lam; its default is
// 0.005) or by Threshold, the coefficient magnitude below which the proximal step zeroes a
// coefficient: λ = Threshold²/(2ν) for L0 (PySINDy's calculate_l0_weight) and Threshold/ν for L1.
// Setting both is an error; setting neither means no penalty (plain least squares).
type SR3 struct {
	Lambda      float64     // Penalty weight λ ≥ 0.
	Threshold   float64     // Alternative to Lambda: the threshold of the proximal step (≥ 0).
	Nu          float64     // Relaxation ν > 0 (0: 1).
	Regularizer Regularizer // RegL0 (zero value) or RegL1.
	Tol         float64     // Convergence tolerance > 0 (0: 1e-5).
	MaxIter     int         // Maximum iterations > 0 (0: 30).
	Unbias      bool        // Refit the final support by least squares (PySINDy's SR3 default: false).
}

// DefaultSR3 returns PySINDy's SR3 defaults: λ = 0.005, L0, ν = 1, tol 1e-5, 30 iterations.
func DefaultSR3() SR3 { return SR3{Lambda: 0.005} }

// settings returns λ, ν, tol and the iteration limit with the defaults applied, or an error naming
// the bad option.
func (o SR3) settings() (lambda, nu, tol float64, maxIter int, err error) {
	bad := func(v float64) bool { return !(v >= 0) || math.IsInf(v, 0) }
	switch {
	case bad(o.Lambda):
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 Lambda %g must be finite and >= 0", ErrInput, o.Lambda)
	case bad(o.Threshold):
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 Threshold %g must be finite and >= 0", ErrInput, o.Threshold)
	case o.Lambda > 0 && o.Threshold > 0:
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 Lambda %g and Threshold %g both set (set one)", ErrInput, o.Lambda, o.Threshold)
	case bad(o.Nu):
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 Nu %g must be finite and > 0 (0 for the default 1)", ErrInput, o.Nu)
	case bad(o.Tol):
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 Tol %g must be finite and > 0 (0 for the default 1e-5)", ErrInput, o.Tol)
	case o.MaxIter < 0:
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 MaxIter %d must be > 0 (0 for the default 30)", ErrInput, o.MaxIter)
	case o.Regularizer != RegL0 && o.Regularizer != RegL1:
		return 0, 0, 0, 0, fmt.Errorf("%w: SR3 regularizer %v (want RegL0 or RegL1)", ErrInput, o.Regularizer)
	}
	nu, tol, maxIter = o.Nu, o.Tol, o.MaxIter
	if nu == 0 {
		nu = 1
	}
	if tol == 0 {
		tol = 1e-5
	}
	if maxIter == 0 {
		maxIter = 30
	}
	lambda = o.Lambda
	if o.Threshold > 0 {
		if o.Regularizer == RegL0 {
			lambda = o.Threshold * o.Threshold / (2 * nu)
		} else {
			lambda = o.Threshold / nu
		}
	}
	return lambda, nu, tol, maxIter, nil
}

// Fit solves Θ Ξ ≈ Y for a sparse Ξ (features × targets); see SR3.
func (o SR3) Fit(theta, y [][]float64) ([][]float64, error) {
	lambda, nu, tol, maxIter, err := o.settings()
	if err != nil {
		return nil, err
	}
	p, q, err := checkSystem("SR3", theta, y)
	if err != nil {
		return nil, err
	}
	m := len(theta)
	x := mat.NewDense(m, p, nil)
	b := mat.NewDense(m, q, nil)
	for r := range m {
		x.SetRow(r, theta[r])
		b.SetRow(r, y[r])
	}
	// Initial guess: least squares (PySINDy's BaseOptimizer.fit).
	sparse, err := lstsqDense(x, b)
	if err != nil {
		return nil, fmt.Errorf("sindy: SR3 initial least squares: %w", err)
	}
	// Cholesky factor of ΘᵀΘ + I/ν, fixed over the iterations.
	a := mat.NewSymDense(p, nil)
	a.SymOuterK(1, x.T())
	for i := range p {
		a.SetSym(i, i, a.At(i, i)+1/nu)
	}
	var chol mat.Cholesky
	if !chol.Factorize(a) {
		return nil, fmt.Errorf("sindy: SR3: ΘᵀΘ + I/ν is not positive definite (ν = %g)", nu)
	}
	var xty mat.Dense
	xty.Mul(x.T(), b)
	var rhs, full mat.Dense
	prev := mat.DenseCopyOf(sparse)
	for range maxIter {
		rhs.Scale(1/nu, sparse)
		rhs.Add(&rhs, &xty)
		if err := chol.SolveTo(&full, &rhs); err != nil {
			return nil, fmt.Errorf("sindy: SR3 least-squares step: %w", err)
		}
		prox(sparse, &full, lambda*nu, o.Regularizer)
		var d float64
		for i := range p {
			for j := range q {
				e := sparse.At(i, j) - prev.At(i, j)
				d += e * e
			}
		}
		prev.Copy(sparse)
		if math.Sqrt(d)/nu < tol {
			break
		}
	}
	xi := make([][]float64, p)
	for i := range xi {
		xi[i] = make([]float64, q)
		for j := range q {
			xi[i][j] = sparse.At(i, j)
		}
	}
	if o.Unbias {
		if err := unbias(theta, y, xi); err != nil {
			return nil, err
		}
	}
	return xi, nil
}

// prox writes the proximal step of the regularizer with weight w (λν) applied to src into dst.
func prox(dst, src *mat.Dense, w float64, r Regularizer) {
	rows, cols := src.Dims()
	t := math.Sqrt(2 * w)
	for i := range rows {
		for j := range cols {
			v := src.At(i, j)
			switch r {
			case RegL0:
				if !(math.Abs(v) > t) {
					v = 0
				}
			case RegL1:
				v = math.Copysign(math.Max(math.Abs(v)-w, 0), v)
			}
			dst.Set(i, j, v)
		}
	}
}
