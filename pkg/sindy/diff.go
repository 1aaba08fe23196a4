package sindy

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/smooth"
	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/mat"
)

// This file holds the Differentiators: finite differences of accuracy order 1-4 (FiniteDiff),
// the derivative of a Savitzky-Golay local polynomial fit (SavGolDiff), the FFT derivative of
// periodic data (Spectral) and total-variation regularised differentiation (TotalVariation).
// Each takes samples x (samples × variables) at increasing times t and returns dx/dt at the same
// samples, column by column.

// uniformTol is the relative deviation of a time step from the mean step below which the
// sampling counts as uniform (times built by repeated addition of dt deviate by ~n·ulp).
const uniformTol = 1e-6

// checkSeries validates the input of a Differentiator: at least minN samples, as many finite,
// strictly increasing times as samples, rows of one length ≥ 1 and finite values.
func checkSeries(method string, x [][]float64, t []float64, minN int) error {
	if len(x) < minN {
		return fmt.Errorf("%w: %s: %d samples, need at least %d", ErrInput, method, len(x), minN)
	}
	if len(t) != len(x) {
		return fmt.Errorf("%w: %s: %d times for %d samples, want one time per sample", ErrInput, method, len(t), len(x))
	}
	for i, v := range t {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s: time %d is %g, times must be finite", ErrInput, method, i, v)
		}
		if i > 0 && !(v > t[i-1]) {
			return fmt.Errorf("%w: %s: time %d (%g) is not after time %d (%g), times must be strictly increasing", ErrInput, method, i, v, i-1, t[i-1])
		}
	}
	nv := len(x[0])
	if nv == 0 {
		return fmt.Errorf("%w: %s: samples have no variables", ErrInput, method)
	}
	for i, r := range x {
		if len(r) != nv {
			return fmt.Errorf("%w: %s: sample %d has %d values, want %d", ErrInput, method, i, len(r), nv)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: %s: x[%d][%d] is %g, values must be finite", ErrInput, method, i, j, v)
			}
		}
	}
	return nil
}

// uniformStep returns the mean step of t and whether every step is within uniformTol of it.
func uniformStep(t []float64) (float64, bool) {
	n := len(t)
	dt := (t[n-1] - t[0]) / float64(n-1)
	for i := 1; i < n; i++ {
		if math.Abs(t[i]-t[i-1]-dt) > uniformTol*dt {
			return dt, false
		}
	}
	return dt, true
}

// column returns variable j of the samples x.
func column(x [][]float64, j int) []float64 {
	c := make([]float64, len(x))
	for i, r := range x {
		c[i] = r[j]
	}
	return c
}

// newLike returns a zero matrix of the shape of x.
func newLike(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	buf := make([]float64, len(x)*len(x[0]))
	for i := range out {
		out[i], buf = buf[:len(x[0]):len(x[0])], buf[len(x[0]):]
	}
	return out
}

// FiniteDiff is finite-difference differentiation of accuracy order Order (1-4; 0 means 2, PySINDy's
// default). At sample i the derivative is Σ_k w_k x_{i+k} over a stencil of Order+1 consecutive
// samples, the weights w_k (Fornberg 1988) making it exact for polynomials of degree ≤ Order, so the
// error is O(h^Order):
//
//	Order 1: forward differences (x_{i+1} - x_i)/(t_{i+1} - t_i), backward at the last sample;
//	Order 2: centred (x_{i+1} - x_{i-1})/(2h) on a uniform grid, the three-point non-uniform
//	         formula otherwise, one-sided three-point formulas at both ends;
//	Order 3: stencil i-1..i+2; Order 4: centred stencil i-2..i+2 (x_{i-2} - 8x_{i-1} + 8x_{i+1} - x_{i+2})/(12h).
//
// Near the ends the stencil is shifted inside the data (one-sided, same order). Non-uniform times
// are supported for every order (the weights are computed per sample from the actual times).
// With Periodic the data is taken as one period sampled uniformly (x_{i+n} = x_i, the period being
// n·h), the stencils wrap around and every sample gets the interior formula; Periodic needs
// uniform times. The zero value is second-order finite differences.
type FiniteDiff struct {
	Order    int  // accuracy order 1-4; 0 means 2
	Periodic bool // wrap the stencils around (uniform, periodic data)
}

