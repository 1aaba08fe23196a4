// Package experiments is dynlearn's registry of experiments: every paper result the notebooks
// reproduce is one Experiment value, with its name, what it reproduces, its quick and full
// configurations, its shipped model, and how to generate its data, train, evaluate and summarise
// it. The command cmd/dynlearn (list, train, eval, data) and the notebooks use it, so no
// configuration is written twice.
//
// Adding an experiment: write a file like sindy_lorenz.go with a configuration struct (exported
// fields with JSON names, so `--set key=value` can change them), a Config function returning the
// quick or full value, and Data, Train and Eval functions; Register it in an init function.
package experiments

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// Experiment is one reproducible result.
type Experiment struct {
	// Name is the registry key, lower case with dashes: "sindy-lorenz".
	Name string
	// Title says in one line what it reproduces: "SINDy autoencoder: Lorenz in 128 dimensions".
	Title string
	// Paper cites the source: "Champion et al. 2019".
	Paper string
	// Notebook is the notebook that shows it, relative to the repository root.
	Notebook string
	// Shipped is the shipped trained model (file or directory) relative to the repository root
	// ("" = none: the experiment trains in seconds).
	Shipped string
	// Figures names what the notebook draws from the result.
	Figures []string
	// Config returns a pointer to a fresh configuration struct for quick or full mode. Its
	// exported fields (by JSON name) are what Set changes.
	Config func(quick bool) any
	// Data generates (or loads from the cache) the experiment's data sets and summarises them.
	Data func(r *Run) (*Summary, error)
	// Train trains a model into r.Out (resumable: an interrupted or time-boxed run continues
	// from its checkpoint when started again) and summarises it.
	Train func(r *Run) (*Summary, error)
	// Eval loads a trained model (r.Model, or the shipped one when empty) and measures it on
	// held-out data.
	Eval func(r *Run) (*Summary, error)
	// Cheap marks experiments whose quick train and eval take well under a minute on two cores
	// (the table-driven test runs them).
	Cheap bool
	// AliasOf names the experiment this one is another name of ("" = none; see RegisterAlias).
	AliasOf string

	// Success lists the checks that make one run of a sweep (dynlearn sweep) successful: all
	// must hold. Each check becomes a flag of the run's result ("sparse": true). nil: every
	// finished run is successful.
	Success []Check
	// Select is the rule by which a sweep's report selects one run (the zero value: none).
	Select Selection
	// Metrics names the metrics a sweep's report shows in its table and plots, in that order
	// (nil: the Select and Success metrics, then all the others).
	Metrics []string
	// Flags names settings that the commands config, data, train and eval also take as flags:
	// "data" makes `--data FILE` a shorthand for `--set data=FILE` (see FlagSettings).
	Flags []string
}

// FlagSettings returns the settings that some experiment takes as flags (Experiment.Flags), each
// with the names of the experiments that have it.
func FlagSettings() map[string][]string {
	out := map[string][]string{}
	for _, e := range All() {
		for _, k := range e.Flags {
			out[k] = append(out[k], e.Name)
		}
	}
	return out
}

// Smoke is the name of the alias of the cheapest experiment (a quick train and eval in seconds):
// what CI sweeps to check the sweep machinery on a real cluster.
const Smoke = "smoke"

// Check is one success criterion of a sweep's run: the run's metric Metric compared with Bound
// by Op. A run without the metric fails the check.
type Check struct {
	// Flag names the flag in the run's result: "sparse", "structure_found".
	Flag string `json:"flag"`
	// Metric is a metric of the run's Eval (or, when Eval has none of that name, Train) summary.
	Metric string `json:"metric"`
	// Op is one of "<", "<=", ">", ">=", "==".
	Op    string  `json:"op"`
	Bound float64 `json:"bound"`
}

// String returns the check as "flag: metric <= bound".
func (c Check) String() string {
	return fmt.Sprintf("%s: %s %s %g", c.Flag, c.Metric, c.Op, c.Bound)
}

// Holds reports whether the value v of the check's metric passes the check; an unknown Op is an
// error naming the allowed ones.
func (c Check) Holds(v float64) (bool, error) {
	switch c.Op {
	case "<":
		return v < c.Bound, nil
	case "<=":
		return v <= c.Bound, nil
	case ">":
		return v > c.Bound, nil
	case ">=":
		return v >= c.Bound, nil
	case "==":
		return v == c.Bound, nil
	}
	return false, fmt.Errorf("experiments: check %q: op %q (allowed: <, <=, >, >=, ==)", c.Flag, c.Op)
}

// Selection is the rule by which a sweep's report selects one run: the lowest (or, with
// Maximize, the highest) Metric, among the successful runs when AmongSuccessful is set.
type Selection struct {
	Metric          string `json:"metric"`
	Maximize        bool   `json:"maximize,omitempty"`
	AmongSuccessful bool   `json:"among_successful,omitempty"`
	// Source cites where the rule comes from: "Champion et al. 2019".
	Source string `json:"source,omitempty"`
}

