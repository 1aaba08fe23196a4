package led

import (
	"fmt"
	"math"
	"math/rand/v2"
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
	Epochs       int     // Maximum number of epochs.
	BatchSize    int     // Mini-batch size (report: 32).
	LearningRate float64 // Adam learning rate (default 1e-3 when 0).
	Patience     int     // Stop after this many epochs without validation improvement (0: never).
	Loss         string  // "mse" (default) or "mae".
	Seed         uint64  // Shuffling seed.
	// StepsPerEpoch caps the mini-batches per epoch (0: one pass over the data).
	StepsPerEpoch int
	// Schedule of the learning rate: "" or "constant" keeps LearningRate; "cosine" decays it along
	// half a cosine from LearningRate at the first step to FinalLR at the last step of Epochs.
	Schedule string `json:",omitempty"`
	// FinalLR is the learning rate the cosine schedule ends at (default LearningRate/100 when 0).
	FinalLR float64 `json:",omitempty"`
	// Checkpoint is the file the run is saved to after every epoch (atomically) and resumed from;
	// "" disables checkpointing. The best weights go to Checkpoint + ".best".
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

// trainMeta is saved in checkpoints.
type trainMeta struct {
	Epoch, BestEpoch, Bad int
	BestVal               float64
	History               training.History
	Done                  bool
	Stopped               string
	Seconds               float64
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

// snapshot copies every variable value of the store (the best weights so far).
func snapshot(store *model.Store) (map[string]*tensors.Tensor, error) {
	m := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		c, err := t.LocalClone()
		if err != nil {
			return nil, err
		}
		m[v.Path()] = c
	}
	return m, nil
}

func restore(store *model.Store, snap map[string]*tensors.Tensor) error {
	for path, t := range snap {
		if v := store.GetVariable(path); v != nil {
			c, err := t.LocalClone()
			if err != nil {
				return err
			}
			if err := v.SetValue(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// LearningRateAt returns the learning rate of the schedule at a 0-based step of total steps.
func (c TrainConfig) LearningRateAt(step, total int) float64 {
	lr := c.LearningRate
	if lr == 0 {
		lr = 1e-3
	}
	if !strings.EqualFold(c.Schedule, "cosine") || total <= 1 {
		return lr
	}
	final := c.FinalLR
	if final == 0 {
		final = lr / 100
	}
	frac := min(max(float64(step)/float64(total-1), 0), 1)
	return final + (lr-final)*0.5*(1+math.Cos(math.Pi*frac))
}

// fit trains the model whose loss graph is loss(scope, x, y) on train, with early stopping on val.
func fit(b compute.Backend, store *model.Store, loss func(scope *model.Scope, x, y *Node) *Node,
	train, val *dataset, cfg TrainConfig) (*TrainResult, error) {
	if cfg.Epochs < 1 || cfg.BatchSize < 1 {
		return nil, fmt.Errorf("Epochs=%d and BatchSize=%d must be >= 1", cfg.Epochs, cfg.BatchSize)
	}
	if cfg.LearningRate == 0 {
		cfg.LearningRate = 1e-3
	}
	if !(cfg.LearningRate > 0) || cfg.Patience < 0 || cfg.StepsPerEpoch < 0 {
		return nil, fmt.Errorf("LearningRate=%g must be > 0, Patience=%d and StepsPerEpoch=%d >= 0", cfg.LearningRate, cfg.Patience, cfg.StepsPerEpoch)
	}
	if k := strings.ToLower(cfg.Loss); k != "" && k != "mse" && k != "mae" {
		return nil, fmt.Errorf("unknown loss %q (mse or mae)", cfg.Loss)
	}
	if k := strings.ToLower(cfg.Schedule); k != "" && k != "constant" && k != "cosine" {
		return nil, fmt.Errorf("unknown learning-rate schedule %q (constant or cosine)", cfg.Schedule)
	}
	if cfg.FinalLR < 0 || cfg.FinalLR > cfg.LearningRate {
		return nil, fmt.Errorf("FinalLR=%g must be in [0, LearningRate=%g]", cfg.FinalLR, cfg.LearningRate)
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
		return nil, err
	}
	evalExec, err := model.NewExec(b, store, loss)
	if err != nil {
		return nil, err
	}

	meta := trainMeta{BestVal: math.Inf(1), BestEpoch: -1}
	var best map[string]*tensors.Tensor
	run := training.NewRun(cfg.Checkpoint, store)
	if cfg.Checkpoint != "" {
		found, err := run.Load(&meta)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if found {
			bestStore := model.NewStore()
			if ok, err := training.LoadCheckpoint(cfg.Checkpoint+".best", bestStore, nil); err != nil {
				return nil, fmt.Errorf("resume best weights: %w", err)
			} else if ok {
				if best, err = snapshot(bestStore); err != nil {
					return nil, err
				}
			}
			if meta.Done && meta.Stopped == "epochs" && meta.Epoch < cfg.Epochs {
				meta.Done = false // a larger epoch budget continues a run that ran out of epochs
			}
			if meta.Done {
				res := &TrainResult{History: meta.History, Epochs: meta.Epoch, BestEpoch: meta.BestEpoch, BestVal: meta.BestVal,
					Stopped: "finished earlier (" + meta.Stopped + ")", Seconds: meta.Seconds}
				return res, nil
			}
		}
	}

	run.Start(meta.Seconds)
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(meta.Epoch)))
	perm := make([]int, train.n)
	for i := range perm {
		perm[i] = i
	}
	save := func() error {
		meta.Seconds = run.Seconds()
		return run.Save(meta)
	}
	evaluate := func(d *dataset) (float64, error) {
		sum, cnt := 0.0, 0
		idx := make([]int, 0, bs)
		for s := 0; s+bs <= d.n; s += bs { // full batches only: one compiled graph
			idx = idx[:0]
			for i := s; i < s+bs; i++ {
				idx = append(idx, i)
			}
			x, y := d.batch(idx)
			out, err := evalExec.Exec(x, y)
			if err != nil {
				return 0, err
			}
			sum += float64(tensors.ToScalar[float32](out[0]))
			cnt++
		}
		if cnt == 0 { // fewer samples than a batch: evaluate them all at once
			idx = idx[:0]
			for i := 0; i < d.n; i++ {
				idx = append(idx, i)
			}
			x, y := d.batch(idx)
			out, err := evalExec.Exec(x, y)
			if err != nil {
				return 0, err
			}
			return float64(tensors.ToScalar[float32](out[0])), nil
		}
		return sum / float64(cnt), nil
	}

	stopped := "epochs"
	step := 0
	for meta.Epoch < cfg.Epochs {
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		steps := train.n / bs
		if cfg.StepsPerEpoch > 0 {
			steps = min(steps, cfg.StepsPerEpoch)
		}
		sum := 0.0
		for k := 0; k < steps; k++ {
			lr := cfg.LearningRateAt(meta.Epoch*stepsPerEpoch+k, cfg.Epochs*stepsPerEpoch)
			if err := lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
				return nil, fmt.Errorf("setting the learning rate: %w", err)
			}
			x, y := train.batch(perm[k*bs : (k+1)*bs])
			out, err := stepExec.Exec(x, y)
			if err != nil {
				return nil, err
			}
			l := float64(tensors.ToScalar[float32](out[0]))
			if err := training.CheckFinite(step, "loss", l); err != nil {
				return nil, err
			}
			sum += l
			step++
			if training.Interrupted() {
				meta.Seconds = run.Seconds()
				return nil, run.Stop(meta, "epoch %d", meta.Epoch)
			}
		}
		trainLoss := sum / float64(steps)
		valLoss := math.NaN()
		improved := false
		if val != nil {
			var err error
			if valLoss, err = evaluate(val); err != nil {
				return nil, err
			}
			if err := training.CheckFinite(step, "validation loss", valLoss); err != nil {
				return nil, err
			}
			if valLoss < meta.BestVal {
				improved = true
				meta.BestVal, meta.BestEpoch, meta.Bad = valLoss, meta.Epoch, 0
				if best, err = snapshot(store); err != nil {
					return nil, err
				}
				if cfg.Checkpoint != "" {
					if err := training.SaveCheckpoint(cfg.Checkpoint+".best", store, nil); err != nil {
						return nil, err
					}
				}
			} else {
				meta.Bad++
			}
		}
		meta.History.Add(meta.Epoch, map[string]float64{"train": trainLoss, "val": valLoss})
		meta.Epoch++
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(EpochStats{Epoch: meta.Epoch, Epochs: cfg.Epochs, Train: trainLoss, Val: valLoss, Best: improved,
				Elapsed: run.Elapsed()})
		}
		if cfg.Patience > 0 && meta.Bad >= cfg.Patience {
			stopped = "early stopping"
			break
		}
		if err := save(); err != nil {
			return nil, err
		}
	}
	if best != nil {
		if err := restore(store, best); err != nil {
			return nil, fmt.Errorf("restoring the best weights: %w", err)
		}
	}
	meta.Done, meta.Stopped = true, stopped
	if err := save(); err != nil {
		return nil, err
	}
	return &TrainResult{History: meta.History, Epochs: meta.Epoch, BestEpoch: meta.BestEpoch, BestVal: meta.BestVal,
		Stopped: stopped, Seconds: meta.Seconds}, nil
}
