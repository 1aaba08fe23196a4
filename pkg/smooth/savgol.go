package smooth

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// EdgeMode selects how SavGol treats the first and last Window/2 points.
type EdgeMode int

const (
	// EdgeInterp fits the polynomial to the first (last) full window and evaluates it (or its
	// derivative) at the edge points, as scipy.signal.savgol_filter's default mode "interp". A
	// polynomial of degree <= Order is reproduced exactly everywhere, and so are its derivatives.
	EdgeInterp EdgeMode = iota
	// EdgeMirror pads the series with values mirrored around its end values,
	// first = y0 - |y[1:h+1][::-1] - y0| (the SciPy-cookbook routine used by the PACS report), then
	// applies the central filter everywhere.
	EdgeMirror
)

// String names the mode as scipy does ("interp") or as the cookbook routine ("mirror").
func (e EdgeMode) String() string {
	switch e {
	case EdgeInterp:
		return "interp"
	case EdgeMirror:
		return "mirror"
	}
	return fmt.Sprintf("EdgeMode(%d)", int(e))
}

// SavGol is a Savitzky-Golay filter. With h = Window/2, the polynomial
//
//	p_i(s) = Σ_{j=0..Order} c_j s^j,  c = argmin Σ_{k=-h..h} (p_i(k) - y_{i+k})²,
//
// is fitted by least squares to the Window points centred on sample i (a linear map c = P y of the
// window). Smooth replaces y_i by p_i(0); Derivative returns the d-th derivative of the local fit,
// p_i^{(d)}(0) / Δ^d for samples Δ apart, like scipy.signal.savgol_filter(y, Window, Order,
// deriv=d, delta=Δ). Create it with NewSavGol; it is safe for concurrent use.
type SavGol struct {
	Window int // Odd, > Order (the PACS report uses 31).
	Order  int // Polynomial degree (the report uses 2).
	Edges  EdgeMode

	scale float64     // positions are scaled to s = k/scale for conditioning
	pinv  *mat.Dense  // (Order+1) × Window: coefficients of the scaled-position fit, c = pinv·y
	proj  [][]float64 // proj[m]: weights evaluating the fit at offset m-h of the window
}

// NewSavGol returns the filter for a window length and polynomial order, or an error if the window is
// even or not positive, or the order is outside [0, window-1].
func NewSavGol(window, order int, edges EdgeMode) (*SavGol, error) {
	if window < 1 || window%2 == 0 {
		return nil, fmt.Errorf("savitzky-golay: window %d must be a positive odd number", window)
	}
	if order < 0 || order >= window {
		return nil, fmt.Errorf("savitzky-golay: order %d must be in [0, window-1] = [0, %d]", order, window-1)
	}
	if edges != EdgeInterp && edges != EdgeMirror {
		return nil, fmt.Errorf("savitzky-golay: edge mode %d must be EdgeInterp (0) or EdgeMirror (1)", int(edges))
	}
	h := window / 2
	p := order + 1
	scale := math.Max(1, float64(h))
	// Least squares on scaled positions s = k/scale (k = -h..h): V[k][j] = s^j; the pseudo-inverse
	// P = V⁺ (by QR, solving V P = I column by column) maps a window to the coefficients.
	V := mat.NewDense(window, p, nil)
	for k := -h; k <= h; k++ {
		s := float64(k) / scale
		for j := range p {
			V.Set(k+h, j, math.Pow(s, float64(j)))
		}
	}
	var qr mat.QR
	qr.Factorize(V)
	eye := mat.NewDense(window, window, nil)
	for k := range window {
		eye.Set(k, k, 1)
	}
	P := mat.NewDense(p, window, nil)
	if err := qr.SolveTo(P, false, eye); err != nil {
		return nil, fmt.Errorf("savitzky-golay: window %d order %d: %w", window, order, err)
	}
	f := &SavGol{Window: window, Order: order, Edges: edges, scale: scale, pinv: P}
	f.proj = f.weights(0)
	return f, nil
}

// weights returns, for each offset m = 0..Window-1 (position m-h), the weights w with
// Σ_k w[k] y_k = d^d p/ds^d at s = (m-h)/scale, the d-th derivative of the fit in scaled units.
func (f *SavGol) weights(d int) [][]float64 {
	h, p := f.Window/2, f.Order+1
	out := make([][]float64, f.Window)
	for m := -h; m <= h; m++ {
		w := make([]float64, f.Window)
		s := float64(m) / f.scale
		for j := d; j < p; j++ {
			// d^d/ds^d s^j = j!/(j-d)! s^(j-d)
			fac := 1.0
			for r := j - d + 1; r <= j; r++ {
				fac *= float64(r)
			}
			sj := fac * math.Pow(s, float64(j-d))
			for k := range f.Window {
				w[k] += sj * f.pinv.At(j, k)
			}
		}
		out[m+h] = w
	}
	return out
}

