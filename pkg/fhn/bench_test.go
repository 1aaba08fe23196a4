package fhn

import "testing"

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
