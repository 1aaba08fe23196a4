package ode

import (
	"fmt"
	"math"
)

// Controller selects the step-size controller of DP5.
type Controller int

const (
	// ControllerPI is Hairer's PI (Gustafsson) controller of DOPRI5 with β = 0.04 (the default).
	ControllerPI Controller = iota
	// ControllerStandard is the classic I controller h_new = h·safety·err^(-1/5) (β = 0).
	ControllerStandard
)

// DP5 is the adaptive Dormand-Prince 5(4) method (the DOPRI5 / ode45 / RK45 / Tsit5-family workhorse):
// 7 stages with FSAL, local extrapolation (the 5th-order solution is propagated), Hairer's step-size
// control and initial step selection, and the 4th-order continuous extension for output at
// Options.Saveat. Tolerances come from Options.RTol and Options.ATol; the error norm is the RMS over
// components of err_i / (ATol + RTol·max(|y_i|, |y_new,i|)).
type DP5 struct {
	Controller Controller // Step-size controller (zero value: ControllerPI).
	Safety     float64    // Safety factor (0 means 0.9).
	MinFactor  float64    // Smallest step-size ratio h_new/h (0 means 0.2).
	MaxFactor  float64    // Largest step-size ratio h_new/h (0 means 10).
}

// DormandPrince returns the adaptive Dormand-Prince 5(4) method with Hairer's defaults.
func DormandPrince() *DP5 { return &DP5{} }

// Name returns "DormandPrince5(4)".
func (m *DP5) Name() string { return "DormandPrince5(4)" }

// Dormand-Prince 5(4) coefficients.
const (
	dpC2 = 1.0 / 5
	dpC3 = 3.0 / 10
	dpC4 = 4.0 / 5
	dpC5 = 8.0 / 9

	dpA21 = 1.0 / 5
	dpA31 = 3.0 / 40
	dpA32 = 9.0 / 40
	dpA41 = 44.0 / 45
	dpA42 = -56.0 / 15
	dpA43 = 32.0 / 9
	dpA51 = 19372.0 / 6561
	dpA52 = -25360.0 / 2187
	dpA53 = 64448.0 / 6561
	dpA54 = -212.0 / 729
	dpA61 = 9017.0 / 3168
	dpA62 = -355.0 / 33
	dpA63 = 46732.0 / 5247
	dpA64 = 49.0 / 176
	dpA65 = -5103.0 / 18656
	dpA71 = 35.0 / 384
	dpA73 = 500.0 / 1113
	dpA74 = 125.0 / 192
	dpA75 = -2187.0 / 6784
	dpA76 = 11.0 / 84

	// Error coefficients: b5 - b4.
	dpE1 = 71.0 / 57600
	dpE3 = -71.0 / 16695
	dpE4 = 71.0 / 1920
	dpE5 = -17253.0 / 339200
	dpE6 = 22.0 / 525
	dpE7 = -1.0 / 40

	// Dense output coefficients (Hairer's CONTD5).
	dpD1 = -12715105075.0 / 11282082432
	dpD3 = 87487479700.0 / 32700410799
	dpD4 = -10690763975.0 / 1880347072
	dpD5 = 701980252875.0 / 199316789632
	dpD6 = -1453857185.0 / 822651844
	dpD7 = 69997945.0 / 29380423

	uround = 2.220446049250313e-16
)

func (m *DP5) solve(p *Problem, o *Options) (*Solution, error) {
	rtol, atol, err := o.tolerances()
	if err != nil {
		return nil, err
	}
	safe, fac1, fac2 := m.Safety, m.MinFactor, m.MaxFactor
	if safe == 0 {
		safe = 0.9
	}
	if fac1 == 0 {
		fac1 = 0.2
	}
	if fac2 == 0 {
		fac2 = 10
	}
	if !(safe > 0 && safe < 1) || !(fac1 > 0 && fac1 < 1) || !(fac2 > 1) || math.IsInf(fac2, 0) {
		return nil, fmt.Errorf("%w: DP5 needs 0 < Safety < 1, 0 < MinFactor < 1 < MaxFactor (got %g, %g, %g)", ErrInvalidMethod, m.Safety, m.MinFactor, m.MaxFactor)
	}
	beta := 0.04
	switch m.Controller {
	case ControllerPI:
	case ControllerStandard:
		beta = 0
	default:
		return nil, fmt.Errorf("%w: unknown DP5 controller %d", ErrInvalidMethod, m.Controller)
	}
	w := newDPWork(len(p.Y0))
	d := dpSolver{
		f: p.F, rtol: rtol, atol: atol, safe: safe, facc1: 1 / fac1, facc2: 1 / fac2, beta: beta,
		expo1: 0.2 - beta*0.75, w: w,
	}
	return d.run(p, o, m.Name())
}

// dpWork holds all buffers of one integration (allocated once, reused for every step).
type dpWork struct {
	y, y1, ytmp, k1, k2, k3, k4, k5, k6, k7, yout []float64
	r2, r3, r4, r5                                []float64 // dense output
}

