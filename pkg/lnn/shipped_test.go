package lnn

import (
	"os"
	"testing"
)

// TestShippedModelsEnergy checks the shipped full-mode models on the paper's energy test, shortened to
// t = 10 (the full t = 100 is `go run ./pkg/lnn/cmd/energy`): over the paper's 40 initial conditions
// no LNN rollout diverges and the LNN's mean relative energy error is below the baseline's (the
// paper's claim; there 0.0043 against 0.074 at t = 100).
func TestShippedModelsEnergy(t *testing.T) {
	if testing.Short() {
		t.Skip("rolls out 80 trajectories")
	}
	s, err := DoublePendulumSetup(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.ShippedLNN, s.ShippedBaseline} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no shipped model: %v", err)
		}
	}
	b := testBackend(t)
	rc := DefaultRollout()
	rc.T1 = 10
	report := func(net Net, path string) *EnergyReport {
		store, _, err := LoadTrained(path, net)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := EvaluateEnergy(b, net, store, s.System, PaperICs(s.EvalICs), rc)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", net, rep.Summary())
		return rep
	}
	l, bl := report(s.LNN, s.ShippedLNN), report(s.Baseline, s.ShippedBaseline)
	if len(l.Diverged) > 0 {
		t.Errorf("%d LNN rollouts diverged: %s", len(l.Diverged), l.DivergedReason)
	}
	if !(l.Mean < bl.Mean) {
		t.Errorf("LNN mean energy error %.4g, baseline %.4g: the LNN should conserve energy better", l.Mean, bl.Mean)
	}
}
