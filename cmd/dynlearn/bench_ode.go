package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// benchODELorenz times Champion's Lorenz batch in Go and in scipy's odeint (formerly
// pkg/ode/cmd/lorenzbench).
var benchODELorenz = &tool{
	name:    "ode-lorenz",
	summary: "1024 Lorenz trajectories: Go's Dormand-Prince against scipy's odeint (LSODA)",
	about: `Time the Lorenz batch workload of BenchmarkLorenzBatchDP in Go (package ode, Dormand-Prince 5(4)) and in
scipy (odeint, LSODA; pkg/ode/bench/odeint_lorenz.py) on the same initial conditions, and print both times,
their ratio and how well the final states agree.

Workload (Champion et al.'s Lorenz data): sigma=10, rho=28, beta=8/3, n initial conditions drawn from the
box x ∈ [-36, 36], y ∈ [-48, 48], z ∈ [-16, 66], output at t = 0, 0.02, ..., 4.98 (250 samples),
rtol = atol = 1e-10 by default (Champion's odeint used the defaults, about 1.49e-8: try --tol 1.49012e-8).`,
	examples: []string{
		"go run ./cmd/dynlearn bench ode-lorenz",
		"go run ./cmd/dynlearn bench ode-lorenz --n 256 --tol 1.49012e-8 --reps 5",
	},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		o := odeLorenzOptions{}
		fs.IntVar(&o.n, "n", config.Pick(128, 1024), "number of trajectories (128 with DYNLEARN_QUICK=1)")
		fs.Float64Var(&o.tol, "tol", 1e-10, "rtol = atol of both integrators")
		fs.Uint64Var(&o.seed, "seed", 1, "seed of the initial conditions")
		fs.IntVar(&o.reps, "reps", 3, "Go repetitions (best time is reported)")
		fs.IntVar(&o.pyReps, "pyreps", 1, "scipy repetitions (best time is reported)")
		fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python interpreter with numpy and scipy")
		fs.StringVar(&o.script, "script", "", "`path` of odeint_lorenz.py (default: pkg/ode/bench/odeint_lorenz.py in this checkout)")
		return func(w io.Writer) error { return o.run(w) }
	},
}

type odeLorenzOptions struct {
	n, reps, pyReps int
	tol             float64
	seed            uint64
	python, script  string
}

