package sweep

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/experiments"
)

// testName is an experiment registered for these tests: instant, with a check and a rule.
const testName = "sweep-pkgtest"

type testConfig struct {
	Rate  float64 `json:"rate"`
	Width []int   `json:"width"`
	Label string  `json:"label"`
}

func init() {
	experiments.Register(&experiments.Experiment{
		Name: testName, Title: "the sweep package's test",
		Config: func(bool) any { return &testConfig{Rate: 1, Label: "x"} },
		Data:   func(*experiments.Run) (*experiments.Summary, error) { return &experiments.Summary{}, nil },
		Train: func(r *experiments.Run) (*experiments.Summary, error) {
			s := &experiments.Summary{}
			s.Set("seed", float64(r.Seed))
			return s, nil
		},
		Eval: func(r *experiments.Run) (*experiments.Summary, error) {
			c, err := experiments.Cfg[testConfig](r)
			if err != nil {
				return nil, err
			}
			s := &experiments.Summary{}
			s.Set("loss", c.Rate*float64(r.Seed))
			s.Set("broken", 0*c.Rate/0) // NaN: left out of the result
			return s, nil
		},
		Success: []experiments.Check{{Flag: "small", Metric: "loss", Op: "<=", Bound: 2}},
		Select:  experiments.Selection{Metric: "loss", Maximize: true, AmongSuccessful: true},
	})
}

func TestExpand(t *testing.T) {
	p, err := Expand(Options{Experiment: testName, Quick: true, NumSeeds: 2,
		Sets: []string{"rate=0.5,2", "width=[64,32],[8]", "label=a b"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Runs) != 2*2*2*1 {
		t.Fatalf("%d runs, want 8: %+v", len(p.Runs), p.Runs)
	}
	want := []string{
		"rate=0.5 width=[64,32] label=a b", "rate=0.5 width=[64,32] label=a b",
		"rate=0.5 width=[8] label=a b", "rate=0.5 width=[8] label=a b",
		"rate=2 width=[64,32] label=a b", "rate=2 width=[64,32] label=a b",
		"rate=2 width=[8] label=a b", "rate=2 width=[8] label=a b",
	}
	for i, r := range p.Runs {
		if r.Index != i || r.Seed != uint64(i%2+1) || r.Label() != want[i] {
			t.Errorf("run %d = %+v (%q), want seed %d, %q", i, r, r.Label(), i%2+1, want[i])
		}
	}
	if sw := p.Swept(); len(sw) != 2 || sw[0].Key != "rate" || sw[1].Key != "width" {
		t.Errorf("Swept = %+v, want rate and width", sw)
	}
	_, cfg, err := p.Config(p.Runs[3])
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.(*testConfig); c.Rate != 0.5 || !reflect.DeepEqual(c.Width, []int{8}) || c.Label != "a b" {
		t.Errorf("Config(run 3) = %+v", c)
	}
	p, err = Expand(Options{Experiment: testName, Seeds: []uint64{9, 5}})
	if err != nil || len(p.Runs) != 2 || p.Runs[0].Seed != 9 || p.Runs[1].Seed != 5 {
		t.Errorf("seed list: %+v, %v", p, err)
	}
}

func TestExpandErrors(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Experiment: "nope", NumSeeds: 1}, `no experiment "nope" (experiments: `},
		{Options{Experiment: testName}, "--seeds 0: want a number of seeds ≥ 1"},
		{Options{Experiment: testName, NumSeeds: -2}, "--seeds -2"},
		{Options{Experiment: testName, NumSeeds: 2, Seeds: []uint64{1}}, "either --seeds N or --seed-list"},
		{Options{Experiment: testName, Seeds: []uint64{1, 0}}, "seed 0 is not a seed"},
		{Options{Experiment: testName, Seeds: []uint64{3, 3}}, "seed 3 given twice"},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"depth=1,2"}}, `no setting "depth" (settings: rate, width, label)`},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"rate="}}, "--set rate=: empty list of values"},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"rate=1,,2"}}, "value 2 of 3 is empty"},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"rate=1,fast"}}, "--set rate=fast: want a value of type float64"},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"rate"}}, `--set "rate": want KEY=VALUE`},
		{Options{Experiment: testName, NumSeeds: 1, Sets: []string{"rate=1", "Rate=2"}}, `key "Rate" set twice`},
	} {
		_, err := Expand(tc.o)
		if err == nil || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Expand(%+v) = %v, want a usage error containing %q", tc.o, err, tc.want)
		}
	}
}

