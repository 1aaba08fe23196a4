package reactiondiffusion

import (
	"fmt"
	"math"
	"math/cmplx"
)

// Snapshot is the state of the simulation at one output time, passed to the callback of Simulate. The
// slices are n×n row-major fields (index r·n + c is the point x = X[c], y = Y[r]) owned by the solver:
// they are only valid during the callback and must be copied to be kept.
type Snapshot struct {
	K      int       // Output index: T = K·Dt.
	T      float64   // Time.
	U, V   []float64 // The fields u and v.
	UT, VT []float64 // Their exact time derivatives u_t, v_t: the right-hand side at (u, v).
}

// etdCoef holds the ETDRK4 coefficients of one field for every Fourier mode (Kassam & Trefethen 2005,
// with the step h folded into Q, F1, F2, F3).
type etdCoef struct {
	E, E2, Q, F1, F2, F3 []float64
}

// newETDCoef computes the coefficients for the diagonal linear operator lin (one real value ≤ 0 per mode)
// and step h. The φ-functions are evaluated with Kassam & Trefethen's contour integral (32 points on
// the upper half of a unit circle around each h·λ, real part), which is accurate to rounding also near
// h·λ = 0 where the closed forms cancel catastrophically.
func newETDCoef(lin []float64, h float64) *etdCoef {
	const m = 32
	var roots [m]complex128
	for j := range roots {
		roots[j] = cmplx.Exp(complex(0, math.Pi*(float64(j)+0.5)/m))
	}
	nn := len(lin)
	c := &etdCoef{E: make([]float64, nn), E2: make([]float64, nn), Q: make([]float64, nn),
		F1: make([]float64, nn), F2: make([]float64, nn), F3: make([]float64, nn)}
	cache := map[float64][4]float64{}
	for i, l := range lin {
		z := h * l
		c.E[i], c.E2[i] = math.Exp(z), math.Exp(z/2)
		v, ok := cache[z]
		if !ok {
			var q, f1, f2, f3 complex128
			for _, r := range roots {
				lr := complex(z, 0) + r
				e := cmplx.Exp(lr)
				lr3 := lr * lr * lr
				q += (cmplx.Exp(lr/2) - 1) / lr
				f1 += (-4 - lr + e*(4-3*lr+lr*lr)) / lr3
				f2 += (2 + lr + e*(lr-2)) / lr3
				f3 += (-4 - 3*lr - lr*lr + e*(4-lr)) / lr3
			}
			v = [4]float64{h * real(q) / m, h * real(f1) / m, h * real(f2) / m, h * real(f3) / m}
			cache[z] = v
		}
		c.Q[i], c.F1[i], c.F2[i], c.F3[i] = v[0], v[1], v[2], v[3]
	}
	return c
}

// solver integrates the λ-ω system in Fourier space with ETDRK4.
type solver struct {
	n          int
	d1, d2     float64
	beta       float64
	h          float64
	k2         []float64
	fft        *fft2
	cu, cv     *etdCoef
	uh, vh     []complex128 // state: spectra of u and v
	w          []complex128 // physical-space work array (u + i·v packed)
	nu, nv     [4][]complex128
	au, av     []complex128
	bu, bv     []complex128
	react      func(u, v float64) (ru, rv float64) // nil: the λ-ω reaction (inlined)
	u, v       []float64                           // output buffers
	ut, vt     []float64
	nonlinEval int
}

func newSolver(n int, l, d1, d2, beta, h float64, workers int) *solver {
	nn := n * n
	s := &solver{n: n, d1: d1, d2: d2, beta: beta, h: h, k2: k2(n, l), fft: newFFT2(n, workers)}
	lin := make([]float64, nn)
	for i, kk := range s.k2 {
		lin[i] = -d1 * kk
	}
	s.cu = newETDCoef(lin, h)
	if d2 == d1 {
		s.cv = s.cu
	} else {
		lin2 := make([]float64, nn)
		for i, kk := range s.k2 {
			lin2[i] = -d2 * kk
		}
		s.cv = newETDCoef(lin2, h)
	}
	alloc := func() []complex128 { return make([]complex128, nn) }
	s.uh, s.vh, s.w = alloc(), alloc(), alloc()
	for j := range 4 {
		s.nu[j], s.nv[j] = alloc(), alloc()
	}
	s.au, s.av, s.bu, s.bv = alloc(), alloc(), alloc(), alloc()
	s.u, s.v, s.ut, s.vt = make([]float64, nn), make([]float64, nn), make([]float64, nn), make([]float64, nn)
	return s
}

