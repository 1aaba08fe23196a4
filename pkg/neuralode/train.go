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
	Steps int
	LR    float64
	Reg   float64
	// LogEvery records loss and accuracies every LogEvery steps (0: 10).
	LogEvery int
	// Checkpoint is the checkpoint file ("" = none); training resumes from it.
	Checkpoint string
}

// DefaultTrainConfig returns Adam with lr 0.01 and running cost 1e-3.
func DefaultTrainConfig(steps int) TrainConfig {
	return TrainConfig{Steps: steps, LR: 0.01, Reg: 1e-3, LogEvery: 10}
}

// checkpointEvery is the wall time between checkpoints (besides the final one and on interrupt).
const checkpointEvery = 30 * time.Second

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

type checkpointMeta struct {
	Step    int
	History training.History
	Seconds float64
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
// accuracy on the test points. With cfg.Checkpoint set it checkpoints atomically at every record and
// resumes; SIGINT/SIGTERM saves and returns an error wrapping training.ErrInterrupted; a NaN loss returns
// an error wrapping training.ErrDiverged.
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
	res := &Result{Store: store}
	run := training.NewRun(cfg.Checkpoint, store)
	var meta checkpointMeta
	found, err := run.Load(&meta)
	if err != nil {
		return nil, fmt.Errorf("neuralode.Train: %w", err)
	}
	res.Resumed = found
	res.History, res.Steps, res.Seconds = meta.History, meta.Step, meta.Seconds

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
	var xTest, yTest = training.TensorFromFloat64s(dt, d.Z[2*nt:], d.N-nt, 2), training.TensorFromFloat64s(dt, d.Labels[nt:], d.N-nt)
	save := func(step int, seconds float64) error {
		if err := run.Save(checkpointMeta{Step: step, History: res.History, Seconds: seconds}); err != nil {
			return fmt.Errorf("neuralode.Train: %w", err)
		}
		return nil
	}
	run.Start(meta.Seconds)
	for step := meta.Step; step < cfg.Steps; step++ {
		if training.Interrupted() {
			return res, run.Stop(checkpointMeta{Step: step, History: res.History, Seconds: run.Seconds()},
				"neuralode.Train: %s stopped at step %d", m, step)
		}
		out, err := trainExec.Call(xTrain, yTrain)
		if err != nil {
			return res, fmt.Errorf("neuralode.Train: step %d: %w", step, err)
		}
		vals, err := training.Float64s(out[0])
		if err != nil {
			return res, err
		}
		loss := vals[0]
		if err := training.CheckFinite(step, "loss", loss); err != nil {
			return res, fmt.Errorf("neuralode.Train: %s: %w", m, err)
		}
		if step%cfg.LogEvery == 0 || step == cfg.Steps-1 {
			trainAcc, _ := training.Float64s(out[1])
			testAcc := math.NaN()
			if d.N > nt {
				o, err := evalExec.Call(xTest, yTest)
				if err != nil {
					return res, fmt.Errorf("neuralode.Train: step %d: %w", step, err)
				}
				v, _ := training.Float64s(o[0])
				testAcc = v[0]
			}
			res.History.Add(step, map[string]float64{"loss": loss, "train_acc": trainAcc[0], "test_acc": testAcc})
			res.Steps, res.Seconds = step+1, run.Seconds()
			if run.Due(checkpointEvery) {
				if err := save(step+1, res.Seconds); err != nil {
					return res, err
				}
			}
			if onStep != nil {
				onStep(StepInfo{Step: step, Steps: cfg.Steps, Loss: loss, TrainAcc: trainAcc[0], TestAcc: testAcc, Elapsed: run.Elapsed()})
			}
		}
	}
	if res.Steps < cfg.Steps || meta.Step < cfg.Steps {
		res.Steps, res.Seconds = cfg.Steps, run.Seconds()
		if err := save(cfg.Steps, res.Seconds); err != nil {
			return res, err
		}
	}
	p, err := m.Extract(store)
	if err != nil {
		return res, err
	}
	res.Params = p
	return res, nil
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
