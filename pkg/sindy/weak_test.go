package sindy

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// The quadrature of one window against closed forms. With c the window's centre, L its length and
// u = 2(t - c)/L, the normalised bump is the weight ∝ (1 - u²)^p on [-1, 1], whose moments are
// E[u] = E[u³] = 0, E[u²] = 1/(2p+3), E[u⁴] = 3/((2p+3)(2p+5)). For x = t² the library (1, x, x²)
// averages are 1, c² + (L/2)²E[u²] and c⁴ + 6c²(L/2)²E[u²] + (L/2)⁴E[u⁴], and -∫φ' t² = ∫φ 2t = 2c.
// For x = e^{-t}, which solves ẋ = -x, the weak equation -∫φ'x = -∫φx holds. Everything holds to
// the trapezoid rule's O(h²): the relative errors must stay below 20 (h/L)² = 20/(Width-1)².
func TestWeakSystemQuadrature(t *testing.T) {
	lib := NewLibrary(1).Polynomial(2).MustLibrary() // 1, z1, z1^2
	for _, p := range []int{1, 2, 3} {
		for _, jit := range []float64{0, 0.3} {
			ts := grid(1001, 0.5, 2.5, jit, 3)
			tr := Trajectory{T: ts, X: sample(ts, func(v float64) float64 { return v * v })}
			theta, y, err := WeakSystem(lib, []Trajectory{tr}, Weak{Windows: 3, Width: 401, Power: p})
			if err != nil {
				t.Fatal(err)
			}
			for k, s := range []int{0, 300, 600} { // starts k(N-W)/(K-1)
				a, b := ts[s], ts[s+400]
				c, l := (a+b)/2, b-a
				m2, m4 := 1/float64(2*p+3), 3/float64((2*p+3)*(2*p+5))
				want := []float64{1, c*c + l*l/4*m2, math.Pow(c, 4) + 6*c*c*l*l/4*m2 + math.Pow(l/2, 4)*m4}
				got := []float64{theta[k][0], theta[k][1], theta[k][2]}
				tol := 20.0 / (400 * 400)
				for i := range want {
					if math.Abs(got[i]-want[i]) > tol*math.Abs(want[i]) {
						t.Errorf("power %d jitter %g window %d: ∫φ·x^%d = %.10g, closed form %.10g", p, jit, k, i, got[i], want[i])
					}
				}
				if math.Abs(y[k][0]-2*c) > tol*2*c {
					t.Errorf("power %d jitter %g window %d: -∫φ'x = %.10g, want 2c = %.10g", p, jit, k, y[k][0], 2*c)
				}
			}
			tr = Trajectory{T: ts, X: sample(ts, func(v float64) float64 { return math.Exp(-v) })}
			theta, y, err = WeakSystem(lib, []Trajectory{tr}, Weak{Windows: 7, Width: 101, Power: p})
			if err != nil {
				t.Fatal(err)
			}
			for k := range theta {
				if r := math.Abs(y[k][0]+theta[k][1]) / math.Abs(theta[k][1]); r > 20.0/(100*100) {
					t.Errorf("power %d jitter %g window %d: -∫φ'x = %.8g, -∫φx = %.8g", p, jit, k, y[k][0], -theta[k][1])
				}
			}
		}
	}
}

