// Command dynlearn runs the experiments of dynlearn's notebooks from a shell: it lists them, prints
// their configurations, generates their data, trains and evaluates their models, runs the
// benchmarks against the Python originals and draws check figures.
//
// Usage:
//
//	dynlearn <command> [arguments]
//
// The commands are:
//
//	list     list the experiments
//	config   print an experiment's configuration and its settings
//	data     generate (or load from the cache) an experiment's data
//	train    train an experiment's model (resumable)
//	eval     evaluate a trained or the shipped model
//	bench    time dynlearn against the Python original of a workload
//	figures  draw figures for a visual check
//	sweep    run an experiment as N seeds × a grid of settings (local cores, Slurm, Kubernetes)
//	sindy    fit classical SINDy to a data file (.npz, .npy, .csv) and simulate a fitted model
//
// Run it from the repository root with `GOEXPERIMENT=simd go run ./cmd/dynlearn <command>`;
// `dynlearn <command> --help` describes a command's flags. Exit codes: 0 done, 1 failed, 2 wrong
// usage, 3 training stopped before the end (interrupted or --max-time) with its checkpoint saved:
// the same command resumes it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/experiments"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailed     = 1
	exitUsage      = 2
	exitUnfinished = 3
)

// command is one subcommand of dynlearn.
type command struct {
	name     string
	args     string // what follows the name in the usage line: "NAME [flags]"
	summary  string // one line, lower case, no period
	about    string // a paragraph for --help ("" = summary)
	examples []string
	// flags defines the command's flags on fs and returns the function that runs it with the
	// positional arguments.
	flags func(c *cli, fs *flag.FlagSet) func(args []string) error
	// tools, instead of flags, makes the command a group: its first argument names one of the
	// tools, which parses the rest.
	tools func() []*tool
	// toolsTitle heads the list of tools in the group's --help: "Benchmarks".
	toolsTitle string
	// run, when set, parses all the arguments itself (sindy: subcommands with positional arguments).
	run func(c *cli, args []string) error
}

func commands() []*command {
	return []*command{listCommand, configCommand, dataCommand, trainCommand, evalCommand, benchCommand, figuresCommand, sweepCommand, sindyCommand}
}

// cli is one invocation of the command: where it writes.
type cli struct {
	stdout, stderr io.Writer
	// args are the arguments of the invocation (for the line saying how to resume).
	args []string
	// summary is the summary of the last data, train or eval (for tests).
	summary *experiments.Summary
}

func main() {
	c := &cli{stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(c.run(os.Args[1:]))
}

// usageError is an error in how the command was called (exit code 2).
type usageError struct {
	err error
	// help names the command whose --help to suggest ("" = the failing command): "bench lnn".
	help string
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...)}
}

// unfinishedError says that training stopped before the end with its checkpoint saved (exit code 3).
type unfinishedError struct{ err error }

func (e unfinishedError) Error() string { return e.err.Error() }
func (e unfinishedError) Unwrap() error { return e.err }

// run runs the command with the arguments after the program name and returns the exit code.
func (c *cli) run(args []string) int {
	c.args = args
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			return c.run([]string{args[1], "--help"})
		}
		c.usage(c.stdout)
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name == name {
			return c.exit(cmd.name, c.runCommand(cmd, args[1:]))
		}
	}
	fmt.Fprintf(c.stderr, "dynlearn: unknown command %q (commands: %s)\nRun 'dynlearn --help' for usage.\n",
		name, strings.Join(commandNames(), ", "))
	return exitUsage
}

func commandNames() []string {
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	return names
}

// exit prints err (if any) as "dynlearn <name>: <message>" and returns its exit code.
func (c *cli) exit(name string, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(c.stderr, "dynlearn %s: %v\n", name, err)
	var ue usageError
	var unf unfinishedError
	switch {
	case errors.As(err, &ue):
		if ue.help != "" {
			name = ue.help
		}
		fmt.Fprintf(c.stderr, "Run 'dynlearn %s --help' for usage.\n", name)
		return exitUsage
	case errors.As(err, &unf):
		fmt.Fprintf(c.stderr, "The checkpoint is saved; to resume, run the same command again:\n  %s\n", c.commandLine())
		return exitUnfinished
	}
	return exitFailed
}

// commandLine returns the invocation as a shell command.
func (c *cli) commandLine() string {
	parts := []string{"go run ./cmd/dynlearn"}
	for _, a := range c.args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=./:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runCommand parses the flags of cmd, which may come before, between or after its positional
// arguments, and runs it.
func (c *cli) runCommand(cmd *command, args []string) error {
	if cmd.run != nil {
		return cmd.run(c, args)
	}
	if cmd.tools != nil {
		return c.runGroup(cmd, args)
	}
	fs := flag.NewFlagSet("dynlearn "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	do := cmd.flags(c, fs)
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.commandUsage(c.stdout, cmd, fs)
		return err
	}
	if err != nil {
		return usageError{err: err}
	}
	return do(pos)
}

// parseInterspersed parses args with fs, allowing flags after positional arguments, and returns
// the positional arguments. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stopped at a positional argument or after "--".
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// usage prints the command's overall help.
func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, `Usage: dynlearn <command> [arguments]

dynlearn runs the experiments of the notebooks from a shell: it lists them, generates their data,
trains and evaluates their models, and times dynlearn against the Python originals.

Commands:
`)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
Run 'dynlearn <command> --help' for a command's flags and examples.

Environment:
  DYNLEARN_QUICK=1   quick mode by default (small data, few epochs), as the notebooks' quick mode
  DYNLEARN_CACHE     cache directory of data sets and training runs (default ~/.cache/dynlearn)
  GOMLX_BACKEND      GoMLX backend: unset (pure Go), xla:cpu, xla:cuda

Exit codes: 0 done, 1 failed, 2 wrong usage, 3 training stopped before the end (interrupted or
--max-time) with its checkpoint saved; the same command resumes it.

Examples:
  GOEXPERIMENT=simd go run ./cmd/dynlearn list
  GOEXPERIMENT=simd go run ./cmd/dynlearn train sindy-lorenz --quick --out /tmp/lorenz
`)
}

// commandUsage prints the help of one command.
func (c *cli) commandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: dynlearn %s %s\n\n", cmd.name, cmd.args)
	about := cmd.about
	if about == "" {
		about = strings.ToUpper(cmd.summary[:1]) + cmd.summary[1:] + "."
	}
	fmt.Fprintln(w, about)
	if cmd.tools != nil {
		fmt.Fprintf(w, "\n%s:\n", cmd.toolsTitle)
		toolList(w, cmd.tools())
		fmt.Fprintf(w, "\nRun 'dynlearn %s NAME --help' for its flags.\n", cmd.name)
	}
	if fs != nil && hasFlags(fs) {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs)
	}
	if len(cmd.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range cmd.examples {
			fmt.Fprintln(w, "  "+e)
		}
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags prints fs's flags GNU-style: "--name VALUE", the usage, the default when it is not
// the zero value.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintln(w, line)
		def := ""
		switch f.DefValue {
		case "", "0", "false", "0s", "[]":
		default:
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "      %s%s\n", strings.ReplaceAll(usage, "\n", "\n      "), def)
	})
}
