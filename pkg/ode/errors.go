package ode

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps one of these, so callers can test the
// category with errors.Is.
var (
	// ErrInvalidProblem: nil right-hand side, empty initial state or non-finite T0/T1.
	ErrInvalidProblem = errors.New("ode: invalid problem")
	// ErrDimension: the right-hand side or Jacobian does not match len(Y0).
	ErrDimension = errors.New("ode: dimension mismatch")
	// ErrNonFinite: NaN or Inf in the initial state or during integration (see *NonFiniteError).
	ErrNonFinite = errors.New("ode: non-finite value")
	// ErrStepSize: a non-positive or non-finite step size.
	ErrStepSize = errors.New("ode: invalid step size")
	// ErrTimeSpan: T1 < T0.
	ErrTimeSpan = errors.New("ode: invalid time span")
	// ErrTolerance: non-positive or non-finite RTol/ATol.
	ErrTolerance = errors.New("ode: invalid tolerance")
	// ErrSaveat: output times not increasing or outside [T0, T1].
	ErrSaveat = errors.New("ode: invalid output times")
	// ErrMaxSteps: the integration needed more than Options.MaxSteps steps.
	ErrMaxSteps = errors.New("ode: maximum number of steps exceeded")
	// ErrStepTooSmall: the adaptive step size underflowed (the problem is probably singular or very stiff).
	ErrStepTooSmall = errors.New("ode: step size too small")
	// ErrNewton: Newton's method did not converge in an implicit step (see *NewtonError).
	ErrNewton = errors.New("ode: Newton iteration did not converge")
	// ErrSingular: a singular matrix in the Newton linear solve.
	ErrSingular = errors.New("ode: singular matrix")
	// ErrInvalidTableau: a Butcher tableau that fails validation.
	ErrInvalidTableau = errors.New("ode: invalid Butcher tableau")
	// ErrInvalidMethod: an invalid method configuration (e.g. Adams-Bashforth order 7, theta outside [0, 1]).
	ErrInvalidMethod = errors.New("ode: invalid method")
	// ErrPanic: the right-hand side, the Jacobian or Options.Stop panicked during the integration (see
	// *PanicError).
	ErrPanic = errors.New("ode: user function panicked")
)

// PanicError reports a panic of a user function (F, Jac or Options.Stop) during an integration, turned
// into an error by Solve and SolveBatch. It matches ErrPanic with errors.Is.
type PanicError struct {
	Value any    // The value passed to panic.
	Stack []byte // The stack of the panicking goroutine (runtime/debug.Stack), to locate the panic.
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("ode: user function (F, Jac or Stop) panicked: %v", e.Value)
}

// Unwrap returns ErrPanic, and the panic value when it is an error (a runtime error, say).
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}

// NonFiniteError reports a NaN or Inf value in the state (or its derivative) at time T, component Component.
// It matches ErrNonFinite with errors.Is.
type NonFiniteError struct {
	T         float64 // Time at which the value appeared.
	Component int     // Index of the first offending component.
	Value     float64 // The offending value (NaN, +Inf or -Inf).
	Where     string  // What was being checked, e.g. "Y0", "state", "dy/dt".
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("ode: non-finite value %v in %s component %d at t=%g", e.Value, e.Where, e.Component, e.T)
}

// Unwrap returns ErrNonFinite.
func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }

// NewtonError reports the failure of Newton's method in an implicit step ending at time T.
// It matches ErrNewton with errors.Is (and ErrSingular when the linear solve failed).
type NewtonError struct {
	T          float64 // End time of the step being solved.
	Residual   float64 // Max-norm of the nonlinear residual at the last iterate (NaN if not computed).
	Iterations int     // Iterations performed.
	Cause      error   // Optional underlying cause (e.g. ErrSingular).
}

func (e *NewtonError) Error() string {
	msg := fmt.Sprintf("ode: Newton iteration did not converge at t=%g after %d iterations (residual %.3g)", e.T, e.Iterations, e.Residual)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns ErrNewton and the cause, if any.
func (e *NewtonError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrNewton, e.Cause}
	}
	return []error{ErrNewton}
}

// firstNonFinite returns the index of the first NaN/Inf in v, or -1.
func firstNonFinite(v []float64) int {
	for i, x := range v {
		if x-x != 0 { // NaN or ±Inf
			return i
		}
	}
	return -1
}

// checkFinite returns a *NonFiniteError if v has a NaN/Inf.
func checkFinite(v []float64, t float64, where string) error {
	if i := firstNonFinite(v); i >= 0 {
		return &NonFiniteError{T: t, Component: i, Value: v[i], Where: where}
	}
	return nil
}
