package lnn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
// random states every step (FreshStates, the paper's setup). Train validates a Source that has a
// Validate() error method (both of these do) before the first step.
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

func (s *datasetSource) Len() int {
	if s.d == nil {
		return 0
	}
	return s.d.N
}

// Validate checks the dataset (Train calls it before the first step).
func (s *datasetSource) Validate() error { return s.d.Validate() }

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

// Validate checks the distribution and the epoch size (Train calls it before the first step).
func (s *freshSource) Validate() error {
	if s.perEpoch < 1 {
		return fmt.Errorf("lnn: FreshStates: perEpoch=%d must be >= 1", s.perEpoch)
	}
	c := s.cfg
	c.N = max(c.N, 1) // ignored by FreshStates
	return c.Validate()
}

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
	// Deadline stops training at this wall-clock time, with the checkpoint saved (an error
	// wrapping training.ErrStopped; run again to resume). Zero: no limit.
	Deadline time.Time `json:"-"`
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
	// CheckpointEvery is the wall time between checkpoints (0: training.Loop's default, 30 s).
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

// Validate checks the configuration; errors name the field, its value and what is allowed.
func (c TrainConfig) Validate() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("lnn.TrainConfig: "+format, args...) }
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Epochs < 1:
		return bad("Epochs=%d must be >= 1", c.Epochs)
	case c.BatchSize < 1:
		return bad("BatchSize=%d must be >= 1", c.BatchSize)
	case c.StepsPerEpoch < 0:
		return bad("StepsPerEpoch=%d must be >= 0 (0: one pass over the data)", c.StepsPerEpoch)
	case !(c.LR > 0) || !finite(c.LR):
		return bad("LR=%g must be positive and finite", c.LR)
	case c.Schedule < StepLR || c.Schedule > Constant:
		return bad("Schedule=%d unknown (StepLR, OneCycle or Constant)", c.Schedule)
	case c.Loss < L1 || c.Loss > MSE:
		return bad("Loss=%d unknown (L1 or MSE)", c.Loss)
	case c.Schedule == StepLR && (!(c.StepGamma > 0) || !finite(c.StepGamma)):
		return bad("StepGamma=%g must be positive and finite with the StepLR schedule", c.StepGamma)
	case c.Schedule == StepLR && c.StepEvery < 1:
		return bad("StepEvery=%d must be >= 1 with the StepLR schedule", c.StepEvery)
	case !(c.L2 >= 0) || !finite(c.L2):
		return bad("L2=%g must be finite and >= 0", c.L2)
	case c.CheckpointEvery < 0:
		return bad("CheckpointEvery=%s must be >= 0 (0: every 30 s)", c.CheckpointEvery)
	case !(c.SingularTol >= 0) || !finite(c.SingularTol):
		return bad("SingularTol=%g must be finite and >= 0 (0: 1e-7)", c.SingularTol)
	case !(c.ClipAccel >= 0) || math.IsNaN(c.ClipAccel):
		return bad("ClipAccel=%g must be >= 0 (0: no clipping)", c.ClipAccel)
	case !(c.HessianPenalty >= 0) || !finite(c.HessianPenalty):
		return bad("HessianPenalty=%g must be finite and >= 0", c.HessianPenalty)
	case !finite(c.PosDefMargin):
		return bad("PosDefMargin=%g must be finite", c.PosDefMargin)
	}
	return nil
}

func (c TrainConfig) validate(src Source) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("lnn.Train: %w", err)
	}
	if src == nil {
		return fmt.Errorf("lnn.Train: the training source is nil")
	}
	if v, ok := src.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("lnn.Train: training set: %w", err)
		}
	}
	if n := src.Len(); n < 1 {
		return fmt.Errorf("lnn.Train: the training source has Len()=%d samples per epoch, need >= 1", n)
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
	// History has the per-epoch series "train", "test" (when a test set was given), "lr" and
	// "singular" (the mean fraction of singular Hessians), each record at the number of epochs
	// done (1 for the first epoch).
	History training.History
	// Epochs done, global Steps done, and the Seconds of training (summed over resumed runs).
	Epochs, Steps int
	Seconds       float64
	// Resumed is true when training started from a checkpoint.
	Resumed bool
}

