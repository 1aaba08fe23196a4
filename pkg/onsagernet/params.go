package onsagernet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/training"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// paramSpec describes one weight array of a network: its name in the network's scope, its shape
// (rows×cols, or a vector when rows == 0) and how to initialise it.
type paramSpec struct {
	name       string
	rows, cols int
	init       func(rng *rand.Rand, rows, cols int) []float64
}

func (p paramSpec) dims() []int {
	if p.rows == 0 {
		return []int{p.cols}
	}
	return []int{p.rows, p.cols}
}

func (p paramSpec) size() int { return max(p.rows, 1) * p.cols }

// initValues returns the initial values of spec number i, deterministic in (seed, i).
func initValues(seed uint64, i int, p paramSpec) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x6f6e73+uint64(i)))
	return p.init(rng, max(p.rows, 1), p.cols)
}

// xavierUniform draws U[−a, a] with a = gain·√(6/(fanIn+fanOut)) (PyTorch's xavier_uniform_).
func xavierUniform(gain float64) func(*rand.Rand, int, int) []float64 {
	return func(rng *rand.Rand, rows, cols int) []float64 {
		a := gain * math.Sqrt(6/float64(rows+cols))
		w := make([]float64, rows*cols)
		for i := range w {
			w[i] = (2*rng.Float64() - 1) * a
		}
		return w
	}
}

// uniform draws U[lo, hi].
func uniform(lo, hi float64) func(*rand.Rand, int, int) []float64 {
	return func(rng *rand.Rand, rows, cols int) []float64 {
		w := make([]float64, rows*cols)
		for i := range w {
			w[i] = lo + (hi-lo)*rng.Float64()
		}
		return w
	}
}

func zeros(_ *rand.Rand, rows, cols int) []float64 { return make([]float64, rows*cols) }

// orthogonal returns gain times a random matrix with orthonormal rows or columns (whichever are fewer),
// from Gram-Schmidt on a Gaussian matrix (PyTorch's orthogonal_).
func orthogonal(gain float64) func(*rand.Rand, int, int) []float64 {
	return func(rng *rand.Rand, rows, cols int) []float64 {
		// Orthonormalise the shorter dimension's vectors of length max(rows, cols).
		n, k := max(rows, cols), min(rows, cols)
		vs := make([][]float64, k)
		for i := range vs {
			for {
				v := make([]float64, n)
				for j := range v {
					v[j] = rng.NormFloat64()
				}
				for _, u := range vs[:i] {
					d := floats.Dot(u, v)
					for j := range v {
						v[j] -= d * u[j]
					}
				}
				if nv := math.Sqrt(floats.Dot(v, v)); nv > 1e-8 {
					for j := range v {
						v[j] /= nv
					}
					vs[i] = v
					break
				}
			}
		}
		w := make([]float64, rows*cols)
		for r := range rows {
			for c := range cols {
				if rows >= cols {
					w[r*cols+c] = gain * vs[c][r]
				} else {
					w[r*cols+c] = gain * vs[r][c]
				}
			}
		}
		return w
	}
}

func scalarOf(t *tensors.Tensor) float64 {
	v, err := training.Float64s(t)
	if err != nil || len(v) == 0 {
		return math.NaN()
	}
	return v[0]
}

// graphVars returns the nodes of the network's variables under scope.At(name), creating the missing ones
// with their deterministic initial values (graph-building code: panics on a shape mismatch).
func graphVars(scope *model.Scope, g *Graph, name string, specs []paramSpec, seed uint64, dt dtypes.DType) map[string]*Node {
	s := scope.At("%s", name)
	out := make(map[string]*Node, len(specs))
	for i, p := range specs {
		v := s.GetVariable(p.name)
		if v == nil {
			v = s.VariableWithValue(p.name, training.TensorFromFloat64s(dt, initValues(seed, i, p), p.dims()...))
		}
		if got := v.Shape().Dimensions; !equalDims(got, p.dims()) || v.DType() != dt {
			exceptions.Panicf("onsagernet: variable %s/%s has shape %s, want %s %v", name, p.name, v.Shape(), dt, p.dims())
		}
		out[p.name] = v.NodeValue(g)
	}
	return out
}

// createVars creates the network's variables in store (outside a graph), keeping existing ones.
func createVars(store *model.Store, name string, specs []paramSpec, seed uint64, dt dtypes.DType) error {
	s := store.RootScope().At("%s", name)
	for i, p := range specs {
		if v := s.GetVariable(p.name); v != nil {
			if !equalDims(v.Shape().Dimensions, p.dims()) || v.DType() != dt {
				return fmt.Errorf("onsagernet: variable %s/%s has shape %s in the store, want %s %v", name, p.name, v.Shape(), dt, p.dims())
			}
			continue
		}
		if _, err := s.CreateVariable(p.name, training.TensorFromFloat64s(dt, initValues(seed, i, p), p.dims()...)); err != nil {
			return fmt.Errorf("onsagernet: creating %s/%s: %w", name, p.name, err)
		}
	}
	return nil
}

// readVars copies the network's variables out of store as float64 slices.
func readVars(store *model.Store, name string, specs []paramSpec) (map[string][]float64, error) {
	s := store.RootScope().At("%s", name)
	out := make(map[string][]float64, len(specs))
	for _, p := range specs {
		v := s.GetVariable(p.name)
		if v == nil {
			return nil, fmt.Errorf("onsagernet: variable %s/%s not in the store (train or Init the network first)", name, p.name)
		}
		if !equalDims(v.Shape().Dimensions, p.dims()) {
			return nil, fmt.Errorf("onsagernet: variable %s/%s has shape %s, want %v", name, p.name, v.Shape(), p.dims())
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("onsagernet: reading %s/%s: %w", name, p.name, err)
		}
		data, err := training.Float64s(t)
		if err != nil {
			return nil, fmt.Errorf("onsagernet: reading %s/%s: %w", name, p.name, err)
		}
		for j, x := range data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("onsagernet: variable %s/%s entry %d is %v", name, p.name, j, x)
			}
		}
		out[p.name] = data
	}
	return out, nil
}

func equalDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// specsIdentity is the identity of a network's checkpoints: its kind and the names, shapes and dtype
// of its variables.
func specsIdentity(kind, scope string, specs []paramSpec, dt dtypes.DType) training.Identity {
	vars := make([]string, len(specs))
	for i, p := range specs {
		vars[i] = fmt.Sprintf("%s/%s %s%v", scope, p.name, dt, p.dims())
	}
	return training.NewIdentity(kind, vars)
}

func countParams(specs []paramSpec) int {
	n := 0
	for _, p := range specs {
		n += p.size()
	}
	return n
}
