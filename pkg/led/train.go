package led

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// TrainConfig controls a training run (Adam, mini-batches, early stopping on the validation loss).
type TrainConfig struct {
	// Deadline stops training at this wall-clock time, with the checkpoint saved (an error
	// wrapping training.ErrStopped; run again to resume). Zero: no limit.
	Deadline     time.Time `json:"-"`
	Epochs       int       // Maximum number of epochs.
	BatchSize    int       // Mini-batch size (report: 32).
	LearningRate float64   // Adam learning rate (default 1e-3 when 0).
	Patience     int       // Stop after this many epochs without validation improvement (0: never).
	Loss         string    // "mse" (default) or "mae".
	Seed         uint64    // Shuffling seed.
	// StepsPerEpoch caps the mini-batches per epoch (0: one pass over the data).
	StepsPerEpoch int
	// Schedule of the learning rate: "" or "constant" keeps LearningRate; "cosine" decays it along
	// half a cosine from LearningRate at the first step to FinalLR at the last step of Epochs.
	Schedule string `json:",omitempty"`
	// FinalLR is the learning rate the cosine schedule ends at (default LearningRate/100 when 0).
	FinalLR float64 `json:",omitempty"`
	// Checkpoint is the file the run is saved to (atomically, every 30 s, on an interrupt and at
	// the end) and resumed from; "" disables checkpointing. The best weights go to
	// training.BestPath(Checkpoint).
	Checkpoint string `json:"-"`
	// OnEpoch, when set, is called after every epoch (for progress bars and live loss charts).
	OnEpoch func(EpochStats) `json:"-"`
}

// EpochStats is what OnEpoch receives.
type EpochStats struct {
	Epoch, Epochs int
	Train, Val    float64 // Mean losses (Val is NaN without validation data).
	Best          bool    // Val improved.
	Elapsed       time.Duration
}

// TrainResult summarises a training run.
type TrainResult struct {
	History   training.History // Series "train" and "val" per epoch.
	Epochs    int              // Epochs run in total (including resumed ones).
	BestEpoch int
	BestVal   float64
	Stopped   string // Why training stopped: "epochs", "early stopping" or "finished earlier" (resumed a completed run).
	Seconds   float64
}

// CheckpointPath returns <cache dir>/led/<name>-<hash of cfg>.ckpt: a checkpoint file keyed by the
// configuration that produced it, so a changed configuration never resumes a stale run.
func CheckpointPath(name string, cfg any) (string, error) {
	return training.CheckpointPath(cfg, name, "led")
}

// dataset holds n input/target pairs as flat float32 arrays.
type dataset struct {
	x, y         []float32
	xDims, yDims []int
	n            int
}

func newDataset(x, y []float32, xDims, yDims []int) (*dataset, error) {
	xs, ys := prod(xDims), prod(yDims)
	if len(x)%xs != 0 || len(x) == 0 {
		return nil, fmt.Errorf("%d input values are not a positive number of samples of shape %v", len(x), xDims)
	}
	n := len(x) / xs
	if len(y) != n*ys {
		return nil, fmt.Errorf("%d input samples but %d target values (want %d of shape %v)", n, len(y), n*ys, yDims)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("input value %d is %g", i, v)
		}
	}
	for i, v := range y {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("target value %d is %g", i, v)
		}
	}
	return &dataset{x: x, y: y, xDims: xDims, yDims: yDims, n: n}, nil
}

// batch gathers samples idx into tensors.
func (d *dataset) batch(idx []int) (*tensors.Tensor, *tensors.Tensor) {
	xs, ys := prod(d.xDims), prod(d.yDims)
	bx := make([]float32, 0, len(idx)*xs)
	by := make([]float32, 0, len(idx)*ys)
	for _, i := range idx {
		bx = append(bx, d.x[i*xs:(i+1)*xs]...)
		by = append(by, d.y[i*ys:(i+1)*ys]...)
	}
	return tensorOf(bx, append([]int{len(idx)}, d.xDims...)), tensorOf(by, append([]int{len(idx)}, d.yDims...))
}

