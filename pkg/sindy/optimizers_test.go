package sindy

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// optNumPy runs a Python script with the JSON encoding of in on stdin and decodes its JSON stdout
// into out; it skips the test when Debian's python3 with numpy is absent (the script prints SKIP
// when its imports fail).
func optNumPy(t *testing.T, script string, in, out any) {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("/usr/bin/python3 not found")
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", "try:\n import numpy as np\nexcept ImportError:\n print('SKIP'); raise SystemExit\n"+script)
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	if strings.TrimSpace(string(res)) == "SKIP" {
		t.Skip("numpy not installed")
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output %q: %v", res, err)
	}
}

// sparseSystem returns a random m × p library matrix, a sparse Ξ (p × q) and Y = Θ Ξ + noise.
func sparseSystem(m, p, q int, noise float64, seed uint64) (theta, y, xi [][]float64) {
	r := rand.New(rand.NewPCG(seed, 7))
	xi = make([][]float64, p)
	for i := range xi {
		xi[i] = make([]float64, q)
		for j := range q {
			if r.Float64() < 0.3 {
				xi[i][j] = (0.5 + 2*r.Float64()) * float64(1-2*r.IntN(2))
			}
		}
	}
	theta, y = make([][]float64, m), make([][]float64, m)
	for k := range m {
		theta[k] = make([]float64, p)
		for i := range p {
			theta[k][i] = r.NormFloat64()
		}
		y[k] = make([]float64, q)
		for j := range q {
			for i := range p {
				y[k][j] += theta[k][i] * xi[i][j]
			}
			y[k][j] += noise * r.NormFloat64()
		}
	}
	return theta, y, xi
}

const numpySTLSQ = `
import json, sys
d = json.load(sys.stdin)
X, Y = np.array(d["theta"]), np.array(d["y"])
p, q = X.shape[1], Y.shape[1]
thr, alpha, unbias = d["threshold"], d["alpha"], d["unbias"]
def ridge(cols, j):
    A = X[:, cols]
    return np.linalg.solve(A.T @ A + alpha * np.eye(len(cols)), A.T @ Y[:, j])
xi = np.zeros((p, q))
active = np.ones((p, q), dtype=bool)
def refit():
    for j in range(q):
        cols = np.where(active[:, j])[0]
        xi[:, j] = 0
        if len(cols):
            xi[cols, j] = ridge(cols, j)
refit()
for _ in range(d["max_iter"]):
    small = active & (np.abs(xi) < thr)
    if not small.any():
        break
    active &= ~small
    refit()
if unbias:
    for j in range(q):
        cols = np.where(np.abs(xi[:, j]) > 1e-14)[0]
        xi[:, j] = 0
        if len(cols):
            xi[cols, j] = np.linalg.lstsq(X[:, cols], Y[:, j], rcond=None)[0]
print(json.dumps(xi.tolist()))
`

// TestSTLSQMatchesNumPy: the biased STLSQ (ridge coefficients of the final support, PySINDy's
// unbias=False) and the unbiased one (final support refitted by least squares, PySINDy's default)
// equal a NumPy implementation to 1e-9, on a noisy random sparse system where the ridge bias is
// visible (alpha 5).
func TestSTLSQMatchesNumPy(t *testing.T) {
	theta, y, _ := sparseSystem(120, 10, 3, 0.05, 1)
	for _, unb := range []bool{false, true} {
		o := STLSQ{Threshold: 0.3, Alpha: 5, MaxIter: 20, Unbias: unb}
		got, err := o.Fit(theta, y)
		if err != nil {
			t.Fatal(err)
		}
		var want [][]float64
		optNumPy(t, numpySTLSQ, map[string]any{"theta": theta, "y": y, "threshold": o.Threshold, "alpha": o.Alpha,
			"max_iter": o.MaxIter, "unbias": unb}, &want)
		compareXi(t, "STLSQ unbias="+map[bool]string{false: "false", true: "true"}[unb], got, want, 1e-9)
	}
	// The two differ: the ridge shrinks the coefficients.
	b, _ := STLSQ{Threshold: 0.3, Alpha: 5, MaxIter: 20}.Fit(theta, y)
	u, _ := STLSQ{Threshold: 0.3, Alpha: 5, MaxIter: 20, Unbias: true}.Fit(theta, y)
	if d := maxAbsDiff(b, u); d < 1e-3 {
		t.Errorf("biased and unbiased STLSQ differ by only %g", d)
	}
}

