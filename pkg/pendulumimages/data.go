package pendulumimages

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Config selects a data set: trajectories of θ̈ = -sin θ sampled at t = 0, Dt, ..., (Steps-1)·Dt.
// Use Train, Validation and Test for the reference's splits, SingleTrajectories for its analysis runs.
type Config struct {
	NumICs int     // Number of random initial conditions (ignored when ICs is set).
	Steps  int     // Samples per trajectory (paper: 500, t = arange(0, 10, 0.02)).
	Dt     float64 // Sample spacing (paper: 0.02).
	Seed   uint64  // Seed of the initial conditions (systems.ChampionPendulumICs).
	// ICs, when non-empty, are explicit initial conditions (θ0, ω0) used instead of random draws.
	ICs [][2]float64 `json:",omitempty"`
	// Workers is the number of goroutines that render images (0: runtime.NumCPU()); no effect on the result.
	Workers int `json:"-"`
}

func paper(n int, seed uint64) Config { return Config{NumICs: n, Steps: 500, Dt: 0.02, Seed: seed} }

// Train returns the training configuration with n random initial conditions (paper: 100, i.e. 50,000
// samples; sindy.md §2b).
func Train(n int) Config { return paper(n, 1) }

// Validation returns the validation configuration with n random initial conditions (paper: 10).
func Validation(n int) Config { return paper(n, 2) }

// Test returns the in-distribution test configuration with n random initial conditions (paper: 10,
// get_pendulum_data(10)).
func Test(n int) Config { return paper(n, 3) }

// DefaultSplits returns the training, validation and test configurations of the current mode: the
// paper's 100, 10 and 10 trajectories, or 10, 2 and 2 in quick mode (DYNLEARN_QUICK=1).
func DefaultSplits() (train, val, test Config) {
	n := config.Pick([3]int{10, 2, 2}, [3]int{100, 10, 10})
	return Train(n[0]), Validation(n[1]), Test(n[2])
}

// SingleTrajectories returns the reference's single-trajectory test of the analysis notebooks
// (sindy.md §2b): θ0 = π/1.5, π/2, π/3, π/4, π/8, π/16 with ω0 = 0.5, t = arange(0, 20, 0.02).
func SingleTrajectories() Config {
	c := Config{Steps: 1000, Dt: 0.02}
	for _, q := range []float64{1.5, 2, 3, 4, 8, 16} {
		c.ICs = append(c.ICs, [2]float64{math.Pi / q, 0.5})
	}
	return c
}

// Trajectories returns the number of trajectories: len(ICs) when ICs is set, NumICs otherwise.
func (c Config) Trajectories() int {
	if len(c.ICs) > 0 {
		return len(c.ICs)
	}
	return c.NumICs
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Trajectories() <= 0:
		return fmt.Errorf("pendulumimages: NumICs=%d must be > 0 (or set ICs)", c.NumICs)
	case c.Steps < 2:
		return fmt.Errorf("pendulumimages: Steps=%d must be >= 2", c.Steps)
	case !(c.Dt > 0) || math.IsInf(c.Dt, 0):
		return fmt.Errorf("pendulumimages: Dt=%g must be > 0 and finite", c.Dt)
	case c.Workers < 0:
		return fmt.Errorf("pendulumimages: Workers=%d must be >= 0", c.Workers)
	}
	for i, ic := range c.ICs {
		if math.IsNaN(ic[0]) || math.IsInf(ic[0], 0) || math.IsNaN(ic[1]) || math.IsInf(ic[1], 0) {
			return fmt.Errorf("pendulumimages: ICs[%d]=%v is not finite", i, ic)
		}
	}
	return nil
}

// Dataset is a pendulum-from-images data set: N() = Trajectories·Steps samples ordered by trajectory,
// then time (the order in which the reference feeds them to the model). X, DX and DDX are the images
// and their exact first and second time derivatives, float32, N()×Dim() row-major; Z, DZ and DDZ
// are the latent ground truth θ (wrapped to [-π, π)), ω = θ̇ and θ̈ = -sin θ of each sample.
type Dataset struct {
	Config     Config
	Steps      int          // Samples per trajectory.
	T          []float64    // The Steps sample times of a trajectory.
	ICs        [][2]float64 // Initial condition (θ0, ω0) of each trajectory.
	X, DX, DDX []float32    // N()×Dim() images, first and second time derivatives.
	Z, DZ, DDZ []float64    // N() angles, angular velocities and angular accelerations.
}

