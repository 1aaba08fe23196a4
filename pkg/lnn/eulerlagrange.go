package lnn

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph-building code reads better dot-imported.
	"github.com/gomlx/gomlx/support/exceptions"
)

// LagrangianFn is a Lagrangian written as a GoMLX graph function: q and qdot have shape (batch, n) and
// the result is L per sample, shape (batch) or (batch, 1). Samples must not interact (the derivatives
// are taken of the sum over the batch).
type LagrangianFn func(q, qdot *Node) *Node

// Derivatives are the first and second derivatives of L that the Euler-Lagrange equations need, per
// sample of a batch of n-DoF states.
type Derivatives struct {
	// DLdq is ∂L/∂q, shape (batch, n).
	DLdq *Node
	// Hvv is ∂²L/∂q̇ᵢ∂q̇ⱼ, shape (batch, n, n).
	Hvv *Node
	// Hvq is ∂²L/∂q̇ᵢ∂qₖ (row i: q̇ᵢ, column k: qₖ), shape (batch, n, n).
	Hvq *Node
}

// AutodiffDerivatives computes the Derivatives of a Lagrangian with nested graph.Gradient (reverse over
// reverse): the gradient of ΣL with respect to x = (q, q̇), then the gradient of each ∂L/∂q̇ⱼ summed
// over the batch, which gives the Hessian column j of every sample because samples are independent.
// q and qdot have shape (batch, n). It works for any Lagrangian built from differentiable GoMLX ops and
// is what the tests use to check the closed-form Hessians of the LNN.
func AutodiffDerivatives(fn LagrangianFn, q, qdot *Node) Derivatives {
	if q.Rank() != 2 || !q.Shape().Equal(qdot.Shape()) {
		exceptions.Panicf("lnn.AutodiffDerivatives: q and qdot must have the same shape (batch, n), got %s and %s",
			q.Shape(), qdot.Shape())
	}
	n := q.Shape().Dim(1)
	x := Concatenate([]*Node{q, qdot}, 1)
	qx := Slice(x, AxisRange(), AxisRange(0, n))
	vx := Slice(x, AxisRange(), AxisRange(n, 2*n))
	L := fn(qx, vx)
	grad := Gradient(ReduceAllSum(L), x)[0] // (batch, 2n)
	cols := make([]*Node, n)
	for j := range n {
		dLdvj := Slice(grad, AxisRange(), AxisElem(n+j)) // (batch, 1)
		cols[j] = Gradient(ReduceAllSum(dLdvj), x)[0]    // (batch, 2n): row n+j of each sample's Hessian
	}
	hu := Stack(cols, 1) // (batch, n, 2n): hu[b, i, :] = ∂(∂L/∂q̇ᵢ)/∂x
	return Derivatives{
		DLdq: Slice(grad, AxisRange(), AxisRange(0, n)),
		Hvv:  Slice(hu, AxisRange(), AxisRange(), AxisRange(n, 2*n)),
		Hvq:  Slice(hu, AxisRange(), AxisRange(), AxisRange(0, n)),
	}
}

// SolveMethod selects how the Euler-Lagrange system Hvv q̈ = rhs is solved.
type SolveMethod int

const (
	// Ridge solves (Hvv + εI) q̈ = rhs exactly (closed form for 1 and 2 DoF, Gauss-Jordan elimination
	// without pivoting for more). ε = 0 is the plain inverse.
	Ridge SolveMethod = iota
	// PInv applies the Moore-Penrose pseudo-inverse of the symmetrised Hvv (eigenvalues below
	// RCond·max|λ| are dropped), as torch.pinverse / jnp.linalg.pinv in the original code. 1 and 2 DoF only.
	PInv
)

var solveMethodNames = [...]string{Ridge: "ridge", PInv: "pinv"}

// String names the method.
func (m SolveMethod) String() string {
	if m >= 0 && int(m) < len(solveMethodNames) {
		return solveMethodNames[m]
	}
	return fmt.Sprintf("SolveMethod(%d)", int(m))
}

// SolveOptions configure Accelerations.
type SolveOptions struct {
	// Method is Ridge (default) or PInv.
	Method SolveMethod
	// Epsilon is the ridge ε added to the diagonal of Hvv (Ridge only).
	Epsilon float64
	// RCond is the relative eigenvalue cut-off of PInv (default 1e-6 when zero).
	RCond float64
}