func newDPWork(n int) *dpWork {
	buf := make([]float64, 15*n)
	next := func() []float64 { s := buf[:n:n]; buf = buf[n:]; return s }
	return &dpWork{y: next(), y1: next(), ytmp: next(), k1: next(), k2: next(), k3: next(), k4: next(),
		k5: next(), k6: next(), k7: next(), yout: next(), r2: next(), r3: next(), r4: next(), r5: next()}
}

type dpSolver struct {
	f                        Func
	rtol, atol               float64
	safe, facc1, facc2, beta float64
	expo1                    float64
	w                        *dpWork
	st                       Stats
}

// hinit is Hairer's initial step-size guess (DOPRI5 HINIT) for a method of order 5.
func (d *dpSolver) hinit(t float64, hmax float64) float64 {
	w := d.w
	y, f0, y1, f1 := w.y, w.k1, w.ytmp, w.k2
	dnf, dny := 0.0, 0.0
	for i := range y {
		sk := d.atol + d.rtol*math.Abs(y[i])
		dnf += (f0[i] / sk) * (f0[i] / sk)
		dny += (y[i] / sk) * (y[i] / sk)
	}
	var h float64
	if dnf <= 1e-10 || dny <= 1e-10 {
		h = 1e-6
	} else {
		h = math.Sqrt(dny/dnf) * 0.01
	}
	h = math.Min(h, hmax)
	for i := range y {
		y1[i] = y[i] + h*f0[i]
	}
	d.f(t+h, y1, f1)
	d.st.FEvals++
	der2 := 0.0
	for i := range y {
		sk := d.atol + d.rtol*math.Abs(y[i])
		v := (f1[i] - f0[i]) / sk
		der2 += v * v
	}
	der2 = math.Sqrt(der2) / h
	der12 := math.Max(math.Abs(der2), math.Sqrt(dnf))
	var h1 float64
	if der12 <= 1e-15 || der12 != der12 {
		h1 = math.Max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der12, 1.0/5)
	}
	return math.Min(math.Min(100*h, h1), hmax)
}

func (d *dpSolver) run(p *Problem, o *Options, name string) (*Solution, error) {
	w := d.w
	n := len(p.Y0)
	copy(w.y, p.Y0)
	t, tend := p.T0, p.T1
	saves := o.Saveat
	every := len(saves) == 0
	capHint := len(saves)
	if every {
		capHint = 64
	}
	rec := newRecorder(n, capHint)
	si := 0
	if every {
		rec.add(t, w.y)
	}
	for si < len(saves) && saves[si] <= t {
		rec.add(saves[si], w.y)
		si++
	}
	if tend == t {
		return rec.solution(name, d.st), nil
	}

	hmax := o.DtMax
	if hmax == 0 {
		hmax = tend - t
	}
	d.f(t, w.y, w.k1)
	d.st.FEvals++
	h := o.Dt
	if h == 0 {
		h = d.hinit(t, hmax)
	}
	h = math.Min(h, hmax)
	maxSteps := o.maxSteps()
	logFacold := math.Log(1e-4)
	rejectedLast := false
	var nonFinite error // set while steps are being rejected for NaN/Inf
	nsteps := 0
	for {
		if nsteps >= maxSteps {
			return nil, fmt.Errorf("%w: MaxSteps=%d reached at t=%g (of T1=%g)", ErrMaxSteps, maxSteps, t, tend)
		}
		if 0.1*h <= math.Abs(t)*uround || h < math.SmallestNonzeroFloat64*1e10 {
			if nonFinite != nil {
				return nil, fmt.Errorf("%w: h=%g at t=%g after non-finite trial steps: %w", ErrStepTooSmall, h, t, nonFinite)
			}
			return nil, fmt.Errorf("%w: h=%g at t=%g", ErrStepTooSmall, h, t)
		}
		last := false
		if t+1.01*h >= tend {
			h = tend - t
			last = true
		}
		nsteps++
		errNorm := d.step(t, h)
		if errNorm != errNorm || math.IsInf(errNorm, 0) || firstNonFinite(w.y1) >= 0 {
			// Reject and retry with a much smaller step; report the values if the step underflows.
			if nonFinite = checkFinite(w.y1, t+h, "trial state"); nonFinite == nil {
				nonFinite = &NonFiniteError{T: t + h, Component: -1, Value: errNorm, Where: "error estimate"}
			}
			d.st.Rejected++
			rejectedLast = true
			h *= 0.1
			continue
		}
		nonFinite = nil
		// fac = err^expo1 / facold^beta, computed with one log and one exp (math.Pow dominated the profile).
		logErr := math.Log(math.Max(errNorm, 1e-300))
		fac := math.Exp(d.expo1*logErr - d.beta*logFacold)
		fac = clamp(fac/d.safe, d.facc2, d.facc1)
		hnew := h / fac
		if errNorm <= 1 {
			logFacold = math.Log(math.Max(errNorm, 1e-4))
			d.st.Steps++
			tnew := t + h
			if last {
				tnew = tend
			}
			if si < len(saves) && saves[si] <= tnew {
				d.prepareDense(h)
				for ; si < len(saves) && saves[si] <= tnew; si++ {
					d.dense((saves[si] - t) / h)
					rec.add(saves[si], w.yout)
				}
			}
			w.k1, w.k7 = w.k7, w.k1 // FSAL
			w.y, w.y1 = w.y1, w.y
			t = tnew
			if every {
				rec.add(t, w.y)
			}
			if o.Stop != nil && o.Stop(t, w.y) {
				sol := rec.solution(name, d.st)
				sol.Stopped = true
				return sol, nil
			}
			if last {
				break
			}
			hnew = math.Min(hnew, hmax)
			if rejectedLast {
				hnew = math.Min(hnew, h)
			}
			rejectedLast = false
		} else {
			hnew = h / math.Min(d.facc1, math.Exp(d.expo1*logErr)/d.safe)
			d.st.Rejected++
			rejectedLast = true
		}
		h = hnew
	}
	return rec.solution(name, d.st), nil
}

