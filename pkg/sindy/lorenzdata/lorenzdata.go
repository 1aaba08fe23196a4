// Package lorenzdata generates the high-dimensional Lorenz data set of Champion, Lusch, Kutz & Brunton
// (PNAS 2019, "Data-driven discovery of coordinates and governing equations"), exactly as their
// example_lorenz.py does:
//
//   - Lorenz trajectories (σ = 10, ρ = 28, β = 8/3) from initial conditions drawn uniformly in the box
//     x ∈ [-36, 36], y ∈ [-48, 48], z ∈ [-16, 66], sampled every dt = 0.02 on t ∈ [0, 5) (250 samples);
//   - exact derivatives ż = f(z) and z̈ = J_f(z) ż at the samples (no finite differences);
//   - z, ż, z̈ scaled by 1/40;
//   - embedded in n = 128 dimensions with the first six Legendre polynomials u_i(y) on y ∈ [-1, 1]:
//     x = u0 z1 + u1 z2 + u2 z3 + u3 z1³ + u4 z2³ + u5 z3³ (and its exact time derivatives);
//   - independent Gaussian noise of standard deviation 1e-6 added to x, ẋ and ẍ.
//
// The latent trajectories are cached on disk (package diskcache) keyed by the configuration, and the
// embedding is recomputed from them (it is cheap), so re-running a notebook cell is fast.
//
// The package holds data only: the experiment sindy-lorenz of package experiments trains SINDy
// autoencoders on it (experiments.AEData turns a Data into their input). Align and LobeSwitches
// analyse a learned model's coefficients and trajectories.
package lorenzdata

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Config selects a data set. Use Train, Validation or Test for the paper's splits.
type Config struct {
	NumICs   int     // Number of initial conditions (trajectories).
	Steps    int     // Samples per trajectory (paper: 250).
	Dt       float64 // Sample spacing (paper: 0.02).
	InputDim int     // Embedding dimension n (paper: 128).
	Scale    float64 // Scaling of z, ż, z̈ (paper: 1/40).
	Noise    float64 // Standard deviation of the noise on x, ẋ, ẍ (paper: 1e-6).
	Seed     uint64  // Seed of the initial conditions and the noise.
	Box      float64 // Scale of the initial-condition box around (0, 0, 25) (1 = the paper's box).
}

// Train returns the paper's training set configuration with numICs trajectories (the paper used 2048).
func Train(numICs int) Config { return paper(numICs, 1) }

// Validation returns the paper's validation configuration (20 trajectories in the paper).
func Validation(numICs int) Config { return paper(numICs, 2) }

// Test returns the paper's in-distribution test configuration (100 trajectories in the paper).
func Test(numICs int) Config { return paper(numICs, 3) }

func paper(n int, seed uint64) Config {
	return Config{NumICs: n, Steps: 250, Dt: 0.02, InputDim: 128, Scale: 1.0 / 40, Noise: 1e-6, Seed: seed, Box: 1}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.NumICs <= 0:
		return fmt.Errorf("lorenzdata: NumICs=%d must be > 0", c.NumICs)
	case c.Steps < 2:
		return fmt.Errorf("lorenzdata: Steps=%d must be >= 2", c.Steps)
	case !(c.Dt > 0) || math.IsInf(c.Dt, 0):
		return fmt.Errorf("lorenzdata: Dt=%g must be > 0", c.Dt)
	case c.InputDim < 2:
		return fmt.Errorf("lorenzdata: InputDim=%d must be >= 2", c.InputDim)
	case !(c.Scale > 0) || math.IsInf(c.Scale, 0):
		return fmt.Errorf("lorenzdata: Scale=%g must be > 0", c.Scale)
	case !(c.Noise >= 0) || math.IsInf(c.Noise, 0):
		return fmt.Errorf("lorenzdata: Noise=%g must be >= 0", c.Noise)
	case !(c.Box > 0) || math.IsInf(c.Box, 0):
		return fmt.Errorf("lorenzdata: Box=%g must be > 0", c.Box)
	}
	return nil
}

// Data is one data set: N = NumICs·Steps samples, ordered by trajectory then time.
type Data struct {
	Config Config
	N, Dim int       // Samples and embedding dimension.
	T      []float64 // The Steps sample times.
	// X, DX, DDX are the embedded states and their first and second time derivatives (N × Dim, row-major, noisy).
	X, DX, DDX []float32
	// Z, DZ, DDZ are the scaled latent Lorenz states and derivatives (N × 3, row-major, noise-free).
	Z, DZ, DDZ []float64
}

// latent is what is cached on disk: the scaled Lorenz trajectories.
type latent struct {
	Z, DZ, DDZ []float64
}

