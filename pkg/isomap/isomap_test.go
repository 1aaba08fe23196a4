package isomap

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
)

// affineFit returns the relative RMS residual of the least-squares fit y ≈ a + Σ b_j c_j.
func affineFit(t *testing.T, y []float64, c [][]float64) float64 {
	t.Helper()
	n, p := len(y), len(c[0])+1
	// Normal equations (p is small).
	ata := make([][]float64, p)
	for i := range ata {
		ata[i] = make([]float64, p+1)
	}
	row := make([]float64, p)
	for i := range n {
		row[0] = 1
		copy(row[1:], c[i])
		for a := range p {
			for b := range p {
				ata[a][b] += row[a] * row[b]
			}
			ata[a][p] += row[a] * y[i]
		}
	}
	for a := range p { // Gauss-Jordan
		piv := ata[a][a]
		for b := range p + 1 {
			ata[a][b] /= piv
		}
		for r := range p {
			if r != a {
				f := ata[r][a]
				for b := range p + 1 {
					ata[r][b] -= f * ata[a][b]
				}
			}
		}
	}
	var res, mean, vr float64
	for i := range n {
		mean += y[i] / float64(n)
	}
	for i := range n {
		pred := ata[0][p]
		for j := range c[i] {
			pred += ata[j+1][p] * c[i][j]
		}
		res += (y[i] - pred) * (y[i] - pred)
		vr += (y[i] - mean) * (y[i] - mean)
	}
	return math.Sqrt(res / vr)
}

// The pendulum's movies: 51×51 frames of a Gaussian blob at angle θ (package pendulumimages). Their
// Isomap coordinate is θ up to shift and scale (the blob moves along the circle at constant speed
// per radian), which a linear fit checks: the residual is below 0.2% of θ's spread, while the
// frames' first principal component is far from affine in θ.
func TestEmbedPendulumFramesGivesTheAngle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 600
	theta := make([]float64, n)
	x := make([]float64, 0, n*pendulumimages.Dim)
	for i := range theta {
		theta[i] = -2.8 + 5.6*r.Float64() // the paper's swings reach |θ| ≈ 2.85
		f, _, _ := pendulumimages.Frame(theta[i], 0, 0)
		x = append(x, f...)
	}
	res, err := Embed(x, n, pendulumimages.Dim, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rel := affineFit(t, theta, res.Coords); !(rel < 2e-3) {
		t.Errorf("θ from the Isomap coordinate: relative residual %.2e of an affine fit, want < 2e-3 (k = %d)", rel, res.Neighbors)
	}
	if res.Residual > 1e-3 || res.Neighbors < 8 {
		t.Errorf("one coordinate leaves %.2e of the geodesic structure unexplained (want a 1-D manifold), k = %d", res.Residual, res.Neighbors)
	}
	// The straight-line distances of the frames (what PCA sees) do not give θ: the classical MDS of
	// the Euclidean distances (Isomap with all points as neighbours) is far from affine in θ.
	lin, err := Embed(x, n, pendulumimages.Dim, 1, Options{Neighbors: n - 1})
	if err != nil {
		t.Fatal(err)
	}
	if rel := affineFit(t, theta, lin.Coords); !(rel > 0.1) {
		t.Errorf("Euclidean MDS: residual %.2e, expected a curved (non-affine) coordinate", rel)
	}
	t.Logf("k = %d, eigenvalues %.4g, residual %.2e; Euclidean MDS residual in θ %.3f", res.Neighbors, res.Eigen, res.Residual, affineFit(t, theta, lin.Coords))
}

// The Swiss roll (a 2-D strip rolled up in 3-D): Isomap unrolls it, so the arc length along the
// spiral and the height are affine in the two coordinates, up to the graph's discretisation.
func TestEmbedSwissRoll(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 1500
	x := make([]float64, 0, 3*n)
	arc, height := make([]float64, n), make([]float64, n)
	for i := range n {
		u := 1.5 * math.Pi * (1 + 2*r.Float64())
		h := 40 * r.Float64()
		x = append(x, u*math.Cos(u), h, u*math.Sin(u))
		// Arc length of the spiral (u cos u, u sin u) from 0: (u√(1+u²) + asinh u)/2.
		arc[i], height[i] = (u*math.Sqrt(1+u*u)+math.Asinh(u))/2, h
	}
	res, err := Embed(x, n, 3, 2, Options{Neighbors: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Bars: SciPy's shortest paths and NumPy's eigh on a roll drawn the same way give 0.010 and 0.040.
	for name, c := range map[string]struct {
		y   []float64
		bar float64
	}{"arc length": {arc, 0.02}, "height": {height, 0.06}} {
		if rel := affineFit(t, c.y, res.Coords); !(rel < c.bar) {
			t.Errorf("%s from the two Isomap coordinates: relative residual %.3f, want < %g", name, rel, c.bar)
		}
	}
	for j := range 2 {
		var sum float64
		for i := range res.Coords {
			sum += res.Coords[i][j]
		}
		if math.Abs(sum) > 1e-6*float64(n) {
			t.Errorf("coordinate %d not centred: sum %g", j, sum)
		}
	}
}

func TestEmbedBadInput(t *testing.T) {
	two := []float64{0, 0, 1, 1, 2, 2}
	for _, tc := range []struct {
		name string
		x    []float64
		n, d int
		dim  int
		opts Options
		want string
	}{
		{"too few points", two[:4], 2, 2, 1, Options{}, "n=2"},
		{"wrong length", two, 3, 3, 1, Options{}, "x has 6 values"},
		{"dim too large", two, 3, 2, 3, Options{}, "dim=3"},
		{"negative k", two, 3, 2, 1, Options{Neighbors: -1}, "must be >= 0"},
		{"NaN", []float64{0, 0, 1, math.NaN(), 2, 2}, 3, 2, 1, Options{}, "x[3] (point 1) is NaN"},
	} {
		if _, err := Embed(tc.x, tc.n, tc.d, tc.dim, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Two clusters far apart: no k up to the bound connects them.
	var x []float64
	for i := range 40 {
		off := 0.0
		if i >= 20 {
			off = 1000
		}
		x = append(x, off+float64(i%20)*0.01, 0)
	}
	if _, err := Embed(x, 40, 2, 1, Options{MaxNeighbors: 10}); !errors.Is(err, ErrDisconnected) {
		t.Errorf("two far clusters: error %v, want ErrDisconnected", err)
	}
}
