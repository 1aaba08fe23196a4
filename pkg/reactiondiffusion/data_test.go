package reactiondiffusion

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

func smallConfig() Config {
	c := PaperConfig()
	c.N, c.T1 = 24, 2 // 41 outputs, 39 snapshots: split 31 / 4 / 4
	return c
}

func TestConfigs(t *testing.T) {
	p := PaperConfig()
	if p.Snapshots() != 9999 || p.Dim() != 10000 {
		t.Errorf("paper: %d snapshots of dimension %d, want 9999 of 10000", p.Snapshots(), p.Dim())
	}
	if tr, va, te := p.SplitSizes(); tr != 7999 || va != 1000 || te != 1000 {
		t.Errorf("paper split %d/%d/%d, want 7999/1000/1000", tr, va, te)
	}
	if err := QuickConfig().Validate(); err != nil {
		t.Error(err)
	}
	t.Setenv("DYNLEARN_QUICK", "1")
	if DefaultConfig().N != QuickConfig().N {
		t.Error("DefaultConfig ignores quick mode")
	}
	for name, mod := range map[string]func(*Config){
		"N":        func(c *Config) { c.N = 2 },
		"Dt":       func(c *Config) { c.Dt = 0 },
		"NaN L":    func(c *Config) { c.L = math.NaN() },
		"T1/Dt":    func(c *Config) { c.T1 = 1.01 },
		"Substeps": func(c *Config) { c.Substeps = 0 },
		"D1":       func(c *Config) { c.D1 = -1 },
		"short":    func(c *Config) { c.T1 = 0.2 },
	} {
		c := smallConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: bad config accepted", name)
		}
		if _, err := Generate(c); err == nil {
			t.Errorf("%s: Generate accepted a bad config", name)
		}
	}
}

