package experiments

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestLNNBaseline trains the quick baseline for the epochs --set asks, under the shipped file name
// of its size, and runs the energy test on it.
func TestLNNBaseline(t *testing.T) {
	e, r := quickRunOf(t, "lnn-baseline", "train.Epochs", "2", "eval_ics", "2", "held_out", "false")
	tr, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := metricOf(t, tr, "epochs"); n != 2 {
		t.Errorf("trained %g epochs, want the 2 of --set train.Epochs=2", n)
	}
	if _, err := os.Stat(filepath.Join(r.Out, "baseline_3x64.ckpt")); err != nil {
		t.Error(err)
	}
	ev, err := e.Eval(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	if m := metricOf(t, ev, "energy_median"); !(m >= 0) {
		t.Errorf("median energy error %g", m)
	}
	if err := Set(r.Config, "act", "nope"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(r); err == nil {
		t.Error("an unknown activation was accepted")
	}
}

// TestShippedLNNEnergy checks the shipped full-mode models on the paper's energy test, shortened
// to t = 10 (the full t = 100 is `dynlearn eval lnn-double-pendulum`): over the paper's 40 initial
// conditions no LNN rollout diverges and the LNN's mean relative energy error is below the
// baseline's (the paper's claim; there 0.0043 against 0.074 at t = 100).
func TestShippedLNNEnergy(t *testing.T) {
	if testing.Short() {
		t.Skip("rolls out 80 trajectories")
	}
	mean := map[string]float64{}
	for _, name := range []string{"lnn-double-pendulum", "lnn-baseline"} {
		e, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := RepoPath(e.Shipped); err != nil {
			t.Skip(err)
		} else if _, err := os.Stat(p); err != nil {
			t.Skipf("no shipped model: %v", err)
		}
		r := &Run{Config: e.Config(false), Log: io.Discard}
		for _, kv := range [][2]string{{"rollout.T1", "10"}, {"held_out", "false"}} {
			if err := Set(r.Config, kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		ev, err := e.Eval(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(ev.Lines)
		if name == "lnn-double-pendulum" && metricOf(t, ev, "diverged") > 0 {
			t.Errorf("%g LNN rollouts diverged", metricOf(t, ev, "diverged"))
		}
		mean[name] = metricOf(t, ev, "energy_mean")
	}
	if l, b := mean["lnn-double-pendulum"], mean["lnn-baseline"]; !(l < b) {
		t.Errorf("LNN mean energy error %.4g, baseline %.4g: the LNN should conserve energy better", l, b)
	}
}
