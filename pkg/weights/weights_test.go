package weights

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

func newVar(t *testing.T, s *model.Store, path string, v *tensors.Tensor) *model.Variable {
	t.Helper()
	x, err := s.CreateVariable(path, v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestPyTorchName(t *testing.T) {
	for _, tc := range []struct {
		path      string
		dims      []int
		name      string
		transpose bool
	}{
		{"/encoder/layer0/weights", []int{128, 64}, "encoder.0.weight", true},
		{"/encoder/layer12/biases", []int{64}, "encoder.12.bias", false},
		{"/sindy/xi", []int{20, 3}, "sindy.xi", false},
		{"/dense0/kernel", []int{4, 5}, "dense0.weight", true},
		{"/conv1/weights", []int{3, 3, 1, 8}, "conv1.weight", false}, // not a dense matrix: GoMLX's layout
		{"/layerx/weights", []int{2}, "layerx.weight", false},
	} {
		name, tr, keep := PyTorchName(tc.path, tc.dims)
		if name != tc.name || tr != tc.transpose || !keep {
			t.Errorf("PyTorchName(%s, %v) = %q, %v, %v; want %q, %v, true", tc.path, tc.dims, name, tr, keep, tc.name, tc.transpose)
		}
	}
}

// A store written with SaveNPZ reads back with dataio.ReadNPZ: dense weights transposed to [out, in],
// dtypes kept, optimizer state left out (and exported with All).
func TestSaveNPZRoundTrip(t *testing.T) {
	s := model.NewStore()
	newVar(t, s, "/net/layer0/weights", tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6}, 3, 2)) // [in 3, out 2]
	newVar(t, s, "/net/layer0/biases", tensors.FromFlatDataAndDimensions([]float32{0.5, -0.5}, 2))
	newVar(t, s, "/conv/weights", tensors.FromFlatDataAndDimensions([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2))
	newVar(t, s, "/adam/step", tensors.FromValue(int64(7))).SetTrainable(false)
	// A store loaded from a checkpoint marks the optimizer's variables trainable: they are left out by path.
	newVar(t, s, "/global_step", tensors.FromValue(int64(7)))
	newVar(t, s, "/optimizers/learning_rate", tensors.FromValue(float32(1e-3)))
	newVar(t, s, "/adam/net/layer0/weights_1st_moment", tensors.FromFlatDataAndDimensions(make([]float32, 6), 3, 2))
	newVar(t, s, "/adam_refinement/step", tensors.FromValue(float32(3)))
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := SaveNPZ(path, s, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := dataio.ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*dataio.Array{
		"net.0.weight": {Shape: []int{2, 3}, Data: []float64{1, 3, 5, 2, 4, 6}, Float32: true},
		"net.0.bias":   {Shape: []int{2}, Data: []float64{0.5, -0.5}, Float32: true},
		"conv.weight":  {Shape: []int{2, 2, 1, 2}, Data: []float64{1, 2, 3, 4, 5, 6, 7, 8}},
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range got {
			t.Logf("%s: %+v", k, *v)
		}
		t.Errorf("read back %d arrays, want %v", len(got), want)
	}
	// With All, the optimizer's int64 step counter is included, which is an error naming it.
	if _, err := Arrays(s, Options{All: true}); err == nil || !strings.Contains(err.Error(), "/adam/step has dtype") && !strings.Contains(err.Error(), "/global_step has dtype") {
		t.Errorf("exporting an int64 variable: err = %v", err)
	}
}

func TestArraysErrors(t *testing.T) {
	s := model.NewStore()
	newVar(t, s, "/a/layer0/weights", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 1, 2))
	newVar(t, s, "/a/0/weight", tensors.FromFlatDataAndDimensions([]float32{1, 2}, 2))
	if _, err := Arrays(s, Options{}); err == nil || !strings.Contains(err.Error(), `both named "a.0.weight"`) {
		t.Errorf("two variables, one name: err = %v", err)
	}
	only := func(path string, dims []int) (string, bool, bool) { return "w", true, path == "/a/0/weight" }
	if _, err := Arrays(s, Options{Name: only}); err == nil || !strings.Contains(err.Error(), "only two-dimensional") {
		t.Errorf("transposing a vector: err = %v", err)
	}
	if err := SaveNPZ(filepath.Join(t.TempDir(), "e.npz"), model.NewStore(), Options{}); err == nil || !strings.Contains(err.Error(), "no variables") {
		t.Errorf("empty store: err = %v", err)
	}
	if _, err := Arrays(nil, Options{}); err == nil {
		t.Error("nil store: no error")
	}
}

func TestOptimizerState(t *testing.T) {
	for path, want := range map[string]bool{
		"/global_step": true, "/optimizers/learning_rate": true, "/adam/step": true, "/adam_refinement/step": true,
		"/AdamOptimizer/step": true, "/adam/encoder/layer0/weights_2nd_moment": true,
		"/encoder/layer0/weights": false, "/sindy/xi": false, "/lnn/step": false, "/global_step_size": false,
	} {
		if got := OptimizerState(path); got != want {
			t.Errorf("OptimizerState(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestTranspose(t *testing.T) {
	a := &dataio.Array{Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}, Float32: true}
	if got := Transpose(Transpose(a)); !reflect.DeepEqual(got, a) {
		t.Errorf("transposed twice: %+v", got)
	}
	if got := Transpose(a); !reflect.DeepEqual(got.Data, []float64{1, 4, 2, 5, 3, 6}) || !reflect.DeepEqual(got.Shape, []int{3, 2}) {
		t.Errorf("transpose: %+v", got)
	}
}
