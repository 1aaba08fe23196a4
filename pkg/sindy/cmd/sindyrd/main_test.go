package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// The command end to end at a toy size on the quick data: it trains and writes the output directory;
// run again with a longer schedule, it continues from train.ckpt instead of starting over.
func TestRunWritesAndResumes(t *testing.T) {
	out := t.TempDir()
	if err := run(out, true, "8", 200, 1e-3, 3, 1, 2, 1, 5, 0); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model.ckpt", "summary.json", "equations.txt", "train.ckpt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	_, st1, err := autoencoder.Load(filepath.Join(out, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := run(out, true, "8", 200, 1e-3, 5, 1, 2, 1, 5, 0); err != nil {
		t.Fatal(err)
	}
	m, st2, err := autoencoder.Load(filepath.Join(out, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if st1.Epoch != 4 || st2.Epoch != 6 || len(st2.Reopened) != 1 || m.Config().LatentDim != 2 {
		t.Errorf("epochs %d then %d (reopened at %v), latent %d; want 4, then 6 reopening the main phase once, latent 2",
			st1.Epoch, st2.Epoch, st2.Reopened, m.Config().LatentDim)
	}
	if err := run(t.TempDir(), true, "8,x", 200, 1e-3, 3, 1, 2, 1, 5, 0); err == nil {
		t.Error("bad -widths accepted")
	}
}
