package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// sindyCommand is `dynlearn sindy fit|simulate`: classical SINDy on a user's data file (issues #24
// and #25). Its subcommands take positional arguments (simulate MODEL.json), so it parses its
// arguments itself (run) and lists its subcommands as tools only for --help.
var sindyCommand = &command{
	name:    "sindy",
	args:    "fit|simulate [flags]",
	summary: "fit classical SINDy to a data file (.npz, .npy, .csv) and simulate a fitted model",
	about: `Classical SINDy (sparse identification of nonlinear dynamics) on your own data: 'fit' reads the
trajectories of a NumPy (.npz, .npy) or CSV file, fits a sparse model x' = Θ(x, u) Ξ and prints its
equations (or JSON, or saves the model); 'simulate' integrates a saved model and writes the trajectory.
The file conventions (arrays x0, x1, ..., t0, ..., xdot0, ..., u0, ..., dt0, ...; CSV columns t, traj,
<state>, <state>_dot, u_<input>) are those of package dataio.`,
	examples: []string{
		"dynlearn sindy fit --data lorenz.npz --poly 2 --json",
		"dynlearn sindy simulate model.json --x0 -8,7,27 --t1 10 --dt 0.01 --out traj.npz",
	},
	tools:      sindyToolList,
	toolsTitle: "Subcommands",
}

func init() { sindyCommand.run = runSindy }

// sindySub is a subcommand of sindy.
type sindySub struct {
	name, args, summary, about string
	examples                   []string
	flags                      func(c *cli, fs *flag.FlagSet) func(args []string) error
}

func sindySubs() []*sindySub { return []*sindySub{sindyFit, sindySimulate} }

// sindyToolList lists the subcommands for the group's --help.
func sindyToolList() []*tool {
	var out []*tool
	for _, s := range sindySubs() {
		out = append(out, &tool{name: s.name, summary: s.summary})
	}
	return out
}

