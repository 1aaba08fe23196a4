package systems_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

type jacSystem interface {
	Dim() int
	RHS(t float64, y, dydt []float64)
	Jac(t float64, y, jac []float64)
}

// checkJacobian compares Jac with central finite differences of RHS at random states.
func checkJacobian(t *testing.T, name string, s jacSystem, scale float64) {
	t.Helper()
	n := s.Dim()
	r := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, n)
	fp, fm := make([]float64, n), make([]float64, n)
	jac := make([]float64, n*n)
	for trial := 0; trial < 20; trial++ {
		for i := range y {
			y[i] = scale * (2*r.Float64() - 1)
		}
		tt := 0.5 // inside the FHN stimulus window; irrelevant to the others
		s.Jac(tt, y, jac)
		for j := 0; j < n; j++ {
			h := 1e-6 * math.Max(1, math.Abs(y[j]))
			yj := y[j]
			y[j] = yj + h
			s.RHS(tt, y, fp)
			y[j] = yj - h
			s.RHS(tt, y, fm)
			y[j] = yj
			for i := 0; i < n; i++ {
				fd := (fp[i] - fm[i]) / (2 * h)
				if d := math.Abs(fd - jac[i*n+j]); d > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s: ∂f%d/∂y%d at %v = %.10g, finite differences %.10g", name, i, j, y, jac[i*n+j], fd)
				}
			}
		}
	}
}

func TestJacobians(t *testing.T) {
	checkJacobian(t, "Lorenz", systems.DefaultLorenz(), 30)
	checkJacobian(t, "VanDerPol", systems.DefaultVanDerPol(), 4)
	checkJacobian(t, "VanDerPol mu=3", systems.VanDerPol{Mu: 3}, 4)
	checkJacobian(t, "FitzHughNagumo", systems.DefaultFitzHughNagumo(), 1.2)
	checkJacobian(t, "Pendulum", systems.DefaultPendulum(), 3)
	checkJacobian(t, "Pendulum g=9.8 l=2", systems.Pendulum{G: 9.8, L: 2}, 3)
}

func TestLorenzFixedPoints(t *testing.T) {
	l := systems.DefaultLorenz()
	fps := l.FixedPoints()
	if len(fps) != 3 {
		t.Fatalf("%d fixed points, want 3", len(fps))
	}
	// C± = (±√(β(ρ-1)), ±√(β(ρ-1)), ρ-1) = (±6√2, ±6√2, 27) for the defaults.
	if math.Abs(fps[1][0]-6*math.Sqrt2) > 1e-14 || fps[1][2] != 27 || fps[2][1] != -fps[1][1] {
		t.Errorf("fixed points %v", fps)
	}
	d := make([]float64, 3)
	for _, p := range fps {
		l.RHS(0, p, d)
		for i, v := range d {
			if math.Abs(v) > 1e-12 {
				t.Errorf("RHS at fixed point %v: component %d = %g", p, i, v)
			}
		}
	}
	if got := (systems.Lorenz{Sigma: 10, Rho: 0.5, Beta: 8.0 / 3}).FixedPoints(); len(got) != 1 {
		t.Errorf("rho < 1 should only have the origin, got %v", got)
	}
	if err := (systems.Lorenz{Sigma: math.NaN()}).Validate(); err == nil {
		t.Error("NaN sigma accepted")
	}
	lo, hi := systems.ChampionLorenzBox()
	if lo[2] != -16 || hi[2] != 66 || hi[0] != 36 || lo[1] != -48 {
		t.Errorf("Champion box %v %v", lo, hi)
	}
}

// energyDrift integrates with tight Dormand-Prince and returns max |E(t) - E(0)| / scale.
func energyDrift(t *testing.T, p ode.Problem, energy func([]float64) float64, scale float64) float64 {
	t.Helper()
	sol, err := ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: 1e-12, ATol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	e0, worst := energy(p.Y0), 0.0
	for _, y := range sol.Y {
		worst = math.Max(worst, math.Abs(energy(y)-e0)/scale)
	}
	return worst
}

