package linearrnn

import (
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Optimizer names the training algorithm.
type Optimizer int

const (
	// Adam is Adam with a constant learning rate.
	Adam Optimizer = iota
	// GD is plain full-batch gradient descent (a discretised gradient flow, the paper's analysis).
	GD
)

// TrainConfig configures Train.
type TrainConfig struct {
	// Deadline stops training at this wall-clock time, with the checkpoint saved (an error
	// wrapping training.ErrStopped; run again to resume). Zero: no limit.
	Deadline time.Time `json:"-"`
	// Steps of full-batch training on the population risk.
	Steps int
	// Horizon is the length of the kernel in time (S = ⌈Horizon/δ⌉ lags are fitted); 0 uses the
	// target's Horizon().
	Horizon float64
	// LR is the learning rate.
	LR float64
	// Optimizer is Adam or GD.
	Optimizer Optimizer
	// LogEvery records the loss every LogEvery steps (0: 1).
	LogEvery int
	// Checkpoint is the checkpoint file ("" = none); training resumes from it.
	Checkpoint string
	// CheckpointEvery is the number of steps between checkpoints (0: none but the loop's own: every
	// 30 s of wall time, at the end and on an interrupt).
	CheckpointEvery int
}

// DefaultTrainConfig returns Adam with lr 0.01 on the target's horizon.
func DefaultTrainConfig(steps int) TrainConfig {
	return TrainConfig{Steps: steps, LR: 0.01, Optimizer: Adam, LogEvery: 1}
}

func (c TrainConfig) validate() error {
	if c.Steps < 1 || c.LogEvery < 0 || c.CheckpointEvery < 0 {
		return fmt.Errorf("linearrnn.Train: need Steps >= 1, LogEvery >= 0, CheckpointEvery >= 0, got %d, %d, %d",
			c.Steps, c.LogEvery, c.CheckpointEvery)
	}
	if !(c.Horizon >= 0) || math.IsInf(c.Horizon, 0) || !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("linearrnn.Train: need a finite Horizon >= 0 and LR > 0, got %g, %g", c.Horizon, c.LR)
	}
	if c.Optimizer != Adam && c.Optimizer != GD {
		return fmt.Errorf("linearrnn.Train: unknown optimizer %d", int(c.Optimizer))
	}
	return nil
}

// Result is a training run: the loss curve (relative population risk Σ(ρ̂−ρ)²/Σρ²) and the kernels.
type Result struct {
	Target       Target
	Steps        []int
	Loss         []float64
	Kernel       []float64 // learned ρ̂_s, s = 1..S
	TargetKernel []float64 // ρ_s
	Delta        float64
	Seconds      float64
	Params       Params
}

// Final returns the last recorded loss.
func (r *Result) Final() float64 {
	if len(r.Loss) == 0 {
		return math.NaN()
	}
	return r.Loss[len(r.Loss)-1]
}

// CheckpointPath returns <cache dir>/linearrnn/<name>-<hash of parts>.ckpt.
func CheckpointPath(name string, parts ...any) (string, error) {
	return training.CheckpointPath(parts, name, "linearrnn")
}

// riskGraph builds the relative population risk Σ(ρ̂−ρ)²/Σρ² of the model's kernel against target (S).
func riskGraph(m *Model, scope *model.Scope, target *Node) *Node {
	S := target.Shape().Dim(0)
	k := m.KernelGraph(scope, target.Graph(), S)
	return Div(ReduceAllSum(Square(Sub(k, target))), ReduceAllSum(Square(target)))
}

// Train fits the model's kernel to the target's by full-batch gradient steps on the relative
// population risk (the expected squared error for white-noise inputs, divided by that of the zero
// model), on a training.Loop of cfg.Steps one-step epochs (resumable from cfg.Checkpoint). onStep (may
// be nil) sees every recorded (step, loss): the loss of every LogEvery-th step.
func Train(b compute.Backend, m *Model, target Target, cfg TrainConfig, onStep func(step int, loss float64)) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("linearrnn.Train: nil model")
	}
	if cfg.LogEvery == 0 {
		cfg.LogEvery = 1
	}
	if err := target.Validate(); err != nil {
		return nil, fmt.Errorf("linearrnn.Train: %w", err)
	}
	delta := m.cfg.Delta
	horizon := cfg.Horizon
	if horizon == 0 {
		horizon = target.Horizon()
	}
	S := int(math.Ceil(horizon / delta))
	rho, err := target.Kernel(delta, S)
	if err != nil {
		return nil, fmt.Errorf("linearrnn.Train: %w", err)
	}
	if floats.Dot(rho, rho) == 0 {
		return nil, fmt.Errorf("linearrnn.Train: target %s is zero on the horizon", target)
	}
	store := model.NewStore()
	if err := m.Init(store); err != nil {
		return nil, err
	}
	var opt optimizer.Interface
	if cfg.Optimizer == GD {
		opt = optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(cfg.LR).Done()
	} else {
		opt = optimizer.Adam().LearningRate(cfg.LR).Done()
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, tgt *Node) *Node {
		loss := riskGraph(m, scope, tgt)
		opt.UpdateGraph(scope, tgt.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("linearrnn.Train: %w", err)
	}
	defer exec.Finalize()
	tgt := training.TensorFromFloat64s(m.cfg.DType, rho, S)
	var last float64 // the latest step's loss
	loop := &training.Loop{
		Name: "linearrnn.Train", Store: store, Checkpoint: cfg.Checkpoint, Identity: m.Identity(), Deadline: cfg.Deadline,
		Epochs: cfg.Steps, StepsPerEpoch: 1, EvalEvery: cfg.LogEvery,
		Step: func(*training.State) ([]float64, error) {
			out, err := exec.Call(tgt)
			if err != nil {
				return nil, err
			}
			loss, err := training.Float64s(out[0])
			if err != nil {
				return nil, err
			}
			last = loss[0]
			return loss, nil
		},
		// A record holds the loss of its own step (not the mean since the last record); onStep sees
		// every LogEvery-th.
		Evaluate: func(s *training.State) (map[string]float64, error) {
			if step := s.Epoch - 1; onStep != nil && step%cfg.LogEvery == 0 {
				onStep(step, last)
			}
			return map[string]float64{"loss": last}, nil
		},
	}
	if cfg.CheckpointEvery > 0 {
		loop.OnEpoch = append(loop.OnEpoch, func(s *training.State) error {
			s.SaveNow = s.Epoch%cfg.CheckpointEvery == 0 && s.Epoch < cfg.Steps
			return nil
		})
	}
	st, err := loop.Run()
	res := &Result{Target: target, TargetKernel: rho, Delta: delta}
	if st == nil {
		return nil, err
	}
	// The loop also records the last step; Steps and Loss keep every LogEvery-th.
	x, y := st.History.XY("loss")
	for i := range x {
		if step := int(x[i]); step%cfg.LogEvery == 0 {
			res.Steps, res.Loss = append(res.Steps, step), append(res.Loss, y[i])
		}
	}
	res.Seconds = st.Seconds
	if err != nil {
		return res, err
	}
	if res.Params, err = m.Extract(store); err != nil {
		return res, err
	}
	res.Kernel = res.Params.Kernel(S)
	return res, nil
}

// PlateauSteps returns the first recorded step at which the loss falls below level, or −1 if it never
// does: with level below the plateau's height it measures how long training stays on the plateau.
func PlateauSteps(steps []int, loss []float64, level float64) int {
	for i, l := range loss {
		if l < level {
			return steps[i]
		}
	}
	return -1
}
