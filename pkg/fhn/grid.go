package fhn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// GridConfig configures the report's FitzHugh-Nagumo grid data set. Use DefaultGridConfig for the
// report's values and change fields as needed.
type GridConfig struct {
	Size    int     // Cells per side (20): cell (i, j) sits at (i/Size, j/Size).
	T, Dt   float64 // Time span [0, T] and step (500, 0.5): T/Dt+1 snapshots.
	Theta   float64 // Theta of the theta method (0.5, Crank-Nicolson).
	Samples int     // Number of samples (100), each with its own random firing point in [0,1]².
	Seed    uint64  // Seed of the firing points.
	Stride  int     // Keep every Stride-th snapshot (1 keeps all).
	Speed   float64 // Stimulus propagation speed (systems.FHNStimulusSpeed = 5e-3).
	Cell    systems.FitzHughNagumo
	Workers int `json:"-"` // Goroutines (0: runtime.NumCPU()); does not change the result.
}

// DefaultGridConfig returns the report's data set: 100 samples of a 20×20 grid, T = 500, dt = 0.5,
// Crank-Nicolson, the report's cell parameters.
func DefaultGridConfig() GridConfig {
	return GridConfig{Size: 20, T: 500, Dt: 0.5, Theta: 0.5, Samples: 100, Seed: 1, Stride: 1,
		Speed: systems.FHNStimulusSpeed, Cell: systems.DefaultFitzHughNagumo()}
}

// Steps returns the number of snapshots per sample after striding.
func (c GridConfig) Steps() int {
	n := int(math.Round(c.T/c.Dt)) + 1
	return (n-1)/c.Stride + 1
}

// Validate checks the configuration.
func (c GridConfig) Validate() error {
	switch {
	case c.Size < 1:
		return fmt.Errorf("fhn: grid Size=%d must be >= 1", c.Size)
	case !(c.Dt > 0) || math.IsInf(c.Dt, 0):
		return fmt.Errorf("fhn: grid Dt=%g must be > 0", c.Dt)
	case !(c.T > 0) || math.IsInf(c.T, 0):
		return fmt.Errorf("fhn: grid T=%g must be > 0", c.T)
	case math.Abs(c.T/c.Dt-math.Round(c.T/c.Dt)) > 1e-9*c.T/c.Dt:
		return fmt.Errorf("fhn: grid T=%g is not a multiple of Dt=%g", c.T, c.Dt)
	case !(c.Theta >= 0 && c.Theta <= 1):
		return fmt.Errorf("fhn: grid Theta=%g not in [0, 1]", c.Theta)
	case c.Samples < 1:
		return fmt.Errorf("fhn: grid Samples=%d must be >= 1", c.Samples)
	case c.Stride < 1:
		return fmt.Errorf("fhn: grid Stride=%d must be >= 1", c.Stride)
	case !(c.Speed > 0) || math.IsInf(c.Speed, 0):
		return fmt.Errorf("fhn: grid Speed=%g must be > 0", c.Speed)
	case c.Workers < 0:
		return fmt.Errorf("fhn: grid Workers=%d must be >= 0", c.Workers)
	}
	return c.Cell.Validate()
}

// Grid is a generated grid data set.
type Grid struct {
	Config GridConfig
	// Data[s] is sample s, shaped [Steps][Size][Size][2] row-major, channels (u, w).
	Data [][]float32
	// Firing[s] is the firing point (x, y) of sample s.
	Firing [][2]float64
	// Times are the snapshot times.
	Times []float64
}

// Steps returns the number of snapshots per sample.
func (g *Grid) Steps() int { return len(g.Times) }

// FrameSize returns the number of float32 values per snapshot, Size·Size·2.
func (g *Grid) FrameSize() int { return g.Config.Size * g.Config.Size * 2 }

// Frame returns snapshot t of sample s (a view), shaped [Size][Size][2].
func (g *Grid) Frame(s, t int) []float32 {
	n := g.FrameSize()
	return g.Data[s][t*n : (t+1)*n]
}