// Generate returns the data set for cfg (the latent trajectories come from the disk cache when present).
func Generate(cfg Config) (*Data, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lat, err := diskcache.Cached("sindy-lorenz-latent", cfg, func() (*latent, error) { return integrate(cfg) })
	if err != nil {
		return nil, fmt.Errorf("lorenzdata: %w", err)
	}
	n := cfg.NumICs * cfg.Steps
	if len(lat.Z) != 3*n {
		return nil, fmt.Errorf("lorenzdata: cached latent data has %d values, want %d (delete the cache)", len(lat.Z), 3*n)
	}
	d := &Data{Config: cfg, N: n, Dim: cfg.InputDim, Z: lat.Z, DZ: lat.DZ, DDZ: lat.DDZ}
	d.T = make([]float64, cfg.Steps)
	for i := range d.T {
		d.T[i] = float64(i) * cfg.Dt
	}
	d.X, d.DX, d.DDX = Embed(cfg.InputDim, lat.Z, lat.DZ, lat.DDZ)
	if cfg.Noise > 0 {
		r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed0f0015e))
		for _, a := range [][]float32{d.X, d.DX, d.DDX} {
			for i := range a {
				a[i] += float32(cfg.Noise * r.NormFloat64())
			}
		}
	}
	return d, nil
}

// integrate solves the Lorenz system from the configured initial conditions.
func integrate(cfg Config) (*latent, error) {
	lo, hi := systems.ChampionLorenzBox()
	for j := range lo { // scale the box around its centre (0, 0, 25)
		c := (lo[j] + hi[j]) / 2
		lo[j], hi[j] = c+(lo[j]-c)*cfg.Box, c+(hi[j]-c)*cfg.Box
	}
	ics, err := ode.UniformBox(cfg.NumICs, lo, hi, cfg.Seed)
	if err != nil {
		return nil, err
	}
	ts := make([]float64, cfg.Steps)
	for i := range ts {
		ts[i] = float64(i) * cfg.Dt
	}
	l := systems.DefaultLorenz()
	sols, err := ode.SolveBatch(l.Problem(ics[0], 0, ts[len(ts)-1]), ics, ode.DormandPrince(),
		ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		return nil, err
	}
	n := cfg.NumICs * cfg.Steps
	lat := &latent{Z: make([]float64, 3*n), DZ: make([]float64, 3*n), DDZ: make([]float64, 3*n)}
	jac := make([]float64, 9)
	for k, s := range sols {
		for i := range cfg.Steps {
			r := (k*cfg.Steps + i) * 3
			z := s.At(i)
			dz := lat.DZ[r : r+3]
			l.RHS(0, z, dz)
			l.Jac(0, z, jac)
			for a := range 3 {
				dd := 0.0
				for b := range 3 {
					dd += jac[3*a+b] * dz[b]
				}
				lat.DDZ[r+a] = dd * cfg.Scale
				lat.Z[r+a] = z[a] * cfg.Scale
			}
			for a := range 3 {
				dz[a] *= cfg.Scale
			}
		}
	}
	return lat, nil
}

// Legendre returns the Legendre polynomial P_k evaluated at y.
func Legendre(k int, y float64) float64 {
	p0, p1 := 1.0, y
	if k == 0 {
		return p0
	}
	for n := 1; n < k; n++ {
		p0, p1 = p1, (float64(2*n+1)*y*p1-float64(n)*p0)/float64(n+1)
	}
	return p1
}

// Modes returns the six spatial modes u_0..u_5 = P_0..P_5 on dim points of linspace(-1, 1, dim).
func Modes(dim int) [6][]float64 {
	var u [6][]float64
	for k := range 6 {
		u[k] = make([]float64, dim)
		for i := range dim {
			u[k][i] = Legendre(k, -1+2*float64(i)/float64(dim-1))
		}
	}
	return u
}

// Embed maps latent states and derivatives (N × 3, row-major) to the dim-dimensional observations
// x = Σ u_i z_i + Σ u_{3+i} z_i³ with exact derivatives ẋ and ẍ (without noise).
func Embed(dim int, z, dz, ddz []float64) (x, dx, ddx []float32) {
	u := Modes(dim)
	n := len(z) / 3
	x, dx, ddx = make([]float32, n*dim), make([]float32, n*dim), make([]float32, n*dim)
	var cx, cdx, cddx [6]float64
	for r := range n {
		for k := range 3 {
			a, da, dda := z[3*r+k], dz[3*r+k], ddz[3*r+k]
			cx[k], cdx[k], cddx[k] = a, da, dda
			cx[3+k] = a * a * a
			cdx[3+k] = 3 * a * a * da
			cddx[3+k] = 6*a*da*da + 3*a*a*dda
		}
		row := r * dim
		for i := range dim {
			var s, ds, dds float64
			for k := range 6 {
				s += u[k][i] * cx[k]
				ds += u[k][i] * cdx[k]
				dds += u[k][i] * cddx[k]
			}
			x[row+i], dx[row+i], ddx[row+i] = float32(s), float32(ds), float32(dds)
		}
	}
	return x, dx, ddx
}

