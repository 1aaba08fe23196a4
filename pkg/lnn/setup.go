package lnn

import (
	"fmt"
	"os"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Setup is the double-pendulum experiment of notebooks/lnn_double_pendulum.ipynb for one mode: the two
// models, their training and the energy evaluation. Full mode matches the shipped models under
// notebooks/models/lnn/, trained by `go run ./cmd/dynlearn train lnn-double-pendulum --out
// notebooks/models/lnn` (and lnn-baseline): the experiments of the registry pkg/experiments.
type Setup struct {
	System   systems.DoublePendulum
	LNN      *Model
	Baseline *Baseline
	// Data and DataBaseline are the distributions of the training states (drawn fresh every batch) of
	// the LNN and the baseline, and Test the held-out set.
	Data, DataBaseline, Test StatesConfig
	// Train and TrainBaseline configure the two trainings (StepsPerEpoch×BatchSize states per epoch).
	Train, TrainBaseline TrainConfig
	// The first EvalICs of the paper's initial conditions (PaperICs) are rolled out with Rollout.
	EvalICs int
	Rollout RolloutConfig
	// FineTune (full mode, LNN only) are the stages trained after the first (Data, Train, Test): each
	// starts from the previous stage's best epoch with a fresh optimizer. See LNNStages.
	FineTune []Stage
}

// Stage is one training run of a staged training (a curriculum): the states it trains on, the
// held-out states that pick its best epoch, and its configuration.
type Stage struct {
	Data, Test StatesConfig
	Train      TrainConfig
}

// LNNStages returns the LNN's training stages: (Data, Train, Test) followed by FineTune.
func (s *Setup) LNNStages() []Stage {
	return append([]Stage{{Data: s.Data, Test: s.Test, Train: s.Train}}, s.FineTune...)
}

// BaselineStages returns the baseline's single training stage.
func (s *Setup) BaselineStages() []Stage {
	return []Stage{{Data: s.DataBaseline, Test: s.Test, Train: s.TrainBaseline}}
}

// DoublePendulumSetup returns the quick (3×64 networks, 8000 steps, the paper's 40 initial
// conditions to t = 10; see quickSetup) or full (the shipped 3×128 models, 40 initial conditions to
// t = 100) experiment.
func DoublePendulumSetup(quick bool) (*Setup, error) {
	s := &Setup{System: systems.DefaultDoublePendulum()}
	width, epochs, steps, batch := 128, 12, 500, 512
	if quick {
		width = 64
	}
	var err error
	if s.LNN, err = New(2).Hidden(width, 3).Init(CranmerInit).Seed(1).Done(); err != nil {
		return nil, err
	}
	if s.Baseline, err = NewBaseline(2).Hidden(width, 3).Activation(ActReLU).Seed(1).Done(); err != nil {
		return nil, err
	}
	if quick {
		s.quickSetup()
		return s, nil
	}
	s.Data = DefaultStates(0, 1)
	s.Data.VelMax = 6
	s.DataBaseline = s.Data
	s.Test = DefaultStates(8192, 1_000_000_000)
	s.Test.VelMax = 6
	s.Train = DefaultTrainConfig(epochs)
	s.Train.StepsPerEpoch, s.Train.BatchSize, s.Train.LR, s.Train.Loss = steps, batch, 5e-3, L1
	s.Train.StepEvery = max(1, epochs/3)
	s.TrainBaseline = s.Train
	s.TrainBaseline.LR = 1e-3
	// The shipped baseline: the paper's velocity range, one-cycle schedule, 25k steps.
	s.DataBaseline.VelMax = 10
	s.TrainBaseline.Epochs, s.TrainBaseline.Schedule = 50, OneCycle
	s.FineTune = lnnFineTune(s.Data, s.Test, s.Train)
	s.EvalICs, s.Rollout = 40, DefaultRollout()
	return s, nil
}

// quickSetup is the quick experiment, a reduced copy of the full one trained from scratch in a few
// minutes on 2 cores: 3×64 networks and one training stage of 40 × 200 steps of batch 256 (8000
// steps; the shipped LNN had 250k of batch 512), both models on the same fresh states of the full
// LNN's last stage, the energy shell E <= 29.4 (EnergyShellStates: exactly the states the energy
// test's releases at rest visit), with the same recipe: L1 loss, the one-cycle schedule at a peak
// learning rate of 1e-2 (high: at 5e-3 the LNN ends at twice the held-out error) and accelerations
// clipped at 300 in the loss; the LNN adds the mass-matrix penalty of the full-mode stages, which
// lets it leave the "predict nothing" plateau (without it, or on the box |θ̇| <= 6 of the full
// first stage, the quick LNN stays near L1 11 for 1600 steps). The energy test is the paper's 40
// initial conditions, to t = 10 instead of 100. Measured (GOEXPERIMENT=simd, the shared 2-core
// machine): LNN held-out L1 0.18 and energy error 0.0105 in 140-180 s, baseline L1 0.39 and
// 0.059 in about 30 s. The recipe is sensitive to the seed: with seed 2 at 6000 steps the LNN
// reached L1 0.49 and 0.037 (the baseline 0.061).
func (s *Setup) quickSetup() {
	s.Data = EnergyShellStates(0, 1)
	s.DataBaseline = s.Data
	s.Test = EnergyShellStates(1024, 1_000_000_000)
	s.TrainBaseline = DefaultTrainConfig(40)
	s.TrainBaseline.StepsPerEpoch, s.TrainBaseline.BatchSize, s.TrainBaseline.LR, s.TrainBaseline.Loss = 200, 256, 1e-2, L1
	s.TrainBaseline.Schedule, s.TrainBaseline.StepEvery, s.TrainBaseline.ClipAccel = OneCycle, 3, 300
	s.Train = s.TrainBaseline
	s.Train.HessianPenalty, s.Train.PosDefMargin = 100, 0.05
	s.EvalICs, s.Rollout = 40, DefaultRollout()
	s.Rollout.T1 = 10
}

// lnnFineTune is the full-mode LNN curriculum after the first stage (|θ̇| ≤ 6, where a fresh LNN
// learns): the paper's range |θ̇| ≤ 10 in five stages of 9k, 30k, 40k, 30k and 75k steps, then (not in
// the paper) 60k steps on the states a pendulum released at rest can visit, E = T + V <= 29.4 with
// |θ̇| up to 15.5 (StatesConfig.EnergyMax): the paper's energy test releases the pendulum at rest, its
// trajectories reach |θ̇2| ≈ 15 outside the paper's box, while 63% of the box lies above that energy.
// This stage halves the mean energy error at t = 100 (0.0091 -> 0.0032) at the price of the
// held-out error on the paper's box (0.059 -> 0.24; on the energy shell 0.041 -> 0.021). Two things make the
// wider range trainable: predicted accelerations clipped at 300 in the loss (the true |q̈| stays below
// it), so the few states where the extrapolated "mass matrix" ∂²L/∂q̇² is nearly singular do not
// dominate a step; and a penalty keeping that matrix positive-definite and conditioned
// (HessianPenalty 100, margin 0.05; the true one has λ_min/λ_max ≥ 0.146). Without them the LNN,
// fresh or pre-trained, collapses to the "predict nothing" plateau (L1 ≈ 21-24) or to L1 in the
// hundreds.
func lnnFineTune(data, test StatesConfig, first TrainConfig) []Stage {
	data.VelMax, test.VelMax = 10, 10
	base := first
	base.ClipAccel, base.HessianPenalty, base.PosDefMargin = 300, 100, 0.05
	st := func(epochs int, sched Schedule, lr float64, stepEvery int) Stage {
		c := base
		c.Epochs, c.Schedule, c.LR, c.StepEvery = epochs, sched, lr, stepEvery
		return Stage{Data: data, Test: test, Train: c}
	}
	stages := []Stage{st(18, StepLR, 5e-4, 6), st(60, OneCycle, 5e-4, 10), st(80, OneCycle, 3e-4, 10), st(60, OneCycle, 1e-4, 10),
		st(150, OneCycle, 1e-4, 10)}
	shell := st(120, OneCycle, 1e-4, 10)
	shell.Data = EnergyShellStates(data.N, data.Seed)
	shell.Test = EnergyShellStates(test.N, test.Seed)
	return append(stages, shell)
}

// Trained returns the trained variables of net: from shipped when it is not empty and the file exists
// (and retrain is false), otherwise by TrainStages with the checkpoints in the cache. The result is
// the last stage's, except that its Steps counts the optimizer steps of all the stages (for a shipped
// model: the stages before the last one in full, plus the last one up to its saved epoch).
func Trained(b compute.Backend, net Net, shipped string, retrain bool, stages []Stage, cb Callbacks) (*model.Store, *Result, error) {
	var res *Result
	if shipped != "" && !retrain {
		if _, err := os.Stat(shipped); err == nil {
			var store *model.Store
			if store, res, err = LoadTrained(shipped, net); err != nil {
				return nil, nil, err
			}
			if res.Steps == 0 && len(stages) > 0 { // written before checkpoints recorded their steps
				res.Steps = res.Epochs * stages[len(stages)-1].Train.StepsPerEpoch
			}
			res.Steps += stagesSteps(stages)
			return store, res, nil
		}
	}
	res, err := TrainStages(b, net, stages, "", cb)
	if err != nil {
		return nil, nil, err
	}
	res.Steps += stagesSteps(stages)
	return res.Store, res, nil
}

// stagesSteps returns the optimizer steps of all the stages but the last.
func stagesSteps(stages []Stage) int {
	n := 0
	for i := 0; i+1 < len(stages); i++ {
		n += stages[i].Train.Epochs * stages[i].Train.StepsPerEpoch
	}
	return n
}

// TrainStages trains net through the stages in order on fresh states of each stage's Data, every
// stage after the first starting from the best epoch of the one before (TrainConfig.InitFrom, a
// fresh optimizer). Each stage checkpoints (and resumes) in the cache under a key of all the stages
// up to it; the last one in final instead when final is not empty (its best epoch in
// BestPath(final)). Training starts at the last stage that has a checkpoint (earlier stages are
// not needed to resume it). The callbacks see steps counted over all stages. It returns the last stage's
// result: its store is the last epoch; load BestPath of its checkpoint for the best one.
func TrainStages(b compute.Backend, net Net, stages []Stage, final string, cb Callbacks) (*Result, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("lnn.TrainStages: no stages")
	}
	total := 0
	for _, st := range stages {
		total += st.Train.StepsPerEpoch * st.Train.Epochs
	}
	paths := make([]string, len(stages))
	first := 0 // the last stage with a checkpoint: it resumes, the ones before are not needed
	for i := range stages {
		var err error
		if i == len(stages)-1 && final != "" {
			paths[i] = final
		} else if paths[i], err = CheckpointPath(fmt.Sprintf("%T", net)[1:], net, stages[:i+1]); err != nil {
			return nil, err
		}
		if _, err := os.Stat(paths[i]); err == nil {
			first = i
		}
	}
	var res *Result
	offset := 0
	for i := range first {
		offset += stages[i].Train.StepsPerEpoch * stages[i].Train.Epochs
	}
	for i := first; i < len(stages); i++ {
		st := stages[i]
		cfg := st.Train
		cfg.Checkpoint = paths[i]
		key, err := diskcache.Key(struct {
			Net    string
			Stages []Stage
		}{fmt.Sprintf("%+v", net), stages[:i+1]})
		if err != nil {
			return nil, err
		}
		cfg.RunKey = key
		if i > 0 {
			cfg.InitFrom = BestPath(paths[i-1])
		}
		dc := st.Data
		dc.N = max(dc.N, 1) // fresh states: N is not used
		if err := dc.Validate(); err != nil {
			return nil, fmt.Errorf("lnn.TrainStages: stage %d data: %w", i+1, err)
		}
		test, err := RandomStates(st.Test)
		if err != nil {
			return nil, fmt.Errorf("lnn.TrainStages: stage %d test set: %w", i+1, err)
		}
		stageCB := cb
		if cb.OnStep != nil {
			off := offset
			stageCB.OnStep = func(s StepInfo) {
				s.Step, s.TotalSteps = s.Step+off, total
				cb.OnStep(s)
			}
		}
		if res, err = Train(b, net, FreshStates(st.Data, cfg.StepsPerEpoch*cfg.BatchSize), test, cfg, stageCB); err != nil {
			return nil, fmt.Errorf("stage %d of %d: %w", i+1, len(stages), err)
		}
		offset += cfg.StepsPerEpoch * cfg.Epochs
	}
	return res, nil
}

