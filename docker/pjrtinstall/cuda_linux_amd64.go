package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/go-xla/installer"
)

// installCUDA installs, for the JAX release version, the NVIDIA libraries that PyPI's
// jax-cuda13-plugin==version requires and the PJRT plugin of jax-cuda13-pjrt==version into
// goxlaDir/nvidia, where go-xla's CUDA support looks for them. It builds everything in a staging
// directory and renames it into place, so an interrupted install leaves no half-installed
// plugin. It mirrors go-xla's installer.CudaInstall, which resolves the libraries of the latest
// JAX release instead.
func installCUDA(libDir, goxlaDir, version string) error {
	if err := os.MkdirAll(goxlaDir, 0o755); err != nil {
		return err
	}
	staging := filepath.Join(goxlaDir, ".nvidia-staging")
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	defer os.RemoveAll(staging)

	// The NVIDIA libraries the pinned release of the CUDA kernels package requires. PyPI's
	// per-version JSON (pypi.org/pypi/NAME/VERSION/json) lists that release's requirements.
	const kernels = "jax-cuda13-plugin"
	info, err := installer.GetPipInfo(kernels + "/" + version)
	if err != nil {
		return fmt.Errorf("PyPI %s %s: %w", kernels, version, err)
	}
	if info.Info.Version != version {
		return fmt.Errorf("PyPI has no %s version %s", kernels, version)
	}
	if info.Info.AuthorEmail != "jax-dev@google.com" {
		return fmt.Errorf("PyPI %s %s is not published by the JAX team (author %q)", kernels, version, info.Info.AuthorEmail)
	}
	deps, err := info.ParseDependencies()
	if err != nil {
		return fmt.Errorf("requirements of %s %s: %w", kernels, version, err)
	}
	n := 0
	for _, dep := range deps {
		if !strings.HasPrefix(dep.Package, "nvidia") {
			continue
		}
		if err := installNvidiaWheel(staging, dep); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s %s requires no NVIDIA libraries: its requirements changed shape (%v)", kernels, version, info.Info.RequiresDist)
	}

	// XLA runs ptxas from <nvidia>/bin.
	if err := os.MkdirAll(filepath.Join(staging, "bin"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(filepath.Join("..", "cu13", "bin", "ptxas"), filepath.Join(staging, "bin", "ptxas")); err != nil {
		return err
	}

	// The PJRT plugin itself (installer.CudaInstallPJRT checks the publisher and the wheel's SHA-256).
	if _, err := installer.CudaInstallPJRT("cuda13", version, staging, false, installer.Normal); err != nil {
		return fmt.Errorf("PJRT plugin from jax-cuda13-pjrt %s: %w", version, err)
	}
	if err := os.WriteFile(filepath.Join(staging, cudaStampFile), []byte(version+"\n"), 0o644); err != nil {
		return err
	}

	final := filepath.Join(goxlaDir, "nvidia")
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	if err := os.Rename(staging, final); err != nil {
		return err
	}

	// cuBLAS is loaded by name from the library directory, as installer.CudaInstall arranges.
	for _, name := range []string{"libcublasLt.so.13", "libcublas.so.13"} {
		link := filepath.Join(libDir, name)
		if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Symlink(filepath.Join(".", "go-xla", "nvidia", "cu13", "lib", name), link); err != nil {
			return err
		}
	}
	return nil
}

// installNvidiaWheel extracts the nvidia/ tree of the newest release of dep that satisfies its
// version constraints into dir, checking the wheel's SHA-256 against PyPI's.
func installNvidiaWheel(dir string, dep installer.PipDependency) error {
	info, err := installer.GetPipInfo(dep.Package)
	if err != nil {
		return fmt.Errorf("PyPI %s: %w", dep.Package, err)
	}
	var version string
	var release *installer.PipReleaseInfo
	for v, files := range info.Releases {
		if !dep.IsValid(v) {
			continue
		}
		r, err := installer.PipSelectRelease(files, installer.PipPackageLinuxAMD64(), false)
		if err != nil {
			continue
		}
		if version == "" || installer.PipCompareVersion(v, version) > 0 {
			version, release = v, r
		}
	}
	if release == nil {
		return fmt.Errorf("PyPI %s: no linux x86_64 wheel satisfies %+v", dep.Package, dep)
	}
	sha := release.Digests["sha256"]
	if sha == "" {
		return fmt.Errorf("PyPI %s %s: no SHA-256 for %s", dep.Package, version, release.Filename)
	}
	wheel, _, err := installer.DownloadURLToTemp(release.URL, fmt.Sprintf("go-xla_%s_%s.whl", dep.Package, version), sha, false, installer.Normal)
	if err != nil {
		return fmt.Errorf("downloading %s: %w", release.Filename, err)
	}
	defer os.Remove(wheel)
	if err := installer.ExtractDirFromZip(wheel, "nvidia", dir); err != nil {
		return fmt.Errorf("extracting %s: %w", release.Filename, err)
	}
	fmt.Printf("pjrtinstall: %s %s\n", dep.Package, version)
	return nil
}