// Validate checks the options for n degrees of freedom.
func (o SolveOptions) Validate(n int) error {
	switch o.Method {
	case Ridge:
		if !(o.Epsilon >= 0) {
			return fmt.Errorf("lnn: ridge epsilon must be >= 0, got %g", o.Epsilon)
		}
	case PInv:
		if n > 2 {
			return fmt.Errorf("lnn: the pseudo-inverse solve supports 1 or 2 degrees of freedom, got %d (use Ridge)", n)
		}
		if !(o.RCond >= 0 && o.RCond < 1) {
			return fmt.Errorf("lnn: pinv rcond must be in [0, 1), got %g", o.RCond)
		}
	default:
		return fmt.Errorf("lnn: unknown solve method %d", int(o.Method))
	}
	if n < 1 {
		return fmt.Errorf("lnn: need at least one degree of freedom, got %d", n)
	}
	return nil
}

// Accelerations solves the Euler-Lagrange equations for q̈ given the Derivatives of L and q̇
// (batch, n):
//
//	Hvv q̈ = ∂L/∂q − Hvq q̇.
//
// It returns q̈ (batch, n) and rcond (batch), the reciprocal condition number of the (symmetrised,
// regularised) Hvv: min|λ|/max|λ| for 1 and 2 DoF, min|pivot|/max|pivot| of the elimination otherwise.
// A sample with rcond below ~1e-7 (float32) has a numerically singular Hessian: its q̈ is meaningless
// with Ridge(ε = 0) and truncated with PInv. Options must have passed Validate (graph-building code
// panics otherwise).
func Accelerations(d Derivatives, qdot *Node, opts SolveOptions) (qdd, rcond *Node) {
	n := qdot.Shape().Dim(1)
	if err := opts.Validate(n); err != nil {
		exceptions.Panicf("lnn.Accelerations: %v", err)
	}
	// rhs_i = ∂L/∂qᵢ − Σ_k Hvq[i,k] q̇_k
	hq := ReduceSum(Mul(d.Hvq, InsertAxes(qdot, 1)), 2)
	rhs := Sub(d.DLdq, hq)
	if n <= 2 {
		return solveSmall(d.Hvv, rhs, n, opts)
	}
	return solveGaussJordan(d.Hvv, rhs, n, opts.Epsilon)
}

// elem returns h[:, i, j] as (batch).
func elem(h *Node, i, j int) *Node {
	return Reshape(Slice(h, AxisRange(), AxisElem(i), AxisElem(j)), h.Shape().Dim(0))
}

// col returns v[:, i] as (batch).
func col(v *Node, i int) *Node {
	return Reshape(Slice(v, AxisRange(), AxisElem(i)), v.Shape().Dim(0))
}

// solveSmall solves 1x1 and 2x2 symmetric systems in closed form.
func solveSmall(h, rhs *Node, n int, opts SolveOptions) (qdd, rcond *Node) {
	g := h.Graph()
	dt := h.DType()
	eps := Scalar(g, dt, opts.Epsilon)
	if opts.Method == PInv {
		eps = ScalarZero(g, dt)
	}
	rc := opts.RCond
	if rc == 0 {
		rc = 1e-6
	}
	tiny := Scalar(g, dt, 1e-30)
	if n == 1 {
		a := Add(elem(h, 0, 0), eps)
		r := col(rhs, 0)
		var x *Node
		if opts.Method == PInv {
			ok := GreaterThan(Abs(a), tiny)
			x = Where(ok, Div(r, Where(ok, a, OnesLike(a))), ZerosLike(a))
		} else {
			x = Div(r, a)
		}
		return Reshape(x, x.Shape().Dim(0), 1), OnesLike(a)
	}
	a := Add(elem(h, 0, 0), eps)
	c := Add(elem(h, 1, 1), eps)
	b := MulScalar(Add(elem(h, 0, 1), elem(h, 1, 0)), 0.5) // symmetrise
	r0, r1 := col(rhs, 0), col(rhs, 1)
	// Eigenvalues of [[a b][b c]]: m ± s.
	m := MulScalar(Add(a, c), 0.5)
	hd := MulScalar(Sub(a, c), 0.5)
	s := Sqrt(Add(Add(Square(hd), Square(b)), tiny))
	lp, lm := Add(m, s), Sub(m, s)
	maxAbs := Max(Abs(lp), Abs(lm))
	minAbs := Min(Abs(lp), Abs(lm))
	rcond = Div(minAbs, Add(maxAbs, tiny))
	if opts.Method == Ridge {
		det := Sub(Mul(a, c), Square(b))
		x0 := Div(Sub(Mul(c, r0), Mul(b, r1)), det)
		x1 := Div(Sub(Mul(a, r1), Mul(b, r0)), det)
		return Stack([]*Node{x0, x1}, 1), rcond
	}
	// Pseudo-inverse: Σ (1/λ) v vᵀ over the eigenvalues kept; the projectors are
	// P+ = (H − λ−I)/(2s), P− = (λ+I − H)/(2s).
	cut := MulScalar(maxAbs, rc)
	inv := func(l *Node) *Node {
		ok := GreaterThan(Abs(l), Max(cut, tiny))
		return Where(ok, Reciprocal(Where(ok, l, OnesLike(l))), ZerosLike(l))
	}
	ip, im := inv(lp), inv(lm)
	twoS := MulScalar(s, 2)
	// H r, then pinv r = (ip (H r − λ− r) + im (λ+ r − H r)) / (2s).
	hr0 := Add(Mul(a, r0), Mul(b, r1))
	hr1 := Add(Mul(b, r0), Mul(c, r1))
	x0 := Div(Add(Mul(ip, Sub(hr0, Mul(lm, r0))), Mul(im, Sub(Mul(lp, r0), hr0))), twoS)
	x1 := Div(Add(Mul(ip, Sub(hr1, Mul(lm, r1))), Mul(im, Sub(Mul(lp, r1), hr1))), twoS)
	// Degenerate eigenvalues (s ≈ 0, H ≈ mI): pinv = (1/m) I.
	degenerate := LessThan(s, MulScalar(Add(maxAbs, tiny), 1e-7))
	x0 = Where(degenerate, Mul(inv(m), r0), x0)
	x1 = Where(degenerate, Mul(inv(m), r1), x1)
	return Stack([]*Node{x0, x1}, 1), rcond
}

