package fhn

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

func smallGrid() GridConfig {
	c := DefaultGridConfig()
	c.Size, c.Samples, c.T = 6, 3, 200
	return c
}

func TestGridMatchesSingleCellSolve(t *testing.T) {
	cfg := smallGrid()
	g := testutil.Generate(t, GenerateGrid, cfg)
	if g.Steps() != 401 || len(g.Data) != 3 || len(g.Data[0]) != 401*6*6*2 {
		t.Fatalf("shape: steps %d, samples %d, len %d", g.Steps(), len(g.Data), len(g.Data[0]))
	}
	// Cell (4, 1) of sample 2, integrated on its own.
	s, i, j := 2, 4, 1
	d := math.Hypot(float64(i)/6-g.Firing[s][0], float64(j)/6-g.Firing[s][1])
	onset := d / cfg.Speed
	sol, err := ode.Solve(cfg.Cell.WithOnset(onset).Problem([]float64{0, 0}, 0, cfg.T), ode.CrankNicolson(), ode.Options{Dt: cfg.Dt})
	if err != nil {
		t.Fatal(err)
	}
	u := g.Cell(s, i, j, 0)
	w := g.Cell(s, i, j, 1)
	for k := range u {
		if math.Abs(u[k]-sol.Y[k][0]) > 1e-6 || math.Abs(w[k]-sol.Y[k][1]) > 1e-6 {
			t.Fatalf("step %d: grid (%g, %g), direct solve (%g, %g)", k, u[k], w[k], sol.Y[k][0], sol.Y[k][1])
		}
		// At rest until the stimulus starts.
		if g.Times[k] <= onset && (u[k] != 0 || w[k] != 0) {
			t.Fatalf("cell moved at t=%g before its onset %g: u=%g", g.Times[k], onset, u[k])
		}
	}
}

func TestGridRangeAndDeterminism(t *testing.T) {
	cfg := DefaultGridConfig()
	cfg.Size, cfg.Samples = 4, 2
	a := testutil.Generate(t, GenerateGrid, cfg)
	cfg.Workers = 1
	b := testutil.Generate(t, GenerateGrid, cfg)
	lo, hi := math.Inf(1), math.Inf(-1)
	for s := range a.Data {
		for k, v := range a.Data[s] {
			if v != b.Data[s][k] {
				t.Fatalf("result depends on the number of workers at sample %d index %d", s, k)
			}
			if k%2 == 0 {
				lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
			}
		}
	}
	// The report's test sample has u in [-0.257, 0.999]: every cell fires once and recovers.
	if hi < 0.95 || hi > 1.05 || lo > -0.2 || lo < -0.35 {
		t.Errorf("u range [%g, %g], want about [-0.26, 1.0]", lo, hi)
	}
	// Downsample keeps every other row and column.
	ds, m, err := a.Downsample(0, 2)
	if err != nil || m != 2 {
		t.Fatal(m, err)
	}
	if ds[(1*2+1)*2] != a.Frame(0, 0)[(2*4+2)*2] || ds[len(ds)-1] != a.Frame(0, a.Steps()-1)[(2*4+2)*2+1] {
		t.Error("Downsample picked the wrong cells")
	}
	if _, _, err := a.Downsample(0, 3); err == nil {
		t.Error("factor 3 of size 4 accepted")
	}
}

