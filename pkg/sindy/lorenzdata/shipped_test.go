package lorenzdata

import (
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// TestShippedModel checks the model shipped in notebooks/models/sindy_lorenz on the paper's 100 test
// trajectories: decoder and ẋ errors under the bars (1e-4 and 1e-3; the paper's model reaches
// 2.7e-5 and 4.7e-4) and no more active terms than it was shipped with (11; the paper's model has 7).
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
	if n := m.ActiveTerms(); n < 3 || n > 11 {
		t.Errorf("%d active terms, want between 3 and 11", n)
	}
}
