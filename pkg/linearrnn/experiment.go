package linearrnn

import (
	"fmt"

	"github.com/gomlx/compute"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// SweepConfig trains one model configuration on targets of one family with increasing memory.
type SweepConfig struct {
	Model    Config
	Train    TrainConfig
	Family   Family
	Memories []float64
	// Level is the relative loss below which a run counts as off its plateau (PlateauSteps).
	Level float64
}

// Sweep is the result of RunSweep: one training run per memory, in order.
type Sweep struct {
	Config SweepConfig
	Runs   []*Result
}

// PlateauSteps returns, per memory, the first step with loss below Config.Level (−1 if never).
func (s *Sweep) PlateauSteps() []int {
	out := make([]int, len(s.Runs))
	for i, r := range s.Runs {
		out[i] = PlateauSteps(r.Steps, r.Loss, s.Config.Level)
	}
	return out
}

// MemorySweeps returns the notebook's two sweeps: exponential sums (memories 4 to 32 in full mode, 8 to
// 24 in quick mode) and Airy kernels (2 to 16 / 4 to 12), Adam with lr 0.01, 8000 (full) or 2000 (quick)
// steps; a run is off its plateau when the relative loss drops below 0.2.
func MemorySweeps(quick bool) (expSum, airy SweepConfig) {
	steps, every := 8000, 10
	es, ai := []float64{4, 8, 12, 16, 20, 24, 28, 32}, []float64{2, 4, 6, 8, 10, 12, 14, 16}
	if quick {
		steps, every = 2000, 5
		es, ai = []float64{8, 12, 16, 20, 24}, []float64{4, 6, 8, 10, 12}
	}
	tc := DefaultTrainConfig(steps)
	tc.LogEvery = every
	expSum = SweepConfig{Model: DefaultConfig(), Train: tc, Family: ExpSum, Memories: es, Level: 0.2}
	airy = SweepConfig{Model: DefaultConfig(), Train: tc, Family: Airy, Memories: ai, Level: 0.2}
	return expSum, airy
}

// RunSweep trains one model per memory (cached on disk by configuration). onStep, when not nil, sees
// every recorded (run index, step, loss) of the runs that are computed.
func RunSweep(b compute.Backend, cfg SweepConfig, onStep func(run, step int, loss float64)) (*Sweep, error) {
	if len(cfg.Memories) == 0 {
		return nil, fmt.Errorf("linearrnn.RunSweep: no memories")
	}
	m, err := New(cfg.Model)
	if err != nil {
		return nil, err
	}
	for _, mem := range cfg.Memories {
		if err := (Target{Family: cfg.Family, Memory: mem}).Validate(); err != nil {
			return nil, fmt.Errorf("linearrnn.RunSweep: %w", err)
		}
	}
	return diskcache.Cached("linearrnn-sweep", cfg, func() (*Sweep, error) {
		s := &Sweep{Config: cfg}
		for i, mem := range cfg.Memories {
			var cb func(int, float64)
			if onStep != nil {
				cb = func(step int, loss float64) { onStep(i, step, loss) }
			}
			r, err := Train(b, m, Target{Family: cfg.Family, Memory: mem}, cfg.Train, cb)
			if err != nil {
				return nil, fmt.Errorf("linearrnn.RunSweep: memory %g: %w", mem, err)
			}
			s.Runs = append(s.Runs, r)
		}
		return s, nil
	})
}

// ShippedSweep loads a sweep saved by `go run ./cmd/dynlearn train lecture-rnn-memory` (the
// registry's experiment, pkg/experiments) and checks it was made with cfg. found is false (with no
// error) when the file does not exist.
func ShippedSweep(path string, cfg SweepConfig) (s *Sweep, found bool, err error) {
	s = &Sweep{}
	found, err = diskcache.Load(path, s)
	if !found || err != nil {
		return nil, found, err
	}
	a, err1 := diskcache.Key(s.Config)
	b, err2 := diskcache.Key(cfg)
	if err1 != nil || err2 != nil || a != b {
		return nil, true, fmt.Errorf("linearrnn: %s was made with another configuration (rerun: go run ./cmd/dynlearn train lecture-rnn-memory --out DIR)", path)
	}
	return s, true, nil
}