// stencil returns the offsets of the interior stencil of accuracy order p (first, last).
func fdStencil(p int) (lo, hi int) {
	switch p {
	case 1:
		return 0, 1
	case 2:
		return -1, 1
	case 3:
		return -1, 2
	default:
		return -2, 2
	}
}

// Differentiate returns the finite-difference derivatives of x (samples × variables) at the times t.
func (f FiniteDiff) Differentiate(x [][]float64, t []float64) ([][]float64, error) {
	p := f.Order
	if p == 0 {
		p = 2
	}
	if p < 1 || p > 4 {
		return nil, fmt.Errorf("%w: FiniteDiff Order %d must be 1, 2, 3 or 4 (0 means 2)", ErrInput, f.Order)
	}
	if err := checkSeries("FiniteDiff", x, t, p+1); err != nil {
		return nil, err
	}
	n := len(x)
	lo, hi := fdStencil(p)
	out := newLike(x)
	nodes := make([]float64, p+1)
	if f.Periodic {
		dt, ok := uniformStep(t)
		if !ok {
			return nil, fmt.Errorf("%w: FiniteDiff with Periodic needs uniformly sampled times", ErrInput)
		}
		for k := lo; k <= hi; k++ {
			nodes[k-lo] = float64(k) * dt
		}
		w := fornberg1(nodes)
		for i := range n {
			for k := lo; k <= hi; k++ {
				row := x[((i+k)%n+n)%n]
				for j, v := range row {
					out[i][j] += w[k-lo] * v
				}
			}
		}
		return out, nil
	}
	for i := range n {
		first := min(max(i+lo, 0), n-(hi-lo)-1) // stencil first..first+p inside [0, n-1]
		for k := range p + 1 {
			nodes[k] = t[first+k] - t[i]
		}
		w := fornberg1(nodes)
		for k := range p + 1 {
			for j, v := range x[first+k] {
				out[i][j] += w[k] * v
			}
		}
	}
	return out, nil
}

// fornberg1 returns the weights of the first derivative at 0 from values at the distinct nodes z
// (Fornberg 1988, "Generation of finite difference formulas on arbitrarily spaced grids").
func fornberg1(z []float64) []float64 {
	const m = 1
	n := len(z)
	c := make([][m + 1]float64, n)
	c1, c4 := 1.0, z[0]
	c[0][0] = 1
	for i := 1; i < n; i++ {
		mn := min(i, m)
		c2, c5 := 1.0, c4
		c4 = z[i]
		for j := range i {
			c3 := z[i] - z[j]
			c2 *= c3
			if j == i-1 {
				for k := mn; k >= 1; k-- {
					c[i][k] = c1 * (float64(k)*c[i-1][k-1] - c5*c[i-1][k]) / c2
				}
				c[i][0] = -c1 * c5 * c[i-1][0] / c2
			}
			for k := mn; k >= 1; k-- {
				c[j][k] = (c4*c[j][k] - float64(k)*c[j][k-1]) / c3
			}
			c[j][0] = c4 * c[j][0] / c3
		}
		c1 = c2
	}
	w := make([]float64, n)
	for i := range n {
		w[i] = c[i][1]
	}
	return w
}

