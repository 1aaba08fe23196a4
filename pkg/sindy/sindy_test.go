package sindy

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

func TestLibraryOrderAndSize(t *testing.T) {
	lib, err := NewLibrary(3).Polynomial(3).Done()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "z1", "z2", "z3", "z1^2", "z1 z2", "z1 z3", "z2^2", "z2 z3", "z3^2",
		"z1^3", "z1^2 z2", "z1^2 z3", "z1 z2^2", "z1 z2 z3", "z1 z3^2", "z2^3", "z2^2 z3", "z2 z3^2", "z3^3"}
	got := lib.Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("names\n got %v\nwant %v", got, want)
	}
	for _, c := range []struct {
		n, p int
		sine bool
	}{{3, 3, false}, {2, 3, true}, {3, 5, false}, {1, 5, true}, {6, 2, false}, {4, 0, false}} {
		b := NewLibrary(c.n).Polynomial(c.p)
		if c.sine {
			b.Sine()
		}
		lib := b.MustLibrary()
		if lib.Size() != LibrarySize(c.n, c.p, c.sine) {
			t.Errorf("n=%d p=%d sine=%v: size %d, formula %d", c.n, c.p, c.sine, lib.Size(), LibrarySize(c.n, c.p, c.sine))
		}
	}
	if LibrarySize(3, 3, false) != 20 || LibrarySize(2, 3, true) != 12 || LibrarySize(3, 5, false) != 56 {
		t.Errorf("library sizes: %d %d %d", LibrarySize(3, 3, false), LibrarySize(2, 3, true), LibrarySize(3, 5, false))
	}
	// Pendulum-style library on [z, ż] with sines: 12 terms ending in sin z, sin ż.
	pl := NewLibrary(2).Polynomial(3).Sine().Names("z", "zdot").MustLibrary()
	if pl.Size() != 12 || pl.Names()[10] != "sin(z)" {
		t.Errorf("pendulum library %v", pl.Names())
	}
	// Values.
	row := make([]float64, lib.Size())
	lib.EvalTo([]float64{2, 3, 5}, row)
	if row[14] != 30 || row[12] != 20 || row[19] != 125 || row[0] != 1 {
		t.Errorf("Θ(2,3,5) = %v", row)
	}
	cl := NewLibrary(1).Polynomial(1).Custom("exp(z1)", func(z []float64) float64 { return math.Exp(z[0]) }).MustLibrary()
	cl.EvalTo([]float64{1}, row)
	if cl.Names()[2] != "exp(z1)" || math.Abs(row[2]-math.E) > 1e-15 {
		t.Errorf("custom term: %v %v", cl.Names(), row[:3])
	}
	for _, bad := range []*LibraryBuilder{NewLibrary(0), NewLibrary(2).Polynomial(6), NewLibrary(2).Names("a")} {
		if _, err := bad.Done(); !errors.Is(err, ErrInput) {
			t.Errorf("bad library: err = %v", err)
		}
	}
}

