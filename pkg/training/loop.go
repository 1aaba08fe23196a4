package training

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/plotting"
)

// ErrStopped is returned (wrapped) when a Loop stops before its last epoch because of MaxTime,
// StopAfter or a hook returning ErrStop; the checkpoint holds the state to resume from.
var ErrStopped = errors.New("training stopped early")

// ErrStop, returned by a hook, stops the loop cleanly: the checkpoint is saved and Run returns an
// error wrapping ErrStopped (and the hook's error, when it wrapped ErrStop with a reason).
var ErrStop = errors.New("stop requested")

// Loop is dynlearn's one training loop. A model supplies a Step (one optimizer step on one
// mini-batch) and, optionally, an Evaluate; the loop owns everything around them:
//
//   - resuming from Checkpoint (weights, optimizer state, the loop's State and the model's Extra
//     state), refusing a checkpoint of another model kind or configuration (Identity);
//   - timed atomic checkpoints (CheckpointEvery), a final one, and one on an interrupt (SIGINT,
//     SIGTERM: save and return an error wrapping ErrInterrupted);
//   - NaN/Inf detection of every step loss (an error wrapping ErrDiverged naming the loss, the
//     step and the last good checkpoint);
//   - the History: per evaluation, the mean of each step loss since the last one plus Evaluate's
//     values; best weights (Monitor) kept in BestPath(Checkpoint) and optionally restored;
//     early stopping (Patience);
//   - wall time summed over resumed runs, time boxes (MaxTime, StopAfter);
//   - a progress bar and a live loss chart (Show), a log line per evaluation (Log);
//   - hooks for what is the model's own: OnResume, OnEpochStart, OnEpoch (thresholding, phase
//     changes, learning-rate plateaus), OnStep.
//
// The zero value of every optional field is a sensible default. A loop whose checkpoint says it
// finished returns at once with that state; one that stopped because it ran out of epochs
// continues when Epochs is larger.
type Loop struct {
	// Name prefixes errors, the progress bar and log lines ("led.Train").
	Name string
	// Store holds the model's variables (created before Run, or by the first Step).
	Store *model.Store
	// Checkpoint is the checkpoint file ("" = none: nothing is saved, nothing resumed).
	Checkpoint string
	// Identity is written into every checkpoint and checked when resuming.
	Identity Identity

	// Epochs is the number of epochs; StepsPerEpoch the steps (mini-batches) of each.
	Epochs, StepsPerEpoch int
	// Step runs step s.Batch of epoch s.Epoch (s.Steps steps ran before it) and returns its
	// losses, one per LossNames entry.
	Step func(s *State) ([]float64, error)
	// LossNames name Step's losses: each is checked for NaN/Inf and its mean since the last
	// record goes into the History under that name. Default: {"loss"}.
	LossNames []string

	// Evaluate (optional) returns named metrics (for example "val"), recorded in the History
	// after every EvalEvery-th epoch and after the last one.
	Evaluate func(s *State) (map[string]float64, error)
	// EvalEvery is the number of epochs between records (0: 1). Without Evaluate the step
	// means are still recorded at this rate.
	EvalEvery int
	// Monitor names the metric (of Evaluate, or a loss name) whose lowest value marks the best
	// weights, saved with the State of that moment to BestPath(Checkpoint) ("" = none).
	Monitor string
	// RestoreBest puts the best weights back into Store at the end of the run.
	RestoreBest bool
	// Patience stops training after this many records without a new best Monitor value (0: never).
	Patience int

	// CheckpointEvery is the wall time between checkpoints (0: 30 s).
	CheckpointEvery time.Duration
	// SaveEveryEpoch also saves the checkpoint at the end of every epoch.
	SaveEveryEpoch bool
	// MaxTime stops (resumably, ErrStopped) once this much wall time passed in this call (0: none).
	MaxTime time.Duration
	// Deadline stops (resumably, ErrStopped) at this wall-clock time (zero: none): one limit
	// shared by the several loops of a multi-stage experiment.
	Deadline time.Time
	// StopAfter stops (resumably, ErrStopped) after this many epochs in this call (0: none).
	StopAfter int

	// Extra is a pointer to the model's own state saved in each checkpoint (gob-encoded; a
	// SINDy mask, a learning rate on a plateau) and restored on resume before OnResume.
	Extra any

	// OnResume runs once before the first step, after a checkpoint was loaded (s.Resumed) or not;
	// it may change the Loop's fields (a longer schedule, a reopened phase).
	OnResume func(l *Loop, s *State) error
	// OnEpochStart runs before the first step of each epoch (phase changes, a new shuffle).
	OnEpochStart func(s *State) error
	// OnEpoch hooks run after each epoch, after its record (if any). They may change the model
	// (thresholding) or the optimizer; returning an error stops the loop with the checkpoint
	// saved (wrap ErrStop to stop cleanly).
	OnEpoch []func(s *State) error
	// OnStep (optional) sees every step's losses.
	OnStep func(s *State, losses []float64)

	// Show draws a progress bar and a live chart of the loss names (and Evaluate's values
	// named in ChartSeries), in a notebook or as text lines on a terminal.
	Show bool
	// ChartSeries are the History series drawn by Show (default: LossNames and Monitor).
	ChartSeries []string
	// Log receives one line per record (nil: none).
	Log io.Writer

	// Watchdog is the time without a completed step (or evaluation, or save) after which the
	// process ends with an error naming the backend configuration and the remedy (a deadlocked
	// backend call cannot be cancelled; see Watchdog). 0: WatchdogTimeout() (DYNLEARN_WATCHDOG,
	// default 10 minutes); negative: no watchdog.
	Watchdog time.Duration
}