// runSindy runs the subcommand that args[0] names with the rest of args.
func runSindy(c *cli, args []string) error {
	subs := sindySubs()
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	if len(args) == 0 {
		return usagef("name a subcommand: %s", strings.Join(names, ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.commandUsage(c.stdout, sindyCommand, nil)
		return flag.ErrHelp
	}
	for _, s := range subs {
		if s.name != args[0] {
			continue
		}
		cmd := &command{name: "sindy " + s.name, args: s.args, summary: s.summary, about: s.about, examples: s.examples, flags: s.flags}
		err := c.runCommand(cmd, args[1:])
		var ue usageError
		if errors.As(err, &ue) && ue.help == "" {
			ue.help = cmd.name
			return ue
		}
		return err
	}
	return usagef("no sindy subcommand %q (there are: %s)", args[0], strings.Join(names, ", "))
}

// Methods and differentiators of sindy fit.
var (
	sindyMethods = []string{"stlsq", "sr3", "ensemble", "weak"}
	sindyDiffs   = []string{"fd", "savgol", "spectral", "tv"}
)

// The Savitzky-Golay window of --diff savgol: wider than sindy.SavGolDiff's (and PySINDy's) 11, which
// leaves too much noise in densely sampled data. Measured on Lorenz (dt 0.002) with 2% noise over 12
// numpy noise draws: an ensemble on window-11 derivatives includes a spurious constant in more than
// half the bags 11 times, on window-31 ones never, and STLSQ on window-31 derivatives finds the 7
// terms every time (coefficients within 0.4-5.4%). The degree stays 3: degree 2 biases the
// derivatives of such fast dynamics by 10-20% even without noise. Coarsely sampled data wants a
// smaller --window.
const savgolWindow, savgolDegree = 31, 3

// fitOptions are the flags of sindy fit.
type fitOptions struct {
	data, save, method, diff    string
	states, control             listFlag
	dt, threshold, alpha        float64
	cutoff, tvAlpha             float64
	poly, fourier               int
	order, window, diffOrder    int
	windows, bags, maxIter      int
	seed                        uint64
	sine, noConstant, unbias, j bool
}

var sindyFit = &sindySub{
	name:    "fit",
	args:    "--data FILE [flags]",
	summary: "fit a sparse model to the trajectories of a data file and print its equations",
	about: `Fit classical SINDy to the trajectories of FILE (.npz, .npy or .csv, with the conventions of package
dataio): x' = Θ(x, u) Ξ with a library Θ of polynomials (--poly), sines (--sine) and Fourier terms
(--fourier) of the states and control inputs, and a sparse Ξ. The derivatives are the file's (xdot arrays,
<state>_dot columns) where it has them, else estimated by --diff. --method chooses the optimizer:
stlsq (sequentially thresholded least squares, PySINDy's default), sr3 (L0 penalty at --threshold),
ensemble (E-SINDy: --bags STLSQ fits on bootstrap samples of the rows, median coefficients, and each
term's inclusion probability), weak (weak-form SINDy: test functions on windows of --window samples,
no derivative of the data is taken, robust to noise). It prints the equations, or with --json
{"features", "states", "coefficients" [state][feature], "equations", "inclusion" (ensemble), "library"};
--save writes the model JSON that 'dynlearn sindy simulate' and sindy.LoadModelJSON read.`,
	examples: []string{
		"dynlearn sindy fit --data lorenz.npz --poly 2 --json",
		"dynlearn sindy fit --data lorenz.csv --poly 2 --save lorenz_model.json",
		"dynlearn sindy fit --data noisy.npz --method weak --threshold 0.2",
		"dynlearn sindy fit --data noisy.npz --method ensemble --diff savgol --threshold 0.2 --json",
		"dynlearn sindy fit --data forced.csv --control force --poly 2",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := &fitOptions{}
		fs.StringVar(&o.data, "data", "", "data `FILE` of trajectories: .npz, .npy or .csv (required)")
		fs.Float64Var(&o.dt, "dt", 0, "time step `DT` of trajectories whose file gives no times (t arrays or column, dt arrays)")
		fs.Var(&o.states, "states", "state `NAMES`, comma-separated, replacing the file's (x1..xn in .npz and .npy files)")
		fs.Var(&o.control, "control", "`NAMES` of states of the file (comma-separated) that are control inputs u(t) (SINDYc);\n"+
			"the file's own inputs (u arrays, u_<name> columns) are always inputs")
		fs.IntVar(&o.poly, "poly", 2, "highest polynomial `ORDER` of the library, 0..5")
		fs.BoolVar(&o.noConstant, "no-constant", false, "leave the constant term 1 out of the library")
		fs.BoolVar(&o.sine, "sine", false, "add sin(w) of every state and input to the library")
		fs.IntVar(&o.fourier, "fourier", 0, "add sin(k w) and cos(k w) for k = 1..`N` to the library, 0..100")
		fs.StringVar(&o.method, "method", "stlsq", "optimizer `METHOD`: "+strings.Join(sindyMethods, ", "))
		fs.Float64Var(&o.threshold, "threshold", 0.1, "sparsity threshold `L`: smaller coefficients are removed")
		fs.Float64Var(&o.alpha, "alpha", 0.05, "ridge penalty `A` of STLSQ's regressions (stlsq, ensemble, weak)")
		fs.IntVar(&o.maxIter, "max-iter", 20, "thresholding rounds of STLSQ, iterations of SR3 (`N` > 0)")
		fs.BoolVar(&o.unbias, "unbias", true, "refit the final support by least squares without the penalty (PySINDy's default)")
		fs.StringVar(&o.diff, "diff", "fd", "differentiation `METHOD` where the file has no derivatives: "+strings.Join(sindyDiffs, ", ")+
			"\n(finite differences, Savitzky-Golay, spectral, total variation)")
		fs.IntVar(&o.order, "order", 2, "accuracy `ORDER` of the finite differences (--diff fd), 1..4")
		fs.IntVar(&o.window, "window", 0, "samples `W` in each Savitzky-Golay window (--diff savgol, odd, default 31)\n"+
			"or in each test function's window (--method weak, default 201)")
		fs.IntVar(&o.diffOrder, "diff-order", 0, "degree `K` of the Savitzky-Golay polynomial (--diff savgol; default 3)")
		fs.Float64Var(&o.cutoff, "cutoff", 0, "low-pass cut-off `F` in cycles per time unit of --diff spectral (0: none)")
		fs.Float64Var(&o.tvAlpha, "tv-alpha", 1e-3, "regularisation weight `A` of --diff tv (units of x·t²)")
		fs.IntVar(&o.windows, "windows", 0, "test functions `K` per trajectory of --method weak (default 100)")
		fs.IntVar(&o.bags, "bags", 20, "models `N` of --method ensemble")
		fs.Uint64Var(&o.seed, "seed", 0, "random seed `S` of --method ensemble's bootstrap samples")
		fs.BoolVar(&o.j, "json", false, "print the model as JSON instead of equations")
		fs.StringVar(&o.save, "save", "", "write the model's JSON to `MODEL.json`")
		return func(args []string) error {
			if len(args) > 0 {
				return usagef("fit takes no arguments (the data file is --data FILE), got %q", args)
			}
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			if err := o.check(set); err != nil {
				return err
			}
			return c.sindyFit(o)
		}
	},
}

// check validates the flags of fit; every error is a usage error naming the flag.
func (o *fitOptions) check(set map[string]bool) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	switch {
	case o.data == "":
		return usagef("fit needs --data FILE (a .npz, .npy or .csv file of trajectories)")
	case !slices.Contains(sindyMethods, o.method):
		return usagef("--method %q: want one of %s", o.method, strings.Join(sindyMethods, ", "))
	case !slices.Contains(sindyDiffs, o.diff):
		return usagef("--diff %q: want one of %s", o.diff, strings.Join(sindyDiffs, ", "))
	case bad(o.dt):
		return usagef("--dt %g: want a finite time step > 0 (or 0: the file gives the times)", o.dt)
	case o.poly < 0 || o.poly > 5:
		return usagef("--poly %d: want a polynomial order in 0..5", o.poly)
	case o.fourier < 0 || o.fourier > 100:
		return usagef("--fourier %d: want a number of frequencies in 0..100", o.fourier)
	case bad(o.threshold):
		return usagef("--threshold %g: want a finite threshold >= 0", o.threshold)
	case bad(o.alpha):
		return usagef("--alpha %g: want a finite ridge penalty >= 0", o.alpha)
	case o.maxIter < 1:
		return usagef("--max-iter %d: want at least 1", o.maxIter)
	case o.order < 1 || o.order > 4:
		return usagef("--order %d: want a finite-difference order in 1..4", o.order)
	case o.window != 0 && o.method == "weak" && o.window < 3:
		return usagef("--window %d: want at least 3 samples in each weak-form window", o.window)
	case o.window != 0 && o.method != "weak" && (o.window < 3 || o.window%2 == 0):
		return usagef("--window %d: want an odd Savitzky-Golay window of at least 3 samples", o.window)
	case o.diffOrder < 0 || (o.diffOrder > 0 && o.diffOrder >= cmp0(o.window, savgolWindow)):
		return usagef("--diff-order %d: want a polynomial degree >= 1 and below the window (%d samples)", o.diffOrder, cmp0(o.window, savgolWindow))
	case bad(o.cutoff):
		return usagef("--cutoff %g: want a finite frequency >= 0 (0: no cut-off)", o.cutoff)
	case bad(o.tvAlpha):
		return usagef("--tv-alpha %g: want a finite weight >= 0", o.tvAlpha)
	case o.windows < 0:
		return usagef("--windows %d: want a number of test functions >= 1 (0: 100)", o.windows)
	case o.bags < 1 || o.bags > 10000:
		return usagef("--bags %d: want a number of models in 1..10000", o.bags)
	case o.poly == 0 && o.noConstant && !o.sine && o.fourier == 0:
		return usagef("--poly 0 --no-constant leaves the library empty: add --sine or --fourier N, or raise --poly")
	}
	// Flags that only mean something with some method or differentiator.
	for _, r := range []struct {
		flag, needs string
		ok          bool
	}{
		{"diff", "a method that differentiates (not --method weak, which takes no derivatives)", o.method != "weak"},
		{"order", "--diff fd", o.diff == "fd" && o.method != "weak"},
		{"diff-order", "--diff savgol", o.diff == "savgol" && o.method != "weak"},
		{"window", "--diff savgol or --method weak", o.method == "weak" || o.diff == "savgol"},
		{"cutoff", "--diff spectral", o.diff == "spectral" && o.method != "weak"},
		{"tv-alpha", "--diff tv", o.diff == "tv" && o.method != "weak"},
		{"windows", "--method weak", o.method == "weak"},
		{"bags", "--method ensemble", o.method == "ensemble"},
		{"seed", "--method ensemble", o.method == "ensemble"},
		{"alpha", "--method stlsq, ensemble or weak (SR3 has no ridge penalty)", o.method != "sr3"},
	} {
		if set[r.flag] && !r.ok {
			return usagef("--%s applies only with %s (--method %s, --diff %s)", r.flag, r.needs, o.method, o.diff)
		}
	}
	return nil
}

// differentiator returns the differentiator that --diff and its options choose.
func (o *fitOptions) differentiator() sindy.Differentiator {
	switch o.diff {
	case "savgol":
		return sindy.SavGolDiff{Window: cmp0(o.window, savgolWindow), Order: cmp0(o.diffOrder, savgolDegree)}
	case "spectral":
		return sindy.Spectral{Cutoff: o.cutoff}
	case "tv":
		return sindy.TotalVariation{Alpha: o.tvAlpha}
	}
	return sindy.FiniteDiff{Order: o.order}
}

// optimizer returns the optimizer that --method and its options choose (the ensemble by pointer,
// to read its inclusion probabilities after the fit).
func (o *fitOptions) optimizer() (sindy.Optimizer, *sindy.Ensemble) {
	st := sindy.STLSQ{Threshold: o.threshold, Alpha: o.alpha, MaxIter: o.maxIter, Unbias: o.unbias}
	switch o.method {
	case "sr3":
		return sindy.SR3{Threshold: o.threshold, MaxIter: o.maxIter, Unbias: o.unbias}, nil
	case "ensemble":
		e := &sindy.Ensemble{Opt: st, Models: o.bags, Seed: o.seed}
		return e, e
	}
	return st, nil
}

// describe says in words what the method is.
func (o *fitOptions) describe() string {
	unb := ""
	if o.unbias {
		unb = ", unbiased"
	}
	st := fmt.Sprintf("STLSQ (threshold %g, alpha %g%s)", o.threshold, o.alpha, unb)
	switch o.method {
	case "sr3":
		return fmt.Sprintf("SR3 (L0, threshold %g%s)", o.threshold, unb)
	case "ensemble":
		return fmt.Sprintf("ensemble of %d %s on bootstrap samples (seed %d)", o.bags, st, o.seed)
	case "weak":
		return fmt.Sprintf("weak form (%d test functions per trajectory on windows of %d samples), %s", cmp0(o.windows, 100), cmp0(o.window, 201), st)
	}
	return st
}

// describeDiff says in words how the derivatives are estimated.
func (o *fitOptions) describeDiff() string {
	switch o.diff {
	case "savgol":
		return fmt.Sprintf("Savitzky-Golay derivatives (window %d, degree %d)", cmp0(o.window, savgolWindow), cmp0(o.diffOrder, savgolDegree))
	case "spectral":
		return fmt.Sprintf("spectral derivatives (cut-off %g)", o.cutoff)
	case "tv":
		return fmt.Sprintf("total-variation derivatives (alpha %g)", o.tvAlpha)
	}
	return fmt.Sprintf("finite differences of order %d", o.order)
}

// cmp0 returns v, or def when v is 0.
func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// fitJSON is what sindy fit --json prints: the model's JSON (sindy.Model.MarshalJSON) with the
// ensemble's inclusion probabilities.
type fitJSON struct {
	Features     []string        `json:"features"`
	States       []string        `json:"states"`
	Inputs       []string        `json:"inputs,omitempty"`
	Coefficients [][]float64     `json:"coefficients"`
	Equations    []string        `json:"equations"`
	Inclusion    [][]float64     `json:"inclusion,omitempty"` // [state][feature], as coefficients
	Library      json.RawMessage `json:"library"`
}

// sindyFit loads the data, fits the model and reports it.
func (c *cli) sindyFit(o *fitOptions) error {
	ds, err := dataio.Load(o.data, dataio.LoadOptions{Dt: o.dt, States: o.states})
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if len(o.control) > 0 {
		if err := moveToInputs(ds, o.control, o.data); err != nil {
			return err
		}
	}
	b := sindy.NewLibrary(len(ds.States)).Names(ds.States...).Polynomial(o.poly).Fourier(o.fourier)
	if len(ds.Inputs) > 0 {
		b.InputNames(ds.Inputs...)
	}
	if o.noConstant {
		b.NoConstant()
	}
	if o.sine {
		b.Sine()
	}
	lib, err := b.Done()
	if err != nil {
		return fmt.Errorf("fit: library of %s: %w", o.data, err)
	}
	opt, ens := o.optimizer()
	m := sindy.New(lib).Optimizer(opt)
	withXdot, samples := 0, 0
	for _, tr := range ds.Trajectories {
		samples += len(tr.X)
		if tr.Xdot != nil {
			withXdot++
		}
	}
	if o.method != "weak" && samples < lib.Size() {
		return fmt.Errorf("fit %s: %d samples for a library of %d terms: too few to fit (want at least one sample per term; lower --poly or bring more data)",
			o.data, samples, lib.Size())
	}
	if o.method == "weak" {
		err = m.FitWeak(ds.Trajectories, sindy.Weak{Windows: o.windows, Width: o.window})
	} else {
		err = m.FitTrajectories(ds.Trajectories, o.differentiator())
	}
	if err != nil {
		return fmt.Errorf("fit %s: %w", o.data, err)
	}
	if o.save != "" {
		if err := m.SaveJSON(o.save); err != nil {
			return fmt.Errorf("fit: --save: %w", err)
		}
	}
	if o.j {
		return c.fitJSON(m, ens)
	}
	w := c.stdout
	derivs := "estimated by " + o.describeDiff()
	switch {
	case o.method == "weak":
		derivs = "not used (weak form)"
	case withXdot == len(ds.Trajectories):
		derivs = "from the file"
	case withXdot > 0:
		derivs = fmt.Sprintf("from the file for %d of %d trajectories, else estimated by %s", withXdot, len(ds.Trajectories), o.describeDiff())
	}
	inputs := ""
	if len(ds.Inputs) > 0 {
		inputs = "; inputs " + strings.Join(ds.Inputs, ", ")
	}
	fmt.Fprintf(w, "%s: %d trajectories, %d samples; states %s%s; derivatives %s\n", o.data, len(ds.Trajectories), samples,
		strings.Join(ds.States, ", "), inputs, derivs)
	fmt.Fprintf(w, "library: %d terms; method: %s\n\n", lib.Size(), o.describe())
	for _, e := range m.Equations(3) {
		fmt.Fprintln(w, e)
	}
	fmt.Fprintf(w, "\n%d active terms\n", m.ActiveTerms())
	if ens != nil {
		fmt.Fprintf(w, "\nInclusion probabilities over the %d models (terms included at least once):\n", o.bags)
		printInclusion(w, lib, ens.Inclusion())
	}
	if o.save != "" {
		fmt.Fprintf(w, "saved the model to %s\n", o.save)
	}
	return nil
}

// fitJSON prints the fitted model as JSON, with the ensemble's inclusion probabilities.
func (c *cli) fitJSON(m *sindy.Model, ens *sindy.Ensemble) error {
	data, err := m.MarshalJSON()
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	var out fitJSON
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("fit: the model's JSON: %w", err)
	}
	if ens != nil {
		out.Inclusion = transpose(ens.Inclusion())
	}
	return writeJSON(c.stdout, out)
}