func TestPendulumEnergyConservation(t *testing.T) {
	for _, pd := range []systems.Pendulum{systems.DefaultPendulum(), {G: 9.8, L: 0.5}} {
		for _, y0 := range [][]float64{{1, 0}, {3, 0}, {0.2, 1.5}, {0, 2.5}} { // includes a rotating orbit
			e := pd.Energy(y0)
			if drift := energyDrift(t, pd.Problem(y0, 0, 20), pd.Energy, e); drift > 1e-8 {
				t.Errorf("pendulum %+v from %v: relative energy drift %.3g", pd, y0, drift)
			}
		}
	}
	// Small oscillations: period 2π√(L/G).
	pd := systems.Pendulum{G: 4, L: 1}
	sol, err := ode.Solve(pd.Problem([]float64{1e-4, 0}, 0, math.Pi), ode.DormandPrince(), ode.Options{RTol: 1e-12, ATol: 1e-16})
	if err != nil {
		t.Fatal(err)
	}
	if _, y := sol.Final(); math.Abs(y[0]-1e-4) > 1e-11 {
		t.Errorf("small-angle period: θ(π) = %g, want 1e-4", y[0])
	}
}

func TestChampionPendulumICs(t *testing.T) {
	a, err := systems.ChampionPendulumICs(200, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := systems.ChampionPendulumICs(200, 9)
	for i, y := range a {
		if math.Abs(y[1]*y[1]/2-math.Cos(y[0])) > 0.99 || math.Abs(y[0]) > math.Pi || math.Abs(y[1]) > 2.1 {
			t.Fatalf("IC %d = %v violates Champion's rule", i, y)
		}
		if y[0] != b[i][0] || y[1] != b[i][1] {
			t.Fatalf("IC %d not reproducible", i)
		}
		// The energy bound keeps the orbit closed: E = ω²/2 + 1 - cos θ < 2.
		if e := systems.DefaultPendulum().Energy(y); e >= 2 {
			t.Fatalf("IC %d has energy %g >= 2 (rotating)", i, e)
		}
	}
}

func TestDoublePendulumEnergyConservation(t *testing.T) {
	d := systems.DefaultDoublePendulum()
	near(t, "EnergyScale", d.EnergyScale(), 29.4, 1e-12)
	for _, y0 := range [][]float64{{3 * math.Pi / 7, 3 * math.Pi / 4, 0, 0}, {1, 2, 0.05, 0.03}, {0.1, -0.2, 3, -4}} {
		drift := energyDrift(t, d.Problem(y0, 0, 10), d.Energy, d.EnergyScale())
		t.Logf("double pendulum from %v: energy drift %.3g of 29.4", y0, drift)
		if drift > 1e-8 {
			t.Errorf("double pendulum from %v: energy drift %.3g of 29.4", y0, drift)
		}
	}
	other := systems.DoublePendulum{M1: 1.5, M2: 0.7, L1: 0.8, L2: 1.3, G: 9.81}
	y0 := []float64{2, -1, 0.5, 1}
	if drift := energyDrift(t, other.Problem(y0, 0, 10), other.Energy, other.EnergyScale()); drift > 1e-8 {
		t.Errorf("unequal double pendulum: energy drift %.3g", drift)
	}
}

// TestDoublePendulumEulerLagrange derives the accelerations independently from the Lagrangian by finite
// differences: ∂²L/∂q̇² q̈ = ∂L/∂q - ∂²L/∂q̇∂q q̇, and compares them with the closed form.
func TestDoublePendulumEulerLagrange(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []systems.DoublePendulum{systems.DefaultDoublePendulum(), {M1: 1.5, M2: 0.7, L1: 0.8, L2: 1.3, G: 9.81}} {
		for trial := 0; trial < 50; trial++ {
			q := []float64{2 * math.Pi * r.Float64(), 2 * math.Pi * r.Float64()}
			qd := []float64{10 * (2*r.Float64() - 1), 10 * (2*r.Float64() - 1)} // the LNN training range
			L := func(q0, q1, v0, v1 float64) float64 { return d.Lagrangian([]float64{q0, q1}, []float64{v0, v1}) }
			x := []float64{q[0], q[1], qd[0], qd[1]}
			eval := func(dx []float64) float64 { return L(x[0]+dx[0], x[1]+dx[1], x[2]+dx[2], x[3]+dx[3]) }
			const h = 1e-4
			unit := func(i int, s float64) []float64 { v := make([]float64, 4); v[i] = s; return v }
			add := func(a, b []float64) []float64 { return []float64{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]} }
			second := func(i, j int) float64 { // ∂²L/∂x_i∂x_j, central differences
				return (eval(add(unit(i, h), unit(j, h))) - eval(add(unit(i, h), unit(j, -h))) -
					eval(add(unit(i, -h), unit(j, h))) + eval(add(unit(i, -h), unit(j, -h)))) / (4 * h * h)
			}
			first := func(i int) float64 { return (eval(unit(i, h)) - eval(unit(i, -h))) / (2 * h) }
			// H q̈ = g with H_ij = ∂²L/∂q̇_i∂q̇_j, g_i = ∂L/∂q_i - Σ_j ∂²L/∂q̇_i∂q_j q̇_j.
			H := [2][2]float64{{second(2, 2), second(2, 3)}, {second(3, 2), second(3, 3)}}
			g := [2]float64{first(0) - second(2, 0)*qd[0] - second(2, 1)*qd[1], first(1) - second(3, 0)*qd[0] - second(3, 1)*qd[1]}
			det := H[0][0]*H[1][1] - H[0][1]*H[1][0]
			fd1 := (H[1][1]*g[0] - H[0][1]*g[1]) / det
			fd2 := (H[0][0]*g[1] - H[1][0]*g[0]) / det
			a1, a2 := d.Accel(q[0], q[1], qd[0], qd[1])
			tol := 1e-5 * math.Max(1, math.Max(math.Abs(a1), math.Abs(a2)))
			if math.Abs(a1-fd1) > tol || math.Abs(a2-fd2) > tol {
				t.Fatalf("%+v at q=%v q̇=%v: Accel = (%.8g, %.8g), Euler-Lagrange by finite differences = (%.8g, %.8g)", d, q, qd, a1, a2, fd1, fd2)
			}
		}
	}
}

