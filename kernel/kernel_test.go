package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// setupKernel returns the installation, installing the kernel if needed, and the Python that
// runs notebooks. A machine without Jupyter's headless runner fails the test, saying how to
// install it: notebooks are never skipped silently.
func setupKernel(t *testing.T) (*installation, string) {
	t.Helper()
	in, err := locate()
	if err != nil {
		t.Fatal(err)
	}
	python, err := findPython(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.install(false, os.Stderr); err != nil {
		t.Fatal(err)
	}
	return in, python
}

func writeNotebook(t *testing.T, path string, cells ...string) {
	t.Helper()
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{
		"kernelspec": map[string]any{"name": KernelName, "display_name": "Go (dynlearn)", "language": "go"}}}
	var cs []map[string]any
	for _, src := range cells {
		c := map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": src,
			"outputs": []any{}, "execution_count": nil}
		if strings.HasPrefix(src, "# ") {
			c = map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": src}
		}
		cs = append(cs, c)
	}
	nb["cells"] = cs
	data, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunReportsFailingCell runs a notebook whose third code cell panics, through the real
// kernel with the module proxy switched off (so importing the library needs no network), and
// checks that the run fails naming that cell, that the cells before it ran in quick mode with
// GOEXPERIMENT=simd, and that the cell after it did not run.
func TestRunReportsFailingCell(t *testing.T) {
	in, python := setupKernel(t)
	dir := t.TempDir()
	nb := filepath.Join(dir, "failing.ipynb")
	writeNotebook(t, nb,
		"# A notebook with a failing cell",
		"import \"github.com/dynlearn/dynlearn/pkg/config\"\n\n%%\nfmt.Println(\"mode:\", config.Mode(), \"experiment:\", os.Getenv(\"GOEXPERIMENT\"))",
		"%%\nfmt.Println(\"second cell\")",
		"%%\npanic(\"deliberate failure\")",
		"%%\nfmt.Println(\"must not run\")")
	t.Setenv("GOPROXY", "off")
	out := filepath.Join(dir, "out")
	results, err := runNotebooks(in, python, []string{nb}, out, true, 5*time.Minute, &testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Status != "failed" || r.FailedCell == nil || *r.FailedCell != 3 {
		t.Fatalf("result = %+v, want failed at cell index 3", r)
	}
	if txt := r.failedCellText(); !strings.Contains(txt, "cell 4") || !strings.Contains(txt, "deliberate failure") {
		t.Errorf("failure description %q does not name the cell", txt)
	}
	data, err := os.ReadFile(filepath.Join(out, "failing.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !strings.Contains(s, "mode: quick experiment: simd") {
		t.Errorf("first cell did not run in quick mode with GOEXPERIMENT=simd; executed notebook:\n%s", s)
	}
	if strings.Contains(s, "must not run\\n\"") {
		t.Errorf("a cell after the failing one ran")
	}
	for _, f := range []string{"failing.html", "index.html", "index.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("gallery file missing: %v", err)
		}
	}
	problems, err := checkGallery(in, []string{nb}, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "cell 4 failed") {
		t.Errorf("checkGallery problems = %q, want the failed cell", problems)
	}
}

type testLog struct{ t *testing.T }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestNotebookGallery checks every notebook in notebooks/ ran in quick mode without errors and
// that its plotting cells produced images. It reads the gallery the README's first command
// wrote (out/), so CI executes no notebook twice; a missing or stale gallery is made here.
func TestNotebookGallery(t *testing.T) {
	in, python := setupKernel(t)
	nbDir := filepath.Join(in.Repo, "notebooks")
	outDir := filepath.Join(in.Repo, "out")
	notebooks, err := findNotebooks([]string{nbDir}, outDir)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checkGallery(in, notebooks, outDir)
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for _, p := range problems {
		if strings.Contains(p, errStale.Error()) || strings.Contains(p, "no gallery") {
			stale = append(stale, strings.SplitN(p, ":", 2)[0])
		}
	}
	if len(stale) > 0 {
		t.Logf("gallery missing or stale for %d notebooks; running them in quick mode now", len(stale))
		var toRun []string
		for _, nb := range notebooks {
			rel := in.relPath(nb)
			for _, s := range stale {
				if s == rel || strings.HasPrefix(s, "no gallery") {
					toRun = append(toRun, nb)
					break
				}
			}
		}
		if _, err := runNotebooks(in, python, toRun, outDir, true, 30*time.Minute, &testLog{t}); err != nil {
			t.Fatal(err)
		}
		if problems, err = checkGallery(in, notebooks, outDir); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestFindNotebooks(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.ipynb", "a.ipynb", "sub/c.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb", "out/a.ipynb", "notes.md"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := findNotebooks([]string{dir}, filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, g := range got {
		r, _ := filepath.Rel(dir, g)
		rel = append(rel, r)
	}
	if strings.Join(rel, ",") != "a.ipynb,b.ipynb,sub/c.ipynb" {
		t.Errorf("findNotebooks = %v", rel)
	}
	if _, err := findNotebooks([]string{filepath.Join(dir, "notes.md")}, "out"); err == nil {
		t.Error("a non-notebook file was accepted")
	}
	if _, err := findNotebooks([]string{filepath.Join(dir, "missing")}, "out"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: err = %v", err)
	}
}

// TestRunPrintsCellErrors runs "run" as a user does on three notebooks through the real kernel,
// with a module proxy that refuses every request: one whose cell panics, one whose cell does
// not compile, and one that shows HTML with GoNB's gonbui. The command's output must hold the
// panic message with the cell's line, the compiler's message, and no failure for gonbui.
func TestRunPrintsCellErrors(t *testing.T) {
	if _, err := findPython(false); err != nil {
		t.Skipf("skipped: this test executes notebooks through the real kernel and needs Jupyter's headless runner: %v", err)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "This module version is not available.", http.StatusForbidden)
	}))
	defer proxy.Close()
	t.Setenv("GOPROXY", proxy.URL)
	dir := t.TempDir()
	writeNotebook(t, filepath.Join(dir, "panics.ipynb"),
		"%%\nfmt.Println(\"first\")",
		"%%\nx := 3\npanic(fmt.Sprintf(\"deliberate failure %d\", x))")
	writeNotebook(t, filepath.Join(dir, "compile.ipynb"),
		"%%\nvar x int = \"not an int\"\nfmt.Println(x)")
	writeNotebook(t, filepath.Join(dir, "gonbui.ipynb"),
		"import \"github.com/janpfeifer/gonb/gonbui\"\n\n%%\ngonbui.DisplayHTML(\"<b>shown with gonbui</b>\")")
	var log bytes.Buffer
	err := runCommand([]string{"--quick", "--timeout", "5m", "--out", filepath.Join(dir, "out"), dir}, &log)
	out := log.String()
	t.Log(out)
	if err == nil || err.Error() != "2 of 3 notebooks failed" {
		t.Errorf("run returned %v, want 2 of 3 notebooks failed", err)
	}
	for _, want := range []string{
		"panic: deliberate failure 3",
		"[[ Cell [2] Line 3 ]]",
		`cannot use "not an int" (untyped string constant) as int value in variable declaration`,
		"Cell[1]: Line 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "gonbui.ipynb") && !strings.HasPrefix(line, "OK ") {
			t.Errorf("gonbui notebook: %s", line)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "gonbui.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<b>shown with gonbui</b>") {
		t.Errorf("the gonbui notebook has no HTML output:\n%s", data)
	}
}
