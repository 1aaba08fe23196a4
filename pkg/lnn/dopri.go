package lnn

import (
	"errors"
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// This file integrates the learned dynamics of many initial conditions at once with Dormand–Prince
// 5(4), each with its own step size, error control, step count and fate, but with every stage of all
// the running initial conditions evaluated in one batched network call. Packing all initial conditions
// into one ODE (what package ode would do) makes the slowest one set the step for all of them, and one
// blow-up stops the whole rollout; here a stiff or diverging initial condition only costs its own steps.
// The method, Hairer's PI step-size controller, initial step and 4th-order dense output are those of
// DOPRI5 (as ode.DormandPrince).

// Dormand–Prince 5(4) coefficients.
const (
	dpC2, dpC3, dpC4, dpC5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9

	dpA21                              = 1.0 / 5
	dpA31, dpA32                       = 3.0 / 40, 9.0 / 40
	dpA41, dpA42, dpA43                = 44.0 / 45, -56.0 / 15, 32.0 / 9
	dpA51, dpA52, dpA53, dpA54         = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729
	dpA61, dpA62, dpA63, dpA64, dpA65  = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656
	dpA71, dpA73, dpA74, dpA75, dpA76  = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84
	dpE1, dpE3, dpE4, dpE5, dpE6, dpE7 = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40

	// Dense output (Hairer's CONTD5).
	dpD1, dpD3, dpD4 = -12715105075.0 / 11282082432, 87487479700.0 / 32700410799, -10690763975.0 / 1880347072
	dpD5, dpD6, dpD7 = 701980252875.0 / 199316789632, -1453857185.0 / 822651844, 69997945.0 / 29380423

	dpSafe, dpFacc1, dpFacc2, dpBeta = 0.9, 1 / 0.2, 1 / 10.0, 0.04
	dpExpo1                          = 0.2 - dpBeta*0.75
	uround                           = 2.220446049250313e-16
)

type vec4 = [4]float64

// ICOutcome is how the rollout of one initial condition ended.
type ICOutcome struct {
	// Diverged is set when the rollout stopped before T1: a non-finite state or a singular Hessian that
	// step-size reduction could not get past, the step limit (RolloutConfig.MaxSteps), or (EnergyError)
	// an energy error above RolloutConfig.DivergeAt. Reason says which.
	Diverged bool
	Reason   string
	// T is the time reached (T1 when the rollout completed).
	T float64
	// Steps and Rejected count the accepted and rejected Dormand–Prince steps.
	Steps, Rejected int
}

// icRun is the Dormand–Prince state of one initial condition.
type icRun struct {
	t, h, tend   float64
	y, y1, yt    vec4
	k            [7]vec4 // k[0] = f(t, y); k[6] = f(t+h, y1) (FSAL)
	logFacold    float64
	rejectedLast bool
	last         bool
	bad          string // set while trial steps hit non-finite values or singular Hessians
	save         int    // next output time
	done         bool
	out          ICOutcome
}

// rhsBatch evaluates (θ̇, θ̈) at the states ys in one network call, padded to a few batch sizes (so
// that the executable is compiled for at most a handful of shapes as initial conditions finish). A state
// with a singular Hessian or a non-finite derivative gets bad[i] set to the reason.
func (p *Predictor) rhsBatch(ys []vec4, dydt []vec4, bad []string, singularTol float64) error {
	n := len(ys)
	size := padSize(n)
	flat := make([]float64, 4*size)
	for i := range size {
		src := ys[min(i, n-1)] // padding repeats the last state
		for j, v := range src {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0 // the state is flagged below; keep the batch finite
			}
			flat[4*i+j] = v
		}
	}
	acc, rcond, err := p.accelRaw(flat)
	if err != nil {
		return err
	}
	for i, y := range ys {
		dydt[i] = vec4{y[2], y[3], acc[2*i], acc[2*i+1]}
		bad[i] = ""
		switch r := rcond[i]; {
		case !finite4(y):
			bad[i] = fmt.Sprintf("non-finite state %v", y)
		case r < singularTol || math.IsNaN(r):
			bad[i] = (&SingularError{Net: p.net.String(), Index: i, State: y[:], RCond: r}).Error()
		case !finite4(dydt[i]):
			bad[i] = fmt.Sprintf("non-finite acceleration at state %v", y)
		}
	}
	return nil
}

