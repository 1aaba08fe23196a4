// Package nn owns the pieces of neural networks every dynlearn model shares: the activation functions.
package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Activation names an activation function. Its value is the lower-case name the configurations
// (and their JSON) spell it with.
type Activation string

// The activations of the dynlearn models.
const (
	// Linear is the identity x.
	Linear Activation = "linear"
	// ReLU is max(x, 0).
	ReLU Activation = "relu"
	// ELU is x for x > 0 and eˣ − 1 otherwise (α = 1).
	ELU Activation = "elu"
	// CELU is CELU with α = 1, which is ELU.
	CELU Activation = "celu"
	// Sigmoid is the logistic function 1/(1 + e⁻ˣ).
	Sigmoid Activation = "sigmoid"
	// Tanh is the hyperbolic tangent.
	Tanh Activation = "tanh"
	// TanhPlus is LED's ½ + ½·tanh(x), which matches data scaled to [0, 1].
	TanhPlus Activation = "tanhplus"
	// Softplus is log(1 + eˣ), computed stably as max(x, 0) + log1p(e^{−|x|}).
	Softplus Activation = "softplus"
	// Swish is x·σ(x).
	Swish Activation = "swish"
	// ReQUr is relu(x)² − relu(x − ½)²: quadratic near 0, linear (x − ¼) for x > ½, C¹ (OnsagerNet's
	// default, so that ∇V is continuous).
	ReQUr Activation = "requr"
)

// All lists every activation.
var All = []Activation{Linear, ReLU, ELU, CELU, Sigmoid, Tanh, TanhPlus, Softplus, Swish, ReQUr}

// Validate returns an error naming a and the allowed activations if a is not one of All.
func (a Activation) Validate() error {
	for _, b := range All {
		if a == b {
			return nil
		}
	}
	names := make([]string, len(All))
	for i, b := range All {
		names[i] = string(b)
	}
	return fmt.Errorf("nn: unknown activation %q (allowed: %s)", string(a), strings.Join(names, ", "))
}

// String returns the activation's name.
func (a Activation) String() string { return string(a) }

// Apply returns a(x) in the graph. It panics (a GoMLX exception) on an unknown activation: check
// configurations with Validate first.
func (a Activation) Apply(x *graph.Node) *graph.Node {
	switch a {
	case Linear:
		return x
	case ReLU:
		return graph.Max(x, graph.ZerosLike(x))
	case ELU, CELU:
		return graph.Where(graph.GreaterThan(x, graph.ZerosLike(x)), x, graph.AddScalar(graph.Exp(graph.Min(x, graph.ZerosLike(x))), -1))
	case Sigmoid:
		return graph.Sigmoid(x)
	case Tanh:
		return graph.Tanh(x)
	case TanhPlus:
		return graph.AddScalar(graph.MulScalar(graph.Tanh(x), 0.5), 0.5)
	case Softplus:
		return softplus(x)
	case Swish:
		return graph.Mul(x, graph.Sigmoid(x))
	case ReQUr:
		y, _ := a.ApplyWithDerivative(x)
		return y
	}
	exceptions.Panicf("%v", a.Validate())
	return nil
}

// softplus is max(x, 0) + log1p(e^{−|x|}).
func softplus(x *graph.Node) *graph.Node {
	return graph.Add(graph.Max(x, graph.ZerosLike(x)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(x)))))
}

// ApplyWithDerivative returns a(x) and a'(x) in the graph, sharing their common terms. It panics (a
// GoMLX exception) on an unknown activation.
func (a Activation) ApplyWithDerivative(x *graph.Node) (y, dy *graph.Node) {
	y, dy, _ = a.derivatives(x, false)
	return y, dy
}

// ApplyWithDerivatives returns a(x), a'(x) and a”(x) in the graph, sharing their common terms. It
// panics (a GoMLX exception) on an unknown activation.
func (a Activation) ApplyWithDerivatives(x *graph.Node) (y, dy, ddy *graph.Node) {
	return a.derivatives(x, true)
}

