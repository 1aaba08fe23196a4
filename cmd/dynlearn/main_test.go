package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// toyName is an experiment this test registers to check the command's plumbing (resuming, exit
// codes) independently of the real ones; the registry checks cover it too.
const toyName = "cli-selftest"

type toyConfig struct {
	Steps int    `json:"steps"`
	Label string `json:"label"`
	Model struct {
		Width int `json:"width"`
	} `json:"model"`
	// Stop makes Train stop as an interrupted ("interrupt") or time-boxed ("time") run does.
	Stop string `json:"stop"`
}

func init() {
	experiments.Register(&experiments.Experiment{
		Name:     toyName,
		Title:    "the command's self-test",
		Notebook: "notebooks/00_start_here.ipynb",
		Figures:  []string{"none"},
		Cheap:    true,
		Config: func(quick bool) any {
			c := &toyConfig{Steps: 10, Label: "full"}
			if quick {
				c.Steps, c.Label = 2, "quick"
			}
			c.Model.Width = 3
			return c
		},
		Data: func(r *experiments.Run) (*experiments.Summary, error) {
			c, err := experiments.Cfg[toyConfig](r)
			if err != nil {
				return nil, err
			}
			s := &experiments.Summary{}
			s.Add("%d samples (%s)", c.Steps*c.Model.Width, c.Label)
			return s, nil
		},
		Train: func(r *experiments.Run) (*experiments.Summary, error) {
			c, err := experiments.Cfg[toyConfig](r)
			if err != nil {
				return nil, err
			}
			dir, err := r.OutDir(toyName)
			if err != nil {
				return nil, err
			}
			switch c.Stop {
			case "interrupt":
				return nil, fmt.Errorf("stopped at step 1 (checkpoint %q): %w", dir, training.ErrInterrupted)
			case "time":
				return nil, fmt.Errorf("stopped at step 1 (checkpoint %q): %w", dir, training.ErrStopped)
			}
			if err := os.WriteFile(filepath.Join(dir, "model.txt"), []byte(strconv.Itoa(c.Steps)), 0o644); err != nil {
				return nil, err
			}
			fmt.Fprintln(r.Log, "trained", c.Steps, "steps, seed", r.Seed)
			s := &experiments.Summary{}
			s.Add("trained into %s", dir)
			s.Set("steps", float64(c.Steps))
			return s, nil
		},
		Eval: func(r *experiments.Run) (*experiments.Summary, error) {
			b, err := os.ReadFile(filepath.Join(r.Model, "model.txt"))
			if err != nil {
				return nil, fmt.Errorf("loading the model: %w", err)
			}
			s := &experiments.Summary{}
			s.Set("steps", float64(len(b)))
			return s, nil
		},
	})
}

// realExperiments returns the registered experiments without the self-test.
func realExperiments() []*experiments.Experiment {
	var out []*experiments.Experiment
	for _, e := range experiments.All() {
		if e.Name != toyName {
			out = append(out, e)
		}
	}
	return out
}

