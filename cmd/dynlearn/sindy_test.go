package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// The Lorenz fixtures in testdata were written by NumPy with testdata/make_lorenz.py (its docstring
// has the commands): lorenz_clean.npz/.csv (two trajectories from (-8, 7, 27) and (5, -5, 20),
// dt 0.01, t ∈ [0, 5], exact derivatives) and lorenz_noise5.npz/lorenz_noise2.npz (the same initial
// states, dt 0.002, t ∈ [0, 10], Gaussian noise of 5% and 2% of each state's standard deviation,
// numpy seed 6, no derivatives).

// fitResult is what sindy fit --json prints.
type fitResult struct {
	Features     []string    `json:"features"`
	States       []string    `json:"states"`
	Inputs       []string    `json:"inputs"`
	Coefficients [][]float64 `json:"coefficients"`
	Equations    []string    `json:"equations"`
	Inclusion    [][]float64 `json:"inclusion"`
}

// fitJSONOut runs sindy fit --json with args and decodes its output.
func fitJSONOut(t *testing.T, args ...string) fitResult {
	t.Helper()
	args = append([]string{"sindy", "fit", "--json"}, args...)
	code, stdout, stderr, _ := dynlearn(t, args...)
	if code != exitOK {
		t.Fatalf("dynlearn %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	var r fitResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("dynlearn %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	if len(r.Coefficients) != len(r.States) || len(r.Equations) != len(r.States) {
		t.Fatalf("dynlearn %s: %d coefficient rows and %d equations for %d states", strings.Join(args, " "), len(r.Coefficients), len(r.Equations), len(r.States))
	}
	return r
}

// lorenzTrue returns the 7 Lorenz coefficients (σ 10, ρ 28, β 8/3) by state index and feature
// name, for states named s[0], s[1], s[2].
func lorenzTrue(s []string) []map[string]float64 {
	return []map[string]float64{
		{s[0]: -10, s[1]: 10},
		{s[0]: 28, s[1]: -1, s[0] + " " + s[2]: -1},
		{s[2]: -8.0 / 3, s[0] + " " + s[1]: 1},
	}
}

// lorenzScore counts the model's non-zero coefficients and says whether its support is exactly
// Lorenz's 7 terms, with the worst relative error of those 7 coefficients (1 for a missing one).
func lorenzScore(t *testing.T, r fitResult) (n int, exact bool, worst float64) {
	t.Helper()
	if len(r.States) != 3 {
		t.Fatalf("%d states %q, want 3", len(r.States), r.States)
	}
	want := lorenzTrue(r.States)
	exact = true
	for s, row := range r.Coefficients {
		if len(row) != len(r.Features) {
			t.Fatalf("coefficient row %d has %d values for %d features", s, len(row), len(r.Features))
		}
		for i, c := range row {
			w, ok := want[s][r.Features[i]]
			if c != 0 {
				n++
			}
			if (c != 0) != ok {
				exact = false
			}
			if ok {
				worst = math.Max(worst, math.Abs(c-w)/math.Abs(w))
			}
		}
	}
	return n, exact, worst
}

// inclusionRange returns the smallest inclusion probability of the 7 Lorenz terms and the largest
// of every other term.
func inclusionRange(t *testing.T, r fitResult) (lorenzMin, otherMax float64) {
	t.Helper()
	if len(r.Inclusion) != len(r.States) {
		t.Fatalf("inclusion has %d rows for %d states", len(r.Inclusion), len(r.States))
	}
	want := lorenzTrue(r.States)
	lorenzMin = 1
	for s, row := range r.Inclusion {
		for i, p := range row {
			if _, ok := want[s][r.Features[i]]; ok {
				lorenzMin = math.Min(lorenzMin, p)
			} else {
				otherMax = math.Max(otherMax, p)
			}
		}
	}
	return lorenzMin, otherMax
}

// checkCleanLorenz is issue #24's done-when: sindy fit --data FILE --poly 2 --json gives exactly the 7
// Lorenz terms within 1%.
func checkCleanLorenz(t *testing.T, file string) {
	t.Helper()
	r := fitJSONOut(t, "--data", file, "--poly", "2")
	n, exact, worst := lorenzScore(t, r)
	t.Logf("%s: %d terms, Lorenz support %v, worst coefficient error %.2e\n%s", filepath.Base(file), n, exact, worst, strings.Join(r.Equations, "\n"))
	if !exact || worst > 0.01 {
		t.Errorf("%s: %d terms, Lorenz support %v, worst coefficient error %.3g (want the 7 terms within 1%%)\n%s",
			file, n, exact, worst, strings.Join(r.Equations, "\n"))
	}
	if len(r.Features) != 10 || r.Features[0] != "1" || r.Inclusion != nil {
		t.Errorf("%s: features %q (want the 10 terms of a poly-2 library), inclusion %v (want none)", file, r.Features, r.Inclusion)
	}
}

// checkNoisyLorenz is issue #25's done-when on the 5% and 2% noise files: the weak form finds
// exactly the 7 Lorenz terms within 5% where STLSQ on finite differences does not, and an ensemble
// on Savitzky-Golay derivatives includes the 7 terms with probability ≥ 0.9 and every other ≤ 0.5.
func checkNoisyLorenz(t *testing.T, noise5, noise2 string) {
	t.Helper()
	r := fitJSONOut(t, "--data", noise5, "--method", "weak", "--poly", "2", "--threshold", "0.2")
	n, exact, worst := lorenzScore(t, r)
	t.Logf("weak form, 5%% noise: %d terms, Lorenz support %v, worst error %.2f%%\n%s", n, exact, 100*worst, strings.Join(r.Equations, "\n"))
	if !exact || worst > 0.05 {
		t.Errorf("weak form, 5%% noise: %d terms, Lorenz support %v, worst error %.2f%% (want the 7 terms within 5%%)", n, exact, 100*worst)
	}
	r = fitJSONOut(t, "--data", noise5, "--method", "stlsq", "--diff", "fd", "--poly", "2", "--threshold", "0.2")
	n, exact, worst = lorenzScore(t, r)
	t.Logf("STLSQ on finite differences, 5%% noise: %d terms, Lorenz support %v, worst error %.2f%%\n%s", n, exact, 100*worst, strings.Join(r.Equations, "\n"))
	if exact && worst <= 0.05 {
		t.Errorf("STLSQ on finite differences recovered Lorenz at 5%% noise (%d terms, worst error %.2f%%): the data no longer shows the weak form's advantage", n, 100*worst)
	}
	r = fitJSONOut(t, "--data", noise2, "--method", "ensemble", "--diff", "savgol", "--poly", "2", "--threshold", "0.2")
	lo, hi := inclusionRange(t, r)
	t.Logf("ensemble on Savitzky-Golay derivatives, 2%% noise: inclusion of the Lorenz terms >= %.2f, of the others <= %.2f", lo, hi)
	if lo < 0.9 || hi > 0.5 {
		t.Errorf("ensemble, 2%% noise: inclusion of the Lorenz terms down to %.2f (want >= 0.9), of other terms up to %.2f (want <= 0.5)\ninclusion %v",
			lo, hi, r.Inclusion)
	}
}

func TestSindyFitLorenzFixtures(t *testing.T) {
	checkCleanLorenz(t, filepath.Join("testdata", "lorenz_clean.npz"))
	checkCleanLorenz(t, filepath.Join("testdata", "lorenz_clean.csv"))
}

// With the numpy seed 6 of the fixtures. Measured once over numpy seeds 1..12 of make_lorenz.py: the
// weak form (the command's defaults: 100 windows of 201 samples, STLSQ 0.2 unbiased) finds the 7
// terms within 5% for 8 of the 12 (the others keep an 8th term, a small constant); STLSQ on finite
// differences for none (exact support 5 times, coefficients 12-35% off); the ensemble at 2% noise
// meets the inclusion bounds for 12 of 12 with the command's Savitzky-Golay default (window 31,
// degree 3; the largest inclusion of another term 0.05-0.3), 10 of 12 with window 21, and 1 of 12
// with window 11 (a constant in z' included in 60-80% of the bags).
func TestSindyFitNoisyLorenzFixtures(t *testing.T) {
	checkNoisyLorenz(t, filepath.Join("testdata", "lorenz_noise5.npz"), filepath.Join("testdata", "lorenz_noise2.npz"))
}

// python returns Debian's python3 with numpy and scipy, or skips the test.
func python(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python3 not found")
		}
	}
	if err := exec.Command(py, "-c", "import numpy, scipy").Run(); err != nil {
		t.Skipf("numpy/scipy not importable by %s: %v", py, err)
	}
	return py
}