// String describes the rule: "lowest val_loss among the successful runs (Champion et al. 2019)".
func (s Selection) String() string {
	if s.Metric == "" {
		return "none"
	}
	t := "lowest "
	if s.Maximize {
		t = "highest "
	}
	t += s.Metric
	if s.AmongSuccessful {
		t += " among the successful runs"
	}
	if s.Source != "" {
		t += " (" + s.Source + ")"
	}
	return t
}

// Run is one invocation of an experiment's Data, Train or Eval.
type Run struct {
	// Quick selects the quick configuration.
	Quick bool
	// Config is the configuration (from Experiment.Config, after --set changes).
	Config any
	// Seed, when non-zero, replaces the configuration's seed.
	Seed uint64
	// Out is the output directory of Train ("" = a directory in the cache keyed by the
	// configuration, see OutDir).
	Out string
	// Model is the trained model Eval loads ("" = the shipped model, or Out's).
	Model string
	// MaxTime stops training after this much wall time, with the checkpoint saved (0: no limit).
	MaxTime time.Duration
	// deadline is MaxTime from the first call of Deadline.
	deadline time.Time
	// Log receives progress lines (never nil inside Data, Train and Eval).
	Log io.Writer
}

// Summary is what Data, Train and Eval report: lines for people and named numbers for tests,
// sweeps and the command's JSON output.
type Summary struct {
	Lines   []string
	Metrics map[string]float64
}

// Add appends a line (fmt.Sprintf of format and args).
func (s *Summary) Add(format string, args ...any) {
	s.Lines = append(s.Lines, fmt.Sprintf(format, args...))
}

// Set records a named number.
func (s *Summary) Set(name string, v float64) {
	if s.Metrics == nil {
		s.Metrics = map[string]float64{}
	}
	s.Metrics[name] = v
}

var registry = map[string]*Experiment{}

// RegisterAlias registers name as another name of the registered experiment target: a copy of
// it (the same configuration, functions, checks and selection rule) with AliasOf set and a
// title saying what it is. It panics when target is not registered or name is taken.
func RegisterAlias(name, target string) {
	t, ok := registry[target]
	if !ok {
		panic(fmt.Sprintf("experiments.RegisterAlias(%q, %q): no experiment %q", name, target, target))
	}
	a := *t
	a.Name, a.AliasOf = name, target
	a.Title = "alias of " + target + ": " + t.Title
	Register(&a)
}

// Register adds e to the registry; it panics on a duplicate or malformed entry (a programming
// error, found by the package's tests at init).
func Register(e *Experiment) {
	if e.Name == "" || e.Title == "" || e.Config == nil || e.Train == nil || e.Eval == nil || e.Data == nil {
		panic(fmt.Sprintf("experiments.Register: %q needs Name, Title, Config, Data, Train and Eval", e.Name))
	}
	if _, dup := registry[e.Name]; dup {
		panic(fmt.Sprintf("experiments.Register: %q registered twice", e.Name))
	}
	for _, c := range e.Success {
		if _, err := c.Holds(0); err != nil || c.Flag == "" || c.Metric == "" {
			panic(fmt.Sprintf("experiments.Register: %q: check %+v needs a Flag, a Metric and an Op (%v)", e.Name, c, err))
		}
	}
	for _, k := range e.Flags {
		if _, err := settingField(e.Config(true), k); err != nil {
			panic(fmt.Sprintf("experiments.Register: %q: flag %q is not a setting: %v", e.Name, k, err))
		}
	}
	registry[e.Name] = e
}

