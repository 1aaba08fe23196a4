package systems

import "github.com/dynlearn/dynlearn/pkg/ode"

// Stimulus constants of the LED/PACS FitzHugh-Nagumo grid generator: a node at distance d from the firing
// point is stimulated during [d/FHNStimulusSpeed, d/FHNStimulusSpeed + FHNStimulusDuration).
const (
	FHNStimulusSpeed    = 5e-3
	FHNStimulusDuration = 2.0
)

// FitzHughNagumo is the single-cell FitzHugh-Nagumo model of the LED/PACS report (eq. 7.1):
//
//	u' = K·u(u - α)(1 - u) - w + I_app(t),   w' = ε(u - γw),
//
// with the stimulus I_app(t) = IApp for TBegin <= t < TEnd and 0 otherwise. u is the adimensional membrane
// potential and w the recovery variable; (0, 0) is an equilibrium, so a cell at rest only fires when
// stimulated. Use DefaultFitzHughNagumo for the report's parameters.
type FitzHughNagumo struct {
	K, Alpha, Eps, Gamma float64
	IApp                 float64 // Stimulus intensity.
	TBegin, TEnd         float64 // Stimulus window [TBegin, TEnd).
}

// DefaultFitzHughNagumo returns K = 8, α = 0.15, ε = 0.01, γ = 0.1, I_app = 0.125 with the stimulus on
// during [0, FHNStimulusDuration) (the report's generator shifts the window per grid node: see WithOnset).
func DefaultFitzHughNagumo() FitzHughNagumo {
	return FitzHughNagumo{K: 8, Alpha: 0.15, Eps: 0.01, Gamma: 0.1, IApp: 0.125, TBegin: 0, TEnd: FHNStimulusDuration}
}

// WithOnset returns a copy with the stimulus window [onset, onset + FHNStimulusDuration), as for a grid node
// at distance d from the firing point with onset = d / FHNStimulusSpeed.
func (f FitzHughNagumo) WithOnset(onset float64) FitzHughNagumo {
	f.TBegin, f.TEnd = onset, onset+FHNStimulusDuration
	return f
}

// Dim returns 2.
func (FitzHughNagumo) Dim() int { return 2 }

// Validate checks that the parameters are finite.
func (f FitzHughNagumo) Validate() error {
	return finite("FitzHughNagumo", []string{"K", "Alpha", "Eps", "Gamma", "IApp", "TBegin", "TEnd"}, f.K, f.Alpha, f.Eps, f.Gamma, f.IApp, f.TBegin, f.TEnd)
}

// Stimulus returns I_app(t).
func (f FitzHughNagumo) Stimulus(t float64) float64 {
	if t >= f.TBegin && t < f.TEnd {
		return f.IApp
	}
	return 0
}

// RHS is the right-hand side (an ode.Func); y = (u, w).
func (f FitzHughNagumo) RHS(t float64, y, dydt []float64) {
	_, _ = y[1], dydt[1]
	u, w := y[0], y[1]
	dydt[0] = f.K*u*(u-f.Alpha)*(1-u) - w + f.Stimulus(t)
	dydt[1] = f.Eps * (u - f.Gamma*w)
}

// Jac writes the Jacobian (an ode.Jacobian), row-major 2×2.
func (f FitzHughNagumo) Jac(_ float64, y, jac []float64) {
	_, _ = y[1], jac[3]
	u := y[0]
	// d/du [K u (u-α)(1-u)] = K(-3u² + 2(1+α)u - α)
	jac[0], jac[1] = f.K*(-3*u*u+2*(1+f.Alpha)*u-f.Alpha), -1
	jac[2], jac[3] = f.Eps, -f.Eps*f.Gamma
}

// Problem returns the initial value problem for this system (with its Jacobian) on [t0, t1].
func (f FitzHughNagumo) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: f.RHS, Jac: f.Jac, Y0: y0, T0: t0, T1: t1}
}
