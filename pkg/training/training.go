// Package training owns dynlearn's one training loop and what it is made of, whatever the model:
//
//   - Loop: the loop itself. A model supplies a Step (one optimizer step) and optionally an
//     Evaluate and hooks; Loop owns resume, timed checkpoints, NaN detection, interrupts, best
//     weights, early stopping, history, wall time over resumes, progress bar and live chart;
//   - Identity: what a checkpoint holds (model kind, configuration hash) and its checksum, so a
//     checkpoint of another model, another shape or a corrupted file is refused with a clear error;
//   - SaveCheckpoint / LoadCheckpoint: all variables of a GoMLX model.Store plus the loop's own
//     state, in one file written atomically, so training resumes after an interrupt;
//   - Run: the bookkeeping around them in a loop (load, save every so often, wall time summed over
//     resumed runs, save and stop on an interrupt);
//   - CheckFinite: stop with ErrDiverged, naming the step and the loss, when a loss is NaN or Inf;
//   - Interrupts: turn Ctrl-C / a notebook's "interrupt kernel" (SIGINT, SIGTERM) into a flag
//     the loop polls, so it can save its checkpoint and return ErrInterrupted cleanly;
//   - History: the loss curves of a run, saved with the checkpoint and plotted by notebooks;
//   - CosineLR: the cosine learning-rate decay that models' schedules share.
//
// Progress bars and the live loss chart are in package plotting.
package training

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// ErrDiverged is returned (wrapped) when a loss becomes NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// ErrInterrupted is returned (wrapped) when training stopped because of an interrupt; the last
// checkpoint is intact and training resumes from it when run again.
var ErrInterrupted = errors.New("training interrupted")

// CheckFinite returns an error wrapping ErrDiverged if any of the named losses is NaN or Inf.
// Names and values are given as pairs: CheckFinite(step, "loss", l, "decoder", d).
func CheckFinite(step int, nameValues ...any) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		name := fmt.Sprint(nameValues[i])
		var v float64
		switch x := nameValues[i+1].(type) {
		case float32:
			v = float64(x)
		case float64:
			v = x
		default:
			return fmt.Errorf("CheckFinite: value of %q is a %T, want float32 or float64", name, x)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w at step %d: %s = %v (try a smaller learning rate, or check the data for NaN)",
				ErrDiverged, step, name, v)
		}
	}
	return nil
}

var (
	interruptOnce sync.Once
	interrupted   atomic.Bool
)

// Interrupted reports whether the process received SIGINT or SIGTERM since WatchInterrupts was
// called. A loop polls it once per step, saves its checkpoint, and returns ErrInterrupted.
func Interrupted() bool { return interrupted.Load() }

// WatchInterrupts starts catching SIGINT and SIGTERM (once per process), so that instead of
// killing the process they set the flag Interrupted reports. A second signal exits at once.
func WatchInterrupts() {
	interruptOnce.Do(func() {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-ch
			interrupted.Store(true)
			fmt.Fprintln(os.Stderr, "\ninterrupt received: saving the checkpoint and stopping (interrupt again to exit now)")
			<-ch
			os.Exit(130)
		}()
	})
}

// ResetInterrupt clears the interrupt flag (for tests and for loops run one after another).
func ResetInterrupt() { interrupted.Store(false) }

// History holds named loss curves indexed by step or epoch.
type History struct {
	Steps  []int
	Series map[string][]float64
}

// Add appends one record: the step and a value for each named series. A series missing from a
// record gets NaN, so all series stay aligned with Steps.
func (h *History) Add(step int, values map[string]float64) {
	if h.Series == nil {
		h.Series = map[string][]float64{}
	}
	n := len(h.Steps)
	for name, v := range values {
		s := h.Series[name]
		for len(s) < n {
			s = append(s, math.NaN())
		}
		h.Series[name] = append(s, v)
	}
	h.Steps = append(h.Steps, step)
	for name, s := range h.Series {
		for len(s) < n+1 {
			s = append(s, math.NaN())
		}
		h.Series[name] = s
	}
}

// Last returns the latest value of a series and whether there is one.
func (h *History) Last(name string) (float64, bool) {
	s := h.Series[name]
	if len(s) == 0 {
		return 0, false
	}
	return s[len(s)-1], true
}

// XY returns the steps as float64 and the values of a series, for plotting.
func (h *History) XY(name string) (x, y []float64) {
	for i, st := range h.Steps {
		s := h.Series[name]
		if i < len(s) {
			x = append(x, float64(st))
			y = append(y, s[i])
		}
	}
	return x, y
}
