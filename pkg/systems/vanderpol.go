package systems

import (
	"fmt"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// VanDerPol is the Van der Pol oscillator in Liénard form, as used by the LED/PACS report (eq. 6.1):
//
//	x' = μ(x - x³/3 - y),  y' = x/μ.
//
// Eliminating y gives the classic ẍ - μ(1 - x²)ẋ + x = 0. Use DefaultVanDerPol for μ = 1.
type VanDerPol struct {
	Mu float64 // Nonzero.
}

// DefaultVanDerPol returns μ = 1.
func DefaultVanDerPol() VanDerPol { return VanDerPol{Mu: 1} }

// Dim returns 2.
func (VanDerPol) Dim() int { return 2 }

// Validate checks that μ is finite and nonzero.
func (v VanDerPol) Validate() error {
	if err := finite("VanDerPol", []string{"Mu"}, v.Mu); err != nil {
		return err
	}
	if v.Mu == 0 {
		return fmt.Errorf("systems: VanDerPol needs Mu != 0 (the Liénard form divides by it)")
	}
	return nil
}

// RHS is the right-hand side (an ode.Func).
func (v VanDerPol) RHS(_ float64, y, dydt []float64) {
	_, _ = y[1], dydt[1]
	x, w := y[0], y[1]
	dydt[0] = v.Mu * (x - x*x*x/3 - w)
	dydt[1] = x / v.Mu
}

// Jac writes the Jacobian (an ode.Jacobian), row-major 2×2.
func (v VanDerPol) Jac(_ float64, y, jac []float64) {
	_, _ = y[1], jac[3]
	x := y[0]
	jac[0], jac[1] = v.Mu*(1-x*x), -v.Mu
	jac[2], jac[3] = 1/v.Mu, 0
}

// Problem returns the initial value problem for this system (with its Jacobian) on [t0, t1].
func (v VanDerPol) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: v.RHS, Jac: v.Jac, Y0: y0, T0: t0, T1: t1}
}
