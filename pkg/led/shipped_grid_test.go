package led

import (
	"path/filepath"
	"testing"

	"github.com/dynlearn/dynlearn/internal/checkout"
)

// TestShippedFHNForecast checks the bar on the shipped full-mode grid models: LED forecasts
// each of the 10 held-out samples from its first 200 snapshots to the end (801 snapshots, one
// latent step per 20 snapshots, interpolated, decoded) with a mean relative snapshot error, averaged
// over the samples, of at most 15%.
func TestShippedFHNForecast(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 10 x 801 snapshots with the field decoder")
	}
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	s := FHNGrid(false)
	g, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Scaler(g)
	if err != nil {
		t.Fatal(err)
	}
	ae, err := LoadAutoencoder(filepath.Join(root, "notebooks/models/led/fhn_autoencoder.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPropagator(filepath.Join(root, "notebooks/models/led/fhn_propagator.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.LED(ae, sc, p)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := s.ForecastErrors(l, g)
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, e := range errs {
		mean += e / float64(len(errs))
	}
	t.Logf("grid forecast, %d held-out samples, %d snapshots after %d observed: mean relative snapshot error %.2f%% (per sample %.3f)",
		len(errs), g.Steps()-s.Warmup, s.Warmup, 100*mean, errs)
	if len(errs) != 10 {
		t.Errorf("%d held-out samples, want 10", len(errs))
	}
	if mean > 0.15 {
		t.Errorf("mean relative snapshot error %.3f > 0.15", mean)
	}
}
