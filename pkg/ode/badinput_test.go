package ode_test

import (
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// TestSolveBatchPanickingRHS: a right-hand side that panics after its first call (the call of
// Problem.Validate succeeds) must not end the process from SolveBatch's worker goroutines; the error
// names the trajectory and the panic value.
func TestSolveBatchPanickingRHS(t *testing.T) {
	y0s := [][]float64{{1}, {2}, {3}, {4}}
	for _, workers := range []int{1, 3} {
		var calls atomic.Int64
		p := ode.Problem{T0: 0, T1: 1, F: func(t float64, y, dydt []float64) {
			// Validate probes each trajectory once at T0; trajectory y0=3 panics in its integration.
			calls.Add(1)
			if t > 0.25 && y[0] > 2.5*math.Exp(-t) && y[0] < 3.5*math.Exp(-t) {
				panic("rhs exploded")
			}
			dydt[0] = -y[0]
		}}
		_, err := ode.SolveBatch(p, y0s, ode.RK4(), ode.Options{Dt: 0.1, Workers: workers})
		if err == nil {
			t.Fatalf("workers=%d (%d calls): SolveBatch with a panicking right-hand side returned no error", workers, calls.Load())
		}
		if !errors.Is(err, ode.ErrPanic) {
			t.Errorf("workers=%d: error %v does not wrap ErrPanic", workers, err)
		}
		for _, want := range []string{"trajectory 2", "rhs exploded"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("workers=%d: error %q does not contain %q", workers, err, want)
			}
		}
		var pe *ode.PanicError
		if !errors.As(err, &pe) || len(pe.Stack) == 0 {
			t.Errorf("workers=%d: error %v is not a *PanicError with a stack", workers, err)
		}
	}
}

// TestSolvePanickingRHS: Solve turns a panic of the right-hand side after its first call into an
// error too (a runtime error stays visible to errors.As).
func TestSolvePanickingRHS(t *testing.T) {
	calls := 0
	p := ode.Problem{Y0: []float64{1}, T0: 0, T1: 1, F: func(_ float64, y, dydt []float64) {
		calls++
		if calls > 1 {
			var s []float64
			_ = s[calls] // index out of range
		}
		dydt[0] = -y[0]
	}}
	_, err := ode.Solve(p, ode.DormandPrince(), ode.Options{})
	if !errors.Is(err, ode.ErrPanic) || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("Solve with a panicking right-hand side: %v, want an ErrPanic naming the runtime error", err)
	}
}

// TestBadInputODE feeds Solve and SolveBatch bad problems and options and checks that each gives an
// error naming the offending argument.
func TestBadInputODE(t *testing.T) {
	decay := func(_ float64, y, dydt []float64) { dydt[0] = -y[0] }
	good := ode.Problem{F: decay, Y0: []float64{1}, T0: 0, T1: 1}
	with := func(f func(*ode.Problem)) ode.Problem { p := good; f(&p); return p }
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name string
		p    ode.Problem
		m    ode.Method
		o    ode.Options
		want string
	}{
		{"nil F", with(func(p *ode.Problem) { p.F = nil }), ode.RK4(), ode.Options{Dt: 0.1}, "F is nil"},
		{"empty Y0", with(func(p *ode.Problem) { p.Y0 = nil }), ode.RK4(), ode.Options{Dt: 0.1}, "Y0"},
		{"NaN Y0", with(func(p *ode.Problem) { p.Y0 = []float64{nan} }), ode.RK4(), ode.Options{Dt: 0.1}, "Y0"},
		{"Inf Y0", with(func(p *ode.Problem) { p.Y0 = []float64{inf} }), ode.RK4(), ode.Options{Dt: 0.1}, "Y0"},
		{"NaN T1", with(func(p *ode.Problem) { p.T1 = nan }), ode.RK4(), ode.Options{Dt: 0.1}, "T1"},
		{"Inf T0", with(func(p *ode.Problem) { p.T0 = -inf }), ode.RK4(), ode.Options{Dt: 0.1}, "T0"},
		{"backwards", with(func(p *ode.Problem) { p.T1 = -1 }), ode.RK4(), ode.Options{Dt: 0.1}, "T1"},
		{"nil method", good, nil, ode.Options{Dt: 0.1}, "method"},
		{"negative Dt", good, ode.RK4(), ode.Options{Dt: -0.1}, "Dt"},
		{"NaN Dt", good, ode.RK4(), ode.Options{Dt: nan}, "Dt"},
		{"Inf DtMax", good, ode.DormandPrince(), ode.Options{DtMax: inf}, "DtMax"},
		{"negative MaxSteps", good, ode.RK4(), ode.Options{Dt: 0.1, MaxSteps: -1}, "MaxSteps"},
		{"negative Workers", good, ode.RK4(), ode.Options{Dt: 0.1, Workers: -2}, "Workers"},
		{"NaN Saveat", good, ode.RK4(), ode.Options{Dt: 0.1, Saveat: []float64{nan}}, "Saveat"},
		{"Saveat outside", good, ode.RK4(), ode.Options{Dt: 0.1, Saveat: []float64{2}}, "Saveat"},
		{"wrong dimension", with(func(p *ode.Problem) { p.Y0 = []float64{1, 2} }), ode.RK4(), ode.Options{Dt: 0.1}, "dy/dt[1]"},
	}
	for _, c := range cases {
		_, err := ode.Solve(c.p, c.m, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Solve, %s: error %v, want one naming %q", c.name, err, c.want)
		}
		y0 := c.p.Y0
		_, err = ode.SolveBatch(c.p, [][]float64{{0.5}, y0}, c.m, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SolveBatch, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
}
