package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func code(index int, src, prompt string, figs ...figure) cellState {
	return cellState{Index: index, Type: "code", Source: src, Prompt: prompt, Figures: figs}
}

var fig = figure{Tag: "svg", Width: 800, Height: 480, Loaded: true}

// TestRunStates follows a run as the page reports it: queued, running, finished; a failing cell
// ends the run early (Jupyter skips the rest).
func TestRunStates(t *testing.T) {
	md := cellState{Index: 0, Type: "markdown"}
	cases := []struct {
		name          string
		s             pageState
		running, done bool
	}{
		{"not started", pageState{Cells: []cellState{md, code(1, "a", ""), code(2, "b", "")}}, false, false},
		{"queued", pageState{Cells: []cellState{md, code(1, "a", "*"), code(2, "b", "*")}}, true, false},
		{"half way", pageState{Busy: true, Cells: []cellState{md, code(1, "a", "1"), code(2, "b", "*")}}, true, false},
		{"kernel still busy", pageState{Busy: true, Cells: []cellState{md, code(1, "a", "1"), code(2, "b", "2")}}, true, false},
		{"finished", pageState{Cells: []cellState{md, code(1, "a", "1"), code(2, "b", "2")}}, false, true},
		{"failed early", pageState{Cells: []cellState{md, {Index: 1, Type: "code", Prompt: "1", Errors: []string{"panic"}}, code(2, "b", "")}}, false, true},
	}
	for _, c := range cases {
		if got := c.s.running(); got != c.running {
			t.Errorf("%s: running = %v", c.name, got)
		}
		if got := c.s.done(); got != c.done {
			t.Errorf("%s: done = %v", c.name, got)
		}
	}
}

// TestProblems checks what a finished run is judged by: the kernel, errors, cells that did not
// run, plotting cells without a visible figure, empty or broken figures.
func TestProblems(t *testing.T) {
	good := pageState{Kernel: "dynlearn", Cells: []cellState{
		{Index: 0, Type: "markdown"},
		code(1, "%%\nfmt.Println(1)", "1"),
		code(2, "import \"x\"\n%%\nfig := plotting.Line()\nfig.Show()", "2", fig),
		code(3, "plotting.Row(a, b).Show()", "3", fig, figure{Tag: "img", Width: 400, Height: 300, Loaded: true}),
	}}
	if p := good.problems("dynlearn"); len(p) != 0 {
		t.Fatalf("a good run has problems: %q", p)
	}
	if n := good.figures(); n != 3 {
		t.Errorf("figures = %d, want 3", n)
	}

	bad := pageState{Kernel: "python3", Cells: []cellState{
		{Index: 0, Type: "code", Source: "%%\npanic(1)", Prompt: "1", Errors: []string{"ERROR: exit status 2"},
			Stderr: "panic: 1\n\ngoroutine 1 [running]:\nmain.main()\nexit status 2\n"},
		code(1, "fig.Show()", "2"),
		code(2, "img.Display()", "3", figure{Tag: "img", Width: 400, Height: 300, Loaded: false}),
		code(3, "x.Show()", "4", figure{Tag: "svg", Width: 0, Height: 0, Loaded: true}),
		code(4, "%%\nlater()", ""),
	}}
	p := strings.Join(bad.problems("dynlearn"), "\n")
	for _, want := range []string{
		`kernel "python3", want "dynlearn"`,
		`cell 1, In [1] "panic(1)": ERROR: exit status 2 (stderr: panic: 1)`,
		`cell 2, In [2] "fig.Show()" plots but no figure is rendered`,
		`cell 3, In [3] "img.Display()": a <img> figure is not rendered (400x300 px, loaded=false)`,
		`cell 4, In [4] "x.Show()": a <svg> figure is not rendered (0x0 px`,
		`cell 5, In [] "later()" did not run (prompt "")`,
		"no figure is rendered on the page",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("problems lack %q:\n%s", want, p)
		}
	}
	if p := (pageState{Kernel: "dynlearn"}).problems("dynlearn"); len(p) != 2 {
		t.Errorf("empty notebook: %q", p)
	}
}

