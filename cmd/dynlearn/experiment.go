package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/training"
)

var listCommand = &command{
	name:    "list",
	args:    "[--json]",
	summary: "list the experiments",
	about: `List the experiments, one a line: name, the shipped trained model ("-" when the experiment trains in
seconds), what it reproduces (title and paper) and the figures its notebook draws.`,
	examples: []string{"dynlearn list", "dynlearn list --json"},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments, got %q", args)
			}
			return c.list(*asJSON)
		}
	},
}

// listEntry is an experiment as `list --json` prints it.
type listEntry struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Paper    string   `json:"paper"`
	Notebook string   `json:"notebook"`
	Shipped  string   `json:"shipped,omitempty"`
	Figures  []string `json:"figures"`
	Cheap    bool     `json:"cheap"`
}

func (c *cli) list(asJSON bool) error {
	all := experiments.All()
	if asJSON {
		entries := make([]listEntry, 0, len(all))
		for _, e := range all {
			entries = append(entries, listEntry{e.Name, e.Title, e.Paper, e.Notebook, e.Shipped, e.Figures, e.Cheap})
		}
		return writeJSON(c.stdout, entries)
	}
	// The short columns first, aligned; the long text last, unpadded.
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSHIPPED MODEL\tREPRODUCES; FIGURES")
	for _, e := range all {
		what := e.Title
		if e.Paper != "" {
			what += " (" + e.Paper + ")"
		}
		if len(e.Figures) > 0 {
			what += "; figures: " + strings.Join(e.Figures, ", ")
		}
		shipped := e.Shipped
		if shipped == "" {
			shipped = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, shipped, what)
	}
	return tw.Flush()
}

var configCommand = &command{
	name:    "config",
	args:    "NAME [--quick] [--set KEY=VALUE ...] [--json]",
	summary: "print an experiment's configuration and its settings",
	about: `Print the configuration of experiment NAME as JSON, then each setting that --set changes with its
current value. --set here shows the configuration that train, eval and data would use.`,
	examples: []string{
		"dynlearn config sindy-lorenz",
		"dynlearn config sindy-lorenz --quick --set seed=2",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := experimentFlags(fs, false)
		asJSON := fs.Bool("json", false, "print only the configuration's JSON")
		return func(args []string) error {
			e, r, err := c.setup(args, o)
			if err != nil {
				return err
			}
			return c.printConfig(e, r, *asJSON)
		}
	},
}

func (c *cli) printConfig(e *experiments.Experiment, r *experiments.Run, asJSON bool) error {
	if asJSON {
		return writeJSON(c.stdout, r.Config)
	}
	fmt.Fprintf(c.stdout, "%s, %s mode:\n", e.Name, modeName(r.Quick))
	if err := writeJSON(c.stdout, r.Config); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "\nSettings (change with --set KEY=VALUE):")
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 1, ' ', 0)
	for _, k := range experiments.Keys(r.Config) {
		v, err := experiments.Setting(r.Config, k)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "  %s\t= %s\n", k, v)
	}
	return tw.Flush()
}

var dataCommand = &command{
	name:    "data",
	args:    "NAME [--quick] [--set KEY=VALUE ...] [--json]",
	summary: "generate (or load from the cache) an experiment's data",
	about: `Generate the data sets of experiment NAME, or load them from the cache ($DYNLEARN_CACHE) when they
were generated before with the same configuration, and summarise them.`,
	examples: []string{
		"dynlearn data sindy-lorenz --quick",
		"dynlearn data sindy-pendulum --set train_ics=20",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := experimentFlags(fs, false)
		return func(args []string) error { return c.runExperiment("data", args, o) }
	},
}

var trainCommand = &command{
	name:    "train",
	args:    "NAME [--quick] [--seed N] [--set KEY=VALUE ...] [--out DIR] [--max-time DURATION] [--json]",
	summary: "train an experiment's model (resumable)",
	about: `Train the model of experiment NAME into --out (default: a directory in the cache named after the
configuration) and summarise it. Training saves checkpoints as it goes: an interrupted run (Ctrl-C saves
and stops) or one that reaches --max-time exits with code 3, and the same command resumes it.`,
	examples: []string{
		"dynlearn train sindy-lorenz --quick --out /tmp/lorenz",
		"dynlearn train sindy-pendulum --seed 2 --out /tmp/pend --max-time 2h   # again to continue",
		"dynlearn train led-van-der-pol --set Fit.Epochs=50 --set Prop.LSTM=[64]",
		"dynlearn train sindy-ae --data lorenz.npz --latent 3 --order 1 --quick --out /tmp/ae   # your data file",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := experimentFlags(fs, true)
		fs.StringVar(&o.out, "out", "", "output `DIR` of the trained model and its checkpoint\n(default: <cache>/runs/<name>-<hash of the configuration>)")
		fs.DurationVar(&o.maxTime, "max-time", 0, "stop after `DURATION` of wall time (90m, 2h), with the checkpoint saved")
		return func(args []string) error { return c.runExperiment("train", args, o) }
	},
}

var evalCommand = &command{
	name:    "eval",
	args:    "NAME [--quick] [--model PATH] [--set KEY=VALUE ...] [--json]",
	summary: "evaluate a trained or the shipped model",
	about: `Load a trained model of experiment NAME and measure it on held-out data: --model, or else the shipped
model, or else the output of 'dynlearn train' with the same configuration, --seed and --out.`,
	examples: []string{
		"dynlearn eval sindy-lorenz                       # the shipped model",
		"dynlearn eval sindy-lorenz --quick --model /tmp/lorenz",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := experimentFlags(fs, true)
		fs.StringVar(&o.model, "model", "", "trained model `PATH` (file or directory) to evaluate\n(default: the shipped model, or the output of train)")
		fs.StringVar(&o.out, "out", "", "output `DIR` of the training run to evaluate when there is no --model and no shipped model")
		return func(args []string) error { return c.runExperiment("eval", args, o) }
	},
}

