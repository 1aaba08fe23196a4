package training

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"
)

// lockedBuffer is a bytes.Buffer safe for the watchdog's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeExit replaces the watchdog's exit and output for a test; exited is closed at the first exit.
func fakeExit(t *testing.T) (out *lockedBuffer, exited chan struct{}, code *int) {
	t.Helper()
	out, exited, code = &lockedBuffer{}, make(chan struct{}), new(int)
	var once sync.Once
	oldExit, oldOut := watchdogExit, watchdogOut
	watchdogExit = func(c int) { once.Do(func() { *code = c; close(exited) }) }
	watchdogOut = out
	t.Cleanup(func() { watchdogExit, watchdogOut = oldExit, oldOut })
	return out, exited, code
}

// TestWatchdogEndsAStalledLoop: a step that never returns (a deadlocked backend call) ends the
// process after the watchdog's time with a message naming the loop, the backend configuration and
// the remedy, and a non-zero exit status.
func TestWatchdogEndsAStalledLoop(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	out, exited, code := fakeExit(t)
	l := &Loop{Name: "stalled.Train", Store: model.NewStore(), Epochs: 2, StepsPerEpoch: 3, Watchdog: 100 * time.Millisecond,
		Step: func(s *State) ([]float64, error) {
			if s.Steps == 2 {
				<-exited // the deadlocked call: returns only because the fake exit does not end the process
				return nil, errors.New("deadlocked")
			}
			return []float64{1}, nil
		}}
	done := make(chan error)
	go func() { _, err := l.Run(); done <- err }()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the watchdog did not end the stalled loop")
	}
	<-done
	if *code == 0 {
		t.Errorf("exit status %d, want non-zero", *code)
	}
	msg := out.String()
	for _, want := range []string{"stalled.Train", "100ms", `"go:parallelism=-1"`, `GOMLX_BACKEND="go"`,
		"GOMLX_BACKEND=go:parallelism=-1", "DYNLEARN_WATCHDOG", "deadlock"} {
		if !strings.Contains(msg, want) {
			t.Errorf("watchdog message %q does not mention %q", msg, want)
		}
	}
}

// TestWatchdogQuietWhileStepsComplete: steps that each finish within the watchdog's time keep it
// quiet even when the whole run takes longer; a finished loop stops it.
func TestWatchdogQuietWhileStepsComplete(t *testing.T) {
	_, exited, _ := fakeExit(t)
	l := &Loop{Name: "slow", Store: model.NewStore(), Epochs: 3, StepsPerEpoch: 5, Watchdog: 400 * time.Millisecond,
		Step: func(*State) ([]float64, error) {
			time.Sleep(40 * time.Millisecond)
			return []float64{1}, nil
		}}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // after the run: the watchdog must be stopped
	select {
	case <-exited:
		t.Fatal("the watchdog fired although every step completed in time")
	default:
	}
}

// TestWatchdogTimeout: DYNLEARN_WATCHDOG is a duration or seconds, 0 disables, and a bad value is an
// error naming the variable (also from Loop.Run).
func TestWatchdogTimeout(t *testing.T) {
	for v, want := range map[string]time.Duration{"": DefaultWatchdog, "5m": 5 * time.Minute, "90": 90 * time.Second, "0": 0, "1.5s": 1500 * time.Millisecond} {
		t.Setenv(WatchdogEnv, v)
		if got, err := WatchdogTimeout(); err != nil || got != want {
			t.Errorf("%s=%q: %v, %v; want %v", WatchdogEnv, v, got, err, want)
		}
	}
	for _, v := range []string{"soon", "-1m", "-3"} {
		t.Setenv(WatchdogEnv, v)
		if _, err := WatchdogTimeout(); err == nil || !strings.Contains(err.Error(), WatchdogEnv) || !strings.Contains(err.Error(), v) {
			t.Errorf("%s=%q: error %v, want one naming the variable and the value", WatchdogEnv, v, err)
		}
	}
	t.Setenv(WatchdogEnv, "soon")
	l := &Loop{Name: "x", Store: model.NewStore(), Epochs: 1, StepsPerEpoch: 1, Step: func(*State) ([]float64, error) { return []float64{1}, nil }}
	if _, err := l.Run(); err == nil || !strings.Contains(err.Error(), WatchdogEnv) {
		t.Errorf("Loop.Run with %s=soon: %v", WatchdogEnv, err)
	}
	if w := NewWatchdog("off", 0); w != nil {
		t.Errorf("NewWatchdog with 0 = %v, want nil (disabled)", w)
	}
	var w *Watchdog
	w.Kick() // a disabled watchdog does nothing
	w.Stop()
}