// CachedEnergyError is EnergyError over the first numICs of the paper's initial conditions
// (PaperICs) on the float64 copy of a trained net, cached on disk keyed by the net's configuration, the
// training result (epochs, steps, seconds: a retrained model is a new key), the initial conditions and
// the rollout configuration, so that notebook cells after the first are instant.
func CachedEnergyError(b compute.Backend, net Net, store *model.Store, res *Result, sys systems.DoublePendulum,
	numICs int, cfg RolloutConfig) (*EnergyReport, error) {
	key := struct {
		Version       int // 2: per-IC step control, the paper's own initial conditions, divergence cap
		Net           string
		Epochs, Steps int
		Seconds       float64
		NumICs        int
		Rollout       RolloutConfig
		System        systems.DoublePendulum
	}{2, fmt.Sprintf("%+v", net), res.Epochs, res.Steps, res.Seconds, numICs, cfg, sys}
	return diskcache.Cached("lnn-energy", key, func() (*EnergyReport, error) {
		return EvaluateEnergy(b, net, store, sys, PaperICs(numICs), cfg)
	})
}

// EvaluateEnergy is EnergyError on the float64 copy of a trained net (so that the rollout tolerances
// are not limited by float32 rounding of the accelerations).
func EvaluateEnergy(b compute.Backend, net Net, store *model.Store, sys systems.DoublePendulum, ics [][]float64,
	cfg RolloutConfig) (*EnergyReport, error) {
	n64, s64, err := Float64(net, store)
	if err != nil {
		return nil, err
	}
	p, err := NewPredictor(b, n64, s64)
	if err != nil {
		return nil, err
	}
	return EnergyError(p, sys, ics, cfg)
}
