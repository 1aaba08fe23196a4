package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakePyPI answers the requests go-xla's installer makes to pypi.org and the wheels' download
// addresses, from memory, and records them.
type fakePyPI struct {
	mu       sync.Mutex
	files    map[string][]byte // URL -> body
	requests []string
}

func (f *fakePyPI) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := req.URL.String()
	f.requests = append(f.requests, u)
	body, ok := f.files[u]
	status := http.StatusOK
	if !ok {
		status, body = http.StatusNotFound, []byte(`{"message": "Not Found"}`)
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Header: http.Header{}, Request: req}, nil
}

// wheel builds a zip with the given files and returns it with its SHA-256.
func wheel(t *testing.T, files map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type release struct {
	PackageType string            `json:"packagetype"`
	Filename    string            `json:"filename"`
	URL         string            `json:"url"`
	Digests     map[string]string `json:"digests"`
}

// newFakePyPI serves JAX release 0.10.1 (whose kernels package requires nvidia-cublas <14 and
// nvidia-cuda-nvcc) and a newer release 0.11.0 with other requirements, as PyPI's JSON API does.
func newFakePyPI(t *testing.T) *fakePyPI {
	f := &fakePyPI{files: map[string][]byte{}}
	addWheel := func(pkg, version string, files map[string]string) release {
		data, sum := wheel(t, files)
		name := strings.ReplaceAll(pkg, "-", "_") + "-" + version + "-py3-none-manylinux_2_27_x86_64.whl"
		u := "https://files.example/" + name
		f.files[u] = data
		return release{"bdist_wheel", name, u, map[string]string{"sha256": sum}}
	}
	// The kernels package: per-version JSON with that version's requirements.
	f.files["https://pypi.org/pypi/jax-cuda13-plugin/0.10.1/json"] = mustJSON(t, map[string]any{"info": map[string]any{
		"name": "jax-cuda13-plugin", "version": "0.10.1", "author_email": "jax-dev@google.com",
		"requires_dist": []string{
			"jax-cuda13-pjrt==0.10.1",
			`nvidia-cublas<14,>=13.0.0; extra == "with-cuda"`,
			`nvidia-cuda-nvcc>=13.0; extra == "with-cuda"`,
		}}})
	f.files["https://pypi.org/pypi/jax-cuda13-plugin/json"] = mustJSON(t, map[string]any{"info": map[string]any{
		"name": "jax-cuda13-plugin", "version": "0.11.0", "author_email": "jax-dev@google.com",
		"requires_dist": []string{`nvidia-cublas>=14; extra == "with-cuda"`}}})
	// NVIDIA libraries: several releases; the newest allowed one must be chosen.
	f.files["https://pypi.org/pypi/nvidia-cublas/json"] = mustJSON(t, map[string]any{
		"info": map[string]any{"name": "nvidia-cublas", "version": "14.0.0"},
		"releases": map[string][]release{
			"13.0.1": {addWheel("nvidia-cublas", "13.0.1", map[string]string{"nvidia/cu13/lib/libcublas.so.13": "old"})},
			"13.1.0": {addWheel("nvidia-cublas", "13.1.0", map[string]string{
				"nvidia/cu13/lib/libcublas.so.13": "cublas 13.1", "nvidia/cu13/lib/libcublasLt.so.13": "cublasLt 13.1"})},
			"14.0.0": {addWheel("nvidia-cublas", "14.0.0", map[string]string{"nvidia/cu14/lib/libcublas.so.14": "too new"})},
		}})
	f.files["https://pypi.org/pypi/nvidia-cuda-nvcc/json"] = mustJSON(t, map[string]any{
		"info": map[string]any{"name": "nvidia-cuda-nvcc", "version": "13.0.2"},
		"releases": map[string][]release{
			"13.0.2": {addWheel("nvidia-cuda-nvcc", "13.0.2", map[string]string{"nvidia/cu13/bin/ptxas": "ptxas"})},
		}})
	// The PJRT plugin: all releases in one JSON, as installer.CudaInstallPJRT reads it.
	f.files["https://pypi.org/pypi/jax-cuda13-pjrt/json"] = mustJSON(t, map[string]any{
		"info": map[string]any{"name": "jax-cuda13-pjrt", "version": "0.11.0", "author_email": "jax-dev@google.com"},
		"releases": map[string][]release{
			"0.10.1": {addWheel("jax-cuda13-pjrt", "0.10.1", map[string]string{"jax_plugins/xla_cuda13/xla_cuda_plugin.so": "pjrt 0.10.1"})},
			"0.11.0": {addWheel("jax-cuda13-pjrt", "0.11.0", map[string]string{"jax_plugins/xla_cuda13/xla_cuda_plugin.so": "pjrt 0.11.0"})},
		}})
	saved := http.DefaultTransport
	http.DefaultTransport = f
	t.Cleanup(func() { http.DefaultTransport = saved })
	return f
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestInstallCUDAPinned installs the CUDA plugin of JAX 0.10.1 from a fake PyPI and checks the
// layout go-xla expects: the plugin and NVIDIA libraries of that release (not of the newest
// one) under go-xla/nvidia, ptxas in nvidia/bin, cuBLAS linked from the library directory. A
// second install downloads nothing.
func TestInstallCUDAPinned(t *testing.T) {
	f := newFakePyPI(t)
	lib := t.TempDir()
	p := plan{LibDir: lib, CUDAVersion: "0.10.1", Plugins: []string{"cuda"}}
	if _, err := install(p); err != nil {
		t.Fatal(err)
	}
	nvidia := filepath.Join(lib, "go-xla", "nvidia")
	if got := readFile(t, filepath.Join(nvidia, cudaPluginFile)); got != "pjrt 0.10.1" {
		t.Errorf("PJRT plugin = %q, want the 0.10.1 release", got)
	}
	if got := readFile(t, filepath.Join(nvidia, "cu13", "lib", "libcublasLt.so.13")); got != "cublasLt 13.1" {
		t.Errorf("cuBLAS = %q, want 13.1.0, the newest release below 14", got)
	}
	if got := readFile(t, filepath.Join(nvidia, "bin", "ptxas")); got != "ptxas" {
		t.Errorf("nvidia/bin/ptxas = %q", got)
	}
	for _, name := range []string{"libcublas.so.13", "libcublasLt.so.13"} {
		target, err := os.Readlink(filepath.Join(lib, name))
		if err != nil {
			t.Fatal(err)
		}
		if target != filepath.Join("go-xla", "nvidia", "cu13", "lib", name) {
			t.Errorf("%s -> %s", name, target)
		}
		if _, err := os.Stat(filepath.Join(lib, name)); err != nil {
			t.Errorf("%s: the link is broken: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(lib, "go-xla", ".nvidia-staging")); !os.IsNotExist(err) {
		t.Errorf("the staging directory was left behind: %v", err)
	}
	for _, r := range f.requests {
		if strings.Contains(r, "0.11.0") || r == "https://pypi.org/pypi/jax-cuda13-plugin/json" {
			t.Errorf("the newest JAX release was used: %s", r)
		}
	}

	n := len(f.requests)
	done, err := install(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != n || !strings.Contains(done[0], "already installed") {
		t.Errorf("second install: %q, %d more requests", done, len(f.requests)-n)
	}
}

// TestInstallCUDAUnknownVersion asks for a JAX release PyPI does not have: a clear error, and
// nothing installed.
func TestInstallCUDAUnknownVersion(t *testing.T) {
	newFakePyPI(t)
	lib := t.TempDir()
	_, err := install(plan{LibDir: lib, CUDAVersion: "0.9.9", Plugins: []string{"cuda"}})
	if err == nil || !strings.Contains(err.Error(), "jax-cuda13-plugin") || !strings.Contains(err.Error(), "0.9.9") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(lib, "go-xla", "nvidia")); !os.IsNotExist(err) {
		t.Errorf("something was installed: %v", err)
	}
}
