package ode_test

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// TestDormandPrinceAccuracy checks the dense output at Saveat times against the analytic solutions for
// several tolerances: the global error must be within 10× the tolerance and shrink with it.
func TestDormandPrinceAccuracy(t *testing.T) {
	saves := make([]float64, 101)
	for i := range saves {
		saves[i] = 0.1 * float64(i)
	}
	for _, ctrl := range []ode.Controller{ode.ControllerPI, ode.ControllerStandard} {
		prev := math.Inf(1)
		for _, tol := range []float64{1e-4, 1e-6, 1e-8, 1e-10, 1e-12} {
			m := &ode.DP5{Controller: ctrl}
			o := ode.Options{RTol: tol, ATol: tol, Saveat: saves}
			s1, err := ode.Solve(ode.Problem{F: forcedDecay, Y0: []float64{1}, T1: 10}, m, o)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 10}, m, o)
			if err != nil {
				t.Fatal(err)
			}
			if s1.Len() != len(saves) || s2.Len() != len(saves) {
				t.Fatalf("got %d and %d outputs, want %d", s1.Len(), s2.Len(), len(saves))
			}
			maxErr := 0.0
			for i, ts := range saves {
				if s1.T[i] != ts {
					t.Fatalf("T[%d]=%v, want %v", i, s1.T[i], ts)
				}
				maxErr = math.Max(maxErr, math.Abs(s1.Y[i][0]-forcedDecayExact(ts)))
				maxErr = math.Max(maxErr, math.Abs(s2.Y[i][0]-math.Cos(ts)))
				maxErr = math.Max(maxErr, math.Abs(s2.Y[i][1]+math.Sin(ts)))
			}
			t.Logf("controller %d tol %g: max error %.3g, steps %d+%d, rejected %d, fevals %d",
				ctrl, tol, maxErr, s1.Stats.Steps, s2.Stats.Steps, s1.Stats.Rejected+s2.Stats.Rejected, s1.Stats.FEvals+s2.Stats.FEvals)
			if maxErr > 10*tol+1e-13 {
				t.Errorf("controller %d tol %g: max error %.3g exceeds 10·tol", ctrl, tol, maxErr)
			}
			if maxErr >= prev {
				t.Errorf("controller %d tol %g: error %.3g did not decrease (previous %.3g)", ctrl, tol, maxErr, prev)
			}
			prev = maxErr
		}
	}
}

// TestDormandPrinceEveryStep: without Saveat the solution holds every accepted step, from T0 to exactly T1.
func TestDormandPrinceEveryStep(t *testing.T) {
	sol, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 2 * math.Pi}, ode.DormandPrince(), ode.Options{RTol: 1e-9, ATol: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Len() != sol.Stats.Steps+1 {
		t.Errorf("%d points for %d steps", sol.Len(), sol.Stats.Steps)
	}
	if sol.T[0] != 0 || sol.T[sol.Len()-1] != 2*math.Pi {
		t.Errorf("time span %v..%v", sol.T[0], sol.T[sol.Len()-1])
	}
	for i := 1; i < sol.Len(); i++ {
		if !(sol.T[i] > sol.T[i-1]) {
			t.Fatalf("times not increasing at %d", i)
		}
	}
	// FSAL: 6 new evaluations per step attempt, plus the initial one and two for the initial step guess.
	if want := 6*(sol.Stats.Steps+sol.Stats.Rejected) + 2; sol.Stats.FEvals != want {
		t.Errorf("FEvals = %d, want %d", sol.Stats.FEvals, want)
	}
	_, y := sol.Final()
	near(t, "x(2π)", y[0], 1, 1e-7)
	near(t, "v(2π)", y[1], 0, 1e-7)
}

// TestDormandPrinceLorenzAgainstRK4 compares DP5 at tight tolerance with a fine-step RK4 reference on the
// chaotic Lorenz system over a short horizon.
func TestDormandPrinceLorenzAgainstRK4(t *testing.T) {
	l := systems.DefaultLorenz()
	p := l.Problem([]float64{-8, 7, 27}, 0, 2)
	ref, err := ode.Solve(p, ode.RK4(), ode.Options{Dt: 1e-4, Saveat: []float64{0.5, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	sol, err := ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: 1e-11, ATol: 1e-11, Saveat: []float64{0.5, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ref.Y {
		for j := range 3 {
			near(t, "lorenz", sol.Y[i][j], ref.Y[i][j], 1e-7*math.Max(1, math.Abs(ref.Y[i][j])))
		}
	}
}

// TestDormandPrinceStiffStepControl: on a mildly stiff linear problem the controller must reject steps
// and still meet the tolerance, and an explicit initial step is honoured.
func TestDormandPrinceStiffStepControl(t *testing.T) {
	const lambda = -500.0
	f := func(t float64, y, d []float64) { d[0] = lambda*(y[0]-math.Cos(t)) - math.Sin(t) } // y = cos t + e^{λt}·c
	sol, err := ode.Solve(ode.Problem{F: f, Y0: []float64{2}, T1: 1}, ode.DormandPrince(), ode.Options{RTol: 1e-8, ATol: 1e-8, Dt: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Stats.Rejected == 0 {
		t.Error("expected rejected steps starting from Dt=0.5")
	}
	tf, y := sol.Final()
	near(t, "y(1)", y[0], math.Cos(tf)+math.Exp(lambda*tf), 1e-7)
}

// TestDormandPrinceAllocationFree: the number of allocations does not grow with the number of steps.
func TestDormandPrinceAllocationFree(t *testing.T) {
	l := systems.DefaultLorenz()
	saves := []float64{0.1, 0.2, 0.3}
	run := func(t1 float64) float64 {
		return testing.AllocsPerRun(5, func() {
			if _, err := ode.Solve(l.Problem([]float64{1, 1, 1}, 0, t1), ode.DormandPrince(),
				ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: saves}); err != nil {
				t.Fatal(err)
			}
		})
	}
	short, long := run(0.3), run(3)
	if short != long {
		t.Errorf("allocations depend on the number of steps: %v for t1=0.3, %v for t1=3", short, long)
	}
}