// SavGolDiff differentiates with a Savitzky-Golay filter: at each sample the polynomial of degree
// Order is fitted by least squares to the Window samples centred on it (the first and last full
// windows at the ends), and the derivative of that polynomial at the sample is returned,
//
//	ẋ_i = p_i'(t_i),  p_i = argmin_{deg p ≤ Order} Σ_{|k| ≤ Window/2} (p(t_{i+k}) - x_{i+k})²,
//
// equal to scipy.signal.savgol_filter(x, Window, Order, deriv=1, delta=h, mode="interp") for a
// uniform step h (package smooth computes it). It needs uniformly sampled times and at least Window
// samples. Window must be odd and > Order ≥ 1; the zero value means Window 11 and Order 3.
type SavGolDiff struct {
	Window int // odd number of samples in each local fit; 0 means 11
	Order  int // degree of the local polynomial, 1 ≤ Order < Window; 0 means 3
}

// Differentiate returns the Savitzky-Golay derivatives of x (samples × variables) at the times t.
func (s SavGolDiff) Differentiate(x [][]float64, t []float64) ([][]float64, error) {
	w, o := s.Window, s.Order
	if w == 0 {
		w = 11
	}
	if o == 0 {
		o = 3
	}
	if w < 3 || w%2 == 0 {
		return nil, fmt.Errorf("%w: SavGolDiff Window %d must be an odd number ≥ 3 (0 means 11)", ErrInput, s.Window)
	}
	if o < 1 || o >= w {
		return nil, fmt.Errorf("%w: SavGolDiff Order %d must be in [1, Window-1] = [1, %d] (0 means 3)", ErrInput, s.Order, w-1)
	}
	if err := checkSeries("SavGolDiff", x, t, w); err != nil {
		return nil, err
	}
	dt, ok := uniformStep(t)
	if !ok {
		return nil, fmt.Errorf("%w: SavGolDiff needs uniformly sampled times (FiniteDiff handles non-uniform ones)", ErrInput)
	}
	f, err := smooth.NewSavGol(w, o, smooth.EdgeInterp)
	if err != nil {
		return nil, fmt.Errorf("%w: SavGolDiff: %v", ErrInput, err)
	}
	out := newLike(x)
	for j := range x[0] {
		d, err := f.Derivative(column(x, j), 1, dt)
		if err != nil {
			return nil, fmt.Errorf("SavGolDiff variable %d: %w", j, err)
		}
		for i, v := range d {
			out[i][j] = v
		}
	}
	return out, nil
}

// Spectral is the Fourier (spectral) derivative of periodic, uniformly sampled data: with the n
// samples taken as one period L = n·h (x_{i+n} = x_i; the sample at t_0 + L is not included),
//
//	x_i = (1/n) Σ_k X_k e^{2πi f_k t_i},  ẋ_i = (1/n) Σ_{|f_k| ≤ Cutoff} 2πi f_k X_k e^{2πi f_k t_i},
//
// with f_k = k/L the frequencies of numpy.fft.fftfreq(n, h) and the Nyquist mode (n even) dropped,
// as np.real(np.fft.ifft(2j*np.pi*fftfreq(n, h)*np.fft.fft(x))). Cutoff > 0 is an ideal low-pass
// filter in cycles per time unit; 0 keeps every mode. Exact (to rounding) for trigonometric
// polynomials below the Nyquist frequency; on non-periodic data the jump at the wrap-around rings
// everywhere (use FiniteDiff or SavGolDiff there). It needs uniform times and at least 4 samples.
type Spectral struct {
	Cutoff float64 // low-pass cut in cycles per time unit; 0 keeps all frequencies
}

