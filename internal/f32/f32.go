// Package f32 holds the float32 kernels of dynlearn's plain-Go inference paths (small trained MLPs
// and LSTMs evaluated one sample at a time, where a graph backend's per-operation overhead would
// dominate): y += a·x, dense layers y = b + x·W, and float32 tanh, sigmoid and ELU.
//
// Built with GOEXPERIMENT=simd on amd64, Axpy uses AVX-512 (or AVX2 with FMA) through
// simd/archsimd when the CPU has it; otherwise, and on other builds, a plain loop.
package f32

import "math"

// Axpy adds a·x to y: y[i] += a·x[i] for i < len(x) (len(y) >= len(x)).
func Axpy(a float32, x, y []float32) { axpy(a, x, y) }

func axpyGeneric(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// Dense computes y = b + x·W for one sample: x has len(x) = in values, W is row-major [in][out]
// (GoMLX's dense-layer layout) and b and y have out values. y must not alias x.
func Dense(y, x, w, b []float32) {
	out := len(y)
	copy(y, b[:out])
	for i, xi := range x {
		if xi != 0 {
			axpy(xi, w[i*out:(i+1)*out], y)
		}
	}
}

// TanhSlice writes tanh(x[i]) into y[i] for i < len(x) (y may be x), vectorised like Axpy.
func TanhSlice(y, x []float32) { tanhSlice(y, x) }

// SigmoidSlice writes σ(x[i]) = ½ + ½·tanh(x[i]/2) into y[i] for i < len(x) (y may be x).
func SigmoidSlice(y, x []float32) { sigmoidSlice(y, x) }

// ELUSlice writes ELU(x[i]) into y[i] for i < len(x) (y may be x), vectorised like Axpy (with a
// float32 exponential accurate to about 1e-7 absolute).
func ELUSlice(y, x []float32) { eluSlice(y, x) }

func eluGeneric(y, x []float32) {
	for i, v := range x {
		y[i] = ELU(v)
	}
}

func tanhGeneric(y, x []float32) {
	for i, v := range x {
		y[i] = Tanh(v)
	}
}

func sigmoidGeneric(y, x []float32) {
	for i, v := range x {
		y[i] = Sigmoid(v)
	}
}

// Coefficients of the rational tanh approximation.
const (
	tanhClamp = 7.90531110763549805
	ta1       = 4.89352455891786e-03
	ta3       = 6.37261928875436e-04
	ta5       = 1.48572235717979e-05
	ta7       = 5.12229709037114e-08
	ta9       = -8.60467152213735e-11
	ta11      = 2.00018790482477e-13
	ta13      = -2.76076847742355e-16
	tb0       = 4.89352518554385e-03
	tb2       = 2.26843463243900e-03
	tb4       = 1.18534705686654e-04
	tb6       = 1.19825839466702e-06
)

// Tanh returns tanh(x) in float32 with a rational approximation (Eigen's and XLA's float32 tanh:
// odd polynomial of degree 13 over an even one of degree 6, argument clamped to ±7.90531), within
// a few float32 ulps of math.Tanh.
func Tanh(x float32) float32 {
	x = min(max(x, -tanhClamp), tanhClamp)
	x2 := x * x
	p := float32(ta13)
	p = p*x2 + ta11
	p = p*x2 + ta9
	p = p*x2 + ta7
	p = p*x2 + ta5
	p = p*x2 + ta3
	p = p*x2 + ta1
	p *= x
	q := float32(tb6)
	q = q*x2 + tb4
	q = q*x2 + tb2
	q = q*x2 + tb0
	return p / q
}

// Sigmoid returns 1 / (1 + e^-x) = ½ + ½·tanh(x/2).
func Sigmoid(x float32) float32 { return 0.5 + 0.5*Tanh(0.5*x) }

// ELU returns x for x > 0 and e^x - 1 otherwise (CELU with α = 1).
func ELU(x float32) float32 {
	if x > 0 {
		return x
	}
	return float32(math.Expm1(float64(x)))
}