func TestGenerateShapesMaskSplit(t *testing.T) {
	cfg := smallConfig()
	d := testutil.Generate(t, Generate, cfg)
	dim := cfg.N * cfg.N
	sizes := []int{31, 4, 4}
	var all []int
	for i, set := range []*Dataset{d.Train, d.Val, d.Test} {
		if set.N() != sizes[i] || set.Dim() != dim || len(set.X) != sizes[i]*dim || len(set.DX) != sizes[i]*dim ||
			len(set.Index) != sizes[i] || len(set.Row(set.N()-1)) != dim || len(set.Image(0)) != cfg.N {
			t.Fatalf("split %d: N=%d Dim=%d len X=%d DX=%d", i, set.N(), set.Dim(), len(set.X), len(set.DX))
		}
		for r, k := range set.Index {
			if set.T[r] != float64(k+cfg.Drop)*cfg.Dt || d.Times[k] != set.T[r] {
				t.Fatalf("split %d row %d: time %g for snapshot %d", i, r, set.T[r], k)
			}
		}
		all = append(all, set.Index...)
	}
	slices.Sort(all)
	for k, v := range all {
		if v != k {
			t.Fatalf("splits do not partition the snapshots: sorted indices %v", all)
		}
	}
	if !slices.Equal(d.Test.Index, []int{35, 36, 37, 38}) {
		t.Errorf("test set %v, want the last 10%% in time order", d.Test.Index)
	}
	if slices.IsSorted(d.Train.Index) {
		t.Error("training set is not shuffled")
	}
	// Mask: 1 at the origin (grid index N/2), exp(-0.01·(x² + y²)) elsewhere.
	n := cfg.N
	if d.Mask[(n/2)*n+n/2] != 1 || math.Abs(d.Mask[0]-math.Exp(-0.01*200)) > 1e-15 {
		t.Errorf("mask: centre %g, corner %g", d.Mask[(n/2)*n+n/2], d.Mask[0])
	}
	if d.Coords[0] != -10 || d.Coords[n/2] != 0 {
		t.Errorf("coords %v", d.Coords)
	}
	// First kept snapshot against the initial condition advanced by Drop steps: directly from Simulate.
	err := Simulate(cfg, func(s Snapshot) error {
		if s.K != cfg.Drop {
			return nil
		}
		var set *Dataset
		row := -1
		for _, ds := range []*Dataset{d.Train, d.Val, d.Test} {
			if i := slices.Index(ds.Index, 0); i >= 0 {
				set, row = ds, i
			}
		}
		x, dx := set.Row(row), set.DRow(row)
		for i := range x {
			// Noise 1e-6 is on.
			if math.Abs(float64(x[i])-d.Mask[i]*s.U[i]) > 1e-5 || math.Abs(float64(dx[i])-d.Mask[i]*s.UT[i]) > 1e-5 {
				t.Fatalf("pixel %d: x=%g want %g, dx=%g want %g", i, x[i], d.Mask[i]*s.U[i], dx[i], d.Mask[i]*s.UT[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// duf is the exact derivative of uf: compare with central differences in time of the snapshots.
func TestDerivativeVsFiniteDifferences(t *testing.T) {
	cfg := smallConfig()
	cfg.Noise, cfg.Shuffle = 0, false
	d := testutil.Generate(t, Generate, cfg)
	for _, k := range []int{1, 10, 29} { // all in the (unshuffled) training set
		xm, x0, xp := d.Train.Row(k-1), d.Train.DRow(k), d.Train.Row(k+1)
		var num, den float64
		for i := range x0 {
			fd := (float64(xp[i]) - float64(xm[i])) / (2 * cfg.Dt)
			num += (fd - float64(x0[i])) * (fd - float64(x0[i]))
			den += float64(x0[i]) * float64(x0[i])
		}
		// Central differences are second order: error ≈ (ω·Dt)²/6 ≈ 4e-4 for ω ≈ 1.
		if rel := math.Sqrt(num / den); rel > 2e-3 {
			t.Errorf("snapshot %d: relative difference between duf and finite differences %.3g > 2e-3", k, rel)
		} else {
			t.Logf("snapshot %d: relative difference %.3g", k, rel)
		}
	}
}

func TestDeterministicAndNoise(t *testing.T) {
	cfg := smallConfig()
	cfg.Workers = 1
	a := testutil.Generate(t, Generate, cfg)
	cfg.Workers = 2
	b := testutil.Generate(t, Generate, cfg)
	if !slices.Equal(a.Train.X, b.Train.X) || !slices.Equal(a.Test.DX, b.Test.DX) || !slices.Equal(a.Train.Index, b.Train.Index) {
		t.Error("results depend on the number of workers")
	}
	cfg.Noise = 0
	c := testutil.Generate(t, Generate, cfg)
	var sum, sum2 float64
	for i := range c.Train.X {
		e := float64(a.Train.X[i]) - float64(c.Train.X[i])
		sum += e
		sum2 += e * e
	}
	std := math.Sqrt(sum2 / float64(len(c.Train.X)))
	if std < 0.8e-6 || std > 1.2e-6 {
		t.Errorf("noise standard deviation %.3g, want 1e-6", std)
	}
}

func TestLoadCache(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	cfg := smallConfig()
	want := testutil.Generate(t, Generate, cfg)
	for range 2 { // generate + read, then read only
		got, err := Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Train.X, want.Train.X) || !slices.Equal(got.Val.DX, want.Val.DX) || !slices.Equal(got.Test.X, want.Test.X) {
			t.Fatal("Load differs from Generate")
		}
	}
	// Another split and noise seed reuse the same simulation file.
	cfg2 := cfg
	cfg2.Seed, cfg2.Shuffle = 7, false
	p1, _ := CachePath(cfg)
	p2, _ := CachePath(cfg2)
	if p1 != p2 {
		t.Error("the split seed changes the cache key")
	}
	// A truncated file is reported, not silently used.
	st, err := os.Stat(p1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p1, st.Size()-4); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("truncated cache: err = %v", err)
	}
}

// The one-armed spiral keeps its topological charge: the phase of u + iv winds once around the centre.
func TestSpiralWinding(t *testing.T) {
	for _, arms := range []int{1, 2} {
		cfg := smallConfig()
		cfg.N, cfg.T1, cfg.Arms, cfg.Substeps = 32, 10, arms, 1
		var winding float64
		err := Simulate(cfg, func(s Snapshot) error {
			if s.K != cfg.Outputs()-1 {
				return nil
			}
			winding = windingNumber(cfg.N, s.U, s.V, 6)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(winding-float64(arms)) > 1e-9 {
			t.Errorf("arms=%d: winding number %g at t=%g", arms, winding, cfg.T1)
		}
	}
}

// windingNumber sums the wrapped phase differences of u + iv counterclockwise around the square ring of
// grid points at distance d from the centre cell (n/2, n/2).
func windingNumber(n int, u, v []float64, d int) float64 {
	c := n / 2
	var path [][2]int // (row = y index, col = x index)
	for x := c - d; x < c+d; x++ {
		path = append(path, [2]int{c - d, x})
	}
	for y := c - d; y < c+d; y++ {
		path = append(path, [2]int{y, c + d})
	}
	for x := c + d; x > c-d; x-- {
		path = append(path, [2]int{c + d, x})
	}
	for y := c + d; y > c-d; y-- {
		path = append(path, [2]int{y, c - d})
	}
	total := 0.0
	for i := range path {
		p, q := path[i], path[(i+1)%len(path)]
		a := math.Atan2(v[p[0]*n+p[1]], u[p[0]*n+p[1]])
		b := math.Atan2(v[q[0]*n+q[1]], u[q[0]*n+q[1]])
		total += math.Remainder(b-a, 2*math.Pi)
	}
	return total / (2 * math.Pi)
}