// transpose returns the [state][feature] form of a [feature][state] matrix.
func transpose(a [][]float64) [][]float64 {
	if len(a) == 0 {
		return nil
	}
	out := make([][]float64, len(a[0]))
	for j := range out {
		out[j] = make([]float64, len(a))
		for i := range a {
			out[j][i] = a[i][j]
		}
	}
	return out
}

// printInclusion prints a table of inclusion probabilities: one row per term included by some
// model, one column per state.
func printInclusion(w io.Writer, lib *sindy.Library, inc [][]float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "term\t")
	for _, s := range lib.VarNames() {
		fmt.Fprintf(tw, "%s'\t", s)
	}
	fmt.Fprintln(tw)
	for i, name := range lib.Names() {
		if slices.Max(inc[i]) == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t", name)
		for _, p := range inc[i] {
			fmt.Fprintf(tw, "%.2f\t", p)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// moveToInputs makes the named states of ds control inputs (appended after its own inputs).
func moveToInputs(ds *dataio.Dataset, names []string, file string) error {
	var idx []int
	for _, n := range names {
		i := slices.Index(ds.States, n)
		if i < 0 {
			return usagef("--control %s: %s has no state %q (states: %s)", strings.Join(names, ","), file, n, strings.Join(ds.States, ", "))
		}
		if slices.Contains(idx, i) {
			return usagef("--control %s: %q named twice", strings.Join(names, ","), n)
		}
		idx = append(idx, i)
	}
	if len(idx) == len(ds.States) {
		return usagef("--control %s: every state of %s would be an input; leave at least one state", strings.Join(names, ","), file)
	}
	var keep []int
	for i := range ds.States {
		if !slices.Contains(idx, i) {
			keep = append(keep, i)
		}
	}
	pick := func(row []float64, cols []int) []float64 {
		out := make([]float64, len(cols))
		for k, c := range cols {
			out[k] = row[c]
		}
		return out
	}
	for k := range ds.Trajectories {
		tr := &ds.Trajectories[k]
		for r := range tr.X {
			u := pick(tr.X[r], idx)
			if tr.U != nil {
				u = append(tr.U[r], u...)
			}
			if tr.U == nil {
				tr.U = make([][]float64, len(tr.X))
			}
			tr.U[r] = u
			tr.X[r] = pick(tr.X[r], keep)
			if tr.Xdot != nil {
				tr.Xdot[r] = pick(tr.Xdot[r], keep)
			}
		}
	}
	inputs := append([]string(nil), ds.Inputs...)
	for _, i := range idx {
		inputs = append(inputs, ds.States[i])
	}
	states := make([]string, len(keep))
	for k, i := range keep {
		states[k] = ds.States[i]
	}
	ds.States, ds.Inputs = states, inputs
	return nil
}

// listFlag is a comma-separated list of names.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value.
func (l *listFlag) Set(v string) error {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return fmt.Errorf("empty name in %q: want comma-separated names", v)
		}
		out = append(out, s)
	}
	*l = out
	return nil
}

