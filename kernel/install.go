package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/internal/checkout"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// KernelName is the name Jupyter knows the dynlearn kernel by.
const KernelName = "dynlearn"

// kernelSpec is Jupyter's kernel.json.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// tools are the programs the kernel needs, built from the versions go.mod pins.
var tools = []struct{ name, pkg string }{
	{"gonb", "github.com/janpfeifer/gonb"},
	{"goimports", "golang.org/x/tools/cmd/goimports"},
	{"gopls", "golang.org/x/tools/gopls"},
}

// jupyterDataDir is where Jupyter looks for user kernels: $JUPYTER_DATA_DIR, or the platform default.
func jupyterDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the Jupyter data directory (set JUPYTER_DATA_DIR): %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if app := os.Getenv("APPDATA"); app != "" {
			return filepath.Join(app, "jupyter"), nil
		}
		return filepath.Join(home, "AppData", "Roaming", "jupyter"), nil
	default:
		if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
			return filepath.Join(xdg, "jupyter"), nil
		}
		return filepath.Join(home, ".local", "share", "jupyter"), nil
	}
}

// installation describes where the kernel lives.
type installation struct {
	Repo      string // checkout the kernel imports the library from
	KernelDir string // <jupyter data>/kernels/dynlearn
	BinDir    string // built tools
}

func locate() (*installation, error) {
	repo, err := checkout.Root()
	if err != nil {
		return nil, err
	}
	data, err := jupyterDataDir()
	if err != nil {
		return nil, err
	}
	kdir := filepath.Join(data, "kernels", KernelName)
	return &installation{Repo: repo, KernelDir: kdir, BinDir: filepath.Join(kdir, "bin")}, nil
}

// stamp identifies what an installation was built from: go.mod, go.sum, the checkout path and
// the Go version. An installation with the same stamp is up to date.
func (in *installation) stamp() (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(in.Repo, f))
		if err != nil {
			return "", err
		}
		h.Write(data)
	}
	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", in.Repo, goVersion, kernelScript, goWrapperScript)
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// upToDate reports whether the kernel is installed for this checkout with the current go.mod.
func (in *installation) upToDate() bool {
	want, err := in.stamp()
	if err != nil {
		return false
	}
	got, err := os.ReadFile(filepath.Join(in.KernelDir, "stamp"))
	if err != nil || strings.TrimSpace(string(got)) != want {
		return false
	}
	for _, t := range append(tools[:len(tools):len(tools)], struct{ name, pkg string }{"go", ""}) {
		if _, err := os.Stat(filepath.Join(in.BinDir, t.name)); err != nil {
			return false
		}
	}
	return true
}

// kernelScript starts GoNB with the tools on PATH and the settings dynlearn's cells need.
// %[1]s is the bin dir, %[2]s the Go root, %[3]s the checkout.
const kernelScript = `#!/bin/sh
# Started by Jupyter for the "Go (dynlearn)" kernel; written by "go run ./kernel install".
export PATH="%[1]s:%[2]s/bin:$PATH"
# The pure-Go GoMLX backend uses AVX-512/AVX2 matmul kernels when built with GOEXPERIMENT=simd.
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
export DYNLEARN_REPO="%[3]s"
exec "%[1]s/gonb" "$@"
`

// goWrapperScript is the "go" command GoNB finds first on its PATH: the real one (%[1]s), except
// that after GoNB's "go mod init" of the module it compiles cells in ($GONB_TMP_DIR), it appends
// the file %[2]s (see cellModuleTail: a requirement of dynlearn, replaced by the checkout, and
// all of dynlearn's requirements) to that go.mod, and dynlearn's go.sum (%[3]s) to its go.sum.
//
// GoNB runs "go get" before every cell. Without this, "go get" looks up every imported package
// outside the workspace's own modules in the module proxy, even one of dynlearn's build list
// such as github.com/janpfeifer/gonb/gonbui, and fails offline or where the proxy refuses the
// lookup ("403 Forbidden"); online it would take the latest version, not dynlearn's. With it,
// the packages of dynlearn's build list (GoNB's gonbui, GoMLX, gonum, ...) resolve to the
// versions dynlearn uses, from the module cache, and "go get" leaves go.mod as it is (a go.mod
// that changes under GoNB's gopls stops its completions); other modules still come from the
// proxy.
const goWrapperScript = `#!/bin/sh
# The go command of the "Go (dynlearn)" kernel; written by "go run ./kernel install".
real=%[1]s
if [ "$1" = mod ] && [ "$2" = init ] && [ -n "$GONB_TMP_DIR" ] &&
	[ "$(pwd -P)" = "$(cd "$GONB_TMP_DIR" 2>/dev/null && pwd -P)" ]; then
	"$real" "$@" || exit $?
	cat %[2]s >>go.mod || exit $?
	if [ -f %[3]s ]; then cat %[3]s >>go.sum || exit $?; fi
	exit 0
fi
exec "$real" "$@"
`

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// goWrapper returns the wrapper script for the go command at realGo, the checkout repo and the
// file tail that it appends to the go.mod of GoNB's cell module.
func goWrapper(realGo, repo, tail string) string {
	return fmt.Sprintf(goWrapperScript, shellQuote(realGo), shellQuote(tail), shellQuote(filepath.Join(repo, "go.sum")))
}