func (a Activation) derivatives(x *graph.Node, second bool) (y, dy, ddy *graph.Node) {
	switch a {
	case Linear:
		y, dy = x, graph.OnesLike(x)
		if second {
			ddy = graph.ZerosLike(x)
		}
	case ReLU:
		y, dy = graph.Max(x, graph.ZerosLike(x)), graph.ConvertDType(graph.GreaterThan(x, graph.ZerosLike(x)), x.DType())
		if second {
			ddy = graph.ZerosLike(x)
		}
	case ELU, CELU:
		pos := graph.GreaterThan(x, graph.ZerosLike(x))
		e := graph.Exp(graph.Min(x, graph.ZerosLike(x)))
		y, dy = graph.Where(pos, x, graph.AddScalar(e, -1)), graph.Where(pos, graph.OnesLike(x), e)
		if second {
			ddy = graph.Where(pos, graph.ZerosLike(x), e)
		}
	case Sigmoid:
		y = graph.Sigmoid(x)
		dy = graph.Mul(y, graph.OneMinus(y))
		if second {
			// σ'' = σ'(1 − 2σ)
			ddy = graph.Mul(dy, graph.OneMinus(graph.MulScalar(y, 2)))
		}
	case Tanh:
		y = graph.Tanh(x)
		dy = graph.OneMinus(graph.Square(y))
		if second {
			// tanh'' = −2 tanh · tanh'
			ddy = graph.Mul(graph.MulScalar(y, -2), dy)
		}
	case TanhPlus:
		t := graph.Tanh(x)
		d := graph.OneMinus(graph.Square(t))
		y, dy = graph.AddScalar(graph.MulScalar(t, 0.5), 0.5), graph.MulScalar(d, 0.5)
		if second {
			ddy = graph.Neg(graph.Mul(t, d))
		}
	case Softplus:
		y, dy = softplus(x), graph.Sigmoid(x)
		if second {
			ddy = graph.Mul(dy, graph.OneMinus(dy))
		}
	case Swish:
		s := graph.Sigmoid(x)
		ds := graph.Mul(s, graph.OneMinus(s))
		y, dy = graph.Mul(x, s), graph.Add(s, graph.Mul(x, ds))
		if second {
			// (x σ)'' = σ'(2 + x(1 − 2σ))
			ddy = graph.Mul(ds, graph.AddScalar(graph.Mul(x, graph.OneMinus(graph.MulScalar(s, 2))), 2))
		}
	case ReQUr:
		r1 := graph.Max(x, graph.ZerosLike(x))
		r2 := graph.Max(graph.AddScalar(x, -0.5), graph.ZerosLike(x))
		y, dy = graph.Sub(graph.Square(r1), graph.Square(r2)), graph.MulScalar(graph.Sub(r1, r2), 2)
		if second {
			// 2 on (0, ½], 0 elsewhere.
			in := graph.Sub(graph.ConvertDType(graph.GreaterThan(x, graph.ZerosLike(x)), x.DType()),
				graph.ConvertDType(graph.GreaterThan(x, graph.AddScalar(graph.ZerosLike(x), 0.5)), x.DType()))
			ddy = graph.MulScalar(in, 2)
		}
	default:
		exceptions.Panicf("%v", a.Validate())
	}
	return y, dy, ddy
}

// Eval returns a(x) and a'(x) in float64, for the models' plain-Go evaluations. It panics on an
// unknown activation.
func (a Activation) Eval(x float64) (y, dy float64) {
	switch a {
	case Linear:
		return x, 1
	case ReLU:
		if x > 0 {
			return x, 1
		}
		return 0, 0
	case ELU, CELU:
		if x > 0 {
			return x, 1
		}
		e := math.Exp(x)
		return e - 1, e
	case Sigmoid:
		s := 1 / (1 + math.Exp(-x))
		return s, s * (1 - s)
	case Tanh:
		y = math.Tanh(x)
		return y, 1 - y*y
	case TanhPlus:
		t := math.Tanh(x)
		return 0.5*t + 0.5, 0.5 * (1 - t*t)
	case Softplus:
		if x > 30 {
			return x, 1
		}
		return math.Log1p(math.Exp(x)), 1 / (1 + math.Exp(-x))
	case Swish:
		s := 1 / (1 + math.Exp(-x))
		return x * s, s + x*s*(1-s)
	case ReQUr:
		r1, r2 := math.Max(x, 0), math.Max(x-0.5, 0)
		return r1*r1 - r2*r2, 2 * (r1 - r2)
	}
	panic(a.Validate())
}
