// Package sweep runs an experiment of the registry (package experiments) as an ensemble: N seeds
// times a grid of settings, each configuration one run with its own output directory and result.
//
// A sweep lives in one directory: plan.json (the expanded runs, written by Expand and WritePlan),
// runs/<index>/ (each run's model, checkpoints, log and result.json) and report files. Every
// engine executes the same task, RunTask(dir, index): on local cores (Local, at most one
// single-threaded process per core), as a Slurm array job (SbatchScript, SLURM_ARRAY_TASK_ID) or
// as a Kubernetes Indexed Job (K8sManifest, JOB_COMPLETION_INDEX). A task whose result.json
// exists is done and skipped; an interrupted one resumes from the checkpoints in its directory.
// Report reads the results: a markdown table, the seeds-to-success count, the run the
// experiment's selection rule picks, and plots.
package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/experiments"
)

// PlanFile is the name of the plan in a sweep's directory.
const PlanFile = "plan.json"

// Param is one setting of the grid with the values it takes: --set key=v1,v2.
type Param struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Setting is one KEY=VALUE of a run.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Spec is one run of a sweep: its index, seed and settings.
type Spec struct {
	Index    int       `json:"index"`
	Seed     uint64    `json:"seed"`
	Settings []Setting `json:"settings,omitempty"`
}

// Plan is a sweep expanded into its runs.
type Plan struct {
	// Experiment is the registry name.
	Experiment string   `json:"experiment"`
	Quick      bool     `json:"quick"`
	Seeds      []uint64 `json:"seeds"`
	// Grid is the swept settings, in the order of the --set flags.
	Grid []Param `json:"grid,omitempty"`
	// MaxTime bounds each run's training, as train --max-time ("" = no limit; a Go duration).
	MaxTime string `json:"max_time,omitempty"`
	// Runs are seeds × grid: for each point of the grid (the last parameter varying fastest),
	// each seed.
	Runs []Spec `json:"runs"`
}

// Options are what Expand expands.
type Options struct {
	Experiment string
	Quick      bool
	// Seeds are the seeds, each ≥ 1 and distinct (NumSeeds is then 0).
	Seeds []uint64
	// NumSeeds, when Seeds is empty, means seeds 1..NumSeeds.
	NumSeeds int
	// Sets are the --set flags: KEY=V1,V2,... (a value may be a JSON list or object: commas
	// inside brackets, braces or quotes do not split).
	Sets    []string
	MaxTime string
}

// ErrUsage marks errors in what the user asked for (an unknown experiment, a bad setting, no
// seeds): the command reports them as usage errors.
var ErrUsage = errors.New("usage")

func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Expand checks o against the registry (the experiment exists; every key is a setting of its
// configuration and every value parses) and returns the plan of seeds × grid.
func Expand(o Options) (*Plan, error) {
	e, err := experiments.Get(o.Experiment)
	if err != nil {
		return nil, usagef("no experiment %q (experiments: %s)", o.Experiment, strings.Join(experiments.Names(), ", "))
	}
	seeds := o.Seeds
	switch {
	case len(seeds) > 0 && o.NumSeeds != 0:
		return nil, usagef("give either --seeds N or --seed-list, not both")
	case len(seeds) == 0 && o.NumSeeds <= 0:
		return nil, usagef("--seeds %d: want a number of seeds ≥ 1 (or --seed-list 1,5,9)", o.NumSeeds)
	case len(seeds) == 0:
		for s := 1; s <= o.NumSeeds; s++ {
			seeds = append(seeds, uint64(s))
		}
	}
	seen := map[uint64]bool{}
	for _, s := range seeds {
		if s == 0 {
			return nil, usagef("--seed-list: seed 0 is not a seed (0 keeps the configuration's); seeds start at 1")
		}
		if seen[s] {
			return nil, usagef("--seed-list: seed %d given twice", s)
		}
		seen[s] = true
	}
	p := &Plan{Experiment: e.Name, Quick: o.Quick, Seeds: seeds, MaxTime: o.MaxTime}
	for _, kv := range o.Sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usagef("--set %q: want KEY=VALUE or KEY=V1,V2,...", kv)
		}
		vals, err := SplitValues(v)
		if err != nil {
			return nil, usagef("--set %s: %v", kv, err)
		}
		for _, q := range p.Grid {
			if strings.EqualFold(q.Key, k) {
				return nil, usagef("--set %s: key %q set twice", kv, k)
			}
		}
		for _, val := range vals {
			if err := experiments.Set(e.Config(o.Quick), k, val); err != nil {
				return nil, usagef("%s: %v", e.Name, err)
			}
		}
		p.Grid = append(p.Grid, Param{Key: k, Values: vals})
	}
	points := [][]Setting{nil}
	for _, q := range p.Grid {
		var next [][]Setting
		for _, pt := range points {
			for _, v := range q.Values {
				next = append(next, append(append([]Setting(nil), pt...), Setting{q.Key, v}))
			}
		}
		points = next
	}
	for _, pt := range points {
		for _, s := range seeds {
			p.Runs = append(p.Runs, Spec{Index: len(p.Runs), Seed: s, Settings: pt})
		}
	}
	return p, nil
}

