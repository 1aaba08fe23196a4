// Package ode integrates ordinary differential equations y' = f(t, y) in plain Go (float64, outside any
// GoMLX graph). Its API follows DifferentialEquations.jl's problem / method / solution split:
//
//   - a Problem holds the right-hand side F (an in-place Func), the initial state Y0, the time span
//     [T0, T1] and an optional Jacobian;
//   - a Method chooses the integrator: explicit Runge-Kutta methods from validated Butcher tableaux
//     (Euler, Heun, Ralston, Midpoint, RK4, RK38 or NewTableau), the adaptive Dormand-Prince 5(4)
//     method with dense output (DormandPrince), Adams-Bashforth of orders 1-4 (AdamsBashforth) and the
//     implicit theta method with Newton iterations (Theta, CrankNicolson, BackwardEuler);
//   - Options set the step (Dt) of fixed-step methods, the tolerances (RTol, ATol) of adaptive ones and
//     the output times (Saveat);
//   - Solve returns a Solution with the output times T, the states Y and work Stats.
//
// Fixed step, output every step:
//
//	p := ode.Problem{F: func(t float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }, Y0: []float64{1, 0}, T1: 10}
//	sol, err := ode.Solve(p, ode.RK4(), ode.Options{Dt: 0.01})
//
// Adaptive, output at given times (what scipy's odeint / solve_ivp users expect):
//
//	sol, err := ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
//	x, _ := sol.Component(0) // for plotting against sol.T
//
// Many initial conditions in parallel, reproducibly:
//
//	ics, _ := ode.UniformBox(1024, lo, hi, seed)
//	sols, err := ode.SolveBatch(p, ics, ode.DormandPrince(), opts)
//
// Errors: bad input and integration failures are returned, never panicked: they wrap sentinel errors
// (ErrNonFinite, ErrDimension, ErrStepSize, ErrTimeSpan, ErrTolerance, ErrMaxSteps, ErrNewton, ...) for
// errors.Is, and NaN/Inf values and Newton failures come as *NonFiniteError and *NewtonError with the time
// (and component) for errors.As.
//
// The integrators allocate their work buffers once per Solve; with Saveat the step loops do not allocate at
// all (without it, only the growing output slices do), so the cost of a small system is dominated by the
// right-hand side and the step arithmetic. Ready-made right-hand sides (Lorenz, Van der
// Pol, FitzHugh-Nagumo, pendulums) are in package systems.
package ode
