// Command browsertest checks what a student sees: it serves a notebook with Jupyter on the
// loopback interface, opens it in headless Chromium, runs all cells through the notebook's own
// menu (Cell > Run All), waits for them to finish, and checks in the page that every cell ran
// without an error output and that the figures are rendered (SVG or IMG elements with a
// non-empty box). It saves a screenshot of the whole notebook, the executed notebook as the UI
// saved it, and a JSON report.
//
//	go run ./kernel/browsertest [--setup] [--out out/browser] [--timeout 5m] [notebooks/00_start_here.ipynb]
//
// The server is Debian's jupyter-notebook (the classic Notebook UI on Jupyter's server), the
// browser Debian's chromium driven through Debian's chromedriver with the W3C WebDriver protocol.
// --setup installs them with apt-get when missing (with sudo when not root) and installs the
// dynlearn kernel (go run ./kernel install, idempotent). The notebook runs on a copy in a
// temporary directory, in quick mode (DYNLEARN_QUICK=1), so the checkout is never modified.
// Everything started is stopped at the end, on failure and on SIGINT/SIGTERM too.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dynlearn/dynlearn/internal/checkout"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// kernelName is the Jupyter kernel the notebooks must run on.
const kernelName = "dynlearn"

// chromiumArgs are the flags Chromium runs with: headless, no sandbox (CI runs as root), no GPU,
// and no network activity of its own (the machine's network is closed).
var chromiumArgs = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars",
}

// aptPackages are Debian's packages the test needs; --setup installs those that are missing.
var aptPackages = []struct{ pkg, binary string }{
	{"chromium", "chromium"},
	{"chromium-driver", "chromedriver"},
	{"jupyter-notebook", "jupyter-notebook"},
}

// options are the command-line settings.
type options struct {
	setup    bool
	out      string
	timeout  time.Duration
	keep     bool
	width    int
	notebook string
}

