package autoencoder

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// Data is a training, validation or test set: N samples of dimension Dim, row-major. DDX is only
// needed by second-order models.
type Data struct {
	N, Dim     int
	X, DX, DDX []float32
}

func (d Data) validate(cfg Config, name string) error {
	switch {
	case d.N <= 0:
		return fmt.Errorf("autoencoder: %s data is empty", name)
	case d.Dim != cfg.InputDim:
		return fmt.Errorf("autoencoder: %s data has dimension %d, the model expects %d", name, d.Dim, cfg.InputDim)
	case len(d.X) != d.N*d.Dim || len(d.DX) != d.N*d.Dim:
		return fmt.Errorf("autoencoder: %s data: X has %d and DX %d values, want N·Dim = %d", name, len(d.X), len(d.DX), d.N*d.Dim)
	case cfg.ModelOrder == 2 && len(d.DDX) != d.N*d.Dim:
		return fmt.Errorf("autoencoder: %s data: DDX has %d values, a second-order model needs %d", name, len(d.DDX), d.N*d.Dim)
	}
	arrays := []struct {
		name string
		a    []float32
	}{{"X", d.X}, {"DX", d.DX}}
	if cfg.ModelOrder == 2 {
		arrays = append(arrays, struct {
			name string
			a    []float32
		}{"DDX", d.DDX})
	}
	for _, a := range arrays {
		for i, v := range a.a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("autoencoder: %s data: %s is %g at sample %d, component %d; values must be finite", name, a.name, v, i/d.Dim, i%d.Dim)
			}
		}
	}
	return nil
}

// validate checks the options; errors name the field.
func (o TrainOptions) validate() error {
	switch {
	case o.CheckpointEvery < 0:
		return fmt.Errorf("autoencoder: TrainOptions.CheckpointEvery=%s must be >= 0 (0: 30 s)", o.CheckpointEvery)
	case o.StopAfter < 0:
		return fmt.Errorf("autoencoder: TrainOptions.StopAfter=%d must be >= 0 (0: no limit)", o.StopAfter)
	case o.MaxDuration < 0:
		return fmt.Errorf("autoencoder: TrainOptions.MaxDuration=%s must be >= 0 (0: no limit)", o.MaxDuration)
	}
	return nil
}

// TrainOptions control Train.
type TrainOptions struct {
	// Checkpoint is the file of the training state (weights, Adam's moments, mask, history). When it
	// exists, training resumes from it; it is rewritten atomically every CheckpointEvery, when
	// training stops and on an interrupt. Empty: no checkpoint.
	Checkpoint      string
	CheckpointEvery time.Duration // Default 30 s.
	// Show displays a progress bar and a live loss chart (in a notebook; text lines on a terminal).
	Show bool
	// Log receives one line per evaluation and the equations left by each thresholding (nil: none).
	Log io.Writer
	// OnEval is called after every evaluation (optional).
	OnEval func(Progress)
	// StopAfter stops training (saving the checkpoint, returning ErrStopped) after this many epochs
	// in this call (0: no limit). Useful for tests of resuming and for time-boxed runs.
	StopAfter int
	// MaxDuration stops training like StopAfter once this much wall time has passed in this call (0: no limit).
	MaxDuration time.Duration
	// OnThreshold is called after every sequential thresholding with the epoch and the model (its
	// Mask and SINDy show what survived). A non-nil error stops training: the checkpoint is saved
	// and Train returns the error, wrapped. Use it to stop a run whose structure is already decided
	// against it (for example, one that lost a term the model needs) instead of training it for hours.
	OnThreshold func(epoch int, m *Model) error
}

// ErrStopped is returned (wrapped) when training stops early because of StopAfter or MaxDuration;
// the checkpoint holds the state to resume from. It is training.ErrStopped.
var ErrStopped = training.ErrStopped

// Progress is reported after each evaluation.
type Progress struct {
	Epoch, TotalEpochs int
	Refining           bool
	Train              Metrics // Mean losses over the epoch's batches (relative errors are not set).
	Val                Metrics // Validation losses and relative errors.
	Active             int     // Active coefficients.
	Elapsed            time.Duration
}

// State is the training state saved with every checkpoint and returned by Train.
type State struct {
	Config      Config // The model's configuration (so Load can rebuild the model).
	Key         string // Hash of the configuration the state belongs to.
	Epoch       int    // Completed epochs (both phases).
	RefineStart int    // Epoch at which refinement started, -1 before.
	Mask        []float32
	// History holds, per evaluation, the train means of the step losses ("train loss", "train
	// decoder", "train sindy x", "train sindy z", "train l1"), the validation losses and relative
	// errors ("val loss", "val decoder", "val sindy x", "val sindy z", "val l1", "val rel x", "val rel dx",
	// "val rel dz") and the active terms ("active").
	History    training.History
	Thresholds []int   // Active terms after each thresholding.
	Elapsed    float64 // Seconds of training so far, across resumes.
	Done       bool
	// Reopened lists the epochs at which a finished or refining run's main phase was reopened
	// because it was resumed with a longer Epochs (see Train).
	Reopened []int
}

