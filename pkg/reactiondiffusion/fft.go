package reactiondiffusion

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fft2 is a 2D complex FFT on an n×n row-major grid, built from gonum's 1D transforms: first every row,
// then every column (gathered into a contiguous buffer). Rows and columns are split between workers
// goroutines; each worker owns its own gonum transform and buffer (gonum's CmplxFFT is not safe for
// concurrent use).
type fft2 struct {
	n       int
	workers int
	ffts    []*fourier.CmplxFFT
	bufs    [][]complex128
}

func newFFT2(n, workers int) *fft2 {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, n))
	f := &fft2{n: n, workers: workers}
	for range workers {
		f.ffts = append(f.ffts, fourier.NewCmplxFFT(n))
		f.bufs = append(f.bufs, make([]complex128, n))
	}
	return f
}

// parallel runs body(w, lo, hi) on workers goroutines over [0, n) split in contiguous chunks (inline when
// there is one worker).
func parallel(workers, n int, body func(w, lo, hi int)) {
	if workers <= 1 || n < 2 {
		body(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Go(func() { body(w, lo, hi) })
	}
	wg.Wait()
}

// transform applies the unnormalised forward (inverse=false: Σ_j x_j e^{-2πi jk/n} along each axis) or
// backward (inverse=true: e^{+2πi jk/n}) 2D transform in place.
func (f *fft2) transform(data []complex128, inverse bool) {
	n := f.n
	parallel(f.workers, n, func(w, lo, hi int) {
		t := f.ffts[w]
		for r := lo; r < hi; r++ {
			row := data[r*n : (r+1)*n]
			if inverse {
				t.Sequence(row, row)
			} else {
				t.Coefficients(row, row)
			}
		}
	})
	parallel(f.workers, n, func(w, lo, hi int) {
		t, buf := f.ffts[w], f.bufs[w]
		for c := lo; c < hi; c++ {
			for r := range n {
				buf[r] = data[r*n+c]
			}
			if inverse {
				t.Sequence(buf, buf)
			} else {
				t.Coefficients(buf, buf)
			}
			for r := range n {
				data[r*n+c] = buf[r]
			}
		}
	})
}

// forward computes the 2D DFT in place (MATLAB's fft2).
func (f *fft2) forward(data []complex128) { f.transform(data, false) }

// inverse computes the normalised inverse 2D DFT in place (MATLAB's ifft2).
func (f *fft2) inverse(data []complex128) {
	f.transform(data, true)
	s := complex(1/float64(f.n*f.n), 0)
	for i := range data {
		data[i] *= s
	}
}

// Wavenumbers returns the angular wavenumbers of an n-point periodic grid of length l in FFT order,
// k_i = (2π/l)·i for 2i < n and (2π/l)·(i-n) otherwise: MATLAB's (2π/L)[0:(n/2-1) -n/2:-1] for even n.
// It returns nil for n <= 0.
func Wavenumbers(n int, l float64) []float64 {
	if n <= 0 {
		return nil
	}
	k := make([]float64, n)
	for i := range k {
		m := i
		if 2*i >= n {
			m = i - n
		}
		k[i] = 2 * math.Pi / l * float64(m)
	}
	return k
}

// k2 returns |k|² = kx² + ky² for every mode of the n×n grid, row-major (row index ↔ ky, column ↔ kx).
func k2(n int, l float64) []float64 {
	k := Wavenumbers(n, l)
	out := make([]float64, n*n)
	for r := range n {
		for c := range n {
			out[r*n+c] = k[r]*k[r] + k[c]*k[c]
		}
	}
	return out
}

// Laplacian returns the spectral Laplacian ∇²f = ifft2(-|k|²·fft2(f)) of a periodic field f sampled on an
// n×n row-major grid of side l (n = sqrt(len(f)); f[r·n+c] is the value at x = x_c, y = y_r), as the
// reaction-diffusion solver computes it (reference §2c: "periodic, spectral (fft2) Laplacian").
func Laplacian(f []float64, l float64) ([]float64, error) {
	n := int(math.Round(math.Sqrt(float64(len(f)))))
	if n < 2 || n*n != len(f) {
		return nil, fmt.Errorf("reactiondiffusion: Laplacian: len(f)=%d is not a square n×n grid with n >= 2", len(f))
	}
	if !(l > 0) || math.IsInf(l, 0) {
		return nil, fmt.Errorf("reactiondiffusion: Laplacian: domain length l=%g must be > 0 and finite", l)
	}
	for i, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("reactiondiffusion: Laplacian: f[%d]=%g is not finite", i, v)
		}
	}
	t := newFFT2(n, 0)
	buf := make([]complex128, n*n)
	for i, v := range f {
		buf[i] = complex(v, 0)
	}
	t.forward(buf)
	for i, kk := range k2(n, l) {
		buf[i] *= complex(-kk, 0)
	}
	t.inverse(buf)
	out := make([]float64, n*n)
	for i := range out {
		out[i] = real(buf[i])
	}
	return out, nil
}
