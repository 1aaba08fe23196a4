package led

import (
	"path/filepath"
	"testing"

	"github.com/dynlearn/dynlearn/internal/checkout"
)

// TestShippedSuperresolution checks the bar on the shipped full-mode super-resolution
// autoencoder: from the 10×10×2 observation of each of the 10 held-out samples, the 20×20×2
// reconstruction has a relative L2 error of at most 10% on average.
func TestShippedSuperresolution(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 10 x 1001 snapshots with the field decoder")
	}
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	s := SuperResolution(false)
	g, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Scaler(g)
	if err != nil {
		t.Fatal(err)
	}
	ae, err := LoadAutoencoder(filepath.Join(root, "notebooks/models/led/fhn_superres.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	var errs []float64
	mean := 0.0
	for k := len(g.Data) - s.Test; k < len(g.Data); k++ {
		x, _, err := s.Pairs(g, sc, k, k+1)
		if err != nil {
			t.Fatal(err)
		}
		y, err := ae.Reconstruct(x)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := RelativeError(sc.Inverse(y), g.Data[k])
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, rel)
		mean += rel / float64(s.Test)
	}
	t.Logf("super-resolution 10x10 -> 20x20, %d held-out samples: mean relative error %.2f%% (per sample %.3f)", len(errs), 100*mean, errs)
	if len(errs) != 10 {
		t.Errorf("%d held-out samples, want 10", len(errs))
	}
	if mean > 0.10 {
		t.Errorf("mean relative error %.3f > 0.10", mean)
	}
}
