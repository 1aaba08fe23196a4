package main

import (
	"math"
	"slices"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
	"github.com/dynlearn/dynlearn/pkg/sindy/cmd/internal/runout"
)

// shipped is the model this command wrote, shipped with the notebook.
const shipped = "../../../../notebooks/models/sindy_pendulum/model.ckpt"

// TestShippedModel checks the shipped pendulum model on the paper's 10 test movies:
//   - it keeps sin z, and its SINDy error in z (z̈) is at most 2e-2 (the bar; the paper's model:
//     2.11e-2 with sin z alone);
//   - the encoder has found the angle: z is a linear function of the true θ with correlation ≥ 0.99;
//   - the discovered equation, simulated from each movie's encoded first frame and velocity, keeps the
//     encoder's swing (median error ≤ 5%) and follows its z(t) over the first 2.5 time units (median
//     error ≤ 10% of the spread of z).
func TestShippedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model and renders the paper's test movies")
	}
	test, err := pendulumimages.Generate(pendulumimages.Test(10))
	if err != nil {
		t.Fatal(err)
	}
	sh, err := runout.EvaluateShipped(shipped, pendulumimages.Dim, aeData(test))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sh)
	m, mt := sh.Model, sh.Test
	if !(mt.RelZDeriv <= 2e-2) {
		t.Errorf("SINDy relative error in z̈ %.3g, bar 2e-2", mt.RelZDeriv)
	}
	sm, err := m.SINDy()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("discovered model: %v", sm.Equations(3))
	xi, err := m.Coefficients()
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(m.Library().Names(), "sin(z1)"); i < 0 || xi[i][0] == 0 {
		t.Errorf("sin z is not in the discovered model")
	}

	z, dz, err := m.Encode(aeData(test))
	if err != nil {
		t.Fatal(err)
	}
	var sz, sth, szz, stt, szt float64
	for i, row := range z {
		v, th := row[0], test.Z[i]
		sz, sth, szz, stt, szt = sz+v, sth+th, szz+v*v, stt+th*th, szt+v*th
	}
	n := float64(len(z))
	corr := (szt/n - sz/n*sth/n) / math.Sqrt((szz/n-sz/n*sz/n)*(stt/n-sth/n*sth/n))
	t.Logf("correlation of z with the true angle: %.4f", corr)
	if !(math.Abs(corr) >= 0.99) {
		t.Errorf("|correlation of z with θ| = %.4f, want ≥ 0.99", math.Abs(corr))
	}

	// The discovered equation simulated from each movie's encoded first frame: a conservative
	// oscillator keeps the encoder's swing (range of z over the movie) and, before phase errors add up,
	// follows z(t) closely (the first quarter of the movie, 2.5 time units; error relative to the
	// standard deviation of the encoder's z).
	nm := test.Trajectories()
	swing, early := make([]float64, nm), make([]float64, nm)
	for k := range nm {
		lo := k * test.Steps
		sim, err := sm.Simulate([]float64{z[lo][0], dz[lo][0]}, test.T)
		if err != nil {
			t.Fatalf("movie %d: %v", k, err)
		}
		smin, smax, emin, emax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		var mean, sq, num float64
		for i := range test.Steps {
			s, e := sim[i][0], z[lo+i][0]
			smin, smax, emin, emax = math.Min(smin, s), math.Max(smax, s), math.Min(emin, e), math.Max(emax, e)
			mean, sq = mean+e, sq+e*e
			if i < test.Steps/4 {
				num += (s - e) * (s - e)
			}
		}
		n := float64(test.Steps)
		sd := math.Sqrt(sq/n - (mean/n)*(mean/n))
		swing[k] = math.Abs((smax-smin)/(emax-emin) - 1)
		early[k] = math.Sqrt(num/float64(test.Steps/4)) / sd
		t.Logf("movie %d (θ0 %+.2f, ω0 %+.2f): swing of the simulation off by %.1f%%, first-quarter error %.3g of the encoder's spread",
			k, test.ICs[k][0], test.ICs[k][1], 100*swing[k], early[k])
	}
	slices.Sort(swing)
	slices.Sort(early)
	if med := swing[nm/2]; !(med <= 0.05) {
		t.Errorf("median relative swing error of the simulations %.3g, want ≤ 0.05", med)
	}
	if med := early[nm/2]; !(med <= 0.1) {
		t.Errorf("median first-quarter error of the simulations %.3g, want ≤ 0.1", med)
	}
}
