package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Outputs as the dynlearn kernel (GoNB v0.11.5) writes them for a panicking cell, a cell that
// does not compile and a cell whose "go get" failed, copied from executed notebooks.
const (
	panicOutputs = `[
 {"name": "stdout", "output_type": "stream", "text": ["before\n"]},
 {"name": "stderr", "output_type": "stream", "text": ["panic: "]},
 {"name": "stderr", "output_type": "stream", "text": ["deliberate failure xyz\n", "\n", "goroutine 1 [running]:\n",
   "github.com/dynlearn/dynlearn/pkg/ode.Solve(...)\n", "\t/repo/pkg/ode/ode.go:12 +0x10\n",
   "runtime.goexit()\n", "\t/usr/local/go/src/runtime/asm_amd64.s:1700 +0x1\n",
   "main.main()\n", "\t \u001b[7m[[ Cell [2] Line 2 ]]\u001b[0m /tmp/gonb_ce418738/main.go:10 +0x65\n",
   "\n", "goroutine 5 [chan receive]:\n", "main.worker()\n", "\t/tmp/gonb_ce418738/main.go:20 +0x1\n", "\n"]},
 {"name": "stderr", "output_type": "stream", "text": ["exit status 2\n"]},
 {"data": {"text/html": ["<style>.gonb-err-location {}</style>\n<div class=\"jp-RenderedText\" data-mime-type=\"application/vnd.jupyter.stderr\">",
   "<div style=\"white-space: pre-wrap;\">\t<span class=\"gonb-err-hover-area\"><span class=\"gonb-cell-line-info\">Cell[2]: Line 2</span> <span class=\"gonb-err-location\">/tmp/gonb_ce418738/main.go:10</span></span> +0x65<div class=\"gonb-err-context\">\nfunc main() {\n<div class=\"gonb-err-line\">panic(&#34;deliberate failure xyz&#34;)\n</div>}\n</div></div></div>"]},
  "metadata": {}, "output_type": "display_data"},
 {"ename": "ERROR", "evalue": "exit status 2", "output_type": "error", "traceback": ["exit status 2"]}]`

	compileOutputs = `[
 {"data": {"text/html": "<style>\n.gonb-err-location {\n}\n</style>\n<div class=\"jp-RenderedText\" data-mime-type=\"application/vnd.jupyter.stderr\" style=\"font-family: monospace;\">\n\n<div style=\"white-space: pre-wrap;\"> # gonb_5ab10b9e</div>\n\n<div style=\"white-space: pre-wrap;\"><span class=\"gonb-err-hover-area\"><span class=\"gonb-cell-line-info\">Cell[1]: Line 2</span> <span class=\"gonb-err-location\">./main.go:11:13: </span></span>cannot use &#34;not an int&#34; (untyped string constant) as int value in variable declaration<div class=\"gonb-err-context\">\nfunc main() {\n\tflag.Parse()\n<div class=\"gonb-err-line\">var x int = &#34;not an int&#34;\n</div>fmt.Println(x)\n\n</div></div>\n\n<div style=\"white-space: pre-wrap;\"> </div>\n\n</div>\n"},
  "metadata": {}, "output_type": "display_data"},
 {"ename": "ERROR", "evalue": "failed to run \"/usr/local/go/bin/go build -o /tmp/gonb_5ab10b9e/gonb_5ab10b9e\": exit status 1", "output_type": "error",
  "traceback": ["failed to run \"/usr/local/go/bin/go build -o /tmp/gonb_5ab10b9e/gonb_5ab10b9e\": exit status 1"]}]`

	goGetOutputs = `[
 {"data": {"text/html": ["<style>\n.x{}\n</style>\n<div class=\"jp-RenderedText\" data-mime-type=\"application/vnd.jupyter.stderr\" style=\"font-family: monospace;\">\n",
   "<div style=\"white-space: pre-wrap;\"> failed to run \"/usr/local/go/bin/go get\": exit status 1</div>\n",
   "<div style=\"white-space: pre-wrap;\"> go: module example.com/x/y: reading https://proxy.example/example.com/x/y/@v/list: 403 Forbidden</div>\n",
   "<div style=\"white-space: pre-wrap;\"> \tserver response: This module version is not available.</div>\n</div>\n"]},
  "metadata": {}, "output_type": "display_data"},
 {"ename": "ERROR", "evalue": "failed to run \"/usr/local/go/bin/go get\": exit status 1", "output_type": "error",
  "traceback": ["failed to run \"/usr/local/go/bin/go get\": exit status 1"]}]`
)