// Differentiate returns the spectral derivatives of x (samples × variables) at the times t.
func (s Spectral) Differentiate(x [][]float64, t []float64) ([][]float64, error) {
	if !(s.Cutoff >= 0) || math.IsInf(s.Cutoff, 0) {
		return nil, fmt.Errorf("%w: Spectral Cutoff %g must be finite and ≥ 0 (0 keeps all frequencies)", ErrInput, s.Cutoff)
	}
	if err := checkSeries("Spectral", x, t, 4); err != nil {
		return nil, err
	}
	dt, ok := uniformStep(t)
	if !ok {
		return nil, fmt.Errorf("%w: Spectral needs uniformly sampled times", ErrInput)
	}
	n := len(x)
	fft := fourier.NewFFT(n)
	period := float64(n) * dt
	out := newLike(x)
	coef := make([]complex128, n/2+1)
	seq := make([]float64, n)
	for j := range x[0] {
		coef = fft.Coefficients(coef, column(x, j))
		for k := range coef {
			f := float64(k) / period
			if (n%2 == 0 && k == n/2) || (s.Cutoff > 0 && f > s.Cutoff) {
				coef[k] = 0
				continue
			}
			coef[k] *= complex(0, 2*math.Pi*f)
		}
		seq = fft.Sequence(seq, coef) // unnormalised inverse
		for i, v := range seq {
			out[i][j] = v / float64(n)
		}
	}
	return out, nil
}

// TotalVariation is total-variation regularised differentiation (Chartrand 2011, "Numerical
// differentiation of noisy, nonsmooth data"): the derivative u is the minimiser of
//
//	F(u, c) = Alpha · Σ_i |u_{i+1/2} - u_{i-1/2}| + ½ Σ_i w_i (c + ∫_{t_0}^{t_i} u dt - x_i)²,
//
// a fit of the data by the antiderivative of u plus a fitted constant c (Chartrand anchors it at
// x_0), penalised by the total variation of u; u is piecewise constant between samples
// (u_{i+1/2} on [t_i, t_{i+1}]) and w_i are the trapezoid weights of the samples, so F approximates
// Alpha·TV(u) + ½∫(c + ∫u - x)² dt independently of the sampling. In terms of the antiderivative
// v_i = c + ∫_{t_0}^{t_i} u dt, u_{i+1/2} = (v_{i+1} - v_i)/(t_{i+1} - t_i), and F is minimised by
// lagged diffusivity (Vogel & Oman 1996, Chartrand's iteration): repeatedly solve the pentadiagonal
// system (W + Alpha·Gᵀ E G) v = W x, G the second differences of v (the jumps of u) and
// E = diag(1/√((G v)² + ε)) from the previous iterate, starting from v = x. The derivative at
// the samples is the three-point formula on v (u_{i±1/2} interpolated to t_i, extrapolated at the
// ends), so Alpha = 0 gives second-order finite differences, and a linear x is differentiated
// exactly for any Alpha. Alpha (≥ 0, in units of x·t²) sets the smoothing: larger values give
// flatter, piecewise-constant derivatives. Iterations (0 means 20) bounds the lagged-diffusivity
// steps, which stop earlier once v changes by less than 1e-10 relative. Needs at least 3 samples;
// non-uniform times are supported.
type TotalVariation struct {
	Alpha      float64 // regularisation weight ≥ 0 (units of x·t²)
	Iterations int     // lagged-diffusivity iterations; 0 means 20
}

// Differentiate returns the TV-regularised derivatives of x (samples × variables) at the times t.
func (tv TotalVariation) Differentiate(x [][]float64, t []float64) ([][]float64, error) {
	if !(tv.Alpha >= 0) || math.IsInf(tv.Alpha, 0) {
		return nil, fmt.Errorf("%w: TotalVariation Alpha %g must be finite and ≥ 0", ErrInput, tv.Alpha)
	}
	iters := tv.Iterations
	if iters == 0 {
		iters = 20
	}
	if iters < 0 {
		return nil, fmt.Errorf("%w: TotalVariation Iterations %d must be ≥ 0 (0 means 20)", ErrInput, tv.Iterations)
	}
	if err := checkSeries("TotalVariation", x, t, 3); err != nil {
		return nil, err
	}
	out := newLike(x)
	for j := range x[0] {
		v, err := tvSmooth(column(x, j), t, tv.Alpha, iters)
		if err != nil {
			return nil, fmt.Errorf("TotalVariation variable %d: %w", j, err)
		}
		n := len(v)
		for i := range n {
			// Three-point derivative of v at t_i (the stencil shifted inside at the ends).
			first := min(max(i-1, 0), n-3)
			w := fornberg1([]float64{t[first] - t[i], t[first+1] - t[i], t[first+2] - t[i]})
			out[i][j] = w[0]*v[first] + w[1]*v[first+1] + w[2]*v[first+2]
		}
	}
	return out, nil
}