// dynlearn runs the command with args and returns its exit code, standard output and error, and
// the summary of data, train or eval.
func dynlearn(t *testing.T, args ...string) (code int, stdout, stderr string, s *experiments.Summary) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb}
	code = c.run(args)
	return code, out.String(), errb.String(), c.summary
}

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestRegistry checks every registered experiment's entry: its name, title, notebook, shipped
// model, and configurations whose settings Set and Setting round-trip.
func TestRegistry(t *testing.T) {
	for _, e := range experiments.All() {
		t.Run(e.Name, func(t *testing.T) {
			if !nameRe.MatchString(e.Name) {
				t.Errorf("name %q is not lower case words joined by dashes", e.Name)
			}
			if strings.TrimSpace(e.Title) == "" || strings.HasSuffix(e.Title, ".") {
				t.Errorf("title %q: want one line without a final period", e.Title)
			}
			mustExist(t, "notebook", e.Notebook)
			if e.Shipped != "" {
				mustExist(t, "shipped model", e.Shipped)
			}
			for _, quick := range []bool{true, false} {
				cfg := e.Config(quick)
				v := reflect.ValueOf(cfg)
				if cfg == nil || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
					t.Fatalf("Config(%v) = %T, want a non-nil pointer to a struct", quick, cfg)
				}
				if cfg2 := e.Config(quick); reflect.ValueOf(cfg2).Pointer() == v.Pointer() {
					t.Errorf("Config(%v) returns the same pointer twice, want a fresh configuration", quick)
				}
				keys := experiments.Keys(cfg)
				if len(keys) == 0 {
					t.Fatalf("Config(%v) has no settings", quick)
				}
				fresh := reflect.New(v.Elem().Type()).Interface()
				for _, k := range keys {
					text, err := experiments.Setting(cfg, k)
					if err != nil {
						t.Fatalf("Setting(%s): %v", k, err)
					}
					if err := experiments.Set(fresh, k, text); err != nil {
						t.Fatalf("Set(%s, %q): %v", k, text, err)
					}
				}
				if !reflect.DeepEqual(fresh, cfg) {
					t.Errorf("Config(%v) copied key by key through Setting and Set differs:\n got %+v\nwant %+v", quick, fresh, cfg)
				}
				if _, err := json.Marshal(cfg); err != nil {
					t.Errorf("Config(%v) does not marshal to JSON: %v", quick, err)
				}
			}
			code, out, stderr, _ := dynlearn(t, "config", e.Name, "--quick")
			if code != exitOK {
				t.Fatalf("config: exit %d, %s", code, stderr)
			}
			for _, k := range experiments.Keys(e.Config(true)) {
				if !strings.Contains(out, "  "+k+" ") {
					t.Errorf("config does not list the setting %s:\n%s", k, out)
				}
			}
		})
	}
}

func mustExist(t *testing.T, what, rel string) {
	t.Helper()
	if rel == "" {
		t.Errorf("no %s", what)
		return
	}
	p, err := experiments.RepoPath(rel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("%s %s: %v", what, rel, err)
	}
}

// TestCheapExperiments runs data, train and eval --model <train's output> of every experiment
// marked Cheap, in quick mode, through the command.
func TestCheapExperiments(t *testing.T) {
	for _, e := range experiments.All() {
		if !e.Cheap {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			t.Setenv("DYNLEARN_CACHE", t.TempDir())
			out := t.TempDir()
			for _, args := range [][]string{
				{"data", e.Name, "--quick"},
				{"train", e.Name, "--quick", "--out", out},
				{"eval", e.Name, "--quick", "--model", out},
			} {
				code, stdout, stderr, s := dynlearn(t, args...)
				if code != exitOK {
					t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
				}
				if s == nil || len(s.Lines)+len(s.Metrics) == 0 {
					t.Fatalf("%s: empty summary %+v", strings.Join(args, " "), s)
				}
				t.Logf("%s: %q %v", strings.Join(args, " "), s.Lines, s.Metrics)
			}
		})
	}
}

