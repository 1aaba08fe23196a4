package led

import (
	"os"
	"testing"
)

// TestShippedFHNAutoencoder checks the bar on the shipped full-mode grid autoencoder: mean
// relative reconstruction error on the held-out samples of the report's data set at most 5%.
func TestShippedFHNAutoencoder(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the full FHN data set")
	}
	path := ModelPath("fhn_autoencoder.ckpt")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no shipped model: %v", err)
	}
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	ae, err := LoadAutoencoder(path)
	if err != nil {
		t.Fatal(err)
	}
	s := FHNGrid(false)
	g, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	errs, err := s.HeldOutErrors(ae, g)
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, e := range errs {
		mean += e / float64(len(errs))
	}
	t.Logf("held-out relative errors %.4f, mean %.4f", errs, mean)
	if len(errs) != 10 || !(mean <= 0.05) {
		t.Errorf("%d held-out samples, mean relative reconstruction error %.4f (bar 0.05)", len(errs), mean)
	}
}
