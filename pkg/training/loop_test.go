package training

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// regression is a Loop over the linear regression of build: 4 samples, one full batch a step.
func regression(t *testing.T, ckpt string, epochs int) (*Loop, *model.Store) {
	store := model.NewStore()
	exec := build(t, store)
	x := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, 4, 3)
	y := tensors.FromFlatDataAndDimensions([]float32{1, -2, 3, 2}, 4, 1)
	return &Loop{
		Name: "test.Train", Store: store, Checkpoint: ckpt, Identity: NewIdentity("test.Regression", 3),
		Epochs: epochs, StepsPerEpoch: 2,
		Step: func(s *State) ([]float64, error) {
			out, err := exec.Call(x, y)
			if err != nil {
				return nil, err
			}
			return []float64{float64(tensors.ToScalar[float32](out[0]))}, nil
		},
	}, store
}

func weights(t *testing.T, store *model.Store) []float32 {
	t.Helper()
	v := store.GetVariable("/w")
	if v == nil {
		t.Fatal("no variable /w")
	}
	val, err := v.Value()
	if err != nil {
		t.Fatal(err)
	}
	w, err := tensors.CopyFlatData[float32](val)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLoopResumesExactly(t *testing.T) {
	ref, refStore := regression(t, "", 6)
	refState, err := ref.Run()
	if err != nil {
		t.Fatal(err)
	}
	if refState.Steps != 12 || len(refState.History.Steps) != 6 || !refState.Done {
		t.Fatalf("reference run: %d steps, %d records, done %v; want 12, 6, true", refState.Steps, len(refState.History.Steps), refState.Done)
	}

	path := filepath.Join(t.TempDir(), "reg.ckpt")
	first, _ := regression(t, path, 6)
	first.StopAfter = 2
	if _, err := first.Run(); !errors.Is(err, ErrStopped) {
		t.Fatalf("StopAfter 2: err = %v, want ErrStopped", err)
	}
	second, store := regression(t, path, 6)
	st, err := second.Run()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Resumed || st.Steps != 12 {
		t.Errorf("resumed run: resumed %v, %d steps; want true, 12", st.Resumed, st.Steps)
	}
	got, want := weights(t, store), weights(t, refStore)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("weights after resuming %v, uninterrupted %v", got, want)
		}
	}
	l1, _ := st.History.Last("loss")
	l2, _ := refState.History.Last("loss")
	if l1 != l2 {
		t.Errorf("last loss %g after resuming, %g uninterrupted", l1, l2)
	}

	// A finished run returns at once; a longer schedule continues it.
	again, _ := regression(t, path, 6)
	if st, err := again.Run(); err != nil || st.Steps != 12 {
		t.Errorf("finished run resumed: %d steps, %v", st.Steps, err)
	}
	longer, _ := regression(t, path, 8)
	if st, err := longer.Run(); err != nil || st.Steps != 16 || len(st.History.Steps) != 8 {
		t.Errorf("longer schedule: %d steps, %d records, %v; want 16, 8, nil", st.Steps, len(st.History.Steps), err)
	}
}

func TestLoopDivergesWithClearError(t *testing.T) {
	l, _ := regression(t, filepath.Join(t.TempDir(), "nan.ckpt"), 3)
	l.LossNames = []string{"loss", "decoder"}
	step := l.Step
	l.Step = func(s *State) ([]float64, error) {
		v, err := step(s)
		if s.Steps == 3 {
			return []float64{v[0], math.Inf(1)}, err
		}
		return []float64{v[0], 1}, err
	}
	_, err := l.Run()
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want ErrDiverged", err)
	}
	for _, want := range []string{"test.Train", "decoder", "step 3", "nan.ckpt"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestLoopInterruptSavesAndResumes(t *testing.T) {
	defer ResetInterrupt()
	path := filepath.Join(t.TempDir(), "int.ckpt")
	l, _ := regression(t, path, 4)
	step := l.Step
	l.Step = func(s *State) ([]float64, error) {
		if s.Steps == 3 {
			interrupted.Store(true)
		}
		return step(s)
	}
	st, err := l.Run()
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "int.ckpt") {
		t.Fatalf("err = %v, want ErrInterrupted naming the checkpoint", err)
	}
	if st.Epoch*2+st.Batch != 4 || st.Steps != 4 {
		t.Errorf("stopped at epoch %d batch %d after %d steps; want after the 4th step", st.Epoch, st.Batch, st.Steps)
	}
	ResetInterrupt()
	l2, _ := regression(t, path, 4)
	st, err = l2.Run()
	if err != nil || st.Steps != 8 || !st.Resumed {
		t.Errorf("resume after interrupt: %d steps, resumed %v, %v", st.Steps, st.Resumed, err)
	}
}

