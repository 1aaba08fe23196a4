package onsagernet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// TrainConfig configures Train, after the original code's train_ode: Adam, gradient-norm clipping 1.0,
// ReduceLROnPlateau(factor 0.5) on the epoch training loss, min lr 5e-6. (The original uses AdamW with
// AMSGrad and no weight decay; GoMLX's Adam has no AMSGrad variant, so plain Adam is used.)
type TrainConfig struct {
	// Deadline stops training at this wall-clock time, with the checkpoint saved (an error
	// wrapping training.ErrStopped; run again to resume). Zero: no limit.
	Deadline time.Time `json:"-"`
	// Epochs and BatchSize: every epoch visits the training pairs once in a new random order.
	Epochs, BatchSize int
	// LR is the initial learning rate.
	LR float64
	// Patience (epochs without a relative improvement of 1e-4) before the learning rate is multiplied
	// by Factor, never below MinLR. Patience 0 keeps the learning rate constant.
	Patience    int
	Factor      float64
	MinLR       float64
	ClipNorm    float64 // Global gradient-norm clipping (0: none).
	Seed        uint64  // Shuffling seed.
	Checkpoint  string  // Checkpoint file ("" = none); training resumes from it.
	EvalBatches int     // Maximum test batches per evaluation (0: all).
}

// DefaultTrainConfig returns the paper's Lorenz recipe (fig. 6 script): batch 200, lr 0.0128,
// patience 25, factor 0.5, min lr 5e-6, clipping 1.0.
func DefaultTrainConfig(epochs int) TrainConfig {
	return TrainConfig{Epochs: epochs, BatchSize: 200, LR: 0.0128, Patience: 25, Factor: 0.5, MinLR: 5e-6,
		ClipNorm: 1, Seed: 1}
}

func (c TrainConfig) validate() error {
	if c.Epochs < 1 || c.BatchSize < 1 {
		return fmt.Errorf("onsagernet.Train: need Epochs >= 1 and BatchSize >= 1, got %d, %d", c.Epochs, c.BatchSize)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("onsagernet.Train: learning rate must be positive and finite, got %g", c.LR)
	}
	if c.Patience < 0 || (c.Patience > 0 && !(c.Factor > 0 && c.Factor < 1)) || c.MinLR < 0 || c.ClipNorm < 0 {
		return fmt.Errorf("onsagernet.Train: bad schedule: Patience=%d Factor=%g MinLR=%g ClipNorm=%g",
			c.Patience, c.Factor, c.MinLR, c.ClipNorm)
	}
	return nil
}

// EpochInfo is passed to Callbacks.OnEpoch after every epoch.
type EpochInfo struct {
	Epoch, Epochs   int
	Train, Test, LR float64
	Elapsed         time.Duration
}

// Callbacks observe training.
type Callbacks struct {
	OnEpoch func(EpochInfo)
}

// Result is what Train returns.
type Result struct {
	// Store holds the trained variables and the optimizer state.
	Store *model.Store
	// History has per-epoch series "train", "test" (the one-step loss) and "lr".
	History training.History
	// Epochs done and Seconds of training (summed over resumed runs).
	Epochs  int
	Seconds float64
	Resumed bool
}

// plateau is the state of ReduceLROnPlateau, saved in the checkpoint (training.Loop.Extra): the
// learning rate, the best epoch training loss and the epochs since it.
type plateau struct {
	LR, Best float64
	Bad      int
}

// CheckpointPath returns <cache dir>/onsagernet/<name>-<hash of parts>.ckpt.
func CheckpointPath(name string, parts ...any) (string, error) {
	return training.CheckpointPath(parts, name, "onsagernet")
}

// heunLoss builds the one-step loss mean_b ‖(ĥ₁ − h₁)/dt‖² with ĥ₁ = Heun(h₀, dt).
func heunLoss(net Net, scope *model.Scope, x0, x1 *Node, dt float64) *Node {
	k1 := net.Field(scope, x0)
	k2 := net.Field(scope, Add(x0, MulScalar(k1, dt)))
	pred := Add(x0, MulScalar(Add(k1, k2), dt/2))
	return ReduceAllMean(ReduceSum(Square(MulScalar(Sub(pred, x1), 1/dt)), 1))
}

type gradUpdater interface {
	UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType)
}