// reaction returns the λ-ω reaction terms (reference §2c, reaction_diffusion_rhs.m):
// u - u³ - u·v² + β(u²·v + v³) = (1-A²)u + βA²v and v - u²·v - v³ - β(u³ + u·v²) = (1-A²)v - βA²u.
func reaction(u, v, beta float64) (float64, float64) {
	a2 := u*u + v*v
	return (1-a2)*u + beta*a2*v, (1-a2)*v - beta*a2*u
}

// setState sets the spectra from physical fields u and v (packed into one complex FFT).
func (s *solver) setState(u, v []float64) {
	for i := range s.w {
		s.w[i] = complex(u[i], v[i])
	}
	s.fft.forward(s.w)
	s.unpack(s.w, s.uh, s.vh)
}

// unpack splits the spectrum F of f + i·g (f, g real) into the spectra of f and g:
// f̂(k) = (F(k) + conj F(-k))/2, ĝ(k) = (F(k) - conj F(-k))/(2i).
func (s *solver) unpack(f, fh, gh []complex128) {
	n := s.n
	for r := range n {
		mr := (n - r) % n
		for c := range n {
			mc := (n - c) % n
			a, b := f[r*n+c], cmplx.Conj(f[mr*n+mc])
			fh[r*n+c] = (a + b) / 2
			d := (a - b) / 2
			gh[r*n+c] = complex(imag(d), -real(d))
		}
	}
}

// physical fills s.u and s.v from spectra uh, vh (one inverse FFT of uh + i·vh).
func (s *solver) physical(uh, vh []complex128) {
	for i := range s.w {
		s.w[i] = uh[i] + complex(-imag(vh[i]), real(vh[i]))
	}
	s.fft.inverse(s.w)
	for i, z := range s.w {
		s.u[i], s.v[i] = real(z), imag(z)
	}
}

// nonlinear writes the spectra of the reaction terms at the state (uh, vh) into (nuh, nvh).
func (s *solver) nonlinear(uh, vh, nuh, nvh []complex128) {
	s.nonlinEval++
	for i := range s.w {
		s.w[i] = uh[i] + complex(-imag(vh[i]), real(vh[i]))
	}
	s.fft.inverse(s.w)
	if s.react == nil {
		beta := s.beta
		for i, z := range s.w {
			u, v := real(z), imag(z)
			a2 := u*u + v*v
			s.w[i] = complex((1-a2)*u+beta*a2*v, (1-a2)*v-beta*a2*u)
		}
	} else {
		for i, z := range s.w {
			ru, rv := s.react(real(z), imag(z))
			s.w[i] = complex(ru, rv)
		}
	}
	s.fft.forward(s.w)
	s.unpack(s.w, nuh, nvh)
}

// step advances the state by one ETDRK4 step of size h (Cox & Matthews 2002, in the form of Kassam &
// Trefethen 2005).
func (s *solver) step() {
	s.nonlinear(s.uh, s.vh, s.nu[0], s.nv[0])
	half := func(c *etdCoef, x, nx, out []complex128) {
		for i := range out {
			out[i] = complex(c.E2[i], 0)*x[i] + complex(c.Q[i], 0)*nx[i]
		}
	}
	half(s.cu, s.uh, s.nu[0], s.au)
	half(s.cv, s.vh, s.nv[0], s.av)
	s.nonlinear(s.au, s.av, s.nu[1], s.nv[1])
	half(s.cu, s.uh, s.nu[1], s.bu)
	half(s.cv, s.vh, s.nv[1], s.bv)
	s.nonlinear(s.bu, s.bv, s.nu[2], s.nv[2])
	// c = E2·a + Q·(2N_b - N_v), stored in b's buffers (b itself is no longer needed: only N_b is).
	third := func(c *etdCoef, a, n0, nb, out []complex128) {
		for i := range out {
			out[i] = complex(c.E2[i], 0)*a[i] + complex(c.Q[i], 0)*(2*nb[i]-n0[i])
		}
	}
	third(s.cu, s.au, s.nu[0], s.nu[2], s.bu)
	third(s.cv, s.av, s.nv[0], s.nv[2], s.bv)
	s.nonlinear(s.bu, s.bv, s.nu[3], s.nv[3])
	final := func(c *etdCoef, x []complex128, nx [4][]complex128) {
		for i := range x {
			x[i] = complex(c.E[i], 0)*x[i] + complex(c.F1[i], 0)*nx[0][i] +
				complex(2*c.F2[i], 0)*(nx[1][i]+nx[2][i]) + complex(c.F3[i], 0)*nx[3][i]
		}
	}
	final(s.cu, s.uh, s.nu)
	final(s.cv, s.vh, s.nv)
}