// floatsFlag is a comma-separated list of finite numbers.
type floatsFlag []float64

func (f *floatsFlag) String() string {
	var s []string
	for _, v := range *f {
		s = append(s, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(s, ",")
}

// Set implements flag.Value.
func (f *floatsFlag) Set(v string) error {
	var out []float64
	for _, s := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a finite number: want comma-separated numbers like -8,7,27", s)
		}
		out = append(out, x)
	}
	*f = out
	return nil
}

// simOptions are the flags of sindy simulate.
type simOptions struct {
	x0, u              floatsFlag
	t0, t1, dt, bound  float64
	out                string
	hasT1, hasDt, hasX bool
}

// maxSimSamples bounds the samples of one simulation (--t1 and --dt).
const maxSimSamples = 10_000_000

var sindySimulate = &sindySub{
	name:    "simulate",
	args:    "MODEL.json --x0 X0 --t1 T --dt DT --out FILE [flags]",
	summary: "integrate a fitted model from an initial state and write the trajectory",
	about: `Integrate the SINDy model of MODEL.json (written by 'dynlearn sindy fit --save' or sindy's SaveJSON)
from the state --x0 at --t0 to --t1, and write the states at t0, t0+dt, ... (up to t1) to --out: an .npz
(arrays x [T, n] and t, plus u for a model with inputs) or a .csv (columns t, the states, u_<input>).
A model with control inputs needs --u, held constant. Integration is adaptive (Dormand-Prince, tolerances
1e-9). If the model blows up (the state's norm exceeds --bound, or the integrator cannot continue), the
trajectory up to the blow-up time is still written and the command fails (exit code 1) saying when.`,
	examples: []string{
		"dynlearn sindy simulate lorenz_model.json --x0 -8,7,27 --t1 20 --dt 0.01 --out traj.npz",
		"dynlearn sindy simulate forced.json --x0 1,0 --u 0.5 --t1 10 --dt 0.05 --out traj.csv",
	},
	flags: func(c *cli, fs *flag.FlagSet) func([]string) error {
		o := &simOptions{}
		fs.Var(&o.x0, "x0", "initial state `X0`, comma-separated, one value per state of the model (required)")
		fs.Float64Var(&o.t0, "t0", 0, "initial time `T0`")
		fs.Float64Var(&o.t1, "t1", 0, "final time `T` > t0 (required)")
		fs.Float64Var(&o.dt, "dt", 0, "output time step `DT` > 0 (required)")
		fs.Var(&o.u, "u", "constant control inputs `U`, comma-separated (required for a model with inputs)")
		fs.Float64Var(&o.bound, "bound", 0, "blow-up bound `B` on the state's norm (0: 1e6·max(1, |x0|))")
		fs.StringVar(&o.out, "out", "", "output `FILE`: .npz or .csv (required)")
		return func(args []string) error {
			fs.Visit(func(f *flag.Flag) {
				switch f.Name {
				case "t1":
					o.hasT1 = true
				case "dt":
					o.hasDt = true
				case "x0":
					o.hasX = true
				}
			})
			if len(args) != 1 {
				if len(args) == 0 {
					return usagef("simulate needs the model file: simulate MODEL.json --x0 ... --t1 ... --dt ... --out ...")
				}
				return usagef("simulate takes one model file, got %q", args)
			}
			return c.sindySimulate(args[0], o)
		}
	},
}