// Train fits net to the one-step pairs with the Heun (RK2) loss, evaluating on test (may be nil) after
// every epoch, on a training.Loop: with cfg.Checkpoint set it checkpoints atomically and resumes from an
// existing checkpoint (of the same net: another one is refused); on SIGINT/SIGTERM it saves and returns
// an error wrapping training.ErrInterrupted; a NaN or infinite loss returns an error wrapping
// training.ErrDiverged.
func Train(b compute.Backend, net Net, train, test *Pairs, cfg TrainConfig, cb Callbacks) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if net == nil {
		return nil, fmt.Errorf("onsagernet.Train: nil net")
	}
	if err := train.Validate(); err != nil {
		return nil, fmt.Errorf("onsagernet.Train: training pairs: %w", err)
	}
	if train.Dim != net.Dim() {
		return nil, fmt.Errorf("onsagernet.Train: pairs have dimension %d, the net %d", train.Dim, net.Dim())
	}
	if test != nil {
		if err := test.Validate(); err != nil {
			return nil, fmt.Errorf("onsagernet.Train: test pairs: %w", err)
		}
		if test.Dim != net.Dim() || test.Dt != train.Dt {
			return nil, fmt.Errorf("onsagernet.Train: test pairs (dim %d, dt %g) differ from training pairs (dim %d, dt %g)",
				test.Dim, test.Dt, train.Dim, train.Dt)
		}
	}
	dt := net.DType()
	store := model.NewStore()
	if err := net.Init(store); err != nil {
		return nil, fmt.Errorf("onsagernet.Train: %w", err)
	}
	sched := &plateau{LR: cfg.LR, Best: math.Inf(1)}
	lrVar := optimizer.LearningRateVar(store.RootScope(), dt, cfg.LR)
	setLR := func() error { return lrVar.SetValue(training.TensorFromFloat64s(dt, []float64{sched.LR})) }
	opt := optimizer.Adam().Done()
	upd, ok := opt.(gradUpdater)
	if !ok {
		return nil, fmt.Errorf("onsagernet.Train: optimizer does not accept gradients")
	}
	trainExec, err := model.NewExec(b, store, func(scope *model.Scope, x0, x1 *Node) *Node {
		loss := heunLoss(net, scope, x0, x1, train.Dt)
		grads := scope.BuildTrainableVariablesGradientsGraph(loss)
		if cfg.ClipNorm > 0 { // scale the gradients down to a global norm of at most ClipNorm
			sq := ReduceAllSum(Square(grads[0]))
			for _, g := range grads[1:] {
				sq = Add(sq, ReduceAllSum(Square(g)))
			}
			norm := Sqrt(sq)
			scale := Div(ConstAs(norm, cfg.ClipNorm), Max(norm, ConstAs(norm, cfg.ClipNorm)))
			for i := range grads {
				grads[i] = Mul(grads[i], scale)
			}
		}
		upd.UpdateGraphWithGradients(scope, grads, loss.DType())
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("onsagernet.Train: %w", err)
	}
	defer trainExec.Finalize()
	evalExec, err := model.NewExec(b, store, func(scope *model.Scope, x0, x1 *Node) *Node {
		return heunLoss(net, scope, x0, x1, train.Dt)
	})
	if err != nil {
		return nil, fmt.Errorf("onsagernet.Train: %w", err)
	}
	defer evalExec.Finalize()

	n, bs := train.N, min(cfg.BatchSize, train.N)
	x0, x1 := make([]float64, bs*train.Dim), make([]float64, bs*train.Dim)
	perm, permEpoch := []int(nil), -1
	loop := &training.Loop{
		Name: "onsagernet.Train", Store: store, Checkpoint: cfg.Checkpoint, Identity: net.Identity(), Deadline: cfg.Deadline,
		Epochs: cfg.Epochs, StepsPerEpoch: n / bs, LossNames: []string{"train"}, Extra: sched,
		OnResume: func(*training.Loop, *training.State) error { return setLR() },
		// Every epoch visits the pairs in its own random order (a function of the seed and the epoch).
		Step: func(s *training.State) ([]float64, error) {
			if permEpoch != s.Epoch {
				perm, permEpoch = rand.New(rand.NewPCG(cfg.Seed, uint64(s.Epoch))).Perm(n), s.Epoch
			}
			d := train.Dim
			for i, j := range perm[s.Batch*bs : (s.Batch+1)*bs] {
				copy(x0[i*d:(i+1)*d], train.X0[j*d:(j+1)*d])
				copy(x1[i*d:(i+1)*d], train.X1[j*d:(j+1)*d])
			}
			out, err := trainExec.Call(training.TensorFromFloat64s(dt, x0, bs, d), training.TensorFromFloat64s(dt, x1, bs, d))
			if err != nil {
				return nil, err
			}
			return []float64{scalarOf(out[0])}, nil
		},
		// The record holds the epoch's mean training loss, the test loss and the learning rate it used.
		Evaluate: func(*training.State) (map[string]float64, error) {
			rec := map[string]float64{"lr": sched.LR}
			if test != nil {
				v, err := evalPairs(evalExec, dt, test, bs, cfg.EvalBatches)
				if err != nil {
					return nil, err
				}
				rec["test"] = v
			}
			return rec, nil
		},
	}
	if cfg.Patience > 0 { // ReduceLROnPlateau on the epoch training loss
		loop.OnEpoch = append(loop.OnEpoch, func(s *training.State) error {
			if l := s.Record["train"]; l < sched.Best*(1-1e-4) {
				sched.Best, sched.Bad = l, 0
			} else if sched.Bad++; sched.Bad > cfg.Patience {
				sched.LR, sched.Bad = math.Max(sched.LR*cfg.Factor, cfg.MinLR), 0
				return setLR()
			}
			return nil
		})
	}
	if cb.OnEpoch != nil {
		loop.OnEpoch = append(loop.OnEpoch, func(s *training.State) error {
			te, ok := s.Record["test"]
			if !ok {
				te = math.NaN()
			}
			cb.OnEpoch(EpochInfo{Epoch: s.Epoch, Epochs: cfg.Epochs, Train: s.Record["train"], Test: te, LR: s.Record["lr"], Elapsed: s.Elapsed})
			return nil
		})
	}
	st, err := loop.Run()
	if st == nil {
		return nil, err
	}
	return &Result{Store: store, History: epochsDone(st), Epochs: st.Epoch, Seconds: st.Seconds, Resumed: st.Resumed}, err
}

