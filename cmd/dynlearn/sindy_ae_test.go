package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// writeOscillatorNPZ writes 4 trajectories of a damped oscillator embedded linearly in 16
// dimensions (x0..x3, t0..t3, no derivatives) and returns the file.
func writeOscillatorNPZ(t *testing.T) string {
	t.Helper()
	const steps, dim = 120, 16
	arrays := map[string]*dataio.Array{}
	for k := range 4 {
		a := &dataio.Array{Shape: []int{steps, dim}, Data: make([]float64, steps*dim)}
		ts := make([]float64, steps)
		for i := range steps {
			ts[i] = 0.05 * float64(i)
			p := 0.6 * math.Exp(-0.1*ts[i]) * math.Cos(2*ts[i]+float64(k))
			q := 0.6 * math.Exp(-0.1*ts[i]) * math.Sin(2*ts[i]+float64(k))
			for j := range dim {
				a.Data[i*dim+j] = math.Cos(float64(j))*p + math.Sin(0.5*float64(j))*q
			}
		}
		arrays["x"+strconv.Itoa(k)], arrays["t"+strconv.Itoa(k)] = a, dataio.FromVector(ts)
	}
	path := filepath.Join(t.TempDir(), "osc.npz")
	if err := dataio.WriteNPZ(path, arrays, false); err != nil {
		t.Fatal(err)
	}
	return path
}

// The command: dynlearn train sindy-ae --data FILE --latent 2 --order 1 ... --out DIR
// trains on the file (the shorthand flags are --set's), writes the model and its exports, and
// eval measures the written model; config shows the settings the flags changed.
func TestTrainSindyAEFlags(t *testing.T) {
	data, out := writeOscillatorNPZ(t), t.TempDir()
	toy := []string{"--set", "widths=8", "--set", "batch=64", "--set", "epochs=3", "--set", "refine=1",
		"--set", "threshold_every=2", "--set", "eval_every=1"}
	code, stdout, stderr, s := dynlearn(t, append([]string{"train", "sindy-ae", "--quick", "--data", data, "--latent", "2",
		"--order", "1", "--poly", "1", "--out", out}, toy...)...)
	if code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if s.Metrics["epochs"] != 4 || s.Metrics["active_terms"] > 6 {
		t.Errorf("train metrics %v: want 4 epochs and at most 6 terms (3 library terms × 2 latents)", s.Metrics)
	}
	for _, f := range []string{"model.ckpt", "summary.json", "weights.npz", "model.json", "equations.tex"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	code, stdout, stderr, ev := dynlearn(t, append([]string{"eval", "sindy-ae", "--quick", "--data", data, "--latent", "2",
		"--poly", "1", "--model", out}, toy...)...)
	if code != exitOK || ev.Metrics["test_rel_x"] != s.Metrics["test_rel_x"] {
		t.Errorf("eval: exit %d, metrics %v (train: %v)\n%s\n%s", code, ev.Metrics, s.Metrics, stdout, stderr)
	}
	code, stdout, _, _ = dynlearn(t, "config", "sindy-ae", "--data", data, "--latent", "2")
	if code != exitOK || !strings.Contains(stdout, `"latent": 2,`) || !strings.Contains(stdout, `"data": "`+data+`"`) {
		t.Errorf("config: exit %d\n%s", code, stdout)
	}
}

func TestTrainSindyAEErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "sindy-ae", "--quick"}, exitFailed, "no data file: give one with --data FILE"},
		{[]string{"train", "sindy-ae", "--quick", "--data", "x.npz", "--latent", "two"}, exitUsage, "--set latent=two: want a value of type int"},
		{[]string{"train", "sindy-lorenz", "--quick", "--data", "x.npz"}, exitUsage, `no setting "data"`},
		{[]string{"train", "sindy-ae", "--quick", "--data", "/nonexistent/x.npz"}, exitFailed, "/nonexistent/x.npz"},
	} {
		code, _, stderr, _ := dynlearn(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