// experimentOptions are the flags of config, data, train and eval.
type experimentOptions struct {
	quick   bool
	sets    setFlag
	seed    uint64
	out     string
	model   string
	maxTime time.Duration
	json    bool
}

// experimentFlags defines the flags that data, train, eval and config share (with --seed when
// seed is true).
func experimentFlags(fs *flag.FlagSet, seed bool) *experimentOptions {
	o := &experimentOptions{}
	fs.BoolVar(&o.quick, "quick", config.Quick(), "quick mode: small data, few epochs (default from $DYNLEARN_QUICK)")
	fs.Var(&o.sets, "set", "set `KEY=VALUE` in the configuration (repeatable; 'dynlearn config NAME' lists the keys);\n"+
		"VALUE is JSON for numbers, booleans and lists, plain text for strings")
	if seed {
		fs.Uint64Var(&o.seed, "seed", 0, "random seed `N` replacing the configuration's (0: keep the configuration's)")
	}
	if fs.Name() != "dynlearn config" {
		fs.BoolVar(&o.json, "json", false, "print the summary as JSON (progress goes to standard error)")
	}
	// The settings some experiments take as flags (experiments.Experiment.Flags): --data FILE is
	// --set data=FILE, in the order given with the --set flags.
	flagSettings := experiments.FlagSettings()
	keys := make([]string, 0, len(flagSettings))
	for k := range flagSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fs.Func(k, fmt.Sprintf("shorthand for --set %s=`VALUE` (%s)", k, strings.Join(flagSettings[k], ", ")), func(v string) error {
			return o.sets.Set(k + "=" + v)
		})
	}
	return o
}

// setFlag collects repeated --set KEY=VALUE flags.
type setFlag []string

func (s *setFlag) String() string { return strings.Join(*s, " ") }

// Set implements flag.Value.
func (s *setFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

// setup finds the experiment named by the one positional argument and builds its Run from the
// options; every error is a usage error.
func (c *cli) setup(args []string, o *experimentOptions) (*experiments.Experiment, *experiments.Run, error) {
	if len(args) != 1 {
		if len(args) == 0 {
			return nil, nil, usagef("name an experiment (%s)", experimentNames())
		}
		return nil, nil, usagef("one experiment at a time, got %q", args)
	}
	e, err := experiments.Get(args[0])
	if err != nil {
		return nil, nil, usagef("no experiment %q (experiments: %s)", args[0], experimentNames())
	}
	r := &experiments.Run{Quick: o.quick, Config: e.Config(o.quick), Seed: o.seed, Out: o.out, Model: o.model,
		MaxTime: o.maxTime, Log: c.stdout}
	for _, kv := range o.sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := experiments.Set(r.Config, k, v); err != nil {
			return nil, nil, usageError{err: err}
		}
	}
	if o.json {
		r.Log = c.stderr
	}
	return e, r, nil
}

func experimentNames() string {
	names := experiments.Names()
	if len(names) == 0 {
		return "none registered"
	}
	return strings.Join(names, ", ")
}

// runExperiment runs verb (data, train or eval) of the experiment named in args and prints its
// summary; the summary is also kept in c.summary.
func (c *cli) runExperiment(verb string, args []string, o *experimentOptions) error {
	e, r, err := c.setup(args, o)
	if err != nil {
		return err
	}
	do := map[string]func(*experiments.Run) (*experiments.Summary, error){"data": e.Data, "train": e.Train, "eval": e.Eval}[verb]
	fmt.Fprintf(r.Log, "%s %s (%s mode)\n", verb, e.Name, modeName(r.Quick))
	start := time.Now()
	s, err := do(r)
	c.summary = s
	if s != nil {
		if o.json {
			if jerr := writeJSON(c.stdout, summaryJSON{verb, e.Name, modeName(r.Quick), time.Since(start).Seconds(), s.Lines, s.Metrics, err == nil}); jerr != nil {
				return jerr
			}
		} else {
			printSummary(c.stdout, s)
		}
	}
	if err != nil && !strings.HasPrefix(err.Error(), e.Name+": ") {
		err = fmt.Errorf("%s: %w", e.Name, err)
	}
	switch {
	case err != nil && verb == "train" && unfinished(err):
		return unfinishedError{err}
	case err != nil:
		return err
	case s == nil:
		return fmt.Errorf("%s: %s returned no summary", e.Name, verb)
	}
	return nil
}

// unfinished reports whether err says that training stopped early with its checkpoint saved:
// interrupted, out of --max-time, or stopped by a hook.
func unfinished(err error) bool {
	return errors.Is(err, training.ErrInterrupted) || errors.Is(err, training.ErrStopped) || errors.Is(err, autoencoder.ErrStopped)
}

// summaryJSON is a summary as --json prints it.
type summaryJSON struct {
	Command    string             `json:"command"`
	Experiment string             `json:"experiment"`
	Mode       string             `json:"mode"`
	Seconds    float64            `json:"seconds"`
	Lines      []string           `json:"lines"`
	Metrics    map[string]float64 `json:"metrics"`
	Finished   bool               `json:"finished"`
}

// printSummary prints the summary's lines, or its metrics when it has no lines.
func printSummary(w io.Writer, s *experiments.Summary) {
	for _, l := range s.Lines {
		fmt.Fprintln(w, l)
	}
	if len(s.Lines) > 0 {
		return
	}
	names := make([]string, 0, len(s.Metrics))
	for n := range s.Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "%s: %.4g\n", n, s.Metrics[n])
	}
}

func modeName(quick bool) string {
	if quick {
		return "quick"
	}
	return "full"
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
