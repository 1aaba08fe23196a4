package onsagernet

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// testNet returns a float64 OnsagerNet with large enough random weights that every part matters.
func testNet(t *testing.T, layers int, forcing bool, act Activation) *OnsagerNet {
	t.Helper()
	cfg := DefaultConfig(3)
	cfg.Hidden, cfg.Layers, cfg.Forcing, cfg.Act = 7, layers, forcing, act
	cfg.InitGain, cfg.DType, cfg.Seed = 1.0, dtypes.Float64, 42
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomStates(n, dim int, scale float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n*dim)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

// evalParts runs Parts in a graph and returns M, W, V, ∇V, g, ḣ and the autodiff gradient of ΣV.
func evalParts(t *testing.T, m *OnsagerNet, store *model.Store, states []float64, batch int) [][]float64 {
	t.Helper()
	return modeltest.Eval(t, store, func(scope *model.Scope, h *Node) []*Node {
		p := m.Parts(scope, h)
		auto := Gradient(ReduceAllSum(p.V), h)[0]
		return []*Node{p.M, p.W, p.V, p.GradV, p.G, p.Field, auto}
	}, training.TensorFromFloat64s(dtypes.Float64, states, batch, m.Dim()))
}

func TestOnsagerGraphMatchesGoAndAutodiff(t *testing.T) {
	for _, tc := range []struct {
		layers int
		act    Activation
	}{{1, ActReQUr}, {2, ActReQUr}, {2, ActTanh}, {1, ActSoftplus}} {
		m := testNet(t, tc.layers, true, tc.act)
		store := modeltest.Init(t, m)
		const batch = 16
		states := randomStates(batch, 3, 1.5, 3)
		res := evalParts(t, m, store, states, batch)
		vf, err := m.Extract(store)
		if err != nil {
			t.Fatal(err)
		}
		f := vf.(*OnsagerField)
		for b := range batch {
			h := states[3*b : 3*b+3]
			p := f.Parts(h)
			check := func(what string, got, want []float64, tol float64) {
				t.Helper()
				for i := range want {
					if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
						t.Fatalf("layers=%d %s: sample %d %s[%d]: graph %.12g, Go %.12g", tc.layers, tc.act, b, what, i, got[i], want[i])
					}
				}
			}
			check("M", res[0][9*b:9*b+9], p.M, 1e-10)
			check("W", res[1][9*b:9*b+9], p.W, 1e-10)
			check("V", res[2][b:b+1], []float64{p.V}, 1e-10)
			check("gradV", res[3][3*b:3*b+3], p.GradV, 1e-10)
			check("g", res[4][3*b:3*b+3], p.G, 1e-10)
			check("field", res[5][3*b:3*b+3], p.Field, 1e-10)
			fast := make([]float64, 3)
			f.Eval(h, fast)
			check("Eval", fast, p.Field, 1e-12)
			// Closed-form ∇V against GoMLX autodiff and central differences of the Go potential.
			check("gradV vs autodiff", res[3][3*b:3*b+3], res[6][3*b:3*b+3], 1e-10)
			const eps = 1e-6
			fd := make([]float64, 3)
			for i := range 3 {
				hp := append([]float64(nil), h...)
				hm := append([]float64(nil), h...)
				hp[i] += eps
				hm[i] -= eps
				fd[i] = (f.Potential(hp) - f.Potential(hm)) / (2 * eps)
			}
			check("gradV vs finite differences", p.GradV, fd, 1e-5)
		}
	}
}

