package systems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// Pendulum is the frictionless nonlinear pendulum θ̈ = -(G/L)·sin θ with state (θ, ω = θ').
// DefaultPendulum gives θ̈ = -sin θ, the form of Champion et al.'s pendulum example.
type Pendulum struct {
	G, L float64 // Gravity and length (L > 0).
}

// DefaultPendulum returns G = L = 1.
func DefaultPendulum() Pendulum { return Pendulum{G: 1, L: 1} }

// Dim returns 2.
func (Pendulum) Dim() int { return 2 }

// Validate checks that G is finite and L finite and positive.
func (p Pendulum) Validate() error {
	if err := finite("Pendulum", []string{"G", "L"}, p.G, p.L); err != nil {
		return err
	}
	if !(p.L > 0) {
		return fmt.Errorf("systems: Pendulum needs L > 0, got %g", p.L)
	}
	return nil
}

// RHS is the right-hand side (an ode.Func); y = (θ, ω).
func (p Pendulum) RHS(_ float64, y, dydt []float64) {
	_, _ = y[1], dydt[1]
	dydt[0] = y[1]
	dydt[1] = -(p.G / p.L) * math.Sin(y[0])
}

// Jac writes the Jacobian (an ode.Jacobian), row-major 2×2.
func (p Pendulum) Jac(_ float64, y, jac []float64) {
	_, _ = y[1], jac[3]
	jac[0], jac[1] = 0, 1
	jac[2], jac[3] = -(p.G/p.L)*math.Cos(y[0]), 0
}

// Energy returns the conserved energy per unit m·L²: ω²/2 + (G/L)(1 - cos θ) (zero at rest at the bottom).
func (p Pendulum) Energy(y []float64) float64 {
	return 0.5*y[1]*y[1] + (p.G/p.L)*(1-math.Cos(y[0]))
}

// Problem returns the initial value problem for this system (with its Jacobian) on [t0, t1].
func (p Pendulum) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: p.RHS, Jac: p.Jac, Y0: y0, T0: t0, T1: t1}
}

// ChampionPendulumICs draws n initial conditions (θ0, ω0) as in Champion et al.'s pendulum data:
// θ0 ~ U[-π, π), ω0 ~ U[-2.1, 2.1), rejecting draws with |ω0²/2 - cos θ0| > 0.99 (which keeps closed,
// non-rotating orbits of θ̈ = -sin θ). Deterministic for a given seed (PCG).
func ChampionPendulumICs(n int, seed uint64) ([][]float64, error) {
	if n < 0 {
		return nil, fmt.Errorf("systems: ChampionPendulumICs: n=%d must be >= 0", n)
	}
	r := rand.New(rand.NewPCG(seed, 0x5deece66d))
	buf := make([]float64, 2*n)
	out := make([][]float64, n)
	for i := range out {
		for {
			th := math.Pi * (2*r.Float64() - 1)
			om := 2.1 * (2*r.Float64() - 1)
			if math.Abs(om*om/2-math.Cos(th)) <= 0.99 {
				buf[2*i], buf[2*i+1] = th, om
				break
			}
		}
		out[i] = buf[2*i : 2*i+2 : 2*i+2]
	}
	return out, nil
}
