package lnn

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Setup is the double-pendulum experiment of notebooks/lnn_double_pendulum.ipynb for one mode: the two
// models, their training and the energy evaluation. Full mode matches the shipped models under
// notebooks/models/lnn/ (trained by pkg/lnn/cmd/train with the flags in ShippedCommand).
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
	// Shipped model files (full mode: the LNN's best epoch, the baseline's last) and the commands that
	// produced them.
	ShippedLNN, ShippedBaseline       string
	ShippedCommand, ShippedCommandBas string
}

// DoublePendulumSetup returns the quick (small networks, a few thousand steps, 8 initial conditions
// to t = 10) or full (the shipped 3×128 models, 40 initial conditions to t = 100) experiment.
func DoublePendulumSetup(quick bool) (*Setup, error) {
	s := &Setup{System: systems.DefaultDoublePendulum()}
	width, epochs, steps, batch := 128, 12, 500, 512
	if quick {
		width, epochs, steps, batch = 64, 8, 200, 256
	}
	var err error
	if s.LNN, err = New(2).Hidden(width, 3).Init(CranmerInit).Seed(1).Done(); err != nil {
		return nil, err
	}
	if s.Baseline, err = NewBaseline(2).Hidden(width, 3).Activation(ActReLU).Seed(1).Done(); err != nil {
		return nil, err
	}
	s.Data = DefaultStates(0, 1)
	s.Data.VelMax = 6
	s.DataBaseline = s.Data
	s.Test = DefaultStates(8192, 1_000_000_000)
	s.Test.VelMax = 6
	if quick {
		s.Test.N = 1024
	}
	s.Train = DefaultTrainConfig(epochs)
	s.Train.StepsPerEpoch, s.Train.BatchSize, s.Train.LR, s.Train.Loss = steps, batch, 5e-3, L1
	s.Train.StepEvery = max(1, epochs/3)
	s.TrainBaseline = s.Train
	s.TrainBaseline.LR = 1e-3
	if !quick {
		// The shipped baseline: the paper's velocity range, one-cycle schedule, 25k steps.
		s.DataBaseline.VelMax = 10
		s.TrainBaseline.Epochs, s.TrainBaseline.Schedule = 50, OneCycle
	}
	s.EvalICs, s.Rollout = 40, DefaultRollout()
	if quick {
		s.EvalICs, s.Rollout.T1 = 8, 10
	}
	s.ShippedLNN = ModelPath("lnn_3x128.best.ckpt")
	s.ShippedBaseline = ModelPath("baseline_3x128.ckpt")
	s.ShippedCommand = "GOEXPERIMENT=simd go run ./pkg/lnn/cmd/train -model lnn -width 128 -depth 3 -epochs 12 -steps 500 -schedule step -step-every 4 -lr 5e-3 -vel 6 -loss l1 -out notebooks/models/lnn/lnn_3x128.ckpt"
	s.ShippedCommandBas = "GOEXPERIMENT=simd go run ./pkg/lnn/cmd/train -model baseline -width 128 -depth 3 -epochs 50 -steps 500 -schedule onecycle -lr 1e-3 -vel 10 -loss l1 -out notebooks/models/lnn/baseline_3x128.ckpt"
	return s, nil
}

// ModelPath returns notebooks/models/lnn/<name> in the dynlearn source tree (found from this file's
// location, so it works from any working directory of the same checkout).
func ModelPath(name string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("notebooks", "models", "lnn", name)
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "notebooks", "models", "lnn", name)
}

// Trained returns the trained variables of net: from shipped when it is not empty and the file exists
// (and retrain is false), otherwise by training (or resuming from the cache checkpoint) with cfg on
// fresh states of data.
func Trained(b compute.Backend, net Net, shipped string, retrain bool, data StatesConfig, test *Dataset,
	cfg TrainConfig, cb Callbacks) (*model.Store, *Result, error) {
	if shipped != "" && !retrain {
		if _, err := os.Stat(shipped); err == nil {
			return LoadTrained(shipped, net)
		}
	}
	var err error
	if cfg.Checkpoint == "" {
		if cfg.Checkpoint, err = CheckpointPath(fmt.Sprintf("%T", net)[1:], net, data, cfg); err != nil {
			return nil, nil, err
		}
	}
	res, err := Train(b, net, FreshStates(data, cfg.StepsPerEpoch*cfg.BatchSize), test, cfg, cb)
	if err != nil {
		return nil, nil, err
	}
	return res.Store, res, nil
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
