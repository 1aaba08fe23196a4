package neuralode

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/training"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

// graphFinal runs the model's graph flow on points (n×2) and returns x_K.
func graphFinal(t *testing.T, m *Model, store *model.Store, pts []float64) []float64 {
	t.Helper()
	return modeltest.Eval(t, store, func(scope *model.Scope, x *Node) *Node {
		xs := m.Flow(scope, x)
		return xs[len(xs)-1]
	}, training.TensorFromFloat64s(m.cfg.DType, pts, len(pts)/2, 2))[0]
}

// initialised builds a model from cfg with its variables initialised in a new store, and returns the model,
// the store, the graph's final states on testPoints and the weights in plain Go.
func initialised(t *testing.T, cfg Config) (*Model, *model.Store, []float64, Params) {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := modeltest.Init(t, m)
	got := graphFinal(t, m, store, testPoints)
	p, err := m.Extract(store)
	if err != nil {
		t.Fatal(err)
	}
	return m, store, got, p
}

var testPoints = []float64{0.3, -0.7, -0.9, 0.1, 0.5, 0.5, 0, 0, -0.2, 0.95}

// With one set of weights the ResNet is forward Euler on the autonomous ODE ẋ = f(x, θ): the graph must
// match package ode's Euler with the same step, and its distance to the exact flow (Dormand-Prince) must
// halve when K doubles (first order).
func TestResNetIsForwardEuler(t *testing.T) {
	var errs []float64
	for _, K := range []int{8, 16, 32, 64} {
		cfg := DefaultConfig()
		cfg.Steps, cfg.Shared, cfg.DType, cfg.T, cfg.InitGain = K, true, dtypes.Float64, 2, 1.5
		m, _, got, p := initialised(t, cfg)
		f := func(_ float64, x, dx []float64) { copy(dx, p.Field(0, x)) }
		maxErr := 0.0
		for i := range len(testPoints) / 2 {
			z := testPoints[2*i : 2*i+2]
			eu, err := ode.Solve(ode.Problem{F: f, Y0: z, T1: cfg.T}, ode.Euler(), ode.Options{Dt: m.H()})
			if err != nil {
				t.Fatal(err)
			}
			_, ye := eu.Final()
			for j := range 2 {
				if d := math.Abs(got[2*i+j] - ye[j]); d > 1e-12 {
					t.Fatalf("K=%d point %d: graph x_K[%d] = %.15g, ode.Euler %.15g", K, i, j, got[2*i+j], ye[j])
				}
			}
			ex, err := ode.Solve(ode.Problem{F: f, Y0: z, T1: cfg.T}, ode.DormandPrince(), ode.Options{RTol: 1e-12, ATol: 1e-12})
			if err != nil {
				t.Fatal(err)
			}
			_, yx := ex.Final()
			maxErr = math.Max(maxErr, math.Hypot(got[2*i]-yx[0], got[2*i+1]-yx[1]))
		}
		errs = append(errs, maxErr)
	}
	for i := 1; i < len(errs); i++ {
		if r := errs[i-1] / errs[i]; r < 1.8 || r > 2.2 {
			t.Fatalf("Euler error ratio when halving h: %v (errors %v), want ≈ 2", r, errs)
		}
	}
}

// Per-step weights: the graph, the plain-Go Params.Flow and the classifier logit agree.
func TestGraphMatchesParams(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Steps, cfg.DType, cfg.Width = 5, dtypes.Float64, 7
	m, store, got, p := initialised(t, cfg)
	logits := modeltest.Eval(t, store, func(scope *model.Scope, x *Node) *Node { return m.Logits(scope, x) },
		training.TensorFromFloat64s(dtypes.Float64, testPoints, len(testPoints)/2, 2))[0]
	reg := modeltest.Eval(t, store, func(scope *model.Scope, g *Graph) *Node { return m.Regularizer(scope, g) })[0]
	want := 0.0
	for _, l := range p.Layers {
		for _, v := range [][]float64{l.W1, l.B1, l.W2, l.B2} {
			for _, x := range v {
				want += x * x * m.H()
			}
		}
	}
	if math.Abs(reg[0]-want) > 1e-10*want {
		t.Fatalf("running cost: graph %g, Go %g", reg[0], want)
	}
	for i := range len(testPoints) / 2 {
		xs := p.Flow(testPoints[2*i : 2*i+2])
		if len(xs) != cfg.Steps+1 {
			t.Fatalf("Flow returned %d states, want %d", len(xs), cfg.Steps+1)
		}
		want := xs[cfg.Steps]
		for j := range 2 {
			if math.Abs(got[2*i+j]-want[j]) > 1e-12 {
				t.Fatalf("point %d: graph %g, Go %g", i, got[2*i+j], want[j])
			}
		}
		if l := p.Logit(testPoints[2*i : 2*i+2]); math.Abs(l-logits[i]) > 1e-12 {
			t.Fatalf("point %d: graph logit %g, Go %g", i, logits[i], l)
		}
	}
}

// lectureData generates the lecture's classification data with n points.
func lectureData(t *testing.T, n int) (DataConfig, *Dataset) {
	t.Helper()
	cfg := DefaultData()
	cfg.N = n
	d := testutil.Generate(t, Classification, cfg)
	return cfg, d
}