// Coefficients returns the central smoothing weights (row 0 of the pseudo-inverse of the
// Vandermonde matrix in the report's notation), oldest point first.
func (f *SavGol) Coefficients() []float64 { return append([]float64(nil), f.proj[f.Window/2]...) }

// Smooth returns the filtered series p_i(0). The series must have at least Window points, all finite.
func (f *SavGol) Smooth(y []float64) ([]float64, error) {
	if err := f.check(y); err != nil {
		return nil, err
	}
	return f.apply(y, f.proj), nil
}

// Derivative returns the deriv-th derivative of the local polynomial fit at every sample of y,
// for samples delta apart: p_i^{(deriv)}(0)/delta^deriv, with the edges treated by f.Edges. deriv
// must be in [0, Order] (deriv 0 is Smooth; scipy returns zeros above Order, which is never what a
// caller wants), delta finite and > 0. With EdgeInterp it matches
// scipy.signal.savgol_filter(y, Window, Order, deriv=deriv, delta=delta, mode="interp").
func (f *SavGol) Derivative(y []float64, deriv int, delta float64) ([]float64, error) {
	if deriv < 0 || deriv > f.Order {
		return nil, fmt.Errorf("savitzky-golay: derivative order %d must be in [0, Order] = [0, %d]", deriv, f.Order)
	}
	if !(delta > 0) || math.IsInf(delta, 0) {
		return nil, fmt.Errorf("savitzky-golay: sample spacing delta %g must be finite and > 0", delta)
	}
	if err := f.check(y); err != nil {
		return nil, err
	}
	w := f.proj
	if deriv > 0 {
		w = f.weights(deriv)
		// d/dt = d/ds · ds/dt with s = k/scale and t = k·delta.
		c := math.Pow(f.scale*delta, -float64(deriv))
		for _, r := range w {
			for k := range r {
				r[k] *= c
			}
		}
	}
	return f.apply(y, w), nil
}

func (f *SavGol) check(y []float64) error {
	if f == nil || f.proj == nil {
		return fmt.Errorf("savitzky-golay: filter not created by NewSavGol")
	}
	if len(y) < f.Window {
		return fmt.Errorf("savitzky-golay: series of %d points is shorter than the window %d", len(y), f.Window)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("savitzky-golay: value %d is %g", i, v)
		}
	}
	return nil
}

// apply filters y with the position weights w (w[h] central, w[m] at offset m-h for the edges).
func (f *SavGol) apply(y []float64, w [][]float64) []float64 {
	n, win, h := len(y), f.Window, f.Window/2
	out := make([]float64, n)
	c := w[h]
	dot := func(src []float64, at int) float64 { // src index of the window's first point
		s := 0.0
		for k := range win {
			s += c[k] * src[at+k]
		}
		return s
	}
	switch f.Edges {
	case EdgeMirror:
		pad := make([]float64, n+2*h)
		for k := range h {
			pad[k] = y[0] - math.Abs(y[h-k]-y[0])
			pad[n+h+k] = y[n-1] + math.Abs(y[n-2-k]-y[n-1])
		}
		copy(pad[h:], y)
		for i := range n {
			out[i] = dot(pad, i)
		}
	default:
		for i := h; i < n-h; i++ {
			out[i] = dot(y, i-h)
		}
		for i := range h {
			a, b := 0.0, 0.0
			for k := range win {
				a += w[i][k] * y[k]
				b += w[h+1+i][k] * y[n-win+k]
			}
			out[i], out[n-h+i] = a, b
		}
	}
	return out
}

// SmoothColumns smooths each of the dim columns of a row-major [steps][dim] float32 series over
// time (package led smooths each latent coordinate of an encoded trajectory).
func (f *SavGol) SmoothColumns(series []float32, dim int) ([]float32, error) {
	if dim < 1 || len(series)%dim != 0 {
		return nil, fmt.Errorf("savitzky-golay: %d values are not a [steps][%d] series", len(series), dim)
	}
	steps := len(series) / dim
	out := make([]float32, len(series))
	col := make([]float64, steps)
	for j := range dim {
		for t := range steps {
			col[t] = float64(series[t*dim+j])
		}
		s, err := f.Smooth(col)
		if err != nil {
			return nil, fmt.Errorf("column %d: %w", j, err)
		}
		for t := range steps {
			out[t*dim+j] = float32(s[t])
		}
	}
	return out, nil
}