// modelState is what a checkpoint holds besides training.State (Loop.Extra): the configuration
// (Load rebuilds the model from it), the phase, the mask and the thresholding record.
type modelState struct {
	Config      Config
	RefineStart int
	Mask        []float32
	Thresholds  []int
	Reopened    []int
	// Initialised records that InitSTLSQ has fitted Ξ (so a resumed run does not fit it again).
	Initialised bool
	// Rotated records that PrincipalLatents or SparseLatents has reparametrised the latents.
	Rotated bool
	// IsomapDone records that IsomapLatents has fitted the networks to the Isomap coordinates.
	IsomapDone bool
}

// state returns the State of a checkpoint: the loop's state ts and the model's ms.
func (ms *modelState) state(ts *training.State) *State {
	return &State{Config: ms.Config, Key: CheckpointKey(ms.Config), Epoch: ts.Epoch, RefineStart: ms.RefineStart,
		Mask: append([]float32(nil), ms.Mask...), History: ts.History, Thresholds: ms.Thresholds,
		Elapsed: ts.Seconds, Done: ts.Done, Reopened: ms.Reopened}
}

// checkpointKind is the model kind recorded in the checkpoints (training.Identity).
const checkpointKind = "sindy.Autoencoder"

// identity returns the checkpoint identity of a model of configuration cfg: its kind and the hash
// of everything but the schedule (epoch counts, thresholding and evaluation frequencies).
func identity(cfg Config) training.Identity {
	c := cfg
	c.Epochs, c.RefinementEpochs, c.EvalFrequency, c.ThresholdFrequency = 0, 0, 0, 0
	return training.NewIdentity(checkpointKind, c)
}

// CheckpointKey hashes the parts of the configuration that must match to resume: everything but the
// schedule (epoch counts, thresholding and evaluation frequencies), so a run can be continued with
// a longer schedule. It is the configuration hash of the checkpoints' training.Identity.
func CheckpointKey(cfg Config) string { return identity(cfg).Config }

// lossNames name the step's losses in the History.
var lossNames = []string{"train loss", "train decoder", "train sindy x", "train sindy z", "train l1"}

