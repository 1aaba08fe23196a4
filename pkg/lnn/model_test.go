package lnn

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
)

func TestInitStd(t *testing.T) {
	// The reference notes' table for 600 hidden, 4 Dense layers.
	want := []float64{0.0898, 0.0237, 0.0474, 24.49}
	dims := layerDims(4, 600, 3, 1)
	for i, d := range dims {
		got := CranmerInit.Std(i, len(dims), d[0], d[1])
		if math.Abs(got-want[i]) > 5e-4*max(1, want[i]) {
			t.Errorf("CranmerInit layer %d: σ = %.4f, want %.4f", i, got, want[i])
		}
	}
	if got := SlidesInit.Std(0, 3, 4, 256); math.Abs(got-2.2/5.6) > 1e-12 {
		t.Errorf("SlidesInit first layer σ = %g", got)
	}
	if got := SlidesInit.Std(2, 3, 256, 1); got != 5.6 {
		t.Errorf("SlidesInit output layer σ = %g", got)
	}
}

// TestClosedFormDerivatives compares the closed-form Hessian blocks of the softplus MLP with nested
// autodiff (float64) and the gradient with central finite differences of L.
func TestClosedFormDerivatives(t *testing.T) {
	b := modeltest.Backend(t)
	m, err := New(2).Hidden(16, 3).Seed(5).DType(dtypes.Float64).Done()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	const n = 32
	states := randomStates(n, 2)
	for i := range states {
		states[i] *= 0.4 // keep some states on both sides of the wrap
	}
	out := model.MustCallOnceN(b, store, func(scope *model.Scope, x *Node) []*Node {
		cf := m.Derivatives(scope, x)
		q := Slice(x, AxisRange(), AxisRange(0, 2))
		v := Slice(x, AxisRange(), AxisRange(2, 4))
		ad := AutodiffDerivatives(m.LagrangianFn(scope), q, v)
		return []*Node{cf.DLdq, cf.Hvv, cf.Hvq, ad.DLdq, ad.Hvv, ad.Hvq}
	}, tensors.FromFlatDataAndDimensions(states, n, 4))
	names := []string{"dL/dq", "Hvv", "Hvq"}
	for k := range 3 {
		cf := tensors.MustCopyFlatData[float64](out[k])
		ad := tensors.MustCopyFlatData[float64](out[k+3])
		worst := 0.0
		for i := range cf {
			worst = max(worst, math.Abs(cf[i]-ad[i])/(1+math.Abs(ad[i])))
		}
		if worst > 1e-10 {
			t.Errorf("%s: closed form differs from nested autodiff by %.3g", names[k], worst)
		}
	}

	// Finite differences of L for dL/dq and of dL/dq̇ (from autodiff) for the Hessian blocks.
	lag := func(x []float64) []float64 {
		o := model.MustCallOnceN(b, store, func(scope *model.Scope, xs *Node) []*Node {
			return []*Node{m.Lagrangian(scope, xs)}
		}, tensors.FromFlatDataAndDimensions(x, len(x)/4, 4))
		return tensors.MustCopyFlatData[float64](o[0])
	}
	dldq := tensors.MustCopyFlatData[float64](out[0])
	hvv := tensors.MustCopyFlatData[float64](out[1])
	const h = 1e-5
	for j := range 2 {
		plus := append([]float64(nil), states...)
		minus := append([]float64(nil), states...)
		for i := range n {
			plus[4*i+j] += h
			minus[4*i+j] -= h
		}
		lp, lm := lag(plus), lag(minus)
		for i := range n {
			fd := (lp[i] - lm[i]) / (2 * h)
			if math.Abs(fd-dldq[2*i+j]) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("sample %d: dL/dq%d = %g, finite difference %g", i, j, dldq[2*i+j], fd)
			}
		}
	}
	// Second differences along q̇: ∂²L/∂q̇ᵢ∂q̇ⱼ.
	for i0 := range 2 {
		for j0 := range 2 {
			shift := func(si, sj float64) []float64 {
				x := append([]float64(nil), states...)
				for s := range n {
					x[4*s+2+i0] += si
					x[4*s+2+j0] += sj
				}
				return lag(x)
			}
			const e = 1e-3
			pp, pm, mp, mm := shift(e, e), shift(e, -e), shift(-e, e), shift(-e, -e)
			for s := range n {
				fd := (pp[s] - pm[s] - mp[s] + mm[s]) / (4 * e * e)
				got := hvv[4*s+2*i0+j0]
				if math.Abs(fd-got) > 1e-4*(1+math.Abs(fd)) {
					t.Errorf("sample %d: Hvv[%d,%d] = %g, finite difference %g", s, i0, j0, got, fd)
				}
			}
		}
	}
}

func TestBuilderErrors(t *testing.T) {
	if _, err := New(0).Done(); err == nil {
		t.Error("New(0): no error")
	}
	if _, err := New(2).Hidden(0, 3).Done(); err == nil {
		t.Error("Hidden(0, 3): no error")
	}
	if _, err := New(3).PInv(0).Done(); err == nil {
		t.Error("3-DoF pinv: no error")
	}
	if _, err := New(2).DType(dtypes.Int32).Done(); err == nil {
		t.Error("int32 model: no error")
	}
	if _, err := NewBaseline(2).Hidden(-1, 2).Done(); err == nil {
		t.Error("baseline width -1: no error")
	}
}
