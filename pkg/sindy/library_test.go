package sindy

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFourierLibrary: PySINDy's FourierLibrary names and order (for each frequency, for each
// variable, sin then cos), after the polynomials and sines, and the values.
func TestFourierLibrary(t *testing.T) {
	lib := NewLibrary(2).Polynomial(0).NoConstant().Fourier(2).MustLibrary()
	want := "sin(1 z1),cos(1 z1),sin(1 z2),cos(1 z2),sin(2 z1),cos(2 z1),sin(2 z2),cos(2 z2)"
	if got := strings.Join(lib.Names(), ","); got != want {
		t.Errorf("names %s\nwant  %s", got, want)
	}
	row := make([]float64, lib.Size())
	lib.EvalTo([]float64{0.3, -1.1}, row)
	vals := []float64{math.Sin(0.3), math.Cos(0.3), math.Sin(-1.1), math.Cos(-1.1), math.Sin(0.6), math.Cos(0.6), math.Sin(-2.2), math.Cos(-2.2)}
	for i := range vals {
		if math.Abs(row[i]-vals[i]) > 1e-15 {
			t.Errorf("%s = %g, want %g", lib.Names()[i], row[i], vals[i])
		}
	}
	mixed := NewLibrary(1).Polynomial(1).Sine().Fourier(1).Custom("exp(z1)", func(w []float64) float64 { return math.Exp(w[0]) }).MustLibrary()
	if got := strings.Join(mixed.Names(), ","); got != "1,z1,sin(z1),sin(1 z1),cos(1 z1),exp(z1)" {
		t.Errorf("mixed library order: %s", got)
	}
}

// TestControlLibrary: with inputs, the polynomials span states and inputs (PySINDy's SINDYc
// library on [x u]); Matrix refuses, MatrixControl evaluates Θ(z, u).
func TestControlLibrary(t *testing.T) {
	lib := NewLibrary(2).Inputs(1).Polynomial(2).MustLibrary()
	want := "1,z1,z2,u1,z1^2,z1 z2,z1 u1,z2^2,z2 u1,u1^2"
	if got := strings.Join(lib.Names(), ","); got != want {
		t.Errorf("names %s\nwant  %s", got, want)
	}
	if lib.NumVars() != 2 || lib.NumInputs() != 1 || lib.InputNames()[0] != "u1" {
		t.Errorf("vars %d inputs %d %v", lib.NumVars(), lib.NumInputs(), lib.InputNames())
	}
	if _, err := lib.Matrix([][]float64{{1, 2}}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "MatrixControl") {
		t.Errorf("Matrix of a control library: %v", err)
	}
	th, err := lib.MatrixControl([][]float64{{2, 3}}, [][]float64{{5}})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{1, 2, 3, 5, 4, 6, 10, 9, 15, 25} {
		if th[0][i] != w {
			t.Errorf("Θ[%s] = %g, want %g", lib.Names()[i], th[0][i], w)
		}
	}
	if lib.Index(1, 0, 1) != 6 {
		t.Errorf("Index(z1 u1) = %d, want 6", lib.Index(1, 0, 1))
	}
	named := NewLibrary(1).Names("x").InputNames("force", "gain").Polynomial(1).MustLibrary()
	if got := strings.Join(named.Names(), ","); got != "1,x,force,gain" {
		t.Errorf("named inputs: %s", got)
	}
	for _, c := range []struct {
		z, u [][]float64
		want string
	}{
		{[][]float64{{1, 2}}, nil, "0 input rows"},
		{[][]float64{{1, 2}}, [][]float64{{1, 2}}, "input row 0 has 2 values"},
		{[][]float64{{1}}, [][]float64{{1}}, "row 0 has 1 values"},
	} {
		if _, err := lib.MatrixControl(c.z, c.u); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("MatrixControl(%v, %v): %v, want %q", c.z, c.u, err, c.want)
		}
	}
	plain := NewLibrary(2).MustLibrary()
	if _, err := plain.MatrixControl([][]float64{{1, 2}}, [][]float64{{1}}); !errors.Is(err, ErrInput) {
		t.Errorf("inputs for a library without: %v", err)
	}
}