// Compares WeakSystem with a NumPy implementation of the same quadrature (np.trapz of φΘ and -φ'x
// on each window, windows starting at k(N-W)//(K-1)) on noisy Lorenz data with non-uniform times.
func TestWeakSystemMatchesNumPy(t *testing.T) {
	trajs := lorenzNoisy(t, 0.05, 9)
	for k := range trajs { // 1500 samples on jittered times
		ts := grid(1500, 0, 3, 0.3, uint64(k))
		trajs[k] = Trajectory{T: ts, X: trajs[k].X[:1500]}
	}
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	w := Weak{Windows: 37, Width: 151, Power: 2}
	theta, y, err := WeakSystem(lib, trajs, w)
	if err != nil {
		t.Fatal(err)
	}
	var want struct{ Theta, Y [][]float64 }
	diffNumPy(t, `
import json, sys
try:
    import numpy as np
except ImportError:
    print("SKIP"); sys.exit(0)
d = json.load(sys.stdin)
K, W, p = d["K"], d["W"], d["p"]
TH, Y = [], []
for tr in d["trajs"]:
    t, x = np.array(tr["T"]), np.array(tr["X"])
    z1, z2, z3 = x.T
    lib = np.stack([np.ones_like(z1), z1, z2, z3, z1*z1, z1*z2, z1*z3, z2*z2, z2*z3, z3*z3], axis=1)
    N = len(t)
    for k in range(K):
        s = k*(N-W)//(K-1)
        tt = t[s:s+W]
        a, b = tt[0], tt[-1]
        L2 = (b-a)**2
        g = 4*(tt-a)*(b-tt)/L2
        phi = g**p
        dphi = p*g**(p-1)*4*(a+b-2*tt)/L2
        area = np.trapz(phi, tt)
        phi, dphi = phi/area, dphi/area
        TH.append(np.trapz(phi[:, None]*lib[s:s+W], tt, axis=0).tolist())
        Y.append((-np.trapz(dphi[:, None]*x[s:s+W], tt, axis=0)).tolist())
print(json.dumps({"Theta": TH, "Y": Y}))
`, map[string]any{"trajs": trajs, "K": w.Windows, "W": w.Width, "p": w.Power}, &want)
	if len(want.Theta) != len(theta) || len(want.Y) != len(y) {
		t.Fatalf("%d/%d rows, numpy %d/%d", len(theta), len(y), len(want.Theta), len(want.Y))
	}
	worst := 0.0
	for r := range theta {
		for c := range theta[r] {
			worst = max(worst, math.Abs(theta[r][c]-want.Theta[r][c])/(1+math.Abs(want.Theta[r][c])))
		}
		for c := range y[r] {
			worst = max(worst, math.Abs(y[r][c]-want.Y[r][c])/(1+math.Abs(want.Y[r][c])))
		}
	}
	t.Logf("%d weak rows: max relative difference to numpy %.2e", len(theta), worst)
	if worst > 1e-12 {
		t.Errorf("weak matrices differ from numpy by %.3g", worst)
	}
}

// Issue #25's done-when: Lorenz with 5% noise (dt 0.002, t ∈ [0, 10], from (-8, 7, 27) and
// (5, -5, 20)), poly-2 library, STLSQ threshold 0.2. The weak form (quartic bumps on windows of 201
// samples) finds exactly the 7 Lorenz terms with coefficients within 5%, with the ridge of STLSQ
// (alpha 0.05) and without (alpha 0), for uniform and random windows; the same STLSQ on
// second-order finite differences does not find the Lorenz support.
func TestWeakRecoversNoisyLorenz(t *testing.T) {
	if testing.Short() {
		t.Skip("integrates Lorenz")
	}
	trajs := lorenzNoisy(t, 0.05, 1)
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	for _, alpha := range []float64{0.05, 0} {
		opt := STLSQ{Threshold: 0.2, Alpha: alpha, MaxIter: 20}
		for _, w := range []Weak{{Windows: 100, Width: 201, Power: 2}, {Windows: 150, Width: 201, Power: 2, Random: true, Seed: 3}} {
			m := New(lib).Optimizer(opt)
			if err := m.FitWeak(trajs, w); err != nil {
				t.Fatal(err)
			}
			n, exact, worst := lorenzTerms(lib, m.Coefficients())
			t.Logf("weak form %+v, STLSQ alpha %g, 5%% noise: %d terms, Lorenz support %v, worst coefficient error %.2f%%\n%s", w, alpha, n, exact, 100*worst, m)
			if !exact || worst > 0.05 {
				t.Errorf("weak form %+v alpha %g did not recover Lorenz: %d terms, exact support %v, worst error %.2f%%", w, alpha, n, exact, 100*worst)
			}
		}
	}

	x, dx := stackDerivatives(t, trajs, FiniteDiff{})
	m := New(lib).Optimizer(STLSQ{Threshold: 0.2, Alpha: 0.05, MaxIter: 20})
	if err := m.Fit(x, dx); err != nil {
		t.Fatal(err)
	}
	n, exact, worst := lorenzTerms(lib, m.Coefficients())
	t.Logf("finite differences + STLSQ(0.2), 5%% noise: %d terms, Lorenz support %v, worst coefficient error %.2f%%\n%s", n, exact, 100*worst, m)
	if exact {
		t.Errorf("finite differences recovered the Lorenz support at 5%% noise (%d terms): the test no longer shows the weak form's advantage", n)
	}
}

