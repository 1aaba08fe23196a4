package lorenzdata

import (
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// TestShippedModel checks the model shipped in notebooks/models/sindy_lorenz on the paper's 100 test
// trajectories: decoder and ẋ errors under the bars (1e-4 and 1e-3; the paper's model reaches
// 2.7e-5 and 4.7e-4), at most 10 active terms (the bar; the paper's model has 7), and a
// simulated attractor with two lobes: the discovered model integrated from the encoded (-8, 7, 27)
// for t in [0, 20] switches lobes at least 5 times (the encoder's view of the true trajectory: ~11).
func TestShippedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the shipped model and 100 test trajectories")
	}
	m, st, err := autoencoder.Load(ShippedModel())
	if err != nil {
		t.Fatal(err)
	}
	d, err := Generate(Test(100))
	if err != nil {
		t.Fatal(err)
	}
	mt, err := m.Evaluate(d.AE())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shipped model (%d epochs): rel x %.3g, ẋ %.3g, ż %.3g, %d active terms", st.Epoch, mt.RelX, mt.RelXDeriv, mt.RelZDeriv, m.ActiveTerms())
	if !(mt.RelX <= 1e-4) || !(mt.RelXDeriv <= 1e-3) {
		t.Errorf("relative errors x %g (bar 1e-4), ẋ %g (bar 1e-3)", mt.RelX, mt.RelXDeriv)
	}
	if n := m.ActiveTerms(); n < 3 || n > 10 {
		t.Errorf("%d active terms, want between 3 and 10", n)
	}

	ts := make([]float64, 2000)
	for i := range ts {
		ts[i] = 0.01 * float64(i)
	}
	single, err := Single([]float64{-8, 7, 27}, ts)
	if err != nil {
		t.Fatal(err)
	}
	z, _, err := m.Encode(single.AE())
	if err != nil {
		t.Fatal(err)
	}
	sm, err := m.SINDy()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := sm.Simulate(z[0], ts)
	if err != nil {
		t.Fatal(err)
	}
	enc, got := LobeSwitches(z), LobeSwitches(sim)
	t.Logf("lobe switches: encoder %d, discovered model %d", enc, got)
	if got < 5 {
		t.Errorf("the discovered model's attractor switches lobes %d times (encoder: %d): not two-lobed", got, enc)
	}
}