func notebookWithOutputs(outputs string) string {
	return `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
 {"cell_type": "markdown", "metadata": {}, "source": "# title"},
 {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["%%\n", "panic(1)"], "outputs": ` + outputs + `}]}`
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		name, outputs string
		want, notWant []string
	}{
		{"panic", panicOutputs,
			[]string{"panic: deliberate failure xyz", "goroutine 1 [running]:", "github.com/dynlearn/dynlearn/pkg/ode.Solve(...)",
				"/repo/pkg/ode/ode.go:12", "main.main()", "[[ Cell [2] Line 2 ]] /tmp/gonb_ce418738/main.go:10", "exit status 2",
				"2 frames of the Go runtime and other packages left out"},
			[]string{"runtime.goexit", "asm_amd64", "goroutine 5", "main.worker", "before", "\x1b", "<", "func main() {"}},
		// GoNB marks stderr chunk by chunk: a frame split across two chunks comes unmarked, and
		// the mark is taken from GoNB's HTML report instead (seen in CI).
		{"panic, frame split", strings.Replace(panicOutputs,
			`"\t \u001b[7m[[ Cell [2] Line 2 ]]\u001b[0m /tmp/gonb_ce418738/main.go:10 +0x65\n"`,
			`"\t/tmp/gonb_ce418738/main.go:1"]}, {"name": "stderr", "output_type": "stream", "text": ["0 +0x65\n"`, 1),
			[]string{"main.main()", "[[ Cell [2] Line 2 ]] /tmp/gonb_ce418738/main.go:10 +0x65", "exit status 2"},
			[]string{"runtime.goexit", "goroutine 5"}},
		{"compile error", compileOutputs,
			[]string{`Cell[1]: Line 2 ./main.go:11:13: cannot use "not an int" (untyped string constant) as int value in variable declaration`,
				"go build -o"},
			[]string{"# gonb_", "flag.Parse", "gonb-err", "<", "&#34;"}},
		{"go get", goGetOutputs,
			[]string{`failed to run "/usr/local/go/bin/go get": exit status 1`, "403 Forbidden", "server response: This module version is not available."},
			[]string{"<", ".x{}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb, err := readNotebook([]byte(notebookWithOutputs(tc.outputs)))
			if err != nil {
				t.Fatal(err)
			}
			got := nb.Cells[1].errorText("/repo")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("error text lacks %q; got:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("error text has %q; got:\n%s", w, got)
				}
			}
			if n := strings.Count(got, `failed to run "/usr/local/go/bin/go get"`); tc.name == "go get" && n != 1 {
				t.Errorf("the go get failure is shown %d times, want once:\n%s", n, got)
			}
		})
	}
	// A long error output is cut to maxErrorLines lines, saying so.
	var long []string
	for i := 0; i < 100; i++ {
		long = append(long, "log line\n")
	}
	js, _ := json.Marshal(long)
	nb, err := readNotebook([]byte(notebookWithOutputs(`[{"output_type": "stream", "name": "stderr", "text": ` + string(js) + `}]`)))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(nb.Cells[1].errorText(""), "\n")
	if len(got) != maxErrorLines || !strings.Contains(got[len(got)-1], "more lines in the executed notebook") {
		t.Errorf("long output: %d lines ending %q, want %d ending with a note", len(got), got[len(got)-1], maxErrorLines)
	}
	// Without error output: "".
	nb, err = readNotebook([]byte(notebookWithOutputs(`[{"output_type": "stream", "name": "stdout", "text": "fine\n"}]`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := nb.Cells[1].errorText(""); got != "" {
		t.Errorf("a cell without error output: errorText = %q", got)
	}
}

func TestReadNotebookRejects(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"empty", ``, "not valid JSON"},
		{"truncated", `{"nbformat": 4, "cells": [`, "not valid JSON"},
		{"array", `[1, 2]`, "not a Jupyter notebook"},
		{"no nbformat", `{"cells": []}`, `no "nbformat" field`},
		{"nbformat 3", `{"nbformat": 3, "worksheets": []}`, "nbformat is 3; notebooks must be nbformat 4"},
		{"cell type", `{"nbformat": 4, "cells": [{"cell_type": "python", "source": ""}]}`, `cell 1: cell_type is "python"; allowed: code, markdown, raw`},
		{"source type", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}`, "neither a string nor a list of strings"},
		{"output type", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "png"}]}]}`,
			`cell 1, output 1: output_type is "png"; allowed: stream, display_data, execute_result, error`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readNotebook([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("readNotebook(%q) error = %v, want one containing %q", tc.data, err, tc.want)
			}
		})
	}
	nb, err := readNotebook([]byte(notebookWithOutputs(panicOutputs)))
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 2 || nb.Cells[1].Source != "%%\npanic(1)" || nb.Cells[0].Source != "# title" {
		t.Errorf("cells = %+v", nb.Cells)
	}
}

