package autoencoder_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// TestLoadRefusesOtherModel: a checkpoint of another model kind is refused, naming both kinds; a
// saved model resumes training.
func TestLoadRefusesOtherModel(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	m, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.ckpt")
	if err := training.NewIdentity("lnn.Model", 1).Save(path, m.Store(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := autoencoder.Load(path); err == nil || !strings.Contains(err.Error(), "lnn.Model") ||
		!strings.Contains(err.Error(), "sindy.Autoencoder") {
		t.Errorf("Load of an lnn.Model checkpoint: err = %v", err)
	}

	// Save writes the format of Train's checkpoints: training resumes from a saved model.
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	if err := m.Save(path, &autoencoder.State{Epoch: 7, RefineStart: 6, Thresholds: []int{9}}); err != nil {
		t.Fatal(err)
	}
	st, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: path})
	if err != nil || st.Epoch != 8 || !st.Done || st.RefineStart != 6 || len(st.Thresholds) != 1 {
		t.Errorf("training resumed from a saved model: %+v, %v", st, err)
	}
}