func TestLoopBestWeightsAndEarlyStopping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "es.ckpt")
	l, store := regression(t, path, 20)
	val := []float64{5, 3, 1, 2, 4, 6, 7, 8} // best after epoch 2, then 3 records without improvement
	var atBest []float32
	l.Evaluate = func(s *State) (map[string]float64, error) {
		v := val[s.Epoch-1]
		if s.Epoch-1 == 2 {
			atBest = weights(t, store)
		}
		return map[string]float64{"val": v}, nil
	}
	l.Monitor, l.Patience, l.RestoreBest = "val", 3, true
	st, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	if st.Stopped != "early stopping" || st.BestEpoch != 2 || st.Best != 1 || st.Epoch != 6 {
		t.Errorf("stopped %q at epoch %d, best %g at %d; want early stopping at 6, best 1 at 2", st.Stopped, st.Epoch, st.Best, st.BestEpoch)
	}
	got := weights(t, store)
	for i := range got {
		if got[i] != atBest[i] {
			t.Fatalf("restored weights %v, best epoch's %v", got, atBest)
		}
	}
	best := model.NewStore()
	if ok, err := NewIdentity("test.Regression", 3).Load(BestPath(path), best, nil); !ok || err != nil {
		t.Fatalf("best weights %s: found %v, %v", BestPath(path), ok, err)
	}
	if bw := weights(t, best); bw[0] != atBest[0] {
		t.Errorf("best file holds %v, want %v", bw, atBest)
	}
	if !strings.HasSuffix(BestPath(path), "es.best.ckpt") {
		t.Errorf("BestPath = %s", BestPath(path))
	}
}

func TestLoopHookStopsCleanly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hook.ckpt")
	l, _ := regression(t, path, 5)
	l.OnEpoch = []func(*State) error{func(s *State) error {
		if s.Epoch == 2 {
			return errors.Join(ErrStop, errors.New("term lost"))
		}
		return nil
	}}
	st, err := l.Run()
	if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "term lost") {
		t.Fatalf("err = %v, want ErrStopped with the hook's reason", err)
	}
	var saved State
	if ok, err := NewIdentity("test.Regression", 3).Load(path, model.NewStore(), &saved); !ok || err != nil || saved.Epoch != st.Epoch {
		t.Errorf("checkpoint after the hook stop: found %v, epoch %d (want %d), %v", ok, saved.Epoch, st.Epoch, err)
	}
}

func TestLoadRefusesOtherModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.ckpt")
	l, store := regression(t, path, 1)
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	id := l.Identity

	// Another kind of model.
	_, err := NewIdentity("lnn.Baseline", 3).Load(path, model.NewStore(), nil)
	if err == nil || !strings.Contains(err.Error(), "test.Regression") || !strings.Contains(err.Error(), "lnn.Baseline") {
		t.Errorf("other kind: err = %v, want one naming both kinds", err)
	}
	// The same kind with another configuration (other shapes).
	_, err = NewIdentity("test.Regression", 4).Load(path, model.NewStore(), nil)
	if err == nil || !strings.Contains(err.Error(), "another configuration") || !strings.Contains(err.Error(), id.Config) {
		t.Errorf("other configuration: err = %v, want one naming the configurations", err)
	}
	// A variable of another shape in an existing store is refused and leaves the store alone.
	other := model.NewStore()
	if _, err := other.CreateVariable("/w", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := (Identity{}).Load(path, other, nil); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("other shape: err = %v", err)
	}
	// A flipped byte anywhere: refused as corrupted, never loaded.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := weights(t, store)
	for _, at := range []int{len(data) / 2, len(data) - 40, 60} {
		bad := append([]byte(nil), data...)
		bad[at] ^= 0x10
		badPath := filepath.Join(dir, "bad.ckpt")
		if err := os.WriteFile(badPath, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		s := model.NewStore()
		_, err := id.Load(badPath, s, nil)
		if err == nil || !strings.Contains(err.Error(), "corrupted") {
			t.Errorf("byte %d flipped: err = %v, want a corrupted-checkpoint error", at, err)
		}
		if v := s.GetVariable("/w"); v != nil {
			t.Errorf("byte %d flipped: the store got variable /w (%v)", at, w)
		}
	}
	// The right identity loads.
	if ok, err := id.Load(path, model.NewStore(), nil); !ok || err != nil {
		t.Errorf("own identity: found %v, %v", ok, err)
	}
	// Format 1 (before identities): refused by a model's identity unless Legacy.
	legacy := filepath.Join(dir, "v1.ckpt")
	if err := diskcache.Save(legacy, &checkpointFile{Version: 1, Variables: []savedVariable{{Path: "/w", DType: int32(dtypes.Float32), Dimensions: []int{1}, Data: []byte{0, 0, 128, 63}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := id.Load(legacy, model.NewStore(), nil); err == nil || !strings.Contains(err.Error(), "format 1") {
		t.Errorf("legacy checkpoint without Legacy: err = %v", err)
	}
	lid := id
	lid.Legacy = true
	if ok, err := lid.Load(legacy, model.NewStore(), nil); !ok || err != nil {
		t.Errorf("legacy checkpoint with Legacy: found %v, %v", ok, err)
	}
}

func TestLoopResumeKeepsBestAtEpochZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "best0.ckpt")
	mk := func() *Loop {
		l, _ := regression(t, path, 4)
		l.Evaluate = func(s *State) (map[string]float64, error) {
			return map[string]float64{"val": float64(s.Epoch)}, nil // 1, 2, 3, 4: best at epoch 0
		}
		l.Monitor = "val"
		return l
	}
	first := mk()
	first.StopAfter = 2
	if _, err := first.Run(); !errors.Is(err, ErrStopped) {
		t.Fatalf("err = %v, want ErrStopped", err)
	}
	st, err := mk().Run()
	if err != nil {
		t.Fatal(err)
	}
	if st.BestEpoch != 0 || st.Best != 1 {
		t.Errorf("after resuming: best %g at epoch %d, want 1 at epoch 0", st.Best, st.BestEpoch)
	}
}

func TestLoopSaveNow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "now.ckpt")
	l, _ := regression(t, path, 3)
	l.CheckpointEvery = time.Hour
	l.OnEpochStart = func(s *State) error {
		s.SaveNow = s.Epoch == 1
		return nil
	}
	step := l.Step
	var savedEpoch = -1
	l.Step = func(s *State) ([]float64, error) {
		if s.Epoch == 1 && s.Batch == 0 {
			var saved State
			if ok, err := l.Identity.Load(path, model.NewStore(), &saved); ok && err == nil {
				savedEpoch = saved.Epoch
			}
		}
		return step(s)
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if savedEpoch != 1 {
		t.Errorf("checkpoint asked for at the start of epoch 1 holds epoch %d", savedEpoch)
	}
}

func TestLoopDeadline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadline.ckpt")
	l, _ := regression(t, path, 5)
	l.Deadline = time.Now()
	st, err := l.Run()
	if !errors.Is(err, ErrStopped) || st.Epoch != 1 {
		t.Fatalf("past deadline: stopped at epoch %d, err %v; want epoch 1, ErrStopped", st.Epoch, err)
	}
	l2, _ := regression(t, path, 5)
	if st, err := l2.Run(); err != nil || st.Epoch != 5 {
		t.Errorf("resumed without deadline: epoch %d, %v", st.Epoch, err)
	}
}
