package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// tool is one benchmark (dynlearn bench NAME) or figure set (dynlearn figures NAME).
type tool struct {
	name     string
	summary  string // one line, lower case, no period
	about    string // a paragraph for --help ("" = summary)
	examples []string
	// flags defines the tool's flags on fs and returns the function that runs it, writing its
	// report to w.
	flags func(fs *flag.FlagSet) func(w io.Writer) error
}

var benchCommand = &command{
	name:    "bench",
	args:    "NAME [flags]",
	summary: "time dynlearn against the Python original of a workload",
	about: `Run benchmark NAME: dynlearn and the Python original (PyTorch, scipy) on the same workload, interleaved
where both run, and print times and ratios. docs/benchmarks.md records the measured numbers. Benchmarks of
library functions alone are Go benchmarks: GOEXPERIMENT=simd go test -run XXX -bench . ./pkg/...`,
	tools:      benches,
	toolsTitle: "Benchmarks",
}

var figuresCommand = &command{
	name:       "figures",
	args:       "NAME [flags]",
	summary:    "draw figures for a visual check",
	about:      `Draw figure set NAME into files, to look at.`,
	tools:      figureSets,
	toolsTitle: "Figure sets",
}

func benches() []*tool {
	return []*tool{benchConvStep, benchLNN, benchODELorenz, benchRDSolver, benchSINDyStep}
}

func figureSets() []*tool { return []*tool{figuresGallery, figuresPendulumFrames} }

// runGroup runs the tool of group cmd that args[0] names, with the rest of args as its arguments.
func (c *cli) runGroup(cmd *command, args []string) error {
	tools := cmd.tools()
	if len(args) == 0 {
		return usagef("name one of: %s", toolNames(tools))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.commandUsage(c.stdout, cmd, nil)
		return flag.ErrHelp
	}
	for _, t := range tools {
		if t.name == args[0] {
			return c.runTool(cmd.name, t, args[1:])
		}
	}
	return usagef("no %s %q (there are: %s)", cmd.name, args[0], toolNames(tools))
}

func toolNames(tools []*tool) string {
	var names []string
	for _, t := range tools {
		names = append(names, t.name)
	}
	return strings.Join(names, ", ")
}

// runTool parses the flags of t and runs it.
func (c *cli) runTool(group string, t *tool, args []string) error {
	fs := flag.NewFlagSet("dynlearn "+group+" "+t.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	do := t.flags(fs)
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		cmd := &command{name: group + " " + t.name, args: "[flags]", summary: t.summary, about: t.about, examples: t.examples}
		c.commandUsage(c.stdout, cmd, fs)
		return err
	}
	if err != nil {
		return usageError{err: err, help: group + " " + t.name}
	}
	if len(pos) > 0 {
		return usageError{err: fmt.Errorf("%s %s takes no arguments, got %q", group, t.name, pos), help: group + " " + t.name}
	}
	if err := do(c.stdout); err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	return nil
}

// toolList prints the tools of a group for its --help.
func toolList(w io.Writer, tools []*tool) {
	width := 0
	for _, t := range tools {
		width = max(width, len(t.name))
	}
	for _, t := range tools {
		fmt.Fprintf(w, "  %-*s  %s\n", width, t.name, t.summary)
	}
}
