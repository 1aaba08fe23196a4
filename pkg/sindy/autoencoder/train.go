package autoencoder

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/plotting"
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
	for _, a := range [][]float32{d.X, d.DX} {
		for i, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("autoencoder: %s data: non-finite value at sample %d", name, i/d.Dim)
			}
		}
	}
	return nil
}

// TrainOptions control Train.
type TrainOptions struct {
	// Checkpoint is the file of the training state (weights, Adam's moments, mask, history). When it
	// exists, training resumes from it; it is rewritten atomically every CheckpointEvery, at the end of
	// each phase and on an interrupt. Empty: no checkpoint.
	Checkpoint      string
	CheckpointEvery time.Duration // Default 30 s.
	// Show displays a progress bar and a live loss chart (in a notebook; text lines on a terminal).
	Show bool
	// Log receives one line per evaluation (nil: none).
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
// the checkpoint holds the state to resume from.
var ErrStopped = errors.New("training stopped early")

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
	History     training.History // Per evaluation: train/val losses, relative errors, active terms.
	Thresholds  []int            // Active terms after each thresholding.
	Elapsed     float64          // Seconds of training so far, across resumes.
	Done        bool
	// Reopened lists the epochs at which a finished or refining run's main phase was reopened
	// because it was resumed with a longer Epochs (see Train).
	Reopened []int
}

// CheckpointKey hashes the parts of the configuration that must match to resume: everything but the
// schedule (epoch counts, thresholding and evaluation frequencies), so a run can be continued with
// a longer schedule.
func CheckpointKey(cfg Config) string {
	c := cfg
	c.Epochs, c.RefinementEpochs, c.EvalFrequency, c.ThresholdFrequency = 0, 0, 0, 0
	k, err := diskcache.Key(c)
	if err != nil {
		return ""
	}
	return k
}