// padSize is the batch size used for n states: n up to 4, then the next multiple of 4 up to 16, then
// of 8.
func padSize(n int) int {
	switch {
	case n <= 4:
		return n
	case n <= 16:
		return (n + 3) / 4 * 4
	default:
		return (n + 7) / 8 * 8
	}
}

func finite4(v vec4) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// lockstep integrates the learned dynamics from every initial condition to cfg.T1 with per-IC
// Dormand–Prince step-size control and batched network calls. check (optional) is called after every
// accepted step and stops the initial condition as diverged when it returns a reason. The states of a
// diverged initial condition are NaN from its divergence on. The error is only for invalid input or a
// failing network call.
func lockstep(p *Predictor, ics [][]float64, cfg RolloutConfig, check func(i int, t float64, y vec4) string) (*Paths, error) {
	ts, err := cfg.times()
	if err != nil {
		return nil, err
	}
	if err := validateICs(ics); err != nil {
		return nil, err
	}
	if !(cfg.RTol > 0) || !(cfg.ATol > 0) {
		return nil, fmt.Errorf("lnn: rollout needs RTol > 0 and ATol > 0, got %g, %g", cfg.RTol, cfg.ATol)
	}
	maxSteps := cfg.maxSteps()
	singularTol := p.SingularTol
	if cfg.SingularTol != 0 {
		singularTol = cfg.SingularTol
	}
	m := len(ics)
	paths := &Paths{T: ts, States: make([][][]float64, m), Outcomes: make([]ICOutcome, m)}
	runs := make([]icRun, m)
	for i, ic := range ics {
		r := &runs[i]
		copy(r.y[:], ic)
		r.tend, r.logFacold = cfg.T1, math.Log(1e-4)
		paths.States[i] = make([][]float64, len(ts))
		for r.save < len(ts) && ts[r.save] <= 0 {
			paths.States[i][r.save] = append([]float64(nil), ic...)
			r.save++
		}
	}
	diverge := func(i int, reason string) {
		r := &runs[i]
		r.done = true
		r.out.Diverged, r.out.Reason, r.out.T = true, reason, r.t
	}

	// A deadlocked backend call would hang the roll-out forever: the watchdog ends the process
	// with the remedy when no batched evaluation completes for its time (training.Watchdog).
	wd, err := training.StartWatchdog("lnn.Rollout")
	if err != nil {
		return nil, err
	}
	defer wd.Stop()
	// Batched evaluation of stage s of the listed initial conditions (their r.yt) into r.k[s].
	var ys []vec4
	eval := func(act []int, s int) error {
		defer wd.Kick()
		ys = ys[:0]
		dy, bad := make([]vec4, len(act)), make([]string, len(act))
		for _, i := range act {
			ys = append(ys, runs[i].yt)
		}
		if err := p.rhsBatch(ys, dy, bad, singularTol); err != nil {
			return fmt.Errorf("lnn.Rollout: %w", err)
		}
		for j, i := range act {
			runs[i].k[s] = dy[j]
			if bad[j] != "" && runs[i].bad == "" {
				runs[i].bad = bad[j]
			}
		}
		return nil
	}

	// f(t0, y0) and Hairer's initial step for every initial condition.
	act := make([]int, m)
	for i := range act {
		act[i] = i
		runs[i].yt = runs[i].y
	}
	if err := eval(act, 0); err != nil {
		return nil, err
	}
	act = act[:0]
	for i := range runs {
		r := &runs[i]
		if r.bad != "" {
			diverge(i, "at the initial condition: "+r.bad)
			continue
		}
		r.h = r.hinitGuess(cfg)
		for j := range 4 {
			r.yt[j] = r.y[j] + r.h*r.k[0][j]
		}
		act = append(act, i)
	}
	if len(act) > 0 {
		if err := eval(act, 1); err != nil {
			return nil, err
		}
		for _, i := range act {
			r := &runs[i]
			if r.bad != "" {
				r.h *= 1e-2 // the Euler trial step left the valid region: start small
			} else {
				r.h = r.hinitFinish(cfg)
			}
			r.bad = ""
		}
	}

	for {
		act = act[:0]
		for i := range runs {
			r := &runs[i]
			if r.done {
				continue
			}
			if r.out.Steps+r.out.Rejected >= maxSteps {
				diverge(i, fmt.Sprintf("step limit %d reached at t = %.6g", maxSteps, r.t))
				continue
			}
			if 0.1*r.h <= math.Abs(r.t)*uround || r.h < math.SmallestNonzeroFloat64*1e10 {
				reason := fmt.Sprintf("step size %.3g underflows at t = %.6g", r.h, r.t)
				if r.bad != "" {
					reason += " after failing trial steps: " + r.bad
				}
				diverge(i, reason)
				continue
			}
			r.last = false
			if r.t+1.01*r.h >= r.tend {
				r.h, r.last = r.tend-r.t, true
			}
			r.bad = ""
			act = append(act, i)
		}
		if len(act) == 0 {
			break
		}
		for s := 1; s <= 6; s++ {
			for _, i := range act {
				runs[i].stage(s)
			}
			if err := eval(act, s); err != nil {
				return nil, err
			}
		}
		for _, i := range act {
			r := &runs[i]
			errNorm := r.errorNorm(cfg)
			if r.bad != "" || math.IsNaN(errNorm) || math.IsInf(errNorm, 0) {
				// Retry with a much smaller step; the step-size underflow check reports it if it persists.
				if r.bad == "" {
					r.bad = fmt.Sprintf("non-finite error estimate at t = %.6g", r.t+r.h)
				}
				r.out.Rejected++
				r.rejectedLast = true
				r.h *= 0.1
				continue
			}
			logErr := math.Log(math.Max(errNorm, 1e-300))
			fac := math.Exp(dpExpo1*logErr - dpBeta*r.logFacold)
			fac = min(max(fac/dpSafe, dpFacc2), dpFacc1)
			hnew := r.h / fac
			if errNorm > 1 {
				r.h /= math.Min(dpFacc1, math.Exp(dpExpo1*logErr)/dpSafe)
				r.out.Rejected++
				r.rejectedLast = true
				continue
			}
			r.logFacold = math.Log(math.Max(errNorm, 1e-4))
			r.out.Steps++
			tnew := r.t + r.h
			if r.last {
				tnew = r.tend
			}
			if r.save < len(ts) && ts[r.save] <= tnew {
				r.dense(paths.States[i], ts, tnew)
			}
			r.k[0], r.y, r.t = r.k[6], r.y1, tnew
			r.out.T = r.t
			if check != nil {
				if reason := check(i, r.t, r.y); reason != "" {
					diverge(i, reason)
					continue
				}
			}
			if r.last {
				r.done = true
				continue
			}
			hnew = math.Min(hnew, r.tend)
			if r.rejectedLast {
				hnew = math.Min(hnew, r.h)
			}
			r.rejectedLast = false
			r.h = hnew
		}
	}
	nan := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	for i := range runs {
		paths.Outcomes[i] = runs[i].out
		for k := range paths.States[i] {
			if paths.States[i][k] == nil {
				paths.States[i][k] = append([]float64(nil), nan...)
			}
		}
	}
	return paths, nil
}