// TestSettingsAndSeed checks that --set and --seed reach the run, and --json.
func TestSettingsAndSeed(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	out := t.TempDir()
	code, stdout, stderr, s := dynlearn(t, "train", toyName, "--quick", "--set", "steps=7", "--seed", "5", "--out", out,
		"--set", "label=two words", "--set", "model.width=4")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if s.Metrics["steps"] != 7 || !strings.Contains(stdout, "trained 7 steps, seed 5") {
		t.Errorf("--set steps=7 --seed 5 did not reach Train: %v\n%s", s.Metrics, stdout)
	}
	code, stdout, stderr, _ = dynlearn(t, "data", "--json", toyName, "--set", "label=two words", "--set", "model.width=4", "--quick")
	if code != exitOK {
		t.Fatalf("data --json: exit %d: %s", code, stderr)
	}
	var got summaryJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("data --json printed %q: %v", stdout, err)
	}
	if got.Experiment != toyName || got.Mode != "quick" || len(got.Lines) != 1 || got.Lines[0] != "8 samples (two words)" || !got.Finished {
		t.Errorf("data --json = %+v", got)
	}
	// Without --out, train writes into the cache and eval finds nothing to load without --model.
	code, _, stderr, s = dynlearn(t, "train", toyName, "--quick")
	if code != exitOK || !strings.Contains(s.Lines[0], os.Getenv("DYNLEARN_CACHE")) {
		t.Errorf("train without --out: exit %d, %v, %s", code, s, stderr)
	}
	code, _, stderr, _ = dynlearn(t, "eval", toyName, "--quick")
	if code != exitFailed || !strings.HasPrefix(stderr, "dynlearn eval: "+toyName+": loading the model: ") {
		t.Errorf("eval of nothing: exit %d, %q", code, stderr)
	}
}

// TestUnfinished checks that a training run that stopped early exits with code 3 and says how to
// resume.
func TestUnfinished(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	for _, stop := range []string{"interrupt", "time"} {
		code, _, stderr, _ := dynlearn(t, "train", toyName, "--set", "stop="+stop, "--max-time", "1h", "--set", "label=a b")
		if code != exitUnfinished {
			t.Errorf("stop=%s: exit %d, want %d", stop, code, exitUnfinished)
		}
		for _, want := range []string{
			"dynlearn train: " + toyName + ": stopped at step 1",
			"to resume, run the same command again:\n  go run ./cmd/dynlearn train " + toyName + " --set stop=" + stop +
				" --max-time 1h --set 'label=a b'\n",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q\nwant it to contain %q", stderr, want)
			}
		}
	}
}

// TestUsageErrors checks that wrong calls exit with code 2 and a clear one-line error.
func TestUsageErrors(t *testing.T) {
	name := toyName
	if real := realExperiments(); len(real) > 0 {
		name = real[0].Name
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{}, []string{"Usage: dynlearn <command>"}},
		{[]string{"fly"}, []string{`dynlearn: unknown command "fly" (commands: ` + strings.Join(commandNames(), ", ") + ")"}},
		{[]string{"train", "nope", "--quick"}, []string{`dynlearn train: no experiment "nope" (experiments: `, name}},
		{[]string{"eval", "nope"}, []string{`dynlearn eval: no experiment "nope"`}},
		{[]string{"train"}, []string{"dynlearn train: name an experiment (", name}},
		{[]string{"train", name, name}, []string{"dynlearn train: one experiment at a time"}},
		{[]string{"train", name, "--quick", "--set", "no_such_key=3"}, []string{
			`dynlearn train: --set no_such_key: no setting "no_such_key" (settings: ` + experiments.Keys(mustConfig(t, name))[0]}},
		{[]string{"train", toyName, "--set", "model.depth=3"}, []string{`--set model.depth: no setting "model.depth" (settings: model.width)`}},
		{[]string{"train", toyName, "--set", "steps=many"}, []string{"dynlearn train: --set steps=many: want a value of type int"}},
		{[]string{"data", toyName, "--set", "steps"}, []string{`dynlearn data: invalid value "steps" for flag -set: want KEY=VALUE`}},
		{[]string{"train", toyName, "--epochs", "3"}, []string{"dynlearn train: flag provided but not defined: -epochs"}},
		{[]string{"train", toyName, "--seed", "-1"}, []string{"dynlearn train: invalid value"}},
		{[]string{"list", "extra"}, []string{"dynlearn list: list takes no arguments"}},
		{[]string{"bench"}, []string{"dynlearn bench: name one of: conv-step, lnn, ode-lorenz, rd-solver, sindy-step"}},
		{[]string{"bench", "gpu"}, []string{`dynlearn bench: no bench "gpu" (there are: conv-step, lnn, ode-lorenz, rd-solver, sindy-step)`}},
		{[]string{"bench", "lnn", "--rounds", "x"}, []string{"dynlearn bench: invalid value", "Run 'dynlearn bench lnn --help'"}},
		{[]string{"figures", "gallery", "extra"}, []string{"dynlearn figures: figures gallery takes no arguments"}},
	} {
		code, _, stderr, _ := dynlearn(t, tc.args...)
		if code != exitUsage {
			t.Errorf("dynlearn %q: exit %d, want %d", tc.args, code, exitUsage)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("dynlearn %q: stderr %q\nwant it to contain %q", tc.args, stderr, w)
			}
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("dynlearn %q: a stack trace:\n%s", tc.args, stderr)
		}
	}
}

