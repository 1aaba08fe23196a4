package fhn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
)

// Lattice is the 1-D FitzHugh-Nagumo activator (u) / inhibitor (v) system of the original LED paper:
//
//	u_t = D_u u_xx + u - u³ - v
//	v_t = D_v v_xx + ε(u - a1·v - a0)
//
// on [0, L] with no-flux (Neumann) boundaries, discretised on N nodes x_i = i·L/(N-1) with the
// second-order central difference (method of lines). The state is y = (u_0..u_{N-1}, v_0..v_{N-1}).
type Lattice struct {
	N           int     // Nodes (101).
	L           float64 // Domain length (20).
	Du, Dv      float64 // Diffusion coefficients (1, 4).
	A0, A1, Eps float64 // Kinetics (-0.03, 2, 0.006).
}

// DefaultLattice returns the LED paper's lattice: N = 101, L = 20, D_u = 1, D_v = 4, a0 = -0.03, a1 = 2,
// ε = 0.006.
func DefaultLattice() Lattice {
	return Lattice{N: 101, L: 20, Du: 1, Dv: 4, A0: -0.03, A1: 2, Eps: 0.006}
}

// Dim returns the state dimension 2N.
func (l Lattice) Dim() int { return 2 * l.N }

// Dx returns the node spacing L/(N-1).
func (l Lattice) Dx() float64 { return l.L / float64(l.N-1) }

// Validate checks the parameters.
func (l Lattice) Validate() error {
	if l.N < 3 {
		return fmt.Errorf("fhn: lattice N=%d must be >= 3", l.N)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"L", l.L}, {"Du", l.Du}, {"Dv", l.Dv}, {"A0", l.A0}, {"A1", l.A1}, {"Eps", l.Eps}} {
		if math.IsNaN(p.v) || math.IsInf(p.v, 0) {
			return fmt.Errorf("fhn: lattice %s=%g is not finite", p.name, p.v)
		}
	}
	if !(l.L > 0) || l.Du < 0 || l.Dv < 0 {
		return fmt.Errorf("fhn: lattice needs L > 0 and D_u, D_v >= 0 (L=%g, Du=%g, Dv=%g)", l.L, l.Du, l.Dv)
	}
	return nil
}

// RHS is the method-of-lines right-hand side (an ode.Func). The end nodes use mirror nodes (zero
// flux: node -1 is node 1, node N is node N-2); the interior loop has no branches.
func (l Lattice) RHS(_ float64, y, dydt []float64) {
	n := l.N
	u, v := y[:n:n], y[n:2*n:2*n]
	du, dv := dydt[:n:n], dydt[n:2*n:2*n]
	inv := 1 / (l.Dx() * l.Dx())
	du0, dv0, eps, a1, a0 := l.Du, l.Dv, l.Eps, l.A1, l.A0
	node := func(i, im, ip int) {
		lu := (u[im] - 2*u[i] + u[ip]) * inv
		lv := (v[im] - 2*v[i] + v[ip]) * inv
		du[i] = du0*lu + u[i] - u[i]*u[i]*u[i] - v[i]
		dv[i] = dv0*lv + eps*(u[i]-a1*v[i]-a0)
	}
	node(0, 1, 1)
	for i := 1; i < n-1; i++ {
		ui, vi := u[i], v[i]
		lu := (u[i-1] - 2*ui + u[i+1]) * inv
		lv := (v[i-1] - 2*vi + v[i+1]) * inv
		du[i] = du0*lu + ui - ui*ui*ui - vi
		dv[i] = dv0*lv + eps*(ui-a1*vi-a0)
	}
	node(n-1, n-2, n-2)
}

// Problem returns the initial value problem on [t0, t1].
func (l Lattice) Problem(y0 []float64, t0, t1 float64) ode.Problem {
	return ode.Problem{F: l.RHS, Y0: y0, T0: t0, T1: t1}
}

// StableDt returns the largest classic-RK4 step that is stable for the diffusion part,
// 2.78·dx²/(4·max(D_u, D_v)), times a safety factor 0.9.
func (l Lattice) StableDt() float64 {
	d := math.Max(l.Du, l.Dv)
	if d == 0 {
		return math.Inf(1)
	}
	return 0.9 * 2.78 * l.Dx() * l.Dx() / (4 * d)
}

// Solver is the micro solver of the lattice: classic RK4 with a fixed fine step Dt (0.005, the step of
// the original lattice-Boltzmann solver), sampled every coarse step.
type Solver struct {
	Lattice Lattice
	Dt      float64
}

// DefaultSolver returns the default lattice with RK4 at dt = 0.005.
func DefaultSolver() Solver { return Solver{Lattice: DefaultLattice(), Dt: 0.005} }

// Validate checks the lattice and that the step is positive and stable.
func (s Solver) Validate() error {
	if err := s.Lattice.Validate(); err != nil {
		return err
	}
	if !(s.Dt > 0) || math.IsInf(s.Dt, 0) {
		return fmt.Errorf("fhn: solver Dt=%g must be > 0", s.Dt)
	}
	if s.Dt > s.Lattice.StableDt() {
		return fmt.Errorf("fhn: solver Dt=%g exceeds the RK4 stability limit %.4g of the lattice", s.Dt, s.Lattice.StableDt())
	}
	return nil
}

