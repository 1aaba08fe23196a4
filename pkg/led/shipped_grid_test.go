package led

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dynlearn/dynlearn/internal/checkout"
	"github.com/dynlearn/dynlearn/pkg/fhn"
)

// TestShippedFHNForecast checks the bar on the shipped full-mode grid models: LED forecasts
// each of the 10 held-out samples from its first 200 snapshots to the end (801 snapshots, one
// latent step per 20 snapshots, interpolated, decoded) with a mean relative snapshot error, averaged
// over the samples, of at most 15%.
func TestShippedFHNForecast(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 10 x 801 snapshots with the field decoder")
	}
	s := FHNGrid(false)
	g, sc, aePath := shippedGrid(t, "fhn_autoencoder.ckpt")
	ae, err := LoadAutoencoder(aePath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPropagator(filepath.Join(filepath.Dir(aePath), "fhn_propagator.ckpt"))
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
	checkHeldOut(t, fmt.Sprintf("grid forecast (%d snapshots after %d observed): mean relative snapshot error", g.Steps()-s.Warmup, s.Warmup),
		errs, 0.15)
}

// TestShippedFHNConvAutoencoder checks the bar on the shipped report's convolutional
// autoencoder of the grid (ReportConvAutoencoder without dropout, output ½ + ½·tanh): each of the
// 10 held-out samples, scaled, encoded and decoded, has a relative L2 error of at most 5% on average.
func TestShippedFHNConvAutoencoder(t *testing.T) {
	if testing.Short() {
		t.Skip("reconstructs 10 x 1001 snapshots with the convolutional autoencoder")
	}
	s := FHNGrid(false) // the grid's data and held-out split
	g, _, path := shippedGrid(t, "fhn_conv_autoencoder.ckpt")
	ae, err := LoadAutoencoder(path)
	if err != nil {
		t.Fatal(err)
	}
	if c := ae.Config; len(c.Conv) != 3 || c.Conv[0] != (ConvSpec{8, 3}) || c.Conv[2] != (ConvSpec{32, 3}) || len(c.Field) != 0 || c.Latent != 10 {
		t.Errorf("shipped configuration %+v is not the report's convolutional network", c)
	}
	errs, err := s.HeldOutErrors(ae, g)
	if err != nil {
		t.Fatal(err)
	}
	checkHeldOut(t, "convolutional autoencoder: mean relative reconstruction error", errs, 0.05)
}

// TestShippedSuperresolution checks the bar on the shipped full-mode super-resolution
// autoencoder (the report's convolutional network, SuperResolution(false).AE): from the 10×10×2
// observation of each of the 10 held-out samples, the 20×20×2 reconstruction has a relative L2
// error of at most 10% on average.
func TestShippedSuperresolution(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 10 x 1001 snapshots with the convolutional autoencoder")
	}
	s := SuperResolution(false) // the grid's data, samples and held-out split
	g, sc, path := shippedGrid(t, "fhn_superres.ckpt")
	ae, err := LoadAutoencoder(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ae.Config, s.AE) {
		t.Errorf("shipped configuration %+v is not the full-mode setup's %+v", ae.Config, s.AE)
	}
	var errs []float64
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
	}
	checkHeldOut(t, "super-resolution 10x10 -> 20x20: mean relative error", errs, 0.10)
}

// checkHeldOut logs the per-sample errors of the 10 held-out samples and checks their mean against
// the bar.
func checkHeldOut(t *testing.T, what string, errs []float64, bar float64) {
	t.Helper()
	mean := 0.0
	for _, e := range errs {
		mean += e / float64(len(errs))
	}
	t.Logf("%s %.2f%% over %d held-out samples (per sample %.3f)", what, 100*mean, len(errs), errs)
	if len(errs) != 10 {
		t.Errorf("%d held-out samples, want 10", len(errs))
	}
	if !(mean <= bar) {
		t.Errorf("%s %.4f > %g", what, mean, bar)
	}
}

// shippedGrid returns the full-mode grid data set, its scaler and the path of the shipped LED model
// called name (notebooks/models/led/name).
func shippedGrid(t *testing.T, name string) (*fhn.Grid, *Scaler, string) {
	t.Helper()
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
	return g, sc, filepath.Join(root, "notebooks/models/led", name)
}
