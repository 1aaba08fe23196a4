// Package backend is the one place where dynlearn picks the GoMLX compute backend.
//
// When the environment variable GOMLX_BACKEND is set it is honoured as GoMLX documents it
// ("go", "go:parallelism=2", "xla:cpu", "xla:cuda", ...). Otherwise dynlearn uses the pure-Go
// backend with the configuration in Default, chosen because the pure-Go backend's default
// worker pool (github.com/gomlx/compute v0.1.6) deadlocks intermittently; see
// docs/gobackend-deadlock.md in the repository for the defect and the measurements.
//
// The XLA backend is compiled in (unless built with -tags noxla) so that users with a GPU can
// pick it; GoMLX installs its PJRT plugin on first use, which needs network access.
package backend

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default" // registers the "go" and (unless -tags noxla) "xla" backends.
)

// Default is the backend configuration used when GOMLX_BACKEND is not set: the pure-Go
// backend with unlimited parallelism, which never parks the caller on the worker pool's
// condition variable (the deadlock) and was also the fastest setting measured.
const Default = "go:parallelism=-1"

// Config returns the backend configuration that New uses: GOMLX_BACKEND when set and not
// empty, Default otherwise.
func Config() string {
	if c := strings.TrimSpace(os.Getenv(compute.ConfigEnvVar)); c != "" {
		return c
	}
	return Default
}

var (
	sharedOnce    sync.Once
	sharedBackend compute.Backend
	sharedErr     error
)

// New returns the process-wide backend for Config(), creating it on first use. Backends hold
// worker pools and compiled-program caches, so one per process is what every package shares.
func New() (compute.Backend, error) {
	sharedOnce.Do(func() {
		sharedBackend, sharedErr = NewWithConfig(Config())
	})
	return sharedBackend, sharedErr
}

// Must is New for notebook cells and examples: it panics with a clear message on error.
func Must() compute.Backend {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// NewWithConfig creates a fresh backend for a configuration string such as "go:parallelism=-1"
// or "xla:cpu". Unknown backends and bad options are returned as errors, not panics.
func NewWithConfig(config string) (b compute.Backend, err error) {
	name, _, _ := strings.Cut(config, ":")
	known := false
	for _, n := range compute.List() {
		if n == name {
			known = true
		}
	}
	if !known {
		return nil, fmt.Errorf("GoMLX backend %q: unknown backend %q (compiled in: %s)",
			config, name, strings.Join(compute.List(), ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("GoMLX backend %q: %v", config, r)
		}
	}()
	b, err = withStdoutTo(io.Discard, func() (compute.Backend, error) { return compute.NewWithConfig(config) })
	if err != nil {
		return nil, fmt.Errorf("GoMLX backend %q: %w", config, err)
	}
	return b, nil
}

// Describe returns a one-line description of the backend in use, for notebooks and logs:
// its configuration, name, description and devices.
func Describe() string {
	b, err := New()
	if err != nil {
		return fmt.Sprintf("backend %q: error: %v", Config(), err)
	}
	return fmt.Sprintf("backend %q: %s (%s), %d device(s)", Config(), b.Name(), b.Description(), b.NumDevices())
}

// withStdoutTo runs f with os.Stdout pointing at w: the Go backend prints its parallelism
// setting to stdout, which would otherwise appear in every notebook cell's output.
func withStdoutTo(w io.Writer, f func() (compute.Backend, error)) (compute.Backend, error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return f()
	}
	old := os.Stdout
	os.Stdout = pw
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(w, r)
		close(done)
	}()
	b, ferr := f()
	os.Stdout = old
	_ = pw.Close()
	<-done
	_ = r.Close()
	return b, ferr
}