func TestOnsagerStructure(t *testing.T) {
	// M symmetric with xᵀMx ≥ α‖x‖², W antisymmetric, and with g = 0 the potential never increases:
	// dV/dt = ∇V·ḣ = −∇VᵀM∇V ≤ −α‖∇V‖², for random weights and states.
	for seed := uint64(1); seed <= 3; seed++ {
		m := testNet(t, 2, false, ActReQUr)
		m.cfg.Seed = seed
		store := modeltest.Init(t, m)
		const batch = 64
		states := randomStates(batch, 3, 3, seed)
		res := evalParts(t, m, store, states, batch)
		alpha := m.cfg.Alpha
		rng := rand.New(rand.NewPCG(seed, 99))
		for b := range batch {
			M, W := res[0][9*b:9*b+9], res[1][9*b:9*b+9]
			for i := range 3 {
				for j := range 3 {
					if d := math.Abs(M[3*i+j] - M[3*j+i]); d > 1e-12 {
						t.Fatalf("M not symmetric at sample %d (%d,%d): %g", b, i, j, d)
					}
					if s := math.Abs(W[3*i+j] + W[3*j+i]); s > 1e-12 {
						t.Fatalf("W not antisymmetric at sample %d (%d,%d): %g", b, i, j, s)
					}
				}
			}
			for range 20 {
				x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
				q := floats.Dot(x, vecMat(x, M, 3))
				if q < alpha*floats.Dot(x, x)*(1-1e-12) {
					t.Fatalf("sample %d: xᵀMx = %g < α‖x‖² = %g", b, q, alpha*floats.Dot(x, x))
				}
			}
			grad, field := res[3][3*b:3*b+3], res[5][3*b:3*b+3]
			dVdt := floats.Dot(grad, field)
			bound := -alpha * floats.Dot(grad, grad)
			if dVdt > bound+1e-9*math.Abs(bound) {
				t.Fatalf("sample %d: dV/dt = %g > −α‖∇V‖² = %g (energy must dissipate with g = 0)", b, dVdt, bound)
			}
			want := -floats.Dot(grad, vecMat(grad, transpose3(M), 3))
			if math.Abs(dVdt-want) > 1e-9*(1+math.Abs(want)) {
				t.Fatalf("sample %d: dV/dt = %g, want −∇VᵀM∇V = %g (W must not change V)", b, dVdt, want)
			}
		}
	}
}

func transpose3(m []float64) []float64 {
	out := make([]float64, 9)
	for i := range 3 {
		for j := range 3 {
			out[3*j+i] = m[3*i+j]
		}
	}
	return out
}

func TestMLPGraphMatchesGo(t *testing.T) {
	cfg := DefaultMLPConfig(3)
	cfg.DType, cfg.InitGain, cfg.Layers = dtypes.Float64, 1, 3
	m, err := NewMLP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := modeltest.Init(t, m)
	const batch = 8
	states := randomStates(batch, 3, 1, 5)
	got := modeltest.Eval(t, store, func(scope *model.Scope, h *Node) *Node { return m.Field(scope, h) },
		training.TensorFromFloat64s(dtypes.Float64, states, batch, 3))[0]
	vf, err := m.Extract(store)
	if err != nil {
		t.Fatal(err)
	}
	for b := range batch {
		want := make([]float64, 3)
		vf.Eval(states[3*b:3*b+3], want)
		for i := range 3 {
			if math.Abs(got[3*b+i]-want[i]) > 1e-10*(1+math.Abs(want[i])) {
				t.Fatalf("sample %d component %d: graph %g, Go %g", b, i, got[3*b+i], want[i])
			}
		}
	}
	if m.NumParams() != 3*16+16+16*16+16+16*16+16+16*3+3 {
		t.Fatalf("NumParams = %d", m.NumParams())
	}
}

func TestBadConfigs(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Dim = 0 },
		func(c *Config) { c.Hidden = -1 },
		func(c *Config) { c.Alpha = math.NaN() },
		func(c *Config) { c.Beta = -1 },
		func(c *Config) { c.Act = "nope" },
		func(c *Config) { c.DType = dtypes.Int32 },
		func(c *Config) { c.Scope = "" },
	}
	for i, f := range bad {
		c := DefaultConfig(3)
		f(&c)
		if _, err := New(c); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
	if _, err := NewMLP(MLPConfig{Dim: 3, Hidden: 4, Layers: 0, DType: dtypes.Float32, InitGain: 1, Scope: "x"}); err == nil {
		t.Error("MLP with 0 layers accepted")
	}
	m, _ := New(DefaultConfig(3))
	if _, err := m.Extract(model.NewStore()); err == nil {
		t.Error("Extract from an empty store succeeded")
	}
}

func BenchmarkOnsagerFieldEval(b *testing.B) {
	m, err := New(DefaultConfig(3))
	if err != nil {
		b.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Init(store); err != nil {
		b.Fatal(err)
	}
	vf, err := m.Extract(store)
	if err != nil {
		b.Fatal(err)
	}
	h, dh := []float64{0.3, -0.2, 1.1}, make([]float64, 3)
	for b.Loop() {
		vf.Eval(h, dh)
	}
}
