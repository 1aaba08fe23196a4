package sweep

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// SbatchFile is the name of the Slurm batch script in a sweep's directory; SlurmJobsFile lists the
// ids of the array jobs submitted for the sweep, one a line.
const (
	SbatchFile    = "sweep.sbatch"
	SlurmJobsFile = "slurm_jobs.txt"
)

// SlurmOptions are the options of the Slurm array job.
type SlurmOptions struct {
	// Exe is the dynlearn executable the tasks run (it must be reachable from the compute nodes).
	Exe string
	// Workdir is the tasks' working directory (--chdir; "" = the current directory).
	Workdir string
	// MaxParallel caps the tasks running at once (the array's %N; 0 = no cap).
	MaxParallel int
	// Partition, Time, Gres and Account are passed to sbatch as they are ("" = not given).
	Partition, Time, Gres, Account string
	// CPUsPerTask is --cpus-per-task and each task's GOMAXPROCS (0 = 1).
	CPUsPerTask int
	// Backend is each task's GOMLX_BACKEND ("" = the single-threaded backend for one CPU per
	// task, dynlearn's default otherwise). "xla:cuda" with Gres "gpu:1" trains on a GPU.
	Backend string
}

var slurmValue = regexp.MustCompile(`^[A-Za-z0-9_.:,=+/@%-]*$`)

// SbatchScript returns the batch script of the sweep in dir (an absolute path) that runs, as one
// array job, the runs listed in indexes (all runs of the plan when nil): each task runs
// `<Exe> sweep run-task <dir>`, which reads its index from SLURM_ARRAY_TASK_ID.
func SbatchScript(dir string, p *Plan, indexes []int, o SlurmOptions) (string, error) {
	if o.Exe == "" {
		return "", fmt.Errorf("sweep: SlurmOptions.Exe is empty")
	}
	if o.MaxParallel < 0 {
		return "", usagef("--max-parallel %d: want ≥ 0 (0: no cap)", o.MaxParallel)
	}
	if o.CPUsPerTask < 0 {
		return "", usagef("--cpus-per-task %d: want ≥ 1", o.CPUsPerTask)
	}
	for _, f := range []struct{ name, v string }{{"partition", o.Partition}, {"time", o.Time}, {"gres", o.Gres}, {"account", o.Account}} {
		if !slurmValue.MatchString(f.v) {
			return "", usagef("--%s %q: want letters, digits and _.:,=+/@%%- only", f.name, f.v)
		}
	}
	if indexes == nil {
		for i := range p.Runs {
			indexes = append(indexes, i)
		}
	}
	if len(indexes) == 0 {
		return "", fmt.Errorf("sweep: no runs to submit")
	}
	cpus := max(o.CPUsPerTask, 1)
	backend := o.Backend
	if backend == "" && cpus == 1 {
		backend = SingleThreadedBackend
	}
	workdir := o.Workdir
	if workdir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("sweep: %w", err)
		}
		workdir = wd
	}
	array := ArraySpec(indexes)
	if o.MaxParallel > 0 {
		array += "%" + strconv.Itoa(o.MaxParallel)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# dynlearn sweep of %s (%d runs, %s mode) as a Slurm array job: one task per run, the task's\n", p.Experiment, len(p.Runs), mode(p.Quick))
	fmt.Fprintf(&b, "# index from SLURM_ARRAY_TASK_ID. Written by 'dynlearn sweep --slurm'; submit with: sbatch %s\n", filepath.Join(dir, SbatchFile))
	fmt.Fprintf(&b, "#SBATCH --job-name=dynlearn-%s\n", p.Experiment)
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", array)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(dir, "logs", "slurm-%A_%a.out"))
	fmt.Fprintf(&b, "#SBATCH --chdir=%s\n", workdir)
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n")
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", cpus)
	for _, f := range []struct{ name, v string }{{"partition", o.Partition}, {"time", o.Time}, {"gres", o.Gres}, {"account", o.Account}} {
		if f.v != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", f.name, f.v)
		}
	}
	fmt.Fprintf(&b, "set -eu\n")
	fmt.Fprintf(&b, "export GOMAXPROCS=%d\n", cpus)
	if backend != "" {
		fmt.Fprintf(&b, "export GOMLX_BACKEND=%s\n", shellQuote(backend))
	}
	fmt.Fprintf(&b, "exec %s sweep run-task %s\n", shellQuote(o.Exe), shellQuote(dir))
	return b.String(), nil
}