// sindySimulate loads the model, integrates it and writes the trajectory.
func (c *cli) sindySimulate(path string, o *simOptions) error {
	switch {
	case !o.hasX:
		return usagef("simulate needs --x0 (the initial state, comma-separated)")
	case !o.hasT1:
		return usagef("simulate needs --t1 (the final time)")
	case !o.hasDt:
		return usagef("simulate needs --dt (the output time step)")
	case o.out == "":
		return usagef("simulate needs --out FILE (.npz or .csv)")
	case math.IsNaN(o.t0) || math.IsInf(o.t0, 0):
		return usagef("--t0 %g: want a finite time", o.t0)
	case !(o.t1 > o.t0) || math.IsInf(o.t1, 0):
		return usagef("--t1 %g: want a finite time after --t0 %g", o.t1, o.t0)
	case !(o.dt > 0) || math.IsInf(o.dt, 0):
		return usagef("--dt %g: want a finite time step > 0", o.dt)
	case (o.t1-o.t0)/o.dt >= maxSimSamples:
		return usagef("--dt %g: (t1 - t0)/dt = %.3g samples, at most %d allowed", o.dt, (o.t1-o.t0)/o.dt, maxSimSamples)
	case math.IsNaN(o.bound) || o.bound < 0:
		return usagef("--bound %g: want a bound > 0 (0: the default, +Inf: none)", o.bound)
	}
	if ext := strings.ToLower(filepath.Ext(o.out)); ext != ".npz" && ext != ".csv" {
		return usagef("--out %s: want a .npz or .csv file", o.out)
	}
	m, err := sindy.LoadModelJSON(path)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	lib := m.Library()
	states, inputs := lib.VarNames(), lib.InputNames()
	if len(o.x0) != len(states) {
		return usagef("--x0 %s: %d values, the model of %s has %d states (%s)", o.x0.String(), len(o.x0), path, len(states), strings.Join(states, ", "))
	}
	switch {
	case len(inputs) > 0 && len(o.u) != len(inputs):
		return usagef("--u %s: %d values, the model of %s has %d control inputs (%s); give one constant value per input",
			o.u.String(), len(o.u), path, len(inputs), strings.Join(inputs, ", "))
	case len(inputs) == 0 && len(o.u) > 0:
		return usagef("--u %s: the model of %s has no control inputs", o.u.String(), path)
	}
	n := int(math.Floor((o.t1-o.t0)/o.dt + 1e-9))
	ts := make([]float64, n+1)
	for i := range ts {
		ts[i] = o.t0 + float64(i)*o.dt
	}
	sopt := sindy.SimOptions{Bound: o.bound}
	if len(inputs) > 0 {
		u := []float64(o.u)
		sopt.U = func(float64) []float64 { return u }
	}
	x, simErr := m.SimulateWith(o.x0, ts, sopt)
	var blow *sindy.BlowUpError
	if simErr != nil && !errors.As(simErr, &blow) {
		return fmt.Errorf("simulate %s: %w", path, simErr)
	}
	if len(x) == 0 {
		return fmt.Errorf("simulate %s: %w; nothing integrated, %s not written", path, simErr, o.out)
	}
	tr := sindy.Trajectory{T: ts[:len(x)], X: x}
	if len(inputs) > 0 {
		tr.U = make([][]float64, len(x))
		for i := range tr.U {
			tr.U[i] = append([]float64(nil), o.u...)
		}
	}
	ds := &dataio.Dataset{States: states, Inputs: inputs, Trajectories: []sindy.Trajectory{tr}}
	if err := dataio.Save(o.out, ds); err != nil {
		return fmt.Errorf("simulate: --out: %w", err)
	}
	if simErr != nil {
		return fmt.Errorf("simulate %s: %w; the %d samples up to t=%g are written to %s", path, simErr, len(x), ts[len(x)-1], o.out)
	}
	fmt.Fprintf(c.stdout, "simulated %s from t=%g to t=%g: %d samples of %s written to %s\n", path, ts[0], ts[len(ts)-1],
		len(x), strings.Join(states, ", "), o.out)
	return nil
}