func TestSplitValues(t *testing.T) {
	for in, want := range map[string][]string{
		"1":                   {"1"},
		"1,2,3":               {"1", "2", "3"},
		"[64,32],[8]":         {"[64,32]", "[8]"},
		`{"a":[1,2]},"x,y",z`: {`{"a":[1,2]}`, `"x,y"`, "z"},
	} {
		got, err := SplitValues(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitValues(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
}

func TestPlanResumeAndConflict(t *testing.T) {
	dir := t.TempDir()
	p, _ := Expand(Options{Experiment: testName, NumSeeds: 3})
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	if err := WritePlan(dir, p); err != nil {
		t.Errorf("writing the same plan again (resuming): %v", err)
	}
	q, _ := Expand(Options{Experiment: testName, NumSeeds: 4})
	if err := WritePlan(dir, q); err == nil || !strings.Contains(err.Error(), "holds another sweep") {
		t.Errorf("another plan in the same directory: %v, want an error", err)
	}
	got, err := ReadPlan(dir)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("ReadPlan = %+v, %v, want %+v", got, err, p)
	}
}

func TestRunTaskJudgeAndReport(t *testing.T) {
	dir := t.TempDir()
	p, _ := Expand(Options{Experiment: testName, Seeds: []uint64{1, 2, 3}, Sets: []string{"rate=0.5,1"}})
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	for i := range 5 { // run 5 stays unfinished
		res, done, err := RunTask(dir, i, TaskOptions{})
		if err != nil || done {
			t.Fatalf("RunTask(%d): %v, done %v", i, err, done)
		}
		if _, ok := res.Metrics["broken"]; ok || !reflect.DeepEqual(res.NonFinite, []string{"broken"}) {
			t.Errorf("run %d: NaN metric kept: %v, non-finite %v", i, res.Metrics, res.NonFinite)
		}
		wantOK := res.Metrics["loss"] <= 2
		if res.Success != wantOK || res.Flags["small"] != wantOK || res.Engine == "" || res.Backend == "" {
			t.Errorf("run %d: %+v", i, res)
		}
	}
	if _, done, err := RunTask(dir, 0, TaskOptions{}); err != nil || !done {
		t.Errorf("RunTask of a finished run: done %v, %v", done, err)
	}
	if _, _, err := RunTask(dir, 6, TaskOptions{}); err == nil || !strings.Contains(err.Error(), "want 0 to 5") {
		t.Errorf("RunTask(6): %v", err)
	}
	s, err := Report(dir, ReportOptions{Sort: "-loss"})
	if err != nil {
		t.Fatal(err)
	}
	// Losses: rate 0.5: 0.5, 1, 1.5; rate 1: 1, 2 (3 unfinished). Successful (≤ 2): all 5; the
	// rule maximises loss among them: run 4 (rate 1, seed 2).
	if s.Finished != 5 || s.Successful != 5 || s.Selected != 4 {
		t.Errorf("Report: finished %d, successful %d, selected %d; want 5, 5, 4\n%s", s.Finished, s.Successful, s.Selected, s.Markdown)
	}
	for _, w := range []string{"Seeds to success: 5 of 5", "(1 of 6 runs not finished)", "- rate=0.5: 3 of 3", "**Selected: run 4**",
		"| run | seed | rate | small | loss | seed | wall s |", "| 5 | 3 | not finished |"} {
		if !strings.Contains(s.Markdown, w) {
			t.Errorf("report lacks %q:\n%s", w, s.Markdown)
		}
	}
	if i, j := strings.Index(s.Markdown, "| **4** ★ | 2 |"), strings.Index(s.Markdown, "| 0 | 1 |"); i < 0 || j < i {
		t.Errorf("table not sorted by loss, descending:\n%s", s.Markdown)
	}
	if len(s.Plots) != 2 {
		t.Errorf("plots %q, want per seed and against rate", s.Plots)
	}
	for _, f := range s.Plots {
		if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "<svg") {
			t.Errorf("plot %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ReportFile)); err != nil {
		t.Error(err)
	}
	if _, err := Report(dir, ReportOptions{Sort: "nope"}); err == nil || !strings.Contains(err.Error(), "metrics: loss, seed") {
		t.Errorf("--sort of an unknown metric: %v", err)
	}
	// ReadOnly: the same report, nothing written (a shipped sweep shown in a notebook).
	ro := t.TempDir()
	if err := os.CopyFS(ro, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ReportFile, PlotsDir} {
		if err := os.RemoveAll(filepath.Join(ro, f)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Report(ro, ReportOptions{Sort: "-loss", ReadOnly: true})
	if err != nil || r.Selected != 4 || r.Successful != 5 || len(r.Plots) != 0 {
		t.Fatalf("read-only report: %+v, %v", r, err)
	}
	for _, f := range []string{ReportFile, PlotsDir} {
		if _, err := os.Stat(filepath.Join(ro, f)); !os.IsNotExist(err) {
			t.Errorf("read-only report wrote %s (%v)", f, err)
		}
	}
}

func TestSelectFallsBack(t *testing.T) {
	rule := experiments.Selection{Metric: "m", AmongSuccessful: true}
	rs := []*Result{{Index: 0, Metrics: map[string]float64{"m": 3}}, {Index: 1, Metrics: map[string]float64{"m": 2}}}
	if r, note := Select(rule, rs); r == nil || r.Index != 1 || !strings.Contains(note, "no run is successful") {
		t.Errorf("Select without successful runs = %v, %q", r, note)
	}
	rs[0].Success = true
	if r, note := Select(rule, rs); r == nil || r.Index != 0 || note != "" {
		t.Errorf("Select = %v, %q, want run 0 (the only successful one)", r, note)
	}
	if r, _ := Select(experiments.Selection{}, rs); r != nil {
		t.Errorf("no rule selected %v", r)
	}
}

func TestTaskIndex(t *testing.T) {
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "")
	if i, err := TaskIndex("2", 3); err != nil || i != 2 {
		t.Errorf("TaskIndex(2) = %d, %v", i, err)
	}
	if _, err := TaskIndex("", 3); err == nil || !strings.Contains(err.Error(), "SLURM_ARRAY_TASK_ID") {
		t.Errorf("no index: %v", err)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	if i, err := TaskIndex("", 3); err != nil || i != 1 {
		t.Errorf("from JOB_COMPLETION_INDEX: %d, %v", i, err)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "7")
	if _, err := TaskIndex("", 3); err == nil || !strings.Contains(err.Error(), `$SLURM_ARRAY_TASK_ID = "7": want a run index from 0 to 2`) {
		t.Errorf("out of range: %v", err)
	}
}

func TestSbatchScript(t *testing.T) {
	p, _ := Expand(Options{Experiment: testName, NumSeeds: 10, Quick: true})
	s, err := SbatchScript("/data/sw", p, nil, SlurmOptions{Exe: "/data/sw/bin/dynlearn", Workdir: "/home/u", MaxParallel: 3,
		Partition: "gpu", Time: "2:00:00", Gres: "gpu:1", CPUsPerTask: 4, Backend: "xla:cuda"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"#!/bin/bash\n", "\n#SBATCH --array=0-9%3\n", "\n#SBATCH --partition=gpu\n", "\n#SBATCH --time=2:00:00\n",
		"\n#SBATCH --gres=gpu:1\n", "\n#SBATCH --cpus-per-task=4\n", "\n#SBATCH --chdir=/home/u\n",
		"\n#SBATCH --output=/data/sw/logs/slurm-%A_%a.out\n", "\nexport GOMAXPROCS=4\n", "\nexport GOMLX_BACKEND=xla:cuda\n",
		"\nexec /data/sw/bin/dynlearn sweep run-task /data/sw\n"} {
		if !strings.Contains(s, w) {
			t.Errorf("script lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "--account") {
		t.Errorf("script passes an --account that was not given:\n%s", s)
	}
	s, err = SbatchScript("/d", p, []int{1, 2, 3, 7, 9}, SlurmOptions{Exe: "/x"})
	if err != nil || !strings.Contains(s, "#SBATCH --array=1-3,7,9\n") || !strings.Contains(s, "GOMLX_BACKEND="+SingleThreadedBackend) ||
		!strings.Contains(s, "--cpus-per-task=1\n") {
		t.Errorf("missing runs only, defaults: %v\n%s", err, s)
	}
	if _, err := SbatchScript("/d", p, nil, SlurmOptions{Exe: "/x", Partition: "a b; rm"}); err == nil {
		t.Error("a partition with spaces and ';' was accepted")
	}
}

func TestK8sManifest(t *testing.T) {
	p, _ := Expand(Options{Experiment: testName, NumSeeds: 5, Quick: true})
	b, err := K8sManifest(p, K8sOptions{Name: "dl-test", Image: "dynlearn/jupyterlab:cuda", Claim: "res", Parallelism: 2, Backend: "xla:cuda"})
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("manifest: %v, %+v", err, list)
	}
	var cm struct {
		Kind string            `json:"kind"`
		Data map[string]string `json:"data"`
	}
	var job struct {
		APIVersion, Kind string
		Metadata         struct{ Name string }
		Spec             struct {
			CompletionMode string `json:"completionMode"`
			Completions    int
			Parallelism    int
			Template       struct {
				Spec struct {
					RestartPolicy string `json:"restartPolicy"`
					Containers    []struct {
						Image        string
						Command      []string
						Env          []struct{ Name, Value string }
						Resources    struct{ Limits map[string]string }
						VolumeMounts []struct{ Name, MountPath string } `json:"volumeMounts"`
					}
					Volumes []struct {
						Name      string
						PVC       *struct{ ClaimName string } `json:"persistentVolumeClaim"`
						ConfigMap *struct{ Name string }      `json:"configMap"`
					}
				}
			}
		}
	}
	if err := json.Unmarshal(list.Items[0], &cm); err != nil || cm.Kind != "ConfigMap" {
		t.Fatalf("item 0: %v %+v", err, cm)
	}
	var plan Plan
	if err := json.Unmarshal([]byte(cm.Data[PlanFile]), &plan); err != nil || !reflect.DeepEqual(&plan, p) {
		t.Errorf("the ConfigMap's plan: %v\n%+v", err, plan)
	}
	if err := json.Unmarshal(list.Items[1], &job); err != nil {
		t.Fatal(err)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Metadata.Name != "dl-test" || s.CompletionMode != "Indexed" ||
		s.Completions != 5 || s.Parallelism != 2 || s.Template.Spec.RestartPolicy != "Never" || len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("job: %+v", job)
	}
	c := s.Template.Spec.Containers[0]
	wantCmd := []string{"go", "run", "./cmd/dynlearn", "sweep", "run-task", "--plan", "/plan/plan.json", "/sweeps/dl-test"}
	if c.Image != "dynlearn/jupyterlab:cuda" || !reflect.DeepEqual(c.Command, wantCmd) || c.Resources.Limits["nvidia.com/gpu"] != "1" {
		t.Errorf("container: %+v", c)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["GOMLX_BACKEND"] != "xla:cuda" || env["GOMAXPROCS"] != "1" {
		t.Errorf("env %v", env)
	}
	vols := s.Template.Spec.Volumes
	if len(vols) != 2 || vols[0].PVC == nil || vols[0].PVC.ClaimName != "res" || vols[1].ConfigMap == nil || vols[1].ConfigMap.Name != "dl-test-plan" {
		t.Errorf("volumes %+v", vols)
	}
	if _, err := K8sManifest(p, K8sOptions{Name: "Bad_Name", Image: "i", Claim: "c"}); err == nil {
		t.Error("a name that is no DNS label was accepted")
	}
}
