package ode_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

func TestUniformBox(t *testing.T) {
	lo, hi := systems.ChampionLorenzBox()
	a, err := ode.UniformBox(500, lo, hi, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ode.UniformBox(500, lo, hi, 42)
	c, _ := ode.UniformBox(500, lo, hi, 43)
	same, diff := true, false
	mean := make([]float64, 3)
	for i := range a {
		for j := range 3 {
			if a[i][j] < lo[j] || a[i][j] >= hi[j] {
				t.Fatalf("point %d = %v outside the box", i, a[i])
			}
			same = same && a[i][j] == b[i][j]
			diff = diff || a[i][j] != c[i][j]
			mean[j] += a[i][j] / 500
		}
	}
	if !same || !diff {
		t.Errorf("same seed identical: %v, different seeds differ: %v", same, diff)
	}
	for j := range 3 {
		// Standard error of the mean of U[lo,hi] with 500 samples is (hi-lo)/sqrt(12·500) ≈ 0.013(hi-lo).
		near(t, "mean", mean[j], (lo[j]+hi[j])/2, 0.05*(hi[j]-lo[j]))
	}
	if _, err := ode.UniformBox(3, []float64{0, 0}, []float64{1}, 1); !errors.Is(err, ode.ErrDimension) {
		t.Errorf("mismatched bounds: %v", err)
	}
	if _, err := ode.UniformBox(3, []float64{1}, []float64{0}, 1); err == nil {
		t.Error("lo > hi accepted")
	}
}

func TestSolveBatchDeterministicAndOrdered(t *testing.T) {
	l := systems.DefaultLorenz()
	lo, hi := systems.ChampionLorenzBox()
	ics, err := ode.UniformBox(37, lo, hi, 7)
	if err != nil {
		t.Fatal(err)
	}
	saves := make([]float64, 50)
	for i := range saves {
		saves[i] = 0.02 * float64(i)
	}
	p := l.Problem(nil, 0, saves[len(saves)-1])
	o := ode.Options{RTol: 1e-8, ATol: 1e-8, Saveat: saves}
	par, err := ode.SolveBatch(p, ics, ode.DormandPrince(), o)
	if err != nil {
		t.Fatal(err)
	}
	o1 := o
	o1.Workers = 1
	seq, err := ode.SolveBatch(p, ics, ode.DormandPrince(), o1)
	if err != nil {
		t.Fatal(err)
	}
	o3 := o
	o3.Workers = 3
	par3, err := ode.SolveBatch(p, ics, ode.DormandPrince(), o3)
	if err != nil {
		t.Fatal(err)
	}
	if len(par) != len(ics) {
		t.Fatalf("%d solutions for %d initial conditions", len(par), len(ics))
	}
	for i, ic := range ics {
		q := p
		q.Y0 = ic
		one, err := ode.Solve(q, ode.DormandPrince(), o)
		if err != nil {
			t.Fatal(err)
		}
		for k := range one.Y {
			for j := range 3 {
				if par[i].Y[k][j] != one.Y[k][j] || seq[i].Y[k][j] != one.Y[k][j] || par3[i].Y[k][j] != one.Y[k][j] {
					t.Fatalf("trajectory %d differs from a single Solve at output %d", i, k)
				}
			}
		}
		if par[i].Y[0][0] != ic[0] {
			t.Fatalf("trajectory %d does not start at its initial condition", i)
		}
	}
}

func TestSolveBatchError(t *testing.T) {
	ics := [][]float64{{1, 0}, {0, 1}, {math.NaN(), 0}, {1, 1}, {0, math.Inf(1)}}
	p := ode.Problem{F: oscillator, T1: 1}
	for range 3 {
		_, err := ode.SolveBatch(p, ics, ode.RK4(), ode.Options{Dt: 0.1, Workers: 2})
		wantErr(t, err, ode.ErrNonFinite, "initial condition 2")
	}
	sols, err := ode.SolveBatch(p, nil, ode.RK4(), ode.Options{Dt: 0.1})
	if err != nil || len(sols) != 0 {
		t.Errorf("empty batch: %v, %d solutions", err, len(sols))
	}
	_, err = ode.SolveBatch(p, ics[:2], nil, ode.Options{Dt: 0.1})
	wantErr(t, err, ode.ErrInvalidMethod)
}
