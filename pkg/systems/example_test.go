package systems_test

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// The Lorenz attractor from Champion et al.'s demo initial condition.
func ExampleLorenz() {
	l := systems.DefaultLorenz()
	sol, err := ode.Solve(l.Problem([]float64{-8, 7, 27}, 0, 20), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		panic(err)
	}
	fmt.Println(sol.Stats.Steps > 1000, l.FixedPoints()[1][2])
	// Output: true 27
}

// Energy of the LNN double pendulum along a trajectory, normalised as in the LNN paper.
func ExampleDoublePendulum() {
	d := systems.DefaultDoublePendulum()
	y0 := []float64{1, 2, 0, 0}
	sol, err := ode.Solve(d.Problem(y0, 0, 10), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		panic(err)
	}
	_, y := sol.Final()
	rel := (d.Energy(y) - d.Energy(y0)) / d.EnergyScale()
	fmt.Printf("E0 = %.4f, |relative energy error| < 1e-8: %v\n", d.Energy(y0), math.Abs(rel) < 1e-8)
	// L(q, q̇) as a plain function, e.g. to compare with a learned Lagrangian:
	fmt.Printf("L = %.4f\n", d.Lagrangian([]float64{1, 2}, []float64{0.5, -0.5}))
	// Output:
	// E0 = -6.5117, |relative energy error| < 1e-8: true
	// L = 6.7516
}

// One FitzHugh-Nagumo cell stimulated at t = 10, integrated like the LED/PACS data (Crank-Nicolson, dt = 0.5).
func ExampleFitzHughNagumo() {
	f := systems.DefaultFitzHughNagumo().WithOnset(10)
	sol, err := ode.Solve(f.Problem([]float64{0, 0}, 0, 500), ode.CrankNicolson(), ode.Options{Dt: 0.5})
	if err != nil {
		panic(err)
	}
	u, _ := sol.Component(0)
	fmt.Printf("%d snapshots, u(100) = %.2f\n", sol.Len(), u[200])
	// Output: 1001 snapshots, u(100) = 0.83
}