// All returns the registered experiments sorted by name.
func All() []*Experiment {
	out := make([]*Experiment, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered names, sorted.
func Names() []string {
	var names []string
	for _, e := range All() {
		names = append(names, e.Name)
	}
	return names
}

// Get returns the experiment called name, or an error listing the names there are.
func Get(name string) (*Experiment, error) {
	if e, ok := registry[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("experiments: no experiment %q (there are: %s)", name, strings.Join(Names(), ", "))
}

// NewRun returns a Run of e in the current mode (config.Quick) with its default configuration and
// progress going to standard output: what a notebook cell uses.
func (e *Experiment) NewRun() *Run {
	quick := config.Quick()
	return &Run{Quick: quick, Config: e.Config(quick), Log: os.Stdout}
}

// Cfg returns r.Config as *T, or an error naming the types when it is something else.
func Cfg[T any](r *Run) (*T, error) {
	c, ok := r.Config.(*T)
	if !ok {
		var want *T
		return nil, fmt.Errorf("experiments: configuration is a %T, want %T", r.Config, want)
	}
	return c, nil
}

// Set changes the field of the configuration cfg (a pointer to a struct) named key to value.
// key is a field's JSON name or Go name (case-insensitive), with dots for nested structs
// ("model.epochs"); value is parsed as JSON for that field's type, except that a string field
// takes the text as it is. An unknown key is an error listing the keys there are.
func Set(cfg any, key, value string) error {
	f, err := settingField(cfg, key)
	if err != nil {
		return err
	}
	if f.Kind() == reflect.String {
		f.SetString(value)
		return nil
	}
	p := reflect.New(f.Type())
	if err := json.Unmarshal([]byte(value), p.Interface()); err != nil {
		return fmt.Errorf("--set %s=%s: want a value of type %s: %w", key, value, f.Type(), err)
	}
	f.Set(p.Elem())
	return nil
}

// Setting returns the current value of the setting key of cfg (named as for Set) as the text Set
// accepts, so that Set(cfg, key, text) leaves cfg unchanged: a string field's text as it is,
// any other field as JSON.
func Setting(cfg any, key string) (string, error) {
	f, err := settingField(cfg, key)
	if err != nil {
		return "", err
	}
	if f.Kind() == reflect.String {
		return f.String(), nil
	}
	b, err := json.Marshal(f.Interface())
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return string(b), nil
}

// settingField returns the settable field of cfg (a pointer to a struct) that key names, or an
// error listing the keys there are.
func settingField(cfg any, key string) (reflect.Value, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, fmt.Errorf("experiments: configuration is a %T, not a pointer to a struct", cfg)
	}
	v = v.Elem()
	parts := strings.Split(key, ".")
	prefix := "" // the group reached so far, as Keys names it
	for i, p := range parts {
		f, name, ok := field(v, p)
		if !ok {
			var keys []string
			for _, k := range Keys(v.Addr().Interface()) {
				keys = append(keys, prefix+k)
			}
			return reflect.Value{}, fmt.Errorf("--set %s: no setting %q (settings: %s)", key, strings.Join(parts[:i+1], "."),
				strings.Join(keys, ", "))
		}
		if i == len(parts)-1 {
			return f, nil
		}
		if f.Kind() != reflect.Struct {
			return reflect.Value{}, fmt.Errorf("--set %s: %q is not a group of settings", key, strings.Join(parts[:i+1], "."))
		}
		v, prefix = f, prefix+name+"."
	}
	return reflect.Value{}, fmt.Errorf("--set: empty key") // unreachable: strings.Split returns at least one part
}

// Keys lists the settings of a configuration (a pointer to a struct) as Set names them.
func Keys(cfg any) []string {
	v := reflect.Indirect(reflect.ValueOf(cfg))
	var keys []string
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			name, ok := jsonName(sf)
			if !ok {
				continue
			}
			if inline(sf) {
				walk(v.Field(i), prefix)
				continue
			}
			if sf.Type.Kind() == reflect.Struct && sf.Type.PkgPath() != "time" {
				walk(v.Field(i), prefix+name+".")
				continue
			}
			keys = append(keys, prefix+name)
		}
	}
	if v.Kind() == reflect.Struct {
		walk(v, "")
	}
	return keys
}

func jsonName(sf reflect.StructField) (string, bool) {
	if !sf.IsExported() {
		return "", false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true
	}
	return sf.Name, true
}

// inline reports whether sf is an embedded struct without a JSON name: as encoding/json does, its
// settings are the enclosing struct's (an embedded Schedule's "epochs" is the key "epochs").
func inline(sf reflect.StructField) bool {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct
}

// field returns the field of the struct v that name names (JSON or Go name, any case) and its
// JSON name; the fields of inline embedded structs count as v's.
func field(v reflect.Value, name string) (reflect.Value, string, bool) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		n, ok := jsonName(sf)
		if ok && inline(sf) {
			if f, fn, found := field(v.Field(i), name); found {
				return f, fn, true
			}
			continue
		}
		if ok && (strings.EqualFold(n, name) || strings.EqualFold(sf.Name, name)) {
			return v.Field(i), n, true
		}
	}
	return reflect.Value{}, "", false
}

// RepoPath returns the absolute path of rel (a path relative to the repository root, such as
// Experiment.Shipped), found by walking up from the working directory to the directory holding
// go.mod with dynlearn's module: from a notebook's directory, the root or any directory below.
// It is an error outside a checkout.
func RepoPath(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("experiments: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/dynlearn/dynlearn") {
			return filepath.Join(d, rel), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("experiments: %s: no dynlearn checkout above %s", rel, dir)
		}
	}
}

// OutDir returns r.Out, or when it is empty <cache>/runs/<name>-<hash of the configuration and
// seed>, created if needed: where Train writes and Eval looks when r.Model is empty and nothing
// is shipped.
func (r *Run) OutDir(name string) (string, error) {
	if r.Out != "" {
		if err := os.MkdirAll(r.Out, 0o755); err != nil {
			return "", fmt.Errorf("experiments: output directory: %w", err)
		}
		return r.Out, nil
	}
	key, err := configKey(r)
	if err != nil {
		return "", err
	}
	return config.CacheDir("runs", name+"-"+key)
}

func configKey(r *Run) (string, error) {
	return diskcache.Key(struct {
		Config any
		Seed   uint64
		Quick  bool
	}{r.Config, r.Seed, r.Quick})
}

// Deadline returns the wall-clock time at which training stops (MaxTime after the first call:
// one limit shared by all the training stages of the run), or the zero time without a limit.
// Experiments pass it to the model packages' TrainConfig.Deadline.
func (r *Run) Deadline() time.Time {
	if r.MaxTime <= 0 {
		return time.Time{}
	}
	if r.deadline.IsZero() {
		r.deadline = time.Now().Add(r.MaxTime)
	}
	return r.deadline
}
