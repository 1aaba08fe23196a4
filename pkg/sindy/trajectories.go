package sindy

import (
	"fmt"
	"math"
)

// FitTrajectories fits Ξ to several trajectories at once, each with its own times, stacking the rows
// of all of them into one regression (PySINDy's fit on a list of trajectories). A trajectory's
// derivatives are its Xdot when present, else d applied to its states and times (a nil d is
// FiniteDiff{}: second-order finite differences, on non-uniform times too); its control inputs are U, required
// when the library has inputs and rejected when it has none. Every trajectory is validated first:
// shapes, increasing finite times, finite values; errors name the trajectory index.
func (m *Model) FitTrajectories(trajs []Trajectory, d Differentiator) error {
	if m.lib == nil {
		return fmt.Errorf("%w: model has no library", ErrInput)
	}
	if len(trajs) == 0 {
		return fmt.Errorf("%w: no trajectories to fit", ErrInput)
	}
	if d == nil {
		d = FiniteDiff{}
	}
	var theta, y [][]float64
	for k := range trajs {
		tr := &trajs[k]
		ts, err := checkTrajectory(m.lib, tr)
		if err != nil {
			return fmt.Errorf("sindy fit: trajectory %d: %w", k, err)
		}
		xdot := tr.Xdot
		if xdot == nil {
			if xdot, err = d.Differentiate(tr.X, ts); err != nil {
				return fmt.Errorf("sindy fit: trajectory %d: derivatives: %w", k, err)
			}
			if err := checkMatrix("estimated derivative", xdot, len(tr.X), m.lib.NumVars()); err != nil {
				return fmt.Errorf("sindy fit: trajectory %d: the differentiator returned a bad result: %w", k, err)
			}
		}
		th, err := m.lib.MatrixControl(tr.X, tr.U)
		if err != nil {
			return fmt.Errorf("sindy fit: trajectory %d: %w", k, err)
		}
		theta, y = append(theta, th...), append(y, xdot...)
	}
	return m.fitTheta(theta, y)
}

// sampleTimes returns the sample times of a trajectory: T, or k·Dt for k = 0..len(X)-1 when T
// is nil.
func sampleTimes(tr *Trajectory) []float64 {
	if tr.T != nil {
		return tr.T
	}
	ts := make([]float64, len(tr.X))
	for i := range ts {
		ts[i] = float64(i) * tr.Dt
	}
	return ts
}

// checkTrajectory validates one trajectory against a library and returns its times.
func checkTrajectory(lib *Library, tr *Trajectory) ([]float64, error) {
	n, mi := lib.NumVars(), lib.NumInputs()
	if len(tr.X) < 3 {
		return nil, fmt.Errorf("%w: %d samples (want at least 3)", ErrInput, len(tr.X))
	}
	if err := checkMatrix("state", tr.X, len(tr.X), n); err != nil {
		return nil, err
	}
	if tr.T == nil {
		if !(tr.Dt > 0) || math.IsInf(tr.Dt, 0) {
			return nil, fmt.Errorf("%w: no times T and time step Dt = %g (want Dt > 0 and finite)", ErrInput, tr.Dt)
		}
	} else {
		if len(tr.T) != len(tr.X) {
			return nil, fmt.Errorf("%w: %d times for %d samples", ErrInput, len(tr.T), len(tr.X))
		}
		for i, t := range tr.T {
			if math.IsNaN(t) || math.IsInf(t, 0) {
				return nil, fmt.Errorf("%w: time T[%d] = %g must be finite", ErrInput, i, t)
			}
			if i > 0 && !(t > tr.T[i-1]) {
				return nil, fmt.Errorf("%w: times not increasing: T[%d] = %g after T[%d] = %g", ErrInput, i, t, i-1, tr.T[i-1])
			}
		}
	}
	if tr.Xdot != nil {
		if err := checkMatrix("derivative", tr.Xdot, len(tr.X), n); err != nil {
			return nil, err
		}
	}
	switch {
	case mi > 0 && tr.U == nil:
		return nil, fmt.Errorf("%w: no control inputs U, but the library has %d inputs %q", ErrInput, mi, lib.inputs)
	case mi == 0 && tr.U != nil:
		return nil, fmt.Errorf("%w: control inputs U given, but the library has none (build it with Inputs)", ErrInput)
	case mi > 0:
		if err := checkMatrix("input", tr.U, len(tr.X), mi); err != nil {
			return nil, err
		}
	}
	return sampleTimes(tr), nil
}

// checkMatrix checks that a is rows × cols and finite; what names it in errors.
func checkMatrix(what string, a [][]float64, rows, cols int) error {
	if len(a) != rows {
		return fmt.Errorf("%w: %d %s rows, want %d", ErrInput, len(a), what, rows)
	}
	for i, r := range a {
		if len(r) != cols {
			return fmt.Errorf("%w: %s row %d has %d values, want %d", ErrInput, what, i, len(r), cols)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: %s [%d][%d] = %g must be finite", ErrInput, what, i, j, v)
			}
		}
	}
	return nil
}
