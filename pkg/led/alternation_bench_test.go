package led

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dynlearn/dynlearn/internal/checkout"
)

// latticeBench is the shipped lattice LED and its alternation test, built once for all T_m.
var latticeBench struct {
	once  sync.Once
	model *LED
	test  *AlternationTest
	err   error
}

func shippedLatticeLED() (*LED, *AlternationTest, error) {
	b := &latticeBench
	b.once.Do(func() {
		root, err := checkout.Root()
		if err != nil {
			b.err = err
			return
		}
		s := Lattice(false)
		d, err := s.Trajectories()
		if err != nil {
			b.err = err
			return
		}
		sc, err := LatticeScaler(d, s.Train)
		if err != nil {
			b.err = err
			return
		}
		ae, err := LoadAutoencoder(filepath.Join(root, "notebooks/models/led/lattice_autoencoder.ckpt"))
		if err != nil {
			b.err = err
			return
		}
		p, err := LoadPropagator(filepath.Join(root, "notebooks/models/led/lattice_propagator.ckpt"))
		if err != nil {
			b.err = err
			return
		}
		b.model = s.LED(ae, sc, p)
		if b.err = b.model.UseFast(); b.err != nil {
			return
		}
		test, err := s.TestTrajectories()
		if err != nil {
			b.err = err
			return
		}
		b.test = s.Alternation(test)
	})
	return b.model, b.test, b.err
}

// BenchmarkLatticeAlternation measures LED's micro/macro alternation on the FHN lattice with the
// shipped models as LED's FHN figure: T_μ = 10, horizon 8000 coarse steps, each T_m of the grid,
// over the held-out initial conditions of Lattice(false).Test. It reports the speed-up against the
// RK4 micro solver alone, the mean relative L2 error and LED's MNAD. Run with -benchtime 1x.
func BenchmarkLatticeAlternation(b *testing.B) {
	m, test, err := shippedLatticeLED()
	if err != nil {
		b.Fatal(err)
	}
	for _, tm := range Lattice(false).MacroGrid {
		b.Run(fmt.Sprintf("Tm=%d", tm), func(b *testing.B) {
			var pt AlternationPoint
			for b.Loop() {
				pts, err := test.Measure(m, []int{tm})
				if err != nil {
					b.Fatal(err)
				}
				pt = pts[0]
			}
			b.ReportMetric(pt.Speedup, "speedup")
			b.ReportMetric(pt.RelError, "relerr")
			b.ReportMetric(pt.MNAD, "mnad")
			b.ReportMetric(pt.Seconds, "led-s")
			b.ReportMetric(pt.SolverSeconds, "solver-s")
		})
	}
}

// TestShippedLatticeAlternation checks the accuracy half of LED's claim on the shipped lattice
// models: with T_m = 1000 latent steps per T_μ = 10 solver steps (ρ = 100) over LED's horizon of
// 8000 steps, the mean relative error over the held-out initial conditions is at most 10%. (The
// speed-up, a timing, is measured by BenchmarkLatticeAlternation.)
func TestShippedLatticeAlternation(t *testing.T) {
	if testing.Short() {
		t.Skip("integrates the lattice for 3 x 8000 steps")
	}
	m, test, err := shippedLatticeLED()
	if err != nil {
		t.Fatal(err)
	}
	pts, err := test.Measure(m, []int{1000})
	if err != nil {
		t.Fatal(err)
	}
	pt := pts[0]
	t.Logf("T_m = 1000, T_mu = 10, horizon %d: relative error %.2f%% (per initial condition %.3f), MNAD %.4f, speed-up %.0fx",
		test.Horizon, 100*pt.RelError, pt.RelErrors, pt.MNAD, pt.Speedup)
	if pt.RelError > 0.10 {
		t.Errorf("mean relative error %.3f > 0.10", pt.RelError)
	}
}