// output fills s.u, s.v and their time derivatives s.ut, s.vt = reaction + d·∇² (exact, from the RHS).
func (s *solver) output() {
	s.physical(s.uh, s.vh)
	// d1∇²u + i·d2∇²v in one inverse FFT.
	for i := range s.w {
		a := complex(-s.d1*s.k2[i], 0) * s.uh[i]
		b := complex(-s.d2*s.k2[i], 0) * s.vh[i]
		s.w[i] = a + complex(-imag(b), real(b))
	}
	s.fft.inverse(s.w)
	for i, z := range s.w {
		var ru, rv float64
		if s.react == nil {
			ru, rv = reaction(s.u[i], s.v[i], s.beta)
		} else {
			ru, rv = s.react(s.u[i], s.v[i])
		}
		s.ut[i], s.vt[i] = ru+real(z), rv+imag(z)
	}
}

// SpiralIC returns the m-armed spiral initial condition of the reference (§2c, reaction_diffusion.m) on
// the n×n grid x_j = y_j = -L/2 + j·L/n: u = tanh(r)·cos(m·θ - r), v = tanh(r)·sin(m·θ - r) with
// r = sqrt(x² + y²) and θ = atan2(y, x) (MATLAB's angle(X + iY)). Fields are row-major: index r·n + c
// is the point (x_c, y_r).
// It returns nil slices for n <= 0.
func SpiralIC(n int, l float64, m int) (u, v []float64) {
	if n <= 0 {
		return nil, nil
	}
	x := Coords(n, l)
	u, v = make([]float64, n*n), make([]float64, n*n)
	for r := range n {
		for c := range n {
			rad := math.Hypot(x[c], x[r])
			th := math.Atan2(x[r], x[c])
			u[r*n+c] = math.Tanh(rad) * math.Cos(float64(m)*th-rad)
			v[r*n+c] = math.Tanh(rad) * math.Sin(float64(m)*th-rad)
		}
	}
	return u, v
}

// Coords returns the n grid coordinates -L/2 + j·L/n, j = 0..n-1 (MATLAB's linspace(-L/2, L/2, n+1)(1:n)).
// It returns nil for n <= 0.
func Coords(n int, l float64) []float64 {
	if n <= 0 {
		return nil
	}
	x := make([]float64, n)
	for j := range x {
		x[j] = -l/2 + float64(j)*l/float64(n)
	}
	return x
}

// Simulate integrates the λ-ω reaction-diffusion system of cfg from the spiral initial condition and
// calls emit at every output time T = K·Dt for K = 0, 1, ..., round(T1/Dt), including the snapshots
// that cfg.Drop removes from the data set. It stops at the first error emit returns (wrapped).
//
// Time stepping is ETDRK4 (exponential time differencing, 4th order; Cox & Matthews 2002, Kassam &
// Trefethen 2005) in Fourier space with cfg.Substeps steps per output interval: the diffusion -d·|k|²
// is integrated exactly, so the step is not limited by the stiffness of the high wavenumbers (the
// reference used MATLAB's ode45 on the same Fourier-space system). Every snapshot is checked for
// non-finite values.
func Simulate(cfg Config, emit func(Snapshot) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if emit == nil {
		return fmt.Errorf("reactiondiffusion: Simulate: emit is nil")
	}
	s := newSolver(cfg.N, cfg.L, cfg.D1, cfg.D2, cfg.Beta, cfg.Dt/float64(cfg.Substeps), cfg.Workers)
	u0, v0 := SpiralIC(cfg.N, cfg.L, cfg.Arms)
	s.setState(u0, v0)
	return s.run(cfg.Outputs(), cfg.Substeps, cfg.Dt, emit)
}

// run emits outputs 0..outputs-1 with substeps ETDRK4 steps between consecutive outputs.
func (s *solver) run(outputs, substeps int, dt float64, emit func(Snapshot) error) error {
	for k := range outputs {
		if k > 0 {
			for range substeps {
				s.step()
			}
		}
		s.output()
		t := float64(k) * dt
		for _, a := range [][]float64{s.u, s.v, s.ut, s.vt} {
			for i, x := range a {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("reactiondiffusion: non-finite value %g at t=%g, grid index %d (step too large?)", x, t, i)
				}
			}
		}
		if err := emit(Snapshot{K: k, T: t, U: s.u, V: s.v, UT: s.ut, VT: s.vt}); err != nil {
			return fmt.Errorf("reactiondiffusion: at t=%g: %w", t, err)
		}
	}
	return nil
}