// State is the loop's state: saved in every checkpoint, passed to Step and the hooks, returned by Run.
type State struct {
	// Epoch and Batch locate the next step; Steps counts the steps done (over all resumes).
	Epoch, Batch, Steps int
	// Epochs is the loop's current number of epochs.
	Epochs int
	// History holds the records: step-loss means and Evaluate's metrics, indexed by epoch.
	History History
	// Seconds of training so far, summed over resumed runs (updated at every step).
	Seconds float64
	// Best is the lowest Monitor value so far (+Inf before the first), at BestEpoch; Bad counts
	// the records since.
	Best      float64
	BestEpoch int
	Bad       int
	// Done is set when the run finished; Stopped says why: "epochs" or "early stopping".
	Done    bool
	Stopped string
	// Sums and Count accumulate the step losses since the last record.
	Sums  []float64
	Count int
	// Extra is the gob encoding of Loop.Extra.
	Extra []byte
	// Resumed is true when this call started from a checkpoint (set by Run).
	Resumed bool
	// Elapsed is the wall time of this call so far (set by Run).
	Elapsed time.Duration
	// Record holds the values of the latest record (set by Run).
	Record map[string]float64
	// SaveNow, set by a hook (OnEpochStart, OnEpoch), asks for a checkpoint right after it (at a
	// phase change, say); Run clears it.
	SaveNow bool
	// Alive (set by Run) tells the watchdog that work goes on: a hook that works long between
	// steps (a fit, a search) calls it now and then. Not saved.
	Alive func() `json:"-"`
}

// BestPath returns the file of the best weights of a checkpoint: <checkpoint without .ckpt>.best.ckpt.
func BestPath(checkpoint string) string {
	if checkpoint == "" {
		return ""
	}
	return strings.TrimSuffix(checkpoint, ".ckpt") + ".best.ckpt"
}

func (l *Loop) validate() error {
	switch {
	case l.Store == nil:
		return fmt.Errorf("%s: Loop.Store is nil", l.Name)
	case l.Step == nil:
		return fmt.Errorf("%s: Loop.Step is nil", l.Name)
	case l.Epochs < 1:
		return fmt.Errorf("%s: Loop.Epochs=%d must be >= 1", l.Name, l.Epochs)
	case l.StepsPerEpoch < 1:
		return fmt.Errorf("%s: Loop.StepsPerEpoch=%d must be >= 1 (fewer samples than one batch?)", l.Name, l.StepsPerEpoch)
	case l.EvalEvery < 0:
		return fmt.Errorf("%s: Loop.EvalEvery=%d must be >= 0", l.Name, l.EvalEvery)
	case l.Patience < 0:
		return fmt.Errorf("%s: Loop.Patience=%d must be >= 0 (0: no early stopping)", l.Name, l.Patience)
	case l.StopAfter < 0:
		return fmt.Errorf("%s: Loop.StopAfter=%d must be >= 0 (0: no limit)", l.Name, l.StopAfter)
	case l.MaxTime < 0:
		return fmt.Errorf("%s: Loop.MaxTime=%s must be >= 0 (0: no limit)", l.Name, l.MaxTime)
	case l.CheckpointEvery < 0:
		return fmt.Errorf("%s: Loop.CheckpointEvery=%s must be >= 0 (0: 30 s)", l.Name, l.CheckpointEvery)
	}
	return nil
}