// BestPath returns the file where Train keeps the weights of the epoch with the lowest test loss:
// training.BestPath, <checkpoint without .ckpt>.best.ckpt.
func BestPath(checkpoint string) string { return training.BestPath(checkpoint) }

// CheckpointPath returns <cache dir>/lnn/checkpoints/<name>-<key>.ckpt, key being a hash of the
// configuration parts (model, data and training configurations), for notebooks that resume
// automatically.
func CheckpointPath(name string, parts ...any) (string, error) {
	return training.CheckpointPath(parts, name, "lnn", "checkpoints")
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
	net.Variables(store.RootScope())
	return store
}

// hessianNet is a Net that also reports how positive-definite its "mass matrix" ∂²L/∂q̇² is
// (the LNN), for TrainConfig.HessianPenalty.
type hessianNet interface {
	AccelDetail(scope *model.Scope, state *Node) (qdd, rcond, posdef *Node)
}

// Train fits net to the accelerations of src with Adam, evaluating on test (may be nil) after every
// epoch, on a training.Loop: with cfg.Checkpoint set it saves the store, the history and the
// position in the epoch atomically (every CheckpointEvery and at the end), keeps the epoch with the
// lowest test loss in BestPath(cfg.Checkpoint), resumes from an existing checkpoint of the same
// network (training.Identity: net.Identity()) and run (cfg.RunKey), and on SIGINT/SIGTERM saves
// and returns an error wrapping training.ErrInterrupted. A NaN or infinite loss stops training with
// an error wrapping training.ErrDiverged (the last checkpoint is kept).
func Train(b compute.Backend, net Net, src Source, test *Dataset, cfg TrainConfig, cb Callbacks) (*Result, error) {
	if b == nil || net == nil {
		return nil, fmt.Errorf("lnn.Train: the backend (%v) and the network (%v) must not be nil", b, net)
	}
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
	dt := net.ComputeDType()
	store := NewStore(net)
	spe := cfg.stepsPerEpoch(src)
	total := spe * cfg.Epochs
	lrVar := optimizer.LearningRateVar(store.RootScope(), dt, cfg.LearningRate(0, 0, total))
	trainExec, evalExec, err := trainExecs(b, net, store, cfg)
	if err != nil {
		return nil, fmt.Errorf("lnn.Train: %w", err)
	}
	defer trainExec.Finalize()
	defer evalExec.Finalize()

	states := make([]float64, 4*cfg.BatchSize)
	accels := make([]float64, 2*cfg.BatchSize)
	runKey := cfg.RunKey // Train's own state in its checkpoints: the RunKey of the run that wrote it
	var lr, sing float64
	loop := &training.Loop{
		Name: "lnn.Train", Store: store, Checkpoint: cfg.Checkpoint, Identity: net.Identity(), Deadline: cfg.Deadline,
		Epochs: cfg.Epochs, StepsPerEpoch: spe, LossNames: []string{"train", "singular"},
		EvalEvery: 1, CheckpointEvery: cfg.CheckpointEvery, Extra: &runKey,
		OnResume: func(_ *training.Loop, s *training.State) error {
			if s.Resumed {
				if cfg.RunKey != "" && runKey != "" && runKey != cfg.RunKey {
					return fmt.Errorf("checkpoint %s belongs to a different training run (key %s, this run %s); move it away to start afresh",
						cfg.Checkpoint, runKey, cfg.RunKey)
				}
				return nil
			}
			if cfg.InitFrom != "" {
				return initWeights(store, cfg.InitFrom, net)
			}
			return nil
		},
		Step: func(s *training.State) ([]float64, error) {
			lr = cfg.LearningRate(s.Steps, s.Epoch, total)
			if err := lrVar.SetValue(training.TensorFromFloat64s(dt, []float64{lr})); err != nil {
				return nil, fmt.Errorf("setting the learning rate: %w", err)
			}
			src.Fill(s.Epoch, s.Batch, states, accels)
			out, err := trainExec.Call(training.TensorFromFloat64s(dt, states, cfg.BatchSize, 4),
				training.TensorFromFloat64s(dt, accels, cfg.BatchSize, 2))
			if err != nil {
				return nil, err
			}
			sing = scalarOf(out[1])
			return []float64{scalarOf(out[0]), sing}, nil
		},
		Evaluate: func(*training.State) (map[string]float64, error) {
			rec := map[string]float64{"lr": lr}
			if test != nil {
				l, err := evalLoss(evalExec, dt, test, cfg.BatchSize)
				if err != nil {
					return nil, err
				}
				rec["test"] = l
			}
			return rec, nil
		},
	}
	if test != nil {
		// The best epoch's file holds the loop's state too (epochs, steps, history), as the
		// shipped best checkpoints do: notebooks plot and count it.
		loop.Monitor = "test"
	}
	if cb.OnStep != nil {
		loop.OnStep = func(s *training.State, losses []float64) {
			cb.OnStep(StepInfo{Epoch: s.Epoch, Batch: s.Batch - 1, Step: s.Steps - 1, StepsPerEpoch: spe, TotalSteps: total,
				Loss: losses[0], LR: lr, Singular: losses[1]})
		}
	}
	if cb.OnEpoch != nil {
		loop.OnEpoch = append(loop.OnEpoch, func(s *training.State) error {
			h := epochHistory(s.History, false)
			testLoss, ok := s.Record["test"]
			if !ok {
				testLoss = math.NaN()
			}
			cb.OnEpoch(EpochInfo{Epoch: s.Epoch, Train: s.Record["train"], Test: testLoss, LR: lr, History: &h, Elapsed: s.Elapsed})
			return nil
		})
	}
	st, err := loop.Run()
	if st == nil {
		return nil, err
	}
	if errors.Is(err, training.ErrDiverged) {
		err = fmt.Errorf("%w (%s; %.0f%% of the last batch had singular Hessians)", err, net, 100*sing)
	}
	return &Result{Store: store, History: epochHistory(st.History, false), Epochs: st.Epoch, Steps: st.Steps,
		Seconds: st.Seconds, Resumed: st.Resumed}, err
}

