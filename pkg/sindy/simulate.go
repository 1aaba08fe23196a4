package sindy

import (
	"errors"
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// ErrBlowUp is matched (errors.Is) by every *BlowUpError.
var ErrBlowUp = errors.New("sindy: simulation blew up")

// DefaultBlowUpFactor sets the default blow-up bound of a simulation: the Euclidean norm of the
// state may not exceed DefaultBlowUpFactor·max(1, ‖z0‖).
const DefaultBlowUpFactor = 1e6

// BlowUpError reports a simulation that stopped early because the state left the bound, or because
// the integrator could not continue (a non-finite trial state, a step size that underflowed, the step
// limit): the usual end of a learned model that is unstable. It matches ErrBlowUp and, when set,
// Cause with errors.Is.
type BlowUpError struct {
	T     float64 // Time of the last state integrated.
	Norm  float64 // Euclidean norm of that state.
	Bound float64 // The norm bound of the simulation.
	Cause error   // The integrator's error when it failed before the bound was reached, else nil.
}

func (e *BlowUpError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("sindy: simulation blew up at t=%g (‖z‖ = %.4g, bound %.4g): the integrator stopped: %v", e.T, e.Norm, e.Bound, e.Cause)
	}
	return fmt.Sprintf("sindy: simulation blew up at t=%g: ‖z‖ = %.4g exceeds the bound %.4g", e.T, e.Norm, e.Bound)
}

// Unwrap returns ErrBlowUp and Cause.
func (e *BlowUpError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrBlowUp, e.Cause}
	}
	return []error{ErrBlowUp}
}

// SimOptions configure SimulateWith. The zero value is Simulate's behaviour.
type SimOptions struct {
	// U gives the control inputs at time t (NumInputs() finite values); required for a model with
	// inputs, and only allowed for one.
	U func(t float64) []float64
	// Bound on the Euclidean norm of the state; the simulation stops with a *BlowUpError when a step
	// exceeds it. 0 means DefaultBlowUpFactor·max(1, ‖z0‖); +Inf disables the check.
	Bound float64
	// Method integrates the model (nil: ode.DormandPrince() with RTol and ATol).
	Method ode.Method
	// RTol and ATol of an adaptive method (both 0: 1e-9, like scipy's odeint with tight tolerances).
	RTol, ATol float64
	// Dt is the step of a fixed-step Method (e.g. ode.RK4()), or the initial step of an adaptive one.
	Dt float64
}

// Simulate integrates the discovered model from z0 and returns the states at the times ts
// (increasing, ts[0] is the time of z0), with the adaptive Dormand-Prince method of package ode
// (rtol = atol = 1e-9). See SimulateWith for the contract when the model blows up.
func (m *Model) Simulate(z0, ts []float64) ([][]float64, error) {
	return m.SimulateWith(z0, ts, SimOptions{})
}

// SimulateControl is Simulate for a model with control inputs: u(t) gives the NumInputs() inputs
// at time t.
func (m *Model) SimulateControl(z0, ts []float64, u func(t float64) []float64) ([][]float64, error) {
	if u == nil {
		return nil, fmt.Errorf("%w: SimulateControl with a nil input function", ErrInput)
	}
	return m.SimulateWith(z0, ts, SimOptions{U: u})
}