// At 5% noise the outcome depends on the noise realisation: a constant of 0.2-0.35 (in z2' for
// finite differences, in z3' for the weak form, where it trades off with the -8/3 z3 term) lands
// just above the threshold. Over 12 noise seeds the weak form finds the exact support with
// coefficients within 5% 10 times (mean worst error ≈ 2%), finite differences once (exact support
// 6 times, but coefficients up to 40% off); the test keeps those margins.
func TestWeakVersusFiniteDifferencesOverNoiseSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("integrates Lorenz")
	}
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	opt := STLSQ{Threshold: 0.2, Alpha: 0.05, MaxIter: 20}
	weakOK, fdOK := 0, 0
	var log strings.Builder
	for seed := uint64(1); seed <= 12; seed++ {
		trajs := lorenzNoisy(t, 0.05, seed)
		m := New(lib).Optimizer(opt)
		if err := m.FitWeak(trajs, Weak{}); err != nil {
			t.Fatal(err)
		}
		nw, exact, worst := lorenzTerms(lib, m.Coefficients())
		if exact && worst <= 0.05 {
			weakOK++
		}
		x, dx := stackDerivatives(t, trajs, FiniteDiff{})
		f := New(lib).Optimizer(opt)
		if err := f.Fit(x, dx); err != nil {
			t.Fatal(err)
		}
		nf, fexact, fworst := lorenzTerms(lib, f.Coefficients())
		if fexact && fworst <= 0.05 {
			fdOK++
		}
		fmt.Fprintf(&log, "\nseed %2d: weak %d terms exact %-5v worst %5.2f%% | finite differences %d terms exact %-5v worst %6.2f%%", seed, nw, exact, 100*worst, nf, fexact, 100*fworst)
	}
	t.Logf("weak form recovered Lorenz %d/12 times, finite differences %d/12:%s", weakOK, fdOK, log.String())
	if weakOK < 10 || fdOK > 2 {
		t.Errorf("weak form %d/12 (want ≥ 10), finite differences %d/12 (want ≤ 2)", weakOK, fdOK)
	}
}

func TestWeakErrors(t *testing.T) {
	lib := NewLibrary(2).Polynomial(2).MustLibrary()
	ts := grid(300, 0, 3, 0, 0)
	x := make([][]float64, len(ts))
	for i, v := range ts {
		x[i] = []float64{math.Sin(v), math.Cos(v)}
	}
	good := Trajectory{T: ts, X: x}
	back := append([]float64(nil), ts...)
	back[10] = back[9]
	for _, c := range []struct {
		name  string
		lib   *Library
		trajs []Trajectory
		w     Weak
		want  string
	}{
		{"nil library", nil, []Trajectory{good}, Weak{}, "nil library"},
		{"no trajectories", lib, nil, Weak{}, "no trajectories"},
		{"width", lib, []Trajectory{good}, Weak{Width: 2}, "Width 2"},
		{"power", lib, []Trajectory{good}, Weak{Power: -1}, "Power -1"},
		{"windows", lib, []Trajectory{good}, Weak{Windows: -3}, "Windows -3"},
		{"too many windows", lib, []Trajectory{good}, Weak{Windows: 200, Width: 201}, "Windows 200"},
		{"short", lib, []Trajectory{good}, Weak{Width: 301}, "300 samples"},
		{"times", lib, []Trajectory{good, {T: back, X: x}}, Weak{Width: 51}, "trajectory 1"},
		{"no dt", lib, []Trajectory{{X: x}}, Weak{Width: 51}, "Dt 0"},
		{"vars", NewLibrary(3).Polynomial(1).MustLibrary(), []Trajectory{good}, Weak{Width: 51}, "2 state variables"},
		{"control", lib, []Trajectory{{T: ts, X: x, U: x}}, Weak{Width: 51}, "control inputs"},
	} {
		_, _, err := WeakSystem(c.lib, c.trajs, c.w)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInput naming %q", c.name, err, c.want)
		}
	}
	// Uniform steps given by Dt give the same system as the explicit times.
	a, ya, err := WeakSystem(lib, []Trajectory{good}, Weak{Width: 51, Windows: 9})
	if err != nil {
		t.Fatal(err)
	}
	b, yb, err := WeakSystem(lib, []Trajectory{{Dt: ts[1], X: x}}, Weak{Width: 51, Windows: 9})
	if err != nil {
		t.Fatal(err)
	}
	for r := range a {
		for c := range a[r] {
			if math.Abs(a[r][c]-b[r][c]) > 1e-12 {
				t.Fatalf("Dt and T disagree at row %d", r)
			}
		}
		if math.Abs(ya[r][0]-yb[r][0]) > 1e-12 {
			t.Fatalf("Dt and T disagree at row %d", r)
		}
	}
	if err := New(nil).FitWeak([]Trajectory{good}, Weak{}); !errors.Is(err, ErrInput) {
		t.Errorf("FitWeak without a library: %v", err)
	}
}
