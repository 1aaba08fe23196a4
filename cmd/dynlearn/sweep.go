package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/sweep"
)

var sweepCommand = &command{
	name: "sweep",
	args: "NAME [--quick] [--seeds N | --seed-list 1,5,9] [--set KEY=V1,V2 ...] --out DIR [--local | --slurm | --k8s]\n" +
		"       dynlearn sweep run-task DIR [INDEX] | status DIR | report DIR [--sort METRIC] | ship DIR --to DIR [--results DIR]",
	summary: "run an experiment as N seeds × a grid of settings (local cores, Slurm, Kubernetes)",
	about: `Sweep experiment NAME: every seed (--seeds N: 1..N, or --seed-list) times every combination of the
--set values (KEY=V1,V2: commas inside [..] or {..} do not split), one run each. The sweep lives in --out
DIR: plan.json, runs/<index>/ (model, checkpoints, log.txt, result.json) and report.md.

  --local (default)  runs the runs here, at most --parallel at once (default: one per core), each a
                     single-threaded process (GOMAXPROCS=1, GOMLX_BACKEND=` + sweep.SingleThreadedBackend + `
                     unless set). Resumable: run the same command again and finished runs are skipped,
                     interrupted ones (Ctrl-C saves their checkpoints) resume.
  --slurm            writes DIR/sweep.sbatch, an array job with one task per run still without a result
                     (--array=0-<n-1>%<--max-parallel>), and submits it with sbatch (not with --dry-run).
  Local and Slurm tasks run a copy of this binary, DIR/bin/dynlearn (rebuilding dynlearn during a sweep
  does not change its runs; starting the sweep again installs the new one).
  --k8s              writes DIR/sweep.k8s.json: a ConfigMap with the plan and an Indexed Job for the
                     image of docker/ (--image), results on the PersistentVolumeClaim --pvc.

Every engine runs the same task: 'dynlearn sweep run-task DIR [INDEX]' (INDEX from $SLURM_ARRAY_TASK_ID or
$JOB_COMPLETION_INDEX when omitted). 'dynlearn sweep status DIR' shows the results present and what squeue
and sacct say; 'dynlearn sweep report DIR' writes the table, the seeds-to-success count, the run the
experiment's selection rule picks and plots. 'dynlearn sweep ship DIR --to MODELDIR' copies the selected
run's model (not its training checkpoints) to MODELDIR and adds to its summary.json one entry per seed
("seeds") and the seeds-to-success count ("sweep"); --results DIR2 copies the plan and results there too,
for a report next to the model. GPUs: GOMLX_BACKEND=xla:cuda with --gres gpu:1 (Slurm) or in
the environment (Kubernetes: it also requests nvidia.com/gpu).`,
	examples: []string{
		"dynlearn sweep smoke --quick --seeds 4 --out /tmp/smoke",
		"dynlearn sweep report /tmp/smoke --sort energy_mean",
		"dynlearn sweep sindy-lorenz --seeds 10 --set ensemble=1 --out runs/lorenz10 --slurm --partition cpu --time 12:00:00",
		"GOMLX_BACKEND=xla:cuda dynlearn sweep led-fhn-grid --seeds 5 --out runs/fhn --slurm --gres gpu:1",
		"dynlearn sweep lnn-baseline --quick --seed-list 1,5,9 --set train.LR=1e-3,3e-3 --out /tmp/lnn --k8s",
		"dynlearn sweep status runs/lorenz10",
		"dynlearn sweep ship runs/lorenz10 --to notebooks/models/sindy_lorenz --results notebooks/models/sindy_lorenz/sweep_full",
	},
	flags: sweepFlags,
}

// sweepOptions are the flags of sweep and its subcommands.
type sweepOptions struct {
	quick                        bool
	seeds                        int
	seedList                     string
	sets                         setFlag
	out                          string
	maxTime                      time.Duration
	local, slurm, k8s, dryRun    bool
	parallel, maxParallel, cpus  int
	partition, timeLimit, gres   string
	account, image, pvc, k8sName string
	plan, sortBy                 string
	to, results                  string
	noPlots                      bool
}

// sweepFlagsOf lists the flags each form of the command accepts.
var sweepFlagsOf = map[string][]string{
	"":         {"quick", "seeds", "seed-list", "set", "out", "max-time", "local", "slurm", "k8s", "dry-run", "parallel", "max-parallel", "cpus-per-task", "partition", "time", "gres", "account", "image", "pvc", "k8s-name"},
	"run-task": {"plan"},
	"status":   {},
	"report":   {"sort", "no-plots"},
	"ship":     {"to", "results"},
}

