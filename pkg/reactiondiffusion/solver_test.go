package reactiondiffusion

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// grid returns the coordinates and a row-major field filled by f(x, y).
func field(n int, l float64, f func(x, y float64) float64) []float64 {
	x := Coords(n, l)
	out := make([]float64, n*n)
	for r := range n {
		for c := range n {
			out[r*n+c] = f(x[c], x[r])
		}
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestLaplacianAnalytic(t *testing.T) {
	const l = 20.0
	a := 2 * math.Pi / l
	cases := []struct {
		name   string
		f, lap func(x, y float64) float64
	}{
		{"sin(3ax)cos(5ay)",
			func(x, y float64) float64 { return math.Sin(3*a*x) * math.Cos(5*a*y) },
			func(x, y float64) float64 { return -(9 + 25) * a * a * math.Sin(3*a*x) * math.Cos(5*a*y) }},
		// A function with a full (but fast-decaying) spectrum: e^{sin(ax)} · cos(2ay).
		{"exp(sin(ax))cos(2ay)",
			func(x, y float64) float64 { return math.Exp(math.Sin(a*x)) * math.Cos(2*a*y) },
			func(x, y float64) float64 {
				g := math.Exp(math.Sin(a * x))
				gxx := a * a * (math.Cos(a*x)*math.Cos(a*x) - math.Sin(a*x)) * g
				return gxx*math.Cos(2*a*y) - 4*a*a*g*math.Cos(2*a*y)
			}},
	}
	for _, n := range []int{64, 100, 45} {
		for _, tc := range cases {
			got, err := Laplacian(field(n, l, tc.f), l)
			if err != nil {
				t.Fatal(err)
			}
			want := field(n, l, tc.lap)
			if e := maxAbsDiff(got, want); e > 1e-10 {
				t.Errorf("n=%d %s: max error %.3g > 1e-10", n, tc.name, e)
			}
		}
	}
}

func TestLaplacianBadInput(t *testing.T) {
	if _, err := Laplacian(make([]float64, 10), 1); err == nil {
		t.Error("non-square length accepted")
	}
	if _, err := Laplacian(make([]float64, 16), 0); err == nil {
		t.Error("l = 0 accepted")
	}
	f := make([]float64, 16)
	f[3] = math.NaN()
	if _, err := Laplacian(f, 1); err == nil {
		t.Error("NaN accepted")
	}
}

// newTestSolver builds a solver with an initial state given in physical space.
func newTestSolver(n int, l, d1, d2, beta, h float64, u, v []float64) *solver {
	s := newSolver(n, l, d1, d2, beta, h, 2)
	s.setState(u, v)
	return s
}

// Pure diffusion (reaction switched off) of Fourier modes: exact decay exp(-d·|k|²·t), with different
// diffusion coefficients for u and v.
func TestPureDiffusionDecay(t *testing.T) {
	const n, l, d1, d2, tEnd = 32, 20.0, 0.1, 0.37, 7.0
	a := 2 * math.Pi / l
	u0 := field(n, l, func(x, y float64) float64 { return math.Sin(3*a*x) * math.Cos(2*a*y) })
	v0 := field(n, l, func(x, y float64) float64 { return 0.5 + math.Cos(5*a*x+a*y) })
	s := newTestSolver(n, l, d1, d2, 1, 0.1, u0, v0)
	s.react = func(u, v float64) (float64, float64) { return 0, 0 }
	for range int(math.Round(tEnd / 0.1)) {
		s.step()
	}
	s.output()
	ku, kv := 13*a*a, 26*a*a
	wantU := field(n, l, func(x, y float64) float64 { return math.Exp(-d1*ku*tEnd) * math.Sin(3*a*x) * math.Cos(2*a*y) })
	wantV := field(n, l, func(x, y float64) float64 { return 0.5 + math.Exp(-d2*kv*tEnd)*math.Cos(5*a*x+a*y) })
	if e := math.Max(maxAbsDiff(s.u, wantU), maxAbsDiff(s.v, wantV)); e > 1e-12 {
		t.Errorf("diffusion decay: max error %.3g > 1e-12", e)
	}
	// The time derivative is d·∇²u.
	wantUt := make([]float64, len(wantU))
	for i := range wantU {
		wantUt[i] = -d1 * ku * wantU[i]
	}
	if e := maxAbsDiff(s.ut, wantUt); e > 1e-12 {
		t.Errorf("u_t of pure diffusion: max error %.3g", e)
	}
}

// The spatially uniform λ-ω state: r' = r(1 - r²), φ' = -β r², solved exactly:
// r² = 1/(1 + c·e^{-2t}) with c = 1/r0² - 1 and φ = φ0 - (β/2)·ln((e^{2t} + c)/(1 + c)).
// With r0 = 1 it is the pure rotation u + iv = e^{i(φ0 - βt)}.
func TestUniformOscillation(t *testing.T) {
	const n, l, beta, h, tEnd = 8, 20.0, 1.3, 0.025, 20.0
	for _, r0 := range []float64{1, 0.2} {
		phi0 := 0.7
		u0, v0 := make([]float64, n*n), make([]float64, n*n)
		for i := range u0 {
			u0[i], v0[i] = r0*math.Cos(phi0), r0*math.Sin(phi0)
		}
		s := newTestSolver(n, l, 0.1, 0.1, beta, h, u0, v0)
		steps := int(math.Round(tEnd / h))
		maxErr := 0.0
		for k := 1; k <= steps; k++ {
			s.step()
			s.output()
			tt := float64(k) * h
			c := 1/(r0*r0) - 1
			r := 1 / math.Sqrt(1+c*math.Exp(-2*tt))
			phi := phi0 - beta/2*math.Log((math.Exp(2*tt)+c)/(1+c))
			want := cmplx.Rect(r, phi)
			for i := range s.u {
				maxErr = math.Max(maxErr, cmplx.Abs(complex(s.u[i], s.v[i])-want))
			}
			// The derivative is the RHS at the computed state: w' = (1 - |w|²)w - iβ|w|²w.
			wn := complex(s.u[0], s.v[0])
			a2 := real(wn)*real(wn) + imag(wn)*imag(wn)
			wdot := complex(1-a2, -beta*a2) * wn
			if e := cmplx.Abs(complex(s.ut[0], s.vt[0]) - wdot); e > 1e-14 {
				t.Fatalf("r0=%g t=%g: derivative error %.3g", r0, tt, e)
			}
		}
		// The paper configuration's internal step h = 0.025 on an oscillation of frequency β: the phase
		// error of a 4th-order method grows like (βh)^5/120 per step, 2.6e-7 after t = 20.
		if maxErr > 5e-7 {
			t.Errorf("r0=%g: uniform oscillation max error %.3g > 5e-7", r0, maxErr)
		}
		t.Logf("r0=%g: max error %.3g over t ∈ [0, %g]", r0, maxErr, tEnd)
	}
}

// An exact travelling plane wave of the λ-ω system with d1 = d2 = d: w = R·e^{i(k·x - βR²t)} with
// R² = 1 - d|k|², exercising diffusion and the nonlinearity together.
func TestPlaneWave(t *testing.T) {
	const n, l, d, beta, h, tEnd = 32, 20.0, 0.1, 1.0, 0.05, 10.0
	a := 2 * math.Pi / l
	kx, ky := 2*a, -a
	r := math.Sqrt(1 - d*(kx*kx+ky*ky))
	w := func(tt float64) ([]float64, []float64) {
		u := field(n, l, func(x, y float64) float64 { return r * math.Cos(kx*x+ky*y-beta*r*r*tt) })
		v := field(n, l, func(x, y float64) float64 { return r * math.Sin(kx*x+ky*y-beta*r*r*tt) })
		return u, v
	}
	u0, v0 := w(0)
	s := newTestSolver(n, l, d, d, beta, h, u0, v0)
	for range int(math.Round(tEnd / h)) {
		s.step()
	}
	s.output()
	u1, v1 := w(tEnd)
	e := math.Max(maxAbsDiff(s.u, u1), maxAbsDiff(s.v, v1))
	if e > 1e-6 {
		t.Errorf("plane wave at t=%g: max error %.3g > 1e-6", tEnd, e)
	}
	t.Logf("plane wave: max error %.3g at t=%g", e, tEnd)
}

// The ETDRK4 solver against the project's Dormand-Prince integrator with tight tolerances on the same
// method-of-lines system in physical space (spectral Laplacian), from the spiral initial condition.
func TestAgainstDormandPrince(t *testing.T) {
	const n, l, d1, d2, beta, tEnd = 24, 20.0, 0.1, 0.15, 1.0, 4.0
	u0, v0 := SpiralIC(n, l, 1)
	nn := n * n
	ff := newFFT2(n, 1)
	kk := k2(n, l)
	buf := make([]complex128, nn)
	rhs := func(_ float64, y, dy []float64) {
		for i := range nn {
			buf[i] = complex(y[i], y[nn+i])
		}
		ff.forward(buf)
		// d1 ≠ d2 acts on u and v separately: split the packed spectrum first.
		uh, vh := make([]complex128, nn), make([]complex128, nn)
		(&solver{n: n}).unpack(buf, uh, vh)
		for i := range nn {
			buf[i] = complex(-d1*kk[i], 0)*uh[i] + complex(0, -d2*kk[i])*vh[i]
		}
		ff.inverse(buf)
		for i := range nn {
			ru, rv := reaction(y[i], y[nn+i], beta)
			dy[i], dy[nn+i] = ru+real(buf[i]), rv+imag(buf[i])
		}
	}
	y0 := append(append([]float64{}, u0...), v0...)
	sol, err := ode.Solve(ode.Problem{F: rhs, Y0: y0, T1: tEnd}, ode.DormandPrince(),
		ode.Options{RTol: 1e-11, ATol: 1e-11, Saveat: []float64{tEnd}})
	if err != nil {
		t.Fatal(err)
	}
	_, ref := sol.Final()
	for _, h := range []float64{0.05, 0.025} {
		s := newTestSolver(n, l, d1, d2, beta, h, u0, v0)
		for range int(math.Round(tEnd / h)) {
			s.step()
		}
		s.output()
		e := math.Max(maxAbsDiff(s.u, ref[:nn]), maxAbsDiff(s.v, ref[nn:]))
		t.Logf("h=%g: max difference to Dormand-Prince (tol 1e-11) %.3g", h, e)
		if e > 2e-6 {
			t.Errorf("h=%g: ETDRK4 differs from Dormand-Prince by %.3g", h, e)
		}
	}
}

// Fourth-order convergence of ETDRK4 on the spiral: halving the step divides the error by ~16.
func TestConvergenceOrder(t *testing.T) {
	const n, l, tEnd = 32, 20.0, 3.0
	u0, v0 := SpiralIC(n, l, 1)
	run := func(h float64) []float64 {
		s := newTestSolver(n, l, 0.1, 0.1, 1, h, u0, v0)
		for range int(math.Round(tEnd / h)) {
			s.step()
		}
		s.output()
		return append(append([]float64{}, s.u...), s.v...)
	}
	ref := run(0.3 / 64)
	var errs []float64
	for _, h := range []float64{0.3, 0.15, 0.075} {
		errs = append(errs, maxAbsDiff(run(h), ref))
	}
	for i := 1; i < len(errs); i++ {
		order := math.Log2(errs[i-1] / errs[i])
		t.Logf("error %.3g -> %.3g: observed order %.2f", errs[i-1], errs[i], order)
		if order < 3.5 {
			t.Errorf("observed order %.2f < 3.5 (errors %v)", order, errs)
		}
	}
}
