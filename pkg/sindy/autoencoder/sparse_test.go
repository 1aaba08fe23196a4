package autoencoder_test

import (
	"math"
	"slices"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/lorenzdata"
)

// lorenzFit fits Ξ by STLSQ on latents (n × 3, centred and scaled here) and their derivatives and
// returns it with its number of active terms.
func lorenzFit(t *testing.T, z, dz [][]float64, threshold float64) ([][]float64, int) {
	t.Helper()
	theta, err := lorenzdata.Library().Matrix(z)
	if err != nil {
		t.Fatal(err)
	}
	xi, err := sindy.STLSQ{Threshold: threshold, Alpha: 1e-6, MaxIter: 20, Unbias: true}.Fit(theta, dz)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range xi {
		for _, v := range r {
			if v != 0 {
				n++
			}
		}
	}
	return xi, n
}

// apply returns (z - mean) T for every row.
func apply(z [][]float64, mean []float64, tm [][]float64) [][]float64 {
	out := make([][]float64, len(z))
	for i, r := range z {
		out[i] = make([]float64, len(tm[0]))
		for k := range tm[0] {
			for a := range r {
				x := r[a]
				if mean != nil {
					x -= mean[a]
				}
				out[i][k] += x * tm[a][k]
			}
		}
	}
	return out
}

// TestSparsestAxesUnmixesLorenz: the Lorenz equations in linearly mixed coordinates (x and y
// mixed, z tilted) are dense; SparsestAxes finds axes in which STLSQ recovers 8 terms (Lorenz
// centred: the 7 of the paper's form, whose z is shifted by ρ, and ρ' x in ẏ) that align with
// Lorenz (sigma, rho, beta within 1%).
func TestSparsestAxesUnmixesLorenz(t *testing.T) {
	ts := make([]float64, 1001)
	for i := range ts {
		ts[i] = 0.02 * float64(i)
	}
	// Two trajectories mirrored by Lorenz's symmetry (x, y, z) -> (-x, -y, z), so that x and y
	// have mean 0 (centring them then adds no terms), as on the paper's data.
	var z, dz [][]float64
	for _, y0 := range [][]float64{{-8, 7, 27}, {8, -7, 27}} {
		d, err := lorenzdata.Single(y0, ts)
		if err != nil {
			t.Fatal(err)
		}
		z = append(z, d.LatentRows(0, d.N)...)
		for i := range d.N {
			dz = append(dz, append([]float64(nil), d.DZ[3*i:3*i+3]...))
		}
	}
	mix := [][]float64{{1, 0.7, 0.1}, {0.6, -1, 0.2}, {0.1, 0.3, 1}}
	w, dw := apply(z, nil, mix), apply(dz, nil, mix)
	// The mixed coordinates, centred and standardised as the search's are, need many terms.
	mean, std := make([]float64, 3), make([]float64, 3)
	for _, r := range w {
		for k, v := range r {
			mean[k] += v / float64(len(w))
		}
	}
	for _, r := range w {
		for k, v := range r {
			std[k] += (v - mean[k]) * (v - mean[k]) / float64(len(w))
		}
	}
	diag := make([][]float64, 3)
	for k := range diag {
		diag[k] = make([]float64, 3)
		diag[k][k] = 1 / math.Sqrt(std[k])
	}
	if _, n := lorenzFit(t, apply(w, mean, diag), apply(dw, nil, diag), 0.1); n <= 12 {
		t.Fatalf("the mixed coordinates already have %d terms: the test does not test anything", n)
	}
	res, origin, tm, err := autoencoder.SparsestAxes(lorenzdata.Library(), w, make([][]float64, len(w)), dw, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("relative residual of the best 8-term model: %.3g before, %.3g after (%d candidates)", res.Before, res.After, res.Candidates)
	xi, n := lorenzFit(t, apply(w, origin, tm), apply(dw, nil, tm), 0.1)
	if n > 8 {
		t.Errorf("after the search: %d active terms, want <= 8", n)
	}
	al, err := lorenzdata.Align(xi)
	if err != nil {
		t.Fatalf("after the search: %v", err)
	}
	s, r, b := al.Parameters()
	t.Logf("%d terms; sigma %.3f rho %.3f beta %.3f (shear %.3g)", n, s, r, b, al.Shear)
	if e := al.ParameterError(); e > 0.01 {
		t.Errorf("sigma %.3f rho %.3f beta %.3f: %.1f%% from Lorenz's, want <= 1%%", s, r, b, 100*e)
	}
}

// TestSparsestAxesPendulumAngle: a latent that is the pendulum's angle up to scale and offset,
// z = 0.5 θ - 0.3, needs a cubic and a sine to describe z̈; SparsestAxes with a budget of one term
// recovers the angle's scale and offset, in which STLSQ finds the paper's z̈ = -sin z alone.
func TestSparsestAxesPendulumAngle(t *testing.T) {
	rhs := func(s [2]float64) [2]float64 { return [2]float64{s[1], -math.Sin(s[0])} }
	var z, dz, ddz [][]float64
	for _, amp := range []float64{0.4, 0.9, 1.3, 1.8, 2.2, 2.6} {
		s := [2]float64{amp, 0}
		const h = 0.01
		for step := range 1500 {
			if step%5 == 0 {
				d := rhs(s)
				z = append(z, []float64{0.5*s[0] - 0.3})
				dz = append(dz, []float64{0.5 * s[1]})
				ddz = append(ddz, []float64{0.5 * d[1]})
			}
			k1 := rhs(s)
			k2 := rhs([2]float64{s[0] + h/2*k1[0], s[1] + h/2*k1[1]})
			k3 := rhs([2]float64{s[0] + h/2*k2[0], s[1] + h/2*k2[1]})
			k4 := rhs([2]float64{s[0] + h*k3[0], s[1] + h*k3[1]})
			for i := range s {
				s[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		}
	}
	lib := sindy.NewLibrary(2).Polynomial(3).Sine().MustLibrary()
	fit := func(w, dw, ddw [][]float64) ([][]float64, []string) {
		vars := make([][]float64, len(w))
		for i := range w {
			vars[i] = []float64{w[i][0], dw[i][0]}
		}
		theta, err := lib.Matrix(vars)
		if err != nil {
			t.Fatal(err)
		}
		xi, err := sindy.STLSQ{Threshold: 0.1, Alpha: 1e-6, MaxIter: 20, Unbias: true}.Fit(theta, ddw)
		if err != nil {
			t.Fatal(err)
		}
		var active []string
		for i, r := range xi {
			if r[0] != 0 {
				active = append(active, lib.Names()[i])
			}
		}
		return xi, active
	}
	if _, active := fit(z, dz, ddz); len(active) <= 1 {
		t.Fatalf("z = 0.5θ - 0.3 already fits with %v: the test does not test anything", active)
	}
	res, origin, tm, err := autoencoder.SparsestAxes(lib, z, dz, ddz, 1)
	if err != nil {
		t.Fatal(err)
	}
	xi, active := fit(apply(z, origin, tm), apply(dz, nil, tm), apply(ddz, nil, tm))
	t.Logf("residual %.3g -> %.3g; w = (z - %.4f) × %.4f; active %v", res.Before, res.After, origin[0], tm[0][0], active)
	sinIdx := slices.Index(lib.Names(), "sin(z1)")
	if len(active) != 1 || active[0] != "sin(z1)" || math.Abs(xi[sinIdx][0]+1) > 0.01 {
		t.Errorf("after the search: %v with sin coefficient %.4f, want z̈ = -sin z alone", active, xi[sinIdx][0])
	}
}
