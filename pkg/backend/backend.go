// Package backend is the one place where dynlearn picks the GoMLX compute backend.
//
// When the environment variable GOMLX_BACKEND is set it is honoured as GoMLX documents it
// ("go:parallelism=2", "xla:cpu", "xla:cuda", ...), with one exception: a configuration of the
// pure-Go backend that names no parallelism ("go", what GoMLX users type out of habit) runs with
// parallelism=-1 (Config, Describe says so), because the pure-Go backend's default worker pool
// (github.com/gomlx/compute v0.1.6) deadlocks; see docs/gobackend-deadlock.md in the repository for
// the defect and the measurements. Without GOMLX_BACKEND dynlearn uses Default.
//
// The XLA backend is compiled in (unless built with -tags noxla) so that users with a GPU can
// pick it. Its PJRT plugin must be installed (go run github.com/dynlearn/dynlearn/docker/pjrtinstall
// cpu|cuda): dynlearn does not let GoMLX download it on first use, and reports a missing plugin as
// one error naming the configuration and the remedy. DYNLEARN_XLA_AUTOINSTALL=1 restores GoMLX's
// automatic download.
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

// Config returns the backend configuration that New uses: Effective(GOMLX_BACKEND) when set and
// not empty, Default otherwise.
func Config() string {
	if c := Requested(); c != "" {
		return Effective(c)
	}
	return Default
}

// Requested returns the configuration the user asked for in GOMLX_BACKEND ("" when not set).
func Requested() string { return strings.TrimSpace(os.Getenv(compute.ConfigEnvVar)) }

// Effective returns the configuration dynlearn runs for a requested one: a configuration of the
// pure-Go backend that names no parallelism gets parallelism=-1 ("go" becomes Default,
// "go:ops_sequential" becomes "go:parallelism=-1,ops_sequential"), since the default worker pool
// deadlocks (docs/gobackend-deadlock.md). An explicit parallelism, and every other backend, is kept.
func Effective(config string) string {
	name, opts, _ := strings.Cut(config, ":")
	if name != "go" {
		return config
	}
	var kept []string
	for _, o := range strings.Split(opts, ",") {
		o = strings.TrimSpace(o)
		if k, _, _ := strings.Cut(o, "="); k == "parallelism" {
			return config
		}
		if o != "" {
			kept = append(kept, o)
		}
	}
	return strings.Join(append([]string{Default}, kept...), ",")
}

// DescribeConfig describes the configuration in use without creating the backend: the effective
// configuration and, when it differs from GOMLX_BACKEND, what was requested and why it changed.
func DescribeConfig() string {
	req, cfg := Requested(), Config()
	switch {
	case req == "":
		return fmt.Sprintf("backend %q (dynlearn's default; GOMLX_BACKEND is not set)", cfg)
	case req != cfg:
		return fmt.Sprintf("backend %q (GOMLX_BACKEND=%q runs with parallelism=-1: the pure-Go backend's default worker pool deadlocks, see docs/gobackend-deadlock.md; name a parallelism to override)", cfg, req)
	}
	return fmt.Sprintf("backend %q (GOMLX_BACKEND)", cfg)
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
// or "xla:cpu", exactly as given (Config applies Effective; this does not). Unknown backends, bad
// options and a missing XLA plugin are returned as errors, not panics.
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
	if err := checkPlugin(name, config); err != nil {
		return nil, err
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
		return fmt.Sprintf("%s: error: %v", DescribeConfig(), err)
	}
	return fmt.Sprintf("%s: %s (%s), %d device(s)", DescribeConfig(), b.Name(), b.Description(), b.NumDevices())
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
