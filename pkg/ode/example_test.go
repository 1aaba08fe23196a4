package ode_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Fixed-step RK4 on the harmonic oscillator ẍ = -x.
func ExampleSolve() {
	p := ode.Problem{
		F:  func(t float64, y, dydt []float64) { dydt[0], dydt[1] = y[1], -y[0] },
		Y0: []float64{1, 0},
		T1: math.Pi,
	}
	sol, err := ode.Solve(p, ode.RK4(), ode.Options{Dt: 0.01})
	if err != nil {
		panic(err)
	}
	t, y := sol.Final()
	fmt.Printf("%d points; x(%.4f) = %.6f, |v| < 1e-6: %v\n", sol.Len(), t, y[0], math.Abs(y[1]) < 1e-6)
	// Output: 316 points; x(3.1416) = -1.000000, |v| < 1e-6: true
}

// Adaptive Dormand-Prince with output at requested times, as in Champion et al.'s Lorenz data.
func ExampleSolve_dormandPrince() {
	lorenz := systems.DefaultLorenz()
	ts := make([]float64, 250) // np.arange(0, 5, 0.02)
	for i := range ts {
		ts[i] = 0.02 * float64(i)
	}
	sol, err := ode.Solve(lorenz.Problem([]float64{-8, 7, 27}, 0, ts[len(ts)-1]), ode.DormandPrince(),
		ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		panic(err)
	}
	z, _ := sol.Component(2)
	fmt.Printf("%d outputs, z(0.5) = %.4f\n", sol.Len(), z[25])
	// Output: 250 outputs, z(0.5) = 36.6956
}

// Implicit Crank-Nicolson (theta = 1/2) on the Van der Pol oscillator with its analytic Jacobian.
func ExampleTheta() {
	vdp := systems.DefaultVanDerPol()
	sol, err := ode.Solve(vdp.Problem([]float64{1, 1}, 0, 25), ode.Theta(0.5), ode.Options{Dt: 0.1})
	if err != nil {
		panic(err)
	}
	fmt.Println(sol.Len(), "points,", sol.Method)
	// Output: 251 points, Theta(0.5)
}

// A custom explicit method from its Butcher tableau.
func ExampleNewTableau() {
	ssprk3, err := ode.NewTableau("SSPRK3",
		[][]float64{{0, 0, 0}, {1, 0, 0}, {0.25, 0.25, 0}},
		[]float64{1.0 / 6, 1.0 / 6, 2.0 / 3},
		[]float64{0, 1, 0.5})
	fmt.Println(ssprk3.Stages(), err)
	_, err = ode.NewTableau("bad", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.6}, []float64{0, 1})
	fmt.Println(errors.Is(err, ode.ErrInvalidTableau))
	// Output:
	// 3 <nil>
	// true
}

// Many trajectories in parallel from reproducible random initial conditions.
func ExampleSolveBatch() {
	lorenz := systems.DefaultLorenz()
	lo, hi := systems.ChampionLorenzBox()
	ics, _ := ode.UniformBox(8, lo, hi, 1)
	sols, err := ode.SolveBatch(lorenz.Problem(nil, 0, 1), ics, ode.DormandPrince(), ode.Options{RTol: 1e-8, ATol: 1e-8})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(sols), sols[3].Y[0][0] == ics[3][0])
	// Output: 8 true
}