func main() {
	var o options
	flag.BoolVar(&o.setup, "setup", false, "install chromium, chromium-driver and jupyter-notebook with apt-get when missing, and the dynlearn kernel")
	flag.StringVar(&o.out, "out", filepath.Join("out", "browser"), "directory for the screenshot, the executed notebook and the report")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time limit for running all cells")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (server, chromedriver and kernel logs)")
	flag.IntVar(&o.width, "width", 1280, "browser window width in pixels")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./kernel/browsertest [flags] [notebook.ipynb]   (default notebooks/00_start_here.ipynb)")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.notebook = filepath.Join("notebooks", "00_start_here.ipynb")
	switch flag.NArg() {
	case 0:
	case 1:
		o.notebook = flag.Arg(0)
	default:
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest: FAIL:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	repo, err := checkout.Root()
	if err != nil {
		return err
	}
	nbPath, err := filepath.Abs(o.notebook)
	if err != nil {
		return err
	}
	if _, err := os.Stat(nbPath); err != nil {
		return fmt.Errorf("notebook: %w", err)
	}
	if o.setup {
		if err := setup(ctx, repo); err != nil {
			return err
		}
	}
	bins := map[string]string{}
	for _, p := range aptPackages {
		path, err := lookPath(p.binary, "/usr/bin/"+p.binary)
		if err != nil {
			return fmt.Errorf("%w: install Debian's %s (or run with --setup)", err, p.pkg)
		}
		bins[p.binary] = path
	}
	outDir, err := filepath.Abs(o.out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}

	tmp, err := os.MkdirTemp("", "dynlearn-browsertest-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep || err != nil {
			fmt.Printf("logs kept in %s\n", tmp)
			return
		}
		_ = os.RemoveAll(tmp)
	}()
	work := filepath.Join(tmp, "work")
	nbName := filepath.Base(nbPath)
	relNB, err := stageNotebook(nbPath, filepath.Join(work, "notebooks"))
	if err != nil {
		return err
	}
	start := time.Now()

	// Jupyter on 127.0.0.1 with a random free port and a random token.
	srv, err := startJupyter(ctx, bins["jupyter-notebook"], tmp, work)
	if err != nil {
		return err
	}
	defer srv.shutdown()
	fmt.Printf("jupyter %s on %s (log %s)\n", srv.version, srv.base, srv.proc.log)

	// chromedriver on another free port; it starts Chromium for the session.
	wd, driver, err := startBrowser(ctx, bins["chromedriver"], bins["chromium"], tmp, o.width)
	if err != nil {
		return err
	}
	defer driver.stop(10 * time.Second)
	defer func() {
		qctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = wd.quit(qctx)
	}()

	// Open the notebook and wait for its kernel.
	pageURL := srv.base + "/notebooks/" + (&url.URL{Path: relNB}).EscapedPath() + "?token=" + url.QueryEscape(srv.token)
	if err := wd.navigate(ctx, pageURL); err != nil {
		return fmt.Errorf("opening %s: %w", relNB, err)
	}
	var ready struct {
		Ready  bool   `json:"ready"`
		Kernel string `json:"kernel"`
	}
	err = waitFor(ctx, "the notebook page with an idle "+kernelName+" kernel", 2*time.Minute, time.Second, srv.proc,
		func(ctx context.Context) (bool, error) {
			err := wd.execute(ctx, jsNotebookReady, &ready)
			return err == nil && ready.Ready, err
		})
	if err != nil {
		return err
	}
	if ready.Kernel != kernelName {
		return fmt.Errorf("%s opened with kernel %q, want %q (is the notebook's kernelspec %q?)", relNB, ready.Kernel, kernelName, kernelName)
	}
	fmt.Printf("opened %s with kernel %q (%.0f s)\n", relNB, ready.Kernel, time.Since(start).Seconds())

	// Cell > Run All, through the menu as a person would.
	if err := clickMenu(ctx, wd, "#celllink", "#run_all_cells > a"); err != nil {
		return fmt.Errorf("Cell > Run All: %w", err)
	}
	runStart := time.Now()
	state, runErr := waitForRun(ctx, wd, srv, o.timeout)
	fmt.Printf("cells ran in %.0f s\n", time.Since(runStart).Seconds())

	// Whatever happened, keep the evidence: screenshot, executed notebook, report.
	shot := filepath.Join(outDir, strings.TrimSuffix(nbName, ".ipynb")+".png")
	if err := saveScreenshot(ctx, wd, o.width, shot); err != nil {
		fmt.Fprintf(os.Stderr, "screenshot: %v\n", err)
	} else {
		fmt.Printf("screenshot %s\n", shot)
	}
	if err := saveExecuted(ctx, wd, filepath.Join(work, relNB), filepath.Join(outDir, nbName)); err != nil {
		fmt.Fprintf(os.Stderr, "executed notebook: %v\n", err)
	}
	if state != nil {
		if err := writeReport(filepath.Join(outDir, strings.TrimSuffix(nbName, ".ipynb")+".json"), o.notebook, state, time.Since(runStart)); err != nil {
			fmt.Fprintf(os.Stderr, "report: %v\n", err)
		}
	}
	if runErr != nil {
		return runErr
	}
	if problems := state.problems(kernelName); len(problems) > 0 {
		return fmt.Errorf("%s in the browser:\n  %s", o.notebook, strings.Join(problems, "\n  "))
	}
	total, _ := state.codeCells()
	fmt.Printf("OK %s in headless Chromium: %d code cells ran, %d figures rendered %s, no error output (%.0f s in all)\n",
		o.notebook, total, state.figures(), figureSizes(state), time.Since(start).Seconds())
	return nil
}

// setup installs the missing Debian packages and the dynlearn kernel.
func setup(ctx context.Context, repo string) error {
	var missing []string
	for _, p := range aptPackages {
		if _, err := lookPath(p.binary, "/usr/bin/"+p.binary); err != nil {
			missing = append(missing, p.pkg)
		}
	}
	if len(missing) > 0 {
		// Fonts, so that text in the page and in the figures is drawn with real glyphs.
		pkgs := append(missing, "fonts-dejavu-core", "fonts-liberation")
		var prefix []string
		if os.Geteuid() != 0 {
			prefix = []string{"sudo"}
		}
		for _, args := range [][]string{{"apt-get", "update"}, append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, pkgs...)} {
			full := append(append([]string{}, prefix...), args...)
			fmt.Println("setup:", strings.Join(full, " "))
			cmd := exec.CommandContext(ctx, full[0], full[1:]...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("setup: %s: %w", strings.Join(full, " "), err)
			}
		}
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./kernel", "install")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("setup: go run ./kernel install: %w", err)
	}
	return nil
}

// stageNotebook copies the notebook into dir (with its folder's models/, linked, for notebooks
// that load shipped models) and returns its path relative to dir's parent, the server's root.
func stageNotebook(nbPath, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	data, err := os.ReadFile(nbPath)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(nbPath)), data, 0o644); err != nil {
		return "", err
	}
	models := filepath.Join(filepath.Dir(nbPath), "models")
	if st, err := os.Stat(models); err == nil && st.IsDir() {
		if err := os.Symlink(models, filepath.Join(dir, "models")); err != nil {
			return "", err
		}
	}
	return filepath.Base(dir) + "/" + filepath.Base(nbPath), nil
}