// SimulateWith integrates the model from z0 and returns out, where out[i] is the state at ts[i].
//
// When the model blows up (the state's norm exceeds the bound, or the integrator cannot continue
// because trial states become non-finite or the step size underflows), it returns the states
// integrated so far, out[i] for the ts[i] up to the blow-up time (len(out) < len(ts); out may be
// empty), together with a *BlowUpError naming the time and the state's norm. Any other error
// returns a nil out.
func (m *Model) SimulateWith(z0, ts []float64, o SimOptions) ([][]float64, error) {
	p, err := m.predictor()
	if err != nil {
		return nil, fmt.Errorf("sindy simulate: %w", err)
	}
	if len(z0) != p.n {
		return nil, fmt.Errorf("%w: initial state has %d values, want %d", ErrInput, len(z0), p.n)
	}
	for j, v := range z0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: initial state z0[%d] = %g must be finite", ErrInput, j, v)
		}
	}
	if len(ts) < 2 {
		return nil, fmt.Errorf("%w: simulate needs at least 2 output times, got %d", ErrInput, len(ts))
	}
	switch {
	case p.m > 0 && o.U == nil:
		return nil, fmt.Errorf("%w: the model has %d control inputs %q; simulate it with SimulateControl", ErrInput, p.m, m.lib.inputs)
	case p.m == 0 && o.U != nil:
		return nil, fmt.Errorf("%w: an input function for a model without control inputs", ErrInput)
	case math.IsNaN(o.Bound) || o.Bound < 0:
		return nil, fmt.Errorf("%w: blow-up bound %g must be > 0 (0 for the default, +Inf for none)", ErrInput, o.Bound)
	}
	bound := o.Bound
	if bound == 0 {
		bound = DefaultBlowUpFactor * math.Max(1, norm2(z0))
	}
	var uErr error
	s := make([]float64, len(p.plan.ops))
	w := make([]float64, p.n+p.m)
	f := func(t float64, z, dz []float64) {
		copy(w, z)
		if p.m > 0 {
			u := o.U(t)
			if err := checkInput(u, p.m, t); err != nil {
				if uErr == nil {
					uErr = err
				}
				for j := range dz {
					dz[j] = math.NaN()
				}
				return
			}
			copy(w[p.n:], u)
		}
		p.eval(w, dz, s)
	}
	if p.m > 0 {
		if err := checkInput(o.U(ts[0]), p.m, ts[0]); err != nil {
			return nil, err
		}
	}
	method := o.Method
	rtol, atol := o.RTol, o.ATol
	if method == nil {
		method = ode.DormandPrince()
		if rtol == 0 && atol == 0 {
			rtol, atol = 1e-9, 1e-9
		}
	}
	lastT, lastNorm, blown := ts[0], norm2(z0), false
	opts := ode.Options{RTol: rtol, ATol: atol, Dt: o.Dt, Saveat: ts, Stop: func(t float64, y []float64) bool {
		nrm := norm2(y)
		if !(nrm <= bound) {
			blown = true
		}
		lastT, lastNorm = t, nrm
		return blown
	}}
	prob := ode.Problem{F: f, Y0: append([]float64(nil), z0...), T0: ts[0], T1: ts[len(ts)-1]}
	sol, err := ode.Solve(prob, method, opts)
	if uErr != nil {
		return nil, fmt.Errorf("sindy simulate: %w", uErr)
	}
	var bErr *BlowUpError
	switch {
	case err == nil && sol.Stopped && blown:
		bErr = &BlowUpError{T: lastT, Norm: lastNorm, Bound: bound}
	case errors.Is(err, ode.ErrNonFinite) || errors.Is(err, ode.ErrStepTooSmall) || errors.Is(err, ode.ErrMaxSteps):
		// The solver failed after its last accepted step at lastT: integrate again (deterministically
		// the same steps) and stop there, to return what was integrated.
		bErr = &BlowUpError{T: lastT, Norm: lastNorm, Bound: bound, Cause: err}
		stopAt := lastT
		opts.Stop = func(t float64, _ []float64) bool { return t >= stopAt }
		sol = nil
		if stopAt > ts[0] {
			sol, err = ode.Solve(prob, method, opts)
			if err != nil {
				return nil, fmt.Errorf("sindy simulate: %w (and %w)", bErr, err)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("sindy simulate: %w", err)
	}
	var out [][]float64
	if sol != nil {
		out = make([][]float64, sol.Len())
		for i := range out {
			out[i] = append([]float64(nil), sol.At(i)...)
		}
	} else {
		out = [][]float64{append([]float64(nil), z0...)}
	}
	if bErr != nil {
		return out, bErr
	}
	return out, nil
}

func checkInput(u []float64, m int, t float64) error {
	if len(u) != m {
		return fmt.Errorf("%w: the input function returned %d values at t=%g, want %d", ErrInput, len(u), t, m)
	}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: the input function returned u[%d] = %g at t=%g (must be finite)", ErrInput, i, v, t)
		}
	}
	return nil
}

func norm2(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