// hinitGuess is the first part of Hairer's initial step (DOPRI5 HINIT): the explicit Euler trial step.
func (r *icRun) hinitGuess(cfg RolloutConfig) float64 {
	dnf, dny := 0.0, 0.0
	for j := range 4 {
		sk := cfg.ATol + cfg.RTol*math.Abs(r.y[j])
		dnf += (r.k[0][j] / sk) * (r.k[0][j] / sk)
		dny += (r.y[j] / sk) * (r.y[j] / sk)
	}
	h := 1e-6
	if dnf > 1e-10 && dny > 1e-10 {
		h = math.Sqrt(dny/dnf) * 0.01
	}
	return math.Min(h, r.tend-r.t)
}

// hinitFinish is the second part of HINIT, with k[1] = f(t+h, y+h·f0).
func (r *icRun) hinitFinish(cfg RolloutConfig) float64 {
	h := r.h
	dnf, der2 := 0.0, 0.0
	for j := range 4 {
		sk := cfg.ATol + cfg.RTol*math.Abs(r.y[j])
		dnf += (r.k[0][j] / sk) * (r.k[0][j] / sk)
		v := (r.k[1][j] - r.k[0][j]) / sk
		der2 += v * v
	}
	der2 = math.Sqrt(der2) / h
	der12 := math.Max(math.Abs(der2), math.Sqrt(dnf))
	var h1 float64
	if der12 <= 1e-15 || math.IsNaN(der12) {
		h1 = math.Max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der12, 1.0/5)
	}
	return math.Min(math.Min(100*h, h1), r.tend-r.t)
}

