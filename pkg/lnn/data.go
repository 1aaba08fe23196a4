package lnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Dataset holds double-pendulum states and their exact accelerations, flat and row-major:
// States is N×4 (θ1, θ2, ω1, ω2), Accels is N×2 (θ̈1, θ̈2).
type Dataset struct {
	N      int
	States []float64
	Accels []float64
}

// Validate checks the sizes (N >= 1 rows, 4·N States and 2·N Accels) and that every value is finite;
// errors name the row and the column.
func (d *Dataset) Validate() error {
	if d == nil {
		return fmt.Errorf("lnn: dataset is nil")
	}
	if d.N < 1 {
		return fmt.Errorf("lnn: dataset N=%d must be >= 1 (an empty dataset)", d.N)
	}
	if len(d.States) != 4*d.N || len(d.Accels) != 2*d.N {
		return fmt.Errorf("lnn: dataset N=%d does not match its rows: len(States)=%d and len(Accels)=%d, want 4·N=%d and 2·N=%d",
			d.N, len(d.States), len(d.Accels), 4*d.N, 2*d.N)
	}
	for i, v := range d.States {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("lnn: dataset row %d: States column %d (%s) is %v; values must be finite", i/4, i%4, stateNames[i%4], v)
		}
	}
	for i, v := range d.Accels {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("lnn: dataset row %d: Accels column %d (%s) is %v; values must be finite", i/2, i%2, stateNames[2+i%2]+" dot", v)
		}
	}
	return nil
}

// stateNames name the columns of Dataset.States.
var stateNames = [4]string{"θ1", "θ2", "ω1", "ω2"}

// StatesConfig is the paper's data setup (Cranmer et al., DoublePendulum.ipynb): i.i.d. states with
// θ ~ U[0, 2π) and θ̇ ~ U[−VelMax, VelMax] (VelMax = 10), labelled with the exact accelerations.
type StatesConfig struct {
	System systems.DoublePendulum
	N      int
	VelMax float64
	Seed   uint64
	// EnergyMax, when not zero, keeps only the states whose total energy T + V is at most EnergyMax
	// (rejection sampling from the box above; not in the paper). EnergyMax = EnergyScale() (29.4) is
	// the energy of a pendulum released at rest upside down, the largest of any release at rest: the
	// states such releases visit (the paper's energy test) are exactly those with E <= 29.4, and
	// they reach |θ̇2| ≈ 15, so VelMax must then be about 15.5 to cover them.
	EnergyMax float64 `json:",omitempty"`
}

// DefaultStates returns the paper's distribution with n states.
func DefaultStates(n int, seed uint64) StatesConfig {
	return StatesConfig{System: systems.DefaultDoublePendulum(), N: n, VelMax: 10, Seed: seed}
}

// EnergyShellStates returns n states of the set a pendulum released at rest can visit: energy at most
// EnergyScale() (29.4), velocities up to 15.5 (the last full-mode LNN stage trains on it).
func EnergyShellStates(n int, seed uint64) StatesConfig {
	c := DefaultStates(n, seed)
	c.VelMax, c.EnergyMax = 15.5, c.System.EnergyScale()
	return c
}

// Validate checks the configuration: a valid system, N >= 1, a finite VelMax >= 0 and, with
// EnergyMax, that at least 1% of the box's states have an energy below it (so that rejection
// sampling is fast).
func (c StatesConfig) Validate() error {
	if err := c.System.Validate(); err != nil {
		return fmt.Errorf("lnn: states: %w", err)
	}
	if c.N < 1 {
		return fmt.Errorf("lnn: states: N=%d must be >= 1", c.N)
	}
	if !(c.VelMax >= 0) || math.IsInf(c.VelMax, 0) {
		return fmt.Errorf("lnn: states: VelMax=%g must be finite and >= 0", c.VelMax)
	}
	if c.EnergyMax != 0 {
		if math.IsNaN(c.EnergyMax) || math.IsInf(c.EnergyMax, 0) {
			return fmt.Errorf("lnn: states: EnergyMax=%g must be finite (0: no energy limit)", c.EnergyMax)
		}
		const tries = 10000
		rng := rand.New(rand.NewPCG(1, 2))
		kept := 0
		s := make([]float64, 4)
		for range tries {
			c.draw(rng, s)
			if c.System.Energy(s) <= c.EnergyMax {
				kept++
			}
		}
		if kept < tries/100 {
			return fmt.Errorf("lnn: states: EnergyMax %g keeps %.2g%% of the states with |θ̇| <= %g (the lowest energy is %g); need at least 1%%",
				c.EnergyMax, 100*float64(kept)/tries, c.VelMax, c.System.Energy([]float64{0, 0, 0, 0}))
		}
	}
	return nil
}

