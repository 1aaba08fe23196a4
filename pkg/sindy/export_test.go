package sindy

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportJSON: the JSON of a fitted Lorenz model has PySINDy's layout (coefficients[state][feature]),
// the equations and a library description; it loads back to a model with bit-identical coefficients
// that simulates identically.
func TestExportJSON(t *testing.T) {
	z, dz := lorenzData(t)
	lib := NewLibrary(3).Polynomial(2).Names("x", "y", "z").MustLibrary()
	m := New(lib)
	if err := m.Fit(z, dz); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"features", "states", "coefficients", "equations", "library"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, data)
		}
	}
	if _, ok := raw["inputs"]; ok {
		t.Errorf("JSON of a model without inputs lists inputs: %s", data)
	}
	var j modelJSON
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	xi := m.Coefficients()
	if len(j.Coefficients) != 3 || len(j.Coefficients[0]) != 10 || j.Coefficients[1][1] != xi[1][1] || j.Coefficients[2][4] != xi[4][2] {
		t.Errorf("coefficients layout: %v", j.Coefficients)
	}
	if j.Equations[0] != "x' = -10.000 x + 10.000 y" || j.Features[5] != "x y" || j.States[2] != "z" {
		t.Errorf("equations %q, features %q, states %q", j.Equations, j.Features, j.States)
	}
	if !strings.Contains(string(data), `"library":{"kind":"basis","variables":["x","y","z"],"poly_order":2,"constant":true}`) {
		t.Errorf("library description: %s", data)
	}
	back := &Model{}
	if err := json.Unmarshal(data, back); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(back.Coefficients(), xi); d != 0 {
		t.Errorf("round trip changed Ξ by %g", d)
	}
	ts := outputTimes(51, 0.5)
	a, err1 := m.Simulate([]float64{-8, 7, 27}, ts)
	b, err2 := back.Simulate([]float64{-8, 7, 27}, ts)
	if err1 != nil || err2 != nil || maxAbsDiff(a, b) != 0 {
		t.Errorf("simulations differ: %v %v", err1, err2)
	}
}

// TestExportRoundTripLibraries: every kind of library (sines, Fourier, no constant, control inputs,
// concatenation, tensor product) is rebuilt from its description with the same terms and values.
func TestExportRoundTripLibraries(t *testing.T) {
	poly := NewLibrary(2).Names("p", "q").Inputs(1).Polynomial(1).NoConstant().MustLibrary()
	four := NewLibrary(2).Names("p", "q").Inputs(1).Polynomial(0).NoConstant().Fourier(2).MustLibrary()
	tp, _ := Tensor(poly, four)
	cc, _ := Concat(poly, tp)
	plainTensor, _ := Tensor(NewLibrary(2).Polynomial(1).MustLibrary(), NewLibrary(2).Polynomial(0).NoConstant().Sine().MustLibrary())
	libs := []*Library{
		NewLibrary(2).Polynomial(3).Sine().MustLibrary(),
		NewLibrary(1).Names("theta").Polynomial(0).Fourier(3).MustLibrary(),
		NewLibrary(2).InputNames("force").Polynomial(2).NoConstant().MustLibrary(),
		cc, plainTensor,
	}
	r := rand.New(rand.NewPCG(5, 5))
	dir := t.TempDir()
	for k, lib := range libs {
		xi := make([][]float64, lib.Size())
		for i := range xi {
			xi[i] = make([]float64, lib.NumVars())
			for j := range xi[i] {
				if r.Float64() < 0.3 {
					xi[i][j] = r.NormFloat64() / 3
				}
			}
		}
		m, err := FromCoefficients(lib, xi)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "model.json")
		if err := m.SaveJSON(path); err != nil {
			t.Fatal(err)
		}
		back, err := LoadModelJSON(path)
		if err != nil {
			t.Fatalf("library %d: %v", k, err)
		}
		if strings.Join(back.Library().Names(), ",") != strings.Join(lib.Names(), ",") ||
			strings.Join(back.Library().InputNames(), ",") != strings.Join(lib.InputNames(), ",") {
			t.Errorf("library %d: rebuilt %v, want %v", k, back.Library().Names(), lib.Names())
		}
		z, u := make([][]float64, 5), make([][]float64, 5)
		for i := range z {
			z[i] = []float64{r.NormFloat64()}
			if lib.NumVars() == 2 {
				z[i] = append(z[i], r.NormFloat64())
			}
			if lib.NumInputs() > 0 {
				u[i] = []float64{r.NormFloat64()}
			} else {
				u = nil
			}
		}
		a, err1 := m.PredictControl(z, u)
		b, err2 := back.PredictControl(z, u)
		if err1 != nil || err2 != nil || maxAbsDiff(a, b) != 0 {
			t.Errorf("library %d: predictions differ (%v, %v)", k, err1, err2)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("SaveJSON left %d files in the directory, want 1", len(entries))
	}
}