func TestLectureDataLabels(t *testing.T) {
	cfg, d := lectureData(t, 400)
	// Labels come from the flow: check a few against a fine fixed-step RK4 solve.
	for i := 0; i < d.N; i += 50 {
		sol, err := ode.Solve(ode.Problem{F: LectureField, Y0: d.Point(i), T1: cfg.T}, ode.RK4(), ode.Options{Dt: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		_, y := sol.Final()
		if math.Abs(y[0]-d.Final[2*i]) > 1e-6 || (y[0] > 0) != (d.Labels[i] == 1) {
			t.Fatalf("point %d: flow %v vs RK4 %v, label %g", i, d.Final[2*i:2*i+2], y, d.Labels[i])
		}
	}
	ones := 0.0
	for _, l := range d.Labels {
		ones += l
	}
	if frac := ones / float64(d.N); frac < 0.25 || frac > 0.75 {
		t.Fatalf("class balance %.2f: the problem should have both classes well represented", frac)
	}
}

func TestTrainingSeparatesTheClasses(t *testing.T) {
	_, d := lectureData(t, 300)
	b := modeltest.Backend(t)
	lin, _ := New(Config{Dim: 2, Width: 1, Steps: 0, T: 1, InitGain: 1, Seed: 1, DType: dtypes.Float32, Scope: "linear"})
	rl, err := Train(b, lin, d, DefaultTrainConfig(300), nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := DefaultConfig()
	mc.Steps, mc.Width = 8, 12
	m, _ := New(mc)
	rm, err := Train(b, m, d, TrainConfig{Steps: 400, LR: 0.03, LogEvery: 50}, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := rm.History.Series["loss"], 0
	lossEnd, _ := rm.History.Last("loss")
	accLin := Accuracy(rl.Params, d, 0, d.NTrain)
	accFlow := Accuracy(rm.Params, d, 0, d.NTrain)
	t.Logf("train accuracy: linear %.3f, flow %.3f; loss %.3f → %.3f", accLin, accFlow, first[0], lossEnd)
	if !(lossEnd < 0.5*first[0]) {
		t.Fatalf("loss %g → %g: training must at least halve it", first[0], lossEnd)
	}
	if accLin > 0.97 {
		t.Fatalf("a linear classifier reaches %.3f: the data should not be linearly separable", accLin)
	}
	if accFlow < 0.97 || accFlow < accLin+0.02 {
		t.Fatalf("flow + linear classifier reaches only %.3f (linear alone %.3f)", accFlow, accLin)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(Config{Dim: 2, Width: 0, Steps: 3, T: 1, InitGain: 1, DType: dtypes.Float32, Scope: "x"}); err == nil {
		t.Error("width 0 accepted")
	}
	if _, err := New(Config{Dim: 2, Width: 3, Steps: 3, T: math.NaN(), InitGain: 1, DType: dtypes.Float32, Scope: "x"}); err == nil {
		t.Error("NaN horizon accepted")
	}
	if _, err := Classification(DataConfig{N: 10, T: 4, Radius: -1, Bound: 3}); err == nil {
		t.Error("negative radius accepted")
	}
	m, _ := New(DefaultConfig())
	if _, err := Train(modeltest.Backend(t), m, &Dataset{N: 2, NTrain: 2, Z: []float64{0, math.NaN(), 1, 1}, Labels: []float64{0, 1}}, DefaultTrainConfig(5), nil); err == nil {
		t.Error("NaN point accepted")
	}
	if _, err := Train(modeltest.Backend(t), m, &Dataset{N: 2, NTrain: 2, Z: []float64{0, 0, 1, 1}, Labels: []float64{0, 2}}, DefaultTrainConfig(5), nil); err == nil {
		t.Error("label 2 accepted")
	}
	if _, err := Train(modeltest.Backend(t), m, &Dataset{N: 1, NTrain: 1, Z: []float64{0, 0}, Labels: []float64{0}}, TrainConfig{Steps: 5, LR: -1}, nil); err == nil {
		t.Error("negative learning rate accepted")
	}
}

// Training stopped after 30 steps and resumed from its checkpoint ends where 60 uninterrupted steps end
// (weights and Adam's moments are in the checkpoint), with the whole history.
func TestTrainResumesFromCheckpoint(t *testing.T) {
	_, d := lectureData(t, 100)
	b := modeltest.Backend(t)
	mc := DefaultConfig()
	mc.Steps, mc.Width, mc.DType = 4, 6, dtypes.Float64
	newModel := func() *Model {
		m, err := New(mc)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tc := TrainConfig{Steps: 60, LR: 0.03, Reg: 1e-3, LogEvery: 10}
	ref, err := Train(b, newModel(), d, tc, nil)
	if err != nil {
		t.Fatal(err)
	}
	tc.Checkpoint = filepath.Join(t.TempDir(), "node.ckpt")
	tc.Steps = 30
	if _, err := Train(b, newModel(), d, tc, nil); err != nil {
		t.Fatal(err)
	}
	tc.Steps = 60
	res, err := Train(b, newModel(), d, tc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The history holds the uninterrupted run's records (plus the first run's last step, 29).
	if !res.Resumed || res.Steps != 60 || !slices.IsSorted(res.History.Steps) {
		t.Fatalf("resumed=%v, steps %d, history %v", res.Resumed, res.Steps, res.History.Steps)
	}
	for _, s := range ref.History.Steps {
		if !slices.Contains(res.History.Steps, s) {
			t.Fatalf("resumed history %v lacks step %d of the uninterrupted run", res.History.Steps, s)
		}
	}
	got, _ := res.History.Last("loss")
	want, _ := ref.History.Last("loss")
	if math.Abs(got-want) > 1e-9*want {
		t.Errorf("last loss after resuming %.12g, uninterrupted %.12g", got, want)
	}
}