// Train runs Champion et al.'s training: cfg.Epochs epochs of Adam on the full loss with sequential
// thresholding every ThresholdFrequency epochs, then RefinementEpochs epochs with a fresh Adam, no
// L1 term and the mask frozen. The validation set is evaluated every EvalFrequency epochs. A NaN or
// infinite loss stops training with an error wrapping training.ErrDiverged; an interrupt (SIGINT,
// SIGTERM) saves the checkpoint and returns an error wrapping training.ErrInterrupted.
func (m *Model) Train(train, val Data, opts TrainOptions) (*State, error) {
	cfg := m.cfg
	if err := train.validate(cfg, "training"); err != nil {
		return nil, err
	}
	if err := val.validate(cfg, "validation"); err != nil {
		return nil, err
	}
	if cfg.BatchSize > train.N {
		return nil, fmt.Errorf("autoencoder: batch size %d exceeds the %d training samples", cfg.BatchSize, train.N)
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 30 * time.Second
	}
	st := &State{Config: cfg, Key: CheckpointKey(cfg), RefineStart: -1}
	run := training.NewRun(opts.Checkpoint, m.store)
	if opts.Checkpoint != "" {
		var saved State
		found, err := run.Load(&saved)
		if err != nil {
			return nil, fmt.Errorf("autoencoder: resume: %w", err)
		}
		if found {
			if saved.Key != st.Key {
				return nil, fmt.Errorf("autoencoder: checkpoint %s belongs to another configuration; delete it or use another path", opts.Checkpoint)
			}
			st = &saved
			st.Config = cfg
			if len(st.Mask) == len(m.mask) {
				copy(m.mask, st.Mask)
			}
			if st.RefineStart >= 0 && cfg.Epochs > st.Epoch {
				// Resumed with a longer main phase than the checkpoint ran: go back to it (with
				// L1 and thresholding) from the current weights; a fresh refinement follows.
				if opts.Log != nil {
					fmt.Fprintf(opts.Log, "checkpoint refined from epoch %d to %d; Epochs = %d reopens the main phase at epoch %d\n",
						st.RefineStart, st.Epoch, cfg.Epochs, st.Epoch)
				}
				st.Reopened = append(st.Reopened, st.Epoch)
				st.RefineStart, st.Done = -1, false
			}
		}
	}
	total := func() int {
		if st.RefineStart >= 0 {
			return st.RefineStart + cfg.RefinementEpochs
		}
		return cfg.Epochs + cfg.RefinementEpochs
	}
	state := func() *State {
		st.Elapsed = run.Seconds()
		st.Mask = append(st.Mask[:0], m.mask...)
		return st
	}
	save := func() error {
		if err := run.Save(state()); err != nil {
			return fmt.Errorf("autoencoder: %w", err)
		}
		return nil
	}
	if st.Epoch >= total() {
		st.Done = true
		return st, nil
	}
	run.Start(st.Elapsed)

	var bar *plotting.Progress
	var chart *plotting.LiveChart
	if opts.Show {
		bar = plotting.NewProgress(total(), "SINDy autoencoder epochs")
		chart = plotting.NewLiveChart("SINDy autoencoder training", "epoch", "loss").LogY()
		for i, s := range st.History.Steps {
			for _, name := range []string{"train loss", "val loss"} {
				if v := st.History.Series[name]; i < len(v) && !math.IsNaN(v[i]) {
					chart.Add(name, float64(s), v[i])
				}
			}
		}
		defer func() {
			bar.Done()
			_ = chart.Done()
		}()
	}

	steps := train.N / cfg.BatchSize // the remainder is dropped, as in the paper
	bs, dim := cfg.BatchSize, cfg.InputDim
	bufX, bufDX := make([]float32, bs*dim), make([]float32, bs*dim)
	var bufDDX []float32
	if cfg.ModelOrder == 2 {
		bufDDX = make([]float32, bs*dim)
	}
	epochsThisCall := 0
	var sum [5]float64
	var nsum int
	for st.Epoch < total() {
		epoch := st.Epoch
		if st.RefineStart < 0 && epoch >= cfg.Epochs {
			st.RefineStart = epoch
			if err := m.resetRefinementOptimizer(); err != nil {
				return st, err
			}
			if err := save(); err != nil {
				return st, err
			}
		}
		refining := st.RefineStart >= 0
		exec, err := m.getStepExec(refining)
		if err != nil {
			return st, err
		}
		mask := m.maskTensor()
		var perm []int
		if cfg.Shuffle {
			perm = rand.New(rand.NewPCG(cfg.Seed, uint64(epoch)+1)).Perm(train.N)
		}
		for b := range steps {
			fill := func(dst, src []float32) {
				for r := range bs {
					i := b*bs + r
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
				return st, fmt.Errorf("autoencoder: epoch %d step %d: %w", epoch, b, err)
			}
			var vals [5]float64
			for k := range vals {
				vals[k] = float64(tensors.ToScalar[float32](outs[k]))
			}
			if err := training.CheckFinite(epoch*steps+b, "loss", vals[0], "decoder loss", vals[1], "SINDy x loss", vals[2], "SINDy z loss", vals[3]); err != nil {
				return st, fmt.Errorf("autoencoder: epoch %d: %w", epoch, err)
			}
			for k := range vals {
				sum[k] += vals[k]
			}
			nsum++
			if training.Interrupted() {
				return st, run.Stop(state(), "autoencoder: epoch %d (run again to resume)", epoch)
			}
		}
		st.Epoch++
		epochsThisCall++
		st.Elapsed = run.Seconds()
		// Sequential thresholding after epoch i, i % freq == 0, i > 0 (as the paper's loop), main phase only.
		if !refining && cfg.ThresholdFrequency > 0 && epoch > 0 && epoch%cfg.ThresholdFrequency == 0 {
			n, err := m.Threshold(cfg.Threshold)
			if err != nil {
				return st, err
			}
			st.Thresholds = append(st.Thresholds, n)
			if opts.Log != nil {
				fmt.Fprintf(opts.Log, "epoch %d: thresholding at %g: %d active coefficients\n", epoch, cfg.Threshold, n)
				if sm, err := m.SINDy(); err == nil { // the surviving terms: the structure is decided here
					for _, eq := range sm.Equations(3) {
						fmt.Fprintf(opts.Log, "  %s\n", eq)
					}
				}
			}
			if opts.OnThreshold != nil {
				if err := opts.OnThreshold(epoch, m); err != nil {
					if serr := save(); serr != nil {
						return st, errors.Join(err, serr)
					}
					return st, fmt.Errorf("autoencoder: after the thresholding at epoch %d (checkpoint saved): %w", epoch, err)
				}
			}
		}
		last := st.Epoch == total()
		if cfg.EvalFrequency > 0 && (epoch%cfg.EvalFrequency == 0 || last) {
			vm, err := m.Evaluate(val)
			if err != nil {
				return st, err
			}
			tm := Metrics{Loss: sum[0] / float64(nsum), Decoder: sum[1] / float64(nsum), SindyX: sum[2] / float64(nsum), SindyZ: sum[3] / float64(nsum), L1: sum[4] / float64(nsum)}
			sum, nsum = [5]float64{}, 0
			p := Progress{Epoch: epoch, TotalEpochs: total(), Refining: refining, Train: tm, Val: vm, Active: m.ActiveTerms(),
				Elapsed: time.Duration(st.Elapsed * float64(time.Second))}
			st.History.Add(epoch, map[string]float64{
				"train loss": tm.Loss, "val loss": vm.Loss, "val decoder": vm.Decoder, "val sindy x": vm.SindyX,
				"val sindy z": vm.SindyZ, "val rel x": vm.RelX, "val rel dx": vm.RelXDeriv, "val rel dz": vm.RelZDeriv,
				"active": float64(p.Active),
			})
			if opts.Log != nil {
				phase := "main"
				if refining {
					phase = "refine"
				}
				fmt.Fprintf(opts.Log, "epoch %5d/%d (%s) train %.3e val %.3e | rel x %.2e dx %.2e dz %.2e | active %d | %s\n",
					epoch, total(), phase, tm.Loss, vm.Loss, vm.RelX, vm.RelXDeriv, vm.RelZDeriv, p.Active,
					p.Elapsed.Round(time.Second))
			}
			if chart != nil {
				chart.Add("train loss", float64(epoch), tm.Loss)
				chart.Add("val loss", float64(epoch), vm.Loss)
			}
			if opts.OnEval != nil {
				opts.OnEval(p)
			}
		}
		if bar != nil {
			bar.Update(st.Epoch, fmt.Sprintf("active %d", m.ActiveTerms()))
		}
		if last {
			st.Done = true
			if err := save(); err != nil {
				return st, err
			}
			break
		}
		if run.Due(opts.CheckpointEvery) {
			if err := save(); err != nil {
				return st, err
			}
		}
		if (opts.StopAfter > 0 && epochsThisCall >= opts.StopAfter) || (opts.MaxDuration > 0 && run.Elapsed() >= opts.MaxDuration) {
			if err := save(); err != nil {
				return st, err
			}
			return st, fmt.Errorf("autoencoder: after epoch %d: %w", epoch, ErrStopped)
		}
	}
	st.Mask = append(st.Mask[:0], m.mask...)
	return st, nil
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
			m.refineExec, err = m.stepExec(true)
		}
		return m.refineExec, err
	}
	if m.trainExec == nil {
		m.trainExec, err = m.stepExec(false)
	}
	return m.trainExec, err
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