// cellModuleTail returns what the go wrapper appends to the go.mod of GoNB's cell module: a
// requirement of dynlearn replaced by the checkout repo, and dynlearn's own requirements and
// replacements (local paths made absolute), all as direct requirements so that "go get" for a
// cell that imports one of them has nothing to add.
func cellModuleTail(repo string) (string, error) {
	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("reading %s: go mod edit -json: %w", filepath.Join(repo, "go.mod"), err)
	}
	type modVer struct{ Path, Version string }
	var mod struct {
		Module  struct{ Path string }
		Require []modVer
		Replace []struct{ Old, New modVer }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("reading %s: go mod edit -json: %w", filepath.Join(repo, "go.mod"), err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n// Added by the dynlearn kernel (go run ./kernel install): dynlearn from %s and its build list.\n", repo)
	fmt.Fprintf(&b, "require %s v0.0.0\n\nreplace %s => %s\n", mod.Module.Path, mod.Module.Path, strconv.Quote(repo))
	if len(mod.Require) > 0 {
		b.WriteString("\nrequire (\n")
		for _, r := range mod.Require {
			fmt.Fprintf(&b, "\t%s %s\n", r.Path, r.Version)
		}
		b.WriteString(")\n")
	}
	for _, r := range mod.Replace {
		old := r.Old.Path
		if r.Old.Version != "" {
			old += " " + r.Old.Version
		}
		repl := r.New.Path + " " + r.New.Version
		if r.New.Version == "" {
			p := r.New.Path
			if !filepath.IsAbs(p) {
				p = filepath.Join(repo, p)
			}
			repl = strconv.Quote(p)
		}
		fmt.Fprintf(&b, "replace %s => %s\n", old, repl)
	}
	return b.String(), nil
}

func cmdInstall(args []string) error {
	fs := flag.NewFlagSet("install", flag.ExitOnError)
	force := fs.Bool("force", false, "rebuild and rewrite even if the installation is up to date")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in, err := locate()
	if err != nil {
		return err
	}
	return in.install(*force, os.Stdout)
}

func (in *installation) install(force bool, log io.Writer) error {
	if !force && in.upToDate() {
		fmt.Fprintf(log, "kernel %q is up to date in %s (imports dynlearn from %s)\n", KernelName, in.KernelDir, in.Repo)
		return nil
	}
	if err := os.MkdirAll(in.BinDir, 0o755); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	// Build the tools at the versions go.mod pins, from the module cache (go downloads a module
	// only if the cache lacks it).
	fmt.Fprintf(log, "building %s into %s (versions from %s/go.mod)\n", toolNames(), in.BinDir, in.Repo)
	buildArgs := []string{"build", "-o", in.BinDir + string(os.PathSeparator)}
	for _, t := range tools {
		buildArgs = append(buildArgs, t.pkg)
	}
	cmd := exec.Command("go", buildArgs...)
	cmd.Dir = in.Repo
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the kernel tools (%s): %w\n%s", strings.Join(buildArgs, " "), err, out.String())
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	script := fmt.Sprintf(kernelScript, in.BinDir, strings.TrimSpace(string(goroot)), in.Repo)
	realGo := filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go")
	tail, err := cellModuleTail(in.Repo)
	if err != nil {
		return err
	}
	tailPath := filepath.Join(in.KernelDir, "cell-go.mod")
	if err := writeFileAtomic(tailPath, []byte(tail), 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(in.BinDir, "go"), []byte(goWrapper(realGo, in.Repo, tailPath)), 0o755); err != nil {
		return err
	}
	scriptPath := filepath.Join(in.KernelDir, "dynlearn-kernel")
	if err := writeFileAtomic(scriptPath, []byte(script), 0o755); err != nil {
		return err
	}
	spec := kernelSpec{
		Argv: []string{scriptPath, "--kernel", "{connection_file}", "--logtostderr",
			"--go_work=" + in.Repo},
		DisplayName:   "Go (dynlearn)",
		Language:      "go",
		InterruptMode: "message",
		Env:           map[string]string{},
		Metadata:      map[string]any{"dynlearn_repo": in.Repo},
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(in.KernelDir, "kernel.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(in.KernelDir, "logo-svg.svg"), []byte(logoSVG), 0o644); err != nil {
		return err
	}
	st, err := in.stamp()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(in.KernelDir, "stamp"), []byte(st+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "registered Jupyter kernel %q (display name \"Go (dynlearn)\") in %s\n", KernelName, in.KernelDir)
	fmt.Fprintf(log, "notebooks in this kernel import github.com/dynlearn/dynlearn/pkg/... from %s, with GOEXPERIMENT=simd\n", in.Repo)
	return nil
}

func toolNames() string {
	var n []string
	for _, t := range tools {
		n = append(n, t.name)
	}
	return strings.Join(n, ", ")
}

// writeFileAtomic writes data to path atomically (see diskcache.WriteBytes) with permissions perm.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := diskcache.WriteBytes(path, data); err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

// logoSVG is the kernel's icon in Jupyter's launcher: a Lorenz-like double loop.
const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
<rect width="64" height="64" rx="10" fill="#00add8"/>
<path d="M32 32 C 20 14, 6 22, 12 34 S 30 44, 32 32 C 34 20, 58 22, 52 34 S 34 44, 32 32 Z" fill="none" stroke="#fff" stroke-width="4"/>
</svg>
`
