package ode_test

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// TestFixedStepConvergenceOrder measures the max global error on [0, 2] of y' = -y + sin t for halving step
// sizes and checks the log-log slope against each method's nominal order.
func TestFixedStepConvergenceOrder(t *testing.T) {
	cases := []struct {
		m     ode.Method
		order float64
		dt0   float64
	}{
		{ode.Euler(), 1, 0.02},
		{ode.Heun(), 2, 0.04},
		{ode.Ralston(), 2, 0.04},
		{ode.Midpoint(), 2, 0.04},
		{ode.RK4(), 4, 0.1},
		{ode.RK38(), 4, 0.1},
		{ode.AdamsBashforth(1), 1, 0.02},
		{ode.AdamsBashforth(2), 2, 0.04},
		{ode.AdamsBashforth(3), 3, 0.04},
		{ode.AdamsBashforth(4), 4, 0.05},
		{ode.Theta(0), 1, 0.02},
		{ode.Theta(1), 1, 0.02},
		{ode.Theta(0.5), 2, 0.04},
	}
	const T = 2.0
	for _, c := range cases {
		t.Run(c.m.Name(), func(t *testing.T) {
			var dts, errs []float64
			for k := 0; k < 4; k++ {
				dt := c.dt0 / math.Pow(2, float64(k))
				p := ode.Problem{F: forcedDecay, Jac: forcedDecayJac, Y0: []float64{1}, T0: 0, T1: T}
				sol, err := ode.Solve(p, c.m, ode.Options{Dt: dt})
				if err != nil {
					t.Fatal(err)
				}
				tf, _ := sol.Final()
				if tf != T {
					t.Fatalf("final time %v, want %v", tf, T)
				}
				if want := int(math.Round(T/dt)) + 1; sol.Len() != want {
					t.Fatalf("got %d output points, want %d", sol.Len(), want)
				}
				maxErr := 0.0 // max-norm of the global error over the grid
				for i, ti := range sol.T {
					maxErr = math.Max(maxErr, math.Abs(sol.Y[i][0]-forcedDecayExact(ti)))
				}
				dts = append(dts, dt)
				errs = append(errs, maxErr)
			}
			p := slope(dts, errs)
			t.Logf("errors %.3g, slope %.3f", errs, p)
			if math.Abs(p-c.order) > 0.2 {
				t.Errorf("observed order %.3f, want %v ± 0.2 (errors %v)", p, c.order, errs)
			}
		})
	}
}

// TestThetaConvergenceOscillator checks the theta method's orders on a 2-D linear system, with the Newton
// Jacobian by finite differences (no Jac given).
func TestThetaConvergenceOscillator(t *testing.T) {
	for _, c := range []struct{ theta, order float64 }{{0, 1}, {0.5, 2}, {1, 1}} {
		var dts, errs []float64
		for k := 0; k < 4; k++ {
			dt := 0.02 / math.Pow(2, float64(k))
			sol, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 3}, ode.Theta(c.theta), ode.Options{Dt: dt})
			if err != nil {
				t.Fatal(err)
			}
			_, y := sol.Final()
			dts = append(dts, dt)
			errs = append(errs, math.Hypot(y[0]-math.Cos(3), y[1]+math.Sin(3)))
			if c.theta > 0 && sol.Stats.JEvals == 0 {
				t.Errorf("theta=%v: no Jacobian evaluations recorded", c.theta)
			}
		}
		if p := slope(dts, errs); math.Abs(p-c.order) > 0.2 {
			t.Errorf("theta=%v: observed order %.3f, want %v", c.theta, p, c.order)
		}
	}
}

// TestCrankNicolsonConservesOscillatorNorm: the trapezoidal rule is a Cayley transform for linear
// skew-symmetric systems, so x²+v² is conserved up to the Newton tolerance.
func TestCrankNicolsonConservesOscillatorNorm(t *testing.T) {
	sol, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 50}, ode.CrankNicolson(), ode.Options{Dt: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for i, y := range sol.Y {
		if r := y[0]*y[0] + y[1]*y[1]; math.Abs(r-1) > 1e-9 {
			t.Fatalf("step %d: x²+v² = %.15g", i, r)
		}
	}
}

// TestFixedStepSaveat checks output at off-grid times (partial steps) against the exact solution and
// that the grid trajectory itself is not disturbed by them.
func TestFixedStepSaveat(t *testing.T) {
	saves := []float64{0, 0.005, 0.333, 1, 1.2345}
	for _, m := range []ode.Method{ode.RK4(), ode.AdamsBashforth(4), ode.Theta(0.5)} {
		p := ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1.2345}
		sol, err := ode.Solve(p, m, ode.Options{Dt: 0.01, Saveat: saves})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Len() != len(saves) {
			t.Fatalf("%s: %d outputs, want %d", m.Name(), sol.Len(), len(saves))
		}
		tol := 1e-8
		if m.Name() == "Theta(0.5)" {
			tol = 1e-4
		}
		for i, ts := range sol.T {
			if ts != saves[i] {
				t.Errorf("%s: T[%d]=%v, want %v", m.Name(), i, ts, saves[i])
			}
			near(t, m.Name()+" x", sol.Y[i][0], math.Cos(ts), tol)
			near(t, m.Name()+" v", sol.Y[i][1], -math.Sin(ts), tol)
		}
		// Output at t=1 must be the grid value, identical to a run without the off-grid saves.
		ref, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 1}, m, ode.Options{Dt: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if _, y := ref.Final(); y[0] != sol.Y[3][0] || y[1] != sol.Y[3][1] {
			t.Errorf("%s: grid value at t=1 changed by off-grid output: %v vs %v", m.Name(), sol.Y[3], y)
		}
	}
}

// TestFixedStepPartialFinalStep: T1 not a multiple of Dt ends with a short step landing exactly on T1.
func TestFixedStepPartialFinalStep(t *testing.T) {
	sol, err := ode.Solve(ode.Problem{F: forcedDecay, Y0: []float64{1}, T1: 1.05}, ode.RK4(), ode.Options{Dt: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Len() != 12 || sol.T[10] != 1.0 || sol.T[11] != 1.05 {
		t.Fatalf("times %v", sol.T)
	}
	near(t, "y(1.05)", sol.Y[11][0], forcedDecayExact(1.05), 1e-6)
	// Champion-style grid: 4.98/0.02 is 248.99999999999997 in floating point; the grid must still have 250 points.
	sol, err = ode.Solve(ode.Problem{F: forcedDecay, Y0: []float64{1}, T1: 4.98}, ode.RK4(), ode.Options{Dt: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Len() != 250 || sol.T[249] != 4.98 {
		t.Fatalf("got %d points ending at %v, want 250 ending at 4.98", sol.Len(), sol.T[sol.Len()-1])
	}
}