// ArraySpec writes indexes (sorted) as a Slurm array range list: "0-9", "0-2,5,7-8".
func ArraySpec(indexes []int) string {
	var parts []string
	for i := 0; i < len(indexes); {
		j := i
		for j+1 < len(indexes) && indexes[j+1] == indexes[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", indexes[i], indexes[j]))
		} else {
			parts = append(parts, strconv.Itoa(indexes[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// Missing returns the indexes of the runs of p in dir without a result.
func Missing(dir string, p *Plan) []int {
	var out []int
	for i := range p.Runs {
		if _, err := os.Stat(filepath.Join(RunDir(dir, i), ResultFile)); err != nil {
			out = append(out, i)
		}
	}
	return out
}

// Submit submits dir/sweep.sbatch with `sbatch --parsable` and returns the job id, which it
// appends to dir/slurm_jobs.txt.
func Submit(dir string) (string, error) {
	cmd := exec.Command("sbatch", "--parsable", filepath.Join(dir, SbatchFile))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sweep: sbatch %s: %w: %s", filepath.Join(dir, SbatchFile), err, strings.TrimSpace(errb.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";")
	if id == "" {
		return "", fmt.Errorf("sweep: sbatch printed no job id (stderr: %s)", strings.TrimSpace(errb.String()))
	}
	f, err := os.OpenFile(filepath.Join(dir, SlurmJobsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return id, fmt.Errorf("sweep: recording job %s: %w", id, err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, id); err != nil {
		return id, fmt.Errorf("sweep: recording job %s: %w", id, err)
	}
	return id, nil
}

// SlurmJobs returns the job ids recorded in dir/slurm_jobs.txt (none when there is no such file).
func SlurmJobs(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, SlurmJobsFile))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// Status writes the state of the sweep in dir to w: the results present and, for the Slurm jobs
// submitted, what squeue (pending and running tasks) and sacct (finished ones) say. A missing
// squeue or sacct is noted, not an error. It returns the number of results present.
func Status(w io.Writer, dir string) (int, error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return 0, err
	}
	res, err := Results(dir, p)
	if err != nil {
		return 0, err
	}
	done, ok := 0, 0
	for _, r := range res {
		if r != nil {
			done++
			if r.Success {
				ok++
			}
		}
	}
	fmt.Fprintf(w, "sweep %s: %s, %d runs; %d results (%d successful); missing: %s\n", dir, p.Experiment, len(p.Runs), done, ok,
		orNone(ArraySpec(Missing(dir, p))))
	for _, id := range SlurmJobs(dir) {
		fmt.Fprintf(w, "Slurm job %s:\n", id)
		for _, c := range [][]string{
			{"squeue", "-h", "-r", "-j", id, "-o", "%i %T %M %R"},
			{"sacct", "-n", "-X", "-P", "-j", id, "-o", "JobID,State,Elapsed,ExitCode"},
		} {
			out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
			text := strings.TrimSpace(string(out))
			switch {
			case err != nil && text == "":
				fmt.Fprintf(w, "  %s: %v\n", c[0], err)
			case err != nil:
				fmt.Fprintf(w, "  %s: %v: %s\n", c[0], err, text)
			case text == "":
				fmt.Fprintf(w, "  %s: no tasks\n", c[0])
			default:
				fmt.Fprintf(w, "  %s:\n", c[0])
				for _, l := range strings.Split(text, "\n") {
					fmt.Fprintf(w, "    %s\n", l)
				}
			}
		}
	}
	return done, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func mode(quick bool) string {
	if quick {
		return "quick"
	}
	return "full"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=./:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