// Run trains: it resumes from the checkpoint when there is one, runs the remaining epochs and
// returns the final state. Errors wrap ErrInterrupted, ErrDiverged or ErrStopped when training
// stopped for those reasons (the checkpoint then holds the last good state).
func (l *Loop) Run() (*State, error) {
	if l.Name == "" {
		l.Name = "training"
	}
	if err := l.validate(); err != nil {
		return nil, err
	}
	if len(l.LossNames) == 0 {
		l.LossNames = []string{"loss"}
	}
	watchdog := l.Watchdog
	if watchdog == 0 {
		var err error
		if watchdog, err = WatchdogTimeout(); err != nil {
			return nil, fmt.Errorf("%s: %w", l.Name, err)
		}
	}
	evalEvery := max(l.EvalEvery, 1)
	every := l.CheckpointEvery
	if every == 0 {
		every = 30 * time.Second
	}
	run := NewRun(l.Checkpoint, l.Store)
	run.Identity = l.Identity
	// gob leaves zero values out, so the state decodes into a zero State: defaults only when fresh.
	st := &State{}
	found, err := run.Load(st)
	if err != nil {
		return nil, fmt.Errorf("%s: resume: %w", l.Name, err)
	}
	if !found {
		st.Best, st.BestEpoch = math.Inf(1), -1
	}
	st.Resumed = found
	if found && l.Extra != nil && len(st.Extra) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(st.Extra)).Decode(l.Extra); err != nil {
			return nil, fmt.Errorf("%s: resume: checkpoint %s: model state: %w", l.Name, l.Checkpoint, err)
		}
	}
	var best map[string]*tensors.Tensor
	if found && l.Monitor != "" && l.RestoreBest {
		bestStore := model.NewStore()
		ok, err := LoadCheckpoint(BestPath(l.Checkpoint), bestStore, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: resume best weights: %w", l.Name, err)
		}
		if ok {
			if best, err = Snapshot(bestStore); err != nil {
				return nil, fmt.Errorf("%s: %w", l.Name, err)
			}
		}
	}
	if l.OnResume != nil {
		if err := l.OnResume(l, st); err != nil {
			return st, fmt.Errorf("%s: %w", l.Name, err)
		}
		if err := l.validate(); err != nil {
			return nil, err
		}
	}
	st.Epochs = l.Epochs
	if st.Done && st.Stopped == "epochs" && st.Epoch < l.Epochs {
		st.Done, st.Stopped = false, "" // a larger epoch budget continues a run that ran out of epochs
	}
	if st.Done || st.Epoch >= l.Epochs {
		st.Done = true
		if st.Stopped == "" {
			st.Stopped = "epochs"
		}
		return st, nil
	}

	wd := NewWatchdog(l.Name, watchdog)
	defer wd.Stop()
	st.Alive = wd.Kick
	save := func() error {
		defer wd.Kick()
		st.Seconds = run.Seconds()
		if err := l.encodeExtra(st); err != nil {
			return err
		}
		if err := run.Save(st); err != nil {
			return fmt.Errorf("%s: %w", l.Name, err)
		}
		return nil
	}
	var bar *plotting.Progress
	var chart *plotting.LiveChart
	if l.Show {
		bar = plotting.NewProgress(l.Epochs*l.StepsPerEpoch, l.Name)
		chart = plotting.NewLiveChart(l.Name, "epoch", "loss").LogY()
		for _, name := range l.chartSeries() {
			x, y := st.History.XY(name)
			for i := range x {
				if !math.IsNaN(y[i]) {
					chart.Add(name, x[i], y[i])
				}
			}
		}
		defer func() {
			bar.Done()
			_ = chart.Done()
		}()
	}

	saveIfAsked := func() error {
		if !st.SaveNow {
			return nil
		}
		st.SaveNow = false
		return save()
	}
	run.Start(st.Seconds)
	epochsThisCall := 0
	stopWith := func(cause error) error {
		if serr := save(); serr != nil {
			return errors.Join(cause, serr)
		}
		return cause
	}
	for st.Epoch < l.Epochs {
		st.Epochs = l.Epochs
		if st.Batch == 0 && l.OnEpochStart != nil {
			if err := l.OnEpochStart(st); err != nil {
				return st, stopWith(fmt.Errorf("%s: epoch %d: %w", l.Name, st.Epoch, err))
			}
			if err := saveIfAsked(); err != nil {
				return st, err
			}
		}
		for st.Batch < l.StepsPerEpoch {
			losses, err := l.Step(st)
			wd.Kick()
			if err != nil {
				return st, fmt.Errorf("%s: epoch %d step %d: %w", l.Name, st.Epoch, st.Batch, err)
			}
			if len(losses) != len(l.LossNames) {
				return st, fmt.Errorf("%s: Step returned %d losses for the %d names %v", l.Name, len(losses), len(l.LossNames), l.LossNames)
			}
			for i, v := range losses {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return st, fmt.Errorf("%s: epoch %d (last good checkpoint %q): %w", l.Name, st.Epoch, l.Checkpoint,
						CheckFinite(st.Steps, l.LossNames[i], v))
				}
			}
			if len(st.Sums) != len(losses) {
				st.Sums, st.Count = make([]float64, len(losses)), 0
			}
			for i, v := range losses {
				st.Sums[i] += v
			}
			st.Count++
			st.Steps++
			st.Batch++
			st.Elapsed, st.Seconds = run.Elapsed(), run.Seconds()
			if l.OnStep != nil {
				l.OnStep(st, losses)
			}
			if bar != nil {
				bar.Update(st.Epoch*l.StepsPerEpoch+st.Batch, fmt.Sprintf("%s %.3g", l.LossNames[0], losses[0]))
			}
			if Interrupted() {
				st.Seconds = run.Seconds()
				if err := l.encodeExtra(st); err != nil {
					return st, err
				}
				return st, run.Stop(st, "%s: stopped in epoch %d after step %d", l.Name, st.Epoch, st.Batch)
			}
			if st.Batch < l.StepsPerEpoch && run.Due(every) {
				if err := save(); err != nil {
					return st, err
				}
			}
		}
		epoch := st.Epoch
		st.Epoch++
		st.Batch = 0
		epochsThisCall++
		last := st.Epoch >= l.Epochs
		st.Record = nil
		if epoch%evalEvery == 0 || last {
			rec := map[string]float64{}
			for i, name := range l.LossNames {
				if st.Count > 0 {
					rec[name] = st.Sums[i] / float64(st.Count)
				}
			}
			st.Sums, st.Count = nil, 0
			if l.Evaluate != nil {
				vals, err := l.Evaluate(st)
				wd.Kick()
				if err != nil {
					return st, fmt.Errorf("%s: evaluation after epoch %d: %w", l.Name, epoch, err)
				}
				for k, v := range vals {
					rec[k] = v
				}
			}
			st.History.Add(epoch, rec)
			st.Record = rec
			if l.Monitor != "" {
				v, ok := rec[l.Monitor]
				if !ok {
					return st, fmt.Errorf("%s: Monitor %q is not among the recorded values", l.Name, l.Monitor)
				}
				if err := CheckFinite(st.Steps, l.Monitor, v); err != nil {
					return st, fmt.Errorf("%s: epoch %d: %w", l.Name, epoch, err)
				}
				if v < st.Best {
					st.Best, st.BestEpoch, st.Bad = v, epoch, 0
					if l.RestoreBest {
						if best, err = Snapshot(l.Store); err != nil {
							return st, fmt.Errorf("%s: %w", l.Name, err)
						}
					}
					if l.Checkpoint != "" {
						st.Seconds = run.Seconds()
						if err := l.encodeExtra(st); err != nil {
							return st, err
						}
						if err := l.Identity.Save(BestPath(l.Checkpoint), l.Store, st, nil); err != nil {
							return st, fmt.Errorf("%s: best weights: %w", l.Name, err)
						}
					}
				} else {
					st.Bad++
				}
			}
			st.Elapsed, st.Seconds = run.Elapsed(), run.Seconds()
			if l.Log != nil {
				fmt.Fprintf(l.Log, "%s epoch %d/%d %s (%s)\n", l.Name, st.Epoch, l.Epochs, formatRecord(rec), st.Elapsed.Round(time.Second))
			}
			if chart != nil {
				for _, name := range l.chartSeries() {
					if v, ok := rec[name]; ok && !math.IsNaN(v) {
						chart.Add(name, float64(epoch), v)
					}
				}
			}
		}
		for _, hook := range l.OnEpoch {
			if err := hook(st); err != nil {
				if errors.Is(err, ErrStop) {
					return st, stopWith(fmt.Errorf("%s: after epoch %d: %w: %w", l.Name, epoch, ErrStopped, err))
				}
				return st, stopWith(fmt.Errorf("%s: after epoch %d (checkpoint saved): %w", l.Name, epoch, err))
			}
		}
		if err := saveIfAsked(); err != nil {
			return st, err
		}
		if l.Patience > 0 && l.Monitor != "" && st.Bad >= l.Patience {
			st.Stopped = "early stopping"
			break
		}
		if st.Epoch >= l.Epochs {
			break
		}
		if (l.StopAfter > 0 && epochsThisCall >= l.StopAfter) || (l.MaxTime > 0 && run.Elapsed() >= l.MaxTime) ||
			(!l.Deadline.IsZero() && !time.Now().Before(l.Deadline)) {
			return st, stopWith(fmt.Errorf("%s: stopped after %d of %d epochs: %w", l.Name, st.Epoch, l.Epochs, ErrStopped))
		}
		if l.SaveEveryEpoch || run.Due(every) {
			if err := save(); err != nil {
				return st, err
			}
		}
	}
	if st.Stopped == "" {
		st.Stopped = "epochs"
	}
	if best != nil {
		if err := Restore(l.Store, best); err != nil {
			return st, fmt.Errorf("%s: restoring the best weights: %w", l.Name, err)
		}
	}
	st.Done = true
	if err := save(); err != nil {
		return st, err
	}
	return st, nil
}

