package training

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// encodeCheckpoint returns the bytes of a checkpoint file holding cf.
func encodeCheckpoint(tb testing.TB, cf checkpointFile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&cf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzCheckpointLoad feeds Identity.Load arbitrary checkpoint files: it must return an error or
// restore the variables, never panic. The seed corpus holds a valid checkpoint of each format and
// checkpoints with lying shapes, dtypes and sizes.
func FuzzCheckpointLoad(f *testing.F) {
	dir := f.TempDir()
	store := model.NewStore()
	if _, err := store.CreateVariable("/w", tensors.FromValue([][]float32{{1, 2}, {3, 4}})); err != nil {
		f.Fatal(err)
	}
	valid := filepath.Join(dir, "valid.ckpt")
	id := Identity{Kind: "fuzz.Model", Config: "abc"}
	if err := id.Save(valid, store, &State{Epoch: 3, Steps: 30, History: History{}}, nil); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte{})
	v1 := func(vs ...savedVariable) []byte {
		return encodeCheckpoint(f, checkpointFile{Version: 1, Variables: vs})
	}
	f.Add(v1(savedVariable{Path: "/w", DType: int32(dtypes.Float32), Dimensions: []int{2, 2}, Data: make([]byte, 16)}))
	f.Add(v1(savedVariable{Path: "/w", DType: int32(dtypes.Float32), Dimensions: []int{-2, -2}, Data: make([]byte, 16)}))
	f.Add(v1(savedVariable{Path: "/w", DType: 9999, Dimensions: []int{2}, Data: make([]byte, 8)}))
	f.Add(v1(savedVariable{Path: "/w", DType: int32(dtypes.Float64), Dimensions: []int{1 << 40, 1 << 40}, Data: nil}))
	f.Add(v1(savedVariable{Path: "", DType: int32(dtypes.Float32), Dimensions: nil, Data: make([]byte, 4)}))
	f.Add(encodeCheckpoint(f, checkpointFile{Version: 7}))
	path := filepath.Join(dir, "fuzz.ckpt")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var st State
		for _, id := range []Identity{{}, {Kind: "fuzz.Model", Legacy: true}} {
			_, _ = id.Load(path, model.NewStore(), &st)
		}
	})
}

// TestSaveRemovesStaleTemporaryCheckpoints: a checkpoint save removes the temporary files
// (.<name>.ckpt.tmp-<digits>) that runs killed while saving left behind, when they are older than
// the running process; a concurrent writer's younger temporary file is kept.
func TestSaveRemovesStaleTemporaryCheckpoints(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	stale := filepath.Join(dir, ".run.ckpt.tmp-4242")
	young := filepath.Join(dir, ".run.ckpt.tmp-4343")
	for _, p := range []string{stale, young} {
		if err := os.WriteFile(p, []byte("half a checkpoint"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(stale, long, long); err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if _, err := store.CreateVariable("/w", tensors.FromValue([]float32{1, 2})); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(path, store, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary checkpoint %s is still there (stat: %v)", stale, err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("the younger temporary checkpoint %s (a concurrent writer's) was removed: %v", young, err)
	}
	if found, err := LoadCheckpoint(path, model.NewStore(), nil); !found || err != nil {
		t.Errorf("LoadCheckpoint: found %v, %v", found, err)
	}
}
