package backend

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
)

// TestGoMapsToUnlimitedParallelism: GOMLX_BACKEND=go (what GoMLX users type) and go configurations
// that name no parallelism run with parallelism=-1, and Describe says so; an explicit parallelism and
// other backends are kept.
func TestGoMapsToUnlimitedParallelism(t *testing.T) {
	for req, want := range map[string]string{
		"go":                             "go:parallelism=-1",
		"go:":                            "go:parallelism=-1",
		"go:ops_sequential":              "go:parallelism=-1,ops_sequential",
		"go:parallelism=4":               "go:parallelism=4",
		"go:ops_parallel,parallelism=-1": "go:ops_parallel,parallelism=-1",
		"xla:cpu":                        "xla:cpu",
	} {
		t.Setenv("GOMLX_BACKEND", req)
		if got := Config(); got != want {
			t.Errorf("GOMLX_BACKEND=%q: Config() = %q, want %q", req, got, want)
		}
	}
	t.Setenv("GOMLX_BACKEND", "go")
	d := DescribeConfig()
	for _, w := range []string{`"go:parallelism=-1"`, `GOMLX_BACKEND="go"`, "deadlock"} {
		if !strings.Contains(d, w) {
			t.Errorf("DescribeConfig() = %q does not mention %q", d, w)
		}
	}
	t.Setenv("GOMLX_BACKEND", "go:parallelism=2")
	if d := DescribeConfig(); strings.Contains(d, "deadlock") {
		t.Errorf("DescribeConfig() with an explicit parallelism = %q, want no remark", d)
	}
}

// captureStderr runs f with os.Stderr redirected and returns what was written to it.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stderr = old }()
	f()
	os.Stderr = old
	_ = w.Close()
	return <-done
}

// TestXLAWithoutPluginIsOneClearError: asking for the XLA backend without its PJRT plugin gives one
// error naming the configuration, the plugin and the remedies, at once (no download attempt) and
// without printing a stack trace. Skipped where a plugin is installed.
func TestXLAWithoutPluginIsOneClearError(t *testing.T) {
	if !slices.Contains(compute.List(), "xla") {
		t.Skip("the XLA backend is not compiled in")
	}
	t.Setenv(AutoInstallEnv, "")
	installed := func(plugin string) bool {
		for n := range listPlugins() {
			if plugin == "" || n == plugin || strings.HasPrefix(n, plugin+"_v") {
				return true
			}
		}
		return false
	}
	for _, config := range []string{"xla:cuda", "xla:cpu", "xla"} {
		if _, plugin, _ := strings.Cut(config, ":"); installed(plugin) {
			t.Logf("a PJRT plugin for %s is installed: not checked", config)
			continue
		}
		var err error
		start := time.Now()
		stderr := captureStderr(t, func() { _, err = NewWithConfig(config) })
		if err == nil {
			t.Fatalf("NewWithConfig(%q) without a plugin: no error", config)
		}
		msg := err.Error()
		for _, want := range []string{`"` + config + `"`, "not installed", "pjrtinstall", "unset GOMLX_BACKEND", Default, AutoInstallEnv} {
			if !strings.Contains(msg, want) {
				t.Errorf("NewWithConfig(%q) error %q does not mention %q", config, msg, want)
			}
		}
		if strings.Contains(msg, "\n") || strings.Contains(msg, ".go:") {
			t.Errorf("NewWithConfig(%q) error has several lines or a stack trace: %q", config, msg)
		}
		if stderr != "" {
			t.Errorf("NewWithConfig(%q) printed to stderr: %q", config, stderr)
		}
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("NewWithConfig(%q) took %v (a download attempt?)", config, el)
		}
	}
}

// TestCheckPluginFindsInstalledPlugins: with a plugin installed (faked), the check lets the
// configuration through, versioned names included; absolute paths must exist.
func TestCheckPluginFindsInstalledPlugins(t *testing.T) {
	t.Setenv(AutoInstallEnv, "")
	old := listPlugins
	defer func() { listPlugins = old }()
	listPlugins = func() map[string]string {
		return map[string]string{"cpu_v0.114.0": "/x/pjrt_c_api_cpu_v0.114.0_plugin.so", "cuda": "/x/pjrt-plugin-cuda.so"}
	}
	for _, c := range []string{"xla", "xla:cpu", "xla:cuda,tf32=false", "stablehlo:cpu", "go", "go:parallelism=2"} {
		name, _, _ := strings.Cut(c, ":")
		if err := checkPlugin(name, c); err != nil {
			t.Errorf("checkPlugin(%q) with the plugin installed: %v", c, err)
		}
	}
	if err := checkPlugin("xla", "xla:rocm"); err == nil || !strings.Contains(err.Error(), "cpu_v0.114.0, cuda") {
		t.Errorf("checkPlugin(xla:rocm): %v, want an error listing the installed plugins", err)
	}
	if err := checkPlugin("xla", "xla:/no/such/plugin.so"); err == nil || !strings.Contains(err.Error(), "/no/such/plugin.so") {
		t.Errorf("checkPlugin with a missing plugin file: %v", err)
	}
	t.Setenv(AutoInstallEnv, "1")
	if err := checkPlugin("xla", "xla:rocm"); err != nil {
		t.Errorf("checkPlugin with %s=1: %v, want the check left to GoMLX", AutoInstallEnv, err)
	}
}