// Train runs Champion et al.'s training on a training.Loop: cfg.Epochs epochs of Adam on the full
// loss with sequential thresholding every ThresholdFrequency epochs, then RefinementEpochs epochs
// with a fresh Adam, no L1 term and the mask frozen. The validation set is evaluated every
// EvalFrequency epochs (0: never). A checkpoint that refined (or finished) resumed with a longer
// Epochs reopens the main phase at its epoch (State.Reopened), then refines again with a fresh Adam.
// A NaN or infinite loss stops training with an error wrapping training.ErrDiverged; an interrupt
// (SIGINT, SIGTERM) saves the checkpoint and returns an error wrapping training.ErrInterrupted.
func (m *Model) Train(train, val Data, opts TrainOptions) (*State, error) {
	cfg := m.cfg
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := train.validate(cfg, "training"); err != nil {
		return nil, err
	}
	if err := val.validate(cfg, "validation"); err != nil {
		return nil, err
	}
	if cfg.BatchSize > train.N {
		return nil, fmt.Errorf("autoencoder: batch size %d exceeds the %d training samples", cfg.BatchSize, train.N)
	}
	var ms modelState // zero: gob leaves the fields the checkpoint holds as zero values untouched
	refining := func() bool { return ms.RefineStart >= 0 }
	pre := cfg.PretrainEpochs // the main phase runs epochs pre .. pre+Epochs-1
	pretraining := func(epoch int) bool { return !refining() && epoch < pre }
	// Sequential thresholding after main-phase epoch i, i % freq == 0, i > 0 (as the paper's loop).
	thresholdDue := func(epoch int) bool {
		i := epoch - pre
		return !refining() && cfg.ThresholdFrequency > 0 && i > 0 && i%cfg.ThresholdFrequency == 0
	}
	fitData := subsample(train, cfg.FitSamples)
	if cfg.FitSamples == 0 {
		fitData = subsample(train, defaultFitSamples)
	}
	var prior float64 // seconds of training before this call
	elapsed := func(s *training.State) time.Duration {
		return time.Duration(prior*float64(time.Second)) + s.Elapsed
	}

	steps := train.N / cfg.BatchSize // the remainder is dropped, as in the paper
	bs, dim := cfg.BatchSize, cfg.InputDim
	bufX, bufDX := make([]float32, bs*dim), make([]float32, bs*dim)
	var bufDDX []float32
	if cfg.ModelOrder == 2 {
		bufDDX = make([]float32, bs*dim)
	}
	batchEpoch := -1 // the epoch perm and mask belong to
	var perm []int
	var mask *tensors.Tensor
	step := func(s *training.State) ([]float64, error) {
		if s.Epoch != batchEpoch {
			batchEpoch, mask = s.Epoch, m.maskTensor()
			if cfg.Shuffle {
				perm = rand.New(rand.NewPCG(cfg.Seed, uint64(s.Epoch)+1)).Perm(train.N)
			}
		}
		exec, err := m.getStepExec(refining())
		if pretraining(s.Epoch) {
			exec, err = m.getPretrainExec()
		}
		if err != nil {
			return nil, err
		}
		if cfg.LRDecay != "" {
			// The phase's step and length: the main phase, then the refinement, each decays.
			start, n := pre, cfg.Epochs
			if refining() {
				start, n = ms.RefineStart, cfg.RefinementEpochs
			}
			lr := cfg.LearningRate
			if !pretraining(s.Epoch) {
				lr = cfg.learningRateAt((s.Epoch-start)*steps+s.Batch, n*steps)
			}
			// The variable all three Adams read (they create it with LearningRate otherwise).
			lrVar := optimizer.LearningRateVar(m.store.RootScope(), dtypes.Float32, cfg.LearningRate)
			if err := lrVar.SetValue(tensors.FromScalar(float32(lr))); err != nil {
				return nil, fmt.Errorf("setting the learning rate: %w", err)
			}
		}
		fill := func(dst, src []float32) {
			for r := range bs {
				i := s.Batch*bs + r
				if perm != nil {
					i = perm[i]
				}
				copy(dst[r*dim:(r+1)*dim], src[i*dim:(i+1)*dim])
			}
		}
		fill(bufX, train.X)
		fill(bufDX, train.DX)
		args := []any{mask, tensors.FromFlatDataAndDimensions(bufX, bs, dim), tensors.FromFlatDataAndDimensions(bufDX, bs, dim)}
		if bufDDX != nil {
			fill(bufDDX, train.DDX)
			args = append(args, tensors.FromFlatDataAndDimensions(bufDDX, bs, dim))
		}
		outs, err := exec.Call(args...)
		if err != nil {
			return nil, err
		}
		losses := make([]float64, len(lossNames))
		for k := range losses {
			losses[k] = float64(tensors.ToScalar[float32](outs[k]))
		}
		// Threshold after the epoch's last step, so that the epoch's record sees the new mask.
		if s.Batch == steps-1 && thresholdDue(s.Epoch) {
			if err := m.thresholdAndLog(s.Epoch, &ms, fitData, opts.Log); err != nil {
				return nil, err
			}
		}
		return losses, nil
	}

	loop := &training.Loop{
		Name:            "autoencoder",
		Store:           m.store,
		Checkpoint:      opts.Checkpoint,
		Identity:        identity(cfg),
		Epochs:          pre + cfg.Epochs + cfg.RefinementEpochs,
		StepsPerEpoch:   steps,
		Step:            step,
		LossNames:       lossNames,
		EvalEvery:       cfg.EvalFrequency,
		CheckpointEvery: opts.CheckpointEvery,
		MaxTime:         opts.MaxDuration,
		StopAfter:       opts.StopAfter,
		Extra:           &ms,
		Show:            opts.Show,
		ChartSeries:     []string{"train loss", "val loss"},
		OnResume: func(l *training.Loop, s *training.State) error {
			prior = s.Seconds
			if !s.Resumed || len(s.Extra) == 0 {
				ms = modelState{RefineStart: -1, Mask: m.mask}
			}
			ms.Config = cfg
			if len(ms.Mask) != len(m.mask) {
				return fmt.Errorf("checkpoint %s: mask has %d entries, want %d", opts.Checkpoint, len(ms.Mask), len(m.mask))
			}
			copy(m.mask, ms.Mask)
			ms.Mask = m.mask // saved as it changes
			if refining() && pre+cfg.Epochs > s.Epoch {
				// Resumed with a longer main phase than the checkpoint ran: go back to it (with
				// L1 and thresholding) from the current weights; a fresh refinement follows.
				if opts.Log != nil {
					fmt.Fprintf(opts.Log, "checkpoint refined from epoch %d to %d; Epochs = %d reopens the main phase at epoch %d\n",
						ms.RefineStart, s.Epoch, pre+cfg.Epochs, s.Epoch)
				}
				ms.Reopened = append(ms.Reopened, s.Epoch)
				ms.RefineStart = -1
			}
			if refining() {
				l.Epochs = ms.RefineStart + cfg.RefinementEpochs
			}
			return nil
		},
		OnEpochStart: func(s *training.State) error {
			if cfg.IsomapLatents > 0 && !ms.IsomapDone && s.Epoch == 0 {
				epochs := cfg.IsomapEpochs
				if epochs == 0 {
					epochs = 200
				}
				r, err := m.IsomapStart(train, IsomapOptions{Samples: cfg.IsomapLatents, Epochs: epochs, Log: opts.Log, Alive: s.Alive})
				if err != nil {
					return err
				}
				ms.IsomapDone = true
				if opts.Log != nil {
					fmt.Fprintf(opts.Log, "epoch 0: networks fitted to the Isomap coordinates of %d samples (k = %d, unexplained %.2g): encoder error %.3g, decoder relative error %.3g (%s)\n",
						r.Samples, r.Neighbors, r.Residual, r.EncoderError, r.DecoderError, r.Took.Round(time.Second))
				}
			}
			if (cfg.PrincipalLatents || cfg.SparseLatents > 0) && !ms.Rotated && !refining() && s.Epoch >= pre {
				ms.Rotated = true
				if cfg.PrincipalLatents {
					std, err := m.PrincipalLatents(fitData)
					if err != nil {
						return err
					}
					if opts.Log != nil {
						fmt.Fprintf(opts.Log, "epoch %d: latents centred, on their principal axes (standard deviations %.3g) and scaled to unit variance\n", s.Epoch, std)
					}
				}
				if cfg.SparseLatents > 0 {
					t0 := time.Now()
					r, err := m.SparseLatents(fitData, cfg.SparseLatents)
					if err != nil {
						return err
					}
					if opts.Log != nil {
						fmt.Fprintf(opts.Log, "epoch %d: latents moved to the coordinates where %d terms fit best: relative residual %.3g -> %.3g (%d coordinate systems scored in %s)\n",
							s.Epoch, r.Terms, r.Before, r.After, r.Candidates, time.Since(t0).Round(time.Second))
					}
				}
			}
			if cfg.InitSTLSQ && !ms.Initialised && !refining() && s.Epoch >= pre {
				ms.Initialised = true
				th := cfg.InitThreshold
				if th == 0 {
					th = cfg.Threshold
				}
				n, err := m.FitSTLSQ(fitData, th)
				if err != nil {
					return err
				}
				if opts.Log != nil {
					fmt.Fprintf(opts.Log, "epoch %d: Ξ initialised by STLSQ at %g on the encoder's latents: %d active coefficients\n", s.Epoch, th, n)
					m.logEquations(opts.Log)
				}
			}
			if !refining() && s.Epoch >= pre+cfg.Epochs {
				ms.RefineStart = s.Epoch
				return m.resetRefinementOptimizer()
			}
			return nil
		},
		OnEpoch: []func(s *training.State) error{
			func(s *training.State) error {
				if epoch := s.Epoch - 1; thresholdDue(epoch) && opts.OnThreshold != nil {
					if err := opts.OnThreshold(epoch, m); err != nil {
						return fmt.Errorf("the thresholding at epoch %d: %w", epoch, err)
					}
				}
				return nil
			},
			func(s *training.State) error {
				if _, ok := s.Record["val loss"]; ok {
					m.report(s, refining(), elapsed(s), opts)
				}
				return nil
			},
		},
	}
	if cfg.EvalFrequency > 0 {
		loop.Evaluate = func(*training.State) (map[string]float64, error) {
			vm, err := m.Evaluate(val)
			if err != nil {
				return nil, err
			}
			return map[string]float64{"val loss": vm.Loss, "val decoder": vm.Decoder, "val sindy x": vm.SindyX,
				"val sindy z": vm.SindyZ, "val l1": vm.L1, "val rel x": vm.RelX, "val rel dx": vm.RelXDeriv, "val rel dz": vm.RelZDeriv,
				"active": float64(m.ActiveTerms())}, nil
		}
	} else {
		loop.EvalEvery = loop.Epochs // no evaluation: the step means of the first and last epochs only
	}
	ts, err := loop.Run()
	if ts == nil {
		return nil, err
	}
	return ms.state(ts), err
}

