package ode_test

import (
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// championLorenzSetup returns Champion et al.'s Lorenz data setup: n initial conditions drawn from their
// box, output times np.arange(0, 5, 0.02) (250 samples, dt = 0.02) and the problem on [0, 4.98].
func championLorenzSetup(b *testing.B, n int) (ode.Problem, [][]float64, []float64) {
	lo, hi := systems.ChampionLorenzBox()
	ics, err := ode.UniformBox(n, lo, hi, 1)
	if err != nil {
		b.Fatal(err)
	}
	ts := make([]float64, 250)
	for i := range ts {
		ts[i] = 0.02 * float64(i)
	}
	return systems.DefaultLorenz().Problem(nil, 0, ts[len(ts)-1]), ics, ts
}

// BenchmarkLorenzBatchDP integrates 1024 Lorenz trajectories of 250 output steps (dt = 0.02, t in [0, 5))
// with Dormand-Prince at rtol = atol = 1e-10 on all cores. `go run ./cmd/dynlearn bench ode-lorenz` compares the
// same workload with scipy's odeint.
func BenchmarkLorenzBatchDP(b *testing.B) {
	p, ics, ts := championLorenzSetup(b, 1024)
	o := ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts}
	steps := 0
	for b.Loop() {
		sols, err := ode.SolveBatch(p, ics, ode.DormandPrince(), o)
		if err != nil {
			b.Fatal(err)
		}
		steps = 0
		for _, s := range sols {
			steps += s.Stats.Steps
		}
	}
	b.ReportMetric(float64(steps)/float64(len(ics)), "steps/traj")
}

// BenchmarkLorenzDPSingle is one trajectory of the same workload on one goroutine.
func BenchmarkLorenzDPSingle(b *testing.B) {
	p, ics, ts := championLorenzSetup(b, 1)
	p.Y0 = ics[0]
	o := ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ode.Solve(p, ode.DormandPrince(), o); err != nil {
			b.Fatal(err)
		}
	}
}
