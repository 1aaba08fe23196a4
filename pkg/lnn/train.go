package lnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// Source provides training minibatches: a fixed Dataset shuffled every epoch (FromDataset) or fresh
// random states every step (FreshStates, the paper's setup).
type Source interface {
	// Len is the number of samples per epoch.
	Len() int
	// Fill writes minibatch number batch of epoch into states (B×4) and accels (B×2).
	Fill(epoch, batch int, states, accels []float64)
}

type datasetSource struct {
	d         *Dataset
	seed      uint64
	permEpoch int
	perm      []int
}

// FromDataset returns a Source that visits d in a new random order every epoch (deterministic in
// seed and the epoch, so a resumed run sees the same batches).
func FromDataset(d *Dataset, seed uint64) Source {
	return &datasetSource{d: d, seed: seed, permEpoch: -1}
}

func (s *datasetSource) Len() int { return s.d.N }

func (s *datasetSource) Fill(epoch, batch int, states, accels []float64) {
	if s.permEpoch != epoch {
		s.perm = rand.New(rand.NewPCG(s.seed, uint64(epoch))).Perm(s.d.N)
		s.permEpoch = epoch
	}
	bs := len(states) / 4
	for i := range bs {
		j := s.perm[(batch*bs+i)%s.d.N]
		copy(states[4*i:4*i+4], s.d.States[4*j:4*j+4])
		copy(accels[2*i:2*i+2], s.d.Accels[2*j:2*j+2])
	}
}

type freshSource struct {
	cfg      StatesConfig
	perEpoch int
}

// FreshStates returns a Source that draws new i.i.d. states from cfg's distribution for every batch
// (cfg.N is ignored; perEpoch samples make an epoch), as the original paper model was trained.
func FreshStates(cfg StatesConfig, perEpoch int) Source {
	return &freshSource{cfg: cfg, perEpoch: perEpoch}
}

func (s *freshSource) Len() int { return s.perEpoch }

func (s *freshSource) Fill(epoch, batch int, states, accels []float64) {
	rng := rand.New(rand.NewPCG(s.cfg.Seed^uint64(epoch)<<32, uint64(batch)))
	sampleStates(s.cfg, rng, states, accels)
}

// Schedule is the learning-rate schedule of Train.
type Schedule int

const (
	// StepLR multiplies the learning rate by StepGamma every StepEvery epochs (the slides: 1e-3 halved
	// every 10 epochs).
	StepLR Schedule = iota
	// OneCycle is the original code's schedule over the whole run: with p' = 0.2 + 0.8·(step/total),
	// lr = low + (LR − low)(1 − cos 2πp')/2 and low = LR/1e4 (starts at 0.345·LR, peaks at 37.5 %,
	// ends at LR/1e4).
	OneCycle
	// Constant keeps LR.
	Constant
)

// LossKind is the training loss on the accelerations.
type LossKind int

const (
	// L1 is the mean absolute error (the original code).
	L1 LossKind = iota
	// MSE is the mean squared error (the slides).
	MSE
)

// TrainConfig configures Train.
type TrainConfig struct {
	// Epochs is the number of epochs; StepsPerEpoch the minibatches per epoch (0: ⌈Len/BatchSize⌉).
	Epochs, StepsPerEpoch int
	// BatchSize is the minibatch size.
	BatchSize int
	// LR is the initial (StepLR, Constant) or peak (OneCycle) learning rate of Adam.
	LR float64
	// Schedule, StepGamma and StepEvery (epochs) choose the schedule.
	Schedule  Schedule
	StepGamma float64
	StepEvery int
	// Loss is L1 or MSE.
	Loss LossKind
	// L2 adds L2·Σ‖W‖² over the weight matrices to the loss (the original: 1e-6).
	L2 float64
	// Checkpoint is the checkpoint file ("" = no checkpoints). Training resumes from it when it exists.
	Checkpoint string
	// CheckpointEvery is the wall time between checkpoints inside an epoch (0: only at epoch ends).
	CheckpointEvery time.Duration
	// SingularTol: samples whose Hessian rcond is below it count as singular (default 1e-7).
	SingularTol float64
	// ClipAccel, when > 0, clips predicted accelerations to [−ClipAccel, ClipAccel] inside the loss, so
	// that samples near a singular Hessian (huge q̈ and huge parameter gradients) do not dominate a
	// step (the true |q̈| of the paper's distribution stays below ~300).
	ClipAccel float64
	// HessianPenalty, when > 0 (LNN only), adds HessianPenalty·mean(relu(PosDefMargin − λ_min/max|λ|))
	// of ∂²L/∂q̇², pushing the learned "mass matrix" to be positive-definite and well conditioned.
	HessianPenalty, PosDefMargin float64
	// InitFrom, when set, is a checkpoint written by Train whose network weights start a fresh run
	// (fine-tuning, e.g. on a wider velocity range). Its optimizer state, epoch count and history are
	// not used: Adam starts afresh, since moments calibrated on smaller gradients would make the first
	// steps on new data many times the learning rate. Ignored when resuming from Checkpoint.
	InitFrom string
	// RunKey, when set, is stored in the checkpoints; resuming a checkpoint that carries a different
	// key is an error (a checkpoint without a key, written before keys existed, is accepted).
	RunKey string
}

