// Command pjrtinstall installs XLA's PJRT plugins for GoMLX's "xla" backend at pinned versions,
// so that GOMLX_BACKEND=xla:cpu (and xla:cuda on a GPU host) work later with
// GOMLX_NO_AUTO_INSTALL=1 and no network. docker/install.sh runs it when the image is built.
//
//	go run ./docker/pjrtinstall [-lib DIR] [-cpu-version V] [-cuda-version V] cpu [cuda]
//
// The plugins go to DIR/go-xla (default ~/.local/lib/go-xla; /usr/local/lib/go-xla is the
// other directory go-xla searches by default). It uses go-xla's own installer package at the
// version go.mod pins:
//
//   - cpu: the PJRT CPU plugin from github.com/gomlx/pjrt-cpu-binaries, by default at the version
//     this go-xla release was tested with;
//   - cuda: the PJRT CUDA plugin from PyPI's jax-cuda13-pjrt and the NVIDIA libraries (cuBLAS,
//     cuDNN, ...) that the same version of jax-cuda13-plugin requires, as the installer's
//     CudaInstall does, but with the JAX version pinned instead of "latest".
//
// Installing is idempotent: a plugin already installed at the requested version is left alone,
// and nothing is downloaded.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gomlx/go-xla/installer"
)

// DefaultCPUVersion is the PJRT CPU plugin the go-xla release in go.mod was tested with
// (go-xla's pjrt.DefaultCPUVersion; a test keeps the two equal).
const DefaultCPUVersion = "v0.114.0"

// DefaultCUDAVersion is the JAX release whose CUDA 13 PJRT plugin and NVIDIA libraries are
// installed for xla:cuda.
const DefaultCUDAVersion = "0.10.1"

// plan is what to install where.
type plan struct {
	LibDir      string // the "lib" directory; plugins go to LibDir/go-xla
	CPUVersion  string
	CUDAVersion string
	Plugins     []string // "cpu", "cuda"
}

func (p plan) goxlaDir() string { return filepath.Join(p.LibDir, "go-xla") }

// cpuPluginPath is the file the CPU installer writes for version.
func cpuPluginPath(goxlaDir, version string) string {
	return filepath.Join(goxlaDir, fmt.Sprintf("pjrt_c_api_cpu_%s_plugin.so", version))
}

// installers are the functions that download and install; tests replace them.
var installers = struct {
	cpu  func(goxlaDir, version string) error
	cuda func(libDir, goxlaDir, version string) error
}{
	cpu: func(goxlaDir, version string) error {
		return installer.CPUInstall(runtime.GOOS+"_"+runtime.GOARCH, version, goxlaDir, false, installer.Normal)
	},
	cuda: installCUDA,
}

// cudaInstalled reports whether the CUDA plugin of version is installed in goxlaDir.
func cudaInstalled(goxlaDir, version string) bool {
	nvidia := filepath.Join(goxlaDir, "nvidia")
	data, err := os.ReadFile(filepath.Join(nvidia, cudaStampFile))
	if err != nil || string(data) != version+"\n" {
		return false
	}
	_, err = os.Stat(filepath.Join(nvidia, cudaPluginFile))
	return err == nil
}

// cudaPluginFile is the PJRT CUDA plugin's file name under go-xla/nvidia, and cudaStampFile the
// file recording which JAX version it came from.
const (
	cudaPluginFile = "pjrt_c_api_cuda_plugin.so"
	cudaStampFile  = "dynlearn-jax-version"
)

// install runs the plan, skipping what is already installed. It returns what it did, one line
// per plugin.
func install(p plan) ([]string, error) {
	if len(p.Plugins) == 0 {
		return nil, errors.New("name the plugins to install: cpu, cuda")
	}
	var done []string
	for _, name := range p.Plugins {
		switch name {
		case "cpu":
			path := cpuPluginPath(p.goxlaDir(), p.CPUVersion)
			if _, err := os.Stat(path); err == nil {
				done = append(done, fmt.Sprintf("cpu %s: already installed (%s)", p.CPUVersion, path))
				continue
			}
			if err := installers.cpu(p.goxlaDir(), p.CPUVersion); err != nil {
				return done, fmt.Errorf("installing the PJRT CPU plugin %s into %s: %w", p.CPUVersion, p.goxlaDir(), err)
			}
			if _, err := os.Stat(path); err != nil {
				return done, fmt.Errorf("the PJRT CPU plugin %s was installed but %s is missing: %w", p.CPUVersion, path, err)
			}
			done = append(done, fmt.Sprintf("cpu %s: installed %s", p.CPUVersion, path))
		case "cuda":
			if cudaInstalled(p.goxlaDir(), p.CUDAVersion) {
				done = append(done, fmt.Sprintf("cuda (JAX %s): already installed in %s", p.CUDAVersion, filepath.Join(p.goxlaDir(), "nvidia")))
				continue
			}
			if err := installers.cuda(p.LibDir, p.goxlaDir(), p.CUDAVersion); err != nil {
				return done, fmt.Errorf("installing the PJRT CUDA plugin (JAX %s) into %s: %w", p.CUDAVersion, p.goxlaDir(), err)
			}
			if !cudaInstalled(p.goxlaDir(), p.CUDAVersion) {
				return done, fmt.Errorf("the PJRT CUDA plugin (JAX %s) was installed but is incomplete in %s", p.CUDAVersion, p.goxlaDir())
			}
			done = append(done, fmt.Sprintf("cuda (JAX %s): installed in %s", p.CUDAVersion, filepath.Join(p.goxlaDir(), "nvidia")))
		default:
			return done, fmt.Errorf("unknown PJRT plugin %q (known: cpu, cuda)", name)
		}
	}
	return done, nil
}

func main() {
	defaultLib, err := installer.DefaultHomeLibPath()
	if err != nil {
		defaultLib = "/usr/local/lib"
	}
	var p plan
	flag.StringVar(&p.LibDir, "lib", defaultLib, "library directory; plugins are installed into its go-xla/ subdirectory")
	flag.StringVar(&p.CPUVersion, "cpu-version", DefaultCPUVersion, "release of github.com/gomlx/pjrt-cpu-binaries")
	flag.StringVar(&p.CUDAVersion, "cuda-version", DefaultCUDAVersion, "JAX release of jax-cuda13-pjrt and jax-cuda13-plugin (PyPI)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./docker/pjrtinstall [flags] cpu [cuda]")
		flag.PrintDefaults()
	}
	flag.Parse()
	p.Plugins = flag.Args()
	if p.LibDir, err = filepath.Abs(p.LibDir); err != nil {
		fmt.Fprintln(os.Stderr, "pjrtinstall:", err)
		os.Exit(1)
	}
	done, err := install(p)
	for _, d := range done {
		fmt.Println("pjrtinstall:", d)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pjrtinstall:", err)
		os.Exit(1)
	}
}
