package main

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed execute.py
var executePy string

// aptPackages are Debian's packages that provide the headless notebook runner.
const aptPackages = "jupyter-nbconvert python3-nbclient python3-jupyter-client python3-nbformat"

// installHint is the one message shown when Jupyter's headless runner is missing.
const installHint = `Jupyter's headless notebook runner (nbclient, nbconvert, jupyter_client) is not installed.
Install it with:
    sudo apt-get install -y ` + aptPackages + `
or, with pip:
    pip install nbclient nbconvert jupyter_client
(or run this command with --setup, which installs the apt packages when it can).`

// result is what running one notebook produced; index.json holds one per notebook.
type result struct {
	Notebook   string  `json:"notebook"`    // path relative to the checkout
	Name       string  `json:"name"`        // base name without .ipynb
	Status     string  `json:"status"`      // "ok" or "failed"
	FailedCell *int    `json:"failed_cell"` // 0-based index among all cells, markdown included
	FailedLine string  `json:"failed_source,omitempty"`
	Error      string  `json:"error,omitempty"`
	Seconds    float64 `json:"seconds"`
	Figures    int     `json:"figures"`
	Quick      bool    `json:"quick"`
	// Conclusion is what the notebook's last code cell printed as "conclusion: … | k=v …".
	Conclusion *conclusion `json:"conclusion,omitempty"`
	NotebookID string      `json:"notebook_sha"` // hash of the notebook source that was run
	LibraryID  string      `json:"library_sha"`  // hash of the library sources it ran against
}

type gallery struct {
	Created string   `json:"created"`
	Results []result `json:"results"`
}

func cmdRun(args []string) error {
	return runCommand(args, os.Stdout)
}

// runFlags are the options of "run", checked before anything is built, installed or run.
type runFlags struct {
	quick, setup bool
	out          string
	timeout      time.Duration
	notebooks    []string
}

// parseRunArgs checks run's flags and notebook paths: every path exists, every notebook is a
// readable nbformat-4 notebook, the flags have allowed values.
func parseRunArgs(args []string) (*runFlags, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var rf runFlags
	fs.BoolVar(&rf.quick, "quick", false, "run every notebook in its quick configuration (sets DYNLEARN_QUICK=1)")
	fs.StringVar(&rf.out, "out", "out", "directory for executed notebooks, HTML pages and index.html")
	fs.DurationVar(&rf.timeout, "timeout", 30*time.Minute, "time limit for one cell")
	fs.BoolVar(&rf.setup, "setup", false, "install Jupyter's headless runner with apt-get if it is missing")
	const allowed = "allowed flags: --quick, --setup, --out DIR, --timeout DURATION (e.g. 30m)"
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("run: %v; %s", err, allowed)
	}
	if fs.NArg() == 0 {
		return nil, errors.New("run: name notebooks or folders to run, e.g. go run ./kernel run notebooks/")
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") {
			if _, err := os.Stat(a); err != nil {
				return nil, fmt.Errorf("run: %q comes after the notebook paths; flags go before them, e.g. go run ./kernel run --quick notebooks/ (%s)", a, allowed)
			}
		}
	}
	if rf.timeout < time.Second {
		return nil, fmt.Errorf("run: --timeout %v: the time limit for one cell must be at least 1s (e.g. 30m)", rf.timeout)
	}
	if rf.out == "" {
		return nil, errors.New(`run: --out "": name the directory for the executed notebooks (default out)`)
	}
	if info, err := os.Stat(rf.out); err == nil && !info.IsDir() {
		return nil, fmt.Errorf("run: --out %s is a file; it must be a directory (it is created if missing)", rf.out)
	}
	notebooks, err := findNotebooks(fs.Args(), rf.out)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	for _, nb := range notebooks {
		if _, err := readNotebookFile(nb); err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
	}
	rf.notebooks = notebooks
	return &rf, nil
}

// runCommand is "run": it checks its arguments first, then finds (or with --setup installs)
// Jupyter's headless runner, installs the kernel if needed and runs the notebooks, writing
// progress and each failed cell's error output to log.
func runCommand(args []string, log io.Writer) error {
	rf, err := parseRunArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(log, usage)
		return nil
	}
	if err != nil {
		return err
	}
	in, err := locate()
	if err != nil {
		return err
	}
	python, err := findPython(rf.setup)
	if err != nil {
		return err
	}
	if err := in.install(false, log); err != nil {
		return err
	}
	results, err := runNotebooks(in, python, rf.notebooks, rf.out, rf.quick, rf.timeout, log)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Status != "ok" {
			failed++
		}
	}
	fmt.Fprintf(log, "gallery: %s\n", filepath.Join(rf.out, "index.html"))
	if failed > 0 {
		return fmt.Errorf("%d of %d notebooks failed", failed, len(results))
	}
	return nil
}