// Evolve integrates from y0 (length 2N) at time t0 and returns the states at t0 + k·coarseDt for
// k = 0..steps, as float64 rows.
func (s Solver) Evolve(y0 []float64, t0, coarseDt float64, steps int) ([][]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(y0) != s.Lattice.Dim() {
		return nil, fmt.Errorf("fhn: lattice state has %d values, want 2N = %d", len(y0), s.Lattice.Dim())
	}
	if !(coarseDt > 0) || steps < 0 {
		return nil, fmt.Errorf("fhn: Evolve needs coarseDt > 0 and steps >= 0 (got %g, %d)", coarseDt, steps)
	}
	if steps == 0 {
		return [][]float64{append([]float64(nil), y0...)}, nil
	}
	ts := make([]float64, steps+1)
	for k := range ts {
		ts[k] = t0 + float64(k)*coarseDt
	}
	sol, err := ode.Solve(s.Lattice.Problem(y0, t0, ts[steps]), ode.RK4(), ode.Options{Dt: s.Dt, Saveat: ts,
		MaxSteps: int(1.01*(ts[steps]-t0)/s.Dt) + 10})
	if err != nil {
		return nil, fmt.Errorf("fhn: lattice solver: %w", err)
	}
	return sol.Y, nil
}

// LatticeConfig configures a lattice data set: trajectories from random initial conditions.
type LatticeConfig struct {
	Solver   Solver
	CoarseDt float64 // Sampling step (1, as the LED data).
	Steps    int     // Coarse steps per trajectory (snapshots = Steps+1).
	Warmup   float64 // Time integrated before the first snapshot, to drop the initial transient.
	ICs      int     // Number of trajectories.
	Seed     uint64
}

// DefaultLatticeConfig returns 6 trajectories of 451 coarse steps (the LED paper uses 3 for training,
// 2 for validation and 1 for testing) with dt = 1.
func DefaultLatticeConfig() LatticeConfig {
	return LatticeConfig{Solver: DefaultSolver(), CoarseDt: 1, Steps: 450, Warmup: 2, ICs: 6, Seed: 1}
}

// LatticeData holds lattice trajectories.
type LatticeData struct {
	Config LatticeConfig
	// Data[k] is trajectory k, shaped [Steps+1][2][N] row-major (fields u, v).
	Data  [][]float32
	Times []float64
	// Seconds is the wall time the solver took per trajectory (sequential equivalent), the reference
	// cost of the micro solver.
	Seconds []float64
}

// RandomIC returns a random initial condition with one front, as the LED paper's initial conditions:
// u = s·tanh((x - c)/w) with a random sign s, centre c in [0.25 L, 0.75 L] and width w in [0.5, 2],
// and v = u/10 plus a small random offset. The lattice turns it into a slowly moving, breathing front.
func (l Lattice) RandomIC(r *rand.Rand) []float64 {
	y := make([]float64, l.Dim())
	s := 1.0
	if r.IntN(2) == 0 {
		s = -1
	}
	c := l.L * (0.25 + 0.5*r.Float64())
	w := 0.5 + 1.5*r.Float64()
	off := 0.04*r.Float64() - 0.02
	for i := 0; i < l.N; i++ {
		x := float64(i) * l.Dx()
		u := s * math.Tanh((x-c)/w)
		y[i] = u
		y[l.N+i] = u/10 + off
	}
	return y
}

// GenerateLattice integrates cfg.ICs trajectories in parallel.
func GenerateLattice(cfg LatticeConfig) (*LatticeData, error) {
	if err := cfg.Solver.Validate(); err != nil {
		return nil, err
	}
	if cfg.ICs < 1 || cfg.Steps < 1 || !(cfg.CoarseDt > 0) || cfg.Warmup < 0 {
		return nil, fmt.Errorf("fhn: lattice data needs ICs >= 1, Steps >= 1, CoarseDt > 0, Warmup >= 0 (got %d, %d, %g, %g)",
			cfg.ICs, cfg.Steps, cfg.CoarseDt, cfg.Warmup)
	}
	lat := cfg.Solver.Lattice
	r := rand.New(rand.NewPCG(cfg.Seed, 0xfa7))
	y0s := make([][]float64, cfg.ICs)
	for i := range y0s {
		y0s[i] = lat.RandomIC(r)
	}
	t1 := cfg.Warmup + float64(cfg.Steps)*cfg.CoarseDt
	ts := make([]float64, cfg.Steps+1)
	for k := range ts {
		ts[k] = cfg.Warmup + float64(k)*cfg.CoarseDt
	}
	sols, err := ode.SolveBatch(lat.Problem(nil, 0, t1), y0s, ode.RK4(), ode.Options{Dt: cfg.Solver.Dt, Saveat: ts,
		MaxSteps: int(1.01*(t1/cfg.Solver.Dt)) + 10}) // long trajectories (LED's horizon of 8000) exceed the default limit
	if err != nil {
		return nil, fmt.Errorf("fhn: lattice data: %w", err)
	}
	d := &LatticeData{Config: cfg, Data: make([][]float32, cfg.ICs), Times: ts}
	for i, s := range sols {
		flat := s.Flat()
		out := make([]float32, len(flat))
		for j, v := range flat {
			out[j] = float32(v)
		}
		d.Data[i] = out
	}
	return d, nil
}

// CachedLattice returns the lattice data set for cfg from the disk cache, generating it on first use.
func CachedLattice(cfg LatticeConfig) (*LatticeData, error) {
	return diskcache.Cached("fhn-lattice", cfg, func() (*LatticeData, error) { return GenerateLattice(cfg) })
}
