package neuralode

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// Setup is the flows notebook's experiment: the lecture's data, the ResNet and a linear classifier on the
// raw inputs for comparison, and their training.
type Setup struct {
	Data        DataConfig
	Model       Config
	Linear      Config
	Train       TrainConfig
	TrainLinear TrainConfig
}

// FlowSetup returns the experiment: 1200 points (quick: 600), a ResNet of K = 20 steps of width 16 on
// [0, 4], full-batch Adam (lr 0.01) for 3000 steps (quick: 800).
func FlowSetup(quick bool) Setup {
	s := Setup{Data: DefaultData(), Model: DefaultConfig(), Train: DefaultTrainConfig(3000),
		Linear:      Config{Dim: 2, Width: 1, Steps: 0, T: 1, InitGain: 1, Seed: 1, DType: dtypes.Float32, Scope: "linear"},
		TrainLinear: DefaultTrainConfig(1000)}
	if quick {
		s.Data.N, s.Train.Steps, s.TrainLinear.Steps = 600, 800, 400
	}
	return s
}

// Trained trains m on the setup's data with cfg, resuming from (and checkpointing to) the cache
// directory, so a finished run is loaded instantly.
func Trained(b compute.Backend, s Setup, m *Model, cfg TrainConfig, onStep func(StepInfo)) (*Result, error) {
	d, err := Classification(s.Data)
	if err != nil {
		return nil, err
	}
	if cfg.Checkpoint, err = CheckpointPath("flow", m.cfg, s.Data, cfg); err != nil {
		return nil, err
	}
	return Train(b, m, d, cfg, onStep)
}