// stage sets r.yt to the input of stage s (1..5), or r.y1 = r.yt to the 5th-order solution (s = 6).
func (r *icRun) stage(s int) {
	h, y, k := r.h, &r.y, &r.k
	for j := range 4 {
		var d float64
		switch s {
		case 1:
			d = dpA21 * k[0][j]
		case 2:
			d = dpA31*k[0][j] + dpA32*k[1][j]
		case 3:
			d = dpA41*k[0][j] + dpA42*k[1][j] + dpA43*k[2][j]
		case 4:
			d = dpA51*k[0][j] + dpA52*k[1][j] + dpA53*k[2][j] + dpA54*k[3][j]
		case 5:
			d = dpA61*k[0][j] + dpA62*k[1][j] + dpA63*k[2][j] + dpA64*k[3][j] + dpA65*k[4][j]
		case 6:
			d = dpA71*k[0][j] + dpA73*k[2][j] + dpA74*k[3][j] + dpA75*k[4][j] + dpA76*k[5][j]
		}
		r.yt[j] = y[j] + h*d
	}
	if s == 6 {
		r.y1 = r.yt
	}
}

// errorNorm is the RMS of the local error estimate over the 4 components, scaled by ATol + RTol·|y|.
func (r *icRun) errorNorm(cfg RolloutConfig) float64 {
	k := &r.k
	sum := 0.0
	for j := range 4 {
		e := r.h * (dpE1*k[0][j] + dpE3*k[2][j] + dpE4*k[3][j] + dpE5*k[4][j] + dpE6*k[5][j] + dpE7*k[6][j])
		e /= cfg.ATol + cfg.RTol*math.Max(math.Abs(r.y[j]), math.Abs(r.y1[j]))
		sum += e * e
	}
	return math.Sqrt(sum / 4)
}

// dense writes the continuous extension of the accepted step (t, tnew] at the output times it covers.
func (r *icRun) dense(out [][]float64, ts []float64, tnew float64) {
	var r2, r3, r4, r5 vec4
	h, k := r.h, &r.k
	for j := range 4 {
		ydiff := r.y1[j] - r.y[j]
		bspl := h*k[0][j] - ydiff
		r2[j], r3[j], r4[j] = ydiff, bspl, ydiff-h*k[6][j]-bspl
		r5[j] = h * (dpD1*k[0][j] + dpD3*k[2][j] + dpD4*k[3][j] + dpD5*k[4][j] + dpD6*k[5][j] + dpD7*k[6][j])
	}
	for ; r.save < len(ts) && ts[r.save] <= tnew; r.save++ {
		th := (ts[r.save] - r.t) / h
		th1 := 1 - th
		st := make([]float64, 4)
		for j := range 4 {
			st[j] = r.y[j] + th*(r2[j]+th1*(r3[j]+th*(r4[j]+th1*r5[j])))
		}
		out[r.save] = st
	}
}

// errNoICs is returned for an empty list of initial conditions.
var errNoICs = errors.New("lnn: no initial conditions")

// validateICs checks that every initial condition has 4 finite values.
func validateICs(ics [][]float64) error {
	if len(ics) == 0 {
		return errNoICs
	}
	for i, ic := range ics {
		if len(ic) != 4 {
			return fmt.Errorf("lnn: initial condition %d has %d values, want 4 (θ1, θ2, ω1, ω2)", i, len(ic))
		}
		for _, v := range ic {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("lnn: initial condition %d is not finite: %v", i, ic)
			}
		}
	}
	return nil
}
