package neuralode

import (
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// TrainConfig configures Train: full-batch Adam on the logistic loss plus Reg times the running cost
// ∫₀ᵀ ‖θ(t)‖² dt (the regulariser R of the lecture's control formulation).
type TrainConfig struct {
	// Deadline stops training at this wall-clock time, with the checkpoint saved (an error
	// wrapping training.ErrStopped; run again to resume). Zero: no limit.
	Deadline time.Time `json:"-"`
	Steps    int
	LR       float64
	Reg      float64
	// LogEvery records loss and accuracies every LogEvery steps (0: 10).
	LogEvery int
	// Checkpoint is the checkpoint file ("" = none); training resumes from it.
	Checkpoint string
}

// DefaultTrainConfig returns Adam with lr 0.01 and running cost 1e-3.
func DefaultTrainConfig(steps int) TrainConfig {
	return TrainConfig{Steps: steps, LR: 0.01, Reg: 1e-3, LogEvery: 10}
}

// StepInfo is passed to the callback at every recorded step.
type StepInfo struct {
	Step, Steps             int
	Loss, TrainAcc, TestAcc float64
	Elapsed                 time.Duration
}

// Result is a training run.
type Result struct {
	// Store holds the trained variables.
	Store *model.Store
	// Params are the trained weights in plain Go.
	Params Params
	// History has the series "loss", "train_acc" and "test_acc" against the step.
	History training.History
	Steps   int
	Seconds float64
	Resumed bool
}

// CheckpointPath returns <cache dir>/neuralode/<name>-<hash of parts>.ckpt.
func CheckpointPath(name string, parts ...any) (string, error) {
	return training.CheckpointPath(parts, name, "neuralode")
}

// lossAndAccuracy builds the mean logistic loss log(1 + exp(−(2y−1)·logit)) and the accuracy.
func lossAndAccuracy(logits, y *Node) (loss, acc *Node) {
	sign := AddScalar(MulScalar(y, 2), -1)
	loss = ReduceAllMean(Softplus(Neg(Mul(sign, logits))))
	correct := GreaterThan(Mul(sign, logits), ZerosLike(logits))
	return loss, ReduceAllMean(ConvertDType(correct, logits.DType()))
}

// Train fits the model to the data set's training points end to end (flow and classifier), evaluating the
// accuracy on the test points, on a training.Loop of cfg.Steps one-step epochs: with cfg.Checkpoint set it
// checkpoints atomically and resumes; SIGINT/SIGTERM saves and returns an error wrapping
// training.ErrInterrupted; a NaN loss returns an error wrapping training.ErrDiverged. Each record of the
// History holds the loss and training accuracy of its step (not a mean since the last record) and the test
// accuracy after it.
func Train(b compute.Backend, m *Model, d *Dataset, cfg TrainConfig, onStep func(StepInfo)) (*Result, error) {
	if m == nil || d == nil {
		return nil, fmt.Errorf("neuralode.Train: nil model or data")
	}
	if cfg.Steps < 1 || !(cfg.LR > 0) || math.IsInf(cfg.LR, 0) || cfg.LogEvery < 0 || !(cfg.Reg >= 0) || math.IsInf(cfg.Reg, 0) {
		return nil, fmt.Errorf("neuralode.Train: need Steps >= 1, finite LR > 0, LogEvery >= 0, finite Reg >= 0; got %d, %g, %d, %g",
			cfg.Steps, cfg.LR, cfg.LogEvery, cfg.Reg)
	}
	if m.cfg.Dim != 2 {
		return nil, fmt.Errorf("neuralode.Train: the data are 2-dimensional, the model has Dim %d", m.cfg.Dim)
	}
	if d.NTrain < 1 || d.NTrain > d.N || len(d.Z) != 2*d.N || len(d.Labels) != d.N {
		return nil, fmt.Errorf("neuralode.Train: malformed data set (N %d, NTrain %d, %d coordinates, %d labels)",
			d.N, d.NTrain, len(d.Z), len(d.Labels))
	}
	for i, v := range d.Z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("neuralode.Train: point %d is not finite", i/2)
		}
	}
	for i, l := range d.Labels {
		if l != 0 && l != 1 {
			return nil, fmt.Errorf("neuralode.Train: label %d is %g, want 0 or 1", i, l)
		}
	}
	if cfg.LogEvery == 0 {
		cfg.LogEvery = 10
	}
	dt := m.cfg.DType
	store := model.NewStore()
	if err := m.Init(store); err != nil {
		return nil, err
	}
	opt := optimizer.Adam().LearningRate(cfg.LR).Done()
	trainExec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) []*Node {
		loss, acc := lossAndAccuracy(m.Logits(scope, x), y)
		obj := loss
		if cfg.Reg > 0 {
			obj = Add(obj, MulScalar(m.Regularizer(scope, x.Graph()), cfg.Reg))
		}
		opt.UpdateGraph(scope, x.Graph(), obj)
		return []*Node{loss, acc}
	})
	if err != nil {
		return nil, fmt.Errorf("neuralode.Train: %w", err)
	}
	defer trainExec.Finalize()
	evalExec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		_, acc := lossAndAccuracy(m.Logits(scope, x), y)
		return acc
	})
	if err != nil {
		return nil, fmt.Errorf("neuralode.Train: %w", err)
	}
	defer evalExec.Finalize()

	nt := d.NTrain
	xTrain, yTrain := training.TensorFromFloat64s(dt, d.Z[:2*nt], nt, 2), training.TensorFromFloat64s(dt, d.Labels[:nt], nt)
	xTest, yTest := training.TensorFromFloat64s(dt, d.Z[2*nt:], d.N-nt, 2), training.TensorFromFloat64s(dt, d.Labels[nt:], d.N-nt)
	var last [2]float64 // the latest step's loss and training accuracy
	loop := &training.Loop{
		Name: "neuralode.Train", Store: store, Checkpoint: cfg.Checkpoint, Identity: m.Identity(), Deadline: cfg.Deadline,
		Epochs: cfg.Steps, StepsPerEpoch: 1, EvalEvery: cfg.LogEvery,
		Step: func(*training.State) ([]float64, error) {
			v, err := scalars(trainExec, xTrain, yTrain)
			if err != nil {
				return nil, err
			}
			last = [2]float64{v[0], v[1]}
			return v[:1], nil
		},
		Evaluate: func(s *training.State) (map[string]float64, error) {
			rec := map[string]float64{"loss": last[0], "train_acc": last[1], "test_acc": math.NaN()}
			if d.N > nt {
				v, err := scalars(evalExec, xTest, yTest)
				if err != nil {
					return nil, err
				}
				rec["test_acc"] = v[0]
			}
			if onStep != nil {
				onStep(StepInfo{Step: s.Epoch - 1, Steps: cfg.Steps, Loss: last[0], TrainAcc: last[1], TestAcc: rec["test_acc"], Elapsed: s.Elapsed})
			}
			return rec, nil
		},
	}
	st, err := loop.Run()
	res := &Result{Store: store}
	if st != nil {
		res.History, res.Steps, res.Seconds, res.Resumed = st.History, st.Epoch, st.Seconds, st.Resumed
	}
	if err != nil {
		return res, err
	}
	if res.Params, err = m.Extract(store); err != nil {
		return res, err
	}
	return res, nil
}

// scalars runs exec and returns the value of each of its (scalar) outputs.
func scalars(exec *model.Exec, args ...any) ([]float64, error) {
	out, err := exec.Call(args...)
	if err != nil {
		return nil, err
	}
	vals := make([]float64, len(out))
	for i, t := range out {
		v, err := training.Float64s(t)
		if err != nil {
			return nil, err
		}
		vals[i] = v[0]
	}
	return vals, nil
}

// Accuracy returns the fraction of points i in [from, to) of d that p classifies correctly.
func Accuracy(p Params, d *Dataset, from, to int) float64 {
	if to <= from {
		return math.NaN()
	}
	ok := 0
	for i := from; i < to; i++ {
		if (p.Logit(d.Point(i)) > 0) == (d.Labels[i] > 0.5) {
			ok++
		}
	}
	return float64(ok) / float64(to-from)
}