// step computes the stages of a step of size h from (t, w.y), the 5th-order solution w.y1, k7 = f(t+h, y1)
// and returns the RMS error norm. w.k1 must hold f(t, w.y).
func (d *dpSolver) step(t, h float64) float64 {
	w := d.w
	n := len(w.y)
	y, y1, yt := w.y[:n], w.y1[:n], w.ytmp[:n]
	k1, k2, k3, k4, k5, k6, k7 := w.k1[:n], w.k2[:n], w.k3[:n], w.k4[:n], w.k5[:n], w.k6[:n], w.k7[:n]
	for i := range yt {
		yt[i] = y[i] + h*dpA21*k1[i]
	}
	d.f(t+dpC2*h, yt, k2)
	for i := range yt {
		yt[i] = y[i] + h*(dpA31*k1[i]+dpA32*k2[i])
	}
	d.f(t+dpC3*h, yt, k3)
	for i := range yt {
		yt[i] = y[i] + h*(dpA41*k1[i]+dpA42*k2[i]+dpA43*k3[i])
	}
	d.f(t+dpC4*h, yt, k4)
	for i := range yt {
		yt[i] = y[i] + h*(dpA51*k1[i]+dpA52*k2[i]+dpA53*k3[i]+dpA54*k4[i])
	}
	d.f(t+dpC5*h, yt, k5)
	for i := range yt {
		yt[i] = y[i] + h*(dpA61*k1[i]+dpA62*k2[i]+dpA63*k3[i]+dpA64*k4[i]+dpA65*k5[i])
	}
	d.f(t+h, yt, k6)
	for i := range y1 {
		y1[i] = y[i] + h*(dpA71*k1[i]+dpA73*k3[i]+dpA74*k4[i]+dpA75*k5[i]+dpA76*k6[i])
	}
	d.f(t+h, y1, k7)
	d.st.FEvals += 6
	sum := 0.0
	for i := range y1 {
		e := h * (dpE1*k1[i] + dpE3*k3[i] + dpE4*k4[i] + dpE5*k5[i] + dpE6*k6[i] + dpE7*k7[i])
		a, b := math.Abs(y[i]), math.Abs(y1[i])
		if b > a {
			a = b
		}
		e /= d.atol + d.rtol*a
		sum += e * e
	}
	return math.Sqrt(sum / float64(n))
}

// prepareDense computes the continuous extension coefficients of the accepted step (before the FSAL swap).
func (d *dpSolver) prepareDense(h float64) {
	w := d.w
	n := len(w.y)
	y, y1 := w.y[:n], w.y1[:n]
	k1, k3, k4, k5, k6, k7 := w.k1[:n], w.k3[:n], w.k4[:n], w.k5[:n], w.k6[:n], w.k7[:n]
	r2, r3, r4, r5 := w.r2[:n], w.r3[:n], w.r4[:n], w.r5[:n]
	for i := range y {
		ydiff := y1[i] - y[i]
		bspl := h*k1[i] - ydiff
		r2[i] = ydiff
		r3[i] = bspl
		r4[i] = ydiff - h*k7[i] - bspl
		r5[i] = h * (dpD1*k1[i] + dpD3*k3[i] + dpD4*k4[i] + dpD5*k5[i] + dpD6*k6[i] + dpD7*k7[i])
	}
}

// dense evaluates the continuous extension at fraction theta of the step into w.yout.
func (d *dpSolver) dense(theta float64) {
	w := d.w
	n := len(w.y)
	y, out := w.y[:n], w.yout[:n]
	r2, r3, r4, r5 := w.r2[:n], w.r3[:n], w.r4[:n], w.r5[:n]
	theta1 := 1 - theta
	for i := range out {
		out[i] = y[i] + theta*(r2[i]+theta1*(r3[i]+theta*(r4[i]+theta1*r5[i])))
	}
}

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
