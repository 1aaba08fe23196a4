package lorenzdata

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy"
	"github.com/dynlearn/dynlearn/pkg/systems"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

func TestLegendre(t *testing.T) {
	for _, c := range []struct {
		k    int
		y, v float64
	}{{0, 0.3, 1}, {1, 0.3, 0.3}, {2, 0.5, -0.125}, {3, 0.5, -0.4375}, {5, 1, 1}, {5, -1, -1}, {4, 0, 0.375}} {
		if got := Legendre(c.k, c.y); math.Abs(got-c.v) > 1e-15 {
			t.Errorf("P%d(%g) = %g, want %g", c.k, c.y, got, c.v)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	cfg := Train(3)
	d := testutil.Generate(t, Generate, cfg)
	if d.N != 750 || d.Dim != 128 || len(d.X) != 750*128 || len(d.T) != 250 || d.T[249] != 4.98 {
		t.Fatalf("sizes: N=%d Dim=%d len(X)=%d T[-1]=%g", d.N, d.Dim, len(d.X), d.T[len(d.T)-1])
	}
	l := systems.DefaultLorenz()
	lo, hi := systems.ChampionLorenzBox()
	for k := range 3 {
		s, _ := d.Trajectory(k)
		for j := range 3 {
			if z0 := d.Z[3*s+j] * 40; z0 < lo[j] || z0 > hi[j] {
				t.Errorf("initial condition %d component %d = %g outside the box", k, j, z0)
			}
		}
	}
	// Exact derivatives: ż = f(40 z)/40.
	dz := make([]float64, 3)
	for i := 0; i < d.N; i += 97 {
		z := []float64{40 * d.Z[3*i], 40 * d.Z[3*i+1], 40 * d.Z[3*i+2]}
		l.RHS(0, z, dz)
		for j := range 3 {
			if math.Abs(dz[j]/40-d.DZ[3*i+j]) > 1e-12*(1+math.Abs(dz[j])) {
				t.Fatalf("sample %d: ż = %g, f(z)/40 = %g", i, d.DZ[3*i+j], dz[j]/40)
			}
		}
	}
	// ẋ and ẍ agree with central differences of x and ẋ in time (O(dt²) accurate), on a finely
	// sampled (dt = 0.001) set without noise.
	fine := cfg
	fine.Dt, fine.Steps, fine.Noise = 0.001, 60, 0
	d, err := Generate(fine)
	if err != nil {
		t.Fatal(err)
	}
	cfg = fine
	var num, den, num2, den2 float64
	for k := range 3 {
		s, e := d.Trajectory(k)
		for i := s + 1; i < e-1; i++ {
			for c := range d.Dim {
				fd := (float64(d.X[(i+1)*d.Dim+c]) - float64(d.X[(i-1)*d.Dim+c])) / (2 * cfg.Dt)
				num += (fd - float64(d.DX[i*d.Dim+c])) * (fd - float64(d.DX[i*d.Dim+c]))
				den += float64(d.DX[i*d.Dim+c]) * float64(d.DX[i*d.Dim+c])
				fd2 := (float64(d.DX[(i+1)*d.Dim+c]) - float64(d.DX[(i-1)*d.Dim+c])) / (2 * cfg.Dt)
				num2 += (fd2 - float64(d.DDX[i*d.Dim+c])) * (fd2 - float64(d.DDX[i*d.Dim+c]))
				den2 += float64(d.DDX[i*d.Dim+c]) * float64(d.DDX[i*d.Dim+c])
			}
		}
	}
	if r := num / den; r > 1e-6 {
		t.Errorf("ẋ vs finite differences of x: relative error %g", r)
	}
	if r := num2 / den2; r > 1e-5 {
		t.Errorf("ẍ vs finite differences of ẋ: relative error %g", r)
	}
	// Noise of standard deviation 1e-6 around the clean embedding.
	cfg = Train(3)
	d, err = Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x, _, _ := Embed(128, d.Z, d.DZ, d.DDZ)
	var s2 float64
	for i := range x {
		e := float64(d.X[i] - x[i])
		s2 += e * e
	}
	if sd := math.Sqrt(s2 / float64(len(x))); sd < 0.5e-6 || sd > 2e-6 {
		t.Errorf("noise standard deviation %g, want about 1e-6", sd)
	}
	// The cache gives the same data.
	d2, err := Generate(cfg)
	if err != nil || d2.X[1234] != d.X[1234] || d2.DDZ[77] != d.DDZ[77] {
		t.Errorf("cached data differs: %v", err)
	}
	if _, err := Generate(Config{}); err == nil {
		t.Error("empty config accepted")
	}
}

// model1 is Champion et al.'s shipped Lorenz model (7 active terms), from the reference notes.
func model1() [][]float64 {
	xi := make([][]float64, 20)
	for i := range xi {
		xi[i] = make([]float64, 3)
	}
	xi[1][0], xi[2][0] = -10.0356, -10.8999
	xi[2][1], xi[6][1] = -0.9354, 9.5529
	xi[0][2], xi[3][2], xi[5][2] = -7.1331, -2.6766, -3.1215
	return xi
}

func TestAlignPaperModel(t *testing.T) {
	check := func(name string, xi [][]float64) {
		al, err := Align(xi)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := map[[2]int]float64{{1, 0}: -10.04, {2, 0}: 10.00, {1, 1}: 27.75, {2, 1}: -0.935, {6, 1}: -5.46, {3, 2}: -2.68, {5, 2}: 5.46}
		for i := range al.Aligned {
			for j := range 3 {
				w := want[[2]int{i, j}]
				if math.Abs(al.Aligned[i][j]-w) > 0.01*math.Max(1, math.Abs(w)) {
					t.Errorf("%s: aligned Ξ[%d,%d] = %.4f, want %.4f (notes: analyze_lorenz_model1)", name, i, j, al.Aligned[i][j], w)
				}
			}
		}
		if al.Error > 0.05 {
			t.Errorf("%s: alignment error %g", name, al.Error)
		}
		// The notes' analyze_lorenz_model1: σ 10.04, ρ 27.75, β 2.68 (β off 8/3 by 0.4%).
		if sigma, rho, beta := al.Parameters(); math.Abs(sigma-10.04) > 0.01 || math.Abs(rho-27.75) > 0.01 || math.Abs(beta-2.677) > 0.001 {
			t.Errorf("%s: σ, ρ, β = %.4f, %.4f, %.4f, want 10.04, 27.75, 2.677", name, sigma, rho, beta)
		}
		if e := al.ParameterError(); math.Abs(e-0.25/28) > 1e-3 {
			t.Errorf("%s: parameter error %.4f, want ρ's 0.25/28 = %.4f", name, e, 0.25/28)
		}
	}
	check("model1", model1())
	// The same model with its latent variables permuted (z1, z2, z3) -> (z3, z1, z2) is found too.
	lib := Library()
	perm := []int{1, 2, 0} // new variable k is old variable perm[k]... expressed via AffineTransform
	p, err := sindyAffine(lib, model1(), perm)
	if err != nil {
		t.Fatal(err)
	}
	check("permuted model1", p)
	if _, err := Align(make([][]float64, 20)); err == nil {
		t.Error("zero model aligned")
	}
	// A dense model is not Lorenz.
	dense := model1()
	for i := range dense {
		for j := range 3 {
			dense[i][j] += 1 + 0.1*float64(i+j)
		}
	}
	if _, err := Align(dense); err == nil {
		t.Error("dense model aligned")
	}
}

func TestTrueCoefficients(t *testing.T) {
	xi := TrueCoefficients(1.0 / 40)
	if xi[6][1] != -40 || xi[5][2] != 40 || xi[1][1] != 28 {
		t.Errorf("true Ξ: %v", xi)
	}
}

func TestSingleAndLobes(t *testing.T) {
	ts := make([]float64, 2001)
	for i := range ts {
		ts[i] = float64(i) * 0.01
	}
	d, err := Single([]float64{-8, 7, 27}, ts)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2001 || len(d.X) != 2001*128 || math.Abs(d.Z[0]+8.0/40) > 1e-15 {
		t.Fatalf("Single: N=%d z0=%v", d.N, d.Z[:3])
	}
	rows := d.LatentRows(0, d.N)
	if n := LobeSwitches(rows); n < 5 {
		t.Errorf("Lorenz attractor: %d lobe switches, want many", n)
	}
	// A circle around one point never switches lobes... it does cross its mean plane; a decaying
	// spiral into a fixed point switches only a few times.
	var spiral [][]float64
	for i := range 2000 {
		r := math.Exp(-float64(i) / 100)
		spiral = append(spiral, []float64{5 + r*math.Cos(float64(i)/10), r * math.Sin(float64(i)/10), 0})
	}
	if n := LobeSwitches(spiral); n > 20 {
		t.Errorf("decaying spiral: %d switches", n)
	}
}

func TestTrajectoryData(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	d, err := Generate(Test(3))
	if err != nil {
		t.Fatal(err)
	}
	tr := d.TrajectoryData(1)
	s, e := d.Trajectory(1)
	if tr.N != e-s || tr.Config.NumICs != 1 || &tr.X[0] != &d.X[s*d.Dim] || &tr.DDX[0] != &d.DDX[s*d.Dim] ||
		len(tr.X) != tr.N*d.Dim || &tr.Z[0] != &d.Z[3*s] || len(tr.DDZ) != 3*tr.N || len(tr.T) != tr.N {
		t.Errorf("trajectory 1: N %d (want %d), NumICs %d, %d values, not a view of rows %d-%d", tr.N, e-s, tr.Config.NumICs, len(tr.X), s, e)
	}
}

// TestAlignSecondForm: Lorenz has a second 7-term form, in the coordinates (x, y + x/σ, z - (ρ-1)):
// ẏ' = -x z', ż' = x y' - x²/σ - β z' - β(ρ-1). Align maps it back (through the shear) to σ, ρ, β
// exactly, also when its variables are permuted; the plain per-axis map alone cannot (σ reads 11).
func TestAlignSecondForm(t *testing.T) {
	lib := Library()
	// z = v L: z2 = v2 - v1/10 in the scaled coordinates of TrueCoefficients (σ = 10).
	second, err := linearTransform(lib, TrueCoefficients(1.0/40), [][]float64{{1, -0.1, 0}, {0, 1, 0}, {0, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Shift z by (ρ-1)/40 (scaled): z3 = w3 + 27/40.
	second, err = sindy.AffineTransform(lib, second, []int{0, 1, 2}, []float64{1, 1, 1}, []float64{0, 0, 27.0 / 40})
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, r := range second {
		for _, v := range r {
			if math.Abs(v) > 1e-9 {
				active++
			}
		}
	}
	if active != 7 || math.Abs(second[4][2]) < 1e-9 || math.Abs(second[2][1]) > 1e-9 {
		t.Fatalf("the second form has %d terms (want 7), z1² in ż3 %.3g (want -40/10 scaled), z2 in ż2 %.3g (want 0): %v", active, second[4][2], second[2][1], second)
	}
	for _, perm := range [][]int{{0, 1, 2}, {2, 0, 1}} {
		xi, err := sindyAffine(lib, second, perm)
		if err != nil {
			t.Fatal(err)
		}
		al, err := Align(xi)
		if err != nil {
			t.Fatalf("perm %v: %v", perm, err)
		}
		sigma, rho, beta := al.Parameters()
		if al.ParameterError() > 1e-6 || al.Shear == 0 {
			t.Errorf("perm %v: σ, ρ, β = %.6f, %.6f, %.6f (shear %g), want 10, 28, 8/3 through a shear", perm, sigma, rho, beta, al.Shear)
		}
	}
}
