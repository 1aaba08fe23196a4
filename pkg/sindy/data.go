package sindy

// Trajectory is one sampled trajectory of a system: its sample times (or a uniform step), the states
// and, optionally, their time derivatives and the control inputs applied at each sample. A data set
// is a []Trajectory; each trajectory keeps its own times, so trajectories of different lengths and
// steps can be fitted together.
type Trajectory struct {
	T    []float64   // sample times, increasing; nil means uniform sampling every Dt from 0
	Dt   float64     // uniform time step, used when T is nil
	X    [][]float64 // samples × state variables
	Xdot [][]float64 // optional: samples × state variables; estimated with a Differentiator when nil
	U    [][]float64 // optional: samples × control inputs (SINDYc)
}

// Optimizer finds a sparse coefficient matrix Ξ (features × targets) with Θ Ξ ≈ Y, where theta is
// m × p and y is m × q. STLSQ, SR3 and the ensemble wrapper implement it; a new optimizer only
// writes this method.
type Optimizer interface {
	Fit(theta, y [][]float64) ([][]float64, error)
}

// Differentiator estimates the time derivatives of the samples x (samples × variables) taken at the
// increasing times t. Finite differences, Savitzky-Golay smoothing, spectral and total-variation
// differentiation implement it.
type Differentiator interface {
	Differentiate(x [][]float64, t []float64) ([][]float64, error)
}
