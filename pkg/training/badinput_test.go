package training

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestBadInputTraining feeds Loop, the checkpoint reader and the tensor helpers bad values and checks
// that each error names the field or the file.
func TestBadInputTraining(t *testing.T) {
	step := func(*State) ([]float64, error) { return []float64{1}, nil }
	good := func() *Loop {
		return &Loop{Name: "bad", Store: model.NewStore(), Epochs: 1, StepsPerEpoch: 1, Step: step, Watchdog: -1}
	}
	for _, c := range []struct {
		name string
		set  func(*Loop)
		want string
	}{
		{"nil store", func(l *Loop) { l.Store = nil }, "Store is nil"},
		{"nil step", func(l *Loop) { l.Step = nil }, "Step is nil"},
		{"zero epochs", func(l *Loop) { l.Epochs = 0 }, "Epochs=0"},
		{"negative steps", func(l *Loop) { l.StepsPerEpoch = -1 }, "StepsPerEpoch=-1"},
		{"negative EvalEvery", func(l *Loop) { l.EvalEvery = -1 }, "EvalEvery=-1"},
		{"negative Patience", func(l *Loop) { l.Patience = -2 }, "Patience=-2"},
		{"negative StopAfter", func(l *Loop) { l.StopAfter = -1 }, "StopAfter=-1"},
		{"negative MaxTime", func(l *Loop) { l.MaxTime = -time.Second }, "MaxTime=-1s"},
		{"negative CheckpointEvery", func(l *Loop) { l.CheckpointEvery = -time.Second }, "CheckpointEvery=-1s"},
		{"losses of other length", func(l *Loop) {
			l.Step = func(*State) ([]float64, error) { return []float64{1, 2}, nil }
		}, "2 losses"},
		{"NaN loss", func(l *Loop) {
			l.LossNames = []string{"decoder"}
			l.Step = func(*State) ([]float64, error) { return []float64{math.NaN()}, nil }
		}, "decoder"},
		{"Inf loss", func(l *Loop) {
			l.Step = func(*State) ([]float64, error) { return []float64{math.Inf(1)}, nil }
		}, "+Inf"},
		{"unknown monitor", func(l *Loop) { l.Monitor = "val" }, `Monitor "val"`},
	} {
		l := good()
		c.set(l)
		_, err := l.Run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Loop.Run, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}

	// Checkpoint files: not a checkpoint, truncated, of another kind, a directory.
	dir := t.TempDir()
	store := model.NewStore()
	if _, err := store.CreateVariable("/w", tensors.FromValue([]float32{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	valid := filepath.Join(dir, "valid.ckpt")
	if err := (Identity{Kind: "a.Model"}).Save(valid, store, nil, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)-40] ^= 0x55
	for _, c := range []struct {
		name string
		path string
		id   Identity
		want []string
	}{
		{"text file", write("text.ckpt", []byte("hello")), Identity{}, []string{"text.ckpt", "not a dynlearn checkpoint"}},
		{"truncated", write("half.ckpt", data[:len(data)/2]), Identity{}, []string{"half.ckpt", "corrupted"}},
		{"flipped byte", write("flipped.ckpt", flipped), Identity{}, []string{"flipped.ckpt", "corrupted"}},
		{"other kind", valid, Identity{Kind: "b.Model"}, []string{"valid.ckpt", "a.Model", "b.Model"}},
		{"a directory", dir, Identity{}, []string{dir, "cannot be read"}},
	} {
		_, err := c.id.Load(c.path, model.NewStore(), nil)
		if err == nil {
			t.Errorf("Identity.Load, %s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Identity.Load, %s: error %q does not name %q", c.name, err, w)
			}
		}
	}
	if found, err := (Identity{}).Load(filepath.Join(dir, "none.ckpt"), model.NewStore(), nil); found || err != nil {
		t.Errorf("Identity.Load of a missing file: found %v, %v; want not found and no error", found, err)
	}

	if _, err := Float64s(nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("Float64s(nil): %v", err)
	}
	if _, err := Float64s(tensors.FromValue([]int32{1})); err == nil || !strings.Contains(err.Error(), "Int32") {
		t.Errorf("Float64s(int32 tensor): %v", err)
	}
	if err := CheckFinite(3, "val", math.NaN()); !errors.Is(err, ErrDiverged) {
		t.Errorf("CheckFinite(NaN): %v", err)
	}
}
