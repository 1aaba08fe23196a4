package training

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/backend"
)

func TestCheckFinite(t *testing.T) {
	if err := CheckFinite(3, "loss", 1.5, "aux", float32(2)); err != nil {
		t.Errorf("finite losses: %v", err)
	}
	err := CheckFinite(7, "loss", 1.0, "decoder", math.NaN())
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("NaN loss: err = %v, want ErrDiverged", err)
	}
	for _, want := range []string{"step 7", "decoder", "NaN"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := CheckFinite(1, "loss", float32(math.Inf(1))); !errors.Is(err, ErrDiverged) {
		t.Errorf("Inf loss: err = %v, want ErrDiverged", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

type meta struct {
	Epoch   int
	History History
}

// build returns an exec doing one Adam step of a linear regression y = x w.
func build(t *testing.T, store *model.Store) *model.Exec {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	store.SetParam(optimizer.ParamLearningRate, 0.05)
	opt := optimizer.Adam().Done()
	return model.MustNewExec(b, store, func(scope *model.Scope, x, y *graph.Node) *graph.Node {
		w := scope.VariableWithValue("w", [][]float32{{0.1}, {0.2}, {0.3}}).NodeValue(x.Graph())
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(graph.Dot(x, w).Product(), y)))
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
}

func TestCheckpointResumesExactly(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, 4, 3)
	y := tensors.FromFlatDataAndDimensions([]float32{1, -2, 3, 2}, 4, 1)
	step := func(e *model.Exec) float32 { return tensors.ToScalar[float32](e.MustCall(x, y)[0]) }

	// Reference: 20 uninterrupted steps.
	refStore := model.NewStore()
	ref := build(t, refStore)
	var want float32
	for range 20 {
		want = step(ref)
	}

	// Interrupted run: 10 steps, checkpoint, new store and exec, load, 10 more steps.
	path := filepath.Join(t.TempDir(), "ckpt.gob")
	s1 := model.NewStore()
	e1 := build(t, s1)
	var h History
	for i := range 10 {
		h.Add(i, map[string]float64{"loss": float64(step(e1))})
	}
	if err := SaveCheckpoint(path, s1, meta{Epoch: 10, History: h}); err != nil {
		t.Fatal(err)
	}
	s2 := model.NewStore()
	var m meta
	found, err := LoadCheckpoint(path, s2, &m)
	if err != nil || !found {
		t.Fatalf("LoadCheckpoint = %v, %v", found, err)
	}
	if m.Epoch != 10 || len(m.History.Steps) != 10 {
		t.Errorf("metadata round trip: %+v", m)
	}
	e2 := build(t, s2)
	var got float32
	for range 10 {
		got = step(e2)
	}
	if got != want {
		t.Errorf("loss after resuming = %v, uninterrupted = %v: the checkpoint lost optimizer state", got, want)
	}
	if gs := optimizer.GetGlobalStep(s2); gs != 20 {
		t.Errorf("global step after resume = %d, want 20", gs)
	}
}

func TestLoadCheckpointMissingAndShapeMismatch(t *testing.T) {
	found, err := LoadCheckpoint(filepath.Join(t.TempDir(), "none.gob"), model.NewStore(), nil)
	if found || err != nil {
		t.Errorf("missing checkpoint: %v, %v", found, err)
	}
	path := filepath.Join(t.TempDir(), "c.gob")
	s := model.NewStore()
	if _, err := s.CreateVariable("/w", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2)); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(path, s, nil); err != nil {
		t.Fatal(err)
	}
	other := model.NewStore()
	if _, err := other.CreateVariable("/w", tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(path, other, nil); err == nil {
		t.Error("loading a checkpoint into a model with another shape gave no error")
	}
}

func TestHistoryAligned(t *testing.T) {
	var h History
	h.Add(0, map[string]float64{"a": 1})
	h.Add(1, map[string]float64{"a": 2, "b": 5})
	h.Add(2, map[string]float64{"b": 6})
	if len(h.Series["a"]) != 3 || len(h.Series["b"]) != 3 {
		t.Fatalf("series not aligned: %+v", h.Series)
	}
	if !math.IsNaN(h.Series["b"][0]) || !math.IsNaN(h.Series["a"][2]) {
		t.Errorf("missing values should be NaN: %+v", h.Series)
	}
	if v, ok := h.Last("b"); !ok || v != 6 {
		t.Errorf("Last(b) = %v, %v", v, ok)
	}
	x, y := h.XY("a")
	if len(x) != 3 || y[1] != 2 || x[2] != 2 {
		t.Errorf("XY = %v, %v", x, y)
	}
}

func TestTensorFloat64RoundTrip(t *testing.T) {
	data := []float64{1.5, -2, 3.25}
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		tt := TensorFromFloat64s(dt, data, 3, 1)
		if tt.DType() != dt || tt.Shape().Rank() != 2 {
			t.Errorf("TensorFromFloat64s(%s): shape %s", dt, tt.Shape())
		}
		got, err := Float64s(tt)
		if err != nil || len(got) != 3 || got[0] != 1.5 || got[2] != 3.25 {
			t.Errorf("Float64s(%s) = %v, %v", dt, got, err)
		}
	}
	if _, err := Float64s(tensors.FromFlatDataAndDimensions([]int32{1}, 1)); err == nil {
		t.Error("Float64s of an int32 tensor gave no error")
	}
}

func TestCheckpointPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DYNLEARN_CACHE", dir)
	type cfg struct{ Width, Epochs int }
	a, err := CheckpointPath(cfg{8, 10}, "net", "pkg", "checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Dir(a); got != filepath.Join(dir, "pkg", "checkpoints") {
		t.Errorf("directory %s, want %s", got, filepath.Join(dir, "pkg", "checkpoints"))
	}
	if base := filepath.Base(a); !strings.HasPrefix(base, "net-") || !strings.HasSuffix(base, ".ckpt") {
		t.Errorf("file name %s, want net-<key>.ckpt", base)
	}
	same, _ := CheckpointPath(cfg{8, 10}, "net", "pkg", "checkpoints")
	other, _ := CheckpointPath(cfg{8, 11}, "net", "pkg", "checkpoints")
	if same != a || other == a {
		t.Errorf("equal configurations must share a path and different ones not: %s, %s, %s", a, same, other)
	}
	if _, err := CheckpointPath(func() {}, "net", "pkg"); err == nil {
		t.Error("a key that cannot be hashed: no error")
	}
}
