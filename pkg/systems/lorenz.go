package systems

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// Lorenz is the Lorenz '63 system
//
//	x' = σ(y - x),  y' = x(ρ - z) - y,  z' = xy - βz.
//
// Use DefaultLorenz for the classic chaotic parameters.
type Lorenz struct {
	Sigma, Rho, Beta float64
}

// DefaultLorenz returns σ = 10, ρ = 28, β = 8/3 (the values of Champion et al. and most of the literature).
func DefaultLorenz() Lorenz { return Lorenz{Sigma: 10, Rho: 28, Beta: 8.0 / 3} }

// Dim returns 3.
func (Lorenz) Dim() int { return 3 }

// Validate checks that the parameters are finite.
func (l Lorenz) Validate() error {
	return finite("Lorenz", []string{"Sigma", "Rho", "Beta"}, l.Sigma, l.Rho, l.Beta)
}

// RHS is the right-hand side (an ode.Func).
func (l Lorenz) RHS(_ float64, y, dydt []float64) {
	_, _ = y[2], dydt[2]
	x, yy, z := y[0], y[1], y[2]
	dydt[0] = l.Sigma * (yy - x)
	dydt[1] = x*(l.Rho-z) - yy
	dydt[2] = x*yy - l.Beta*z
}

// Jac writes the Jacobian (an ode.Jacobian), row-major 3×3.
func (l Lorenz) Jac(_ float64, y, jac []float64) {
	_, _ = y[2], jac[8]
	x, yy, z := y[0], y[1], y[2]
	jac[0], jac[1], jac[2] = -l.Sigma, l.Sigma, 0
	jac[3], jac[4], jac[5] = l.Rho-z, -1, -x
	jac[6], jac[7], jac[8] = yy, x, -l.Beta
}

// FixedPoints returns the equilibria: the origin and, for ρ > 1 and β > 0, the two convection fixed points
// C± = (±√(β(ρ-1)), ±√(β(ρ-1)), ρ-1).
func (l Lorenz) FixedPoints() [][]float64 {
	pts := [][]float64{{0, 0, 0}}
	if c := l.Beta * (l.Rho - 1); c > 0 {
		s := math.Sqrt(c)
		pts = append(pts, []float64{s, s, l.Rho - 1}, []float64{-s, -s, l.Rho - 1})
	}
	return pts
}

// Problem returns the initial value problem for this system (with its Jacobian) on [t0, t1].
func (l Lorenz) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: l.RHS, Jac: l.Jac, Y0: y0, T0: t0, T1: t1}
}

// ChampionLorenzBox returns the box of initial conditions of Champion et al.'s SINDy-autoencoder Lorenz
// data: x ∈ [-36, 36], y ∈ [-48, 48], z ∈ [-16, 66] (that is 2·[36, 48, 41]·(U[0,1)³ - 0.5) + [0, 0, 25]).
// Their data use dt = 0.02 on t ∈ [0, 5) (250 samples) integrated with scipy's odeint.
func ChampionLorenzBox() (lo, hi []float64) {
	return []float64{-36, -48, -16}, []float64{36, 48, 66}
}

// finite returns an error naming the first non-finite parameter.
func finite(system string, names []string, vals ...float64) error {
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("systems: %s parameter %s=%g is not finite", system, names[i], v)
		}
	}
	return nil
}
