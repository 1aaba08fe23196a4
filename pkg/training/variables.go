package training

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Var is one variable of a model whose weights are kept in plain Go: its name in the model's scope, its
// initial values (row-major) and its shape.
type Var struct {
	Name string
	Data []float64
	Dims []int
}

// InitVariables creates the variables that are not yet in scope, with their initial values as dtype dt
// (existing ones are kept, e.g. after loading a checkpoint).
func InitVariables(scope *model.Scope, dt dtypes.DType, vars ...Var) error {
	for _, v := range vars {
		if scope.GetVariable(v.Name) != nil {
			continue
		}
		if _, err := scope.CreateVariable(v.Name, TensorFromFloat64s(dt, v.Data, v.Dims...)); err != nil {
			return err
		}
	}
	return nil
}

// GraphVariables returns the nodes of the variables in g by name, creating the missing ones in scope with
// their initial values as dtype dt (graph-building code).
func GraphVariables(scope *model.Scope, g *graph.Graph, dt dtypes.DType, vars ...Var) map[string]*graph.Node {
	out := make(map[string]*graph.Node, len(vars))
	for _, v := range vars {
		vr := scope.GetVariable(v.Name)
		if vr == nil {
			vr = scope.VariableWithValue(v.Name, TensorFromFloat64s(dt, v.Data, v.Dims...))
		}
		out[v.Name] = vr.NodeValue(g)
	}
	return out
}

// ReadVariables copies the variables' values out of scope as float64s, by name. A missing variable, or one
// that does not hold as many values as its Data, is an error.
func ReadVariables(scope *model.Scope, vars ...Var) (map[string][]float64, error) {
	out := make(map[string][]float64, len(vars))
	for _, v := range vars {
		vr := scope.GetVariable(v.Name)
		if vr == nil {
			return nil, fmt.Errorf("variable %s not in the store", v.Name)
		}
		t, err := vr.Value()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", v.Name, err)
		}
		data, err := Float64s(t)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", v.Name, err)
		}
		if len(data) != len(v.Data) {
			return nil, fmt.Errorf("variable %s has %d values, want %d", v.Name, len(data), len(v.Data))
		}
		out[v.Name] = data
	}
	return out, nil
}

// CheckVariables checks what a model needs to hold its variables: a Float32 or Float64 dtype and a scope
// name. Model constructors wrap its error with their name.
func CheckVariables(dt dtypes.DType, scope string) error {
	switch {
	case dt != dtypes.Float32 && dt != dtypes.Float64:
		return fmt.Errorf("dtype must be Float32 or Float64, got %s", dt)
	case scope == "":
		return errors.New("empty scope name")
	}
	return nil
}

// Finite reports whether none of vs is NaN or ±Inf (for validating configurations).
func Finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