// jupyter is a running notebook server.
type jupyter struct {
	proc    *process
	base    string // http://127.0.0.1:PORT
	token   string
	version string
}

// startJupyter starts the notebook server on loopback with a fresh configuration and runtime
// directory (the user's Jupyter configuration does not apply) and waits until it answers.
func startJupyter(ctx context.Context, binary, tmp, root string) (*jupyter, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	j := &jupyter{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: hex.EncodeToString(tok)}
	env := append(os.Environ(),
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "jupyter-config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "jupyter-runtime"),
		"DYNLEARN_QUICK=1",
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
	)
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		env = append(env, "JUPYTER_DATA_DIR="+abs)
	}
	argv := []string{binary, "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port), "--port-retries=0",
		"--NotebookApp.token=" + j.token, "--notebook-dir=" + root}
	if os.Geteuid() == 0 {
		argv = append(argv, "--allow-root")
	}
	j.proc, err = start("jupyter-notebook", root, filepath.Join(tmp, "jupyter.log"), env, argv...)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	err = waitFor(ctx, "the Jupyter server on "+j.base, time.Minute, 500*time.Millisecond, j.proc, func(ctx context.Context) (bool, error) {
		var v struct {
			Version string `json:"version"`
		}
		if err := getJSON(ctx, client, j.base+"/api", &v); err != nil {
			return false, err
		}
		j.version = v.Version
		return true, nil
	})
	if err != nil {
		j.shutdown()
		return nil, err
	}
	var specs struct {
		Kernelspecs map[string]any `json:"kernelspecs"`
	}
	if err := getJSON(ctx, client, j.base+"/api/kernelspecs?token="+j.token, &specs); err != nil {
		j.shutdown()
		return nil, fmt.Errorf("listing kernels: %w", err)
	}
	if _, ok := specs.Kernelspecs[kernelName]; !ok {
		j.shutdown()
		var names []string
		for n := range specs.Kernelspecs {
			names = append(names, n)
		}
		return nil, fmt.Errorf("Jupyter does not know the %q kernel (it has %v): run `go run ./kernel install`, or this test with --setup", kernelName, names)
	}
	return j, nil
}

// shutdown stops the kernels through the server's API (so they end cleanly), then the server.
func (j *jupyter) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 20 * time.Second}
	var kernels []struct {
		ID string `json:"id"`
	}
	if !j.proc.exited() && getJSON(ctx, client, j.base+"/api/kernels?token="+j.token, &kernels) == nil {
		for _, k := range kernels {
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, j.base+"/api/kernels/"+k.ID+"?token="+j.token, nil)
			if err != nil {
				continue
			}
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
	j.proc.stop(15 * time.Second)
}

