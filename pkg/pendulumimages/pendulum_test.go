package pendulumimages

import (
	"math"
	"slices"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

func relErr(got, want []float64) float64 {
	var num, den float64
	for i := range got {
		num += (got[i] - want[i]) * (got[i] - want[i])
		den += want[i] * want[i]
	}
	return math.Sqrt(num / den)
}

// The analytic image derivatives against central differences in time of images rendered on the exact
// trajectory (Dormand-Prince at tolerance 1e-12, sampled at t-h, t, t+h). Central differences are second
// order: the difference must be small and shrink by ~4 when h is halved.
func TestFrameDerivativesVsFiniteDifferences(t *testing.T) {
	p := systems.DefaultPendulum()
	fdErr := func(th0, om0, tt, h float64) (e1, e2 float64) {
		sol, err := ode.Solve(p.Problem([]float64{th0, om0}, 0, tt+h), ode.DormandPrince(),
			ode.Options{RTol: 1e-12, ATol: 1e-12, Saveat: []float64{tt - h, tt, tt + h}})
		if err != nil {
			t.Fatal(err)
		}
		xm, _, _ := Frame(sol.Y[0][0], 0, 0)
		y := sol.Y[1]
		x0, dx, ddx := Frame(y[0], y[1], -math.Sin(y[0]))
		xp, _, _ := Frame(sol.Y[2][0], 0, 0)
		fd1, fd2 := make([]float64, Dim), make([]float64, Dim)
		for i := range Dim {
			fd1[i] = (xp[i] - xm[i]) / (2 * h)
			fd2[i] = (xp[i] - 2*x0[i] + xm[i]) / (h * h)
		}
		return relErr(dx, fd1), relErr(ddx, fd2)
	}
	for _, tc := range []struct{ th0, om0, t float64 }{{2.0, 0.3, 1.37}, {-0.5, 1.2, 3.1}, {0.1, -1.9, 0.8}, {2.9, 0, 5}} {
		a1, a2 := fdErr(tc.th0, tc.om0, tc.t, 4e-4)
		e1, e2 := fdErr(tc.th0, tc.om0, tc.t, 2e-4)
		t.Logf("θ0=%g ω0=%g t=%g: relative error ẋ %.2g -> %.2g, ẍ %.2g -> %.2g (h = 4e-4 -> 2e-4)", tc.th0, tc.om0, tc.t, a1, e1, a2, e2)
		if e1 > 3e-6 || e2 > 3e-6 || a1/e1 < 3.5 || a2/e2 < 3.5 {
			t.Errorf("θ0=%g ω0=%g t=%g: ẋ error %.3g -> %.3g, ẍ error %.3g -> %.3g: not a second-order approach to the analytic derivatives",
				tc.th0, tc.om0, tc.t, a1, e1, a2, e2)
		}
	}
}

// The blob sits at the bob: θ = 0 hangs straight down (y = (0, -1)), θ = π/2 points right (y = (1, 0)).
func TestFrameGeometry(t *testing.T) {
	for _, tc := range []struct {
		theta    float64
		row, col int
	}{{0, 42, 25}, {math.Pi / 2, 25, 42}, {-math.Pi / 2, 25, 8}, {math.Pi, 8, 25}} {
		x, _, _ := Frame(tc.theta, 0, 0)
		imax := 0
		for i, v := range x {
			if v > x[imax] {
				imax = i
			}
		}
		if imax/Side != tc.row || imax%Side != tc.col {
			t.Errorf("θ=%g: brightest pixel at (%d, %d), want (%d, %d)", tc.theta, imax/Side, imax%Side, tc.row, tc.col)
		}
		// The reference's formula, pixel by pixel.
		y1, y2 := pixelCoords()
		for r := range Side {
			for c := range Side {
				a, b := y1[c]-math.Cos(tc.theta-math.Pi/2), y2[r]-math.Sin(tc.theta-math.Pi/2)
				if want := math.Exp(-(a*a + b*b) / 0.05); math.Abs(x[r*Side+c]-want) > 1e-14 {
					t.Fatalf("θ=%g pixel (%d, %d): %g, reference formula %g", tc.theta, r, c, x[r*Side+c], want)
				}
			}
		}
	}
	if y1, y2 := pixelCoords(); y1[0] != -1.5 || y1[Side-1] != 1.5 || y2[0] != 1.5 || y2[Side-1] != -1.5 || y1[25] != 0 {
		t.Errorf("pixel coordinates y1 %v, y2 %v", y1, y2)
	}
}

func TestGenerateShapesRuleDeterminism(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	cfg := Train(7)
	cfg.Steps = 60
	d := testutil.Generate(t, Generate, cfg)
	n := 7 * 60
	if d.N() != n || d.Dim() != 2601 || len(d.X) != n*2601 || len(d.DX) != n*2601 || len(d.DDX) != n*2601 ||
		len(d.Z) != n || len(d.DZ) != n || len(d.DDZ) != n || d.Trajectories() != 7 || len(d.T) != 60 || d.T[59] != 59*0.02 {
		t.Fatalf("shapes: N=%d len X=%d Z=%d T=%d trajectories=%d", d.N(), len(d.X), len(d.Z), len(d.T), d.Trajectories())
	}
	// Every initial condition satisfies the rejection rule, and the samples start at it.
	p := systems.DefaultPendulum()
	for k, ic := range d.ICs {
		if math.Abs(ic[1]*ic[1]/2-math.Cos(ic[0])) > 0.99 || math.Abs(ic[0]) > math.Pi || math.Abs(ic[1]) > 2.1 {
			t.Errorf("IC %d = %v violates |ω²/2 - cos θ| <= 0.99 or the box", k, ic)
		}
		if d.Z[k*60] != ic[0] || d.DZ[k*60] != ic[1] {
			t.Errorf("trajectory %d starts at (%g, %g), IC %v", k, d.Z[k*60], d.DZ[k*60], ic)
		}
		// Energy is conserved along the trajectory (accuracy of the integration) and orbits do not rotate.
		e0 := p.Energy([]float64{ic[0], ic[1]})
		for i := k * 60; i < (k+1)*60; i++ {
			if e := p.Energy([]float64{d.Z[i], d.DZ[i]}); math.Abs(e-e0) > 1e-8 {
				t.Fatalf("trajectory %d sample %d: energy %g, initial %g", k, i, e, e0)
			}
			if math.Abs(d.DDZ[i]+math.Sin(d.Z[i])) > 1e-15 || math.Abs(d.Z[i]) >= math.Pi {
				t.Fatalf("sample %d: θ=%g θ''=%g", i, d.Z[i], d.DDZ[i])
			}
		}
	}
	// Stored rows are the float64 frames rounded to float32.
	for _, i := range []int{0, 59, 200, n - 1} {
		x, dx, ddx := Frame(d.Z[i], d.DZ[i], d.DDZ[i])
		for j := range Dim {
			if d.Row(i)[j] != float32(x[j]) || d.DRow(i)[j] != float32(dx[j]) || d.DDRow(i)[j] != float32(ddx[j]) {
				t.Fatalf("sample %d pixel %d differs from Frame", i, j)
			}
		}
	}
	// Same seed: same data (from the cache and freshly computed, with another worker count); other seed: other data.
	cfg.Workers = 1
	again := testutil.Generate(t, Generate, cfg)
	lat := testutil.Generate(t, Integrate, cfg)
	fresh, err := Render(cfg, lat)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.X, again.X) || !slices.Equal(d.DDX, again.DDX) || !slices.Equal(d.Z, fresh.Z) || !slices.Equal(d.DX, fresh.DX) {
		t.Error("same configuration, different data")
	}
	other := cfg
	other.Seed = 99
	o, err := Generate(other)
	if err != nil {
		t.Fatal(err)
	}
	if o.ICs[0] == d.ICs[0] {
		t.Error("another seed gives the same initial conditions")
	}
	// Trajectory views.
	tr, err := d.Trajectory(3)
	if err != nil {
		t.Fatal(err)
	}
	if tr.N() != 60 || tr.Z[0] != d.Z[180] || &tr.X[0] != &d.X[180*Dim] || len(tr.Image(59)) != Side {
		t.Error("Trajectory(3) is not a view of samples 180..239")
	}
	if _, err := d.Trajectory(7); err == nil {
		t.Error("Trajectory(7) of 7 accepted")
	}
}

