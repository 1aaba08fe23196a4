package onsagernet

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Path is a rollout: states H[i] at times T[i]. A rollout that left the ball of radius Bound (or whose
// integration failed, e.g. a finite-time blow-up) stops there and records the time in DivergedAt; NaN
// means it stayed bounded to the end.
type Path struct {
	T          []float64
	H          [][]float64
	DivergedAt float64
}

// Diverged reports whether the rollout left the bounded region.
func (p Path) Diverged() bool { return !math.IsNaN(p.DivergedAt) }

// Component returns coordinate j along the path.
func (p Path) Component(j int) []float64 {
	out := make([]float64, len(p.H))
	for i, h := range p.H {
		out[i] = h[j]
	}
	return out
}

// RolloutConfig configures Rollout.
type RolloutConfig struct {
	// T is the final time and DtOut the output interval.
	T, DtOut float64
	// Bound is the radius beyond which a rollout counts as diverged.
	Bound float64
	// Tol is the relative and absolute tolerance of Dormand-Prince (0: 1e-8).
	Tol float64
}

func (c RolloutConfig) validate() error {
	if !(c.T > 0) || !(c.DtOut > 0) || !(c.Bound > 0) || !training.Finite(c.T, c.DtOut, c.Bound) || c.Tol < 0 {
		return fmt.Errorf("onsagernet: rollout needs T, DtOut, Bound > 0 and finite, Tol >= 0; got %g, %g, %g, %g",
			c.T, c.DtOut, c.Bound, c.Tol)
	}
	return nil
}

// Rollout integrates ḣ = f(h) from h0 with Dormand-Prince, output every DtOut up to T, in chunks so that
// a trajectory that blows up is cut at the last bounded chunk instead of failing the whole call.
func Rollout(f ode.Func, h0 []float64, cfg RolloutConfig) (Path, error) {
	if err := cfg.validate(); err != nil {
		return Path{}, err
	}
	if f == nil {
		return Path{}, fmt.Errorf("onsagernet: rollout of a nil vector field")
	}
	if len(h0) == 0 || !training.Finite(h0...) {
		return Path{}, fmt.Errorf("onsagernet: rollout initial state %v must be non-empty and finite", h0)
	}
	tol := cfg.Tol
	if tol == 0 {
		tol = 1e-8
	}
	nOut := int(math.Round(cfg.T / cfg.DtOut))
	p := Path{T: []float64{0}, H: [][]float64{append([]float64(nil), h0...)}, DivergedAt: math.NaN()}
	const chunk = 40
	cur := append([]float64(nil), h0...)
	solve := func(ts []float64) (*ode.Solution, error) {
		return ode.Solve(ode.Problem{F: f, Y0: cur, T0: ts[0], T1: ts[len(ts)-1]}, ode.DormandPrince(),
			ode.Options{RTol: tol, ATol: tol, Saveat: ts, MaxSteps: 200_000})
	}
	// appendSol appends the outputs after the first; it reports false when the bound is exceeded.
	appendSol := func(sol *ode.Solution) bool {
		for k := 1; k < len(sol.T); k++ {
			if !(normOf(sol.Y[k]) <= cfg.Bound) {
				p.DivergedAt = sol.T[k]
				return false
			}
			p.T = append(p.T, sol.T[k])
			p.H = append(p.H, append([]float64(nil), sol.Y[k]...))
		}
		_, last := sol.Final()
		cur = append(cur[:0], last...)
		return true
	}
	for i0 := 0; i0 < nOut; i0 += chunk {
		i1 := min(i0+chunk, nOut)
		saveat := make([]float64, 0, i1-i0+1)
		for i := i0; i <= i1; i++ {
			saveat = append(saveat, float64(i)*cfg.DtOut)
		}
		if sol, err := solve(saveat); err == nil {
			if !appendSol(sol) {
				return p, nil
			}
			continue
		}
		// The chunk failed (typically a blow-up): redo it one output interval at a time to locate it.
		for k := 0; k+1 < len(saveat); k++ {
			sol, err := solve(saveat[k : k+2])
			if err != nil {
				p.DivergedAt = saveat[k+1]
				return p, nil
			}
			if !appendSol(sol) {
				return p, nil
			}
		}
	}
	return p, nil
}

// Rollouts runs Rollout from every initial state in parallel (results in input order).
func Rollouts(f ode.Func, h0s [][]float64, cfg RolloutConfig) ([]Path, error) {
	out := make([]Path, len(h0s))
	errs := make([]error, len(h0s))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i, h0 := range h0s {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			out[i], errs[i] = Rollout(f, h0, cfg)
			<-sem
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("onsagernet: rollout %d: %w", i, err)
		}
	}
	return out, nil
}

// RelativePathError is the paper's trajectory error (ode_net.long_run_cmp):
// sqrt(mean over paths of (‖pred − truth‖_L2(t) / ‖truth‖_L2(t))²), the L2 norms over time and
// components on the common time grid. A diverged prediction counts with the error +Inf.
func RelativePathError(truth, pred []Path) (float64, error) {
	if len(truth) != len(pred) || len(truth) == 0 {
		return 0, fmt.Errorf("onsagernet: RelativePathError needs as many predicted as true paths (> 0), got %d and %d",
			len(pred), len(truth))
	}
	sum := 0.0
	for i := range truth {
		if pred[i].Diverged() {
			return math.Inf(1), nil
		}
		if truth[i].Diverged() || len(truth[i].H) != len(pred[i].H) {
			return 0, fmt.Errorf("onsagernet: path %d: true path diverged or lengths differ (%d, %d)",
				i, len(truth[i].H), len(pred[i].H))
		}
		num, den := 0.0, 0.0
		for k := range truth[i].H {
			for j, x := range truth[i].H[k] {
				d := pred[i].H[k][j] - x
				num += d * d
				den += x * x
			}
		}
		sum += num / den
	}
	return math.Sqrt(sum / float64(len(truth))), nil
}

// Stability summarises long rollouts from many initial states.
type Stability struct {
	// N rollouts, Bounded of which stayed inside the bound to the end.
	N, Bounded int
	// MeanDivergenceTime is the mean time at which the diverged ones left (NaN if none did).
	MeanDivergenceTime float64
	// Near counts the bounded rollouts that ended within Radius of one of the given points (e.g. the
	// true stable fixed points); -1 when no points were given.
	Near   int
	Radius float64
}

// Fraction returns the fraction of bounded rollouts.
func (s Stability) Fraction() float64 { return float64(s.Bounded) / float64(max(s.N, 1)) }

// Summarize computes a Stability report; points may be nil.
func Summarize(paths []Path, points [][]float64, radius float64) Stability {
	s := Stability{N: len(paths), Near: -1, Radius: radius, MeanDivergenceTime: math.NaN()}
	if points != nil {
		s.Near = 0
	}
	tsum, nd := 0.0, 0
	for _, p := range paths {
		if p.Diverged() {
			tsum += p.DivergedAt
			nd++
			continue
		}
		s.Bounded++
		if points != nil && len(p.H) > 0 {
			end := p.H[len(p.H)-1]
			for _, q := range points {
				d := 0.0
				for j := range q {
					d += (end[j] - q[j]) * (end[j] - q[j])
				}
				if math.Sqrt(d) <= radius {
					s.Near++
					break
				}
			}
		}
	}
	if nd > 0 {
		s.MeanDivergenceTime = tsum / float64(nd)
	}
	return s
}