func TestGridValidate(t *testing.T) {
	bad := []func(*GridConfig){
		func(c *GridConfig) { c.Size = 0 },
		func(c *GridConfig) { c.Dt = -1 },
		func(c *GridConfig) { c.T = 10.25; c.Dt = 0.5 },
		func(c *GridConfig) { c.Samples = 0 },
		func(c *GridConfig) { c.Cell.K = math.NaN() },
		func(c *GridConfig) { c.Stride = 0 },
	}
	for i, f := range bad {
		c := DefaultGridConfig()
		f(&c)
		if _, err := GenerateGrid(c); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
	c := DefaultGridConfig()
	c.Stride = 4
	if c.Steps() != 251 {
		t.Errorf("Steps with stride 4 = %d, want 251", c.Steps())
	}
}

func TestCachedGrid(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	cfg := smallGrid()
	cfg.Samples = 1
	a := testutil.Generate(t, CachedGrid, cfg)
	b := testutil.Generate(t, CachedGrid, cfg)
	if len(b.Data[0]) != len(a.Data[0]) || b.Data[0][5000] != a.Data[0][5000] {
		t.Error("cached grid differs from the generated one")
	}
}

// The discrete Laplacian with mirror boundaries maps cos(kπx/L) to -(4/dx²)sin²(kπdx/(2L))·cos(kπx/L)
// exactly, at every node including the ends.
func TestLatticeRHSLaplacian(t *testing.T) {
	l := DefaultLattice()
	n := l.N
	y := make([]float64, 2*n)
	dy := make([]float64, 2*n)
	k := 3.0
	for i := 0; i < n; i++ {
		x := float64(i) * l.Dx()
		y[i] = 0.5 * math.Cos(k*math.Pi*x/l.L)
		y[n+i] = 0.2 * math.Cos(k*math.Pi*x/l.L)
	}
	l.RHS(0, y, dy)
	lam := -4 / (l.Dx() * l.Dx()) * math.Pow(math.Sin(k*math.Pi*l.Dx()/(2*l.L)), 2)
	for i := 0; i < n; i++ {
		u, v := y[i], y[n+i]
		wantU := l.Du*lam*u + u - u*u*u - v
		wantV := l.Dv*lam*v + l.Eps*(u-l.A1*v-l.A0)
		if math.Abs(dy[i]-wantU) > 1e-10 || math.Abs(dy[n+i]-wantV) > 1e-10 {
			t.Fatalf("node %d: (%g, %g), want (%g, %g)", i, dy[i], dy[n+i], wantU, wantV)
		}
	}
}

func TestLatticeEvolve(t *testing.T) {
	s := DefaultSolver()
	l := s.Lattice
	// Homogeneous state: the lattice reduces to the 2-D kinetics, which Dormand-Prince solves accurately.
	y0 := make([]float64, l.Dim())
	for i := 0; i < l.N; i++ {
		y0[i], y0[l.N+i] = 0.3, 0.05
	}
	ys, err := s.Evolve(y0, 0, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	kin := func(_ float64, y, dy []float64) {
		dy[0] = y[0] - y[0]*y[0]*y[0] - y[1]
		dy[1] = l.Eps * (y[0] - l.A1*y[1] - l.A0)
	}
	ref, err := ode.Solve(ode.Problem{F: kin, Y0: []float64{0.3, 0.05}, T1: 5}, ode.DormandPrince(),
		ode.Options{RTol: 1e-11, ATol: 1e-11, Saveat: []float64{0, 1, 2, 3, 4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	for k := range ys {
		for i := 0; i < l.N; i += 25 {
			if math.Abs(ys[k][i]-ref.Y[k][0]) > 1e-8 || math.Abs(ys[k][l.N+i]-ref.Y[k][1]) > 1e-8 {
				t.Fatalf("t=%d node %d: (%g, %g), want (%g, %g)", k, i, ys[k][i], ys[k][l.N+i], ref.Y[k][0], ref.Y[k][1])
			}
		}
	}
	if _, err := s.Evolve(y0[:10], 0, 1, 5); err == nil {
		t.Error("short state accepted")
	}
	bad := s
	bad.Dt = 0.05
	if _, err := bad.Evolve(y0, 0, 1, 5); err == nil {
		t.Error("unstable RK4 step accepted")
	}
}

func TestGenerateLattice(t *testing.T) {
	cfg := DefaultLatticeConfig()
	cfg.ICs, cfg.Steps = 2, 40
	d := testutil.Generate(t, GenerateLattice, cfg)
	n := cfg.Solver.Lattice.N
	if len(d.Data) != 2 || len(d.Data[0]) != 41*2*n || len(d.Times) != 41 || d.Times[0] != cfg.Warmup {
		t.Fatalf("shapes: %d trajectories, %d values, %d times", len(d.Data), len(d.Data[0]), len(d.Times))
	}
	// The data continue the solver: evolving the first snapshot reproduces the trajectory.
	y0 := make([]float64, 2*n)
	for i := range y0 {
		y0[i] = float64(d.Data[1][i])
	}
	ys, err := cfg.Solver.Evolve(y0, d.Times[0], 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*n; i++ {
		if math.Abs(ys[3][i]-float64(d.Data[1][3*2*n+i])) > 1e-5 {
			t.Fatalf("component %d after 3 steps: %g vs data %g", i, ys[3][i], d.Data[1][3*2*n+i])
		}
	}
	// u stays in the bistable range of the kinetics.
	for _, v := range d.Data[0] {
		if math.Abs(float64(v)) > 1.1 {
			t.Fatalf("value %g out of range", v)
		}
	}
}