func TestConfigs(t *testing.T) {
	tr, va, te := DefaultSplits()
	if tr.NumICs != 100 || va.NumICs != 10 || te.NumICs != 10 || tr.Steps != 500 || tr.Dt != 0.02 {
		t.Errorf("paper splits %+v %+v %+v", tr, va, te)
	}
	if tr.Seed == va.Seed || va.Seed == te.Seed {
		t.Error("splits share a seed")
	}
	t.Setenv("DYNLEARN_QUICK", "1")
	if tr, _, _ := DefaultSplits(); tr.NumICs >= 100 {
		t.Error("quick mode ignored")
	}
	s := SingleTrajectories()
	if s.Trajectories() != 6 || s.Steps != 1000 || s.ICs[1] != [2]float64{math.Pi / 2, 0.5} {
		t.Errorf("single trajectories %+v", s)
	}
	for name, c := range map[string]Config{
		"no ICs":   {Steps: 10, Dt: 0.1},
		"steps":    {NumICs: 1, Steps: 1, Dt: 0.1},
		"dt":       {NumICs: 1, Steps: 10, Dt: -1},
		"NaN IC":   {Steps: 10, Dt: 0.1, ICs: [][2]float64{{math.NaN(), 0}}},
		"workers":  {NumICs: 1, Steps: 10, Dt: 0.1, Workers: -1},
		"infinite": {NumICs: 1, Steps: 10, Dt: math.Inf(1)},
	} {
		if _, err := Generate(c); err == nil {
			t.Errorf("%s: bad config accepted", name)
		}
	}
	if _, err := Render(Train(1), &Latent{ICs: [][2]float64{{0, 0}}, Z: []float64{0}}); err == nil {
		t.Error("Render accepted mismatched latent data")
	}
	if w := WrapToPi(3*math.Pi + 0.1); math.Abs(w-(-math.Pi+0.1)) > 1e-12 {
		t.Errorf("WrapToPi(3π+0.1) = %g", w)
	}
}

func BenchmarkRenderPaperTrain(b *testing.B) {
	cfg := Train(100)
	lat, err := Integrate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Render(cfg, lat); err != nil {
			b.Fatal(err)
		}
	}
}