// TestConcatAndTensor: Concat keeps the parts' terms in order; Tensor forms every product, the first
// library's index varying slowest, named "a b" as PySINDy; values are the products.
func TestConcatAndTensor(t *testing.T) {
	poly := NewLibrary(2).Polynomial(1).NoConstant().MustLibrary()
	four := NewLibrary(2).Polynomial(0).NoConstant().Fourier(1).MustLibrary()
	c, err := Concat(poly, four)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "z1,z2,sin(1 z1),cos(1 z1),sin(1 z2),cos(1 z2)" {
		t.Errorf("concat names %s", got)
	}
	tp, err := Tensor(poly, four)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Size() != 8 || tp.Names()[0] != "z1 sin(1 z1)" || tp.Names()[4] != "z2 sin(1 z1)" || tp.Names()[7] != "z2 cos(1 z2)" {
		t.Errorf("tensor names %v", tp.Names())
	}
	w := []float64{0.7, -0.4}
	row := make([]float64, tp.Size())
	tp.EvalTo(w, row)
	if want := -0.4 * math.Cos(-0.4); math.Abs(row[7]-want) > 1e-15 {
		t.Errorf("z2 cos(1 z2) = %g, want %g", row[7], want)
	}
	three, err := Tensor(poly, poly, four)
	if err != nil {
		t.Fatal(err)
	}
	if three.Size() != 16 || three.Names()[6] != "z1 z2 sin(1 z2)" {
		t.Errorf("triple tensor: %d terms, %v", three.Size(), three.Names()[:6])
	}
	other := NewLibrary(2).Names("a", "b").MustLibrary()
	ctl := NewLibrary(2).Inputs(1).MustLibrary()
	for _, c := range []struct {
		name string
		f    func() (*Library, error)
		want string
	}{
		{"concat one", func() (*Library, error) { return Concat(poly) }, "1 libraries"},
		{"concat nil", func() (*Library, error) { return Concat(poly, nil) }, "library 1 is nil"},
		{"concat names", func() (*Library, error) { return Concat(poly, other) }, "library 1 has variables"},
		{"tensor inputs", func() (*Library, error) { return Tensor(poly, ctl) }, "inputs"},
	} {
		if _, err := c.f(); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInput naming %q", c.name, err, c.want)
		}
	}
}

// TestCompiledLibraryMatchesTerms: the compiled evaluation (shared monomials, pruned plans of
// Predict) equals Term.Eval on every kind of term, and Predict equals Θ Ξ computed from Matrix.
func TestCompiledLibraryMatchesTerms(t *testing.T) {
	poly := NewLibrary(2).Inputs(1).Polynomial(4).NoConstant().Sine().MustLibrary()
	four := NewLibrary(2).Inputs(1).Polynomial(1).Fourier(3).Custom("exp(u1)", func(w []float64) float64 { return math.Exp(w[2]) }).MustLibrary()
	tp, err := Tensor(four, four)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := Concat(poly, tp, four)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	row := make([]float64, lib.Size())
	for range 20 {
		w := []float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		lib.EvalTo(w, row)
		for i, term := range lib.Terms() {
			if want := term.Eval(w); math.Abs(row[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s at %v: compiled %g, Eval %g", term.Name, w, row[i], want)
			}
		}
	}
	// A sparse random Ξ: Predict (pruned plan) against Θ Ξ.
	xi := make([][]float64, lib.Size())
	for i := range xi {
		xi[i] = []float64{0, 0}
		for j := range 2 {
			if r.Float64() < 0.2 {
				xi[i][j] = r.NormFloat64()
			}
		}
	}
	m, err := FromCoefficients(lib, xi)
	if err != nil {
		t.Fatal(err)
	}
	z, u := make([][]float64, 30), make([][]float64, 30)
	for k := range z {
		z[k] = []float64{r.NormFloat64(), r.NormFloat64()}
		u[k] = []float64{r.NormFloat64()}
	}
	pred, err := m.PredictControl(z, u)
	if err != nil {
		t.Fatal(err)
	}
	th, err := lib.MatrixControl(z, u)
	if err != nil {
		t.Fatal(err)
	}
	flat, err := m.PredictFlat(nil, flatten(z), flatten(u))
	if err != nil {
		t.Fatal(err)
	}
	for k := range z {
		for j := range 2 {
			var want float64
			for i := range xi {
				want += th[k][i] * xi[i][j]
			}
			if math.Abs(pred[k][j]-want) > 1e-11*math.Max(1, math.Abs(want)) || math.Abs(flat[2*k+j]-pred[k][j]) > 1e-15 {
				t.Fatalf("sample %d: Predict %g, PredictFlat %g, Θ Ξ %g", k, pred[k][j], flat[2*k+j], want)
			}
		}
	}
	if _, err := m.Predict(z); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "PredictControl") {
		t.Errorf("Predict of a control model: %v", err)
	}
}

func flatten(a [][]float64) []float64 {
	var out []float64
	for _, r := range a {
		out = append(out, r...)
	}
	return out
}

func TestLibraryBadOptions(t *testing.T) {
	for _, c := range []struct {
		b    *LibraryBuilder
		want string
	}{
		{NewLibrary(2).Fourier(-1), "Fourier frequencies -1"},
		{NewLibrary(2).Fourier(101), "Fourier frequencies 101"},
		{NewLibrary(2).Inputs(-2), "-2 control inputs"},
		{NewLibrary(2).Names("x", "x"), `"x" used twice`},
		{NewLibrary(1).Names("x").InputNames("x"), `"x" used twice`},
		{NewLibrary(2).Names("x", " "), "empty variable name"},
		{NewLibrary(2).Polynomial(0).NoConstant(), "no terms"},
		{NewLibrary(2).Custom("", func([]float64) float64 { return 0 }), "custom term"},
		{NewLibrary(2).Custom("f", nil), `custom term "f"`},
	} {
		if _, err := c.b.Done(); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want ErrInput naming %q", err, c.want)
		}
	}
}
