package ode_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

func wantErr(t *testing.T, err, target error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error matching %v, got nil", target)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %q does not match %v", err, target)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not mention %q", err, c)
		}
	}
}

func TestErrorNonFiniteY0(t *testing.T) {
	l := systems.DefaultLorenz()
	_, err := ode.Solve(l.Problem([]float64{1, math.NaN(), 1}, 0, 1), ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrNonFinite, "Y0", "component 1")
	var nf *ode.NonFiniteError
	if !errors.As(err, &nf) || nf.Component != 1 || nf.T != 0 {
		t.Errorf("NonFiniteError = %+v", nf)
	}
	_, err = ode.Solve(l.Problem([]float64{math.Inf(-1), 0, 1}, 0, 1), ode.DormandPrince(), ode.Options{})
	wantErr(t, err, ode.ErrNonFinite, "component 0")
}

// nanAfter returns a 2-D Func whose second derivative component becomes NaN for t > tBad.
func nanAfter(tBad float64) ode.Func {
	return func(t float64, y, d []float64) {
		d[0], d[1] = -y[0], 0
		if t > tBad {
			d[1] = math.NaN()
		}
	}
}

func TestErrorNonFiniteDuringIntegration(t *testing.T) {
	p := ode.Problem{F: nanAfter(0.5), Y0: []float64{1, 1}, T1: 1}
	for _, m := range []ode.Method{ode.Euler(), ode.RK4(), ode.AdamsBashforth(3), ode.Theta(0)} {
		_, err := ode.Solve(p, m, ode.Options{Dt: 0.1})
		wantErr(t, err, ode.ErrNonFinite, "component 1", m.Name())
		var nf *ode.NonFiniteError
		if !errors.As(err, &nf) || nf.Component != 1 || nf.T < 0.5 || nf.T > 0.71 {
			t.Errorf("%s: NonFiniteError = %+v, want component 1 at t in [0.5, 0.7]", m.Name(), nf)
		}
	}
	// Adaptive: the trial steps are rejected until the step size underflows at t = 0.5.
	_, err := ode.Solve(p, ode.DormandPrince(), ode.Options{})
	wantErr(t, err, ode.ErrNonFinite, "component 1")
	if !errors.Is(err, ode.ErrStepTooSmall) {
		t.Errorf("error %q should also match ErrStepTooSmall", err)
	}
	var nf *ode.NonFiniteError
	if !errors.As(err, &nf) || math.Abs(nf.T-0.5) > 1e-6 {
		t.Errorf("NonFiniteError = %+v, want t ≈ 0.5", nf)
	}
	// Blow-up y' = y² from y(0)=1 (singular at t=1) with a fixed step.
	blow := func(_ float64, y, d []float64) { d[0] = y[0] * y[0] }
	_, err = ode.Solve(ode.Problem{F: blow, Y0: []float64{1}, T1: 2}, ode.Euler(), ode.Options{Dt: 0.05})
	wantErr(t, err, ode.ErrNonFinite, "component 0")
}

func TestErrorStepSize(t *testing.T) {
	p := ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1}
	for _, dt := range []float64{0, -0.1, math.NaN(), math.Inf(1)} {
		_, err := ode.Solve(p, ode.RK4(), ode.Options{Dt: dt})
		wantErr(t, err, ode.ErrStepSize, "Dt")
	}
	_, err := ode.Solve(p, ode.DormandPrince(), ode.Options{DtMax: -1})
	wantErr(t, err, ode.ErrStepSize, "DtMax")
}

func TestErrorDimension(t *testing.T) {
	l := systems.DefaultLorenz()
	// Too short: the RHS indexes out of range (recovered, reported as a dimension error).
	_, err := ode.Solve(ode.Problem{F: l.RHS, Y0: []float64{1, 2}, T1: 1}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrDimension, "len(Y0)=2")
	// Too long: the RHS leaves dy/dt[3] unwritten.
	_, err = ode.Solve(ode.Problem{F: l.RHS, Y0: []float64{1, 2, 3, 4}, T1: 1}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrDimension, "dy/dt[3]")
	// Jacobian of the wrong size.
	vdp := systems.DefaultVanDerPol()
	_, err = ode.Solve(ode.Problem{F: l.RHS, Jac: vdp.Jac, Y0: []float64{1, 2, 3}, T1: 1}, ode.BackwardEuler(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrDimension, "Jac")
	// Solution.Component out of range.
	sol, err := ode.Solve(l.Problem([]float64{1, 2, 3}, 0, 0.1), ode.RK4(), ode.Options{Dt: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sol.Component(3)
	wantErr(t, err, ode.ErrDimension)
}

func TestErrorTimeSpanAndProblem(t *testing.T) {
	_, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T0: 1, T1: 0}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrTimeSpan, "T1=0", "T0=1")
	_, err = ode.Solve(ode.Problem{Y0: []float64{1}, T1: 1}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrInvalidProblem, "F is nil")
	_, err = ode.Solve(ode.Problem{F: oscillator, T1: 1}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrInvalidProblem, "Y0 is empty")
	_, err = ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: math.Inf(1)}, ode.RK4(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrInvalidProblem, "finite")
	_, err = ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1}, nil, ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrInvalidMethod)
	// T1 == T0 is allowed and returns the initial state.
	sol, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T0: 2, T1: 2}, ode.DormandPrince(), ode.Options{})
	if err != nil || sol.Len() != 1 || sol.T[0] != 2 || sol.Y[0][0] != 1 {
		t.Errorf("empty span: %v, %+v", err, sol)
	}
}

