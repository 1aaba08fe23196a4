package onsagernet

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Pairs holds one-step training pairs (h(t), h(t + Dt)), flat and row-major: X0 and X1 are N×Dim.
type Pairs struct {
	N, Dim int
	Dt     float64
	X0, X1 []float64
}

// Validate checks sizes, the step and that every value is finite.
func (p *Pairs) Validate() error {
	if p == nil || p.N < 1 || p.Dim < 1 {
		return fmt.Errorf("onsagernet: empty pair set")
	}
	if len(p.X0) != p.N*p.Dim || len(p.X1) != p.N*p.Dim {
		return fmt.Errorf("onsagernet: %d pairs of dimension %d hold %d and %d values, want %d",
			p.N, p.Dim, len(p.X0), len(p.X1), p.N*p.Dim)
	}
	if !(p.Dt > 0) || math.IsInf(p.Dt, 0) {
		return fmt.Errorf("onsagernet: pair time step must be positive and finite, got %g", p.Dt)
	}
	for i := range p.X0 {
		if !training.Finite(p.X0[i], p.X1[i]) {
			return fmt.Errorf("onsagernet: pair %d component %d is not finite (%g, %g)", i/p.Dim, i%p.Dim, p.X0[i], p.X1[i])
		}
	}
	return nil
}

// LorenzConfig is the paper's Lorenz '63 data set (Lorenz/test_ode_Lorenz.py): NTraj trajectories from
// initial conditions uniform in the box [Lo, Hi], each sampled at NOut times t_k = k·T/NOut as pairs
// (h(t_k), h(t_k + Dt)). The states are divided by Scale (a linear change of coordinates that keeps the
// network's inputs of order one; rollouts multiply back).
type LorenzConfig struct {
	Sigma, Rho, Beta float64
	NTraj, NOut      int
	T, Dt            float64
	Lo, Hi           [3]float64
	Scale            float64
	// TestFrac of the trajectories (the last ones) are held out.
	TestFrac float64
	Seed     uint64
}

// DefaultLorenz returns the paper's setup for a given ρ (16: non-chaotic, 28: chaotic): σ = 10,
// β = 8/3, 100 trajectories on [0, 3] from [−25, 25]² × [−5, 30], 100 pairs each with dt = 0.001,
// 80/20 split; states scaled by 1/20.
func DefaultLorenz(rho float64) LorenzConfig {
	return LorenzConfig{Sigma: 10, Rho: rho, Beta: 8.0 / 3, NTraj: 100, NOut: 100, T: 3, Dt: 0.001,
		Lo: [3]float64{-25, -25, -5}, Hi: [3]float64{25, 25, 30}, Scale: 20, TestFrac: 0.2, Seed: 1}
}

// System returns the Lorenz system of the configuration.
func (c LorenzConfig) System() systems.Lorenz {
	return systems.Lorenz{Sigma: c.Sigma, Rho: c.Rho, Beta: c.Beta}
}

// ScaledField returns the true vector field in the scaled coordinates h = x/Scale.
func (c LorenzConfig) ScaledField() ode.Func {
	sys, s := c.System(), c.Scale
	return func(t float64, h, dh []float64) {
		x := [3]float64{h[0] * s, h[1] * s, h[2] * s}
		sys.RHS(t, x[:], dh)
		for i := range dh {
			dh[i] /= s
		}
	}
}

// Validate checks the configuration.
func (c LorenzConfig) Validate() error {
	if err := c.System().Validate(); err != nil {
		return fmt.Errorf("onsagernet: %w", err)
	}
	if c.NTraj < 2 || c.NOut < 1 {
		return fmt.Errorf("onsagernet: need NTraj >= 2 and NOut >= 1, got %d, %d", c.NTraj, c.NOut)
	}
	if !(c.T > 0) || !(c.Dt > 0) || !(c.Scale > 0) || !training.Finite(c.T, c.Dt, c.Scale) || c.Dt >= c.T/float64(c.NOut) {
		return fmt.Errorf("onsagernet: need T > 0, Scale > 0 and 0 < Dt < T/NOut, got T=%g Dt=%g Scale=%g NOut=%d",
			c.T, c.Dt, c.Scale, c.NOut)
	}
	for j := range 3 {
		if !training.Finite(c.Lo[j], c.Hi[j]) || c.Lo[j] > c.Hi[j] {
			return fmt.Errorf("onsagernet: bad initial-condition box [%g, %g] for coordinate %d", c.Lo[j], c.Hi[j], j)
		}
	}
	if !(c.TestFrac >= 0 && c.TestFrac < 1) {
		return fmt.Errorf("onsagernet: TestFrac must be in [0, 1), got %g", c.TestFrac)
	}
	return nil
}

// LorenzData is the generated data set: training and test pairs (scaled) and the sampled trajectories
// h(t_k) (scaled, NTraj × NOut × 3) for plots.
type LorenzData struct {
	Config      LorenzConfig
	Train, Test *Pairs
	Times       []float64
	Paths       [][]float64
	// NTrain is the number of training trajectories (the first NTrain paths).
	NTrain int
}

// Lorenz generates (or loads from the disk cache) the data set: Dormand-Prince with tolerances 1e-10
// from each initial condition, output at t_k and t_k + Dt.
func Lorenz(cfg LorenzConfig) (*LorenzData, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return diskcache.Cached("onsagernet-lorenz", cfg, func() (*LorenzData, error) { return generateLorenz(cfg) })
}

func generateLorenz(cfg LorenzConfig) (*LorenzData, error) {
	ics, err := ode.UniformBox(cfg.NTraj, cfg.Lo[:], cfg.Hi[:], cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("onsagernet: %w", err)
	}
	h := cfg.T / float64(cfg.NOut)
	times := make([]float64, cfg.NOut)
	saveat := make([]float64, 0, 2*cfg.NOut)
	for k := range times {
		times[k] = float64(k) * h
		saveat = append(saveat, times[k], times[k]+cfg.Dt)
	}
	sys := cfg.System()
	sols, err := ode.SolveBatch(sys.Problem(nil, 0, saveat[len(saveat)-1]), ics, ode.DormandPrince(),
		ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: saveat})
	if err != nil {
		return nil, fmt.Errorf("onsagernet: Lorenz data: %w", err)
	}
	nTest := int(math.Round(cfg.TestFrac * float64(cfg.NTraj)))
	nTrain := cfg.NTraj - nTest
	d := &LorenzData{Config: cfg, Times: times, NTrain: nTrain,
		Train: &Pairs{Dim: 3, Dt: cfg.Dt}, Test: &Pairs{Dim: 3, Dt: cfg.Dt}}
	for i, sol := range sols {
		p := d.Train
		if i >= nTrain {
			p = d.Test
		}
		path := make([]float64, 0, 3*cfg.NOut)
		for k := range cfg.NOut {
			for j := range 3 {
				p.X0 = append(p.X0, sol.Y[2*k][j]/cfg.Scale)
				p.X1 = append(p.X1, sol.Y[2*k+1][j]/cfg.Scale)
				path = append(path, sol.Y[2*k][j]/cfg.Scale)
			}
			p.N++
		}
		d.Paths = append(d.Paths, path)
	}
	for _, p := range []*Pairs{d.Train, d.Test} {
		if p.N == 0 {
			continue
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
	}
	return d, nil
}