// thresholdAndLog thresholds Ξ after epoch (or, with RefitSTLSQ, refits it by STLSQ on the
// encoder's latents of fit), records the active terms in ms and logs them with the surviving
// equations.
func (m *Model) thresholdAndLog(epoch int, ms *modelState, fit Data, log io.Writer) error {
	var n int
	var err error
	how, th := "thresholding", m.cfg.thresholdAt(len(ms.Thresholds))
	if m.cfg.RefitSTLSQ {
		n, err = m.FitSTLSQ(fit, th)
		how = "STLSQ refit"
	} else {
		n, err = m.Threshold(th)
	}
	if err != nil {
		return err
	}
	ms.Thresholds = append(ms.Thresholds, n)
	if log != nil {
		fmt.Fprintf(log, "epoch %d: %s at %g: %d active coefficients\n", epoch, how, th, n)
		m.logEquations(log) // the surviving terms: the structure is decided here
	}
	return nil
}

// logEquations writes the model's equations to log, one per line.
func (m *Model) logEquations(log io.Writer) {
	if sm, err := m.SINDy(); err == nil {
		for _, eq := range sm.Equations(3) {
			fmt.Fprintf(log, "  %s\n", eq)
		}
	}
}

// report logs the evaluation recorded after the epoch before s.Epoch and calls OnEval.
func (m *Model) report(s *training.State, refining bool, elapsed time.Duration, opts TrainOptions) {
	r := s.Record
	p := Progress{Epoch: s.Epoch - 1, TotalEpochs: s.Epochs, Refining: refining, Active: int(r["active"]), Elapsed: elapsed,
		Train: Metrics{Loss: r["train loss"], Decoder: r["train decoder"], SindyX: r["train sindy x"], SindyZ: r["train sindy z"], L1: r["train l1"]},
		Val: Metrics{Loss: r["val loss"], Decoder: r["val decoder"], SindyX: r["val sindy x"], SindyZ: r["val sindy z"], L1: r["val l1"],
			RelX: r["val rel x"], RelXDeriv: r["val rel dx"], RelZDeriv: r["val rel dz"]}}
	if opts.Log != nil {
		phase := "main"
		switch {
		case refining:
			phase = "refine"
		case p.Epoch < m.cfg.PretrainEpochs:
			phase = "pretrain"
		}
		fmt.Fprintf(opts.Log, "epoch %5d/%d (%s) train %.3e val %.3e | rel x %.2e dx %.2e dz %.2e | active %d | %s\n",
			p.Epoch, p.TotalEpochs, phase, p.Train.Loss, p.Val.Loss, p.Val.RelX, p.Val.RelXDeriv, p.Val.RelZDeriv, p.Active,
			p.Elapsed.Round(time.Second))
	}
	if opts.OnEval != nil {
		opts.OnEval(p)
	}
}

