package experiments

import (
	"io"
	"math"
	"os"
	"testing"
)

// TestLEDVanDerPol trains the quick Van der Pol propagator for the number of epochs --set asks
// and forecasts the test trajectory with it.
func TestLEDVanDerPol(t *testing.T) {
	e, r := quickRunOf(t, "led-van-der-pol", "Fit.Epochs", "2", "Fit.Patience", "0")
	tr, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := metricOf(t, tr, "propagator_epochs"); n != 2 {
		t.Errorf("trained %g epochs, want the 2 of --set Fit.Epochs=2", n)
	}
	ev, err := e.Eval(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	if m := metricOf(t, ev, "model_error"); math.IsNaN(m) || m <= 0 {
		t.Errorf("model error %g", m)
	}
	r.Model = t.TempDir()
	if _, err := e.Eval(r); err == nil {
		t.Error("Eval of an empty model directory succeeded")
	}
}

// TestShippedFHNAutoencoder checks the bars on the shipped full-mode grid models through the
// experiment's evaluation: mean relative reconstruction error on the held-out samples of the
// report's data set at most 5%, and LED's forecast of them at most 15% (pkg/led's
// TestShippedFHNForecast measures the same forecast directly).
func TestShippedFHNAutoencoder(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the full FHN data set")
	}
	e, err := Get("led-fhn-grid")
	if err != nil {
		t.Fatal(err)
	}
	p, err := RepoPath(e.Shipped + "/fhn_autoencoder.ckpt")
	if err != nil {
		t.Skip(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no shipped model: %v", err)
	}
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	ev, err := e.Eval(&Run{Config: e.Config(false), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	if mean := metricOf(t, ev, "heldout_rel_error"); !(mean <= 0.05) {
		t.Errorf("mean relative reconstruction error %.4f (bar 0.05)", mean)
	}
	if mean := metricOf(t, ev, "forecast_rel_error"); !(mean <= 0.15) {
		t.Errorf("LED forecast: mean relative snapshot error %.4f over the held-out samples (bar 0.15)", mean)
	}
}