// TestSTLSQUnbiasExact: on exact Lorenz derivatives the unbiased default recovers σ, ρ, β to 1e-8
// (least squares on the right support is exact), while the biased fit is off by the ridge shrinkage.
func TestSTLSQUnbiasExact(t *testing.T) {
	z, dz := lorenzData(t)
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	theta, err := lib.Matrix(z)
	if err != nil {
		t.Fatal(err)
	}
	u, err := DefaultSTLSQ().Fit(theta, dz)
	if err != nil {
		t.Fatal(err)
	}
	want := lorenzXi(lib)
	if d := maxAbsDiff(u, want); d > 1e-8 {
		t.Errorf("unbiased STLSQ: max |Ξ - Ξ_true| = %g, want < 1e-8", d)
	}
	b, err := STLSQ{Threshold: 0.1, Alpha: 0.05, MaxIter: 20}.Fit(theta, dz)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(b, want); d < 1e-9 || d > 0.05 {
		t.Errorf("biased STLSQ: max |Ξ - Ξ_true| = %g, want a small non-zero ridge bias", d)
	}
}

// lorenzXi is the true Ξ of Lorenz (σ=10, ρ=28, β=8/3) in a polynomial library of 3 variables.
func lorenzXi(lib *Library) [][]float64 {
	xi := make([][]float64, lib.Size())
	for i := range xi {
		xi[i] = make([]float64, 3)
	}
	xi[lib.Index(1, 0, 0)][0], xi[lib.Index(0, 1, 0)][0] = -10, 10
	xi[lib.Index(1, 0, 0)][1], xi[lib.Index(0, 1, 0)][1], xi[lib.Index(1, 0, 1)][1] = 28, -1, -1
	xi[lib.Index(1, 1, 0)][2], xi[lib.Index(0, 0, 1)][2] = 1, -8.0/3
	return xi
}

func maxAbsDiff(a, b [][]float64) float64 {
	d := 0.0
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return d
}

// compareXi fails when got and want differ in support or by more than tol relative to the largest
// coefficient.
func compareXi(t *testing.T, name string, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, r := range want {
		for _, v := range r {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if (g == 0) != (w == 0) || math.Abs(g-w) > tol*math.Max(1, scale) {
				t.Errorf("%s: Ξ[%d][%d] = %.15g, want %.15g", name, i, j, g, w)
			}
		}
	}
}

const numpySR3 = `
import json, sys
d = json.load(sys.stdin)
X, Y = np.array(d["theta"]), np.array(d["y"])
lam, nu, tol, reg = d["lambda"], d["nu"], d["tol"], d["reg"]
p = X.shape[1]
# PySINDy's BaseOptimizer.fit and SR3._reduce.
coef = np.linalg.lstsq(X, Y, rcond=None)[0]
sparse = coef
A = X.T @ X + np.eye(p) / nu
xty = X.T @ Y
hist = [sparse]
def prox(x, w):
    if reg == "L0":
        return x * (np.abs(x) > np.sqrt(2 * w))
    return np.sign(x) * np.maximum(np.abs(x) - w, 0)
for k in range(d["max_iter"]):
    full = np.linalg.solve(A, xty + sparse / nu)
    sparse = prox(full, lam * nu)
    hist.append(sparse)
    if np.sqrt(np.sum((hist[-1] - hist[-2]) ** 2)) / nu < tol:
        break
print(json.dumps(sparse.tolist()))
`

// TestSR3MatchesNumPy: SR3 with the L0 and L1 regularizers equals a NumPy transcription of
// PySINDy's SR3 (least-squares start, Cholesky W step, proximal U step, the same stopping rule).
func TestSR3MatchesNumPy(t *testing.T) {
	theta, y, _ := sparseSystem(150, 12, 2, 0.05, 3)
	for _, o := range []SR3{
		{Lambda: 0.02, Nu: 1, Regularizer: RegL0, Tol: 1e-10, MaxIter: 200},
		{Lambda: 0.05, Nu: 0.5, Regularizer: RegL1, Tol: 1e-10, MaxIter: 200},
		{Lambda: 0.2, Nu: 1, Regularizer: RegL1, MaxIter: 7},                  // stops at MaxIter
		{Threshold: 0.8, Nu: 2, Regularizer: RegL0, Tol: 1e-12, MaxIter: 500}, // λ = 0.8²/(2·2)
	} {
		got, err := o.Fit(theta, y)
		if err != nil {
			t.Fatal(err)
		}
		lam, nu, tol, maxIter, _ := o.settings()
		var want [][]float64
		optNumPy(t, numpySR3, map[string]any{"theta": theta, "y": y, "lambda": lam, "nu": nu, "tol": tol,
			"max_iter": maxIter, "reg": o.Regularizer.String()}, &want)
		compareXi(t, "SR3 "+o.Regularizer.String(), got, want, 1e-9)
		if o.Threshold > 0 && math.Abs(lam-0.16) > 1e-15 {
			t.Errorf("λ from threshold 0.8, ν 2: %g, want 0.16", lam)
		}
	}
}

