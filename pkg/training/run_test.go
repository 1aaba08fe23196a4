package training

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

type runMeta struct {
	Step    int
	Seconds float64
}

func storeWith(t *testing.T, v []float32) *model.Store {
	t.Helper()
	s := model.NewStore()
	if _, err := s.CreateVariable("/w", tensors.FromFlatDataAndDimensions(v, len(v))); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunWithoutPath(t *testing.T) {
	r := NewRun("", storeWith(t, []float32{1}))
	var m runMeta
	if found, err := r.Load(&m); found || err != nil {
		t.Errorf("Load without a path = %v, %v; want false, nil", found, err)
	}
	if err := r.Save(runMeta{Step: 3}); err != nil {
		t.Errorf("Save without a path: %v", err)
	}
	err := r.Stop(runMeta{Step: 3}, "stopped at step %d", 3)
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "stopped at step 3") {
		t.Errorf("Stop = %v; want ErrInterrupted naming the step", err)
	}
}

func TestRunSavesResumesAndCountsTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	r := NewRun(path, storeWith(t, []float32{1, 2}))
	r.Start(100)
	if s := r.Seconds(); s < 100 || s > 160 {
		t.Errorf("Seconds right after Start(100) = %g", s)
	}
	if r.Due(time.Hour) {
		t.Error("a save is due an hour after a Start that just happened")
	}
	if !r.Due(0) {
		t.Error("Due(0) is false")
	}
	err := r.Stop(runMeta{Step: 7, Seconds: r.Seconds()}, "stopped in epoch %d", 2)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Stop = %v, want ErrInterrupted", err)
	}
	for _, want := range []string{"stopped in epoch 2", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Stop's error %q does not mention %q", err, want)
		}
	}
	if r.Due(time.Hour) {
		t.Error("a save is due right after Stop saved")
	}

	// A new process resumes: the variables and the metadata come back.
	store := storeWith(t, []float32{0, 0})
	r2 := NewRun(path, store)
	var m runMeta
	found, err := r2.Load(&m)
	if err != nil || !found {
		t.Fatalf("Load = %v, %v", found, err)
	}
	if m.Step != 7 || m.Seconds < 100 {
		t.Errorf("metadata after resume: %+v", m)
	}
	v := store.GetVariable("/w")
	if v == nil {
		t.Fatal("variable /w missing after Load")
	}
	if got := tensors.MustCopyFlatData[float32](v.MustValue()); got[0] != 1 || got[1] != 2 {
		t.Errorf("variable after resume = %v, want [1 2]", got)
	}
}

func TestRunStopReportsAFailedSave(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewRun(filepath.Join(blocker, "run.ckpt"), storeWith(t, []float32{1}))
	err := r.Stop(runMeta{}, "stopped")
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "saving the checkpoint") {
		t.Errorf("Stop with an unwritable checkpoint = %v; want ErrInterrupted and the save error", err)
	}
}