// TestParseRunArgs checks that "run" rejects bad arguments before it builds, installs or runs
// anything: each case would otherwise reach the kernel installation.
func TestParseRunArgs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ipynb")
	writeNotebook(t, good, "%%\nfmt.Println(1)")
	bad := filepath.Join(dir, "bad.ipynb")
	if err := os.WriteFile(bad, []byte(`{"nbformat": 4, "cells": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "name notebooks or folders"},
		{[]string{filepath.Join(dir, "missing.ipynb")}, "missing.ipynb does not exist"},
		{[]string{good, "--quick"}, `"--quick" comes after the notebook paths`},
		{[]string{"--fast", good}, "flag provided but not defined: -fast; allowed flags"},
		{[]string{"--timeout", "0s", good}, "--timeout 0s: the time limit for one cell must be at least 1s"},
		{[]string{"--timeout", "soon", good}, `invalid value "soon" for flag -timeout`},
		{[]string{"--out", file, good}, "is a file; it must be a directory"},
		{[]string{bad}, "bad.ipynb: not valid JSON"},
		{[]string{dir}, "bad.ipynb: not valid JSON"},
	} {
		_, err := parseRunArgs(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseRunArgs(%q) error = %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	rf, err := parseRunArgs([]string{"--quick", "--out", filepath.Join(dir, "out"), "--timeout", "2m", good})
	if err != nil {
		t.Fatal(err)
	}
	if !rf.quick || len(rf.notebooks) != 1 || rf.timeout.Minutes() != 2 {
		t.Errorf("parsed %+v", rf)
	}
	// The command itself returns the same error, before touching the kernel installation.
	t.Setenv("JUPYTER_DATA_DIR", filepath.Join(dir, "jupyter"))
	if err := runCommand([]string{filepath.Join(dir, "missing.ipynb")}, &testLog{t}); err == nil {
		t.Error("run accepted a missing notebook")
	}
	if _, err := os.Stat(filepath.Join(dir, "jupyter")); !os.IsNotExist(err) {
		t.Errorf("run touched the Jupyter data directory before checking its arguments: %v", err)
	}
}

// TestGoWrapperSeedsCellModule runs the kernel's go wrapper as GoNB does at start ("go mod
// init" in $GONB_TMP_DIR, the checkout in go.work) and checks that "go get" then resolves
// GoNB's gonbui and GoMLX from dynlearn's build list with a module proxy that refuses every
// request, as the proxy of this machine answers for gonb/gonbui (without the wrapper, "go get"
// fails with "403 Forbidden").
func TestGoWrapperSeedsCellModule(t *testing.T) {
	in, err := locate()
	if err != nil {
		t.Fatal(err)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	tail, err := cellModuleTail(in.Repo)
	if err != nil {
		t.Fatal(err)
	}
	tailPath := filepath.Join(bin, "cell-go.mod")
	if err := os.WriteFile(tailPath, []byte(tail), 0o644); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(bin, "go")
	if err := os.WriteFile(wrapper, []byte(goWrapper(filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go"), in.Repo, tailPath)), 0o755); err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "This module version is not available.", http.StatusForbidden)
	}))
	defer proxy.Close()
	tmp := filepath.Join(t.TempDir(), "gonb_0123abcd")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(wrapper, args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GONB_TMP_DIR="+tmp, "GOPROXY="+proxy.URL, "GOWORK=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("mod", "init", "gonb_0123abcd")
	run("work", "init")
	run("work", "use", in.Repo, ".")
	src := "package main\n\nimport (\n\t\"github.com/gomlx/gomlx/core/graph\"\n\t\"github.com/janpfeifer/gonb/gonbui\"\n)\n\n" +
		"func main() { gonbui.DisplayHTML(\"<b>hi</b>\"); _ = graph.Add }\n"
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(tmp, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	run("get")
	mod, err := os.ReadFile(filepath.Join(tmp, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"github.com/janpfeifer/gonb v0.11.5", "github.com/dynlearn/dynlearn => " + strconv.Quote(in.Repo)} {
		if !strings.Contains(string(mod), w) {
			t.Errorf("go.mod lacks %q:\n%s", w, mod)
		}
	}
	// "go get" had nothing to add: a go.mod that changes under GoNB's gopls stops its completions.
	if string(mod) != string(before) {
		t.Errorf("go get changed go.mod from\n%s\nto\n%s", before, mod)
	}
	run("build", "-o", os.DevNull, ".")
	// Elsewhere the wrapper is the go command, unchanged.
	if out := run("env", "GOPROXY"); strings.TrimSpace(out) != proxy.URL {
		t.Errorf("go env GOPROXY through the wrapper = %q", out)
	}
}

// FuzzReadNotebook feeds the notebook reader (which "run" uses on the notebooks it is given
// and on the executed notebooks it reads errors and figures from) arbitrary bytes: it must
// return a notebook or an error, never panic, and the error text of any cell is bounded.
func FuzzReadNotebook(f *testing.F) {
	for _, o := range []string{panicOutputs, compileOutputs, goGetOutputs, `[]`} {
		f.Add([]byte(notebookWithOutputs(o)))
	}
	f.Add([]byte(`{"nbformat": 4, "cells": []}`))
	f.Add([]byte(`{"nbformat": 3, "worksheets": []}`))
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a", "b"], "outputs": [{"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}]}]}`))
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "display_data", "data": {"text/html": "<div class=\"gonb-err-context\"><div>"}}]}]}`))
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "name": "stderr", "text": "goroutine 1 [running]:\nmain.main()\n"}]}]}`))
	if data, err := os.ReadFile("../notebooks/00_start_here.ipynb"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := readNotebook(data)
		if err != nil {
			if nb != nil || err.Error() == "" {
				t.Fatalf("readNotebook returned %v and %v", nb, err)
			}
			return
		}
		if nb.NBFormat == nil || *nb.NBFormat != 4 {
			t.Fatalf("accepted nbformat %v", nb.NBFormat)
		}
		for _, c := range nb.Cells {
			if !cellTypes[c.CellType] {
				t.Fatalf("accepted cell_type %q", c.CellType)
			}
			text := c.errorText("/repo")
			if n := strings.Count(text, "\n") + 1; text != "" && n > maxErrorLines {
				t.Fatalf("error text has %d lines, more than %d", n, maxErrorLines)
			}
		}
	})
}