// N returns the number of samples.
func (d *Dataset) N() int { return len(d.Z) }

// Dim returns the dimension of one sample, Side² = 2601.
func (d *Dataset) Dim() int { return Dim }

// Trajectories returns the number of trajectories.
func (d *Dataset) Trajectories() int { return len(d.ICs) }

// Row returns image i (a view of X). It panics if i is out of range, like a slice index.
func (d *Dataset) Row(i int) []float32 { return d.X[i*Dim : (i+1)*Dim : (i+1)*Dim] }

// DRow returns the first time derivative of image i (a view of DX). It panics if i is out of range.
func (d *Dataset) DRow(i int) []float32 { return d.DX[i*Dim : (i+1)*Dim : (i+1)*Dim] }

// DDRow returns the second time derivative of image i (a view of DDX). It panics if i is out of range.
func (d *Dataset) DDRow(i int) []float32 { return d.DDX[i*Dim : (i+1)*Dim : (i+1)*Dim] }

// Image returns image i as a Side×Side float64 matrix (row 0 at the top), e.g. for
// plotting.ImageGrid.Add. It panics if i is out of range.
func (d *Dataset) Image(i int) [][]float64 {
	return floats.Matrix(d.Row(i), Side, Side)
}

// Trajectory returns trajectory k as a Dataset whose slices are views into d's (no copy). It
// returns an error if k is out of range.
func (d *Dataset) Trajectory(k int) (*Dataset, error) {
	if k < 0 || k >= d.Trajectories() {
		return nil, fmt.Errorf("pendulumimages: trajectory %d out of range [0, %d)", k, d.Trajectories())
	}
	lo, hi := k*d.Steps, (k+1)*d.Steps
	c := d.Config
	c.NumICs, c.ICs = 1, [][2]float64{d.ICs[k]}
	return &Dataset{Config: c, Steps: d.Steps, T: d.T, ICs: d.ICs[k : k+1 : k+1],
		X: d.X[lo*Dim : hi*Dim : hi*Dim], DX: d.DX[lo*Dim : hi*Dim : hi*Dim], DDX: d.DDX[lo*Dim : hi*Dim : hi*Dim],
		Z: d.Z[lo:hi:hi], DZ: d.DZ[lo:hi:hi], DDZ: d.DDZ[lo:hi:hi]}, nil
}

// Latent is the latent part of a data set, what Generate keeps in the disk cache: the initial
// conditions and θ (wrapped), ω and θ̈ of every sample.
type Latent struct {
	ICs        [][2]float64
	Z, DZ, DDZ []float64
}

// Integrate draws the initial conditions (systems.ChampionPendulumICs: θ0 ~ U[-π, π), ω0 ~ U[-2.1, 2.1),
// rejected when |ω0²/2 - cos θ0| > 0.99) unless cfg.ICs is set, and integrates θ̈ = -sin θ with the
// adaptive Dormand-Prince method at tolerances 1e-10 (the reference used scipy's odeint), sampled at
// the cfg.Steps times. θ̈ = -sin θ is evaluated from the right-hand side at the samples, and θ is
// wrapped to [-π, π) as in the reference (sindy.md §2b).
func Integrate(cfg Config) (*Latent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ics := cfg.ICs
	if len(ics) == 0 {
		drawn, err := systems.ChampionPendulumICs(cfg.NumICs, cfg.Seed)
		if err != nil {
			return nil, fmt.Errorf("pendulumimages: %w", err)
		}
		ics = make([][2]float64, len(drawn))
		for i, y := range drawn {
			ics[i] = [2]float64{y[0], y[1]}
		}
	}
	y0s := make([][]float64, len(ics))
	for i := range ics {
		y0s[i] = []float64{ics[i][0], ics[i][1]}
	}
	ts := times(cfg)
	p := systems.DefaultPendulum()
	sols, err := ode.SolveBatch(p.Problem(y0s[0], 0, ts[len(ts)-1]), y0s, ode.DormandPrince(),
		ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		return nil, fmt.Errorf("pendulumimages: integrate: %w", err)
	}
	n := len(ics) * cfg.Steps
	lat := &Latent{ICs: ics, Z: make([]float64, n), DZ: make([]float64, n), DDZ: make([]float64, n)}
	dy := make([]float64, 2)
	for k, s := range sols {
		for i := range cfg.Steps {
			y := s.At(i)
			p.RHS(0, y, dy)
			j := k*cfg.Steps + i
			lat.Z[j], lat.DZ[j], lat.DDZ[j] = WrapToPi(y[0]), y[1], dy[1]
		}
	}
	return lat, nil
}