func mustConfig(t *testing.T, name string) any {
	t.Helper()
	e, err := experiments.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return e.Config(true)
}

// TestHelp checks every command's and tool's --help: a usage line, a description, exit code 0.
func TestHelp(t *testing.T) {
	calls := [][]string{{"--help"}, {"help"}, {"help", "train"}, {"bench", "--help"}, {"figures", "help"}}
	for _, cmd := range commands() {
		calls = append(calls, []string{cmd.name, "--help"}, []string{cmd.name, "-h"})
	}
	for _, cmd := range commands() {
		if cmd.tools == nil {
			continue
		}
		for _, tl := range cmd.tools() {
			calls = append(calls, []string{cmd.name, tl.name, "--help"})
		}
	}
	for _, args := range calls {
		code, stdout, stderr, _ := dynlearn(t, args...)
		if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "Usage: dynlearn ") {
			t.Errorf("dynlearn %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	_, stdout, _, _ := dynlearn(t, "bench", "--help")
	for _, b := range benches() {
		if !strings.Contains(stdout, "\n  "+b.name+" ") {
			t.Errorf("bench --help does not list %s:\n%s", b.name, stdout)
		}
	}
	_, stdout, _, _ = dynlearn(t, "train", "--help")
	for _, want := range []string{"Usage: dynlearn train NAME", "\nFlags:\n", "  --set KEY=VALUE\n", "  --max-time DURATION\n", "\nExamples:\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train --help lacks %q:\n%s", want, stdout)
		}
	}
}

// TestList checks list and list --json.
func TestList(t *testing.T) {
	code, stdout, stderr, _ := dynlearn(t, "list")
	if code != exitOK {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	all := experiments.All()
	if len(lines) != len(all)+1 || !strings.HasPrefix(lines[0], "NAME ") {
		t.Fatalf("list printed %d lines for %d experiments:\n%s", len(lines), len(all), stdout)
	}
	for i, e := range all {
		if f := strings.Fields(lines[i+1]); f[0] != e.Name || !strings.Contains(lines[i+1], e.Title) {
			t.Errorf("list line %q, want %s: %s", lines[i+1], e.Name, e.Title)
		}
	}
	code, stdout, _, _ = dynlearn(t, "list", "--json")
	var entries []listEntry
	if err := json.Unmarshal([]byte(stdout), &entries); code != exitOK || err != nil || len(entries) != len(all) {
		t.Errorf("list --json: exit %d, %v, %d entries", code, err, len(entries))
	}
}

// TestFigures draws both figure sets into a temporary directory.
func TestFigures(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	dir := t.TempDir()
	for _, args := range [][]string{
		{"figures", "gallery", "--out", dir},
		{"figures", "pendulum-frames", "--out", filepath.Join(dir, "pendulum")},
	} {
		if code, _, stderr, _ := dynlearn(t, args...); code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
	}
	for _, f := range []string{"lorenz3d.svg", "lorenz3d.png", "live_final.png", "pendulum_frames.png", "pendulum_derivatives.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestAllExperimentsRegistered checks that every experiment of the notebooks is in the registry.
func TestAllExperimentsRegistered(t *testing.T) {
	if n := len(realExperiments()); n < 10 {
		t.Errorf("%d experiments registered (%s), want at least 10", n, experimentNames())
	}
}