// epochsDone returns the history of a checkpoint indexed by the number of epochs done, as Result.History
// is: training.Loop indexes its records by the epoch, from 0; the checkpoints written before it (format
// 1, the shipped models; they record no Steps) by the epochs done.
func epochsDone(st *training.State) training.History {
	h := st.History
	if st.Steps > 0 { // a training.Loop checkpoint
		h.Steps = slices.Clone(h.Steps)
		for i := range h.Steps {
			h.Steps[i]++
		}
	}
	return h
}

// evalPairs returns the mean one-step loss over p in batches of bs (at most maxBatches, 0 = all).
func evalPairs(exec *model.Exec, dt dtypes.DType, p *Pairs, bs, maxBatches int) (float64, error) {
	bs = min(bs, p.N)
	sum, k := 0.0, 0
	for i := 0; i+bs <= p.N; i += bs {
		if maxBatches > 0 && k >= maxBatches {
			break
		}
		out, err := exec.Call(training.TensorFromFloat64s(dt, p.X0[i*p.Dim:(i+bs)*p.Dim], bs, p.Dim), training.TensorFromFloat64s(dt, p.X1[i*p.Dim:(i+bs)*p.Dim], bs, p.Dim))
		if err != nil {
			return 0, err
		}
		sum += scalarOf(out[0])
		k++
	}
	return sum / float64(k), nil
}

// LoadTrained loads a checkpoint written by Train into a fresh store for net (for shipped models). It
// refuses a checkpoint of another net (kind or shape), and accepts the shipped models, written before
// checkpoints recorded their model, when they hold every variable of net with its shape.
func LoadTrained(path string, net Net) (*Result, error) {
	store := model.NewStore()
	id := net.Identity()
	id.Legacy = true
	var st training.State
	found, err := id.Load(path, store, &st)
	if err != nil {
		return nil, fmt.Errorf("onsagernet.LoadTrained: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("onsagernet.LoadTrained: no checkpoint at %s", path)
	}
	if _, err := net.Extract(store); err != nil {
		return nil, fmt.Errorf("onsagernet.LoadTrained: %s does not hold %s: %w", path, net, err)
	}
	return &Result{Store: store, History: epochsDone(&st), Epochs: st.Epoch, Seconds: st.Seconds}, nil
}