func tensorOf(data []float32, dims []int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

func flatOf(t *tensors.Tensor) ([]float32, error) {
	return tensors.CopyFlatData[float32](t)
}

// lossFn is the mean squared (or absolute) error between prediction and target.
func lossFn(kind string, pred, target *Node) *Node {
	d := Sub(pred, target)
	if strings.ToLower(kind) == "mae" {
		return ReduceAllMean(Abs(d))
	}
	return ReduceAllMean(Square(d))
}

// Validate checks the configuration; errors name the field, its value and what is allowed.
func (c TrainConfig) Validate() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("led.TrainConfig: "+format, args...) }
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	lr := c.LearningRate
	if lr == 0 {
		lr = 1e-3
	}
	switch {
	case c.Epochs < 1:
		return bad("Epochs=%d must be >= 1", c.Epochs)
	case c.BatchSize < 1:
		return bad("BatchSize=%d must be >= 1", c.BatchSize)
	case !(c.LearningRate >= 0) || !finite(c.LearningRate):
		return bad("LearningRate=%g must be finite and > 0 (0: the default 1e-3)", c.LearningRate)
	case c.Patience < 0:
		return bad("Patience=%d must be >= 0 (0: no early stopping)", c.Patience)
	case c.StepsPerEpoch < 0:
		return bad("StepsPerEpoch=%d must be >= 0 (0: one pass over the data)", c.StepsPerEpoch)
	case !slices.Contains([]string{"", "mse", "mae"}, strings.ToLower(c.Loss)):
		return bad("Loss=%q unknown (mse or mae)", c.Loss)
	case !slices.Contains([]string{"", "constant", "cosine"}, strings.ToLower(c.Schedule)):
		return bad("Schedule=%q unknown (constant or cosine)", c.Schedule)
	case !(c.FinalLR >= 0) || !finite(c.FinalLR) || c.FinalLR > lr:
		return bad("FinalLR=%g must be finite and in [0, LearningRate=%g] (0: LearningRate/100)", c.FinalLR, lr)
	}
	return nil
}

// LearningRateAt returns the learning rate of the schedule at a 0-based step of total steps.
func (c TrainConfig) LearningRateAt(step, total int) float64 {
	lr := c.LearningRate
	if lr == 0 {
		lr = 1e-3
	}
	if !strings.EqualFold(c.Schedule, "cosine") {
		return lr
	}
	return training.CosineLR(lr, c.FinalLR, step, total)
}