// trainExecs compiles Train's step (the loss and the singular fraction of a batch, after one Adam
// step on the objective: the loss of the clipped accelerations plus the penalties) and its
// evaluation (the loss of a batch).
func trainExecs(b compute.Backend, net Net, store *model.Store, cfg TrainConfig) (step, eval *model.Exec, err error) {
	opt := optimizer.Adam().Done()
	hn, detail := net.(hessianNet)
	step, err = model.NewExec(b, store, func(scope *model.Scope, x, y *Node) []*Node {
		var qdd, rc, posdef *Node
		if detail && cfg.HessianPenalty > 0 {
			qdd, rc, posdef = hn.AccelDetail(scope, x)
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
		if cfg.L2 > 0 {
			for v := range store.IterVariables() {
				if v.Trainable && v.Name() == "weights" {
					obj = Add(obj, MulScalar(ReduceAllSum(Square(v.NodeValue(x.Graph()))), cfg.L2))
				}
			}
		}
		opt.UpdateGraph(scope, x.Graph(), obj)
		return []*Node{loss, sing}
	})
	if err != nil {
		return nil, nil, err
	}
	eval, err = model.NewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		qdd, rc := net.Accel(scope, x)
		loss, _ := lossGraph(cfg.Loss, qdd, y, rc, cfg.SingularTol)
		return loss
	})
	if err != nil {
		step.Finalize()
		return nil, nil, err
	}
	return step, eval, nil
}

