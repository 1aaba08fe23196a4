// Package modeltest holds the set-up that the tests of the GoMLX model packages share: the backend and
// running a graph.
package modeltest

import (
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Backend returns the process-wide GoMLX backend (backend.New), stopping the test if it cannot be created.
func Backend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Eval compiles graphFn with the variables of store on the test backend, calls it with args and returns
// each output as float64s, stopping the test on any error.
func Eval[F model.ExecGraphFn](t testing.TB, store *model.Store, graphFn F, args ...any) [][]float64 {
	t.Helper()
	exec, err := model.NewExec(Backend(t), store, graphFn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(args...)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(out))
	for i, o := range out {
		if res[i], err = training.Float64s(o); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// Initialiser is a model that creates its variables in a store.
type Initialiser interface {
	Init(store *model.Store) error
}

// Init creates m's variables in a new store and returns it, stopping the test on an error.
func Init(t testing.TB, m Initialiser) *model.Store {
	t.Helper()
	store := model.NewStore()
	if err := m.Init(store); err != nil {
		t.Fatal(err)
	}
	return store
}
