package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/experiments"
)

// ResultFile is the name of a run's result in its directory (runs/<index>/result.json).
const ResultFile = "result.json"

// IndexEnvVars are the environment variables a task reads its index from when it is not given,
// in this order: Slurm array jobs and Kubernetes Indexed Jobs set them.
var IndexEnvVars = []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"}

// Result is what a finished run records in runs/<index>/result.json.
type Result struct {
	Experiment string    `json:"experiment"`
	Index      int       `json:"index"`
	Seed       uint64    `json:"seed"`
	Quick      bool      `json:"quick"`
	Settings   []Setting `json:"settings,omitempty"`
	// Config is the run's whole configuration.
	Config json.RawMessage `json:"config"`
	// Metrics are the metrics of the experiment's evaluation of the trained model (its Eval
	// summary); TrainMetrics those of its Train summary.
	Metrics      map[string]float64 `json:"metrics"`
	TrainMetrics map[string]float64 `json:"train_metrics,omitempty"`
	// NonFinite names the metrics that were NaN or infinite (JSON has no such numbers; they are
	// left out of Metrics and TrainMetrics).
	NonFinite []string `json:"non_finite,omitempty"`
	// Lines are the evaluation summary's lines.
	Lines []string `json:"lines,omitempty"`
	// Flags are the experiment's success checks (experiments.Experiment.Success) by flag name;
	// Success is their conjunction (true without checks).
	Flags   map[string]bool `json:"flags"`
	Success bool            `json:"success"`
	// WallSeconds is the wall time of the task invocation that finished the run (train, resumed
	// or not, and eval).
	WallSeconds float64   `json:"wall_seconds"`
	Finished    time.Time `json:"finished"`
	Host        string    `json:"host"`
	// Backend is the GoMLX backend configuration (GOMLX_BACKEND or dynlearn's default).
	Backend    string `json:"backend"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// Engine is "slurm" (with Job, the array job's id), "k8s" or "local".
	Engine string `json:"engine"`
	Job    string `json:"job,omitempty"`
}

// Metric returns the metric name of the evaluation, or else of the training, and whether there is
// one.
func (r *Result) Metric(name string) (float64, bool) {
	if v, ok := r.Metrics[name]; ok {
		return v, true
	}
	v, ok := r.TrainMetrics[name]
	return v, ok
}

// MetricNames returns the names of all the run's metrics, sorted.
func (r *Result) MetricNames() []string {
	seen := map[string]bool{}
	for k := range r.Metrics {
		seen[k] = true
	}
	for k := range r.TrainMetrics {
		seen[k] = true
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Judge sets r's Flags and Success from the checks: a check whose metric is missing fails.
func (r *Result) Judge(checks []experiments.Check) error {
	r.Flags, r.Success = map[string]bool{}, true
	for _, c := range checks {
		v, ok := r.Metric(c.Metric)
		holds := false
		if ok {
			h, err := c.Holds(v)
			if err != nil {
				return err
			}
			holds = h
		}
		r.Flags[c.Flag] = holds
		r.Success = r.Success && holds
	}
	return nil
}

// TaskIndex returns index when it is not "", else the first of IndexEnvVars that is set, as a
// run index of a plan with n runs; it is an error naming the value and the allowed range when it
// is not one.
func TaskIndex(index string, n int) (int, error) {
	what := "INDEX"
	if index == "" {
		for _, v := range IndexEnvVars {
			if s := os.Getenv(v); s != "" {
				index, what = s, "$"+v
				break
			}
		}
		if index == "" {
			return 0, usagef("no INDEX given and none of $%s set", joinEnv())
		}
	}
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= n {
		return 0, usagef("%s = %q: want a run index from 0 to %d", what, index, n-1)
	}
	return i, nil
}

func joinEnv() string {
	s := ""
	for i, v := range IndexEnvVars {
		if i > 0 {
			s += ", $"
		}
		s += v
	}
	return s
}

// TaskOptions configure RunTask.
type TaskOptions struct {
	// Progress receives one line when the run starts and one when it ends (nil: none).
	Progress io.Writer
	// PlanFile, when set, is read instead of dir/plan.json (a Kubernetes ConfigMap).
	PlanFile string
}

// ReadTaskPlan reads the plan RunTask uses: o.PlanFile, or dir/plan.json.
func ReadTaskPlan(dir string, o TaskOptions) (*Plan, error) {
	if o.PlanFile != "" {
		return readPlanFile(o.PlanFile)
	}
	return ReadPlan(dir)
}

// RunTask runs run index of the sweep in dir: it trains the experiment into runs/<index>/model
// (resuming from the checkpoints there), evaluates the trained model, judges it with the
// experiment's checks and writes runs/<index>/result.json atomically. The experiment's progress
// goes to runs/<index>/log.txt. When result.json exists the run is done: RunTask returns it with
// done = true and does nothing. A training run that stopped early with its checkpoint saved
// returns an error wrapping the experiment's (training.ErrInterrupted, training.ErrStopped) and
// no result: the same task resumes it.
func RunTask(dir string, index int, o TaskOptions) (res *Result, done bool, err error) {
	p, err := ReadTaskPlan(dir, o)
	if err != nil {
		return nil, false, err
	}
	if index < 0 || index >= len(p.Runs) {
		return nil, false, usagef("run index %d: want 0 to %d", index, len(p.Runs)-1)
	}
	spec := p.Runs[index]
	rd := RunDir(dir, index)
	if r, err := ReadResult(rd); err == nil {
		return r, true, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	e, cfg, err := p.Config(spec)
	if err != nil {
		return nil, false, err
	}
	var maxTime time.Duration
	if p.MaxTime != "" {
		if maxTime, err = time.ParseDuration(p.MaxTime); err != nil {
			return nil, false, fmt.Errorf("sweep: plan max_time %q: %w", p.MaxTime, err)
		}
	}
	model := filepath.Join(rd, "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		return nil, false, fmt.Errorf("sweep: %w", err)
	}
	logf, err := os.OpenFile(filepath.Join(rd, "log.txt"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("sweep: %w", err)
	}
	defer logf.Close()
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	host, _ := os.Hostname()
	engine, job := Engine()
	fmt.Fprintf(logf, "== %s run %d: seed %d %s (host %s, backend %s, %s)\n", p.Experiment, index, spec.Seed, spec.Label(),
		host, backend.Config(), time.Now().Format(time.RFC3339))
	fmt.Fprintf(progress, "run %d: %s seed %d %s: started on %s\n", index, p.Experiment, spec.Seed, spec.Label(), host)

	start := time.Now()
	train := &experiments.Run{Quick: p.Quick, Config: cfg, Seed: spec.Seed, Out: model, MaxTime: maxTime, Log: logf}
	ts, err := e.Train(train)
	if err != nil {
		fmt.Fprintf(logf, "train: %v\n", err)
		return nil, false, fmt.Errorf("run %d (seed %d %s): train: %w", index, spec.Seed, spec.Label(), err)
	}
	_, cfg, err = p.Config(spec) // a fresh configuration for Eval
	if err != nil {
		return nil, false, err
	}
	eval := &experiments.Run{Quick: p.Quick, Config: cfg, Seed: spec.Seed, Out: model, Model: model, Log: logf}
	es, err := e.Eval(eval)
	if err != nil {
		fmt.Fprintf(logf, "eval: %v\n", err)
		return nil, false, fmt.Errorf("run %d (seed %d %s): eval: %w", index, spec.Seed, spec.Label(), err)
	}
	cj, err := json.Marshal(cfg)
	if err != nil {
		return nil, false, fmt.Errorf("sweep: configuration of run %d: %w", index, err)
	}
	var dropped []string
	res = &Result{Experiment: p.Experiment, Index: index, Seed: spec.Seed, Quick: p.Quick, Settings: spec.Settings,
		Config: cj, Metrics: finite(es.Metrics, "", &dropped), Lines: es.Lines, WallSeconds: time.Since(start).Seconds(),
		Finished: time.Now().UTC(), Host: host, Backend: backend.Config(), GOMAXPROCS: runtime.GOMAXPROCS(0), Engine: engine, Job: job}
	if ts != nil {
		res.TrainMetrics = finite(ts.Metrics, "train ", &dropped)
	}
	res.NonFinite = dropped
	if err := res.Judge(e.Success); err != nil {
		return nil, false, err
	}
	if err := writeResult(rd, res); err != nil {
		return nil, false, err
	}
	for _, l := range es.Lines {
		fmt.Fprintln(logf, l)
	}
	fmt.Fprintf(progress, "run %d: %s seed %d %s: done in %.1f s, success %v\n", index, p.Experiment, spec.Seed, spec.Label(),
		res.WallSeconds, res.Success)
	return res, false, nil
}

// finite returns the finite entries of m (an empty map for none), appending the names of the
// others, with prefix, to dropped.
func finite(m map[string]float64, prefix string, dropped *[]string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			*dropped = append(*dropped, prefix+k)
			continue
		}
		out[k] = v
	}
	sort.Strings(*dropped)
	return out
}

// Engine says what runs this process: "slurm" (and the job id), "k8s" or "local".
func Engine() (engine, job string) {
	switch {
	case os.Getenv("SLURM_ARRAY_JOB_ID") != "":
		return "slurm", os.Getenv("SLURM_ARRAY_JOB_ID")
	case os.Getenv("SLURM_JOB_ID") != "":
		return "slurm", os.Getenv("SLURM_JOB_ID")
	case os.Getenv("JOB_COMPLETION_INDEX") != "":
		return "k8s", os.Getenv("HOSTNAME")
	}
	return "local", ""
}

func writeResult(rd string, r *Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: result of run %d: %w", r.Index, err)
	}
	return diskcache.WriteBytes(filepath.Join(rd, ResultFile), append(b, '\n'))
}

// ReadResult reads the result.json of the run directory rd; a missing result is an error
// wrapping os.ErrNotExist.
func ReadResult(rd string) (*Result, error) {
	b, err := os.ReadFile(filepath.Join(rd, ResultFile))
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", filepath.Join(rd, ResultFile), err)
	}
	return &r, nil
}

// Results reads the results present of the sweep in dir: one entry per run of the plan, nil for a
// run without a result.
func Results(dir string, p *Plan) ([]*Result, error) {
	out := make([]*Result, len(p.Runs))
	for i := range p.Runs {
		r, err := ReadResult(RunDir(dir, i))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			out[i] = r
		}
	}
	return out, nil
}
