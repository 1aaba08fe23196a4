package ode

import (
	"fmt"
	"math"
)

// Defaults of ThetaMethod's Newton iteration (used when the fields are zero).
const (
	DefaultNewtonTol     = 1e-10
	DefaultNewtonMaxIter = 20
)

// ThetaMethod is the one-step theta method on a fixed grid:
//
//	y_{n+1} = y_n + h·[(1-θ)·f(t_n, y_n) + θ·f(t_{n+1}, y_{n+1})]
//
// θ = 0 is explicit Euler (order 1), θ = 1/2 Crank-Nicolson (trapezoidal rule, order 2) and θ = 1
// implicit (backward) Euler (order 1). For θ > 0 each step solves the nonlinear equation with Newton's
// method, using Problem.Jac if set and forward finite differences otherwise, and an LU factorisation
// with partial pivoting for the linear systems.
//
// The iteration stops when the Newton update or the residual, in max-norm, is at most
// Tol·(1 + ‖y_{n+1}‖∞). Failure to converge within MaxIter iterations, or a singular Newton matrix, is a
// *NewtonError (errors.Is(err, ErrNewton)).
type ThetaMethod struct {
	Theta   float64 // In [0, 1].
	Tol     float64 // Newton tolerance (0 means DefaultNewtonTol).
	MaxIter int     // Maximum Newton iterations per step (0 means DefaultNewtonMaxIter).
}

// Theta returns the theta method with the default Newton settings.
func Theta(theta float64) *ThetaMethod { return &ThetaMethod{Theta: theta} }

// CrankNicolson returns the theta method with θ = 1/2.
func CrankNicolson() *ThetaMethod { return Theta(0.5) }

// BackwardEuler returns the theta method with θ = 1 (implicit Euler).
func BackwardEuler() *ThetaMethod { return Theta(1) }

// Name returns "Theta(<theta>)".
func (m *ThetaMethod) Name() string { return fmt.Sprintf("Theta(%g)", m.Theta) }

func (m *ThetaMethod) solve(p *Problem, o *Options) (*Solution, error) {
	if !(m.Theta >= 0 && m.Theta <= 1) {
		return nil, fmt.Errorf("%w: theta=%g not in [0, 1]", ErrInvalidMethod, m.Theta)
	}
	tol, maxIter := m.Tol, m.MaxIter
	if tol == 0 {
		tol = DefaultNewtonTol
	}
	if maxIter == 0 {
		maxIter = DefaultNewtonMaxIter
	}
	if !(tol > 0) || math.IsInf(tol, 0) || maxIter < 0 {
		return nil, fmt.Errorf("%w: Newton Tol=%g and MaxIter=%d must be positive", ErrInvalidMethod, m.Tol, m.MaxIter)
	}
	n := len(p.Y0)
	var st Stats
	s := &thetaStepper{
		theta: m.Theta, tol: tol, maxIter: maxIter, f: p.F, jac: p.Jac, n: n, st: &st,
		fn: make([]float64, n), fz: make([]float64, n), ftmp: make([]float64, n), c: make([]float64, n),
		z: make([]float64, n), g: make([]float64, n), work: make([]float64, n),
		m: make([]float64, n*n), perm: make([]int, n),
	}
	return solveFixed(p, o, m.Name(), s, &st)
}

type thetaStepper struct {
	theta, tol float64
	maxIter    int
	f          Func
	jac        Jacobian
	n          int
	st         *Stats

	fn, fz, ftmp, c, z, g, work []float64
	m                           []float64
	perm                        []int
}

func (s *thetaStepper) advance(t, h float64, y []float64) error { return s.step(t, h, y, y) }

func (s *thetaStepper) partial(t, h float64, y, out []float64) error { return s.step(t, h, y, out) }

func normInf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if a := math.Abs(x); a > m || x != x {
			m = a
		}
	}
	return m
}

// step writes the theta step from (t, y) into out (out may alias y).
func (s *thetaStepper) step(t, h float64, y, out []float64) error {
	n, th := s.n, s.theta
	s.f(t, y, s.fn)
	s.st.FEvals++
	if th == 0 {
		for i := range out[:n] {
			out[i] = y[i] + h*s.fn[i]
		}
		return nil
	}
	t1 := t + h
	// G(z) = z - c - hθ f(t1, z), with c = y + h(1-θ) f(t, y). Start from the explicit Euler predictor.
	for i := 0; i < n; i++ {
		s.c[i] = y[i] + h*(1-th)*s.fn[i]
		s.z[i] = y[i] + h*s.fn[i]
	}
	hth := h * th
	res := math.NaN()
	for it := 1; it <= s.maxIter; it++ {
		s.st.NewtonIters++
		s.f(t1, s.z, s.fz)
		s.st.FEvals++
		for i := 0; i < n; i++ {
			s.g[i] = s.z[i] - s.c[i] - hth*s.fz[i]
		}
		res = normInf(s.g)
		if res != res || math.IsInf(res, 0) {
			return &NewtonError{T: t1, Residual: res, Iterations: it, Cause: checkFinite(s.g, t1, "Newton residual")}
		}
		if res <= s.tol*(1+normInf(s.z)) {
			copy(out[:n], s.z)
			return nil
		}
		// Newton matrix M = I - hθ J.
		s.jacobian(t1)
		for i := range s.m {
			s.m[i] *= -hth
		}
		for i := 0; i < n; i++ {
			s.m[i*n+i] += 1
		}
		s.st.LinearSolves++
		if err := luFactor(s.m, n, s.perm); err != nil {
			return &NewtonError{T: t1, Residual: res, Iterations: it, Cause: err}
		}
		luSolve(s.m, n, s.perm, s.g, s.g, s.work) // g <- M^{-1} G
		for i := 0; i < n; i++ {
			s.z[i] -= s.g[i]
		}
		if normInf(s.g) <= s.tol*(1+normInf(s.z)) {
			copy(out[:n], s.z)
			return nil
		}
	}
	// Report the residual at the final iterate.
	s.f(t1, s.z, s.fz)
	s.st.FEvals++
	for i := 0; i < n; i++ {
		s.g[i] = s.z[i] - s.c[i] - hth*s.fz[i]
	}
	return &NewtonError{T: t1, Residual: normInf(s.g), Iterations: s.maxIter}
}

// jacobian writes ∂f/∂y at (t1, z) into s.m (analytic or forward differences around s.fz = f(t1, z)).
func (s *thetaStepper) jacobian(t1 float64) {
	s.st.JEvals++
	n := s.n
	if s.jac != nil {
		s.jac(t1, s.z, s.m)
		return
	}
	const sqrtEps = 1.4901161193847656e-08
	for j := 0; j < n; j++ {
		zj := s.z[j]
		d := sqrtEps * math.Max(math.Abs(zj), 1)
		s.z[j] = zj + d
		d = s.z[j] - zj // exactly representable step
		s.f(t1, s.z, s.ftmp)
		s.st.FEvals++
		s.z[j] = zj
		for i := 0; i < n; i++ {
			s.m[i*n+j] = (s.ftmp[i] - s.fz[i]) / d
		}
	}
}