// DefaultTrainConfig returns the slides' recipe: Adam, lr 1e-3 halved every 10 epochs, MSE, batch 512.
func DefaultTrainConfig(epochs int) TrainConfig {
	return TrainConfig{Epochs: epochs, BatchSize: 512, LR: 1e-3, Schedule: StepLR, StepGamma: 0.5, StepEvery: 10,
		Loss: MSE, SingularTol: 1e-7}
}

func (c TrainConfig) validate(src Source) error {
	if c.Epochs < 1 || c.BatchSize < 1 || c.StepsPerEpoch < 0 {
		return fmt.Errorf("lnn.Train: need Epochs >= 1, BatchSize >= 1, StepsPerEpoch >= 0, got %d, %d, %d",
			c.Epochs, c.BatchSize, c.StepsPerEpoch)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("lnn.Train: learning rate must be positive and finite, got %g", c.LR)
	}
	if c.Schedule == StepLR && (!(c.StepGamma > 0) || c.StepEvery < 1) {
		return fmt.Errorf("lnn.Train: StepLR needs StepGamma > 0 and StepEvery >= 1, got %g, %d", c.StepGamma, c.StepEvery)
	}
	if c.Schedule < StepLR || c.Schedule > Constant || c.Loss < L1 || c.Loss > MSE {
		return fmt.Errorf("lnn.Train: unknown schedule %d or loss %d", c.Schedule, c.Loss)
	}
	if !(c.L2 >= 0) {
		return fmt.Errorf("lnn.Train: L2 must be >= 0, got %g", c.L2)
	}
	if src == nil || src.Len() < 1 {
		return fmt.Errorf("lnn.Train: empty training source")
	}
	return nil
}

func (c TrainConfig) stepsPerEpoch(src Source) int {
	if c.StepsPerEpoch > 0 {
		return c.StepsPerEpoch
	}
	return (src.Len() + c.BatchSize - 1) / c.BatchSize
}

// LearningRate returns the schedule's learning rate at a global step (0-based) of epoch.
func (c TrainConfig) LearningRate(step, epoch, totalSteps int) float64 {
	switch c.Schedule {
	case StepLR:
		return c.LR * math.Pow(c.StepGamma, float64(epoch/c.StepEvery))
	case OneCycle:
		p := min(1, float64(step)/float64(max(1, totalSteps)))
		p = 0.2 + 0.8*p
		low := c.LR / 1e4
		return low + (c.LR-low)*(1-math.Cos(2*math.Pi*p))/2
	}
	return c.LR
}

// StepInfo is passed to Callbacks.OnStep after every training step.
type StepInfo struct {
	Epoch, Batch, Step, StepsPerEpoch, TotalSteps int
	Loss, LR                                      float64
	// Singular is the fraction of the batch whose ∂²L/∂q̇² had rcond below SingularTol.
	Singular float64
}

// EpochInfo is passed to Callbacks.OnEpoch after every epoch.
type EpochInfo struct {
	Epoch           int
	Train, Test, LR float64
	History         *training.History
	Elapsed         time.Duration
}

// Callbacks observe training (both optional).
type Callbacks struct {
	OnStep  func(StepInfo)
	OnEpoch func(EpochInfo)
}

// Result is what Train returns.
type Result struct {
	// Store holds the trained variables (and the optimizer state).
	Store *model.Store
	// History has the per-epoch series "train", "test" (when a test set was given) and "lr".
	History training.History
	// Epochs done, global Steps done, and the Seconds of training (summed over resumed runs).
	Epochs, Steps int
	Seconds       float64
	// Resumed is true when training started from a checkpoint.
	Resumed bool
}