// epochHistory returns a copy of a training.Loop history with each record at the number of epochs
// done (Result.History's convention; the loop records at the 0-based epoch). A checkpoint written
// before training.Loop (legacy) already counts so.
func epochHistory(h training.History, legacy bool) training.History {
	out := training.History{Steps: slices.Clone(h.Steps), Series: map[string][]float64{}}
	for name, s := range h.Series {
		out.Series[name] = slices.Clone(s)
	}
	if !legacy {
		for i := range out.Steps {
			out.Steps[i]++
		}
	}
	return out
}

// evalLoss returns the mean loss over d in chunks of at most batch samples (a smaller last chunk is
// dropped unless it is the only one).
func evalLoss(exec *model.Exec, dt dtypes.DType, d *Dataset, batch int) (float64, error) {
	bs := min(batch, d.N)
	sum, n := 0.0, 0
	for i := 0; i+bs <= d.N; i += bs {
		out, err := exec.Call(training.TensorFromFloat64s(dt, d.States[4*i:4*(i+bs)], bs, 4),
			training.TensorFromFloat64s(dt, d.Accels[2*i:2*(i+bs)], bs, 2))
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
		return fmt.Errorf("InitFrom: %w", err)
	}
	ws, bs := net.Variables(store.RootScope())
	for _, v := range append(ws, bs...) {
		t, err := src.GetVariable(v.Path()).Value() // LoadTrained checked it is there, of v's shape
		if err == nil {
			err = v.SetValue(t)
		}
		if err != nil {
			return fmt.Errorf("InitFrom %s: variable %s: %w", path, v.Path(), err)
		}
	}
	return nil
}

// optimizerState reports whether a checkpoint variable is Train's optimizer state (Adam's moments
// and step, the learning rate, the global step) rather than a network variable.
func optimizerState(path string) bool {
	return path == "/"+optimizer.GlobalStepVariableName || strings.HasPrefix(path, "/"+optimizer.Scope+"/") ||
		strings.HasPrefix(path, "/"+optimizer.AdamDefaultScope+"/")
}

// LoadTrained loads a checkpoint written by Train (for example a shipped model under
// notebooks/models/lnn/) into a fresh store for net, returning the store and the training history.
// A missing file is an error, and so is a checkpoint of another network: of another kind or
// configuration (net.Identity), or, for checkpoints written before identities (format 1, accepted),
// one that lacks a variable of net, holds it with another shape, or holds network variables that
// net does not have.
func LoadTrained(path string, net Net) (*model.Store, *Result, error) {
	store := model.NewStore()
	var st training.State
	id := net.Identity()
	id.Legacy = true
	found, err := id.Load(path, store, &st)
	if err != nil {
		return nil, nil, fmt.Errorf("lnn.LoadTrained: %w", err)
	}
	if !found {
		return nil, nil, fmt.Errorf("lnn.LoadTrained: the file %s does not exist", path)
	}
	var missing, extra []string
	want := NewStore(net)
	for v := range want.IterVariables() {
		if got := store.GetVariable(v.Path()); got == nil || !got.Shape().Equal(v.Shape()) {
			missing = append(missing, fmt.Sprintf("%s %s", v.Path(), v.Shape()))
		}
	}
	for v := range store.IterVariables() {
		if want.GetVariable(v.Path()) == nil && !optimizerState(v.Path()) {
			extra = append(extra, fmt.Sprintf("%s %s", v.Path(), v.Shape()))
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		return nil, nil, fmt.Errorf("lnn.LoadTrained: checkpoint %s does not hold %s (%s): it lacks %d of its variables %q "+
			"and holds %d network variables it does not have %q", path, net, id.Kind, len(missing), missing, len(extra), extra)
	}
	// Every training.Loop checkpoint records its Epochs; one written before has none.
	return store, &Result{Store: store, History: epochHistory(st.History, st.Epochs == 0), Epochs: st.Epoch, Steps: st.Steps,
		Seconds: st.Seconds}, nil
}