// lorenzData integrates a few Lorenz trajectories and returns states and exact derivatives.
func lorenzData(t *testing.T) (z, dz [][]float64) {
	l := systems.DefaultLorenz()
	for _, y0 := range [][]float64{{-8, 7, 27}, {1, 1, 1}, {10, -5, 30}} {
		ts := make([]float64, 500)
		for i := range ts {
			ts[i] = float64(i) * 0.01
		}
		sol, err := ode.Solve(l.Problem(y0, 0, ts[len(ts)-1]), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
		if err != nil {
			t.Fatal(err)
		}
		for i := range sol.Len() {
			y := append([]float64(nil), sol.At(i)...)
			d := make([]float64, 3)
			l.RHS(0, y, d)
			z, dz = append(z, y), append(dz, d)
		}
	}
	return z, dz
}

func TestSTLSQRecoversLorenz(t *testing.T) {
	z, dz := lorenzData(t)
	lib := NewLibrary(3).Polynomial(3).MustLibrary()
	m := New(lib)
	if err := m.Fit(z, dz); err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]float64{
		{1, 0}: -10, {2, 0}: 10, // z1' = σ(z2 - z1)
		{1, 1}: 28, {2, 1}: -1, {6, 1}: -1, // z2' = ρ z1 - z2 - z1 z3
		{3, 2}: -8.0 / 3, {5, 2}: 1, // z3' = -β z3 + z1 z2
	}
	xi := m.Coefficients()
	for i := range xi {
		for j := range xi[i] {
			w, ok := want[[2]int{i, j}]
			switch {
			case ok && math.Abs(xi[i][j]-w) > 0.01*math.Abs(w):
				t.Errorf("Ξ[%d,%d] (%s in z%d') = %.5f, want %.5f within 1%%", i, j, lib.Names()[i], j+1, xi[i][j], w)
			case !ok && xi[i][j] != 0:
				t.Errorf("spurious term Ξ[%d,%d] (%s in z%d') = %g", i, j, lib.Names()[i], j+1, xi[i][j])
			}
		}
	}
	if m.ActiveTerms() != 7 {
		t.Errorf("%d active terms, want 7", m.ActiveTerms())
	}
	eq := m.Equations(2)
	if eq[0] != "z1' = -10.00 z1 + 10.00 z2" {
		t.Errorf("equation 1 = %q", eq[0])
	}
	if eq[1] != "z2' = 28.00 z1 - 1.00 z2 - 1.00 z1 z3" || eq[2] != "z3' = -2.67 z3 + 1.00 z1 z2" {
		t.Errorf("equations %q", eq)
	}
	var sb strings.Builder
	if err := m.Print(&sb); err != nil || strings.Count(sb.String(), "\n") != 3 {
		t.Errorf("Print: %q %v", sb.String(), err)
	}

	// Simulating the discovered model tracks the true system for a short time.
	ts := make([]float64, 51)
	for i := range ts {
		ts[i] = float64(i) * 0.01
	}
	sim, err := m.Simulate([]float64{-8, 7, 27}, ts)
	if err != nil {
		t.Fatal(err)
	}
	l := systems.DefaultLorenz()
	ref, err := ode.Solve(l.Problem([]float64{-8, 7, 27}, 0, 0.5), ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		for j := range 3 {
			if d := math.Abs(sim[i][j] - ref.At(i)[j]); d > 0.05 {
				t.Fatalf("t=%g component %d: simulated %g, true %g", ts[i], j, sim[i][j], ref.At(i)[j])
			}
		}
	}
	pred, err := m.Predict(z[:5])
	if err != nil {
		t.Fatal(err)
	}
	for r := range pred {
		for j := range 3 {
			if math.Abs(pred[r][j]-dz[r][j]) > 1e-2*(1+math.Abs(dz[r][j])) {
				t.Errorf("Predict row %d: %v, true %v", r, pred[r], dz[r])
			}
		}
	}
}

func TestFitUniformFiniteDifferences(t *testing.T) {
	z, _ := lorenzData(t)
	m := New(NewLibrary(3).Polynomial(2).MustLibrary())
	if err := m.FitUniform(z[:500], 0.01); err != nil {
		t.Fatal(err)
	}
	xi := m.Coefficients()
	// With second-order finite differences on dt = 0.01 the coefficients are within a few percent.
	if math.Abs(xi[1][0]+10) > 0.5 || math.Abs(xi[1][1]-28) > 1 || math.Abs(xi[3][2]+8.0/3) > 0.15 {
		t.Errorf("finite-difference fit: σ=%g ρ=%g β=%g\n%s", -xi[1][0], xi[1][1], -xi[3][2], m)
	}
}