func TestDoublePendulumGeometryAndEnergies(t *testing.T) {
	d := systems.DoublePendulum{M1: 1.5, M2: 0.7, L1: 0.8, L2: 1.3, G: 9.81}
	y := []float64{0.7, -2.1, 1.3, -0.4}
	x1, y1, x2, y2 := d.Positions(y)
	near(t, "|bob1|", math.Hypot(x1, y1), d.L1, 1e-14)
	near(t, "|bob2-bob1|", math.Hypot(x2-x1, y2-y1), d.L2, 1e-14)
	// Potential from the Cartesian heights; kinetic from Cartesian velocities (finite differences in time).
	near(t, "V", d.Potential(y), d.G*(d.M1*y1+d.M2*y2), 1e-12)
	const h = 1e-6
	adv := func(s float64) []float64 { return []float64{y[0] + s*y[2], y[1] + s*y[3], y[2], y[3]} }
	ax1, ay1, ax2, ay2 := d.Positions(adv(h))
	bx1, by1, bx2, by2 := d.Positions(adv(-h))
	vx1, vy1, vx2, vy2 := (ax1-bx1)/(2*h), (ay1-by1)/(2*h), (ax2-bx2)/(2*h), (ay2-by2)/(2*h)
	near(t, "T", d.Kinetic(y), 0.5*d.M1*(vx1*vx1+vy1*vy1)+0.5*d.M2*(vx2*vx2+vy2*vy2), 1e-8)
	near(t, "L", d.Lagrangian(y[:2], y[2:]), d.Kinetic(y)-d.Potential(y), 1e-14)
	near(t, "E", d.Energy(y), d.Kinetic(y)+d.Potential(y), 1e-14)
	// Hanging at rest: V = -EnergyScale.
	near(t, "V at rest", d.Potential([]float64{0, 0, 0, 0}), -d.EnergyScale(), 1e-14)
	if err := (systems.DoublePendulum{M1: 1, M2: 0, L1: 1, L2: 1, G: 9.8}).Validate(); err == nil {
		t.Error("zero mass accepted")
	}
	if err := systems.DefaultDoublePendulum().Validate(); err != nil {
		t.Error(err)
	}
}

