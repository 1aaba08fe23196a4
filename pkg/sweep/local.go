package sweep

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SingleThreadedBackend is the GoMLX backend configuration of a local sweep's processes when
// GOMLX_BACKEND is not set: the pure-Go backend running one op at a time (with GOMAXPROCS=1, each
// process uses one core).
const SingleThreadedBackend = "go:parallelism=-1,ops_sequential"

// ErrUnfinished is returned (wrapped) by Local when runs stopped before the end with their
// checkpoints saved (interrupted): the same sweep resumes them.
var ErrUnfinished = errors.New("runs unfinished")

// ExitUnfinished is the exit code of a task whose training stopped early with its checkpoint
// saved (dynlearn's exit code 3).
const ExitUnfinished = 3

// LocalOptions configure Local.
type LocalOptions struct {
	// Parallel is the number of runs at once (0: runtime.NumCPU()).
	Parallel int
	// Command is the program and its arguments before DIR INDEX: {"/usr/local/bin/dynlearn",
	// "sweep", "run-task"}.
	Command []string
	// Env is added to each process's environment. GOMAXPROCS=1 and
	// GOMLX_BACKEND=SingleThreadedBackend are added unless set here or in the environment.
	Env []string
	// Progress receives one line per run (nil: none).
	Progress io.Writer
	// Grace is how long an interrupted process has to save its checkpoint before it is killed
	// (0: one minute).
	Grace time.Duration
}

// LocalReport says what Local did with each run, by index.
type LocalReport struct {
	Skipped, Done, Unfinished, Failed []int
}

// Local runs the runs of the sweep in dir without a result, at most o.Parallel at a time, each
// as a process of o.Command with DIR and INDEX (the task, RunTask). Runs with a result are
// skipped. When ctx is cancelled, no new run starts and the running ones are interrupted
// (SIGINT: they save their checkpoints and stop); Local then returns an error wrapping
// ErrUnfinished. A failed run does not stop the others; Local returns an error naming them.
func Local(ctx context.Context, dir string, p *Plan, o LocalOptions) (*LocalReport, error) {
	if len(o.Command) == 0 {
		return nil, fmt.Errorf("sweep: LocalOptions.Command is empty")
	}
	par := o.Parallel
	if par < 0 {
		return nil, usagef("--parallel %d: want a number of processes ≥ 1 (0: one per core)", par)
	}
	if par == 0 {
		par = runtime.NumCPU()
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	grace := o.Grace
	if grace <= 0 {
		grace = time.Minute
	}
	env := localEnv(o.Env)
	rep := &LocalReport{}
	var todo []int
	for i := range p.Runs {
		if _, err := os.Stat(filepath.Join(RunDir(dir, i), ResultFile)); err == nil {
			rep.Skipped = append(rep.Skipped, i)
			continue
		}
		todo = append(todo, i)
	}
	n := len(p.Runs)
	fmt.Fprintf(progress, "sweep %s: %d runs, %d done before, %d to run, %d at a time\n", dir, n, len(rep.Skipped), len(todo), min(par, max(len(todo), 1)))
	var (
		mu       sync.Mutex
		finished = len(rep.Skipped)
		wg       sync.WaitGroup
		sem      = make(chan struct{}, par)
	)
	for _, i := range todo {
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
		}
		if ctx.Err() != nil {
			mu.Lock()
			rep.Unfinished = append(rep.Unfinished, i)
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			start := time.Now()
			code, tail, err := runProcess(ctx, dir, i, o.Command, env, grace)
			mu.Lock()
			defer mu.Unlock()
			finished++
			spec := p.Runs[i]
			what := fmt.Sprintf("[%d/%d] run %d seed %d", finished, n, i, spec.Seed)
			if l := spec.Label(); l != "" {
				what += " " + l
			}
			switch {
			case err == nil && code == 0:
				rep.Done = append(rep.Done, i)
				line := fmt.Sprintf("%s: done in %.1f s", what, time.Since(start).Seconds())
				if r, err := ReadResult(RunDir(dir, i)); err == nil {
					line += fmt.Sprintf(", success %v", r.Success)
				}
				fmt.Fprintln(progress, line)
			case code == ExitUnfinished || (ctx.Err() != nil && err == nil):
				finished--
				rep.Unfinished = append(rep.Unfinished, i)
				fmt.Fprintf(progress, "%s: stopped after %.1f s with its checkpoint saved (resumes when the sweep runs again)\n", what,
					time.Since(start).Seconds())
			default:
				rep.Failed = append(rep.Failed, i)
				if err == nil {
					err = fmt.Errorf("exit code %d", code)
				}
				fmt.Fprintf(progress, "%s: failed (%v; see %s): %s\n", what, err, filepath.Join(RunDir(dir, i), "task.out"), tail)
			}
		}(i)
	}
	wg.Wait()
	switch {
	case len(rep.Failed) > 0:
		return rep, fmt.Errorf("sweep %s: runs %v failed (their task.out says why)", dir, rep.Failed)
	case len(rep.Unfinished) > 0:
		return rep, fmt.Errorf("sweep %s: runs %v not finished: %w", dir, rep.Unfinished, ErrUnfinished)
	}
	return rep, nil
}

// localEnv returns the environment of a local task: the process's, extra, and the
// single-threaded defaults for what neither sets.
func localEnv(extra []string) []string {
	env := append(os.Environ(), extra...)
	has := func(k string) bool {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k && v != "" {
				return true
			}
		}
		return false
	}
	if !has("GOMAXPROCS") {
		env = append(env, "GOMAXPROCS=1")
	}
	if !has("GOMLX_BACKEND") {
		env = append(env, "GOMLX_BACKEND="+SingleThreadedBackend)
	}
	return env
}

// runProcess runs the task of run i with its output appended to runs/<i>/task.out and returns its
// exit code and the last line of its output.
func runProcess(ctx context.Context, dir string, i int, command, env []string, grace time.Duration) (int, string, error) {
	rd := RunDir(dir, i)
	if err := os.MkdirAll(rd, 0o755); err != nil {
		return -1, "", fmt.Errorf("sweep: %w", err)
	}
	outPath := filepath.Join(rd, "task.out")
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return -1, "", fmt.Errorf("sweep: %w", err)
	}
	defer out.Close()
	args := append(append([]string(nil), command[1:]...), dir, strconv.Itoa(i))
	cmd := exec.CommandContext(ctx, command[0], args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	cmd.Cancel = func() error { return interrupt(cmd.Process) }
	cmd.WaitDelay = grace
	ownProcessGroup(cmd)
	err = cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) || (err != nil && code >= 0) {
		err = nil // the exit code says it
	}
	return code, lastLine(outPath), err
}

// lastLine returns the last non-empty line of the file at path ("" when there is none).
func lastLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			last = t
		}
	}
	return last
}
