package led

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/nn"
)

// activation returns the nn.Activation a configuration's name stands for: the models understand every
// nn activation (e.g. "elu", "celu" — CELU with α = 1, the same as ELU —, "relu", "tanh", "sigmoid",
// "swish", "tanhplus", LED's ½ + ½·tanh(x), which matches data scaled to [0, 1], and "linear"),
// case-insensitively, and "" for linear.
func activation(name string) nn.Activation {
	if name == "" {
		return nn.Linear
	}
	return nn.Activation(strings.ToLower(name))
}

// checkActivation returns an error if name is no activation.
func checkActivation(name string) error { return activation(name).Validate() }

func act(name string, x *Node) *Node { return activation(name).Apply(x) }

// dense is a fully connected layer over the last axis.
func dense(scope *model.Scope, x *Node, out int) *Node {
	g := x.Graph()
	in := x.Shape().Dim(-1)
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), in, out)).NodeValue(g)
	b := scope.VariableWithValue("biases", make([]float32, out)).NodeValue(g)
	dims := x.Shape().Dimensions
	y := Dot(Reshape(x, -1, in), w).Product()
	y = Add(y, ExpandLeftToRank(b, 2))
	return Reshape(y, append(append([]int(nil), dims[:len(dims)-1]...), out)...)
}

// conv2d is a same-padded 2-D convolution with bias of x [B, H, W, C] with `filters` k×k filters.
func conv2d(scope *model.Scope, x *Node, filters, k int) *Node {
	g := x.Graph()
	c := x.Shape().Dim(-1)
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, c, filters)).NodeValue(g)
	b := scope.VariableWithValue("biases", make([]float32, filters)).NodeValue(g)
	y := convSame2D(x, kernel)
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// dropout zeroes a fraction rate of x while the graph is training (and rescales the rest).
func dropout(scope *model.Scope, x *Node, rate float64) *Node {
	g := x.Graph()
	if rate <= 0 || !scope.IsTraining(g) {
		return x
	}
	rnd := scope.RandomUniform(g, x.Shape())
	keep := GreaterThan(rnd, Scalar(g, rnd.DType(), rate))
	return Where(keep, DivScalar(x, 1-rate), ZerosLike(x))
}

// hidden applies dense → (layer norm) → activation → dropout.
func hidden(scope *model.Scope, x *Node, out int, activation string, useNorm bool, rate float64) *Node {
	x = dense(scope, x, out)
	if useNorm {
		x = layerNorm(scope.In("norm"), x)
	}
	x = act(activation, x)
	return dropout(scope, x, rate)
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// layerNorm normalises x over its last axis and applies a learned gain and offset. (GoMLX's norm
// package pulls in the training-metrics package and its extra dependencies, so it is not used here.)
func layerNorm(scope *model.Scope, x *Node) *Node {
	g := x.Graph()
	n := x.Shape().Dim(-1)
	mean := ReduceAndKeep(x, ReduceMean, -1)
	xc := Sub(x, mean)
	variance := ReduceAndKeep(Square(xc), ReduceMean, -1)
	x = Div(xc, Sqrt(AddScalar(variance, 1e-5)))
	gain := scope.VariableWithValue("gain", ones(n)).NodeValue(g)
	offset := scope.VariableWithValue("offset", make([]float32, n)).NodeValue(g)
	return Add(Mul(x, ExpandLeftToRank(gain, x.Rank())), ExpandLeftToRank(offset, x.Rank()))
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// newStore returns a variable store with a fixed initialisation seed, so that a model built from the
// same configuration starts from the same weights (reproducible runs and tests).
func newStore() *model.Store {
	s := model.NewStore()
	s.SetParam(model.ParamInitialSeed, int64(42))
	return s
}

// validateForBackend validates a network's configuration and returns the backend every network runs on and
// store, or a new store when it is nil (what the builders' Done need).
func validateForBackend(cfg interface{ Validate() error }, store *model.Store) (compute.Backend, *model.Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	be, err := backend.New()
	if err != nil {
		return nil, nil, err
	}
	if store == nil {
		store = newStore()
	}
	return be, store, nil
}

// checkFinite returns an error naming what (the argument), the sample (of size per) and the
// component of the first NaN or infinite value of x.
func checkFinite(what string, x []float32, per int) error {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: value %d (sample %d, component %d) is %g; inputs must be finite", what, i, i/max(per, 1), i%max(per, 1), v)
		}
	}
	return nil
}