// TestConclusionOf: the conclusion is the last "conclusion:" line on the standard output of the
// last code cell, with its key=value figures; earlier cells, stderr and other lines do not count.
func TestConclusionOf(t *testing.T) {
	nb, err := readNotebook([]byte(`{"nbformat": 4, "metadata": {}, "cells": [
	 {"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "name": "stdout", "text": "conclusion: early | a=1\n"}]},
	 {"cell_type": "code", "source": "", "outputs": [
	  {"output_type": "stream", "name": "stderr", "text": "conclusion: on stderr | b=2\n"},
	  {"output_type": "stream", "name": "stdout", "text": ["progress 3/4\n", "conclusion: the LNN conserves energy 26x better | lnn_energy=0.012 baseline_energy=0.31\n"]}]},
	 {"cell_type": "markdown", "source": "the end", "outputs": []}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := conclusionOf(nb)
	if c == nil || c.Sentence != "the LNN conserves energy 26x better" || len(c.Figures) != 2 ||
		c.Figures["lnn_energy"] != "0.012" || c.Figures["baseline_energy"] != "0.31" {
		t.Fatalf("conclusionOf = %+v", c)
	}
	nb.Cells[1].Outputs = nb.Cells[1].Outputs[:1] // only the stderr line is left
	if c := conclusionOf(nb); c != nil {
		t.Fatalf("conclusionOf without a stdout conclusion in the last code cell = %+v, want nil", c)
	}
	if c := parseConclusion("conclusion: no figures"); c == nil || c.Sentence != "no figures" || c.Figures != nil {
		t.Fatalf("parseConclusion without figures = %+v", c)
	}
	if parseConclusion("the conclusion: is elsewhere") != nil {
		t.Fatal("parseConclusion accepted a line that does not start with conclusion:")
	}
}