// resetRefinementOptimizer deletes the refinement phase's Adam state (moments and step count), so
// that every refinement starts with a fresh Adam, also after a reopened main phase.
func (m *Model) resetRefinementOptimizer() error {
	if err := m.store.DeleteVariablesInScope("/" + adamRefine); err != nil {
		return fmt.Errorf("autoencoder: reset the refinement optimizer: %w", err)
	}
	m.refineExec = nil
	return nil
}

func (m *Model) getStepExec(refine bool) (*model.Exec, error) {
	var err error
	if refine {
		if m.refineExec == nil {
			m.refineExec, err = m.stepExec(true, false)
		}
		return m.refineExec, err
	}
	if m.trainExec == nil {
		m.trainExec, err = m.stepExec(false, false)
	}
	return m.trainExec, err
}

// getPretrainExec returns the exec of one autoencoder-only step (Config.PretrainEpochs).
func (m *Model) getPretrainExec() (*model.Exec, error) {
	var err error
	if m.pretrainExec == nil {
		m.pretrainExec, err = m.stepExec(false, true)
	}
	return m.pretrainExec, err
}

// Step runs one Adam step of the main phase (with L1) on a batch given as tensors x, dx (and ddx
// for order 2) of shape [batch, InputDim], and returns the total loss before the step. It is what
// Train does per mini-batch, exposed for benchmarks and custom loops.
func (m *Model) Step(x, dx, ddx *tensors.Tensor) (float64, error) {
	exec, err := m.getStepExec(false)
	if err != nil {
		return 0, err
	}
	args := []any{m.maskTensor(), x, dx}
	if m.cfg.ModelOrder == 2 {
		args = append(args, ddx)
	}
	outs, err := exec.Call(args...)
	if err != nil {
		return 0, fmt.Errorf("autoencoder: step: %w", err)
	}
	return float64(tensors.ToScalar[float32](outs[0])), nil
}
