package ode

import (
	"fmt"
	"math"
	"runtime/debug"
)

// Default values used when the corresponding Options field is zero.
const (
	DefaultRTol     = 1e-6      // Relative tolerance of adaptive methods when RTol and ATol are both zero.
	DefaultATol     = 1e-8      // Absolute tolerance of adaptive methods when RTol and ATol are both zero.
	DefaultMaxSteps = 1_000_000 // Step limit when Options.MaxSteps is zero.
)

// Options control a Solve call. The zero value is usable for adaptive methods; fixed-step methods need Dt.
type Options struct {
	// Dt is the step size of fixed-step methods (required, > 0). For adaptive methods it is the initial
	// step (0 selects it automatically).
	Dt float64
	// RTol and ATol are the relative and absolute tolerances of adaptive methods: the local error
	// estimate of component i is compared with ATol + RTol·|y_i|. Both zero selects DefaultRTol and
	// DefaultATol; otherwise both must be > 0. Ignored by fixed-step methods.
	RTol, ATol float64
	// DtMax bounds the step of adaptive methods (0 means T1-T0).
	DtMax float64
	// Saveat lists the output times: strictly increasing, within [T0, T1]. If empty, the solution holds
	// T0 and every step (accepted steps for adaptive methods), ending at T1.
	// Adaptive methods use the method's dense output between steps. Fixed-step methods keep their grid
	// T0 + k·Dt and reach an off-grid time with one extra partial step from the previous grid point (with
	// the method itself, or RK4 for Adams-Bashforth) that does not disturb the grid trajectory.
	Saveat []float64
	// MaxSteps bounds the number of steps (0 means DefaultMaxSteps). Exceeding it is ErrMaxSteps.
	MaxSteps int
	// Workers is the number of goroutines of SolveBatch (0 means runtime.NumCPU()). Ignored by Solve.
	Workers int
	// Stop (optional) sees the state after every accepted step; when it returns true the integration
	// ends there, without an error: the solution holds the outputs up to that time (the stopping state
	// too, when it is an output time or Saveat is empty) and Solution.Stopped is set. Use it to end a
	// simulation that leaves the region of interest (a blow-up) before it overflows. SolveBatch calls
	// it from several goroutines at once.
	Stop func(t float64, y []float64) bool
}

// Method is an integration method: *Tableau (explicit Runge-Kutta), *DP5 (adaptive Dormand-Prince),
// *AdamsBashforthMethod or *ThetaMethod. Methods hold only configuration and can be shared between
// goroutines. The interface is sealed (it has an unexported method); new explicit Runge-Kutta methods are
// added with NewTableau.
type Method interface {
	// Name identifies the method, e.g. "RK4" or "DormandPrince5(4)".
	Name() string
	// solve integrates a validated problem with validated options.
	solve(p *Problem, o *Options) (*Solution, error)
}

// Solve integrates the problem with the given method and options. It validates everything first (see
// Problem.Validate) and returns an error (never panics) on bad input or integration failure.
//
//	sol, err := ode.Solve(p, ode.RK4(), ode.Options{Dt: 0.01})
//	sol, err := ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
func Solve(p Problem, m Method, o Options) (sol *Solution, err error) {
	if m == nil {
		return nil, fmt.Errorf("%w: method is nil", ErrInvalidMethod)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := o.validate(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Name(), err)
	}
	defer func() {
		if r := recover(); r != nil {
			sol, err = nil, fmt.Errorf("%s: %w", m.Name(), &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	sol, err = m.solve(&p, &o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Name(), err)
	}
	return sol, nil
}

// validate checks the method-independent options.
func (o *Options) validate(p *Problem) error {
	if math.IsNaN(o.Dt) || math.IsInf(o.Dt, 0) || o.Dt < 0 {
		return fmt.Errorf("%w: Dt=%g", ErrStepSize, o.Dt)
	}
	if math.IsNaN(o.DtMax) || math.IsInf(o.DtMax, 0) || o.DtMax < 0 {
		return fmt.Errorf("%w: DtMax=%g", ErrStepSize, o.DtMax)
	}
	if o.MaxSteps < 0 {
		return fmt.Errorf("%w: MaxSteps=%d must be >= 0", ErrMaxSteps, o.MaxSteps)
	}
	if o.Workers < 0 {
		return fmt.Errorf("ode: Workers=%d must be >= 0", o.Workers)
	}
	for i, s := range o.Saveat {
		switch {
		case math.IsNaN(s) || math.IsInf(s, 0):
			return fmt.Errorf("%w: Saveat[%d]=%g is not finite", ErrSaveat, i, s)
		case i > 0 && s <= o.Saveat[i-1]:
			return fmt.Errorf("%w: Saveat not strictly increasing at index %d (%g after %g)", ErrSaveat, i, s, o.Saveat[i-1])
		case s < p.T0 || s > p.T1:
			return fmt.Errorf("%w: Saveat[%d]=%g outside [T0, T1]=[%g, %g]", ErrSaveat, i, s, p.T0, p.T1)
		}
	}
	return nil
}

// tolerances returns the adaptive tolerances (with defaults) or an error.
func (o *Options) tolerances() (rtol, atol float64, err error) {
	if o.RTol == 0 && o.ATol == 0 {
		return DefaultRTol, DefaultATol, nil
	}
	bad := func(v float64) bool { return !(v > 0) || math.IsInf(v, 0) }
	if bad(o.RTol) || bad(o.ATol) {
		return 0, 0, fmt.Errorf("%w: RTol=%g and ATol=%g must both be > 0 and finite (or both zero for the defaults %g, %g)",
			ErrTolerance, o.RTol, o.ATol, DefaultRTol, DefaultATol)
	}
	return o.RTol, o.ATol, nil
}

func (o *Options) maxSteps() int {
	if o.MaxSteps == 0 {
		return DefaultMaxSteps
	}
	return o.MaxSteps
}
