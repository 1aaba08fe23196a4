package fhn

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// BenchmarkFHNGridDataset generates the report's full data set: 100 samples of a 20×20 grid with
// 1001 snapshots (T = 500, dt = 0.5, Crank-Nicolson with Newton), on all cores. The report's Python
// generator took over 30 hours serially.
//
//	go test -run '^$' -bench FHNGridDataset -benchtime 1x ./pkg/fhn
func BenchmarkFHNGridDataset(b *testing.B) {
	cfg := DefaultGridConfig()
	for b.Loop() {
		if _, err := GenerateGrid(cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cfg.Samples*cfg.Size*cfg.Size), "cells")
}

// BenchmarkLatticeSolvers integrates the lattice over 1000 coarse time units from a developed front
// with the methods of package ode and reports each one's relative error at the end against the micro
// solver of LED's experiments (RK4 at dt 0.005) and its wall time: the cheapest method that reaches
// 1e-3 is the honest baseline of LED's speed-up. The lattice's diffusion bounds every explicit
// method's step (RK4's stable step is ~0.0063), so RK4 at 0.006 saves about a sixth, the adaptive
// Dormand-Prince method is stability-limited and costs more per unit time (6 evaluations per step
// for a slightly larger stable step), and Crank-Nicolson's Newton solves on 202 unknowns cost far
// more than they save.
func BenchmarkLatticeSolvers(b *testing.B) {
	s := DefaultSolver()
	lat := s.Lattice
	d, err := GenerateLattice(LatticeConfig{Solver: s, CoarseDt: 1, Steps: 20, Warmup: 2, ICs: 1, Seed: 99})
	if err != nil {
		b.Fatal(err)
	}
	y0 := make([]float64, lat.Dim())
	for i := range y0 {
		y0[i] = float64(d.Data[0][20*lat.Dim()+i])
	}
	const T = 1000.0
	ref, err := s.Evolve(y0, 0, T, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		m    ode.Method
		o    ode.Options
	}{
		{"RK4/dt=0.005", ode.RK4(), ode.Options{Dt: 0.005}},
		{"RK4/dt=0.006", ode.RK4(), ode.Options{Dt: 0.006}},
		{"DormandPrince/rtol=1e-3", ode.DormandPrince(), ode.Options{RTol: 1e-3, ATol: 1e-6}},
		{"DormandPrince/rtol=1e-5", ode.DormandPrince(), ode.Options{RTol: 1e-5, ATol: 1e-8}},
		{"CrankNicolson/dt=0.5", ode.CrankNicolson(), ode.Options{Dt: 0.5}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var rel float64
			for b.Loop() {
				o := c.o
				o.Saveat, o.MaxSteps = []float64{0, T}, 1<<30
				sol, err := ode.Solve(lat.Problem(y0, 0, T), c.m, o)
				if err != nil {
					b.Fatal(err)
				}
				y := sol.At(sol.Len() - 1)
				num, den := 0.0, 0.0
				for i := range y {
					num += (y[i] - ref[1][i]) * (y[i] - ref[1][i])
					den += ref[1][i] * ref[1][i]
				}
				rel = math.Sqrt(num / den)
			}
			b.ReportMetric(rel, "relerr")
		})
	}
}
