package ode_test

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

func TestNamedTableaux(t *testing.T) {
	for _, tab := range []*ode.Tableau{ode.Euler(), ode.Heun(), ode.Ralston(), ode.Midpoint(), ode.RK4(), ode.RK38()} {
		// Rebuilding from the accessors must validate, and order conditions up to 2 must hold.
		re, err := ode.NewTableau(tab.Name(), tab.A(), tab.B(), tab.C())
		if err != nil {
			t.Fatalf("%s: %v", tab.Name(), err)
		}
		if re.Stages() != tab.Stages() {
			t.Errorf("%s: stages %d vs %d", tab.Name(), re.Stages(), tab.Stages())
		}
		if tab.Stages() > 1 {
			s := 0.0
			for i, b := range tab.B() {
				s += b * tab.C()[i]
			}
			near(t, tab.Name()+" sum b·c", s, 0.5, 1e-15)
		}
	}
	// Order-4 conditions of the two 4-stage methods.
	for _, tab := range []*ode.Tableau{ode.RK4(), ode.RK38()} {
		b, c, a := tab.B(), tab.C(), tab.A()
		var bc2, bc3, bac, bcac, bac2, baac float64
		for i := range b {
			bc2 += b[i] * c[i] * c[i]
			bc3 += b[i] * c[i] * c[i] * c[i]
			for j := range b {
				bac += b[i] * a[i][j] * c[j]
				bcac += b[i] * c[i] * a[i][j] * c[j]
				bac2 += b[i] * a[i][j] * c[j] * c[j]
				for k := range b {
					baac += b[i] * a[i][j] * a[j][k] * c[k]
				}
			}
		}
		for _, cond := range []struct {
			name      string
			got, want float64
		}{{"b·c²", bc2, 1.0 / 3}, {"b·c³", bc3, 1.0 / 4}, {"b·Ac", bac, 1.0 / 6}, {"b·(c∘Ac)", bcac, 1.0 / 8}, {"b·Ac²", bac2, 1.0 / 12}, {"b·AAc", baac, 1.0 / 24}} {
			near(t, tab.Name()+" "+cond.name, cond.got, cond.want, 1e-15)
		}
	}
}

func TestNewTableauValidation(t *testing.T) {
	cases := []struct {
		name    string
		A       [][]float64
		b, c    []float64
		mention string
	}{
		{"sum b", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.6}, []float64{0, 1}, "sum to"},
		{"row sum", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.5}, []float64{0, 0.9}, "row 1 of A sums"},
		{"c0", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.5}, []float64{0.1, 1}, "row 0 of A sums"},
		{"diagonal", [][]float64{{0.5, 0}, {0.5, 0.5}}, []float64{0.5, 0.5}, []float64{0.5, 1}, "strictly lower-triangular"},
		{"upper", [][]float64{{0, 1}, {1, 0}}, []float64{0.5, 0.5}, []float64{1, 1}, "strictly lower-triangular"},
		{"empty", nil, nil, nil, "no stages"},
		{"len c", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.5}, []float64{0}, "len(c)=1"},
		{"len A", [][]float64{{0, 0}}, []float64{0.5, 0.5}, []float64{0, 1}, "len(A)=1"},
		{"ragged", [][]float64{{0}, {1, 0}}, []float64{0.5, 0.5}, []float64{0, 1}, "row 0 of A has 1"},
		{"nan", [][]float64{{0, 0}, {math.NaN(), 0}}, []float64{0.5, 0.5}, []float64{0, 1}, "not finite"},
		{"nan b", [][]float64{{0, 0}, {1, 0}}, []float64{math.NaN(), 0.5}, []float64{0, 1}, "not finite"},
	}
	for _, c := range cases {
		_, err := ode.NewTableau(c.name, c.A, c.b, c.c)
		wantErr(t, err, ode.ErrInvalidTableau, c.mention, c.name)
	}
}

// TestCustomTableau integrates with a user-built tableau (SSP-RK3, order 3) and checks its order.
func TestCustomTableau(t *testing.T) {
	tab, err := ode.NewTableau("SSPRK3", [][]float64{{0, 0, 0}, {1, 0, 0}, {0.25, 0.25, 0}}, []float64{1.0 / 6, 1.0 / 6, 2.0 / 3}, []float64{0, 1, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var dts, errs []float64
	for k := 0; k < 4; k++ {
		dt := 0.05 / math.Pow(2, float64(k))
		sol, err := ode.Solve(ode.Problem{F: oscillator, Y0: []float64{1, 0}, T1: 2}, tab, ode.Options{Dt: dt})
		if err != nil {
			t.Fatal(err)
		}
		_, y := sol.Final()
		dts, errs = append(dts, dt), append(errs, math.Hypot(y[0]-math.Cos(2), y[1]+math.Sin(2)))
	}
	if p := slope(dts, errs); math.Abs(p-3) > 0.2 {
		t.Errorf("SSPRK3 observed order %.3f, want 3", p)
	}
}