// Trajectory returns the rows [k·Steps, (k+1)·Steps) of a flat row-major N × width array as a view.
func (d *Data) Trajectory(k int) (start, end int) {
	return k * d.Config.Steps, (k + 1) * d.Config.Steps
}

// LatentRows returns the latent states of samples [start, end) as rows of 3 values (a copy).
func (d *Data) LatentRows(start, end int) [][]float64 {
	out := make([][]float64, end-start)
	for i := range out {
		out[i] = append([]float64(nil), d.Z[3*(start+i):3*(start+i+1)]...)
	}
	return out
}

// TrajectoryData returns trajectory k as a data set of its own (its Steps samples; the arrays are
// shared with d, Config.NumICs is 1).
func (d *Data) TrajectoryData(k int) *Data {
	s, e := d.Trajectory(k)
	n := d.Dim
	out := &Data{Config: d.Config, N: e - s, Dim: n, T: d.T, X: d.X[s*n : e*n], DX: d.DX[s*n : e*n],
		Z: d.Z[3*s : 3*e], DZ: d.DZ[3*s : 3*e]}
	out.Config.NumICs = 1
	if len(d.DDX) > 0 {
		out.DDX = d.DDX[s*n : e*n]
	}
	if len(d.DDZ) > 0 {
		out.DDZ = d.DDZ[3*s : 3*e]
	}
	return out
}

// Single integrates one Lorenz trajectory from the (unscaled) state y0 at the times ts and embeds it
// like the data set (scale 1/40, 128 dimensions, no noise), e.g. Champion et al.'s demo from
// (-8, 7, 27) on t ∈ [0, 20] with dt = 0.01.
func Single(y0, ts []float64) (*Data, error) {
	if len(y0) != 3 || len(ts) < 2 {
		return nil, fmt.Errorf("lorenzdata: Single needs a 3-dimensional state and at least 2 times")
	}
	l := systems.DefaultLorenz()
	sol, err := ode.Solve(l.Problem(y0, ts[0], ts[len(ts)-1]), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		return nil, fmt.Errorf("lorenzdata: %w", err)
	}
	cfg := paper(1, 0)
	cfg.Steps, cfg.Noise = len(ts), 0
	n := len(ts)
	z, dz, ddz := make([]float64, 3*n), make([]float64, 3*n), make([]float64, 3*n)
	jac := make([]float64, 9)
	for i := range n {
		y := sol.At(i)
		d := dz[3*i : 3*i+3]
		l.RHS(0, y, d)
		l.Jac(0, y, jac)
		for a := range 3 {
			for b := range 3 {
				ddz[3*i+a] += jac[3*a+b] * d[b] * cfg.Scale
			}
			z[3*i+a] = y[a] * cfg.Scale
		}
		for a := range 3 {
			d[a] *= cfg.Scale
		}
	}
	x, dx, ddx := Embed(cfg.InputDim, z, dz, ddz)
	return &Data{Config: cfg, N: n, Dim: cfg.InputDim, T: append([]float64(nil), ts...), X: x, DX: dx, DDX: ddx, Z: z, DZ: dz, DDZ: ddz}, nil
}

// LobeSwitches counts how often a 3-D trajectory switches between the two sides of the plane through
// its mean orthogonal to its principal axis (with hysteresis: a switch needs a distance of a quarter
// of the standard deviation along that axis). A Lorenz-like two-lobed attractor switches many times;
// a trajectory that settles on one lobe, a fixed point or a limit cycle around one lobe does not.
func LobeSwitches(traj [][]float64) int {
	n := len(traj)
	if n < 3 {
		return 0
	}
	var mean [3]float64
	for _, p := range traj {
		for j := range 3 {
			mean[j] += p[j] / float64(n)
		}
	}
	var cov [3][3]float64
	for _, p := range traj {
		for a := range 3 {
			for b := range 3 {
				cov[a][b] += (p[a] - mean[a]) * (p[b] - mean[b]) / float64(n)
			}
		}
	}
	v := [3]float64{1, 0.5, 0.25}
	for range 100 { // power iteration for the principal axis
		var w [3]float64
		for a := range 3 {
			for b := range 3 {
				w[a] += cov[a][b] * v[b]
			}
		}
		norm := math.Sqrt(w[0]*w[0] + w[1]*w[1] + w[2]*w[2])
		if norm == 0 || math.IsNaN(norm) {
			return 0
		}
		for a := range 3 {
			v[a] = w[a] / norm
		}
	}
	proj := make([]float64, n)
	var s2 float64
	for i, p := range traj {
		for a := range 3 {
			proj[i] += (p[a] - mean[a]) * v[a]
		}
		s2 += proj[i] * proj[i] / float64(n)
	}
	h := 0.25 * math.Sqrt(s2)
	side, switches := 0, 0
	for _, q := range proj {
		s := 0
		if q > h {
			s = 1
		} else if q < -h {
			s = -1
		}
		if s != 0 && side != 0 && s != side {
			switches++
		}
		if s != 0 {
			side = s
		}
	}
	return switches
}
