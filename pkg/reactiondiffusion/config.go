package reactiondiffusion

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/config"
)

// Config selects a reaction-diffusion data set: the physics, the grid, the time span, the observation
// and the train/validation/test split. PaperConfig gives the reference's values (sindy.md §2c);
// QuickConfig a small variant; DefaultConfig picks one of them from quick mode.
type Config struct {
	N    int     // Grid points per side (paper: 100).
	L    float64 // Side of the periodic domain [-L/2, L/2)² (paper: 20).
	D1   float64 // Diffusion of u (paper: 0.1).
	D2   float64 // Diffusion of v (paper: 0.1).
	Beta float64 // β of ω(A) = -β·A² (paper: 1).
	Arms int     // Number of spiral arms m of the initial condition (paper: 1).

	T1       float64 // Final time; snapshots at t = 0, Dt, ..., T1 (paper: 500).
	Dt       float64 // Snapshot spacing (paper: 0.05).
	Substeps int     // ETDRK4 steps per snapshot interval (accuracy; see the package doc).
	Drop     int     // Leading snapshots dropped from the data set (paper: 2, leaving 9999).

	MaskCoef float64 // Observation mask f = exp(-MaskCoef·(x² + y²)) (paper: 0.01).
	Noise    float64 // Standard deviation of the Gaussian noise added to uf and duf (paper: 1e-6).
	Shuffle  bool    // Random train/validation split of the first 90% (paper: true); false keeps time order.
	Seed     uint64  // Seed of the split permutation and of the noise.

	Workers int `json:"-"` // Goroutines for the FFTs (0: runtime.NumCPU()); does not change the result.
}

// PaperConfig returns the reference's data set (sindy.md §2c): λ-ω system with d1 = d2 = 0.1, β = 1 on
// a 100×100 periodic grid of side L = 20, one-armed spiral, t = 0:0.05:500 with the first 2 snapshots
// dropped (9999 snapshots of dimension 10^4), observed as uf = f·u with f = exp(-0.01(x² + y²)), noise
// 1e-6, split 7999 train (random) / 1000 validation (random) / 1000 test (the last 10% in time).
func PaperConfig() Config {
	return Config{N: 100, L: 20, D1: 0.1, D2: 0.1, Beta: 1, Arms: 1, T1: 500, Dt: 0.05, Substeps: 2,
		Drop: 2, MaskCoef: 0.01, Noise: 1e-6, Shuffle: true, Seed: 1}
}

// QuickConfig returns a small variant for quick mode: the same physics and observation on a 50×50 grid
// (same domain, so the spiral is the same, just sampled on a coarser grid) for t ∈ [0, 100]: 1999
// snapshots of dimension 2500.
func QuickConfig() Config {
	c := PaperConfig()
	c.N, c.T1 = 50, 100
	return c
}

// DefaultConfig returns QuickConfig in quick mode (DYNLEARN_QUICK=1) and PaperConfig otherwise.
func DefaultConfig() Config { return config.Pick(QuickConfig(), PaperConfig()) }

// Outputs returns the number of simulated snapshots, round(T1/Dt) + 1.
func (c Config) Outputs() int { return int(math.Round(c.T1/c.Dt)) + 1 }

// Snapshots returns the number of snapshots in the data set, Outputs() - Drop.
func (c Config) Snapshots() int { return c.Outputs() - c.Drop }

// Dim returns the dimension of one observation, N².
func (c Config) Dim() int { return c.N * c.N }

// SplitSizes returns the sizes of the training, validation and test sets as the reference's loader
// computes them from the number of snapshots s: test = the last s - int(0.9·s) snapshots, training =
// int(0.8·s), validation = the rest of the first int(0.9·s). Paper: 7999, 1000, 1000.
func (c Config) SplitSizes() (train, val, test int) {
	s := c.Snapshots()
	first := int(0.9 * float64(s))
	train = int(0.8 * float64(s))
	return train, first - train, s - first
}

// Validate checks the configuration.
func (c Config) Validate() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case c.N < 4:
		return fmt.Errorf("reactiondiffusion: grid N=%d must be >= 4", c.N)
	case bad(c.L) || !(c.L > 0):
		return fmt.Errorf("reactiondiffusion: domain L=%g must be > 0 and finite", c.L)
	case bad(c.D1) || bad(c.D2) || c.D1 < 0 || c.D2 < 0:
		return fmt.Errorf("reactiondiffusion: diffusion D1=%g, D2=%g must be >= 0 and finite", c.D1, c.D2)
	case bad(c.Beta):
		return fmt.Errorf("reactiondiffusion: Beta=%g must be finite", c.Beta)
	case c.Arms < 0:
		return fmt.Errorf("reactiondiffusion: Arms=%d must be >= 0", c.Arms)
	case bad(c.Dt) || !(c.Dt > 0):
		return fmt.Errorf("reactiondiffusion: Dt=%g must be > 0 and finite", c.Dt)
	case bad(c.T1) || !(c.T1 > 0):
		return fmt.Errorf("reactiondiffusion: T1=%g must be > 0 and finite", c.T1)
	case math.Abs(c.T1/c.Dt-math.Round(c.T1/c.Dt)) > 1e-9*c.T1/c.Dt:
		return fmt.Errorf("reactiondiffusion: T1=%g is not a whole number of steps Dt=%g", c.T1, c.Dt)
	case c.Substeps < 1:
		return fmt.Errorf("reactiondiffusion: Substeps=%d must be >= 1", c.Substeps)
	case c.Drop < 0:
		return fmt.Errorf("reactiondiffusion: Drop=%d must be >= 0", c.Drop)
	case c.Snapshots() < 10:
		return fmt.Errorf("reactiondiffusion: %d snapshots after dropping %d (T1=%g, Dt=%g): need at least 10 for a split",
			c.Snapshots(), c.Drop, c.T1, c.Dt)
	case bad(c.MaskCoef) || c.MaskCoef < 0:
		return fmt.Errorf("reactiondiffusion: MaskCoef=%g must be >= 0 and finite", c.MaskCoef)
	case bad(c.Noise) || c.Noise < 0:
		return fmt.Errorf("reactiondiffusion: Noise=%g must be >= 0 and finite", c.Noise)
	case c.Workers < 0:
		return fmt.Errorf("reactiondiffusion: Workers=%d must be >= 0", c.Workers)
	}
	return nil
}

// simKey is the part of the configuration that determines the simulated, noise-free observations (the
// disk-cache key): the split and the noise are applied when the data are loaded.
type simKey struct {
	Format          int
	N               int
	L, D1, D2, Beta float64
	Arms            int
	T1, Dt          float64
	Substeps, Drop  int
	MaskCoef        float64
}

func (c Config) simKey() simKey {
	return simKey{Format: fileVersion, N: c.N, L: c.L, D1: c.D1, D2: c.D2, Beta: c.Beta, Arms: c.Arms, T1: c.T1,
		Dt: c.Dt, Substeps: c.Substeps, Drop: c.Drop, MaskCoef: c.MaskCoef}
}

// Mask returns the observation mask f = exp(-MaskCoef·(x² + y²)) on the grid, row-major (n×n).
func (c Config) Mask() []float64 {
	x := Coords(c.N, c.L)
	f := make([]float64, c.N*c.N)
	for r := range c.N {
		for col := range c.N {
			f[r*c.N+col] = math.Exp(-c.MaskCoef * (x[col]*x[col] + x[r]*x[r]))
		}
	}
	return f
}
