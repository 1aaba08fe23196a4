package led

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// EdgeMode selects how SavitzkyGolay treats the first and last Window/2 points.
type EdgeMode int

const (
	// EdgeInterp fits the polynomial to the first (last) full window and evaluates it at the edge
	// points, as scipy.signal.savgol_filter's default mode "interp". A polynomial of degree <= Order
	// is reproduced exactly everywhere.
	EdgeInterp EdgeMode = iota
	// EdgeMirror pads the series with values mirrored around its end values,
	// first = y0 - |y[1:h+1][::-1] - y0| (the SciPy-cookbook routine used by the PACS report), then
	// applies the central filter everywhere.
	EdgeMirror
)

// SavGol is a Savitzky-Golay smoothing filter: each point is replaced by the value at that point of
// the least-squares polynomial of degree Order fitted to the Window points centred on it.
type SavGol struct {
	Window int // Odd, > Order (the report uses 31).
	Order  int // Polynomial degree (the report uses 2).
	Edges  EdgeMode

	// proj[m] are the weights that evaluate the fitted polynomial at offset m-h of the window.
	proj [][]float64
}

// NewSavGol returns the filter for a window length and polynomial order, or an error if the window is
// even, shorter than Order+1, or Order < 0.
func NewSavGol(window, order int, edges EdgeMode) (*SavGol, error) {
	if window < 1 || window%2 == 0 {
		return nil, fmt.Errorf("savitzky-golay: window %d must be a positive odd number", window)
	}
	if order < 0 || order >= window {
		return nil, fmt.Errorf("savitzky-golay: order %d must be in [0, window-1] = [0, %d]", order, window-1)
	}
	h := window / 2
	// Least squares on scaled positions s = k/h (k = -h..h) for conditioning: V[k][i] = s^i.
	p := order + 1
	V := mat.NewDense(window, p, nil)
	scale := math.Max(1, float64(h))
	for k := -h; k <= h; k++ {
		for i := 0; i < p; i++ {
			V.Set(k+h, i, math.Pow(float64(k)/scale, float64(i)))
		}
	}
	// P = (VᵀV)⁻¹Vᵀ, the pseudo-inverse: coefficients = P·y.
	var vtv mat.Dense
	vtv.Mul(V.T(), V)
	var P mat.Dense
	if err := P.Solve(&vtv, V.T()); err != nil {
		return nil, fmt.Errorf("savitzky-golay: window %d order %d: %w", window, order, err)
	}
	f := &SavGol{Window: window, Order: order, Edges: edges, proj: make([][]float64, window)}
	for m := -h; m <= h; m++ {
		w := make([]float64, window)
		s := float64(m) / scale
		for i := 0; i < p; i++ {
			si := math.Pow(s, float64(i))
			for k := 0; k < window; k++ {
				w[k] += si * P.At(i, k)
			}
		}
		f.proj[m+h] = w
	}
	return f, nil
}

// Coefficients returns the central smoothing weights (row 0 of the pseudo-inverse of the
// Vandermonde matrix in the report's notation), oldest point first.
func (f *SavGol) Coefficients() []float64 { return append([]float64(nil), f.proj[f.Window/2]...) }

// Smooth returns the filtered series. The series must have at least Window points.
func (f *SavGol) Smooth(y []float64) ([]float64, error) {
	n, w, h := len(y), f.Window, f.Window/2
	if n < w {
		return nil, fmt.Errorf("savitzky-golay: series of %d points is shorter than the window %d", n, w)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("savitzky-golay: value %d is %g", i, v)
		}
	}
	out := make([]float64, n)
	c := f.proj[h]
	apply := func(src []float64, at int) float64 { // src index of the window's first point
		s := 0.0
		for k := 0; k < w; k++ {
			s += c[k] * src[at+k]
		}
		return s
	}
	switch f.Edges {
	case EdgeMirror:
		pad := make([]float64, n+2*h)
		for k := 0; k < h; k++ {
			pad[k] = y[0] - math.Abs(y[h-k]-y[0])
			pad[n+h+k] = y[n-1] + math.Abs(y[n-2-k]-y[n-1])
		}
		copy(pad[h:], y)
		for i := 0; i < n; i++ {
			out[i] = apply(pad, i)
		}
	default:
		for i := h; i < n-h; i++ {
			out[i] = apply(y, i-h)
		}
		for i := 0; i < h; i++ {
			a, b := 0.0, 0.0
			for k := 0; k < w; k++ {
				a += f.proj[i][k] * y[k]
				b += f.proj[h+1+i][k] * y[n-w+k]
			}
			out[i], out[n-h+i] = a, b
		}
	}
	return out, nil
}

// SmoothColumns smooths each of the dim columns of a row-major [steps][dim] series over time (the
// report smooths each latent coordinate of an encoded trajectory).
func (f *SavGol) SmoothColumns(series []float32, dim int) ([]float32, error) {
	if dim < 1 || len(series)%dim != 0 {
		return nil, fmt.Errorf("savitzky-golay: %d values are not a [steps][%d] series", len(series), dim)
	}
	steps := len(series) / dim
	out := make([]float32, len(series))
	col := make([]float64, steps)
	for j := 0; j < dim; j++ {
		for t := 0; t < steps; t++ {
			col[t] = float64(series[t*dim+j])
		}
		s, err := f.Smooth(col)
		if err != nil {
			return nil, fmt.Errorf("column %d: %w", j, err)
		}
		for t := 0; t < steps; t++ {
			out[t*dim+j] = float32(s[t])
		}
	}
	return out, nil
}