func times(cfg Config) []float64 {
	ts := make([]float64, cfg.Steps)
	for i := range ts {
		ts[i] = float64(i) * cfg.Dt
	}
	return ts
}

// WrapToPi maps an angle to [-π, π) (angles already in range are returned unchanged).
func WrapToPi(a float64) float64 {
	if a >= -math.Pi && a < math.Pi {
		return a
	}
	w := math.Mod(a+math.Pi, 2*math.Pi)
	if w < 0 {
		w += 2 * math.Pi
	}
	return w - math.Pi
}

// Generate returns the data set for cfg. The latent trajectories come from the disk cache
// (diskcache.Cached, keyed by cfg) or from Integrate; the images are rendered from them in parallel
// every time: rendering (separable Gaussians) costs about 0.3 s of CPU plus the page faults of the
// 1.5 GB of float32 images for the paper's 50,000 training samples × 2601 pixels × 3 arrays, no more
// than reading them back from disk would (and a gob-encoded copy would need twice the memory).
func Generate(cfg Config) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lat, err := diskcache.Cached("pendulumimages-latent", cfg, func() (*Latent, error) { return Integrate(cfg) })
	if err != nil {
		return nil, fmt.Errorf("pendulumimages: %w", err)
	}
	n := cfg.Trajectories() * cfg.Steps
	if len(lat.ICs) != cfg.Trajectories() || len(lat.Z) != n || len(lat.DZ) != n || len(lat.DDZ) != n {
		return nil, fmt.Errorf("pendulumimages: cached latent data has %d trajectories and %d samples, want %d and %d (delete the cache)",
			len(lat.ICs), len(lat.Z), cfg.Trajectories(), n)
	}
	return Render(cfg, lat)
}

// Render builds the data set of cfg from its latent trajectories (from Integrate): every sample's
// image and its exact derivatives (Frame), stored as float32.
func Render(cfg Config, lat *Latent) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if lat == nil {
		return nil, fmt.Errorf("pendulumimages: Render: latent data is nil")
	}
	n := len(lat.Z)
	if len(lat.DZ) != n || len(lat.DDZ) != n || n != len(lat.ICs)*cfg.Steps {
		return nil, fmt.Errorf("pendulumimages: Render: latent data with %d trajectories, %d/%d/%d samples does not match %d steps",
			len(lat.ICs), len(lat.Z), len(lat.DZ), len(lat.DDZ), cfg.Steps)
	}
	for i := range n {
		if bad(lat.Z[i]) || bad(lat.DZ[i]) || bad(lat.DDZ[i]) {
			return nil, fmt.Errorf("pendulumimages: Render: non-finite latent state at sample %d", i)
		}
	}
	d := &Dataset{Config: cfg, Steps: cfg.Steps, T: times(cfg), ICs: lat.ICs, Z: lat.Z, DZ: lat.DZ, DDZ: lat.DDZ,
		X: make([]float32, n*Dim), DX: make([]float32, n*Dim), DDX: make([]float32, n*Dim)}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, n))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				render(d.Z[i], d.DZ[i], d.DDZ[i], d.Row(i), d.DRow(i), d.DDRow(i))
			}
		})
	}
	wg.Wait()
	return d, nil
}

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