type checkpointMeta struct {
	Epoch, Batch int
	// Steps is the number of optimizer steps behind the saved weights (0 in checkpoints written
	// before it was recorded).
	Steps   int
	History training.History
	Seconds float64
	// BestTest is the lowest test loss at an epoch end so far (+Inf before the first).
	BestTest float64
	// RunKey is TrainConfig.RunKey of the run that wrote the checkpoint.
	RunKey string
}

// BestPath returns the file where Train keeps the weights of the epoch with the lowest test loss:
// <checkpoint without .ckpt>.best.ckpt (the original code also kept its best epoch).
func BestPath(checkpoint string) string {
	return strings.TrimSuffix(checkpoint, ".ckpt") + ".best.ckpt"
}

// CheckpointPath returns <cache dir>/lnn/checkpoints/<name>-<key>.ckpt, key being a hash of the
// configuration parts (model, data and training configurations), for notebooks that resume
// automatically.
func CheckpointPath(name string, parts ...any) (string, error) {
	return training.CheckpointPath(parts, name, "lnn", "checkpoints")
}

// dtypeOf returns the dtype of a Net (a Net of another type may report it with a
// ComputeDType() dtypes.DType method; float32 otherwise).
func dtypeOf(net Net) dtypes.DType {
	if d, ok := net.(interface{ ComputeDType() dtypes.DType }); ok {
		return d.ComputeDType()
	}
	switch m := net.(type) {
	case *Model:
		return m.DType
	case *Baseline:
		return m.DType
	}
	return dtypes.Float32
}

func toTensor(dt dtypes.DType, data []float64, dims ...int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), data...), dims...)
	}
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func scalarOf(t *tensors.Tensor) float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.ToScalar[float64](t)
	}
	return float64(tensors.ToScalar[float32](t))
}

// lossGraph returns the loss between predicted and true accelerations, and the fraction of samples
// with rcond < tol.
func lossGraph(kind LossKind, qdd, y, rcond *Node, tol float64) (loss, singular *Node) {
	diff := Sub(qdd, y)
	if kind == L1 {
		loss = ReduceAllMean(Abs(diff))
	} else {
		loss = ReduceAllMean(Square(diff))
	}
	sing := ConvertDType(LessThan(rcond, Scalar(rcond.Graph(), rcond.DType(), tol)), rcond.DType())
	return loss, ReduceAllMean(sing)
}

// NewStore returns a fresh store for net with its variables created (initialised from net's seed).
func NewStore(net Net) *model.Store {
	store := model.NewStore()
	switch m := net.(type) {
	case *Model:
		m.Variables(store.RootScope())
	case *Baseline:
		m.Variables(store.RootScope())
	}
	return store
}