// TestExportErrors: custom terms export but cannot be loaded; malformed or inconsistent files give
// errors that say what is wrong.
func TestExportErrors(t *testing.T) {
	lib := NewLibrary(1).Polynomial(1).Custom("exp(z1)", func(w []float64) float64 { return math.Exp(w[0]) }).MustLibrary()
	m, _ := FromCoefficients(lib, [][]float64{{1}, {0}, {2}})
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &Model{}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), `custom terms ["exp(z1)"]`) {
		t.Errorf("loading custom terms: %v", err)
	}
	if _, err := json.Marshal(New(lib)); err == nil || !strings.Contains(err.Error(), "not fitted") {
		t.Errorf("exporting an unfitted model: %v", err)
	}
	good := `{"features":["1","z1"],"states":["z1"],"coefficients":[[1,2]],"equations":[],"library":{"kind":"basis","variables":["z1"],"poly_order":1,"constant":true}}`
	if err := json.Unmarshal([]byte(good), &Model{}); err != nil {
		t.Fatalf("good JSON: %v", err)
	}
	for _, c := range []struct{ old, new, want string }{
		{`"1","z1"`, `"1","x"`, `features[1] is "x"`},
		{`[[1,2]]`, `[[1,2,3]]`, "has 3 values, want one per feature (2)"},
		{`[[1,2]]`, `[[1,2],[3,4]]`, "2 coefficient rows"},
		{`[[1,2]]`, `[[1,NaN]]`, "invalid character"},
		{`"kind":"basis"`, `"kind":"sum"`, `library kind "sum"`},
		{`"poly_order":1,`, ``, `needs "poly_order"`},
		{`"poly_order":1`, `"poly_order":9`, "polynomial order 9"},
		{`"states":["z1"]`, `"states":["z1"],"extra":1`, `unknown field "extra"`},
		{`,"library":{"kind":"basis","variables":["z1"],"poly_order":1,"constant":true}`, ``, `no "library"`},
	} {
		bad := strings.Replace(good, c.old, c.new, 1)
		if err := (&Model{}).UnmarshalJSON([]byte(bad)); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInput naming %q", bad, err, c.want)
		}
	}
	if _, err := LoadModelJSON(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	if err := m.SaveJSON(filepath.Join(t.TempDir(), "no", "such", "dir.json")); err == nil || !strings.Contains(err.Error(), "dir.json") {
		t.Errorf("save to a missing directory: %v", err)
	}
}

// TestLaTeX: variable names become LaTeX symbols with subscripts, terms of every kind are typeset.
func TestLaTeX(t *testing.T) {
	z, dz := lorenzData(t)
	m := New(NewLibrary(3).Polynomial(2).MustLibrary())
	if err := m.Fit(z, dz); err != nil {
		t.Fatal(err)
	}
	want := `\begin{aligned}
\dot{z}_{1} &= -10.000 z_{1} + 10.000 z_{2} \\
\dot{z}_{2} &= 28.000 z_{1} - 1.000 z_{2} - 1.000 z_{1} z_{3} \\
\dot{z}_{3} &= -2.667 z_{3} + 1.000 z_{1} z_{2}
\end{aligned}`
	if got := m.LaTeX(); got != want {
		t.Errorf("LaTeX\n%s\nwant\n%s", got, want)
	}
	poly := NewLibrary(2).Names("theta", "omega_dot").Polynomial(2).Sine().MustLibrary()
	four := NewLibrary(2).Names("theta", "omega_dot").Polynomial(0).NoConstant().Fourier(2).MustLibrary()
	tp, _ := Tensor(NewLibrary(2).Names("theta", "omega_dot").Polynomial(1).NoConstant().MustLibrary(), four)
	lib, _ := Concat(poly, tp)
	xi := make([][]float64, lib.Size())
	for i := range xi {
		xi[i] = []float64{0, 0}
	}
	xi[0][0], xi[3][0], xi[6][1], xi[7][1] = 0.5, -2, 1, -3 // 1, theta^2 | sin(theta), sin(omega_dot)
	xi[lib.Size()-1][1] = 0.25                              // omega_dot cos(2 omega_dot)
	mm, _ := FromCoefficients(lib, xi)
	want = `\begin{aligned}
\dot{\theta} &= 0.500 - 2.000 \theta^{2} \\
\dot{\mathrm{omega\_dot}} &= 1.000 \sin(\theta) - 3.000 \sin(\mathrm{omega\_dot}) + 0.250 \mathrm{omega\_dot} \cos(2 \mathrm{omega\_dot})
\end{aligned}`
	if got := mm.LaTeX(); got != want {
		t.Errorf("LaTeX\n%s\nwant\n%s", got, want)
	}
	if New(lib).LaTeX() != "" {
		t.Error("LaTeX of an unfitted model is not empty")
	}
}