// TestSR3RecoversLorenz: SR3 (L0, threshold 0.5) finds exactly the 7 Lorenz terms of a poly-3
// library from exact derivatives, within 0.5% (biased: the relaxation) and 1e-8 (unbiased); L1 with
// unbias finds the same support.
func TestSR3RecoversLorenz(t *testing.T) {
	z, dz := lorenzData(t)
	lib := NewLibrary(3).Polynomial(3).MustLibrary()
	want := lorenzXi(lib)
	for _, c := range []struct {
		o   SR3
		tol float64
	}{
		{SR3{Threshold: 0.5, MaxIter: 100}, 5e-3},
		{SR3{Threshold: 0.5, MaxIter: 100, Unbias: true}, 1e-8},
		{SR3{Threshold: 0.5, Regularizer: RegL1, MaxIter: 200, Unbias: true}, 1e-8},
	} {
		m := New(lib).Optimizer(c.o)
		if err := m.Fit(z, dz); err != nil {
			t.Fatal(err)
		}
		xi := m.Coefficients()
		for i := range xi {
			for j := range xi[i] {
				w := want[i][j]
				if (w == 0) != (xi[i][j] == 0) || math.Abs(xi[i][j]-w) > c.tol*math.Max(1, math.Abs(w)) {
					t.Errorf("%+v: Ξ[%d][%d] (%s) = %g, want %g", c.o, i, j, lib.Names()[i], xi[i][j], w)
				}
			}
		}
	}
}

func TestOptimizerBadOptions(t *testing.T) {
	theta, y, _ := sparseSystem(20, 3, 1, 0, 1)
	for _, c := range []struct {
		name string
		o    Optimizer
		want string
	}{
		{"SR3 negative lambda", SR3{Lambda: -1}, "Lambda -1"},
		{"SR3 NaN threshold", SR3{Threshold: math.NaN()}, "Threshold NaN"},
		{"SR3 both", SR3{Lambda: 1, Threshold: 1}, "both set"},
		{"SR3 nu", SR3{Nu: -2}, "Nu -2"},
		{"SR3 tol", SR3{Tol: math.Inf(1)}, "Tol +Inf"},
		{"SR3 iterations", SR3{MaxIter: -1}, "MaxIter -1"},
		{"SR3 regularizer", SR3{Regularizer: 7}, "Regularizer(7)"},
		{"STLSQ alpha", STLSQ{Threshold: 0.1, Alpha: math.NaN(), MaxIter: 1}, "alpha NaN"},
		{"ensemble models", &Ensemble{Models: -3}, "Models -3"},
		{"ensemble drop", &Ensemble{DropTerms: 3}, "DropTerms 3"},
		{"ensemble cutoff", &Ensemble{Cutoff: 1.5}, "Cutoff 1.5"},
		{"ensemble nothing to bag", &Ensemble{NoBagging: true}, "NoBagging"},
		{"ensemble subset", &Ensemble{Subset: 30, WithoutReplacement: true}, "Subset 30"},
		{"ensemble aggregation", &Ensemble{Aggregate: 5}, "aggregation 5"},
	} {
		_, err := c.o.Fit(theta, y)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInput naming %q", c.name, err, c.want)
		}
	}
	for _, o := range []Optimizer{DefaultSTLSQ(), DefaultSR3(), &Ensemble{}} {
		if _, err := o.Fit(theta, [][]float64{{1}}); !errors.Is(err, ErrInput) {
			t.Errorf("%T with mismatched rows: %v", o, err)
		}
		bad := [][]float64{{1, 2, 3}, {1, math.Inf(1), 3}}
		if _, err := o.Fit(bad, [][]float64{{1}, {2}}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "row 1 column 1") {
			t.Errorf("%T with Inf: %v", o, err)
		}
	}
}