func sweepFlags(c *cli, fs *flag.FlagSet) func([]string) error {
	o := &sweepOptions{}
	fs.BoolVar(&o.quick, "quick", config.Quick(), "quick mode: small data, few epochs (default from $DYNLEARN_QUICK)")
	fs.IntVar(&o.seeds, "seeds", 0, "sweep seeds 1..`N`")
	fs.StringVar(&o.seedList, "seed-list", "", "sweep these `SEEDS` (comma-separated, each ≥ 1)")
	fs.Var(&o.sets, "set", "sweep setting KEY over `KEY=V1,V2,...` (repeatable: the grid is their product)")
	fs.StringVar(&o.out, "out", "", "the sweep's `DIR` (plan, runs, results, report)")
	fs.DurationVar(&o.maxTime, "max-time", 0, "stop each run's training after `DURATION` with its checkpoint saved")
	fs.BoolVar(&o.local, "local", false, "run on this machine's cores (the default)")
	fs.BoolVar(&o.slurm, "slurm", false, "write DIR/sweep.sbatch and submit it with sbatch")
	fs.BoolVar(&o.k8s, "k8s", false, "write the Kubernetes Indexed Job DIR/sweep.k8s.json")
	fs.BoolVar(&o.dryRun, "dry-run", false, "with --slurm: write the script, do not submit it")
	fs.IntVar(&o.parallel, "parallel", 0, "local: `N` runs at once (default: one per core)")
	fs.IntVar(&o.maxParallel, "max-parallel", 0, "Slurm, Kubernetes: at most `N` tasks at once (default: no cap)")
	fs.IntVar(&o.cpus, "cpus-per-task", 1, "Slurm, Kubernetes: `N` CPUs per task (its GOMAXPROCS)")
	fs.StringVar(&o.partition, "partition", "", "Slurm: the `PARTITION`")
	fs.StringVar(&o.timeLimit, "time", "", "Slurm: each task's time limit (`LIMIT`, as sbatch --time: 2:00:00)")
	fs.StringVar(&o.gres, "gres", "", "Slurm: generic resources per task (`GRES`: gpu:1)")
	fs.StringVar(&o.account, "account", "", "Slurm: the `ACCOUNT` to charge")
	fs.StringVar(&o.image, "image", "dynlearn/jupyterlab:cpu", "Kubernetes: the `IMAGE` of docker/")
	fs.StringVar(&o.pvc, "pvc", "dynlearn-sweeps", "Kubernetes: the PersistentVolumeClaim `NAME` holding the results")
	fs.StringVar(&o.k8sName, "k8s-name", "", "Kubernetes: the Job's `NAME` (default dynlearn-<experiment>-<hash of the plan>)")
	fs.StringVar(&o.plan, "plan", "", "run-task: read the plan from `FILE` instead of DIR/plan.json")
	fs.StringVar(&o.sortBy, "sort", "", "report: sort the table by `METRIC` (-METRIC: descending)")
	fs.BoolVar(&o.noPlots, "no-plots", false, "report: no plots")
	fs.StringVar(&o.to, "to", "", "ship: the `DIR` receiving the selected run's model")
	fs.StringVar(&o.results, "results", "", "ship: also copy the plan and results to `DIR`")
	return func(args []string) error {
		if len(args) == 0 {
			return usagef("name an experiment (%s) or one of run-task, status, report, ship", experimentNames())
		}
		form := args[0]
		if _, ok := sweepFlagsOf[form]; !ok || form == "" {
			form = ""
		}
		var bad []string
		fs.Visit(func(f *flag.Flag) {
			if !contains(sweepFlagsOf[form], f.Name) {
				bad = append(bad, "--"+f.Name)
			}
		})
		if len(bad) > 0 {
			what := "a sweep"
			if form != "" {
				what = "sweep " + form
			}
			return usagef("%s does not take %s", what, strings.Join(bad, ", "))
		}
		switch form {
		case "run-task":
			return c.sweepRunTask(args[1:], o)
		case "status":
			if len(args) != 2 {
				return usagef("sweep status takes one DIR, got %q", args[1:])
			}
			_, err := sweep.Status(c.stdout, args[1])
			return err
		case "report":
			if len(args) != 2 {
				return usagef("sweep report takes one DIR, got %q", args[1:])
			}
			s, err := sweep.Report(args[1], sweep.ReportOptions{Sort: o.sortBy, NoPlots: o.noPlots})
			if err != nil {
				return sweepErr(err)
			}
			fmt.Fprint(c.stdout, s.Markdown)
			fmt.Fprintf(c.stdout, "\n(written to %s)\n", filepath.Join(args[1], sweep.ReportFile))
			return nil
		case "ship":
			if len(args) != 2 {
				return usagef("sweep ship takes one DIR, got %q", args[1:])
			}
			if o.to == "" {
				return usagef("sweep ship: --to DIR is required: where the selected run's model goes")
			}
			s, err := sweep.Ship(args[1], o.to, sweep.ShipOptions{Results: o.results})
			if err != nil {
				return sweepErr(err)
			}
			sel := s.Results[s.Selected]
			fmt.Fprintf(c.stdout, "shipped run %d (seed %d) of %s to %s: %d of %d finished runs successful (%d runs)\n",
				s.Selected, sel.Seed, args[1], o.to, s.Successful, s.Finished, len(s.Plan.Runs))
			return nil
		}
		if len(args) != 1 {
			return usagef("one experiment at a time, got %q", args)
		}
		return c.sweepStart(args[0], o)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// sweepErr turns sweep's usage errors into the command's.
func sweepErr(err error) error {
	if errors.Is(err, sweep.ErrUsage) {
		return usageError{err: errors.New(strings.TrimPrefix(err.Error(), sweep.ErrUsage.Error()+": "))}
	}
	return err
}

// sweepStart expands the sweep, writes its plan and runs it on the chosen engine.
func (c *cli) sweepStart(name string, o *sweepOptions) error {
	engines := 0
	for _, on := range []bool{o.local, o.slurm, o.k8s} {
		if on {
			engines++
		}
	}
	if engines > 1 {
		return usagef("choose one of --local, --slurm, --k8s")
	}
	if o.dryRun && !o.slurm {
		return usagef("--dry-run goes with --slurm")
	}
	if o.out == "" {
		return usagef("--out DIR is required: the sweep's directory")
	}
	var seeds []uint64
	if o.seedList != "" {
		for _, f := range strings.Split(o.seedList, ",") {
			s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				return usagef("--seed-list %q: %q is not a seed (want numbers ≥ 1, comma-separated)", o.seedList, f)
			}
			seeds = append(seeds, s)
		}
	}
	maxTime := ""
	if o.maxTime > 0 {
		maxTime = o.maxTime.String()
	}
	p, err := sweep.Expand(sweep.Options{Experiment: name, Quick: o.quick, Seeds: seeds, NumSeeds: o.seeds, Sets: o.sets, MaxTime: maxTime})
	if err != nil {
		return sweepErr(err)
	}
	dir, err := filepath.Abs(o.out)
	if err != nil {
		return fmt.Errorf("--out %s: %w", o.out, err)
	}
	if err := sweep.WritePlan(dir, p); err != nil {
		return sweepErr(err)
	}
	fmt.Fprintf(c.stdout, "sweep of %s: %d runs (%d seeds × %d settings), plan %s\n", p.Experiment, len(p.Runs), len(p.Seeds),
		len(p.Runs)/len(p.Seeds), filepath.Join(dir, sweep.PlanFile))
	switch {
	case o.slurm:
		return c.sweepSlurm(dir, p, o)
	case o.k8s:
		return c.sweepK8s(dir, p, o)
	}
	// The tasks run a copy of this binary, so that rebuilding dynlearn while the sweep runs does not
	// change the code of its later runs.
	exe, err := installBinary(dir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err = sweep.Local(ctx, dir, p, sweep.LocalOptions{Parallel: o.parallel, Command: []string{exe, "sweep", "run-task"}, Progress: c.stdout})
	if errors.Is(err, sweep.ErrUnfinished) {
		return unfinishedError{err}
	}
	if err != nil {
		return sweepErr(err)
	}
	fmt.Fprintf(c.stdout, "all %d runs finished; the report: dynlearn sweep report %s\n", len(p.Runs), dir)
	return nil
}

// sweepSlurm writes the batch script (the runs without a result), copies this binary into
// DIR/bin, and submits the script unless --dry-run.
func (c *cli) sweepSlurm(dir string, p *sweep.Plan, o *sweepOptions) error {
	missing := sweep.Missing(dir, p)
	if len(missing) == 0 {
		fmt.Fprintf(c.stdout, "all %d runs have results; nothing to submit\n", len(p.Runs))
		return nil
	}
	exe, err := installBinary(dir)
	if err != nil {
		return err
	}
	script, err := sweep.SbatchScript(dir, p, missing, sweep.SlurmOptions{Exe: exe, MaxParallel: o.maxParallel, Partition: o.partition,
		Time: o.timeLimit, Gres: o.gres, Account: o.account, CPUsPerTask: o.cpus, Backend: os.Getenv("GOMLX_BACKEND")})
	if err != nil {
		return sweepErr(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, sweep.SbatchFile)
	if err := diskcache.WriteBytes(path, []byte(script)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %s (%d tasks: %s)\n", path, len(missing), sweep.ArraySpec(missing))
	if o.dryRun {
		fmt.Fprintf(c.stdout, "not submitted (--dry-run); submit with: sbatch %s\n", path)
		return nil
	}
	id, err := sweep.Submit(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "submitted Slurm job %s; follow it with: dynlearn sweep status %s\n", id, dir)
	return nil
}

// installBinary copies the running executable to DIR/bin/dynlearn (atomically; a binary run by
// `go run` is deleted when it exits) and returns the copy's path.
func installBinary(dir string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the dynlearn executable: %w", err)
	}
	dst := filepath.Join(dir, "bin", "dynlearn")
	if exe == dst {
		return dst, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("copying the dynlearn executable: %w", err)
	}
	defer f.Close()
	if err := diskcache.WriteFile(dst, func(w io.Writer) error { _, err := io.Copy(w, f); return err }); err != nil {
		return "", fmt.Errorf("copying the dynlearn executable to %s: %w", dst, err)
	}
	if err := os.Chmod(dst, 0o755); err != nil {
		return "", fmt.Errorf("copying the dynlearn executable: %w", err)
	}
	return dst, nil
}

// sweepK8s writes the Kubernetes manifest.
func (c *cli) sweepK8s(dir string, p *sweep.Plan, o *sweepOptions) error {
	name := o.k8sName
	if name == "" {
		b, _ := json.Marshal(p.Runs)
		h := sha256.Sum256(append([]byte(p.Experiment), b...))
		name = "dynlearn-" + p.Experiment + "-" + hex.EncodeToString(h[:3])
	}
	m, err := sweep.K8sManifest(p, sweep.K8sOptions{Name: name, Image: o.image, Claim: o.pvc, Parallelism: o.maxParallel,
		CPUs: o.cpus, Backend: os.Getenv("GOMLX_BACKEND")})
	if err != nil {
		return sweepErr(err)
	}
	path := filepath.Join(dir, sweep.K8sFile)
	if err := diskcache.WriteBytes(path, m); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %s: Indexed Job %s, %d completions; start it with: kubectl apply -f %s\n", path, name, len(p.Runs), path)
	fmt.Fprintf(c.stdout, "the results go to the claim %s, directory %s/; copy them back to %s for 'dynlearn sweep report'\n", o.pvc, name, dir)
	return nil
}

// sweepRunTask runs one task: DIR [INDEX].
func (c *cli) sweepRunTask(args []string, o *sweepOptions) error {
	if len(args) < 1 || len(args) > 2 {
		return usagef("sweep run-task takes DIR and an optional INDEX, got %q", args)
	}
	dir := args[0]
	p, err := sweep.ReadTaskPlan(dir, sweep.TaskOptions{PlanFile: o.plan})
	if err != nil {
		return err
	}
	index := ""
	if len(args) == 2 {
		index = args[1]
	}
	i, err := sweep.TaskIndex(index, len(p.Runs))
	if err != nil {
		return sweepErr(err)
	}
	if o.plan != "" { // a Kubernetes task: keep a copy of the plan next to the results, for report
		if _, err := os.Stat(filepath.Join(dir, sweep.PlanFile)); err != nil {
			if err := sweep.WritePlan(dir, p); err != nil {
				return sweepErr(err)
			}
		}
	}
	res, done, err := sweep.RunTask(dir, i, sweep.TaskOptions{Progress: c.stdout, PlanFile: o.plan})
	switch {
	case err != nil && unfinished(err):
		return unfinishedError{err}
	case err != nil:
		return sweepErr(err)
	case done:
		fmt.Fprintf(c.stdout, "run %d: finished before (%s); nothing to do\n", i, filepath.Join(sweep.RunDir(dir, i), sweep.ResultFile))
	}
	names := make([]string, 0, len(res.Flags))
	for f := range res.Flags {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Fprintf(c.stdout, "  %s: %v\n", f, res.Flags[f])
	}
	return nil
}