// TestVanDerPolLimitCycle: for μ = 1 the limit cycle's x amplitude is ≈ 2.0086 (a classical value).
func TestVanDerPolLimitCycle(t *testing.T) {
	v := systems.DefaultVanDerPol()
	saves := make([]float64, 2001)
	for i := range saves {
		saves[i] = 40 + 0.01*float64(i)
	}
	sol, err := ode.Solve(v.Problem([]float64{0.1, 0}, 0, 60), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: saves})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := sol.Component(0)
	amp := 0.0
	for _, xi := range x {
		amp = math.Max(amp, math.Abs(xi))
	}
	near(t, "limit-cycle amplitude", amp, 2.0086, 2e-3)
	if err := (systems.VanDerPol{}).Validate(); err == nil {
		t.Error("mu = 0 accepted")
	}
}

// TestFitzHughNagumoActionPotential reproduces the qualitative single-node trace of the LED/PACS data
// (Crank-Nicolson, dt = 0.5, T = 500): rest stays at rest, a stimulus fires a spike to u ≈ 1 with a long
// plateau, then u undershoots to about -0.25 and w peaks near 1.
func TestFitzHughNagumoActionPotential(t *testing.T) {
	f := systems.DefaultFitzHughNagumo()
	if f.K != 8 || f.Alpha != 0.15 || f.Eps != 0.01 || f.Gamma != 0.1 || f.IApp != 0.125 || f.TEnd-f.TBegin != 2 {
		t.Fatalf("defaults %+v", f)
	}
	if f.Stimulus(1.9) != 0.125 || f.Stimulus(2) != 0 || f.Stimulus(-0.1) != 0 {
		t.Error("stimulus window wrong")
	}
	rest := f.WithOnset(1000) // never stimulated within [0, 500]
	sol, err := ode.Solve(rest.Problem([]float64{0, 0}, 0, 500), ode.CrankNicolson(), ode.Options{Dt: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if _, y := sol.Final(); y[0] != 0 || y[1] != 0 {
		t.Errorf("unstimulated cell left rest: %v", y)
	}
	g := f.WithOnset(10)
	sol, err = ode.Solve(g.Problem([]float64{0, 0}, 0, 500), ode.CrankNicolson(), ode.Options{Dt: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := sol.Component(0)
	w, _ := sol.Component(1)
	umax, umin, wmax, plateau := 0.0, 0.0, 0.0, 0.0
	for i := range u {
		umax, umin, wmax = math.Max(umax, u[i]), math.Min(umin, u[i]), math.Max(wmax, w[i])
		if u[i] > 0.5 {
			plateau += 0.5
		}
	}
	t.Logf("u in [%.3f, %.3f], w max %.3f, time with u > 0.5: %.1f", umin, umax, wmax, plateau)
	if umax < 0.95 || umax > 1.01 || umin > -0.2 || umin < -0.3 || wmax < 0.85 || wmax > 1.0 || plateau < 80 || plateau > 140 {
		t.Errorf("action potential out of the expected ranges (u max ≈ 0.99, min ≈ -0.25, w max ≈ 0.96, plateau ≈ 110)")
	}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.15g, want %.15g (tol %g)", what, got, want, tol)
	}
}
