package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/go-xla/pjrt"
)

// TestDefaultCPUVersion keeps the pinned CPU plugin equal to the one the go-xla release in
// go.mod was tested with: bumping go-xla without bumping the pin fails here.
func TestDefaultCPUVersion(t *testing.T) {
	if DefaultCPUVersion != pjrt.DefaultCPUVersion {
		t.Errorf("DefaultCPUVersion = %q, but go-xla in go.mod is tested with the PJRT CPU plugin %q", DefaultCPUVersion, pjrt.DefaultCPUVersion)
	}
}

// fakeInstallers replaces the downloading installers with ones that write the files a real
// install writes, and counts their calls.
func fakeInstallers(t *testing.T) (cpuCalls, cudaCalls *int) {
	t.Helper()
	saved := installers
	t.Cleanup(func() { installers = saved })
	cpuCalls, cudaCalls = new(int), new(int)
	installers.cpu = func(goxlaDir, version string) error {
		*cpuCalls++
		if err := os.MkdirAll(goxlaDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(cpuPluginPath(goxlaDir, version), []byte("so"), 0o644)
	}
	installers.cuda = func(libDir, goxlaDir, version string) error {
		*cudaCalls++
		nvidia := filepath.Join(goxlaDir, "nvidia")
		if err := os.MkdirAll(nvidia, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(nvidia, cudaPluginFile), []byte("so"), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(nvidia, cudaStampFile), []byte(version+"\n"), 0o644)
	}
	return cpuCalls, cudaCalls
}

// TestInstallIsIdempotent installs twice: the second run downloads nothing; a new version is
// installed again.
func TestInstallIsIdempotent(t *testing.T) {
	cpuCalls, cudaCalls := fakeInstallers(t)
	p := plan{LibDir: t.TempDir(), CPUVersion: "v1.2.3", CUDAVersion: "0.9.9", Plugins: []string{"cpu", "cuda"}}
	done, err := install(p)
	if err != nil {
		t.Fatal(err)
	}
	if *cpuCalls != 1 || *cudaCalls != 1 || len(done) != 2 || !strings.Contains(done[0], "installed") {
		t.Fatalf("first install: cpu %d, cuda %d calls, %q", *cpuCalls, *cudaCalls, done)
	}
	done, err = install(p)
	if err != nil {
		t.Fatal(err)
	}
	if *cpuCalls != 1 || *cudaCalls != 1 {
		t.Errorf("second install downloaded again: cpu %d, cuda %d calls", *cpuCalls, *cudaCalls)
	}
	for _, d := range done {
		if !strings.Contains(d, "already installed") {
			t.Errorf("second install: %q", d)
		}
	}
	p.CPUVersion, p.CUDAVersion = "v1.2.4", "0.9.10"
	if _, err := install(p); err != nil {
		t.Fatal(err)
	}
	if *cpuCalls != 2 || *cudaCalls != 2 {
		t.Errorf("new versions not installed: cpu %d, cuda %d calls", *cpuCalls, *cudaCalls)
	}
}

// TestInstallErrors checks that failures and incomplete installs are reported, naming the plugin.
func TestInstallErrors(t *testing.T) {
	fakeInstallers(t)
	dir := t.TempDir()
	if _, err := install(plan{LibDir: dir, Plugins: []string{"tpu"}}); err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Errorf("unknown plugin: err = %v", err)
	}
	if _, err := install(plan{LibDir: dir}); err == nil {
		t.Error("no plugins: no error")
	}
	installers.cpu = func(string, string) error { return errors.New("network is unreachable") }
	if _, err := install(plan{LibDir: dir, CPUVersion: "v9", Plugins: []string{"cpu"}}); err == nil || !strings.Contains(err.Error(), "network is unreachable") {
		t.Errorf("failing download: err = %v", err)
	}
	installers.cuda = func(string, string, string) error { return nil } // claims success, writes nothing
	if _, err := install(plan{LibDir: dir, CUDAVersion: "0.1", Plugins: []string{"cuda"}}); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("incomplete CUDA install: err = %v", err)
	}
}
