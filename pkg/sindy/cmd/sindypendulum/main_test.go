package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// The command end to end at a toy size: it trains, writes model.ckpt, summary.json and equations.txt,
// and the written model loads with the trained configuration.
func TestRunWritesTheModel(t *testing.T) {
	out := t.TempDir()
	if err := run(out, 2, 1, 1, "8", 200, 1e-3, 3, 1, 2, 1, 7, 0, ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model.ckpt", "summary.json", "equations.txt", "train.ckpt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	m, st, err := autoencoder.Load(filepath.Join(out, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config(); c.ModelOrder != 2 || c.LatentDim != 1 || !c.IncludeSine || c.Seed != 7 || st.Epoch != 4 {
		t.Errorf("written model: order %d, latent %d, sine %v, seed %d, %d epochs; want 2, 1, true, 7, 4",
			c.ModelOrder, c.LatentDim, c.IncludeSine, c.Seed, st.Epoch)
	}
	var sum map[string]any
	raw, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if v, ok := sum["test_rel_ddz"].(float64); !ok || !(v >= 0) {
		t.Errorf("summary.json test_rel_ddz = %v, want a non-negative number", sum["test_rel_ddz"])
	}
}

func TestRequireTerm(t *testing.T) {
	m, err := autoencoder.NewModel(pendulumConfig([]int{8}))
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "train.ckpt")
	if _, err := requireTerm(m, "cos(z1)", ckpt); err == nil || !strings.Contains(err.Error(), "sin(z1)") {
		t.Errorf("unknown term: err = %v, want an error listing the library terms", err)
	}
	if f, err := requireTerm(m, "", ckpt); f != nil || err != nil {
		t.Errorf("no term required: callback %v, err %v; want nil, nil", f != nil, err)
	}
	check, err := requireTerm(m, "sin(z1)", ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(500, m); err != nil {
		t.Errorf("all terms active (coefficients 1): %v", err)
	}
	if _, err := m.Threshold(2); err != nil { // every coefficient is 1: all terms go
		t.Fatal(err)
	}
	err = check(500, m)
	if err == nil || !strings.Contains(err.Error(), "has lost sin(z1)") {
		t.Fatalf("after sin z was thresholded away: err = %v", err)
	}
	// A checkpoint that has already lost the term is refused at once.
	if err := m.Save(ckpt, &autoencoder.State{Config: m.Config()}); err != nil {
		t.Fatal(err)
	}
	if _, err := requireTerm(m, "sin(z1)", ckpt); err == nil || !strings.Contains(err.Error(), "has lost") {
		t.Errorf("resuming a checkpoint without sin z: err = %v", err)
	}
}
