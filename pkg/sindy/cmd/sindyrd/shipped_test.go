package main

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/reactiondiffusion"
	"github.com/dynlearn/dynlearn/pkg/sindy/cmd/internal/runout"
)

// shipped is the model this command wrote at the paper's configuration, shipped with the notebook.
const shipped = "../../../../notebooks/models/sindy_reaction_diffusion/model.ckpt"

// TestShippedModel checks the shipped reaction-diffusion model on the paper's test interval (the last
// 10% in time of the 100×100 simulation, generated on first use: about 4 minutes and 800 MB on disk):
//   - decoder relative error ≤ 2e-2 (the bar; the paper's model: 1.59e-2);
//   - two active terms, as in the paper's models (z1' = a z2 or a sin z2, z2' = b z1);
//   - the discovered model is an oscillator at the spiral's rotation period: its linearization at
//     z = 0 (the z and sin z terms) couples z1 and z2 with opposite signs, and its simulation from the
//     encoded first test snapshot oscillates with the period of the encoder's z1 and of the brightest
//     pixel, within 2%.
func TestShippedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model and the paper's reaction-diffusion data")
	}
	dc := reactiondiffusion.PaperConfig()
	data, err := reactiondiffusion.Load(dc)
	if err != nil {
		t.Fatal(err)
	}
	test := data.Test
	sh, err := runout.EvaluateShipped(shipped, dc.Dim(), aeData(test))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sh)
	m, mt := sh.Model, sh.Test
	if !(mt.RelX <= 2e-2) {
		t.Errorf("decoder relative error %.3g, bar 2e-2", mt.RelX)
	}

	if n := m.ActiveTerms(); n != 2 {
		t.Errorf("%d active terms, want the paper's 2", n)
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
	names := m.Library().Names()
	lin := func(col int, v string) float64 { // d(z_col')/dv at z = 0 from the v and sin v terms
		s := 0.0
		for i, n := range names {
			if n == v || n == "sin("+v+")" {
				s += xi[i][col]
			}
		}
		return s
	}
	if a, b := lin(0, "z2"), lin(1, "z1"); !(a*b < 0) {
		t.Errorf("linearization at 0: z1' ≈ %.3g z2, z2' ≈ %.3g z1: not an oscillator (want opposite signs)", a, b)
	}

	z, _, err := m.Encode(aeData(test))
	if err != nil {
		t.Fatal(err)
	}
	ts := test.T
	sim, err := sm.Simulate(z[0], ts)
	if err != nil {
		t.Fatal(err)
	}
	col := func(rows [][]float64, j int) []float64 {
		c := make([]float64, len(rows))
		for i := range rows {
			c[i] = rows[i][j]
		}
		return c
	}
	brightest, best := 0, 0.0
	for j, v := range test.Row(0) {
		if a := math.Abs(float64(v)); a > best {
			brightest, best = j, a
		}
	}
	pixel := make([]float64, test.N())
	for i := range pixel {
		pixel[i] = float64(test.Row(i)[brightest])
	}
	period := func(name string, x []float64) float64 {
		p, err := reactiondiffusion.Period(ts, x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return p
	}
	pPixel, pEnc, pSim := period("pixel", pixel), period("encoder z1", col(z, 0)), period("simulated z1", col(sim, 0))
	t.Logf("rotation period: pixel %.4f, encoder %.4f, discovered model %.4f", pPixel, pEnc, pSim)
	for name, p := range map[string]float64{"encoder": pEnc, "discovered model": pSim} {
		if math.Abs(p-pPixel) > 0.02*pPixel {
			t.Errorf("%s period %.4f differs from the spiral's %.4f by more than 2%%", name, p, pPixel)
		}
	}
}