// solveGaussJordan solves (H + εI) x = r for n > 2 by Gauss-Jordan elimination without pivoting,
// unrolled in the graph (n is small).
func solveGaussJordan(h, rhs *Node, n int, epsilon float64) (qdd, rcond *Node) {
	a := make([][]*Node, n)
	r := make([]*Node, n)
	for i := range n {
		a[i] = make([]*Node, n)
		for j := range n {
			a[i][j] = elem(h, i, j)
			if i == j {
				a[i][j] = AddScalar(a[i][j], epsilon)
			}
		}
		r[i] = col(rhs, i)
	}
	var minP, maxP *Node
	for k := range n {
		p := a[k][k]
		if minP == nil {
			minP, maxP = Abs(p), Abs(p)
		} else {
			minP, maxP = Min(minP, Abs(p)), Max(maxP, Abs(p))
		}
		for i := range n {
			if i == k {
				continue
			}
			f := Div(a[i][k], p)
			for j := k; j < n; j++ {
				a[i][j] = Sub(a[i][j], Mul(f, a[k][j]))
			}
			r[i] = Sub(r[i], Mul(f, r[k]))
		}
	}
	x := make([]*Node, n)
	for i := range n {
		x[i] = Div(r[i], a[i][i])
	}
	return Stack(x, 1), Div(minP, AddScalar(maxP, 1e-30))
}

// MinEigenRatio returns λ_min / max|λ| of the symmetrised Hvv (batch, n, n), for n = 1 or 2: in
// [−1, 1], positive when Hvv is positive-definite (as the mass matrix of a physical Lagrangian is),
// near 0 when singular and negative when indefinite. Train penalises small values (HessianPenalty).
func MinEigenRatio(hvv *Node) *Node {
	n := hvv.Shape().Dim(1)
	if n == 1 {
		a := elem(hvv, 0, 0)
		return Sign(a)
	}
	if n != 2 {
		exceptions.Panicf("lnn.MinEigenRatio: supports 1 or 2 DoF, got %d", n)
	}
	tiny := Scalar(hvv.Graph(), hvv.DType(), 1e-30)
	a, c := elem(hvv, 0, 0), elem(hvv, 1, 1)
	b := MulScalar(Add(elem(hvv, 0, 1), elem(hvv, 1, 0)), 0.5)
	m := MulScalar(Add(a, c), 0.5)
	s := Sqrt(Add(Add(Square(MulScalar(Sub(a, c), 0.5)), Square(b)), tiny))
	lp, lm := Add(m, s), Sub(m, s)
	return Div(lm, Add(Max(Abs(lp), Abs(lm)), tiny))
}