// findPython returns a Python interpreter that has nbclient, nbconvert and jupyter_client:
// $DYNLEARN_PYTHON, Debian's /usr/bin/python3, or python3 on PATH, in that order. With setup it
// installs Debian's packages when none has them.
func findPython(setup bool) (string, error) {
	var candidates []string
	if p := os.Getenv("DYNLEARN_PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	check := func() string {
		for _, p := range candidates {
			if exec.Command(p, "-c", "import nbclient, nbconvert, nbformat, jupyter_client").Run() == nil {
				return p
			}
		}
		return ""
	}
	if p := check(); p != "" {
		return p, nil
	}
	if !setup {
		return "", errors.New(installHint)
	}
	fmt.Println("installing Jupyter's headless runner: apt-get install -y " + aptPackages)
	prefix := []string{}
	if os.Geteuid() != 0 {
		prefix = []string{"sudo"}
	}
	for _, args := range [][]string{{"apt-get", "update"}, append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, strings.Fields(aptPackages)...)} {
		full := append(append([]string{}, prefix...), args...)
		cmd := exec.Command(full[0], full[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%s: %w\n\n%s", strings.Join(full, " "), err, installHint)
		}
	}
	if p := check(); p != "" {
		return p, nil
	}
	return "", errors.New(installHint)
}

