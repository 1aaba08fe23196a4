package led

import (
	"fmt"
	"math"
)

// AlternationPoint is LED's micro/macro alternation at one T_m, measured over test trajectories as
// the paper's FitzHugh-Nagumo figure: the error of the predicted frames against the fine solver's and
// the speed-up over running the fine solver alone.
type AlternationPoint struct {
	Macro, Micro int     // T_m and T_μ.
	Rho          float64 // ρ = T_m / T_μ (+Inf when T_μ = 0).
	// RelError is the mean over the test trajectories of ‖pred − truth‖₂ / ‖truth‖₂ over the whole
	// horizon (all frames and values).
	RelError float64
	// MNAD is LED's mean normalised absolute difference: |pred − truth| divided by the range (max −
	// min) of the true field it belongs to over the trajectory, averaged over values, time steps and
	// trajectories.
	MNAD float64
	// RelErrors are the per-trajectory relative errors.
	RelErrors []float64
	// Seconds is LED's mean cost per trajectory (AlternationResult.Seconds), SolverSeconds the fine
	// solver's mean wall time for the same horizon, and Speedup their ratio.
	Seconds, SolverSeconds, Speedup float64
	// MacroFraction is the fraction of the horizon's steps that came from the latent propagator.
	MacroFraction float64
}

// MNAD returns LED's mean normalised absolute difference of pred against truth, both [T][frame]
// row-major with frames made of `fields` equal consecutive blocks (the lattice: u then v): each
// |pred − truth| is divided by the range of its field in truth over all T frames.
func MNAD(pred, truth []float32, frame, fields int) (float64, error) {
	if frame < 1 || fields < 1 || frame%fields != 0 {
		return 0, fmt.Errorf("mnad: frame %d is not %d equal fields", frame, fields)
	}
	if len(pred) != len(truth) || len(truth) == 0 || len(truth)%frame != 0 {
		return 0, fmt.Errorf("mnad: %d predicted and %d true values are not matching whole frames of %d", len(pred), len(truth), frame)
	}
	size := frame / fields
	lo, hi := make([]float64, fields), make([]float64, fields)
	for f := range fields {
		lo[f], hi[f] = math.Inf(1), math.Inf(-1)
	}
	for k, v := range truth {
		f := (k % frame) / size
		lo[f], hi[f] = math.Min(lo[f], float64(v)), math.Max(hi[f], float64(v))
	}
	sum := 0.0
	for k := range truth {
		f := (k % frame) / size
		r := hi[f] - lo[f]
		if r == 0 {
			r = 1
		}
		d := math.Abs(float64(pred[k])-float64(truth[k])) / r
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return 0, fmt.Errorf("mnad: non-finite prediction at value %d", k)
		}
		sum += d
	}
	return sum / float64(len(truth)), nil
}

// AlternationTest measures LED's alternation on test trajectories: for each T_m, from the first
// Warmup frames of each trajectory ([T][frame] row-major, physical units) over Horizon steps with
// T_μ = Micro solver steps per round. The fine solver's time alone for the horizon is measured
// once per trajectory (and kept for later Measure calls) and is the denominator of every speed-up.
type AlternationTest struct {
	Tests                  [][]float32
	Warmup, Horizon, Micro int
	Solver                 MicroSolver
	Fields                 int  // equal blocks of a frame for MNAD (2 for the lattice's u and v; 0 means 1)
	Repeat                 bool // time a second run of each case (the first pays one-off costs such as graph compilation)

	solverSeconds []float64
}

func (a *AlternationTest) run(l *LED, tr []float32, cfg AlternationConfig) (*AlternationResult, error) {
	warm := tr[:a.Warmup*l.frameOut()]
	if a.Repeat {
		if _, err := l.Alternate(warm, cfg, a.Solver); err != nil {
			return nil, err
		}
	}
	return l.Alternate(warm, cfg, a.Solver)
}

// Measure returns one point per T_m of macros (0: the fine solver alone) for the model l.
func (a *AlternationTest) Measure(l *LED, macros []int) ([]AlternationPoint, error) {
	fo := l.frameOut()
	if a.Warmup < 1 || a.Horizon < 1 || a.Micro < 1 {
		return nil, fmt.Errorf("led alternation: Warmup %d, Horizon %d and Micro %d must be >= 1", a.Warmup, a.Horizon, a.Micro)
	}
	if len(a.Tests) == 0 || a.Solver == nil {
		return nil, fmt.Errorf("led alternation: needs test trajectories (got %d) and a solver", len(a.Tests))
	}
	for i, tr := range a.Tests {
		if len(tr) < (a.Warmup+a.Horizon)*fo {
			return nil, fmt.Errorf("led alternation: test trajectory %d has %d frames, want warm-up %d + horizon %d", i, len(tr)/fo, a.Warmup, a.Horizon)
		}
	}
	fields := max(a.Fields, 1)
	if a.solverSeconds == nil {
		for i, tr := range a.Tests {
			res, err := a.run(l, tr, AlternationConfig{Micro: a.Horizon, Horizon: a.Horizon})
			if err != nil {
				return nil, fmt.Errorf("led alternation: solver alone on trajectory %d: %w", i, err)
			}
			a.solverSeconds = append(a.solverSeconds, res.Seconds)
		}
	}
	var out []AlternationPoint
	for _, tm := range macros {
		if tm < 0 {
			return nil, fmt.Errorf("led alternation: T_m %d must be >= 0", tm)
		}
		pt := AlternationPoint{Macro: tm, Micro: a.Micro, Rho: float64(tm) / float64(a.Micro)}
		cfg := AlternationConfig{Macro: tm, Micro: a.Micro, Horizon: a.Horizon}
		if tm == 0 {
			cfg.Micro = a.Horizon
		}
		macroSteps := 0
		n := float64(len(a.Tests))
		for i, tr := range a.Tests {
			res, err := a.run(l, tr, cfg)
			if err != nil {
				return nil, fmt.Errorf("led alternation T_m = %d, trajectory %d: %w", tm, i, err)
			}
			truth := tr[a.Warmup*fo : (a.Warmup+a.Horizon)*fo]
			rel, err := RelativeError(res.Frames, truth)
			if err != nil {
				return nil, fmt.Errorf("led alternation T_m = %d, trajectory %d: %w", tm, i, err)
			}
			mnad, err := MNAD(res.Frames, truth, fo, fields)
			if err != nil {
				return nil, fmt.Errorf("led alternation T_m = %d, trajectory %d: %w", tm, i, err)
			}
			pt.RelErrors = append(pt.RelErrors, rel)
			pt.RelError += rel / n
			pt.MNAD += mnad / n
			pt.Seconds += res.Seconds / n
			pt.SolverSeconds += a.solverSeconds[i] / n
			for _, m := range res.Macro {
				if m {
					macroSteps++
				}
			}
		}
		pt.Speedup = pt.SolverSeconds / pt.Seconds
		pt.MacroFraction = float64(macroSteps) / float64(a.Horizon*len(a.Tests))
		out = append(out, pt)
	}
	return out, nil
}
