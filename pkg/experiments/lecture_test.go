package experiments

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// quickRun returns a quick Run of experiment name writing into a temporary directory, with the
// cache in another one and the settings kv (key, value, key, value...) applied.
func quickRunOf(t *testing.T, name string, kv ...string) (*Experiment, *Run) {
	t.Helper()
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	e, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Quick: true, Config: e.Config(true), Out: t.TempDir(), Log: io.Discard}
	for i := 0; i+1 < len(kv); i += 2 {
		if err := Set(r.Config, kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return e, r
}

// metric returns the named metric of s, failing the test when it is missing.
func metricOf(t *testing.T, s *Summary, name string) float64 {
	t.Helper()
	v, ok := s.Metrics[name]
	if !ok {
		t.Fatalf("no metric %q in %v", name, s.Metrics)
	}
	return v
}

// TestLectureFlows trains the quick lecture-flows models with a --set shortening the linear
// classifier's training, and checks the bar of package neuralode's training test: the ResNet
// classifies at least 97% of the training points, 2 points more than the linear classifier on
// the raw inputs. Eval loads the same models back.
func TestLectureFlows(t *testing.T) {
	e, r := quickRunOf(t, "lecture-flows", "TrainLinear.Steps", "150")
	if _, err := e.Data(r); err != nil {
		t.Fatal(err)
	}
	tr, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := metricOf(t, tr, "linear_steps"); n != 150 {
		t.Errorf("the linear classifier trained %g steps, want the 150 of --set TrainLinear.Steps=150", n)
	}
	ev, err := e.Eval(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	lin, net := metricOf(t, ev, "linear_train_acc"), metricOf(t, ev, "resnet_train_acc")
	if net < 0.97 || net < lin+0.02 {
		t.Errorf("ResNet train accuracy %.3f, linear %.3f: want >= 0.97 and 0.02 above the linear classifier", net, lin)
	}
	for _, k := range []string{"linear_test_acc", "resnet_test_acc"} {
		if metricOf(t, ev, k) != metricOf(t, tr, k) {
			t.Errorf("%s: Eval %g, Train %g: Eval should load the trained model", k, metricOf(t, ev, k), metricOf(t, tr, k))
		}
	}
}

// TestLectureRNNMemory trains a small sweep set with --set and checks that the runs escape their
// plateau and that Eval reads the saved sweeps back.
func TestLectureRNNMemory(t *testing.T) {
	e, r := quickRunOf(t, "lecture-rnn-memory", "expsum.Memories", "[8]", "airy.Memories", "[4]",
		"expsum.Train.Steps", "600", "airy.Train.Steps", "600")
	tr, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Metrics) != 4 {
		t.Errorf("metrics %v: want the plateau and final loss of 2 runs", tr.Metrics)
	}
	for _, f := range rnnMemoryFiles {
		if _, err := os.Stat(filepath.Join(r.Out, f)); err != nil {
			t.Error(err)
		}
	}
	ev, err := e.Eval(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"expsum_m8", "airy_m4"} {
		if p, l := metricOf(t, ev, k+"_plateau"), metricOf(t, ev, k+"_final_loss"); p < 0 || !(l < 0.2) {
			t.Errorf("%s: plateau %g steps, final loss %g: a short memory should be learned within 600 steps", k, p, l)
		}
	}
}

// TestShippedRNNMemory evaluates the shipped full-mode sweeps: they match the full configuration
// and their plateaus grow with the memory (the lecture's curse of memory).
func TestShippedRNNMemory(t *testing.T) {
	e, err := Get("lecture-rnn-memory")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := RepoPath(e.Shipped); err != nil {
		t.Skip(err)
	} else if _, err := os.Stat(filepath.Join(p, rnnMemoryFiles[0])); err != nil {
		t.Skipf("no shipped sweeps: %v", err)
	}
	ev, err := e.Eval(&Run{Config: e.Config(false), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	for _, k := range []string{"expsum_growth", "airy_growth"} {
		if g := metricOf(t, ev, k); !(g > 1.1) {
			t.Errorf("%s = %g: the plateau should grow with the memory", k, g)
		}
	}
}

// TestLectureOnsagerNet trains one short OnsagerNet at ρ = 16 (the settings select it) and
// evaluates its rollouts.
func TestLectureOnsagerNet(t *testing.T) {
	e, r := quickRunOf(t, "lecture-onsagernet", "rho", "[16]", "models", `["onsagernet"]`, "epochs", "4")
	tr, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := metricOf(t, tr, "r16_onsagernet_epochs"); n != 4 {
		t.Errorf("trained %g epochs, want the 4 of --set epochs=4", n)
	}
	if _, ok := tr.Metrics["r28_onsagernet_epochs"]; ok {
		t.Errorf("trained ρ = 28 too: %v", tr.Metrics)
	}
	if _, err := os.Stat(filepath.Join(r.Out, "onsagernet_lorenz_r16.ckpt")); err != nil {
		t.Error(err)
	}
	ev, err := e.Eval(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(ev.Lines)
	if b := metricOf(t, ev, "r16_onsagernet_bounded"); b != 1 {
		t.Errorf("%.0f%% of the long rollouts stay bounded: OnsagerNet is stable by construction", 100*b)
	}
	if p := metricOf(t, ev, "r16_onsagernet_path_err"); math.IsNaN(p) || p <= 0 {
		t.Errorf("path error %g", p)
	}
	if err := Set(r.Config, "models", `["rnn"]`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Train(r); err == nil {
		t.Error("an unknown model was accepted")
	}
}