func (l *Loop) encodeExtra(st *State) error {
	if l.Extra == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(l.Extra); err != nil {
		return fmt.Errorf("%s: model state %T: %w", l.Name, l.Extra, err)
	}
	st.Extra = buf.Bytes()
	return nil
}

func (l *Loop) chartSeries() []string {
	if len(l.ChartSeries) > 0 {
		return l.ChartSeries
	}
	s := append([]string(nil), l.LossNames...)
	if l.Monitor != "" && !slices.Contains(s, l.Monitor) {
		s = append(s, l.Monitor)
	}
	return s
}

func formatRecord(rec map[string]float64) string {
	names := make([]string, 0, len(rec))
	for k := range rec {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s %.4g", k, rec[k])
	}
	return b.String()
}

// Snapshot copies the values of every variable of store (the best weights so far).
func Snapshot(store *model.Store) (map[string]*tensors.Tensor, error) {
	m := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", v.Path(), err)
		}
		c, err := t.LocalClone()
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", v.Path(), err)
		}
		m[v.Path()] = c
	}
	return m, nil
}

// Restore sets the variables of store that snap holds (see Snapshot).
func Restore(store *model.Store, snap map[string]*tensors.Tensor) error {
	for path, t := range snap {
		if v := store.GetVariable(path); v != nil {
			c, err := t.LocalClone()
			if err != nil {
				return fmt.Errorf("restore %s: %w", path, err)
			}
			if err := v.SetValue(c); err != nil {
				return fmt.Errorf("restore %s: %w", path, err)
			}
		}
	}
	return nil
}