func TestErrorTolerance(t *testing.T) {
	p := ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1}
	for _, o := range []ode.Options{{RTol: -1e-6, ATol: 1e-6}, {RTol: 1e-6}, {ATol: 1e-6}, {RTol: math.NaN(), ATol: 1}, {RTol: 1e-6, ATol: math.Inf(1)}} {
		_, err := ode.Solve(p, ode.DormandPrince(), o)
		wantErr(t, err, ode.ErrTolerance, "RTol")
	}
}

func TestErrorMaxSteps(t *testing.T) {
	l := systems.DefaultLorenz()
	_, err := ode.Solve(l.Problem([]float64{1, 1, 1}, 0, 5), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, MaxSteps: 20})
	wantErr(t, err, ode.ErrMaxSteps, "MaxSteps=20")
	_, err = ode.Solve(l.Problem([]float64{1, 1, 1}, 0, 5), ode.RK4(), ode.Options{Dt: 0.01, MaxSteps: 100})
	wantErr(t, err, ode.ErrMaxSteps, "MaxSteps=100")
	_, err = ode.Solve(l.Problem([]float64{1, 1, 1}, 0, 5), ode.RK4(), ode.Options{Dt: 0.01, MaxSteps: -1})
	wantErr(t, err, ode.ErrMaxSteps)
}

func TestErrorSaveat(t *testing.T) {
	p := ode.Problem{F: oscillator, Y0: []float64{1, 0}, T0: 0, T1: 1}
	for _, s := range [][]float64{{0.5, 0.2}, {0.5, 0.5}, {-0.1, 0.5}, {0.5, 1.5}, {math.NaN()}} {
		for _, m := range []ode.Method{ode.RK4(), ode.DormandPrince()} {
			_, err := ode.Solve(p, m, ode.Options{Dt: 0.1, Saveat: s})
			wantErr(t, err, ode.ErrSaveat, "Saveat")
		}
	}
}

func TestErrorInvalidMethod(t *testing.T) {
	p := ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1}
	o := ode.Options{Dt: 0.1}
	for _, m := range []ode.Method{ode.AdamsBashforth(0), ode.AdamsBashforth(5), ode.Theta(-0.1), ode.Theta(1.5),
		ode.Theta(math.NaN()), &ode.ThetaMethod{Theta: 1, Tol: -1}, &ode.Tableau{}, &ode.DP5{Safety: 2}, &ode.DP5{Controller: 7}} {
		_, err := ode.Solve(p, m, o)
		wantErr(t, err, ode.ErrInvalidMethod)
	}
}

func TestErrorNewton(t *testing.T) {
	// Backward Euler on a stiff nonlinear Van der Pol with a single Newton iteration cannot converge.
	vdp := systems.VanDerPol{Mu: 50}
	m := &ode.ThetaMethod{Theta: 1, MaxIter: 1, Tol: 1e-12}
	_, err := ode.Solve(vdp.Problem([]float64{2, 0}, 0, 1), m, ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrNewton, "t=0.1", "residual", "1 iterations")
	var ne *ode.NewtonError
	if !errors.As(err, &ne) || ne.T != 0.1 || !(ne.Residual > 0) {
		t.Errorf("NewtonError = %+v", ne)
	}
	// The default settings converge on the same problem.
	if _, err := ode.Solve(vdp.Problem([]float64{2, 0}, 0, 1), ode.BackwardEuler(), ode.Options{Dt: 0.1}); err != nil {
		t.Errorf("default Newton settings: %v", err)
	}
	// Singular Newton matrix: f(y) = y/(hθ) makes I - hθJ = 0.
	lin := func(_ float64, y, d []float64) { d[0] = 10 * y[0] }
	_, err = ode.Solve(ode.Problem{F: lin, Y0: []float64{1}, T1: 1}, ode.BackwardEuler(), ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrNewton, "t=0.1")
	if !errors.Is(err, ode.ErrSingular) {
		t.Errorf("error %q should match ErrSingular", err)
	}
}
