package lnn

import (
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"
)

func TestTrainResumesAndLearns(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	b := testBackend(t)
	net, err := New(2).Hidden(32, 2).Done()
	if err != nil {
		t.Fatal(err)
	}
	test, err := RandomStates(DefaultStates(256, 99))
	if err != nil {
		t.Fatal(err)
	}
	// Slow velocities make the task easy enough to see learning in a few steps.
	src := FreshStates(StatesConfig{System: systems.DefaultDoublePendulum(), VelMax: 1, Seed: 3}, 64*25)
	cfg := DefaultTrainConfig(2)
	cfg.BatchSize, cfg.LR, cfg.Loss = 64, 3e-3, L1
	cfg.Checkpoint = filepath.Join(t.TempDir(), "lnn.ckpt")
	r1, err := Train(b, net, src, test, cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Resumed || r1.Epochs != 2 || r1.Steps != 50 || len(r1.History.Steps) != 2 {
		t.Fatalf("first run: resumed %v, epochs %d, steps %d, history %v", r1.Resumed, r1.Epochs, r1.Steps, r1.History.Steps)
	}
	cfg.Epochs = 4
	epochs := 0
	r2, err := Train(b, net, src, test, cfg, Callbacks{OnEpoch: func(EpochInfo) { epochs++ }})
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Resumed || r2.Epochs != 4 || epochs != 2 || len(r2.History.Steps) != 4 {
		t.Fatalf("resumed run: resumed %v, epochs %d (ran %d), history %v", r2.Resumed, r2.Epochs, epochs, r2.History.Steps)
	}
	first, last := r2.History.Series["train"][0], r2.History.Series["train"][3]
	if !(last < first) {
		t.Errorf("training loss did not decrease: %v", r2.History.Series["train"])
	}
	if _, _, err := LoadTrained(BestPath(cfg.Checkpoint), net); err != nil {
		t.Errorf("best-epoch checkpoint: %v", err)
	}
	// Loading the shipped-model format gives the same predictions as the trained store.
	store, _, err := LoadTrained(cfg.Checkpoint, net)
	if err != nil {
		t.Fatal(err)
	}
	// The float64 copy predicts the same accelerations up to float32 rounding.
	n64, s64, err := Float64(net, store)
	if err != nil {
		t.Fatal(err)
	}
	p64, err := NewPredictor(b, n64, s64)
	if err != nil {
		t.Fatal(err)
	}
	a64, _, err := p64.Accel(test.States[:16])
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := NewPredictor(b, net, r2.Store)
	p2, _ := NewPredictor(b, net, store)
	a1, _, err1 := p1.Accel(test.States[:16])
	a2, _, err2 := p2.Accel(test.States[:16])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	for i := range a1 {
		if math.Abs(a64[i]-a1[i]) > 1e-4*(1+math.Abs(a1[i])) {
			t.Errorf("float64 copy predicts %g, float32 model %g", a64[i], a1[i])
		}
		if a1[i] != a2[i] {
			t.Fatalf("predictions after LoadTrained differ: %v vs %v", a1[i], a2[i])
		}
	}
}

type nanSource struct{}

func (nanSource) Len() int { return 64 }
func (nanSource) Fill(_, _ int, states, accels []float64) {
	for i := range accels {
		accels[i] = math.NaN()
	}
}

func TestTrainNaN(t *testing.T) {
	b := testBackend(t)
	net, err := NewBaseline(2).Hidden(8, 1).Done()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultTrainConfig(1)
	cfg.BatchSize = 32
	_, err = Train(b, net, nanSource{}, nil, cfg, Callbacks{})
	if !errors.Is(err, training.ErrDiverged) {
		t.Fatalf("NaN targets: err = %v, want ErrDiverged", err)
	}
	if _, err := Train(b, net, nanSource{}, nil, TrainConfig{Epochs: 1, BatchSize: 8, LR: -1}, Callbacks{}); err == nil {
		t.Error("negative learning rate: no error")
	}
}

func TestLearningRateSchedules(t *testing.T) {
	c := DefaultTrainConfig(100)
	if got := c.LearningRate(0, 25, 1000); math.Abs(got-0.25e-3) > 1e-15 {
		t.Errorf("StepLR at epoch 25 = %g, want 2.5e-4", got)
	}
	c.Schedule = OneCycle
	if got := c.LearningRate(0, 0, 1000); math.Abs(got/1e-3-0.3455) > 1e-3 {
		t.Errorf("OneCycle start = %g, want 0.345·LR", got)
	}
	if got := c.LearningRate(375, 0, 1000); math.Abs(got-1e-3) > 1e-9 {
		t.Errorf("OneCycle peak = %g, want LR", got)
	}
	if got := c.LearningRate(1000, 0, 1000); math.Abs(got-1e-7) > 1e-12 {
		t.Errorf("OneCycle end = %g, want LR/1e4", got)
	}
}

func TestTrajectoriesData(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	cfg := DefaultTrajectories(4)
	cfg.NumTraj = 8
	d, err := Trajectories(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 32 {
		t.Fatalf("N = %d, want 8×4", d.N)
	}
	sys := cfg.System
	for i := range d.N {
		s := d.States[4*i : 4*i+4]
		a1, a2 := sys.Accel(s[0], s[1], s[2], s[3])
		if a1 != d.Accels[2*i] || a2 != d.Accels[2*i+1] {
			t.Fatalf("sample %d: accelerations are not the exact ones", i)
		}
	}
	// Points of one trajectory conserve energy.
	for k := 1; k < 4; k++ {
		e0, ek := sys.Energy(d.States[0:4]), sys.Energy(d.States[4*k:4*k+4])
		if math.Abs(e0-ek) > 1e-8 {
			t.Errorf("energy along trajectory 0 changes from %g to %g", e0, ek)
		}
	}
	again, err := Trajectories(cfg)
	if err != nil || again.States[5] != d.States[5] {
		t.Errorf("cached data differs: %v", err)
	}
	if _, err := Trajectories(TrajectoriesConfig{System: sys}); err == nil {
		t.Error("empty trajectory config: no error")
	}
}

// analyticNet is a Net whose accelerations come from the analytic Lagrangian through nested autodiff
// and the Euler-Lagrange solve: rolling it out must reproduce the true system.
type analyticNet struct{ p systems.DoublePendulum }

func (a analyticNet) Accel(_ *model.Scope, state *Node) (*Node, *Node) {
	q := Slice(state, AxisRange(), AxisRange(0, 2))
	v := Slice(state, AxisRange(), AxisRange(2, 4))
	return Accelerations(AutodiffDerivatives(analyticLagrangian(a.p), q, v), v, SolveOptions{})
}
func (analyticNet) NumDoF() int                { return 2 }
func (analyticNet) String() string             { return "analytic" }
func (analyticNet) ComputeDType() dtypes.DType { return dtypes.Float64 }

func TestRolloutAndEnergyOfExactModel(t *testing.T) {
	b := testBackend(t)
	sys := systems.DefaultDoublePendulum()
	p, err := NewPredictor(b, analyticNet{sys}, model.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	cfg := RolloutConfig{T1: 5, FPS: 10, RTol: 1e-10, ATol: 1e-10}
	rep, err := EnergyError(p, sys, PaperICs(4), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Pred.T) != 51 || math.Abs(rep.Scale-29.4) > 1e-12 {
		t.Fatalf("rollout has %d frames, scale %g", len(rep.Pred.T), rep.Scale)
	}
	if rep.Mean > 1e-8 || rep.Median > 1e-8 || len(rep.Diverged) != 0 {
		t.Errorf("energy error of the exact model = %g (median %g, diverged %v), want ~0", rep.Mean, rep.Median, rep.Diverged)
	}
	for i := range rep.Pred.States {
		for k := range rep.Pred.T {
			for j := range 4 {
				if d := math.Abs(rep.Pred.States[i][k][j] - rep.True.States[i][k][j]); d > 1e-5 {
					t.Fatalf("IC %d t=%g: rollout of the exact model differs from the true system by %g", i, rep.Pred.T[k], d)
				}
			}
		}
	}
	if _, err := Rollout(p, [][]float64{{1, 2, 3}}, cfg); err == nil {
		t.Error("3-value initial condition: no error")
	}
}

// TestRolloutEnergyDrift checks that the default rollout integrator (Dormand-Prince, rtol = atol =
// 1e-7) conserves the true system's energy to far better than the paper's 0.0043 over t = 100, so the
// metric measures the model and not the integrator (RK4 with step 0.01 drifts by ~2e-3: too much).
func TestRolloutEnergyDrift(t *testing.T) {
	sys := systems.DefaultDoublePendulum()
	cfg := DefaultRollout()
	worst, steps := 0.0, 0
	for _, ic := range EvalICs(10, 0) {
		sol, err := ode.Solve(sys.Problem(ic, 0, 100), ode.DormandPrince(),
			ode.Options{RTol: cfg.RTol, ATol: cfg.ATol, Saveat: []float64{100}})
		if err != nil {
			t.Fatal(err)
		}
		_, y := sol.Final()
		worst = max(worst, math.Abs(sys.Energy(y)-sys.Energy(ic))/sys.EnergyScale())
		steps = max(steps, sol.Stats.Steps)
	}
	if worst > 1e-5 {
		t.Errorf("default rollout integrator: relative energy drift at t = 100: %g, want < 1e-5", worst)
	}
	t.Logf("Dormand-Prince rtol %g: worst relative energy drift at t=100 %.2g, at most %d steps", cfg.RTol, worst, steps)
}