func getJSON(ctx context.Context, client *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", strings.Split(u, "?")[0], resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}

// startBrowser starts chromedriver on a free loopback port and a Chromium session with a fresh
// profile directory.
func startBrowser(ctx context.Context, chromedriver, chromium, tmp string, width int) (*webDriver, *process, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	driver, err := start("chromedriver", tmp, filepath.Join(tmp, "chromedriver.log"), os.Environ(),
		chromedriver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	if err != nil {
		return nil, nil, err
	}
	wd := newWebDriver(fmt.Sprintf("http://127.0.0.1:%d", port))
	err = waitFor(ctx, "chromedriver", 30*time.Second, 250*time.Millisecond, driver, func(ctx context.Context) (bool, error) {
		return wd.ready(ctx), nil
	})
	if err != nil {
		driver.stop(5 * time.Second)
		return nil, nil, err
	}
	profile := filepath.Join(tmp, "chromium-profile")
	if err := os.MkdirAll(profile, 0o700); err != nil {
		driver.stop(5 * time.Second)
		return nil, nil, err
	}
	args := append(append([]string{}, chromiumArgs...), "--user-data-dir="+profile, fmt.Sprintf("--window-size=%d,1000", width))
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := wd.newSession(sctx, chromium, args); err != nil {
		driver.stop(5 * time.Second)
		return nil, nil, fmt.Errorf("%w\nchromedriver log:\n%s", err, driver.logTail(20))
	}
	return wd, driver, nil
}

// clickMenu opens a menu and clicks one of its items.
func clickMenu(ctx context.Context, wd *webDriver, menu, item string) error {
	m, err := wd.find(ctx, menu)
	if err != nil {
		return err
	}
	if err := wd.click(ctx, m); err != nil {
		return err
	}
	var it string
	err = waitFor(ctx, "menu item "+item, 10*time.Second, 200*time.Millisecond, nil, func(ctx context.Context) (bool, error) {
		it, err = wd.find(ctx, item)
		return err == nil, err
	})
	if err != nil {
		return err
	}
	return wd.click(ctx, it)
}

// waitForRun polls the page until the run is over or limit passes, printing progress, and
// returns the last state. A state is accepted when two polls in a row agree, so figures that
// are still being laid out are not counted early.
func waitForRun(ctx context.Context, wd *webDriver, srv *jupyter, limit time.Duration) (*pageState, error) {
	var last *pageState
	lastKey := ""
	printed := ""
	err := waitFor(ctx, "all cells to finish", limit, 2*time.Second, srv.proc, func(ctx context.Context) (bool, error) {
		var s pageState
		if err := wd.execute(ctx, jsPageState, &s); err != nil {
			return false, err
		}
		total, finished := s.codeCells()
		progress := fmt.Sprintf("  %d/%d code cells finished, %d figures", finished, total, s.figures())
		if progress != printed {
			fmt.Println(progress)
			printed = progress
		}
		key, _ := json.Marshal(s)
		stable := s.done() && string(key) == lastKey
		last, lastKey = &s, string(key)
		return stable, nil
	})
	if err != nil && last != nil {
		total, finished := last.codeCells()
		err = fmt.Errorf("%w: %d of %d code cells finished; %s", err, finished, total, strings.Join(last.problems(kernelName), "; "))
	}
	return last, err
}

// saveScreenshot makes the window tall enough to show the whole notebook, from its top, and
// saves a PNG of it.
func saveScreenshot(ctx context.Context, wd *webDriver, width int, path string) error {
	height := 1000
	for range 3 { // the notebook relayouts its scroll area after a resize: measure again
		var short int
		if err := wd.execute(ctx, jsNotebookHeight, &short); err != nil {
			return err
		}
		if short == 0 || height >= maxScreenshotHeight {
			break
		}
		height = min(height+short+40, maxScreenshotHeight)
		if err := wd.setWindowSize(ctx, width, height); err != nil {
			return err
		}
		time.Sleep(time.Second)
	}
	png, err := wd.screenshot(ctx)
	if err != nil {
		return err
	}
	return diskcache.WriteBytes(path, png)
}

// maxScreenshotHeight bounds the window height for the screenshot (Chromium's limit is 16384).
const maxScreenshotHeight = 16000

// saveExecuted saves the notebook from the UI and copies what the server wrote to dst.
func saveExecuted(ctx context.Context, wd *webDriver, served, dst string) error {
	before, _ := os.Stat(served)
	var ok bool
	if err := wd.execute(ctx, jsSave, &ok); err != nil {
		return err
	}
	err := waitFor(ctx, "the notebook to be saved", 20*time.Second, 250*time.Millisecond, nil, func(context.Context) (bool, error) {
		st, err := os.Stat(served)
		return err == nil && (before == nil || st.ModTime().After(before.ModTime()) || st.Size() != before.Size()), nil
	})
	if err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	data, err := os.ReadFile(served)
	if err != nil {
		return err
	}
	return diskcache.WriteBytes(dst, data)
}

// report is the JSON written next to the screenshot.
type report struct {
	Notebook string      `json:"notebook"`
	Seconds  float64     `json:"seconds"`
	Figures  int         `json:"figures"`
	Problems []string    `json:"problems"`
	Cells    []cellState `json:"cells"`
}

func writeReport(path, notebook string, s *pageState, d time.Duration) error {
	r := report{Notebook: notebook, Seconds: d.Seconds(), Figures: s.figures(), Problems: s.problems(kernelName), Cells: s.Cells}
	if r.Problems == nil {
		r.Problems = []string{}
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return diskcache.WriteBytes(path, append(data, '\n'))
}

// figureSizes lists the rendered figures' sizes, e.g. "(640x480, 900x400)".
func figureSizes(s *pageState) string {
	var parts []string
	for _, c := range s.Cells {
		for _, f := range c.Figures {
			if f.visible() {
				parts = append(parts, fmt.Sprintf("%dx%d", f.Width, f.Height))
			}
		}
	}
	return "(" + strings.Join(parts, ", ") + " px)"
}