// seqOpt returns the given Ξ in turn, recording the systems it was given.
type seqOpt struct {
	xis    [][][]float64
	thetas [][][]float64
}

func (s *seqOpt) Fit(theta, y [][]float64) ([][]float64, error) {
	s.thetas = append(s.thetas, theta)
	k := len(s.thetas) - 1
	return s.xis[k%len(s.xis)], nil
}

// TestEnsembleAggregation: with an optimizer returning known Ξ, the ensemble's median, mean,
// inclusion probabilities, standard deviations and cut-off are the hand-computed ones.
func TestEnsembleAggregation(t *testing.T) {
	theta, y, _ := sparseSystem(10, 2, 1, 0, 1)
	members := [][][]float64{{{1}, {0}}, {{2}, {0}}, {{4}, {3}}, {{3}, {0}}}
	e := &Ensemble{Opt: &seqOpt{xis: members}, Models: 4}
	xi, err := e.Fit(theta, y)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Result()
	if xi[0][0] != 2.5 || xi[1][0] != 0 {
		t.Errorf("median Ξ = %v, want [[2.5] [0]]", xi)
	}
	if r.Inclusion[0][0] != 1 || r.Inclusion[1][0] != 0.25 || e.Inclusion()[1][0] != 0.25 {
		t.Errorf("inclusion %v, want [[1] [0.25]]", r.Inclusion)
	}
	if math.Abs(r.Std[0][0]-math.Sqrt(1.25)) > 1e-15 || math.Abs(r.Std[1][0]-math.Sqrt(27.0/16)) > 1e-15 {
		t.Errorf("std %v, want [[√1.25] [√(27/16)]]", r.Std)
	}
	if len(r.Members) != 4 || r.Members[2][1][0] != 3 {
		t.Errorf("members %v", r.Members)
	}
	e = &Ensemble{Opt: &seqOpt{xis: members}, Models: 4, Aggregate: Mean}
	if xi, _ = e.Fit(theta, y); xi[0][0] != 2.5 || xi[1][0] != 0.75 {
		t.Errorf("mean Ξ = %v, want [[2.5] [0.75]]", xi)
	}
	e = &Ensemble{Opt: &seqOpt{xis: members}, Models: 4, Aggregate: Mean, Cutoff: 0.5}
	if xi, _ = e.Fit(theta, y); xi[0][0] != 2.5 || xi[1][0] != 0 {
		t.Errorf("mean Ξ with cut-off 0.5 = %v, want [[2.5] [0]]", xi)
	}
	e = &Ensemble{Opt: &seqOpt{xis: members}, Models: 3}
	if xi, _ = e.Fit(theta, y); xi[0][0] != 2 {
		t.Errorf("median of 3 = %v, want 2", xi[0][0])
	}
}