// tvSmooth returns the antiderivative v minimising TotalVariation's functional for one series.
func tvSmooth(x, t []float64, alpha float64, iters int) ([]float64, error) {
	n := len(x)
	v := append([]float64(nil), x...)
	if alpha == 0 {
		return v, nil
	}
	// Trapezoid weights and the second-difference operator (G v)_i = u_{i+3/2} - u_{i+1/2},
	// i = 0..n-3, with coefficients g_i = (1/h_i, -(1/h_i + 1/h_{i+1}), 1/h_{i+1}) on v_i..v_{i+2}.
	wt := make([]float64, n)
	for i := range n - 1 {
		h := t[i+1] - t[i]
		wt[i] += h / 2
		wt[i+1] += h / 2
	}
	g := make([][3]float64, n-2)
	for i := range n - 2 {
		a, b := 1/(t[i+1]-t[i]), 1/(t[i+2]-t[i+1])
		g[i] = [3]float64{a, -(a + b), b}
	}
	jumps := func(v []float64) []float64 {
		d := make([]float64, n-2)
		for i := range d {
			d[i] = g[i][0]*v[i] + g[i][1]*v[i+1] + g[i][2]*v[i+2]
		}
		return d
	}
	// ε keeps 1/|jump| finite: (1e-4 of the largest slope or jump of the data)², so that jumps of
	// u well below the data's derivative scale are smoothed quadratically instead of driving the
	// system's condition number up (a straight line has no jumps at all).
	scale := 0.0
	for _, d := range jumps(x) {
		scale = max(scale, math.Abs(d))
	}
	for i := range n - 1 {
		scale = max(scale, math.Abs(x[i+1]-x[i])/(t[i+1]-t[i]))
	}
	if scale == 0 { // constant data: the derivative is 0
		return v, nil
	}
	eps := 1e-4 * scale
	eps *= eps
	rhs := mat.NewVecDense(n, nil)
	for i := range n {
		rhs.SetVec(i, wt[i]*x[i])
	}
	a := mat.NewSymBandDense(n, 2, nil)
	var ch mat.BandCholesky
	sol := mat.NewVecDense(n, nil)
	for range iters {
		d := jumps(v)
		for i := range n {
			for k := i; k <= min(i+2, n-1); k++ {
				a.SetSymBand(i, k, 0)
			}
			a.SetSymBand(i, i, wt[i])
		}
		for r := range n - 2 {
			e := alpha / math.Sqrt(d[r]*d[r]+eps)
			for p := range 3 {
				for q := p; q < 3; q++ {
					a.SetSymBand(r+p, r+q, a.At(r+p, r+q)+e*g[r][p]*g[r][q])
				}
			}
		}
		if !ch.Factorize(a) {
			return nil, fmt.Errorf("lagged-diffusivity system is not positive definite (Alpha %g)", alpha)
		}
		if err := ch.SolveVecTo(sol, rhs); err != nil {
			return nil, fmt.Errorf("lagged-diffusivity solve: %w", err)
		}
		change, size := 0.0, 0.0
		for i := range n {
			change = max(change, math.Abs(sol.AtVec(i)-v[i]))
			size = max(size, math.Abs(sol.AtVec(i)))
			v[i] = sol.AtVec(i)
		}
		if change <= 1e-10*size {
			break
		}
	}
	for i, vi := range v {
		if math.IsNaN(vi) || math.IsInf(vi, 0) {
			return nil, fmt.Errorf("lagged diffusivity diverged at sample %d (Alpha %g)", i, alpha)
		}
	}
	return v, nil
}