// Cell returns channel ch (0: u, 1: w) of cell (i, j) of sample s over time.
func (g *Grid) Cell(s, i, j, ch int) []float64 {
	n, size := g.FrameSize(), g.Config.Size
	out := make([]float64, g.Steps())
	for t := range out {
		out[t] = float64(g.Data[s][t*n+(i*size+j)*2+ch])
	}
	return out
}

// Downsample returns sample s subsampled in space by factor (every factor-th row and column, as the
// report's super-resolution input output[:, ::2, ::2, :]), shaped [Steps][Size/factor][Size/factor][2].
func (g *Grid) Downsample(s, factor int) ([]float32, int, error) {
	size := g.Config.Size
	if factor < 1 || size%factor != 0 {
		return nil, 0, fmt.Errorf("fhn: downsample factor %d must divide the grid size %d", factor, size)
	}
	m := size / factor
	out := make([]float32, 0, g.Steps()*m*m*2)
	for t := 0; t < g.Steps(); t++ {
		f := g.Frame(s, t)
		for i := 0; i < size; i += factor {
			for j := 0; j < size; j += factor {
				out = append(out, f[(i*size+j)*2], f[(i*size+j)*2+1])
			}
		}
	}
	return out, m, nil
}

// FiringPoints returns the firing points of the configuration's samples (uniform in [0,1)², from Seed).
func (c GridConfig) FiringPoints() [][2]float64 {
	r := rand.New(rand.NewPCG(c.Seed, 0x5eed_f4))
	pts := make([][2]float64, c.Samples)
	for i := range pts {
		pts[i] = [2]float64{r.Float64(), r.Float64()}
	}
	return pts
}

// GenerateGrid integrates every cell of every sample with the theta method, in parallel over
// (sample, cell) pairs. Each cell starts at rest, (u, w) = (0, 0), and is stimulated during
// [d/Speed, d/Speed + systems.FHNStimulusDuration) where d is its distance to the sample's firing point.
func GenerateGrid(cfg GridConfig) (*Grid, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	size, steps := cfg.Size, cfg.Steps()
	g := &Grid{Config: cfg, Firing: cfg.FiringPoints(), Data: make([][]float32, cfg.Samples), Times: make([]float64, steps)}
	for t := range g.Times {
		g.Times[t] = float64(t*cfg.Stride) * cfg.Dt
	}
	frame := size * size * 2
	for s := range g.Data {
		g.Data[s] = make([]float32, steps*frame)
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	jobs := cfg.Samples * size * size
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	method := &ode.ThetaMethod{Theta: cfg.Theta}
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= jobs {
					return
				}
				s, cell := k/(size*size), k%(size*size)
				i, j := cell/size, cell%size
				x, y := float64(i)/float64(size), float64(j)/float64(size)
				d := math.Hypot(x-g.Firing[s][0], y-g.Firing[s][1])
				sys := cfg.Cell.WithOnset(d / cfg.Speed)
				sol, err := ode.Solve(sys.Problem([]float64{0, 0}, 0, cfg.T), method, ode.Options{Dt: cfg.Dt})
				if err != nil {
					errs[w] = fmt.Errorf("fhn: grid sample %d cell (%d,%d): %w", s, i, j, err)
					failed.Store(true)
					return
				}
				out := g.Data[s]
				for t := 0; t < steps; t++ {
					yt := sol.Y[t*cfg.Stride]
					out[t*frame+cell*2] = float32(yt[0])
					out[t*frame+cell*2+1] = float32(yt[1])
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return g, nil
}

// CachedGrid returns the data set for cfg from the disk cache (see package diskcache), generating and
// storing it on first use.
func CachedGrid(cfg GridConfig) (*Grid, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return diskcache.Cached("fhn-grid", cfg, func() (*Grid, error) { return GenerateGrid(cfg) })
}
