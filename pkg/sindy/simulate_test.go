package sindy

import (
	"errors"
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// riccati is ż = z², which from z(0) = 1 is 1/(1 - t): it blows up at t = 1.
func riccati(t *testing.T) *Model {
	t.Helper()
	lib := NewLibrary(1).Polynomial(2).MustLibrary()
	m, err := FromCoefficients(lib, [][]float64{{0}, {0}, {1}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func outputTimes(n int, t1 float64) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = t1 * float64(i) / float64(n-1)
	}
	return ts
}

// TestSimulateBlowUp: a model that blows up stops with a *BlowUpError at the blow-up time and
// returns the states integrated so far, which are the exact solution 1/(1 - t).
func TestSimulateBlowUp(t *testing.T) {
	m := riccati(t)
	ts := outputTimes(201, 2)
	check := func(name string, out [][]float64, err error, tmin, tmax float64, cause bool) {
		t.Helper()
		var be *BlowUpError
		if !errors.As(err, &be) || !errors.Is(err, ErrBlowUp) {
			t.Fatalf("%s: err = %v, want a *BlowUpError", name, err)
		}
		if be.T < tmin || be.T > tmax || (be.Cause != nil) != cause {
			t.Errorf("%s: blew up at t=%g (want in [%g, %g]), cause %v", name, be.T, tmin, tmax, be.Cause)
		}
		if len(out) == 0 || len(out) >= len(ts) {
			t.Fatalf("%s: %d of %d outputs, want a partial trajectory", name, len(out), len(ts))
		}
		for i, z := range out {
			if ts[i] > be.T {
				t.Errorf("%s: output %d at t=%g after the blow-up time %g", name, i, ts[i], be.T)
			}
			if w := 1 / (1 - ts[i]); math.Abs(z[0]-w) > 1e-6*w {
				t.Errorf("%s: z(%g) = %g, want %g", name, ts[i], z[0], w)
			}
		}
	}
	// Default bound 1e6·max(1, |z0|): z reaches 1e6 at t = 1 - 1e-6.
	out, err := m.Simulate([]float64{1}, ts)
	check("default bound", out, err, 1-2e-6, 1, false)
	var be *BlowUpError
	errors.As(err, &be)
	if !(be.Norm > 1e6) || be.Bound != 1e6 {
		t.Errorf("norm %g, bound %g: want norm > bound = 1e6", be.Norm, be.Bound)
	}
	if len(out) != 100 { // ts[99] = 0.99 < 1 ≤ ts[100]
		t.Errorf("%d outputs before the blow-up, want 100", len(out))
	}
	// A bound of 10: z = 10 at t = 0.9.
	out, err = m.SimulateWith([]float64{1}, ts, SimOptions{Bound: 10})
	check("bound 10", out, err, 0.9, 0.95, false)
	// No bound: the integrator fails near t = 1 (non-finite trial states or step underflow); the
	// partial trajectory is still returned.
	out, err = m.SimulateWith([]float64{1}, ts, SimOptions{Bound: math.Inf(1)})
	check("no bound", out, err, 0.999, 1, true)
	// Fixed-step RK4 with Dt 0.01 overshoots to huge values: stopped by the bound.
	out, err = m.SimulateWith([]float64{1}, ts, SimOptions{Method: ode.RK4(), Dt: 0.01, Bound: 100})
	var rk *BlowUpError
	if !errors.As(err, &rk) || rk.T < 0.98 || rk.T > 1.1 || len(out) == 0 {
		t.Errorf("RK4: %d outputs, err %v", len(out), err)
	}
	// A stable model runs to the end.
	stable, _ := FromCoefficients(NewLibrary(1).Polynomial(2).MustLibrary(), [][]float64{{0}, {-1}, {0}})
	out, err = stable.Simulate([]float64{3}, ts)
	if err != nil || len(out) != len(ts) || math.Abs(out[200][0]-3*math.Exp(-2)) > 1e-8 {
		t.Errorf("stable model: %d outputs, err %v", len(out), err)
	}
}