// draw fills s with one state from the box θ ~ U[0, 2π), θ̇ ~ U[−VelMax, VelMax].
func (c StatesConfig) draw(rng *rand.Rand, s []float64) {
	s[0] = rng.Float64() * 2 * math.Pi
	s[1] = rng.Float64() * 2 * math.Pi
	s[2] = (rng.Float64()*2 - 1) * c.VelMax
	s[3] = (rng.Float64()*2 - 1) * c.VelMax
}

// sampleStates fills states (n×4) and accels (n×2) with states of c's distribution drawn from rng
// (c must be valid).
func sampleStates(c StatesConfig, rng *rand.Rand, states, accels []float64) {
	for i := range len(states) / 4 {
		s := states[4*i : 4*i+4]
		c.draw(rng, s)
		for c.EnergyMax != 0 && c.System.Energy(s) > c.EnergyMax {
			c.draw(rng, s)
		}
		accels[2*i], accels[2*i+1] = c.System.Accel(s[0], s[1], s[2], s[3])
	}
}

// RandomStates generates (or loads from the disk cache) the paper's random-state dataset.
func RandomStates(cfg StatesConfig) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return diskcache.Cached("lnn-states", cfg, func() (*Dataset, error) {
		d := &Dataset{N: cfg.N, States: make([]float64, 4*cfg.N), Accels: make([]float64, 2*cfg.N)}
		sampleStates(cfg, rand.New(rand.NewPCG(cfg.Seed, 0x5354)), d.States, d.Accels)
		return d, d.Validate()
	})
}

// TrajectoriesConfig is the course slides' setup: NumTraj trajectories from random initial conditions,
// Points samples each at spacing Dt (integrated with Dormand-Prince, rtol = atol = 1e-10), labelled
// with the exact accelerations. Initial angles are U[0, 2π) and velocities U[VelLo, VelHi)
// (default [0, 0.1), as the original hyperopt data set, nearly at rest).
type TrajectoriesConfig struct {
	System       systems.DoublePendulum
	NumTraj      int
	Points       int
	Dt           float64
	VelLo, VelHi float64
	Seed         uint64
}

// DefaultTrajectories returns the slides' 512 trajectories × 4 points at fps 10.
func DefaultTrajectories(seed uint64) TrajectoriesConfig {
	return TrajectoriesConfig{System: systems.DefaultDoublePendulum(), NumTraj: 512, Points: 4, Dt: 0.1,
		VelLo: 0, VelHi: 0.1, Seed: seed}
}

// Trajectories generates (or loads from the disk cache) the trajectory dataset. The samples are in
// trajectory order; training shuffles them.
func Trajectories(cfg TrajectoriesConfig) (*Dataset, error) {
	if err := cfg.System.Validate(); err != nil {
		return nil, fmt.Errorf("lnn: trajectories: %w", err)
	}
	if cfg.NumTraj < 1 || cfg.Points < 1 || !(cfg.Dt > 0) || !(cfg.VelHi >= cfg.VelLo) {
		return nil, fmt.Errorf("lnn: trajectories: need NumTraj, Points >= 1, Dt > 0 and VelHi >= VelLo, got %+v", cfg)
	}
	return diskcache.Cached("lnn-trajectories", cfg, func() (*Dataset, error) {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x5452))
		ics := make([][]float64, cfg.NumTraj)
		for i := range ics {
			ics[i] = []float64{rng.Float64() * 2 * math.Pi, rng.Float64() * 2 * math.Pi,
				cfg.VelLo + rng.Float64()*(cfg.VelHi-cfg.VelLo), cfg.VelLo + rng.Float64()*(cfg.VelHi-cfg.VelLo)}
		}
		ts := make([]float64, cfg.Points)
		for i := range ts {
			ts[i] = float64(i) * cfg.Dt
		}
		t1 := ts[len(ts)-1]
		if t1 == 0 {
			t1 = cfg.Dt
		}
		sols, err := ode.SolveBatch(cfg.System.Problem(ics[0], 0, t1), ics, ode.DormandPrince(),
			ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
		if err != nil {
			return nil, fmt.Errorf("lnn: trajectories: %w", err)
		}
		n := cfg.NumTraj * cfg.Points
		d := &Dataset{N: n, States: make([]float64, 0, 4*n), Accels: make([]float64, 0, 2*n)}
		for _, sol := range sols {
			for k := range cfg.Points {
				y := sol.At(k)
				a1, a2 := cfg.System.Accel(y[0], y[1], y[2], y[3])
				d.States = append(d.States, y...)
				d.Accels = append(d.Accels, a1, a2)
			}
		}
		return d, d.Validate()
	})
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x524e47)) }