func (o odeLorenzOptions) run(w io.Writer) error {
	n, tol, reps, pyReps := o.n, o.tol, o.reps, o.pyReps
	lo, hi := systems.ChampionLorenzBox()
	ics, err := ode.UniformBox(n, lo, hi, o.seed)
	if err != nil {
		return err
	}
	ts := make([]float64, 250) // np.arange(0, 5, 0.02)
	for i := range ts {
		ts[i] = 0.02 * float64(i)
	}
	p := systems.DefaultLorenz().Problem(nil, 0, ts[len(ts)-1])
	opts := ode.Options{RTol: tol, ATol: tol, Saveat: ts}

	timeGo := func(workers int) (time.Duration, []*ode.Solution, error) {
		o := opts
		o.Workers = workers
		best := time.Duration(math.MaxInt64)
		var sols []*ode.Solution
		for range max(1, reps) {
			start := time.Now()
			s, err := ode.SolveBatch(p, ics, ode.DormandPrince(), o)
			if err != nil {
				return 0, nil, err
			}
			best = min(best, time.Since(start))
			sols = s
		}
		return best, sols, nil
	}
	goPar, sols, err := timeGo(0)
	if err != nil {
		return err
	}
	goSeq, _, err := timeGo(1)
	if err != nil {
		return err
	}
	steps, fevals := 0, 0
	for _, s := range sols {
		steps += s.Stats.Steps
		fevals += s.Stats.FEvals
	}
	fmt.Fprintf(w, "workload: %d Lorenz trajectories x 250 outputs (dt=0.02, t in [0,5)), rtol=atol=%g\n", n, tol)
	fmt.Fprintf(w, "go DormandPrince5(4): %d workers %.3f s, 1 worker %.3f s (%.0f steps, %.0f f-evals per trajectory)\n",
		runtime.NumCPU(), goPar.Seconds(), goSeq.Seconds(), float64(steps)/float64(n), float64(fevals)/float64(n))

	script := o.script
	if script == "" {
		if script, err = experiments.RepoPath("pkg/ode/bench/odeint_lorenz.py"); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "lorenzbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	icPath, outPath := filepath.Join(dir, "ics.txt"), filepath.Join(dir, "finals.txt")
	if err := writeICs(icPath, ics); err != nil {
		return err
	}
	cmd := exec.Command(o.python, script, "--ics", icPath, "--rtol", fmt.Sprint(tol), "--atol", fmt.Sprint(tol),
		"--reps", strconv.Itoa(pyReps), "--out", outPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("running %s %s: %w", o.python, script, err)
	}
	pySec, pyNFE := math.NaN(), 0.0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "scipy_seconds" {
			pySec, _ = strconv.ParseFloat(f[1], 64)
		}
		if len(f) == 2 && f[0] == "scipy_nfe" {
			pyNFE, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	if math.IsNaN(pySec) {
		return fmt.Errorf("no scipy_seconds in the script output %q", out)
	}
	fmt.Fprintf(w, "scipy odeint (LSODA): %.3f s (%.0f f-evals per trajectory)\n", pySec, pyNFE/float64(n))
	// Accuracy: both against a Go reference integrated at a 1000x tighter tolerance.
	refOpts := opts
	refOpts.RTol, refOpts.ATol = max(tol*1e-3, 1e-14), max(tol*1e-3, 1e-14)
	ref, err := ode.SolveBatch(p, ics, ode.DormandPrince(), refOpts)
	if err != nil {
		return fmt.Errorf("reference solution: %w", err)
	}
	pyFinals, err := readFinals(outPath, n)
	if err != nil {
		fmt.Fprintln(w, "final-state comparison skipped:", err)
	} else {
		goErrs, pyErrs := make([]float64, n), make([]float64, n)
		for i := range ref {
			_, yr := ref[i].Final()
			_, yg := sols[i].Final()
			for j := range yr {
				s := math.Max(1, math.Abs(yr[j]))
				goErrs[i] = math.Max(goErrs[i], math.Abs(yg[j]-yr[j])/s)
				pyErrs[i] = math.Max(pyErrs[i], math.Abs(pyFinals[i][j]-yr[j])/s)
			}
		}
		slices.Sort(goErrs)
		slices.Sort(pyErrs)
		fmt.Fprintf(w, "relative error at t=4.98 vs a DP5 reference at rtol=atol=%g (median / max over trajectories): go %.2g / %.2g, scipy %.2g / %.2g\n",
			refOpts.RTol, goErrs[n/2], goErrs[n-1], pyErrs[n/2], pyErrs[n-1])
	}
	fmt.Fprintf(w, "go %.3f s, scipy %.3f s, ratio %.1f (scipy/go, all cores); single-core ratio %.1f\n",
		goPar.Seconds(), pySec, pySec/goPar.Seconds(), pySec/goSeq.Seconds())
	return nil
}

// writeICs writes the initial conditions one a line, atomically.
func writeICs(path string, ics [][]float64) error {
	var sb strings.Builder
	for _, ic := range ics {
		for j, v := range ic {
			if j > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(strconv.FormatFloat(v, 'g', 17, 64))
		}
		sb.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(sb.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readFinals reads the n final states scipy wrote, one a line.
func readFinals(path string, n int) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("line %d of %s has %d fields, want 3", len(out)+1, path, len(fields))
		}
		row := make([]float64, 3)
		for j, s := range fields {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, fmt.Errorf("%d final states from scipy, want %d", len(out), n)
	}
	return out, nil
}
