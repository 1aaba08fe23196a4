package training

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
)

// WatchdogEnv names the environment variable that sets the watchdog's time without progress:
// a Go duration ("5m", "90s"), a number of seconds, or 0 to disable the watchdog.
const WatchdogEnv = "DYNLEARN_WATCHDOG"

// DefaultWatchdog is the watchdog's time without progress when WatchdogEnv is not set.
const DefaultWatchdog = 10 * time.Minute

// WatchdogExitCode is the exit status of a process ended by the watchdog.
const WatchdogExitCode = 3

// Hooks of the watchdog, replaced by tests: how the process ends and where the message goes.
var (
	watchdogExit           = os.Exit
	watchdogOut  io.Writer = os.Stderr
)

// WatchdogTimeout returns the watchdog's time without progress: WatchdogEnv when set, DefaultWatchdog
// otherwise; 0 means disabled. A value that is not a duration, or is negative, is an error naming it.
func WatchdogTimeout() (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(WatchdogEnv))
	if v == "" {
		return DefaultWatchdog, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, nerr := strconv.ParseFloat(v, 64)
		if nerr != nil {
			return 0, fmt.Errorf("%s=%q is not a duration (e.g. 10m, 90s; 0 disables the watchdog)", WatchdogEnv, v)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, fmt.Errorf("%s=%q must not be negative (0 disables the watchdog)", WatchdogEnv, v)
	}
	return d, nil
}

// Watchdog ends the process when no progress is reported for its timeout: the guard of training
// loops and roll-outs against a deadlocked backend (docs/gobackend-deadlock.md), whose calls cannot be
// cancelled. It prints an error naming the work, the backend configuration (backend.DescribeConfig)
// and the remedy, then exits with WatchdogExitCode. A nil *Watchdog is a disabled one.
type Watchdog struct {
	name    string
	timeout time.Duration
	kick    chan struct{}
	stop    chan struct{}
	once    sync.Once
}

// StartWatchdog starts a watchdog for the named work (a training loop, a roll-out) with the time of
// WatchdogTimeout; it returns nil (a disabled watchdog) when that is 0, and an error when WatchdogEnv
// is malformed. Call Kick after every completed step and Stop when the work ends.
func StartWatchdog(name string) (*Watchdog, error) {
	d, err := WatchdogTimeout()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return NewWatchdog(name, d), nil
}

// NewWatchdog starts a watchdog for the named work with the given time without progress (<= 0:
// none, nil is returned).
func NewWatchdog(name string, timeout time.Duration) *Watchdog {
	if timeout <= 0 {
		return nil
	}
	w := &Watchdog{name: name, timeout: timeout, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	go w.run()
	return w
}

// Kick reports progress: the watchdog's time starts again.
func (w *Watchdog) Kick() {
	if w == nil {
		return
	}
	select {
	case w.kick <- struct{}{}:
	default: // a kick is already pending
	}
}

// Stop ends the watchdog (the work is done). It may be called several times.
func (w *Watchdog) Stop() {
	if w == nil {
		return
	}
	w.once.Do(func() { close(w.stop) })
}

func (w *Watchdog) run() {
	t := time.NewTimer(w.timeout)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.kick:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(w.timeout)
		case <-t.C:
			select {
			case <-w.stop: // stopped at the same time: not a hang
				return
			default:
			}
			fmt.Fprintf(watchdogOut, "\ndynlearn watchdog: %s made no progress for %s (no step completed); the GoMLX backend is "+
				"probably deadlocked. Backend: %s. A deadlocked backend call cannot be cancelled, so the process ends now "+
				"(exit status %d). Remedy: run with GOMLX_BACKEND=go:parallelism=-1 (or unset GOMLX_BACKEND: dynlearn's default); "+
				"see docs/gobackend-deadlock.md. If the work is only slow, set %s to a longer time (e.g. %s=30m) or to 0 to "+
				"disable this check.\n", w.name, w.timeout, backend.DescribeConfig(), WatchdogExitCode, WatchdogEnv, WatchdogEnv)
			watchdogExit(WatchdogExitCode)
			return
		}
	}
}
