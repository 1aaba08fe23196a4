package sindy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Weak configures weak-form SINDy (WSINDy, Messenger & Bortz 2021; PySINDy's WeakPDELibrary for
// ODEs). Instead of differentiating the noisy states, each equation ẋ_j = Θ(x) ξ_j is multiplied
// by test functions φ_k and integrated by parts over their support [a_k, b_k]; φ_k vanishes at
// both ends, so
//
//	-∫ φ_k'(t) x_j(t) dt = ∫ φ_k(t) Θ(x(t)) dt · ξ_j,   k = 1..K per trajectory,
//
// a linear system for Ξ with no derivative of the data, whose noise the integrals average out.
// The test functions are the bumps
//
//	φ_k(t) = C_k ((t - a_k)(b_k - t))^Power on [a_k, b_k], 0 elsewhere
//
// (Power 2 is the quartic bump), each supported on a window of Width consecutive samples,
// [a_k, b_k] = [t_s, t_{s+Width-1}], and scaled to ∫φ_k dt = 1, so that each weak equation reads
// "the φ_k-weighted average of ẋ_j equals the average of Θ(x)·ξ_j": the rows have the scale of
// the pointwise equations, and a ridge penalty or threshold means what it means in classical SINDy.
// (Without the scaling the rows shrink with the window length and the ridge of STLSQ visibly
// biases the coefficients.) The integrals, including ∫φ_k, are trapezoid sums over the window's
// samples, so non-uniform times are fine. The Windows windows of a trajectory of N samples start at
// s_k = ⌊k (N - Width)/(Windows - 1)⌋ (spread uniformly, first and last window at the ends) or, with
// Random, at starts drawn uniformly from 0..N-Width by a PCG generator seeded with Seed. Zero fields
// take the defaults of DefaultWeak.
type Weak struct {
	Windows int    // test functions per trajectory; 0 means 100 (fewer if the trajectory is short)
	Width   int    // samples in each window, ≥ 3; 0 means 201
	Power   int    // exponent p of the bump ((t-a)(b-t))^p, ≥ 1; 0 means 2 (quartic)
	Random  bool   // place the windows at random instead of uniformly
	Seed    uint64 // seed of the random placement
}

// DefaultWeak returns 100 quartic test functions per trajectory on windows of 201 samples, spread
// uniformly.
func DefaultWeak() Weak { return Weak{Windows: 100, Width: 201, Power: 2} }

// withDefaults fills the zero fields and validates the rest.
func (w Weak) withDefaults() (Weak, error) {
	d := DefaultWeak()
	if w.Width == 0 {
		w.Width = d.Width
	}
	if w.Power == 0 {
		w.Power = d.Power
	}
	if w.Width < 3 {
		return w, fmt.Errorf("%w: Weak Width %d must be ≥ 3 samples (0 means %d)", ErrInput, w.Width, d.Width)
	}
	if w.Power < 1 {
		return w, fmt.Errorf("%w: Weak Power %d must be ≥ 1 (0 means %d, the quartic bump)", ErrInput, w.Power, d.Power)
	}
	if w.Windows < 0 {
		return w, fmt.Errorf("%w: Weak Windows %d must be ≥ 1 (0 means %d)", ErrInput, w.Windows, d.Windows)
	}
	return w, nil
}

// trajectoryTimes returns the sample times of a trajectory: T, or i·Dt when T is nil.
func trajectoryTimes(tr Trajectory, k int) ([]float64, error) {
	if tr.T != nil {
		return tr.T, nil
	}
	if !(tr.Dt > 0) || math.IsInf(tr.Dt, 0) {
		return nil, fmt.Errorf("%w: trajectory %d has no times T and its step Dt %g is not finite and > 0", ErrInput, k, tr.Dt)
	}
	t := make([]float64, len(tr.X))
	for i := range t {
		t[i] = float64(i) * tr.Dt
	}
	return t, nil
}

// WeakSystem returns the weak-form linear system of the trajectories for the library: theta has
// one row ∫ φ_k Θ(x) dt per test function (Windows rows per trajectory, trajectories in order) and
// lib.Size() columns; y has the matching rows -∫ φ_k' x dt with one column per state variable, so
// that theta·Ξ ≈ y (see Weak). Trajectories need at least Width samples with finite, strictly
// increasing times; their Xdot is not used; control inputs U are not supported by the weak form yet.
func WeakSystem(lib *Library, trajs []Trajectory, w Weak) (theta, y [][]float64, err error) {
	if lib == nil {
		return nil, nil, fmt.Errorf("%w: weak form with a nil library", ErrInput)
	}
	if len(trajs) == 0 {
		return nil, nil, fmt.Errorf("%w: weak form with no trajectories", ErrInput)
	}
	w, err = w.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	nv, p := lib.NumVars(), lib.Size()
	for k, tr := range trajs {
		if tr.U != nil {
			return nil, nil, fmt.Errorf("%w: weak form: trajectory %d has control inputs U, which the weak form does not support yet", ErrInput, k)
		}
		t, err := trajectoryTimes(tr, k)
		if err != nil {
			return nil, nil, err
		}
		if err := checkSeries(fmt.Sprintf("weak form, trajectory %d (Width %d)", k, w.Width), tr.X, t, w.Width); err != nil {
			return nil, nil, err
		}
		if len(tr.X[0]) != nv {
			return nil, nil, fmt.Errorf("%w: weak form: trajectory %d has %d state variables, the library %d", ErrInput, k, len(tr.X[0]), nv)
		}
		n := len(tr.X)
		positions := n - w.Width + 1
		nw := w.Windows
		if nw == 0 {
			nw = min(DefaultWeak().Windows, positions)
		}
		if nw > positions && !w.Random {
			return nil, nil, fmt.Errorf("%w: Weak Windows %d exceeds the %d distinct positions of a %d-sample window in trajectory %d (%d samples)", ErrInput, nw, positions, w.Width, k, n)
		}
		starts := make([]int, nw)
		var rng *rand.Rand
		if w.Random {
			rng = rand.New(rand.NewPCG(w.Seed, uint64(k)))
		}
		for i := range starts {
			switch {
			case w.Random:
				starts[i] = rng.IntN(positions)
			case nw > 1:
				starts[i] = i * (n - w.Width) / (nw - 1)
			default:
				starts[i] = (n - w.Width) / 2
			}
		}
		th, err := lib.Matrix(tr.X)
		if err != nil {
			return nil, nil, fmt.Errorf("weak form, trajectory %d: %w", k, err)
		}
		phi := make([]float64, w.Width)
		dphi := make([]float64, w.Width)
		for _, s := range starts {
			ts := t[s : s+w.Width]
			a, b := ts[0], ts[w.Width-1]
			bump(ts, a, b, w.Power, phi, dphi)
			// Trapezoid weights of the window's samples folded into φ and φ', then the
			// normalisation ∫φ = 1.
			area := 0.0
			for i := range ts {
				q := 0.0
				if i > 0 {
					q += (ts[i] - ts[i-1]) / 2
				}
				if i < len(ts)-1 {
					q += (ts[i+1] - ts[i]) / 2
				}
				phi[i] *= q
				dphi[i] *= q
				area += phi[i]
			}
			for i := range ts {
				phi[i] /= area
				dphi[i] /= area
			}
			rowT := make([]float64, p)
			rowY := make([]float64, nv)
			for i := range ts {
				for c, v := range th[s+i] {
					rowT[c] += phi[i] * v
				}
				for j, v := range tr.X[s+i] {
					rowY[j] -= dphi[i] * v
				}
			}
			theta, y = append(theta, rowT), append(y, rowY)
		}
	}
	return theta, y, nil
}

// bump writes φ(t) = (4(t-a)(b-t)/(b-a)²)^p (peak 1; WeakSystem rescales it to unit integral)
// and φ'(t) at the times ts into phi and dphi.
func bump(ts []float64, a, b float64, p int, phi, dphi []float64) {
	l2 := (b - a) * (b - a)
	for i, t := range ts {
		g := 4 * (t - a) * (b - t) / l2
		dg := 4 * (a + b - 2*t) / l2
		if g <= 0 { // the ends (and rounding just outside them)
			phi[i], dphi[i] = 0, 0
			if p == 1 {
				dphi[i] = dg
			}
			continue
		}
		gp := math.Pow(g, float64(p-1))
		phi[i] = gp * g
		dphi[i] = float64(p) * gp * dg
	}
}

// FitWeak fits Ξ by weak-form SINDy: it builds the weak system of the trajectories (WeakSystem)
// and solves theta·Ξ ≈ y with the model's optimizer. No derivatives of the data are taken, which
// makes it robust to measurement noise that defeats finite differences.
func (m *Model) FitWeak(trajs []Trajectory, w Weak) error {
	if m.lib == nil {
		return fmt.Errorf("%w: model has no library", ErrInput)
	}
	theta, y, err := WeakSystem(m.lib, trajs, w)
	if err != nil {
		return fmt.Errorf("sindy weak fit: %w", err)
	}
	xi, err := m.opt.Fit(theta, y)
	if err != nil {
		return fmt.Errorf("sindy weak fit: %w", err)
	}
	m.xi = xi
	return nil
}