// Train fits net to the accelerations of src with Adam, evaluating on test (may be nil) after every
// epoch. With cfg.Checkpoint set it saves the store and the history atomically every epoch (and every
// CheckpointEvery), keeps the epoch with the lowest test loss in BestPath(cfg.Checkpoint), resumes
// from an existing checkpoint, and on SIGINT/SIGTERM saves and returns an
// error wrapping training.ErrInterrupted. A NaN or infinite loss stops training with an error wrapping
// training.ErrDiverged (the last checkpoint is kept).
func Train(b compute.Backend, net Net, src Source, test *Dataset, cfg TrainConfig, cb Callbacks) (*Result, error) {
	if err := cfg.validate(src); err != nil {
		return nil, err
	}
	if net.NumDoF() != 2 {
		return nil, fmt.Errorf("lnn.Train: the double-pendulum data has 2 degrees of freedom, the model %s has %d", net, net.NumDoF())
	}
	if test != nil {
		if err := test.Validate(); err != nil {
			return nil, fmt.Errorf("lnn.Train: test set: %w", err)
		}
	}
	if cfg.SingularTol == 0 {
		cfg.SingularTol = 1e-7
	}
	dt := dtypeOf(net)
	res := &Result{Store: NewStore(net)}
	run := training.NewRun(cfg.Checkpoint, res.Store)
	var meta checkpointMeta
	found, err := run.Load(&meta)
	if err != nil {
		return nil, fmt.Errorf("lnn.Train: %w", err)
	}
	res.Resumed = found
	if found && meta.RunKey != "" && cfg.RunKey != "" && meta.RunKey != cfg.RunKey {
		return nil, fmt.Errorf("lnn.Train: checkpoint %s belongs to a different training run (key %s, this run %s); move it away to start afresh",
			cfg.Checkpoint, meta.RunKey, cfg.RunKey)
	}
	res.History = meta.History
	if !res.Resumed {
		meta.BestTest = math.Inf(1)
		if cfg.InitFrom != "" {
			if err := initWeights(res.Store, cfg.InitFrom, net); err != nil {
				return nil, err
			}
		}
	}
	spe := cfg.stepsPerEpoch(src)
	total := spe * cfg.Epochs
	res.Epochs, res.Steps, res.Seconds = meta.Epoch, meta.Epoch*spe+meta.Batch, meta.Seconds
	if meta.Epoch >= cfg.Epochs {
		return res, nil
	}

	store := res.Store
	lrVar := optimizer.LearningRateVar(store.RootScope(), dt, cfg.LearningRate(res.Steps, meta.Epoch, total))
	opt := optimizer.Adam().Done()
	l2 := cfg.L2
	trainExec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) []*Node {
		var qdd, rc, posdef *Node
		if m, ok := net.(*Model); ok && cfg.HessianPenalty > 0 {
			qdd, rc, posdef = m.AccelDetail(scope, x)
		} else {
			qdd, rc = net.Accel(scope, x)
		}
		loss, sing := lossGraph(cfg.Loss, qdd, y, rc, cfg.SingularTol)
		obj := loss
		if cfg.ClipAccel > 0 {
			clipped := Min(Max(qdd, ConstAs(qdd, -cfg.ClipAccel)), ConstAs(qdd, cfg.ClipAccel))
			obj, _ = lossGraph(cfg.Loss, clipped, y, rc, cfg.SingularTol)
		}
		if posdef != nil {
			margin := AddScalar(Neg(posdef), cfg.PosDefMargin)
			obj = Add(obj, MulScalar(ReduceAllMean(Max(margin, ZerosLike(margin))), cfg.HessianPenalty))
		}
		if l2 > 0 {
			for v := range store.IterVariables() {
				if v.Trainable && v.Name() == "weights" {
					obj = Add(obj, MulScalar(ReduceAllSum(Square(v.NodeValue(x.Graph()))), l2))
				}
			}
		}
		opt.UpdateGraph(scope, x.Graph(), obj)
		return []*Node{loss, sing}
	})
	if err != nil {
		return nil, fmt.Errorf("lnn.Train: %w", err)
	}
	defer trainExec.Finalize()
	evalExec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		qdd, rc := net.Accel(scope, x)
		loss, _ := lossGraph(cfg.Loss, qdd, y, rc, cfg.SingularTol)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("lnn.Train: %w", err)
	}
	defer evalExec.Finalize()

	state := func(epoch, batch int) checkpointMeta {
		return checkpointMeta{Epoch: epoch, Batch: batch, Steps: epoch*spe + batch, History: res.History, Seconds: run.Seconds(),
			BestTest: meta.BestTest, RunKey: cfg.RunKey}
	}
	save := func(epoch, batch int) error {
		if err := run.Save(state(epoch, batch)); err != nil {
			return fmt.Errorf("lnn.Train: %w", err)
		}
		return nil
	}

	run.Start(meta.Seconds)
	states := make([]float64, 4*cfg.BatchSize)
	accels := make([]float64, 2*cfg.BatchSize)
	batch0 := meta.Batch
	for epoch := meta.Epoch; epoch < cfg.Epochs; epoch++ {
		sum, count := 0.0, 0
		var lr float64
		for bi := batch0; bi < spe; bi++ {
			if training.Interrupted() {
				return res, run.Stop(state(epoch, bi), "lnn.Train: stopped at epoch %d, batch %d", epoch, bi)
			}
			step := epoch*spe + bi
			lr = cfg.LearningRate(step, epoch, total)
			if err := lrVar.SetValue(toTensor(dt, []float64{lr})); err != nil {
				return res, fmt.Errorf("lnn.Train: setting the learning rate: %w", err)
			}
			src.Fill(epoch, bi, states, accels)
			out, err := trainExec.Call(toTensor(dt, states, cfg.BatchSize, 4), toTensor(dt, accels, cfg.BatchSize, 2))
			if err != nil {
				return res, fmt.Errorf("lnn.Train: step %d: %w", step, err)
			}
			loss, sing := scalarOf(out[0]), scalarOf(out[1])
			if err := training.CheckFinite(step, "loss", loss); err != nil {
				return res, fmt.Errorf("lnn.Train: %s (%.0f%% of the batch had singular Hessians; last good checkpoint %q): %w",
					net, 100*sing, cfg.Checkpoint, err)
			}
			sum += loss
			count++
			res.Steps = step + 1
			if cb.OnStep != nil {
				cb.OnStep(StepInfo{Epoch: epoch, Batch: bi, Step: step, StepsPerEpoch: spe, TotalSteps: total,
					Loss: loss, LR: lr, Singular: sing})
			}
			if cfg.CheckpointEvery > 0 && run.Due(cfg.CheckpointEvery) && bi+1 < spe {
				if err := save(epoch, bi+1); err != nil {
					return res, err
				}
			}
		}
		batch0 = 0
		values := map[string]float64{"lr": lr}
		if count > 0 {
			values["train"] = sum / float64(count)
		}
		testLoss := math.NaN()
		if test != nil {
			testLoss, err = evalLoss(evalExec, dt, test, cfg.BatchSize)
			if err != nil {
				return res, fmt.Errorf("lnn.Train: epoch %d: %w", epoch, err)
			}
			values["test"] = testLoss
		}
		res.History.Add(epoch+1, values)
		res.Epochs = epoch + 1
		res.Seconds = run.Seconds()
		if test != nil && testLoss < meta.BestTest && cfg.Checkpoint != "" {
			meta.BestTest = testLoss
			m := checkpointMeta{Epoch: epoch + 1, Steps: (epoch + 1) * spe, History: res.History, Seconds: res.Seconds, BestTest: testLoss, RunKey: cfg.RunKey}
			if err := training.SaveCheckpoint(BestPath(cfg.Checkpoint), store, m); err != nil {
				return res, fmt.Errorf("lnn.Train: %w", err)
			}
		}
		if err := save(epoch+1, 0); err != nil {
			return res, err
		}
		if cb.OnEpoch != nil {
			cb.OnEpoch(EpochInfo{Epoch: epoch + 1, Train: values["train"], Test: testLoss, LR: lr,
				History: &res.History, Elapsed: run.Elapsed()})
		}
	}
	return res, nil
}