// TestEnsembleSampling: bags are Subset rows of the data drawn with replacement (repeats occur),
// or without (no repeats); library bagging passes the kept columns and scatters the coefficients
// back with zeros for the dropped terms; the same seed gives the same draws, another seed others.
func TestEnsembleSampling(t *testing.T) {
	theta, y, _ := sparseSystem(50, 6, 2, 0, 2)
	rowOf := map[*float64]int{}
	for i, r := range theta {
		rowOf[&r[0]] = i
	}
	draws := func(e *Ensemble, s *seqOpt) [][]int {
		if _, err := e.Fit(theta, y); err != nil {
			t.Fatal(err)
		}
		var out [][]int
		for _, th := range s.thetas {
			var idx []int
			for _, r := range th {
				i, ok := rowOf[&r[0]]
				if !ok {
					t.Fatal("a bag row is not a row of the data")
				}
				idx = append(idx, i)
			}
			out = append(out, idx)
		}
		return out
	}
	zero := [][]float64{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}
	s1 := &seqOpt{xis: [][][]float64{zero}}
	a := draws(&Ensemble{Opt: s1, Models: 5, Seed: 9}, s1)
	s2 := &seqOpt{xis: [][][]float64{zero}}
	b := draws(&Ensemble{Opt: s2, Models: 5, Seed: 9}, s2)
	s3 := &seqOpt{xis: [][][]float64{zero}}
	c := draws(&Ensemble{Opt: s3, Models: 5, Seed: 10}, s3)
	if len(a) != 5 || len(a[0]) != 50 {
		t.Fatalf("%d bags of %d rows, want 5 of 50", len(a), len(a[0]))
	}
	same := func(x, y [][]int) bool {
		for k := range x {
			for i := range x[k] {
				if x[k][i] != y[k][i] {
					return false
				}
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Errorf("seeded draws: same seed equal %v, other seed equal %v", same(a, b), same(a, c))
	}
	seen := map[int]bool{}
	for _, i := range a[0] {
		seen[i] = true
	}
	if len(seen) == 50 || len(seen) < 20 {
		t.Errorf("bootstrap bag of 50 has %d distinct rows (expect about 32)", len(seen))
	}
	s4 := &seqOpt{xis: [][][]float64{zero}}
	w := draws(&Ensemble{Opt: s4, Models: 3, Subset: 20, WithoutReplacement: true}, s4)
	for _, bag := range w {
		seen := map[int]bool{}
		for _, i := range bag {
			seen[i] = true
		}
		if len(bag) != 20 || len(seen) != 20 {
			t.Errorf("bag without replacement: %d rows, %d distinct, want 20 and 20", len(bag), len(seen))
		}
	}
	// Library bagging: 2 of 6 terms dropped; the optimizer sees 4 columns and returns 1s.
	ones := [][]float64{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
	s5 := &seqOpt{xis: [][][]float64{ones}}
	e := &Ensemble{Opt: s5, Models: 10, DropTerms: 2, NoBagging: true}
	if _, err := e.Fit(theta, y); err != nil {
		t.Fatal(err)
	}
	for k, th := range s5.thetas {
		if len(th) != 50 || len(th[0]) != 4 {
			t.Fatalf("model %d: library bag %d × %d, want 50 × 4", k, len(th), len(th[0]))
		}
	}
	for k, mem := range e.Result().Members {
		nz := 0
		for i := range mem {
			if mem[i][0] != 0 {
				nz++
				if th := s5.thetas[k]; !containsColumn(th, theta, i) {
					t.Errorf("model %d: term %d kept but its column is not in the bag", k, i)
				}
			}
		}
		if nz != 4 {
			t.Errorf("model %d: %d non-zero terms, want 4", k, nz)
		}
	}
}

// containsColumn reports whether column i of full appears among the columns of sub.
func containsColumn(sub, full [][]float64, i int) bool {
	for c := range sub[0] {
		ok := true
		for r := range full {
			ok = ok && sub[r][c] == full[r][i]
		}
		if ok {
			return true
		}
	}
	return false
}

// TestEnsembleLorenzInclusion: on Lorenz derivatives with Gaussian noise (σ = 3 on every
// derivative), bagged STLSQ fits (threshold 0.2, poly 2) give inclusion probabilities >= 0.9 for the
// 7 Lorenz terms and <= 0.5 for the others (the constant enters some bags: probabilities 0.05-0.3),
// and the median Ξ with cut-off 0.6 has exactly the 7 terms within 5%.
func TestEnsembleLorenzInclusion(t *testing.T) {
	z, dz := lorenzData(t)
	r := rand.New(rand.NewPCG(4, 4))
	noisy := make([][]float64, len(dz))
	for i := range dz {
		noisy[i] = make([]float64, 3)
		for j := range dz[i] {
			noisy[i][j] = dz[i][j] + 3*r.NormFloat64()
		}
	}
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	opt := STLSQ{Threshold: 0.2, Alpha: 0.05, MaxIter: 20, Unbias: true}
	e := &Ensemble{Opt: opt, Models: 40, Seed: 1, Cutoff: 0.6}
	m := New(lib).Optimizer(e)
	if err := m.Fit(z, noisy); err != nil {
		t.Fatal(err)
	}
	want := lorenzXi(lib)
	inc := e.Inclusion()
	if inc[0][2] == 0 {
		t.Errorf("the constant never entered a bag of z3' (inclusion %v): the noise no longer tests the bagging", inc[0])
	}
	for i := range inc {
		for j := range inc[i] {
			if want[i][j] != 0 && inc[i][j] < 0.9 || want[i][j] == 0 && inc[i][j] > 0.5 {
				t.Errorf("inclusion of %s in z%d' = %g", lib.Names()[i], j+1, inc[i][j])
			}
			if got := m.Coefficients()[i][j]; (got == 0) != (want[i][j] == 0) || math.Abs(got-want[i][j]) > 0.05*math.Abs(want[i][j]) {
				t.Errorf("ensemble Ξ[%s, z%d'] = %g, want %g within 5%%", lib.Names()[i], j+1, got, want[i][j])
			}
		}
	}
}
