package ode

import (
	"fmt"
	"math"
)

// fixedStepper is the interface between the fixed-step driver and a method.
type fixedStepper interface {
	// advance takes one grid step of size h from (t, y), in place.
	advance(t, h float64, y []float64) error
	// partial writes an approximation of y(t+h) into out without changing the method's state; used for
	// output times between grid points and for a final step shorter than Dt.
	partial(t, h float64, y, out []float64) error
}

// solveFixed drives a fixed-step method on the grid T0 + k·Dt (see Options.Saveat for off-grid output).
func solveFixed(p *Problem, o *Options, name string, s fixedStepper, st *Stats) (*Solution, error) {
	dt := o.Dt
	if !(dt > 0) {
		return nil, fmt.Errorf("%w: Dt=%g must be > 0 for the fixed-step method %s", ErrStepSize, dt, name)
	}
	span := p.T1 - p.T0
	r := span / dt
	maxSteps := o.maxSteps()
	if r > float64(maxSteps) {
		return nil, fmt.Errorf("%w: (T1-T0)/Dt = %.6g steps > MaxSteps=%d", ErrMaxSteps, r, maxSteps)
	}
	// Number of full grid steps; a relative slack absorbs rounding such as 4.98/0.02 = 248.99999999999997.
	K := int(math.Floor(r + 1e-9*math.Max(1, r)))
	gridTol := 1e-9 * dt
	grid := func(k int) float64 {
		tk := p.T0 + float64(k)*dt
		if k == K && math.Abs(tk-p.T1) <= gridTol || tk > p.T1 {
			return p.T1
		}
		return tk
	}

	n := len(p.Y0)
	y := append([]float64(nil), p.Y0...)
	tmp := make([]float64, n)
	saves := o.Saveat
	every := len(saves) == 0
	capHint := len(saves)
	if every {
		capHint = K + 2
	}
	rec := newRecorder(n, capHint)
	si := 0
	// emit records the requested output time ts >= t (within gridTol) from the grid state (t, y).
	emit := func(ts, t float64) error {
		if ts-t <= gridTol {
			rec.add(ts, y)
			return nil
		}
		if err := s.partial(t, ts-t, y, tmp); err != nil {
			return err
		}
		st.Steps++
		if err := checkFinite(tmp, ts, "state"); err != nil {
			return err
		}
		rec.add(ts, tmp)
		return nil
	}

	t := p.T0
	if every {
		rec.add(t, y)
	}
	for k := 0; k < K; k++ {
		tn := grid(k + 1)
		for si < len(saves) && saves[si] < tn-gridTol {
			if err := emit(saves[si], t); err != nil {
				return nil, err
			}
			si++
		}
		if err := s.advance(t, tn-t, y); err != nil {
			return nil, err
		}
		st.Steps++
		if err := checkFinite(y, tn, "state"); err != nil {
			return nil, err
		}
		t = tn
		if every {
			rec.add(t, y)
		}
		if o.Stop != nil && o.Stop(t, y) {
			if si < len(saves) && math.Abs(saves[si]-t) <= gridTol {
				rec.add(saves[si], y)
			}
			sol := rec.solution(name, *st)
			sol.Stopped = true
			return sol, nil
		}
	}
	for ; si < len(saves); si++ {
		if err := emit(saves[si], t); err != nil {
			return nil, err
		}
	}
	if every && p.T1-t > gridTol {
		if err := emit(p.T1, t); err != nil {
			return nil, err
		}
	}
	return rec.solution(name, *st), nil
}