// SplitValues splits "v1,v2,..." at the commas outside brackets, braces and double quotes, so
// that "[64,32],[128]" is two values. An empty list or an empty value is an error.
func SplitValues(s string) ([]string, error) {
	var vals []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			vals = append(vals, s[start:i])
			start = i + 1
		}
	}
	vals = append(vals, s[start:])
	for i, v := range vals {
		if strings.TrimSpace(v) == "" {
			if len(vals) == 1 {
				return nil, fmt.Errorf("empty list of values")
			}
			return nil, fmt.Errorf("value %d of %d is empty", i+1, len(vals))
		}
	}
	return vals, nil
}

// Swept returns the grid parameters with more than one value.
func (p *Plan) Swept() []Param {
	var out []Param
	for _, q := range p.Grid {
		if len(q.Values) > 1 {
			out = append(out, q)
		}
	}
	return out
}

// Label is the run's settings as "key=value key=value" ("" without settings).
func (s Spec) Label() string {
	var parts []string
	for _, kv := range s.Settings {
		parts = append(parts, kv.Key+"="+kv.Value)
	}
	return strings.Join(parts, " ")
}

// Config returns the configuration of run s of p: the experiment's, with s's settings.
func (p *Plan) Config(s Spec) (*experiments.Experiment, any, error) {
	e, err := experiments.Get(p.Experiment)
	if err != nil {
		return nil, nil, err
	}
	cfg := e.Config(p.Quick)
	for _, kv := range s.Settings {
		if err := experiments.Set(cfg, kv.Key, kv.Value); err != nil {
			return nil, nil, fmt.Errorf("sweep run %d: %w", s.Index, err)
		}
	}
	return e, cfg, nil
}

// RunDir returns the directory of run index in the sweep directory dir.
func RunDir(dir string, index int) string {
	return filepath.Join(dir, "runs", strconv.Itoa(index))
}

// WritePlan writes p to dir/plan.json atomically, creating dir. When dir already holds a plan,
// it must be the same sweep (the same experiment, mode and runs: resuming), else it is an error
// saying so and nothing is written.
func WritePlan(dir string, p *Plan) error {
	if old, err := ReadPlan(dir); err == nil {
		if !samePlan(old, p) {
			return usagef("%s holds another sweep (%s, %d runs); resume it with the same arguments or use another --out",
				dir, old.Experiment, len(old.Runs))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: plan: %w", err)
	}
	return diskcache.WriteBytes(filepath.Join(dir, PlanFile), append(b, '\n'))
}

func samePlan(a, b *Plan) bool {
	return a.Experiment == b.Experiment && a.Quick == b.Quick && reflect.DeepEqual(a.Runs, b.Runs)
}

// ReadPlan reads dir/plan.json; a missing plan is an error wrapping os.ErrNotExist.
func ReadPlan(dir string) (*Plan, error) {
	return readPlanFile(filepath.Join(dir, PlanFile))
}

func readPlanFile(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("sweep: plan %s: %w", path, err)
	}
	if len(p.Runs) == 0 {
		return nil, fmt.Errorf("sweep: plan %s has no runs", path)
	}
	for i, r := range p.Runs {
		if r.Index != i {
			return nil, fmt.Errorf("sweep: plan %s: run %d has index %d", path, i, r.Index)
		}
	}
	return &p, nil
}