// TestSindyFitNumPyLorenz writes the data sets with numpy now (make_lorenz.py) and runs the same
// checks on them; it also checks that the committed fixtures are what the script writes.
func TestSindyFitNumPyLorenz(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	script := filepath.Join("testdata", "make_lorenz.py")
	for _, args := range [][]string{
		{"clean", filepath.Join(dir, "lorenz.npz"), filepath.Join(dir, "lorenz.csv")},
		{"noisy", filepath.Join(dir, "noise5.npz"), "0.05", "6"},
		{"noisy", filepath.Join(dir, "noise2.npz"), "0.02", "6"},
	} {
		if out, err := exec.Command(py, append([]string{script}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%s %q: %v\n%s", script, args, err, out)
		}
	}
	checkCleanLorenz(t, filepath.Join(dir, "lorenz.npz"))
	checkCleanLorenz(t, filepath.Join(dir, "lorenz.csv"))
	checkNoisyLorenz(t, filepath.Join(dir, "noise5.npz"), filepath.Join(dir, "noise2.npz"))
	for fresh, fixture := range map[string]string{"lorenz.npz": "lorenz_clean.npz", "lorenz.csv": "lorenz_clean.csv",
		"noise5.npz": "lorenz_noise5.npz", "noise2.npz": "lorenz_noise2.npz"} {
		a := mustLoad(t, filepath.Join(dir, fresh))
		b := mustLoad(t, filepath.Join("testdata", fixture))
		if d := maxDiff(t, a, b); d > 1e-6 {
			t.Errorf("testdata/%s differs from what make_lorenz.py writes now by %g: regenerate it", fixture, d)
		}
	}
}

func mustLoad(t *testing.T, path string) *dataio.Dataset {
	t.Helper()
	ds, err := dataio.Load(path, dataio.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// maxDiff returns the largest difference between the states of two data sets of the same shape.
func maxDiff(t *testing.T, a, b *dataio.Dataset) float64 {
	t.Helper()
	if len(a.Trajectories) != len(b.Trajectories) {
		t.Fatalf("%d and %d trajectories", len(a.Trajectories), len(b.Trajectories))
	}
	d := 0.0
	for k := range a.Trajectories {
		x, y := a.Trajectories[k].X, b.Trajectories[k].X
		if len(x) != len(y) {
			t.Fatalf("trajectory %d: %d and %d samples", k, len(x), len(y))
		}
		for i := range x {
			for j := range x[i] {
				d = math.Max(d, math.Abs(x[i][j]-y[i][j])/(1+math.Abs(y[i][j])))
			}
		}
	}
	return d
}

// TestSindyFitText checks the printed equations, the saved model and the ensemble's table.
func TestSindyFitText(t *testing.T) {
	model := filepath.Join(t.TempDir(), "lorenz.json")
	code, stdout, stderr, _ := dynlearn(t, "sindy", "fit", "--data", "testdata/lorenz_clean.csv", "--save", model)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"2 trajectories, 1002 samples; states x, y, z; derivatives from the file",
		"x' = -10.000 x + 10.000 y\n", "y' = 28.000 x - 1.000 y - 1.000 x z\n", "z' = -2.667 z + 1.000 x y\n", "7 active terms", "saved the model to " + model} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	m, err := sindy.LoadModelJSON(model)
	if err != nil {
		t.Fatal(err)
	}
	if m.ActiveTerms() != 7 || strings.Join(m.Library().VarNames(), ",") != "x,y,z" {
		t.Errorf("saved model: %d terms, states %q\n%s", m.ActiveTerms(), m.Library().VarNames(), m)
	}
	// The same with --json: the coefficients are the saved model's.
	r := fitJSONOut(t, "--data", "testdata/lorenz_clean.csv")
	xi := m.Coefficients()
	for s := range r.Coefficients {
		for i, c := range r.Coefficients[s] {
			if c != xi[i][s] {
				t.Errorf("--json coefficient [%d][%d] = %g, saved model's %g", s, i, c, xi[i][s])
			}
		}
	}
	code, stdout, stderr, _ = dynlearn(t, "sindy", "fit", "--data", "testdata/lorenz_noise2.npz", "--method", "ensemble", "--diff", "savgol",
		"--threshold", "0.2", "--bags", "5", "--states", "x,y,z")
	if code != exitOK {
		t.Fatalf("ensemble: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Savitzky-Golay derivatives (window 31, degree 3)", "ensemble of 5 STLSQ", "Inclusion probabilities over the 5 models",
		"x z  0.00  1.00  0.00"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("ensemble stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestSindyFitMethods runs every method and differentiator on the clean data without its derivatives
// (the CSV's columns t, x, y, z): each recovers the Lorenz support at dt 0.01 within a loose bound.
func TestSindyFitMethods(t *testing.T) {
	ds := mustLoad(t, "testdata/lorenz_clean.csv")
	for k := range ds.Trajectories {
		ds.Trajectories[k].Xdot = nil
	}
	file := filepath.Join(t.TempDir(), "lorenz_noxdot.npz")
	if err := dataio.Save(file, ds); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		tol  float64
	}{
		{[]string{"--diff", "fd"}, 0.05},
		{[]string{"--diff", "fd", "--order", "4"}, 0.01},
		{[]string{"--diff", "savgol", "--window", "7", "--diff-order", "4"}, 0.02},
		{[]string{"--diff", "tv", "--tv-alpha", "1e-6"}, 0.05},
		{[]string{"--method", "sr3", "--threshold", "0.5", "--diff", "fd", "--order", "4"}, 0.01},
		{[]string{"--method", "weak", "--window", "51"}, 0.01},
		{[]string{"--method", "ensemble", "--bags", "10", "--seed", "3", "--diff", "fd", "--order", "4"}, 0.01},
	} {
		r := fitJSONOut(t, append([]string{"--data", file}, tc.args...)...)
		n, exact, worst := lorenzScore(t, r)
		t.Logf("%q: %d terms, worst error %.2e", tc.args, n, worst)
		if !exact || worst > tc.tol {
			t.Errorf("%q: %d terms, Lorenz support %v, worst error %.3g (want < %g)\n%s", tc.args, n, exact, worst, tc.tol, strings.Join(r.Equations, "\n"))
		}
		if (r.Inclusion != nil) != (tc.args[1] == "ensemble") {
			t.Errorf("%q: inclusion %v", tc.args, r.Inclusion)
		}
	}
	// Spectral derivatives on a periodic signal: x = cos t, y = sin t over one period (x' = -y, y' = x).
	const n = 200
	tab := &dataio.Table{Columns: []string{"t", "x", "y"}}
	for i := range n {
		tt := 2 * math.Pi * float64(i) / n
		tab.Rows = append(tab.Rows, []float64{tt, math.Cos(tt), math.Sin(tt)})
	}
	circle := filepath.Join(t.TempDir(), "circle.csv")
	if err := dataio.WriteCSVFile(circle, tab); err != nil {
		t.Fatal(err)
	}
	r := fitJSONOut(t, "--data", circle, "--diff", "spectral", "--poly", "1")
	want := map[string][2]float64{"x": {0, 1}, "y": {-1, 0}} // feature -> (x' coefficient, y' coefficient)
	for i, f := range r.Features {
		w := want[f]
		if math.Abs(r.Coefficients[0][i]-w[0]) > 1e-6 || math.Abs(r.Coefficients[1][i]-w[1]) > 1e-6 {
			t.Errorf("spectral: %q", r.Equations)
			break
		}
	}
}

// TestSindyControl fits a forced, damped oscillator x' = v, v' = -x - 0.2 v + u with the force u a
// column of a CSV (--control) and simulates the model with a constant force.
func TestSindyControl(t *testing.T) {
	tab := &dataio.Table{Columns: []string{"t", "x", "v", "force"}}
	x, v, dt := 1.0, 0.0, 0.01
	u := func(t float64) float64 { return math.Sin(1.3*t) + 0.5*math.Cos(3.1*t) }
	f := func(t, x, v float64) (float64, float64) { return v, -x - 0.2*v + u(t) }
	for i := range 2001 {
		tt := float64(i) * dt
		tab.Rows = append(tab.Rows, []float64{tt, x, v, u(tt)})
		// RK4 with the exact input.
		k1x, k1v := f(tt, x, v)
		k2x, k2v := f(tt+dt/2, x+dt/2*k1x, v+dt/2*k1v)
		k3x, k3v := f(tt+dt/2, x+dt/2*k2x, v+dt/2*k2v)
		k4x, k4v := f(tt+dt, x+dt*k3x, v+dt*k3v)
		x += dt / 6 * (k1x + 2*k2x + 2*k3x + k4x)
		v += dt / 6 * (k1v + 2*k2v + 2*k3v + k4v)
	}
	dir := t.TempDir()
	data, model := filepath.Join(dir, "forced.csv"), filepath.Join(dir, "forced.json")
	if err := dataio.WriteCSVFile(data, tab); err != nil {
		t.Fatal(err)
	}
	r := fitJSONOut(t, "--data", data, "--control", "force", "--poly", "2", "--diff", "fd", "--order", "4", "--save", model)
	if strings.Join(r.States, ",") != "x,v" || strings.Join(r.Inputs, ",") != "force" {
		t.Fatalf("states %q, inputs %q", r.States, r.Inputs)
	}
	want := []map[string]float64{{"v": 1}, {"x": -1, "v": -0.2, "force": 1}}
	for s, row := range r.Coefficients {
		for i, c := range row {
			if w := want[s][r.Features[i]]; math.Abs(c-w) > 1e-3 {
				t.Errorf("SINDYc: %q", r.Equations)
				break
			}
		}
	}
	out := filepath.Join(dir, "sim.csv")
	code, stdout, stderr, _ := dynlearn(t, "sindy", "simulate", model, "--x0", "0,0", "--u", "0.5", "--t1", "60", "--dt", "0.1", "--out", out)
	if code != exitOK {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	sim, err := dataio.ReadCSVFile(out)
	if err != nil {
		t.Fatal(err)
	}
	last := sim.Rows[len(sim.Rows)-1]
	if strings.Join(sim.Columns, ",") != "t,x,v,u_force" || len(sim.Rows) != 601 || math.Abs(last[1]-0.5) > 0.01 || last[3] != 0.5 {
		t.Errorf("simulated %q, %d rows, last %v (want x → 0.5 under the force 0.5)\n%s", sim.Columns, len(sim.Rows), last, stdout)
	}
}

// TestSindySimulate simulates a model fitted to the clean data and compares it with the model's own
// Simulate, in .npz and .csv.
func TestSindySimulate(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "lorenz.json")
	if code, _, stderr, _ := dynlearn(t, "sindy", "fit", "--data", "testdata/lorenz_clean.npz", "--save", model); code != exitOK {
		t.Fatalf("fit: exit %d: %s", code, stderr)
	}
	m, err := sindy.LoadModelJSON(model)
	if err != nil {
		t.Fatal(err)
	}
	ts := make([]float64, 301)
	for i := range ts {
		ts[i] = 1 + float64(i)*0.01
	}
	want, err := m.Simulate([]float64{-8, 7, 27}, ts)
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".npz", ".csv"} {
		out := filepath.Join(dir, "traj"+ext)
		code, stdout, stderr, _ := dynlearn(t, "sindy", "simulate", model, "--x0", "-8,7,27", "--t0", "1", "--t1", "4", "--dt", "0.01", "--out", out)
		if code != exitOK || !strings.Contains(stdout, "301 samples of x1, x2, x3 written to "+out) {
			t.Fatalf("simulate %s: exit %d\n%s%s", ext, code, stdout, stderr)
		}
		ds := mustLoad(t, out)
		tr := ds.Trajectories[0]
		if len(ds.Trajectories) != 1 || len(tr.X) != len(ts) || len(tr.T) != len(ts) || math.Abs(tr.T[300]-4) > 1e-12 {
			t.Fatalf("%s: %d trajectories, %d samples, %d times", out, len(ds.Trajectories), len(tr.X), len(tr.T))
		}
		if d := maxDiff(t, ds, &dataio.Dataset{Trajectories: []sindy.Trajectory{{X: want}}}); d > 1e-9 {
			t.Errorf("%s differs from Model.Simulate by %g", out, d)
		}
	}
}

// TestSindySimulateBlowUp simulates x' = x², which blows up at t = 1 from x = 1: exit 1 with the
// blow-up time, and the trajectory up to it written.
func TestSindySimulateBlowUp(t *testing.T) {
	lib, err := sindy.NewLibrary(1).Names("x").Polynomial(2).Done()
	if err != nil {
		t.Fatal(err)
	}
	m, err := sindy.FromCoefficients(lib, [][]float64{{0}, {0}, {1}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model, out := filepath.Join(dir, "blowup.json"), filepath.Join(dir, "partial.npz")
	if err := m.SaveJSON(model); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr, _ := dynlearn(t, "sindy", "simulate", model, "--x0", "1", "--t1", "2", "--dt", "0.01", "--out", out)
	if code != exitFailed || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, "blew up at t=0.99") || !strings.Contains(stderr, "written to "+out) {
		t.Fatalf("exit %d, stdout %q, stderr %q (want exit 1 and one line naming the blow-up time and the file)", code, stdout, stderr)
	}
	tr := mustLoad(t, out).Trajectories[0]
	n := len(tr.X)
	if n < 90 || n > 100 || tr.T[n-1] >= 1 {
		t.Fatalf("partial trajectory of %d samples up to t=%g, want about 100 before t=1", n, tr.T[n-1])
	}
	for i, tt := range tr.T { // x(t) = 1/(1 - t)
		if w := 1 / (1 - tt); math.Abs(tr.X[i][0]-w) > 1e-6*w {
			t.Fatalf("x(%g) = %g, want %g", tt, tr.X[i][0], w)
		}
	}
	t.Logf("%s", stderr)
}

// TestSindyBadFiles: malformed data and model files give one line naming the file and exit 1.
func TestSindyBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	trunc := filepath.Join("..", "..", "pkg", "dataio", "testdata", "bad_truncated.npy")
	int64s := filepath.Join("..", "..", "pkg", "dataio", "testdata", "bad_int64.npy")
	ragged := write("ragged.csv", "t,x,y\n0,1,2\n0.1,1\n")
	nan := write("nan.csv", "t,x,y\n0,1,2\n0.1,NaN,2\n0.2,1,2\n")
	notime := write("notime.csv", "x,y\n0,1\n1,2\n2,3\n3,4\n")
	model := write("model.json", `{"features": ["1"], "states": ["x"]`)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"sindy", "fit", "--data", trunc}, []string{"bad_truncated.npy"}},
		{[]string{"sindy", "fit", "--data", int64s}, []string{"bad_int64.npy", "int64"}},
		{[]string{"sindy", "fit", "--data", ragged}, []string{"ragged.csv", "line 3"}},
		{[]string{"sindy", "fit", "--data", nan}, []string{"nan.csv", "NaN"}},
		{[]string{"sindy", "fit", "--data", notime}, []string{"notime.csv", "--dt"}},
		{[]string{"sindy", "fit", "--data", notime, "--dt", "0.1"}, []string{"notime.csv", "4 samples for a library of 6 terms"}},
		{[]string{"sindy", "fit", "--data", filepath.Join(dir, "missing.npz")}, []string{"missing.npz"}},
		{[]string{"sindy", "fit", "--data", write("x.txt", "1,2\n")}, []string{"x.txt", ".npz, .npy, .csv"}},
		{[]string{"sindy", "simulate", model, "--x0", "1", "--t1", "1", "--dt", "0.1", "--out", filepath.Join(dir, "o.npz")}, []string{"model.json"}},
		{[]string{"sindy", "simulate", filepath.Join(dir, "nomodel.json"), "--x0", "1", "--t1", "1", "--dt", "0.1", "--out", filepath.Join(dir, "o.npz")}, []string{"nomodel.json"}},
	} {
		code, stdout, stderr, _ := dynlearn(t, tc.args...)
		if code != exitFailed || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "dynlearn sindy: ") {
			t.Errorf("dynlearn %q: exit %d, stdout %q, stderr %q (want exit 1 and one line)", tc.args, code, stdout, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("dynlearn %q: stderr %q lacks %q", tc.args, stderr, w)
			}
		}
		if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
			t.Errorf("dynlearn %q: a stack trace:\n%s", tc.args, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o.npz")); err == nil {
		t.Error("a failed simulate wrote its output")
	}
}

// TestSindyUsage: wrong calls exit 2 with an error naming the flag and the help to read.
func TestSindyUsage(t *testing.T) {
	clean := "testdata/lorenz_clean.npz"
	model := filepath.Join(t.TempDir(), "m.json")
	if code, _, stderr, _ := dynlearn(t, "sindy", "fit", "--data", clean, "--save", model); code != exitOK {
		t.Fatal(stderr)
	}
	sim := func(extra ...string) []string {
		return append([]string{"sindy", "simulate", model, "--x0", "1,2,3", "--t1", "1", "--dt", "0.1", "--out", "/tmp/never.npz"}, extra...)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sindy"}, "dynlearn sindy: name a subcommand: fit, simulate"},
		{[]string{"sindy", "draw"}, `no sindy subcommand "draw" (there are: fit, simulate)`},
		{[]string{"sindy", "fit"}, "fit needs --data FILE"},
		{[]string{"sindy", "fit", clean}, "fit takes no arguments"},
		{[]string{"sindy", "fit", "--data", clean, "--method", "lasso"}, `--method "lasso": want one of stlsq, sr3, ensemble, weak`},
		{[]string{"sindy", "fit", "--data", clean, "--diff", "magic"}, `--diff "magic": want one of fd, savgol, spectral, tv`},
		{[]string{"sindy", "fit", "--data", clean, "--poly", "7"}, "--poly 7: want a polynomial order in 0..5"},
		{[]string{"sindy", "fit", "--data", clean, "--poly", "two"}, `invalid value "two" for flag -poly`},
		{[]string{"sindy", "fit", "--data", clean, "--threshold", "-1"}, "--threshold -1: want a finite threshold >= 0"},
		{[]string{"sindy", "fit", "--data", clean, "--order", "5"}, "--order 5: want a finite-difference order in 1..4"},
		{[]string{"sindy", "fit", "--data", clean, "--diff", "savgol", "--window", "10"}, "--window 10: want an odd Savitzky-Golay window"},
		{[]string{"sindy", "fit", "--data", clean, "--bags", "5"}, "--bags applies only with --method ensemble"},
		{[]string{"sindy", "fit", "--data", clean, "--method", "weak", "--diff", "savgol"}, "--diff applies only with a method that differentiates"},
		{[]string{"sindy", "fit", "--data", clean, "--order", "4", "--diff", "tv"}, "--order applies only with --diff fd"},
		{[]string{"sindy", "fit", "--data", clean, "--control", "force"}, `--control force: testdata/lorenz_clean.npz has no state "force" (states: x1, x2, x3)`},
		{[]string{"sindy", "fit", "--data", clean, "--dt", "-0.1"}, "--dt -0.1: want a finite time step > 0"},
		{[]string{"sindy", "simulate"}, "simulate needs the model file"},
		{sim("--x0", "1,2"), "--x0 1,2: 2 values, the model of " + model + " has 3 states (x1, x2, x3)"},
		{sim("--x0", "1,x,3"), `invalid value "1,x,3" for flag -x0: "x" is not a finite number`},
		{sim("--t1", "0"), "--t1 0: want a finite time after --t0 0"},
		{sim("--dt", "0"), "--dt 0: want a finite time step > 0"},
		{sim("--out", "traj.txt"), "--out traj.txt: want a .npz or .csv file"},
		{sim("--u", "1"), "--u 1: the model of " + model + " has no control inputs"},
		{[]string{"sindy", "simulate", model, "--t1", "1", "--dt", "0.1", "--out", "x.npz"}, "simulate needs --x0"},
	} {
		code, _, stderr, _ := dynlearn(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "Run 'dynlearn sindy") {
			t.Errorf("dynlearn %q: exit %d, stderr %q\nwant exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat("/tmp/never.npz"); err == nil {
		t.Error("a wrong call wrote its output")
	}
	for _, args := range [][]string{{"sindy", "--help"}, {"sindy", "fit", "--help"}, {"sindy", "simulate", "-h"}, {"help", "sindy"}} {
		code, stdout, stderr, _ := dynlearn(t, args...)
		if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "Usage: dynlearn sindy") {
			t.Errorf("dynlearn %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	_, stdout, _, _ := dynlearn(t, "sindy", "fit", "--help")
	for _, w := range []string{"Usage: dynlearn sindy fit --data FILE [flags]", "  --method METHOD\n", "  --diff METHOD\n", "\nExamples:\n"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("sindy fit --help lacks %q:\n%s", w, stdout)
		}
	}
}