func TestFiniteDifferenceOrder(t *testing.T) {
	// Exact for quadratics.
	var z [][]float64
	for i := range 6 {
		x := float64(i) * 0.5
		z = append(z, []float64{x*x - 3*x})
	}
	d, err := FiniteDifference(z, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d {
		if w := 2*float64(i)*0.5 - 3; math.Abs(d[i][0]-w) > 1e-12 {
			t.Errorf("d[%d] = %g, want %g", i, d[i][0], w)
		}
	}
}

func TestBadInput(t *testing.T) {
	lib := NewLibrary(2).Polynomial(2).MustLibrary()
	m := New(lib)
	if err := m.Fit([][]float64{{1, 2}}, [][]float64{{1}}); !errors.Is(err, ErrInput) {
		t.Errorf("mismatched dims: %v", err)
	}
	if err := m.Fit([][]float64{{1, math.NaN()}}, [][]float64{{1, 2}}); !errors.Is(err, ErrInput) {
		t.Errorf("NaN: %v", err)
	}
	if err := New(lib).Optimizer(STLSQ{Threshold: -1, MaxIter: 1}).Fit([][]float64{{1, 2}}, [][]float64{{1, 2}}); !errors.Is(err, ErrInput) {
		t.Errorf("negative threshold: %v", err)
	}
	if _, err := m.Simulate([]float64{1, 2}, []float64{0, 1}); !errors.Is(err, ErrInput) {
		t.Errorf("simulate unfitted: %v", err)
	}
	if _, err := FiniteDifference([][]float64{{1}, {2}, {3}}, 0); !errors.Is(err, ErrInput) {
		t.Errorf("dt=0: %v", err)
	}
	if _, err := FromCoefficients(lib, [][]float64{{1, 2}}); !errors.Is(err, ErrInput) {
		t.Errorf("FromCoefficients wrong rows: %v", err)
	}
	// Issue #26 item 4: non-finite coefficients are rejected naming the row and column, and a model
	// that holds them anyway (set by an optimizer) is not reported as a "dimension mismatch".
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		xi := make([][]float64, lib.Size())
		for i := range xi {
			xi[i] = []float64{0, 0}
		}
		xi[3][1] = bad
		_, err := FromCoefficients(lib, xi)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "Ξ[3][1]") || !strings.Contains(err.Error(), `"z1^2"`) {
			t.Errorf("FromCoefficients with %g: %v, want ErrInput naming Ξ[3][1] (term z1^2)", bad, err)
		}
		m := &Model{lib: lib, opt: DefaultSTLSQ(), xi: xi}
		_, err = m.Simulate([]float64{1, 2}, []float64{0, 1})
		if !errors.Is(err, ErrInput) || strings.Contains(err.Error(), "dimension") || !strings.Contains(err.Error(), "Ξ[3][1]") {
			t.Errorf("Simulate with a %g coefficient: %v, want ErrInput naming Ξ[3][1]", bad, err)
		}
		if _, err := m.Predict([][]float64{{1, 2}}); !errors.Is(err, ErrInput) {
			t.Errorf("Predict with a %g coefficient: %v", bad, err)
		}
	}
	fitted, err := FromCoefficients(lib, make2(lib.Size(), 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"NaN initial state", second(fitted.Simulate([]float64{math.NaN(), 0}, []float64{0, 1})), "z0[0] = NaN"},
		{"short initial state", second(fitted.Simulate([]float64{1}, []float64{0, 1})), "1 values, want 2"},
		{"one output time", second(fitted.Simulate([]float64{1, 1}, []float64{0})), "at least 2 output times"},
		{"decreasing times", second(fitted.Simulate([]float64{1, 1}, []float64{0, 1, 0.5})), "output times"},
		{"negative bound", second(fitted.SimulateWith([]float64{1, 1}, []float64{0, 1}, SimOptions{Bound: -1})), "bound -1"},
		{"inputs for a model without", second(fitted.SimulateControl([]float64{1, 1}, []float64{0, 1}, func(float64) []float64 { return nil })), "without control inputs"},
		{"nil input function", second(fitted.SimulateControl([]float64{1, 1}, []float64{0, 1}, nil)), "nil input function"},
		{"predict wrong width", second(fitted.Predict([][]float64{{1, 2, 3}})), "row 0 has 3 values"},
		{"predict flat ragged", second(fitted.PredictFlat(nil, []float64{1, 2, 3}, nil)), "whole number"},
		{"predict flat inputs", second(fitted.PredictFlat(nil, []float64{1, 2}, []float64{1})), "1 input values"},
		{"Optimizer(nil) then fit NaN", New(lib).Optimizer(nil).Fit([][]float64{{1, math.NaN()}}, [][]float64{{1, 2}}), "NaN"},
	} {
		if !errors.Is(c.err, ErrInput) && !errors.Is(c.err, ode.ErrSaveat) || !strings.Contains(fmt.Sprint(c.err), c.want) {
			t.Errorf("%s: err = %v, want an error naming %q", c.name, c.err, c.want)
		}
	}
}

func make2(r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
	}
	return out
}

func second[T any](_ T, err error) error { return err }
