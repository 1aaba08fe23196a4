package lnn

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

// smallTraining returns a small LNN, a test set and a training source of slow states (slow velocities
// make the task easy enough to see learning in a few steps), with an L1 config of epochs × 25 steps.
func smallTraining(t *testing.T, epochs int) (compute.Backend, *Model, *Dataset, Source, TrainConfig) {
	t.Helper()
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	net, err := New(2).Hidden(32, 2).Done()
	if err != nil {
		t.Fatal(err)
	}
	test, err := RandomStates(DefaultStates(256, 99))
	if err != nil {
		t.Fatal(err)
	}
	src := FreshStates(StatesConfig{System: systems.DefaultDoublePendulum(), VelMax: 1, Seed: 3}, 64*25)
	cfg := DefaultTrainConfig(epochs)
	cfg.BatchSize, cfg.LR, cfg.Loss = 64, 3e-3, L1
	return modeltest.Backend(t), net, test, src, cfg
}

func TestTrainResumesAndLearns(t *testing.T) {
	b, net, test, src, cfg := smallTraining(t, 2)
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
	store, loaded, err := LoadTrained(cfg.Checkpoint, net)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Epochs != 4 || loaded.Steps != r2.Steps || loaded.Steps != 100 {
		t.Errorf("LoadTrained: %d epochs, %d steps; want 4 and %d (= the run's 100)", loaded.Epochs, loaded.Steps, r2.Steps)
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
	b := modeltest.Backend(t)
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
	d := testutil.Generate(t, Trajectories, cfg)
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
type analyticNet struct {
	noVariables
	p systems.DoublePendulum
}

func (a analyticNet) Accel(_ *model.Scope, state *Node) (*Node, *Node) {
	q := Slice(state, AxisRange(), AxisRange(0, 2))
	v := Slice(state, AxisRange(), AxisRange(2, 4))
	return Accelerations(AutodiffDerivatives(analyticLagrangian(a.p), q, v), v, SolveOptions{})
}
func (analyticNet) NumDoF() int    { return 2 }
func (analyticNet) String() string { return "analytic" }

func TestRolloutAndEnergyOfExactModel(t *testing.T) {
	b := modeltest.Backend(t)
	sys := systems.DefaultDoublePendulum()
	p, err := NewPredictor(b, analyticNet{p: sys}, model.NewStore())
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

func TestTrainInitFrom(t *testing.T) {
	b, net, test, src, cfg := smallTraining(t, 3)
	cfg.Checkpoint = filepath.Join(t.TempDir(), "pre.ckpt")
	pre, err := Train(b, net, src, test, cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	preTest := pre.History.Series["test"][2]

	// Fine-tuning with a negligible learning rate starts where the pre-trained network ended, with a
	// fresh epoch count and history; a fresh network starts far from it.
	ft := cfg
	ft.Epochs, ft.LR, ft.InitFrom = 1, 1e-12, cfg.Checkpoint
	ft.Checkpoint = filepath.Join(t.TempDir(), "ft.ckpt")
	r, err := Train(b, net, src, test, ft, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Resumed || r.Epochs != 1 || len(r.History.Steps) != 1 {
		t.Fatalf("fine-tune run: resumed %v, epochs %d, history %v", r.Resumed, r.Epochs, r.History.Steps)
	}
	if got := r.History.Series["test"][0]; math.Abs(got-preTest) > 1e-4*preTest {
		t.Errorf("fine-tune starts at test loss %g, pre-trained network ended at %g", got, preTest)
	}
	fresh := ft
	fresh.InitFrom, fresh.Checkpoint = "", ""
	r0, err := Train(b, net, src, test, fresh, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r0.History.Series["test"][0]; math.Abs(got-preTest) < 0.05*preTest {
		t.Errorf("a fresh network has test loss %g, too close to the pre-trained %g for this test to mean anything", got, preTest)
	}

	// A checkpoint of a different network is rejected with an error naming the problem.
	other, err := New(2).Hidden(16, 2).Done()
	if err != nil {
		t.Fatal(err)
	}
	bad := ft
	bad.Checkpoint = ""
	if _, err := Train(b, other, src, test, bad, Callbacks{}); err == nil {
		t.Error("InitFrom with a checkpoint of a wider network: no error")
	} else {
		t.Log(err)
	}
}

func TestTrainStages(t *testing.T) {
	b, net, _, _, cfg := smallTraining(t, 2)
	cfg.StepsPerEpoch = 10
	slow := StatesConfig{System: systems.DefaultDoublePendulum(), VelMax: 1, Seed: 3}
	test := DefaultStates(256, 99)
	test.VelMax = 1
	fast := slow
	fast.VelMax = 2
	ft := cfg
	// A negligible learning rate in the second stage: it must start (and stay) at the first one's best.
	ft.LR, ft.ClipAccel, ft.HessianPenalty, ft.PosDefMargin = 1e-12, 300, 100, 0.05
	stages := []Stage{{Data: slow, Test: test, Train: cfg}, {Data: fast, Test: test, Train: ft}}
	final := filepath.Join(t.TempDir(), "final.ckpt")
	var steps []int
	cb := Callbacks{OnStep: func(s StepInfo) {
		steps = append(steps, s.Step)
		if s.TotalSteps != 40 {
			t.Fatalf("TotalSteps %d, want 40 over both stages", s.TotalSteps)
		}
	}}
	res, err := TrainStages(b, net, stages, final, cb)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 40 || steps[0] != 0 || steps[39] != 39 {
		t.Fatalf("callback steps %v, want 0..39", steps)
	}
	if res.Epochs != 2 || len(res.History.Steps) != 2 {
		t.Fatalf("last stage: %d epochs, history %v", res.Epochs, res.History.Steps)
	}
	// The second stage started from the first one's best epoch: its first epoch's test loss is that
	// best, unlike a fresh network's.
	first, err := CheckpointPath(fmt.Sprintf("%T", net)[1:], net, stages[:1])
	if err != nil {
		t.Fatal(err)
	}
	_, r1, err := LoadTrained(first, net)
	if err != nil {
		t.Fatalf("first stage checkpoint: %v", err)
	}
	best1 := slices.Min(r1.History.Series["test"])
	fresh := ft
	fresh.Epochs, fresh.LR = 1, 1e-3
	r0, err := Train(b, net, FreshStates(fast, 640), mustStates(t, test), fresh, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	got, fresh0 := res.History.Series["test"][0], r0.History.Series["test"][0]
	if math.Abs(got-best1) > 1e-4*best1 || math.Abs(fresh0-best1) < 0.05*best1 {
		t.Errorf("second stage's first test loss %g; first stage's best %g, a fresh network's %g", got, best1, fresh0)
	}
	// Run again: the final checkpoint is complete, so nothing trains.
	steps = nil
	res2, err := TrainStages(b, net, stages, final, cb)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 0 || !res2.Resumed || res2.Epochs != 2 {
		t.Errorf("rerun: %d steps, resumed %v, epochs %d", len(steps), res2.Resumed, res2.Epochs)
	}
	// Trained from the final checkpoint (as a shipped model) counts the steps of both stages.
	if _, rt, err := Trained(b, net, final, false, stages, Callbacks{}); err != nil {
		t.Fatal(err)
	} else if rt.Steps != 40 || rt.Epochs != 2 {
		t.Errorf("Trained from the final checkpoint: %d steps, %d epochs; want 40 over both stages, 2", rt.Steps, rt.Epochs)
	}
	// The final checkpoint belongs to these two stages: a different stage list must not resume it.
	other := []Stage{stages[0], stages[1], stages[1]}
	if _, err := TrainStages(b, net, other, final, Callbacks{}); err == nil {
		t.Error("a different stage list resumed the final checkpoint of another run")
	} else {
		t.Log(err)
	}
	if _, err := TrainStages(b, net, nil, final, cb); err == nil {
		t.Error("no stages: no error")
	}
}

func mustStates(t *testing.T, c StatesConfig) *Dataset {
	t.Helper()
	d, err := RandomStates(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLoadTrainedRefusesOtherNetwork loads LNN checkpoints as the baseline network (and the
// reverse): refused with an error naming both, for Train's checkpoints (their identity) and for the
// shipped ones written before identities (format 1: their variables), which still load as what
// they are.
func TestLoadTrainedRefusesOtherNetwork(t *testing.T) {
	b, net, test, src, cfg := smallTraining(t, 1)
	cfg.StepsPerEpoch = 2
	cfg.Checkpoint = filepath.Join(t.TempDir(), "lnn.ckpt")
	if _, err := Train(b, net, src, test, cfg, Callbacks{}); err != nil {
		t.Fatal(err)
	}
	base, err := NewBaseline(2).Hidden(net.Width, net.Depth).Done()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{cfg.Checkpoint, BestPath(cfg.Checkpoint)} {
		if _, _, err := LoadTrained(path, base); err == nil || !strings.Contains(err.Error(), "lnn.Model") ||
			!strings.Contains(err.Error(), "lnn.Baseline") {
			t.Errorf("%s as the baseline: err = %v, want one naming lnn.Model and lnn.Baseline", filepath.Base(path), err)
		} else {
			t.Log(err)
		}
	}
	if _, err := Train(b, base, src, test, cfg, Callbacks{}); err == nil || !strings.Contains(err.Error(), "lnn.Baseline") {
		t.Errorf("training the baseline from the LNN's checkpoint: err = %v", err)
	}

	dir := filepath.Join("..", "..", "notebooks", "models", "lnn")
	lnnPath, basePath := filepath.Join(dir, "lnn_3x128.ckpt"), filepath.Join(dir, "baseline_3x128.ckpt")
	for _, p := range []string{lnnPath, basePath} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no shipped model: %v", err)
		}
	}
	s, err := DoublePendulumSetup(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path      string
		net       Net
		ok        bool
		mentioned []string
	}{
		{lnnPath, s.LNN, true, nil},
		{basePath, s.Baseline, true, nil},
		{lnnPath, s.Baseline, false, []string{"lnn.Baseline", "/lnn/dense_0/weights", "/baseline/dense_0/weights"}},
		{basePath, s.LNN, false, []string{"lnn.Model", "/baseline/dense_0/weights", "/lnn/dense_0/weights"}},
	} {
		_, res, err := LoadTrained(c.path, c.net)
		if c.ok {
			if err != nil || res.Epochs == 0 || res.History.Steps[0] != 1 {
				t.Errorf("shipped %s as %s: %v", filepath.Base(c.path), c.net, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("shipped %s loaded as %s", filepath.Base(c.path), c.net)
			continue
		}
		t.Log(err)
		for _, want := range c.mentioned {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("shipped %s as %s: error %q does not name %s", filepath.Base(c.path), c.net, err, want)
			}
		}
	}
}

// TestTrainResumesMidEpoch interrupts training in the middle of an epoch (SIGINT: the checkpoint is
// saved at that batch) and resumes it: the result is the uninterrupted run's, bit for bit.
func TestTrainResumesMidEpoch(t *testing.T) {
	b, net, test, src, cfg := smallTraining(t, 2)
	cfg.StepsPerEpoch = 10
	ref, err := Train(b, net, src, test, cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint = filepath.Join(t.TempDir(), "mid.ckpt")
	defer training.ResetInterrupt()
	stop := Callbacks{OnStep: func(s StepInfo) {
		if s.Step == 12 {
			p, err := os.FindProcess(os.Getpid())
			if err == nil {
				err = p.Signal(os.Interrupt)
			}
			if err != nil {
				t.Skipf("cannot interrupt this process: %v", err)
			}
			for !training.Interrupted() {
				time.Sleep(time.Millisecond)
			}
		}
	}}
	r1, err := Train(b, net, src, test, cfg, stop)
	if !errors.Is(err, training.ErrInterrupted) || r1.Steps != 13 || r1.Epochs != 1 {
		t.Fatalf("interrupted run: %d steps, %d epochs, err %v; want 13, 1, ErrInterrupted", r1.Steps, r1.Epochs, err)
	}
	training.ResetInterrupt()
	var first StepInfo
	r2, err := Train(b, net, src, test, cfg, Callbacks{OnStep: func(s StepInfo) {
		if first.Step == 0 {
			first = s
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Resumed || first.Epoch != 1 || first.Batch != 3 || first.Step != 13 || r2.Steps != 20 {
		t.Fatalf("resumed at epoch %d batch %d step %d (resumed %v), ended after %d steps; want epoch 1 batch 3 step 13, 20",
			first.Epoch, first.Batch, first.Step, r2.Resumed, r2.Steps)
	}
	for _, name := range []string{"train", "test", "lr"} {
		if got, want := r2.History.Series[name], ref.History.Series[name]; !slices.Equal(got, want) {
			t.Errorf("%s after resuming mid-epoch %v, uninterrupted %v", name, got, want)
		}
	}
}
