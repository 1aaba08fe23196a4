package training

import (
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/ml/model"
)

// Run is the checkpoint bookkeeping of one resumable training loop: the checkpoint file of a store
// (none when the path is empty), the wall time of the run summed over the processes that resumed
// it, the time of the last save, and the clean stop on an interrupt. A loop uses it as
//
//	run := training.NewRun(cfg.Checkpoint, store)
//	found, err := run.Load(&meta)   // meta holds the step, the history and the seconds so far
//	run.Start(meta.Seconds)
//	for step := meta.Step; step < steps; step++ {
//		if training.Interrupted() {
//			return run.Stop(checkpointMeta{Step: step, Seconds: run.Seconds()}, "stopped at step %d", step)
//		}
//		... one step ...
//		if run.Due(30 * time.Second) {
//			err := run.Save(checkpointMeta{Step: step + 1, Seconds: run.Seconds()})
//		}
//	}
//
// The metadata is the loop's own type (anything encoding/gob encodes); Run does not look inside it.
type Run struct {
	// Identity is written into the checkpoint and checked by Load (the zero value checks nothing).
	Identity Identity

	path     string
	store    *model.Store
	prior    float64
	start    time.Time
	lastSave time.Time
}

// NewRun returns the bookkeeping of a loop training store with its checkpoint at path ("" = none:
// Load finds nothing and Save writes nothing).
func NewRun(path string, store *model.Store) *Run {
	now := time.Now()
	return &Run{path: path, store: store, start: now, lastSave: now}
}

// Path returns the checkpoint file ("" = none).
func (r *Run) Path() string { return r.path }

// Load restores the store's variables and meta from the checkpoint; found is false (and nothing
// changes) when there is no checkpoint file or no path.
func (r *Run) Load(meta any) (found bool, err error) {
	if r.path == "" {
		return false, nil
	}
	return r.Identity.Load(r.path, r.store, meta)
}

// Start starts the clock of this process, counting priorSeconds of training done before (the
// seconds saved in the checkpoint), and starts watching for interrupts (see WatchInterrupts).
func (r *Run) Start(priorSeconds float64) {
	WatchInterrupts()
	r.prior, r.start, r.lastSave = priorSeconds, time.Now(), time.Now()
}

// Seconds returns the training time of the run: the prior seconds plus the time since Start.
func (r *Run) Seconds() float64 { return r.prior + time.Since(r.start).Seconds() }

// Elapsed returns the time since Start (this process only).
func (r *Run) Elapsed() time.Duration { return time.Since(r.start) }

// Due reports whether at least every has passed since the last save (or since Start).
func (r *Run) Due(every time.Duration) bool { return time.Since(r.lastSave) >= every }

// Save writes the store's variables and meta to the checkpoint atomically (nothing without a path).
func (r *Run) Save(meta any) error {
	if r.path == "" {
		return nil
	}
	if err := r.Identity.Save(r.path, r.store, meta, nil); err != nil {
		return err
	}
	r.lastSave = time.Now()
	return nil
}

// Stop saves meta and returns the error a loop returns when it stops on an interrupt: it wraps
// ErrInterrupted, says where training stopped (format and args) and names the checkpoint to resume
// from; a failed save is joined to it.
func (r *Run) Stop(meta any, format string, args ...any) error {
	stopped := fmt.Errorf("%s (checkpoint %q): %w", fmt.Sprintf(format, args...), r.path, ErrInterrupted)
	if err := r.Save(meta); err != nil {
		return errors.Join(stopped, fmt.Errorf("saving the checkpoint: %w", err))
	}
	return stopped
}
