package ode

import (
	"fmt"
	"math"
)

// Func is an in-place right-hand side dy/dt = f(t, y): it must write all len(y) entries of dydt and must
// not keep references to y or dydt. SolveBatch calls it from several goroutines at once, so it must be
// safe for concurrent use (pure functions of their arguments, like the systems package's, are).
type Func func(t float64, y, dydt []float64)

// Jacobian writes the Jacobian ∂f/∂y of a Func at (t, y) into jac, row-major n×n:
// jac[i*n+j] = ∂f_i/∂y_j. Same concurrency rules as Func.
type Jacobian func(t float64, y []float64, jac []float64)

// Problem is an initial value problem y' = F(t, y), y(T0) = Y0, integrated forward to T1.
type Problem struct {
	F   Func      // Right-hand side (required).
	Y0  []float64 // Initial state (required, finite). Not modified by the solvers.
	T0  float64   // Initial time.
	T1  float64   // Final time, T1 >= T0.
	Jac Jacobian  // Optional Jacobian, used by implicit methods (finite differences otherwise).
}

// Dim returns the dimension of the state, len(Y0).
func (p *Problem) Dim() int { return len(p.Y0) }

// Validate checks the problem: F set, Y0 non-empty and finite, T0/T1 finite with T1 >= T0, and that F (and
// Jac, if set) work with len(Y0) components. For the last check it calls F (and Jac) once at (T0, Y0):
// a panic inside them (typically an index out of range) or an unwritten output component is reported
// as ErrDimension.
func (p *Problem) Validate() error {
	if p.F == nil {
		return fmt.Errorf("%w: F is nil", ErrInvalidProblem)
	}
	n := len(p.Y0)
	if n == 0 {
		return fmt.Errorf("%w: Y0 is empty", ErrInvalidProblem)
	}
	if math.IsNaN(p.T0) || math.IsInf(p.T0, 0) || math.IsNaN(p.T1) || math.IsInf(p.T1, 0) {
		return fmt.Errorf("%w: T0=%g and T1=%g must be finite", ErrInvalidProblem, p.T0, p.T1)
	}
	if p.T1 < p.T0 {
		return fmt.Errorf("%w: T1=%g < T0=%g (only forward integration is supported)", ErrTimeSpan, p.T1, p.T0)
	}
	if err := checkFinite(p.Y0, p.T0, "Y0"); err != nil {
		return err
	}
	dydt := make([]float64, n)
	if err := p.probeF(dydt); err != nil {
		return err
	}
	if err := checkFinite(dydt, p.T0, "dy/dt at Y0"); err != nil {
		return err
	}
	if p.Jac != nil {
		jac := make([]float64, n*n)
		if err := p.probeJac(jac); err != nil {
			return err
		}
	}
	return nil
}

func (p *Problem) probeF(dydt []float64) (err error) {
	for i := range dydt {
		dydt[i] = math.NaN()
	}
	y := append([]float64(nil), p.Y0...) // protect Y0 from a misbehaving F
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: F panicked with len(Y0)=%d: %v", ErrDimension, len(p.Y0), r)
		}
	}()
	p.F(p.T0, y, dydt)
	for i, v := range dydt {
		if math.IsNaN(v) {
			// Either F did not write it (F is for a smaller system) or it produced a NaN.
			return fmt.Errorf("%w: F left dy/dt[%d] unset or NaN at t=%g with len(Y0)=%d (F for a smaller system?)",
				ErrDimension, i, p.T0, len(p.Y0))
		}
	}
	return nil
}

func (p *Problem) probeJac(jac []float64) (err error) {
	for i := range jac {
		jac[i] = math.NaN()
	}
	n := len(p.Y0)
	y := append([]float64(nil), p.Y0...)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: Jac panicked with len(Y0)=%d (expects a %d×%d row-major buffer): %v", ErrDimension, n, n, n, r)
		}
	}()
	p.Jac(p.T0, y, jac)
	for i, v := range jac {
		if math.IsNaN(v) {
			return fmt.Errorf("%w: Jac left entry (%d,%d) unset or NaN at t=%g with len(Y0)=%d",
				ErrDimension, i/n, i%n, p.T0, n)
		}
	}
	return nil
}
