package ode

import (
	"math"
	"testing"
)

// TestStopEndsTheIntegration: y' = y from 1 reaches 10 at t = ln 10; Stop at y > 10 ends every
// method there without an error, and a Stop that never fires changes nothing.
func TestStopEndsTheIntegration(t *testing.T) {
	p := Problem{F: func(_ float64, y, dy []float64) { dy[0] = y[0] }, Y0: []float64{1}, T1: 5}
	stop := func(_ float64, y []float64) bool { return y[0] > 10 }
	for _, tc := range []struct {
		m  Method
		o  Options
		dt float64 // largest step
	}{
		{RK4(), Options{Dt: 0.01}, 0.01},
		{RK4(), Options{Dt: 0.01, Saveat: []float64{0.5, 1, 2, 2.3, 2.31, 3, 4}}, 0.01},
		{DormandPrince(), Options{RTol: 1e-9, ATol: 1e-9, DtMax: 0.05}, 0.05},
		{BackwardEuler(), Options{Dt: 0.001}, 0.001},
	} {
		o := tc.o
		o.Stop = stop
		sol, err := Solve(p, tc.m, o)
		if err != nil {
			t.Fatalf("%s: %v", tc.m.Name(), err)
		}
		tl, yl := sol.Final()
		if !sol.Stopped {
			t.Errorf("%s: Stopped not set", tc.m.Name())
		}
		if n := sol.Len(); len(tc.o.Saveat) == 0 && (!(yl[0] > 10) || sol.Y[n-2][0] > 10 || math.Abs(tl-math.Log(10)) > 2*tc.dt) {
			t.Errorf("%s: stopped at t=%g y=%g (before: %g), want the first step past y=10, near ln 10", tc.m.Name(), tl, yl[0], sol.Y[n-2][0])
		}
		if len(tc.o.Saveat) > 0 {
			// Outputs up to the stop: 0.5, 1, 2, 2.3 (y(2.31) = 10.07 is past the stop at the grid point 2.31).
			if want := []float64{0.5, 1, 2, 2.3, 2.31}; len(sol.T) != len(want) || sol.T[len(sol.T)-1] != 2.31 {
				t.Errorf("%s with Saveat: outputs at %v, want %v", tc.m.Name(), sol.T, want)
			}
		}
		o.Stop = func(float64, []float64) bool { return false }
		full, err := Solve(p, tc.m, o)
		ref, err2 := Solve(p, tc.m, tc.o)
		if err != nil || err2 != nil || full.Stopped || full.Len() != ref.Len() {
			t.Errorf("%s: a Stop that never fires changed the solution (%d vs %d points, %v, %v)", tc.m.Name(), full.Len(), ref.Len(), err, err2)
		}
	}
}
