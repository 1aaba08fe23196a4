package systems

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// DoublePendulum is the planar double pendulum of point masses M1, M2 on massless rods L1, L2 under
// gravity G, with angles measured from the downward vertical. The state is (θ1, θ2, ω1, ω2). The
// accelerations are the closed form used by Cranmer et al.'s Lagrangian Neural Networks code
// (experiment_dblpend/physics.py, after Diego Assencio's derivation). Use DefaultDoublePendulum for their
// parameters. No analytic Jacobian is provided: implicit methods use finite differences.
type DoublePendulum struct {
	M1, M2, L1, L2, G float64
}

// DefaultDoublePendulum returns m1 = m2 = l1 = l2 = 1, g = 9.8.
func DefaultDoublePendulum() DoublePendulum {
	return DoublePendulum{M1: 1, M2: 1, L1: 1, L2: 1, G: 9.8}
}

// Dim returns 4.
func (DoublePendulum) Dim() int { return 4 }

// Validate checks that masses and lengths are positive and all parameters finite.
func (d DoublePendulum) Validate() error {
	if err := finite("DoublePendulum", []string{"M1", "M2", "L1", "L2", "G"}, d.M1, d.M2, d.L1, d.L2, d.G); err != nil {
		return err
	}
	if !(d.M1 > 0 && d.M2 > 0 && d.L1 > 0 && d.L2 > 0) {
		return fmt.Errorf("systems: DoublePendulum needs positive masses and lengths, got M1=%g M2=%g L1=%g L2=%g", d.M1, d.M2, d.L1, d.L2)
	}
	return nil
}

// Accel returns the angular accelerations (θ̈1, θ̈2) at angles (t1, t2) and angular velocities (w1, w2).
func (d DoublePendulum) Accel(t1, t2, w1, w2 float64) (a1, a2 float64) {
	s, c := math.Sincos(t1 - t2)
	mr := d.M2 / (d.M1 + d.M2)
	alpha1 := (d.L2 / d.L1) * mr * c
	alpha2 := (d.L1 / d.L2) * c
	f1 := -(d.L2/d.L1)*mr*w2*w2*s - (d.G/d.L1)*math.Sin(t1)
	f2 := (d.L1/d.L2)*w1*w1*s - (d.G/d.L2)*math.Sin(t2)
	den := 1 - alpha1*alpha2
	return (f1 - alpha1*f2) / den, (f2 - alpha2*f1) / den
}

// RHS is the right-hand side (an ode.Func); y = (θ1, θ2, ω1, ω2).
func (d DoublePendulum) RHS(_ float64, y, dydt []float64) {
	_, _ = y[3], dydt[3]
	a1, a2 := d.Accel(y[0], y[1], y[2], y[3])
	dydt[0], dydt[1], dydt[2], dydt[3] = y[2], y[3], a1, a2
}

// KineticQ returns the kinetic energy at angles q = (θ1, θ2) and angular velocities qdot = (ω1, ω2):
// T = ½m1(l1ω1)² + ½m2[(l1ω1)² + (l2ω2)² + 2 l1 l2 ω1 ω2 cos(θ1 - θ2)].
func (d DoublePendulum) KineticQ(q, qdot []float64) float64 {
	w1, w2 := qdot[0], qdot[1]
	v1 := d.L1 * w1
	return 0.5*d.M1*v1*v1 + 0.5*d.M2*(v1*v1+d.L2*d.L2*w2*w2+2*d.L1*d.L2*w1*w2*math.Cos(q[0]-q[1]))
}

// PotentialQ returns the potential energy V = m1 g y1 + m2 g y2 with y1 = -l1 cos θ1, y2 = y1 - l2 cos θ2
// (zero at the pivot height; -EnergyScale() at rest hanging down).
func (d DoublePendulum) PotentialQ(q []float64) float64 {
	y1 := -d.L1 * math.Cos(q[0])
	y2 := y1 - d.L2*math.Cos(q[1])
	return d.M1*d.G*y1 + d.M2*d.G*y2
}

// Lagrangian returns L(q, q̇) = T - V.
func (d DoublePendulum) Lagrangian(q, qdot []float64) float64 {
	return d.KineticQ(q, qdot) - d.PotentialQ(q)
}

// Kinetic returns the kinetic energy of the state (θ1, θ2, ω1, ω2).
func (d DoublePendulum) Kinetic(y []float64) float64 { return d.KineticQ(y[:2], y[2:4]) }

// Potential returns the potential energy of the state (θ1, θ2, ω1, ω2).
func (d DoublePendulum) Potential(y []float64) float64 { return d.PotentialQ(y[:2]) }

// Energy returns the total energy T + V of the state (θ1, θ2, ω1, ω2).
func (d DoublePendulum) Energy(y []float64) float64 { return d.Kinetic(y) + d.Potential(y) }

// EnergyScale returns max|V| = g(m1 l1 + m2(l1 + l2)) (29.4 for the defaults), the normaliser of the LNN
// paper's energy error |E_pred - E_true| / 29.4.
func (d DoublePendulum) EnergyScale() float64 { return d.G * (d.M1*d.L1 + d.M2*(d.L1+d.L2)) }

// Positions returns the Cartesian positions of the two bobs (pivot at the origin, y up) for plotting.
func (d DoublePendulum) Positions(y []float64) (x1, y1, x2, y2 float64) {
	s1, c1 := math.Sincos(y[0])
	s2, c2 := math.Sincos(y[1])
	x1, y1 = d.L1*s1, -d.L1*c1
	return x1, y1, x1 + d.L2*s2, y1 - d.L2*c2
}

// Problem returns the initial value problem for this system on [t0, t1] (no analytic Jacobian).
func (d DoublePendulum) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: d.RHS, Y0: y0, T0: t0, T1: t1}
}