// findNotebooks expands files and folders into a sorted list of .ipynb files, skipping
// checkpoints and the output directory.
func findNotebooks(paths []string, outDir string) ([]string, error) {
	absOut, _ := filepath.Abs(outDir)
	var list []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("notebook path %s does not exist: %w (name .ipynb files or folders that hold them)", p, fs.ErrNotExist)
		}
		if err != nil {
			return nil, fmt.Errorf("notebook path: %w", err)
		}
		if !info.IsDir() {
			if !strings.HasSuffix(p, ".ipynb") {
				return nil, fmt.Errorf("%s is not a notebook (.ipynb)", p)
			}
			list = append(list, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				abs, _ := filepath.Abs(path)
				if d.Name() == ".ipynb_checkpoints" || abs == absOut || (strings.HasPrefix(d.Name(), ".") && path != p) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(path, ".ipynb") {
				list = append(list, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no notebooks found in %s", strings.Join(paths, " "))
	}
	sort.Strings(list)
	return list, nil
}

// libraryID hashes the Go sources of the library and go.mod/go.sum: a gallery made against other
// sources is stale.
func libraryID(repo string) (string, error) {
	h := sha256.New()
	var files []string
	for _, f := range []string{"go.mod", "go.sum"} {
		files = append(files, filepath.Join(repo, f))
	}
	err := filepath.WalkDir(filepath.Join(repo, "pkg"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(repo, f)
		fmt.Fprintf(h, "%s %d\n", rel, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// relPath names a notebook in the gallery: relative to the checkout when inside it, absolute otherwise.
func (in *installation) relPath(path string) string {
	abs, _ := filepath.Abs(path)
	rel, err := filepath.Rel(in.Repo, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return abs
	}
	return rel
}

func fileID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12]), nil
}

// runNotebooks executes notebooks one after another (they each use both cores) and writes the
// gallery: executed notebooks, HTML pages, index.html and index.json.
func runNotebooks(in *installation, python string, notebooks []string, outDir string, quick bool,
	timeout time.Duration, log io.Writer) ([]result, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	script := filepath.Join(outDir, ".execute.py")
	if err := os.WriteFile(script, []byte(executePy), 0o644); err != nil {
		return nil, err
	}
	defer os.Remove(script)
	libID, err := libraryID(in.Repo)
	if err != nil {
		return nil, err
	}
	var results []result
	for _, nbPath := range notebooks {
		name := strings.TrimSuffix(filepath.Base(nbPath), ".ipynb")
		rel := in.relPath(nbPath)
		nbID, err := fileID(nbPath)
		if err != nil {
			return nil, err
		}
		r := result{Notebook: rel, Name: name, Quick: quick, NotebookID: nbID, LibraryID: libID}
		cmd := exec.Command(python, script, KernelName, nbPath,
			filepath.Join(outDir, name+".ipynb"), filepath.Join(outDir, name+".html"),
			fmt.Sprint(int(timeout.Seconds())))
		cmd.Env = os.Environ()
		if quick {
			cmd.Env = append(cmd.Env, "DYNLEARN_QUICK=1")
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		runErr := cmd.Run()
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		var parsed struct {
			Status     string  `json:"status"`
			FailedCell *int    `json:"failed_cell"`
			FailedLine string  `json:"failed_source"`
			Error      string  `json:"error"`
			Seconds    float64 `json:"seconds"`
			Figures    int     `json:"figures"`
		}
		if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &parsed); jerr != nil || runErr != nil {
			r.Status = "failed"
			r.Error = fmt.Sprintf("the notebook runner failed: %v\n%s%s", runErr, stdout.String(), lastLines(stderr.String(), 30))
			r.Seconds = time.Since(start).Seconds()
		} else {
			r.Status, r.FailedCell, r.FailedLine, r.Error = parsed.Status, parsed.FailedCell, parsed.FailedLine, parsed.Error
			r.Seconds, r.Figures = parsed.Seconds, parsed.Figures
			if r.FailedCell != nil {
				if text := failedCellOutput(filepath.Join(outDir, name+".ipynb"), *r.FailedCell, in.Repo); text != "" {
					r.Error = text
				}
			} else if executed, err := readNotebookFile(filepath.Join(outDir, name+".ipynb")); err == nil {
				r.Conclusion = conclusionOf(executed)
			}
		}
		results = append(results, r)
		line := fmt.Sprintf("%-6s %-40s %7.1fs %3d figures", strings.ToUpper(r.Status), rel, r.Seconds, r.Figures)
		if r.FailedCell != nil {
			line += "  " + r.failedCellText()
		}
		fmt.Fprintln(log, line)
		if r.Conclusion != nil {
			fmt.Fprintln(log, "       conclusion: "+r.Conclusion.Sentence)
		}
		if r.Status != "ok" {
			fmt.Fprintln(log, indent(lastLines(r.Error, 40), "    "))
		}
	}
	if err := writeGallery(outDir, results); err != nil {
		return results, err
	}
	return results, nil
}

// failedCellOutput returns the error output of cell index (0-based, markdown cells included)
// of the executed notebook at path, trimmed to its useful lines; "" if it has none.
func failedCellOutput(path string, index int, repo string) string {
	nb, err := readNotebookFile(path)
	if err != nil || index < 0 || index >= len(nb.Cells) {
		return ""
	}
	return nb.Cells[index].errorText(repo)
}

// failedCellText names the failed cell as a person finds it: its position counting from 1
// (markdown cells included) and its first line of code.
func (r result) failedCellText() string {
	if r.FailedCell == nil {
		return ""
	}
	return fmt.Sprintf("cell %d failed: %q", *r.FailedCell+1, r.FailedLine)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// writeGallery merges results into index.json (keeping entries of notebooks not run this time)
// and rewrites index.html.
func writeGallery(outDir string, results []result) error {
	g := gallery{}
	if data, err := os.ReadFile(filepath.Join(outDir, "index.json")); err == nil {
		_ = json.Unmarshal(data, &g)
	}
	byName := map[string]result{}
	for _, r := range g.Results {
		byName[r.Notebook] = r
	}
	for _, r := range results {
		byName[r.Notebook] = r
	}
	g.Results = g.Results[:0]
	for _, r := range byName {
		g.Results = append(g.Results, r)
	}
	sort.Slice(g.Results, func(i, j int) bool { return g.Results[i].Notebook < g.Results[j].Notebook })
	g.Created = time.Now().UTC().Format(time.RFC3339)
	js, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(outDir, "index.json"), js, 0o644); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>dynlearn notebooks</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}td,th{padding:4px 12px;text-align:left}
.ok{color:#2a7d2a}.failed{color:#b00020;font-weight:bold}.conclusion td{color:#333;padding-bottom:10px}</style></head><body>
<h1>dynlearn notebooks</h1><table><tr><th>notebook</th><th>status</th><th>mode</th><th>seconds</th><th>figures</th></tr>
`)
	for _, r := range g.Results {
		mode := "full"
		if r.Quick {
			mode = "quick"
		}
		status := r.Status
		if r.FailedCell != nil {
			status += ": " + r.failedCellText()
		}
		fmt.Fprintf(&b, `<tr><td><a href="%s.html">%s</a></td><td class="%s">%s</td><td>%s</td><td>%.1f</td><td>%d</td></tr>`+"\n",
			html.EscapeString(r.Name), html.EscapeString(r.Notebook), html.EscapeString(r.Status), html.EscapeString(status),
			mode, r.Seconds, r.Figures)
		if c := r.Conclusion; c != nil {
			keys := make([]string, 0, len(c.Figures))
			for k := range c.Figures {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var figs []string
			for _, k := range keys {
				figs = append(figs, k+" = "+c.Figures[k])
			}
			fmt.Fprintf(&b, `<tr class="conclusion"><td></td><td colspan="4">%s<br><small>%s</small></td></tr>`+"\n",
				html.EscapeString(c.Sentence), html.EscapeString(strings.Join(figs, ", ")))
		}
	}
	fmt.Fprintf(&b, "</table><p>Generated %s.</p></body></html>\n", g.Created)
	return writeFileAtomic(filepath.Join(outDir, "index.html"), []byte(b.String()), 0o644)
}
