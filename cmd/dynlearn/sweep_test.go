package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/sweep"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// asCommand, set in the environment, makes the test binary act as the dynlearn command: a
// sweep's tasks re-execute the running binary (os.Executable), which in tests is this one.
const asCommand = "DYNLEARN_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		c := &cli{stdout: os.Stdout, stderr: os.Stderr}
		os.Exit(c.run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// sweepToy is an instant experiment for the sweep's resume test. Train writes model/ckpt. For the
// seeds listed in $SWEEP_TOY_WAIT it first writes a partial checkpoint and waits for an
// interrupt, then stops as an interrupted training does; started again, it resumes (metric
// resumed = 1).
const sweepToy = "sweep-selftest"

func init() {
	experiments.Register(&experiments.Experiment{
		Name:     sweepToy,
		Title:    "the sweep command's self-test",
		Notebook: "notebooks/00_start_here.ipynb",
		Figures:  []string{"none"},
		Config:   func(bool) any { return &struct{ Scale float64 }{Scale: 1} },
		Data:     func(*experiments.Run) (*experiments.Summary, error) { return &experiments.Summary{}, nil },
		Train: func(r *experiments.Run) (*experiments.Summary, error) {
			dir, err := r.OutDir(sweepToy)
			if err != nil {
				return nil, err
			}
			ckpt := filepath.Join(dir, "ckpt")
			resumed := 0.0
			if b, err := os.ReadFile(ckpt); err == nil && string(b) == "partial" {
				resumed = 1
			}
			if resumed == 0 && slices.Contains(strings.Split(os.Getenv("SWEEP_TOY_WAIT"), ","), strconv.FormatUint(r.Seed, 10)) {
				training.WatchInterrupts()
				if err := os.WriteFile(ckpt, []byte("partial"), 0o644); err != nil {
					return nil, err
				}
				for end := time.Now().Add(time.Minute); !training.Interrupted(); time.Sleep(10 * time.Millisecond) {
					if time.Now().After(end) {
						return nil, errors.New("no interrupt within a minute")
					}
				}
				return nil, fmt.Errorf("stopped (checkpoint %s): %w", ckpt, training.ErrInterrupted)
			}
			if err := os.WriteFile(ckpt, []byte("done"), 0o644); err != nil {
				return nil, err
			}
			s := &experiments.Summary{}
			s.Set("resumed", resumed)
			return s, nil
		},
		Eval: func(r *experiments.Run) (*experiments.Summary, error) {
			if b, err := os.ReadFile(filepath.Join(r.Model, "ckpt")); err != nil || string(b) != "done" {
				return nil, fmt.Errorf("no finished model in %s (%v)", r.Model, err)
			}
			c := r.Config.(*struct{ Scale float64 })
			s := &experiments.Summary{}
			s.Set("loss", c.Scale*float64(r.Seed))
			return s, nil
		},
		Success: []experiments.Check{{Flag: "small", Metric: "loss", Op: "<", Bound: 3}},
		Select:  experiments.Selection{Metric: "loss"},
	})
}

// TestSweepSmokeLocal runs the local sweep: smoke, quick, 4 seeds (one epoch each, to
// keep it short), then the report.
func TestSweepSmokeLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four models")
	}
	t.Setenv(asCommand, "1")
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	dir := filepath.Join(t.TempDir(), "smoke")
	code, out, stderr, _ := dynlearn(t, "sweep", experiments.Smoke, "--quick", "--seeds", "4", "--set", "train.Epochs=1", "--out", dir, "--parallel", "2")
	if code != exitOK {
		t.Fatalf("sweep: exit %d\n%s%s", code, out, stderr)
	}
	// The tasks ran a copy of the binary (rebuilding dynlearn during a sweep does not change its runs).
	if fi, err := os.Stat(filepath.Join(dir, "bin", "dynlearn")); err != nil || fi.Mode()&0o100 == 0 {
		t.Errorf("no executable copy of the binary in the sweep's directory: %v", err)
	}
	for i := range 4 {
		r, err := sweep.ReadResult(sweep.RunDir(dir, i))
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out)
		}
		if r.Experiment != experiments.Smoke || r.Seed != uint64(i+1) || !r.Quick || r.GOMAXPROCS != 1 || r.Backend != sweep.SingleThreadedBackend ||
			len(r.Flags) != 2 || r.WallSeconds <= 0 || r.Host == "" {
			t.Errorf("run %d: %+v", i, r)
		}
		if _, ok := r.Metrics["energy_mean"]; !ok {
			t.Errorf("run %d: no energy_mean in %v", i, r.Metrics)
		}
		if !strings.Contains(out, fmt.Sprintf("run %d seed %d train.Epochs=1: done in", i, i+1)) {
			t.Errorf("no progress line for run %d:\n%s", i, out)
		}
	}
	code, out, stderr, _ = dynlearn(t, "sweep", "report", dir, "--sort", "energy_mean")
	if code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"# Sweep of smoke (quick mode)", "of 4** finished runs successful", "**Selected: run ", "| energy_mean |",
		"plots/energy_mean_per_seed.svg"} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
	// Ship the selected run: its model and a summary with the four seeds.
	to := filepath.Join(t.TempDir(), "shipped")
	code, out, stderr, _ = dynlearn(t, "sweep", "ship", dir, "--to", to, "--results", filepath.Join(to, "sweep"))
	if code != exitOK || !strings.Contains(out, "of 4 finished runs successful (4 runs)") {
		t.Fatalf("ship: exit %d\n%s%s", code, out, stderr)
	}
	var sum struct {
		Seeds []map[string]any `json:"seeds"`
		Sweep map[string]any   `json:"sweep"`
	}
	if b, err := os.ReadFile(filepath.Join(to, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil || len(sum.Seeds) != 4 || sum.Sweep["runs"] != 4.0 {
		t.Errorf("shipped summary: %+v (%v)", sum, err)
	}
	if _, err := os.Stat(filepath.Join(to, "sweep", "runs", "3", "result.json")); err != nil {
		t.Errorf("ship --results: %v", err)
	}
}

// TestSweepResume interrupts a local sweep after two of its four runs finished and the other two
// saved partial checkpoints, then starts the same sweep again: only the two missing runs run,
// resuming from their checkpoints, and the finished runs' results are not rewritten.
func TestSweepResume(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	dir := filepath.Join(t.TempDir(), "toy")
	p, err := sweep.Expand(sweep.Options{Experiment: sweepToy, NumSeeds: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := sweep.WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once runs 0 and 1 are finished and runs 2 and 3 are waiting
		for ctx.Err() == nil {
			n := 0
			for _, f := range []string{"0/result.json", "1/result.json", "2/model/ckpt", "3/model/ckpt"} {
				if _, err := os.Stat(filepath.Join(dir, "runs", f)); err == nil {
					n++
				}
			}
			if n == 4 {
				cancel()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var progress bytes.Buffer
	rep, err := sweep.Local(ctx, dir, p, sweep.LocalOptions{Parallel: 4, Command: []string{exe, "sweep", "run-task"},
		Env: []string{asCommand + "=1", "SWEEP_TOY_WAIT=3,4"}, Progress: &progress, Grace: 30 * time.Second})
	if !errors.Is(err, sweep.ErrUnfinished) || !slices.Equal(sortedInts(rep.Done), []int{0, 1}) || !slices.Equal(sortedInts(rep.Unfinished), []int{2, 3}) {
		t.Fatalf("interrupted sweep: %v, %+v\n%s", err, rep, progress.String())
	}
	if !strings.Contains(progress.String(), "stopped after") {
		t.Errorf("no progress line for the interrupted runs:\n%s", progress.String())
	}
	before := map[int][]byte{}
	stamps := map[int]time.Time{}
	for _, i := range []int{0, 1} {
		f := filepath.Join(sweep.RunDir(dir, i), sweep.ResultFile)
		before[i], _ = os.ReadFile(f)
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		stamps[i] = st.ModTime()
	}
	for _, i := range []int{2, 3} {
		if _, err := os.Stat(filepath.Join(sweep.RunDir(dir, i), sweep.ResultFile)); err == nil {
			t.Fatalf("interrupted run %d has a result", i)
		}
	}

	t.Setenv(asCommand, "1")
	code, out, stderr, _ := dynlearn(t, "sweep", sweepToy, "--seeds", "4", "--out", dir)
	if code != exitOK {
		t.Fatalf("resumed sweep: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "4 runs, 2 done before, 2 to run") || strings.Count(out, ": done in") != 2 {
		t.Errorf("resumed sweep ran more than the missing runs:\n%s", out)
	}
	for _, i := range []int{0, 1} {
		f := filepath.Join(sweep.RunDir(dir, i), sweep.ResultFile)
		b, _ := os.ReadFile(f)
		st, _ := os.Stat(f)
		if !bytes.Equal(b, before[i]) || !st.ModTime().Equal(stamps[i]) {
			t.Errorf("finished run %d's result was rewritten", i)
		}
	}
	for _, i := range []int{2, 3} {
		r, err := sweep.ReadResult(sweep.RunDir(dir, i))
		if err != nil {
			t.Fatal(err)
		}
		if r.TrainMetrics["resumed"] != 1 || r.Metrics["loss"] != float64(i+1) {
			t.Errorf("run %d did not resume from its checkpoint: %+v", i, r)
		}
	}
	code, out, _, _ = dynlearn(t, "sweep", "status", dir)
	if code != exitOK || !strings.Contains(out, "4 runs; 4 results (2 successful); missing: none") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	code, out, _, _ = dynlearn(t, "sweep", "report", dir, "--no-plots")
	if code != exitOK || !strings.Contains(out, "**Seeds to success: 2 of 4**") || !strings.Contains(out, "**Selected: run 0**") {
		t.Errorf("report: exit %d\n%s", code, out)
	}
}

func sortedInts(xs []int) []int {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// TestSweepEngines checks what --slurm --dry-run and --k8s write, through the command.
func TestSweepEngines(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr, _ := dynlearn(t, "sweep", experiments.Smoke, "--quick", "--seeds", "4", "--out", dir, "--slurm", "--dry-run",
		"--partition", "debug", "--time", "0:10:00", "--max-parallel", "2", "--gres", "gpu:1")
	if code != exitOK {
		t.Fatalf("--slurm --dry-run: exit %d\n%s%s", code, out, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, sweep.SbatchFile))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, w := range []string{"#SBATCH --array=0-3%2\n", "#SBATCH --partition=debug\n", "#SBATCH --time=0:10:00\n", "#SBATCH --gres=gpu:1\n",
		"exec " + filepath.Join(dir, "bin", "dynlearn") + " sweep run-task " + dir + "\n"} {
		if !strings.Contains(script, w) {
			t.Errorf("sweep.sbatch lacks %q:\n%s", w, script)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "bin", "dynlearn")); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("the tasks' binary: %v", err)
	}
	if !strings.Contains(out, "not submitted (--dry-run)") {
		t.Errorf("output: %s", out)
	}
	code, out, stderr, _ = dynlearn(t, "sweep", experiments.Smoke, "--quick", "--seeds", "4", "--out", dir, "--k8s", "--k8s-name", "smoke-test")
	if code != exitOK || !strings.Contains(out, "kubectl apply -f "+filepath.Join(dir, sweep.K8sFile)) {
		t.Fatalf("--k8s: exit %d\n%s%s", code, out, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, sweep.K8sFile)); err != nil || !strings.Contains(string(b), `"completionMode": "Indexed"`) {
		t.Errorf("manifest: %v", err)
	}
}

// TestSweepUsage checks the errors of wrong calls: exit code 2 and a message naming the problem.
func TestSweepUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep"}, "name an experiment"},
		{[]string{"sweep", "nope", "--seeds", "2", "--out", dir}, `no experiment "nope" (experiments: `},
		{[]string{"sweep", sweepToy, "--out", dir}, "--seeds 0: want a number of seeds ≥ 1"},
		{[]string{"sweep", sweepToy, "--seeds", "0", "--out", dir}, "--seeds 0"},
		{[]string{"sweep", sweepToy, "--seeds", "2"}, "--out DIR is required"},
		{[]string{"sweep", sweepToy, "--seed-list", "1,x", "--out", dir}, `"x" is not a seed`},
		{[]string{"sweep", sweepToy, "--seeds", "2", "--set", "depth=1,2", "--out", dir}, `no setting "depth" (settings: Scale)`},
		{[]string{"sweep", sweepToy, "--seeds", "2", "--set", "Scale=", "--out", dir}, "--set Scale=: empty list of values"},
		{[]string{"sweep", sweepToy, "--seeds", "2", "--out", dir, "--slurm", "--k8s"}, "choose one of --local, --slurm, --k8s"},
		{[]string{"sweep", sweepToy, "--seeds", "2", "--out", dir, "--dry-run"}, "--dry-run goes with --slurm"},
		{[]string{"sweep", "report", dir, "--seeds", "3"}, "sweep report does not take --seeds"},
		{[]string{"sweep", "run-task"}, "sweep run-task takes DIR"},
		{[]string{"sweep", "ship", dir}, "--to DIR is required"},
		{[]string{"sweep", "ship", "--to", dir}, "sweep ship takes one DIR"},
		{[]string{"sweep", "ship", dir, "--to", dir, "--seeds", "2"}, "sweep ship does not take --seeds"},
	} {
		code, _, stderr, _ := dynlearn(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, _, stderr, _ := dynlearn(t, "sweep", sweepToy, "--seeds", "2", "--out", dir, "--slurm", "--dry-run"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr, _ := dynlearn(t, "sweep", sweepToy, "--seeds", "3", "--out", dir, "--slurm", "--dry-run")
	if code != exitUsage || !strings.Contains(stderr, "holds another sweep") {
		t.Errorf("another sweep into the same --out: exit %d, %q", code, stderr)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "5")
	code, _, stderr, _ = dynlearn(t, "sweep", "run-task", dir)
	if code != exitUsage || !strings.Contains(stderr, `$SLURM_ARRAY_TASK_ID = "5": want a run index from 0 to 1`) {
		t.Errorf("run-task out of range: exit %d, %q", code, stderr)
	}
}
