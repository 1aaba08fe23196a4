package runout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

func TestParseWidths(t *testing.T) {
	w, err := ParseWidths("128, 64,32")
	if err != nil || !reflect.DeepEqual(w, []int{128, 64, 32}) {
		t.Errorf("ParseWidths = %v, %v", w, err)
	}
	for _, bad := range []string{"", "128,,32", "64,-1", "a"} {
		if _, err := ParseWidths(bad); err == nil || !strings.Contains(err.Error(), "-widths") {
			t.Errorf("ParseWidths(%q): err = %v, want an error naming -widths", bad, err)
		}
	}
}

// TestWrite writes a second-order model's directory and reads every file back.
func TestWrite(t *testing.T) {
	cfg := autoencoder.New(autoencoder.Quick()).InputDim(20).Widths(8).Latent(1).PolyOrder(2).SecondOrder().Config()
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &autoencoder.State{Epoch: 7, RefineStart: 5, Thresholds: []int{4}, Elapsed: 1.5}
	sm, err := m.SINDy()
	if err != nil {
		t.Fatal(err)
	}
	eqs := sm.Equations(2)
	t.Logf("equations of the untrained model: %q", eqs)
	dir := filepath.Join(t.TempDir(), "out")
	test := autoencoder.Metrics{RelX: 0.1, RelXDeriv: 0.2, RelZDeriv: 0.3}
	if err := Write(dir, "sindytest", m, st, test, eqs, map[string]any{"train_ics": 3}); err != nil {
		t.Fatal(err)
	}
	m2, st2, err := autoencoder.Load(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if st2.Epoch != 7 || m2.Config().ModelOrder != 2 || m2.ActiveTerms() != m.ActiveTerms() {
		t.Errorf("reloaded model: epoch %d, order %d, %d terms", st2.Epoch, m2.Config().ModelOrder, m2.ActiveTerms())
	}
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]any
	if err := json.Unmarshal(js, &sum); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"test_rel_x": 0.1, "test_rel_ddx": 0.2, "test_rel_ddz": 0.3, "epochs_completed": 7.0,
		"refinement_from": 5.0, "train_ics": 3.0, "train_seconds": 1.5}
	for k, v := range want {
		if sum[k] != v {
			t.Errorf("summary[%q] = %v, want %v", k, sum[k], v)
		}
	}
	if c, _ := sum["command"].(string); !strings.HasPrefix(c, "go run ./pkg/sindy/cmd/sindytest") {
		t.Errorf("summary command %q", c)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "equations.txt"))
	if err != nil || string(txt) != strings.Join(eqs, "\n")+"\n" || len(eqs) != 2 {
		t.Errorf("equations.txt = %q (%v), want the %d equations %q", txt, err, len(eqs), eqs)
	}
}

// EvaluateShipped loads a written model, refuses data of another dimension, and evaluates it.
func TestEvaluateShipped(t *testing.T) {
	cfg := autoencoder.New(autoencoder.Quick()).InputDim(4).Widths(3).Latent(1).PolyOrder(1).Config()
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, "sindytest", m, &autoencoder.State{Epoch: 2}, autoencoder.Metrics{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "model.ckpt")
	x := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
	dx := []float32{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	sh, err := EvaluateShipped(path, 4, autoencoder.Data{N: 3, Dim: 4, X: x, DX: dx})
	if err != nil {
		t.Fatal(err)
	}
	if sh.State.Epoch != 2 || !(sh.Test.RelX > 0) || !strings.Contains(sh.String(), "2 epochs") {
		t.Errorf("EvaluateShipped: epoch %d, decoder error %g, %q", sh.State.Epoch, sh.Test.RelX, sh)
	}
	if _, err := EvaluateShipped(path, 5, autoencoder.Data{N: 3, Dim: 4, X: x, DX: dx}); err == nil || !strings.Contains(err.Error(), "input dimension 4, want 5") {
		t.Errorf("wrong input dimension: err = %v", err)
	}
	if _, err := EvaluateShipped(filepath.Join(dir, "none.ckpt"), 4, autoencoder.Data{N: 3, Dim: 4, X: x, DX: dx}); err == nil {
		t.Error("missing model: no error")
	}
}