// fit trains the model whose loss graph is loss(scope, x, y) on train with Adam on shuffled
// mini-batches, on a training.Loop named name whose checkpoints carry id: early stopping on the
// validation loss val (nil: none) with the best weights restored, the learning rate of
// cfg.LearningRateAt set before every step, cfg.OnEpoch called after every epoch.
func fit(name string, id training.Identity, b compute.Backend, store *model.Store, loss func(scope *model.Scope, x, y *Node) *Node,
	train, val *dataset, cfg TrainConfig) (*TrainResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if cfg.LearningRate == 0 {
		cfg.LearningRate = 1e-3
	}
	bs := min(cfg.BatchSize, train.n)
	stepsPerEpoch := train.n / bs
	if cfg.StepsPerEpoch > 0 {
		stepsPerEpoch = min(stepsPerEpoch, cfg.StepsPerEpoch)
	}
	lrVar := optimizer.LearningRateVar(store.RootScope(), dtypes.Float32, cfg.LearningRate)
	opt := optimizer.Adam().Done()
	stepExec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		scope.Store().SetTraining(x.Graph(), true)
		l := loss(scope, x, y)
		opt.UpdateGraph(scope, x.Graph(), l)
		return l
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	evalExec, err := model.NewExec(b, store, loss)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	order := &shuffle{seed: cfg.Seed, n: train.n}
	ran := false // an epoch ended in this call: a resumed run that returns at once had finished earlier
	loop := &training.Loop{
		Name: name, Store: store, Checkpoint: cfg.Checkpoint, Identity: id, Deadline: cfg.Deadline,
		Epochs: cfg.Epochs, StepsPerEpoch: stepsPerEpoch, LossNames: []string{"train"},
		Step: func(s *training.State) ([]float64, error) {
			lr := cfg.LearningRateAt(s.Epoch*stepsPerEpoch+s.Batch, s.Epochs*stepsPerEpoch)
			if err := lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
				return nil, fmt.Errorf("setting the learning rate: %w", err)
			}
			x, y := train.batch(order.at(s.Epoch)[s.Batch*bs : (s.Batch+1)*bs])
			out, err := stepExec.Exec(x, y)
			if err != nil {
				return nil, err
			}
			return []float64{float64(tensors.ToScalar[float32](out[0]))}, nil
		},
		Evaluate: func(*training.State) (map[string]float64, error) {
			if val == nil {
				return map[string]float64{"val": math.NaN()}, nil
			}
			v, err := evaluate(evalExec, val, bs)
			return map[string]float64{"val": v}, err
		},
		OnEpoch: []func(*training.State) error{func(s *training.State) error {
			ran = true
			if cfg.OnEpoch != nil {
				cfg.OnEpoch(EpochStats{Epoch: s.Epoch, Epochs: s.Epochs, Train: s.Record["train"], Val: s.Record["val"],
					Best: val != nil && s.Bad == 0 && s.BestEpoch == s.Epoch-1, Elapsed: s.Elapsed})
			}
			return nil
		}},
	}
	if val != nil {
		loop.Monitor, loop.Patience, loop.RestoreBest = "val", cfg.Patience, true
	}
	st, err := loop.Run()
	if err != nil {
		return nil, err
	}
	res := &TrainResult{History: st.History, Epochs: st.Epoch, BestEpoch: st.BestEpoch, BestVal: st.Best,
		Stopped: st.Stopped, Seconds: st.Seconds}
	if st.Resumed && !ran {
		res.Stopped = "finished earlier (" + st.Stopped + ")"
	}
	return res, nil
}

// shuffle is the order of the training samples in each epoch: the identity permutation shuffled
// once per epoch, in turn, by one generator seeded with (seed, 0). at replays the shuffles from the
// start when a run resumes, so a resumed run sees the batches of an uninterrupted one.
type shuffle struct {
	seed  uint64
	n     int
	rng   *rand.Rand
	perm  []int
	epoch int // the epoch perm belongs to
}

func (o *shuffle) at(epoch int) []int {
	if o.perm == nil || epoch < o.epoch {
		o.rng, o.perm, o.epoch = rand.New(rand.NewPCG(o.seed, 0)), make([]int, o.n), -1
		for i := range o.perm {
			o.perm[i] = i
		}
	}
	for ; o.epoch < epoch; o.epoch++ {
		o.rng.Shuffle(o.n, func(i, j int) { o.perm[i], o.perm[j] = o.perm[j], o.perm[i] })
	}
	return o.perm
}

// evaluate returns the mean loss of evalExec over the full batches of bs samples of d (one compiled
// graph), or over all of d at once when it holds fewer than bs samples.
func evaluate(evalExec *model.Exec, d *dataset, bs int) (float64, error) {
	if d.n < bs {
		bs = d.n
	}
	sum, cnt := 0.0, 0
	idx := make([]int, bs)
	for s := 0; s+bs <= d.n; s += bs {
		for i := range idx {
			idx[i] = s + i
		}
		x, y := d.batch(idx)
		out, err := evalExec.Exec(x, y)
		if err != nil {
			return 0, err
		}
		sum += float64(tensors.ToScalar[float32](out[0]))
		cnt++
	}
	return sum / float64(cnt), nil
}
