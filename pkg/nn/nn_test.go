package nn_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/nn"
)

// closedForm is every activation's value, first and second derivative, written out.
var closedForm = map[nn.Activation]func(x float64) (y, dy, ddy float64){
	nn.Linear: func(x float64) (float64, float64, float64) { return x, 1, 0 },
	nn.ReLU: func(x float64) (float64, float64, float64) {
		if x > 0 {
			return x, 1, 0
		}
		return 0, 0, 0
	},
	nn.ELU:  elu,
	nn.CELU: elu,
	nn.Sigmoid: func(x float64) (float64, float64, float64) {
		s := 1 / (1 + math.Exp(-x))
		return s, s * (1 - s), s * (1 - s) * (1 - 2*s)
	},
	nn.Tanh: func(x float64) (float64, float64, float64) {
		t := math.Tanh(x)
		return t, 1 - t*t, -2 * t * (1 - t*t)
	},
	nn.TanhPlus: func(x float64) (float64, float64, float64) {
		t := math.Tanh(x)
		return 0.5 + 0.5*t, 0.5 * (1 - t*t), -t * (1 - t*t)
	},
	nn.Softplus: func(x float64) (float64, float64, float64) {
		s := 1 / (1 + math.Exp(-x))
		return math.Log(1 + math.Exp(x)), s, s * (1 - s)
	},
	nn.Swish: func(x float64) (float64, float64, float64) {
		s := 1 / (1 + math.Exp(-x))
		return x * s, s + x*s*(1-s), s * (1 - s) * (2 + x*(1-2*s))
	},
	nn.ReQUr: func(x float64) (float64, float64, float64) {
		switch {
		case x <= 0:
			return 0, 0, 0
		case x <= 0.5:
			return x * x, 2 * x, 2
		}
		return x - 0.25, 1, 0
	},
}

func elu(x float64) (float64, float64, float64) {
	if x > 0 {
		return x, 1, 0
	}
	return math.Exp(x) - 1, math.Exp(x), math.Exp(x)
}

// points avoids the kinks (0 and ½) so that finite differences apply.
var points = []float64{-3.1, -1.2, -0.3, 0.2, 0.45, 0.7, 1.9, 4}

func TestEveryActivationHasAClosedForm(t *testing.T) {
	if len(closedForm) != len(nn.All) {
		t.Fatalf("%d closed forms for %d activations", len(closedForm), len(nn.All))
	}
	for _, a := range nn.All {
		if _, ok := closedForm[a]; !ok {
			t.Errorf("no closed form for %s", a)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, a := range nn.All {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []nn.Activation{"", "ReLU", "tanhh"} {
		err := a.Validate()
		if err == nil {
			t.Fatalf("%q accepted", a)
		}
		if !strings.Contains(err.Error(), "\""+string(a)+"\"") || !strings.Contains(err.Error(), "requr") {
			t.Errorf("%q: error %q does not name the value and the allowed ones", a, err)
		}
	}
}

// TestGraphAgainstClosedForm evaluates Apply, ApplyWithDerivative and ApplyWithDerivatives on the
// test backend in float64 and compares them with the closed forms, with Eval, with finite differences
// of Eval and with GoMLX's autodiff of Apply.
func TestGraphAgainstClosedForm(t *testing.T) {
	const tol = 1e-12
	for _, a := range nn.All {
		t.Run(string(a), func(t *testing.T) {
			out := modeltest.Eval(t, model.NewStore(), func(_ *model.Scope, x *Node) []*Node {
				y0 := a.Apply(x)
				y1, dy1 := a.ApplyWithDerivative(x)
				y2, dy2, ddy2 := a.ApplyWithDerivatives(x)
				grad := Gradient(ReduceAllSum(a.Apply(x)), x)[0]
				return []*Node{y0, y1, dy1, y2, dy2, ddy2, grad}
			}, points)
			names := []string{"Apply", "ApplyWithDerivative y", "ApplyWithDerivative dy", "ApplyWithDerivatives y",
				"ApplyWithDerivatives dy", "ApplyWithDerivatives ddy", "autodiff of Apply"}
			for i, x := range points {
				y, dy, ddy := closedForm[a](x)
				ey, edy := a.Eval(x)
				want := []float64{y, y, dy, y, dy, ddy, dy}
				for k, w := range want {
					if got := out[k][i]; math.Abs(got-w) > tol*(1+math.Abs(w)) {
						t.Errorf("%s(%g): %s = %.17g, closed form %.17g", a, x, names[k], got, w)
					}
				}
				if math.Abs(ey-y) > tol*(1+math.Abs(y)) || math.Abs(edy-dy) > tol*(1+math.Abs(dy)) {
					t.Errorf("%s(%g): Eval = (%.17g, %.17g), closed form (%.17g, %.17g)", a, x, ey, edy, y, dy)
				}
				if out[0][i] != ey && math.Abs(out[0][i]-ey) > tol*(1+math.Abs(ey)) {
					t.Errorf("%s(%g): graph %.17g, Eval %.17g", a, x, out[0][i], ey)
				}
				// Central differences of Eval for a' and of a' for a''.
				const h = 1e-5
				yp, dyp := a.Eval(x + h)
				ym, dym := a.Eval(x - h)
				if fd := (yp - ym) / (2 * h); math.Abs(fd-edy) > 1e-8*(1+math.Abs(edy)) {
					t.Errorf("%s(%g): a' = %.17g, finite difference %.17g", a, x, edy, fd)
				}
				if fd := (dyp - dym) / (2 * h); math.Abs(fd-out[5][i]) > 1e-7*(1+math.Abs(fd)) {
					t.Errorf("%s(%g): a'' = %.17g, finite difference of a' %.17g", a, x, out[5][i], fd)
				}
			}
		})
	}
}

// TestFloat32 checks that the graph keeps the input's dtype.
func TestFloat32(t *testing.T) {
	for _, a := range nn.All {
		out := modeltest.Eval(t, model.NewStore(), func(_ *model.Scope, x *Node) []*Node {
			y, dy, ddy := a.ApplyWithDerivatives(x)
			for _, n := range []*Node{y, dy, ddy} {
				if n.DType() != dtypes.Float32 {
					t.Errorf("%s: dtype %s, want float32", a, n.DType())
				}
			}
			return []*Node{y, dy, ddy}
		}, []float32{-1, 0.25, 2})
		for i, x := range []float64{-1, 0.25, 2} {
			y, dy := a.Eval(x)
			if math.Abs(out[0][i]-y) > 1e-6 || math.Abs(out[1][i]-dy) > 1e-6 {
				t.Errorf("%s(%g): float32 graph (%g, %g), Eval (%g, %g)", a, x, out[0][i], out[1][i], y, dy)
			}
		}
	}
}

func TestUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Eval of an unknown activation did not panic")
		}
	}()
	nn.Activation("nope").Eval(1)
}
