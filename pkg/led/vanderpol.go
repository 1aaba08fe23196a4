package led

import (
	"fmt"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// VanDerPolConfig configures the report's Van der Pol data set: trajectories of the Liénard-form
// oscillator (systems.VanDerPol) from initial conditions uniform in [-Box, Box]², integrated with the
// theta method.
type VanDerPolConfig struct {
	Mu      float64 // 1
	T, Dt   float64 // 25, 0.1: 250 steps, 251 points
	Theta   float64 // 0.5 (Crank-Nicolson)
	Box     float64 // 5
	Samples int
	Seed    uint64
}

// DefaultVanDerPolConfig returns the report's setting with 200 samples.
func DefaultVanDerPolConfig() VanDerPolConfig {
	return VanDerPolConfig{Mu: 1, T: 25, Dt: 0.1, Theta: 0.5, Box: 5, Samples: 200, Seed: 1}
}

// VanDerPolData holds the trajectories: Data[s] is [steps][2] row-major (x, y).
type VanDerPolData struct {
	Config VanDerPolConfig
	Data   [][]float32
	Times  []float64
}

// Steps returns the number of points per trajectory.
func (d *VanDerPolData) Steps() int { return len(d.Times) }

// GenerateVanDerPol integrates the trajectories in parallel.
func GenerateVanDerPol(cfg VanDerPolConfig) (*VanDerPolData, error) {
	if cfg.Samples < 1 || !(cfg.Box > 0) {
		return nil, fmt.Errorf("van der pol data: Samples=%d and Box=%g must be positive", cfg.Samples, cfg.Box)
	}
	sys := systems.VanDerPol{Mu: cfg.Mu}
	if err := sys.Validate(); err != nil {
		return nil, err
	}
	ics, err := ode.UniformBox(cfg.Samples, []float64{-cfg.Box, -cfg.Box}, []float64{cfg.Box, cfg.Box}, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("van der pol data: %w", err)
	}
	sols, err := ode.SolveBatch(sys.Problem(nil, 0, cfg.T), ics, &ode.ThetaMethod{Theta: cfg.Theta}, ode.Options{Dt: cfg.Dt})
	if err != nil {
		return nil, fmt.Errorf("van der pol data: %w", err)
	}
	d := &VanDerPolData{Config: cfg, Data: make([][]float32, cfg.Samples), Times: sols[0].T}
	for i, s := range sols {
		flat := s.Flat()
		d.Data[i] = make([]float32, len(flat))
		for j, v := range flat {
			d.Data[i][j] = float32(v)
		}
	}
	return d, nil
}

// CachedVanDerPol returns the data set from the disk cache, generating it on first use.
func CachedVanDerPol(cfg VanDerPolConfig) (*VanDerPolData, error) {
	return diskcache.Cached("led-vanderpol", cfg, func() (*VanDerPolData, error) { return GenerateVanDerPol(cfg) })
}