func TestFirstLine(t *testing.T) {
	for src, want := range map[string]string{
		"import (\n\t\"math\"\n\n\t\"github.com/x/y\"\n)\n\n// doc\nfunc f() {}\n": "func f() {}",
		"%%\nsol := lorenzRun(y0, 40, 0.01)":                                       "sol := lorenzRun(y0, 40, 0.01)",
		"":                                                                         "empty",
		strings.Repeat("x", 100):                                                   strings.Repeat("x", 57) + "...",
	} {
		if got := firstLine(src); got != want {
			t.Errorf("firstLine(%q) = %q, want %q", src, got, want)
		}
	}
}

// fakeDriver is a chromedriver stand-in that checks the requests of the WebDriver protocol.
func fakeDriver(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"value": v})
	}
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, map[string]any{"ready": true}) })
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Capabilities struct {
				AlwaysMatch struct {
					Chrome struct {
						Binary string   `json:"binary"`
						Args   []string `json:"args"`
					} `json:"goog:chromeOptions"`
				} `json:"alwaysMatch"`
			} `json:"capabilities"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Capabilities.AlwaysMatch.Chrome.Binary != "/usr/bin/chromium" {
			reply(w, 400, map[string]string{"error": "invalid argument", "message": "bad capabilities"})
			return
		}
		reply(w, 200, map[string]any{"sessionId": "s1", "capabilities": map[string]any{}})
	})
	mux.HandleFunc("POST /session/s1/execute/sync", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Script string `json:"script"`
			Args   []any  `json:"args"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Args == nil {
			reply(w, 400, map[string]string{"error": "invalid argument", "message": "args must be an array"})
			return
		}
		if strings.Contains(req.Script, "throw") {
			reply(w, 500, map[string]string{"error": "javascript error", "message": "boom\n  (Session info: chrome=156)"})
			return
		}
		reply(w, 200, map[string]any{"ready": true, "kernel": "dynlearn"})
	})
	mux.HandleFunc("POST /session/s1/element", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req["using"] != "css selector" || req["value"] != "#run_all_cells > a" {
			reply(w, 404, map[string]string{"error": "no such element", "message": "not found: " + req["value"]})
			return
		}
		reply(w, 200, map[string]string{elementKey: "e7"})
	})
	mux.HandleFunc("POST /session/s1/element/e7/click", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, nil) })
	mux.HandleFunc("GET /session/s1/screenshot", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, base64.StdEncoding.EncodeToString([]byte("\x89PNG...")))
	})
	mux.HandleFunc("DELETE /session/s1", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, nil) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestWebDriver drives the stand-in through a session: the requests must be well formed, and
// WebDriver errors come back as errors naming the command and the driver's message.
func TestWebDriver(t *testing.T) {
	ctx := context.Background()
	wd := newWebDriver(fakeDriver(t).URL)
	if !wd.ready(ctx) {
		t.Fatal("not ready")
	}
	if err := wd.newSession(ctx, "/usr/bin/chromium", chromiumArgs); err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Ready  bool   `json:"ready"`
		Kernel string `json:"kernel"`
	}
	if err := wd.execute(ctx, jsNotebookReady, &ready); err != nil || !ready.Ready || ready.Kernel != "dynlearn" {
		t.Fatalf("execute: %+v, %v", ready, err)
	}
	err := wd.execute(ctx, "throw new Error('boom')", nil)
	var werr *webDriverError
	if !errors.As(err, &werr) || werr.Code != "javascript error" || strings.Contains(err.Error(), "Session info") {
		t.Errorf("script error = %v", err)
	}
	id, err := wd.find(ctx, "#run_all_cells > a")
	if err != nil || id != "e7" {
		t.Fatalf("find = %q, %v", id, err)
	}
	if err := wd.click(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := wd.find(ctx, "#nothing"); err == nil || !strings.Contains(err.Error(), "no such element") {
		t.Errorf("missing element: err = %v", err)
	}
	png, err := wd.screenshot(ctx)
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("screenshot = %q, %v", png, err)
	}
	if err := wd.quit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := wd.quit(ctx); err != nil {
		t.Errorf("second quit: %v", err)
	}
}

// TestChromiumFlags keeps the flags the CI machine needs: no sandbox as root, and no network of
// Chromium's own.
func TestChromiumFlags(t *testing.T) {
	have := strings.Join(chromiumArgs, " ")
	for _, f := range []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"} {
		if !strings.Contains(have, f) {
			t.Errorf("Chromium runs without %s", f)
		}
	}
}