// evalLoss returns the mean loss over d in chunks of at most batch samples (a smaller last chunk is
// dropped unless it is the only one).
func evalLoss(exec *model.Exec, dt dtypes.DType, d *Dataset, batch int) (float64, error) {
	bs := min(batch, d.N)
	sum, n := 0.0, 0
	for i := 0; i+bs <= d.N; i += bs {
		out, err := exec.Call(toTensor(dt, d.States[4*i:4*(i+bs)], bs, 4), toTensor(dt, d.Accels[2*i:2*(i+bs)], bs, 2))
		if err != nil {
			return 0, err
		}
		sum += scalarOf(out[0])
		n++
	}
	return sum / float64(n), nil
}

// initWeights sets the network variables of store (a fresh store of net) from the checkpoint path.
func initWeights(store *model.Store, path string, net Net) error {
	src, _, err := LoadTrained(path, net)
	if err != nil {
		return fmt.Errorf("lnn.Train: InitFrom: %w", err)
	}
	n := 0
	for v := range store.IterVariables() {
		sv := src.GetVariable(v.Path())
		if sv == nil || !sv.HasValue() {
			return fmt.Errorf("lnn.Train: InitFrom %s: no variable %s (a checkpoint of a different network?)", path, v.Path())
		}
		t, err := sv.Value()
		if err != nil {
			return fmt.Errorf("lnn.Train: InitFrom %s: %w", path, err)
		}
		if !t.Shape().Equal(v.Shape()) {
			return fmt.Errorf("lnn.Train: InitFrom %s: variable %s has shape %s, the network needs %s", path, v.Path(), t.Shape(), v.Shape())
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("lnn.Train: InitFrom %s: variable %s: %w", path, v.Path(), err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("lnn.Train: InitFrom %s: the network has no variables", path)
	}
	return nil
}

// LoadTrained loads a checkpoint written by Train (for example a shipped model under
// notebooks/models/lnn/) into a fresh store for net, returning the store and the training history.
// A missing file is an error.
func LoadTrained(path string, net Net) (*model.Store, *Result, error) {
	store := NewStore(net)
	var meta checkpointMeta
	found, err := training.LoadCheckpoint(path, store, &meta)
	if err != nil {
		return nil, nil, fmt.Errorf("lnn.LoadTrained: %w", err)
	}
	if !found {
		return nil, nil, fmt.Errorf("lnn.LoadTrained: no checkpoint at %s", path)
	}
	return store, &Result{Store: store, History: meta.History, Epochs: meta.Epoch, Steps: meta.Steps, Seconds: meta.Seconds}, nil
}
