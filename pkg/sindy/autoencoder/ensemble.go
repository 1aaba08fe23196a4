package autoencoder

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"
)

// Candidate is one trained member of an ensemble.
type Candidate struct {
	Seed   uint64
	Model  *Model
	State  *State
	Val    Metrics // Validation metrics at the end of training.
	Active int     // Active coefficients.
}

// EnsembleOptions control TrainEnsemble.
type EnsembleOptions struct {
	// CheckpointDir holds one checkpoint per seed (seed<k>.ckpt); empty: no checkpoints.
	CheckpointDir string
	Show          bool      // Progress bar and live chart per member.
	Log           io.Writer // Text log (nil: none).
	// MaxActive is the sparsity bound of model selection (default 10 active coefficients).
	MaxActive int
	// MaxDuration bounds the wall time of each member (0: none).
	MaxDuration time.Duration
}

// TrainEnsemble trains k models that differ only in their seed (cfg.Seed, cfg.Seed+1, ...) one after
// the other, and selects one as Champion et al. do: among the sparse models (at most MaxActive
// active coefficients; all models if none is that sparse), the one with the lowest validation
// loss. It returns all members and the index of the selected one. Interrupts and divergences stop
// the whole ensemble with the member's error; finished members resume instantly from their checkpoints.
func TrainEnsemble(cfg Config, k int, train, val Data, opts EnsembleOptions) ([]Candidate, int, error) {
	if k <= 0 {
		return nil, -1, fmt.Errorf("autoencoder: TrainEnsemble: k=%d models; k must be >= 1", k)
	}
	var cands []Candidate
	for i := range k {
		c := cfg
		c.Seed = cfg.Seed + uint64(i)
		m, err := NewModel(c)
		if err != nil {
			return cands, -1, err
		}
		to := TrainOptions{Show: opts.Show, Log: opts.Log, MaxDuration: opts.MaxDuration}
		if opts.CheckpointDir != "" {
			to.Checkpoint = filepath.Join(opts.CheckpointDir, fmt.Sprintf("seed%d.ckpt", c.Seed))
		}
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "ensemble member %d/%d (seed %d)\n", i+1, k, c.Seed)
		}
		st, err := m.Train(train, val, to)
		if err != nil {
			return cands, -1, fmt.Errorf("autoencoder: ensemble seed %d: %w", c.Seed, err)
		}
		vm, err := m.Evaluate(val)
		if err != nil {
			return cands, -1, err
		}
		cands = append(cands, Candidate{Seed: c.Seed, Model: m, State: st, Val: vm, Active: m.ActiveTerms()})
	}
	return cands, Select(cands, opts.MaxActive), nil
}

// Select returns the index of the candidate with the lowest validation loss among those with at
// most maxActive active coefficients (default 10 when maxActive <= 0), or among all of them if none
// is that sparse; -1 for no candidates. Candidates with a non-finite loss are never selected.
func Select(cands []Candidate, maxActive int) int {
	if maxActive <= 0 {
		maxActive = 10
	}
	best := -1
	for pass := 0; pass < 2 && best < 0; pass++ {
		for i, c := range cands {
			if pass == 0 && c.Active > maxActive {
				continue
			}
			if math.IsNaN(c.Val.Loss) || math.IsInf(c.Val.Loss, 0) {
				continue
			}
			if best < 0 || c.Val.Loss < cands[best].Val.Loss {
				best = i
			}
		}
	}
	return best
}
