package linearrnn

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/training"
)

func testModel(t *testing.T) *Model {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Hidden, cfg.DType, cfg.UScale, cfg.CScale, cfg.Seed = 6, dtypes.Float64, 1, 1, 3
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testInitialised is testModel with its variables initialised in a new store.
func testInitialised(t *testing.T) (*Model, *model.Store) {
	t.Helper()
	m := testModel(t)
	store := modeltest.Init(t, m)
	return m, store
}

// The RNN unrolled in the graph, the RNN run in Go and the closed-form convolution with its kernel agree.
func TestOutputsAreTheKernelConvolution(t *testing.T) {
	m, store := testInitialised(t)
	const batch, K = 3, 40
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, batch*K)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	got := modeltest.Eval(t, store, func(scope *model.Scope, xs *Node) *Node { return m.Outputs(scope, xs) },
		training.TensorFromFloat64s(dtypes.Float64, x, batch, K))[0]
	p, err := m.Extract(store)
	if err != nil {
		t.Fatal(err)
	}
	rho := p.Kernel(K)
	for b := range batch {
		seq := x[b*K : (b+1)*K]
		conv := ApplyKernel(seq, rho)
		run := p.Run(seq)
		for k := range K {
			if math.Abs(got[b*K+k]-conv[k]) > 1e-12 || math.Abs(run[k]-conv[k]) > 1e-12 {
				t.Fatalf("sequence %d step %d: graph %.15g, Go run %.15g, convolution %.15g", b, k, got[b*K+k], run[k], conv[k])
			}
		}
	}
	if conv := ApplyKernel([]float64{1, 0, 0, 0}, rho); conv[0] != 0 || conv[1] != rho[0] || conv[3] != rho[2] {
		t.Fatalf("impulse response %v does not read off the kernel %v", conv, rho[:3])
	}
}

// KernelGraph (repeated squaring) matches the step-by-step kernel, for lengths that are not powers of two.
func TestKernelGraph(t *testing.T) {
	m, store := testInitialised(t)
	p, _ := m.Extract(store)
	for _, S := range []int{1, 2, 7, 64, 100} {
		got := modeltest.Eval(t, store, func(scope *model.Scope, g *Graph) *Node { return m.KernelGraph(scope, g, S) })[0]
		want := p.Kernel(S)
		if len(got) != S {
			t.Fatalf("S=%d: got %d values", S, len(got))
		}
		for s := range S {
			if math.Abs(got[s]-want[s]) > 1e-12*(1+math.Abs(want[s])) {
				t.Fatalf("S=%d lag %d: graph %.15g, Go %.15g", S, s+1, got[s], want[s])
			}
		}
	}
}

// For white-noise inputs the mean squared error of the outputs is Σ_s (ρ̂_s − ρ_s)²: the population risk
// Train minimises.
func TestPopulationRiskMatchesSampledLoss(t *testing.T) {
	m := testModel(t)
	p := m.InitialParams()
	tgt := Target{Family: ExpSum, Memory: 3}
	const S = 200
	rho, err := tgt.Kernel(p.Delta, S)
	if err != nil {
		t.Fatal(err)
	}
	rhoHat := p.Kernel(S)
	risk := 0.0
	for s := range S {
		risk += (rhoHat[s] - rho[s]) * (rhoHat[s] - rho[s])
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const K = 2000
	x := make([]float64, K)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	yh, y := p.Run(x), ApplyKernel(x, rho)
	mse := 0.0
	for k := S; k < K; k++ {
		mse += (yh[k] - y[k]) * (yh[k] - y[k])
	}
	mse /= K - S
	if math.Abs(mse-risk) > 0.1*risk {
		t.Fatalf("sampled MSE %g, population risk %g", mse, risk)
	}
}

func TestTrainingReducesTheLoss(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden = 8
	m, _ := New(cfg)
	res, err := Train(modeltest.Backend(t), m, Target{Family: ExpSum, Memory: 2}, TrainConfig{Steps: 300, LR: 0.02, LogEvery: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Loss[0] < 0.5 || res.Final() > 0.01 {
		t.Fatalf("relative loss %g → %g: want from ≈1 (small initialisation) to < 0.01", res.Loss[0], res.Final())
	}
	// The learned kernel is the trained model's: recompute the relative risk from it.
	num, den := 0.0, 0.0
	for s := range res.Kernel {
		num += (res.Kernel[s] - res.TargetKernel[s]) * (res.Kernel[s] - res.TargetKernel[s])
		den += res.TargetKernel[s] * res.TargetKernel[s]
	}
	if r := num / den; math.Abs(r-res.Final()) > 0.5*res.Final()+1e-4 {
		t.Fatalf("relative risk of the learned kernel %g, last recorded loss %g", r, res.Final())
	}
}

func TestTargets(t *testing.T) {
	if v := (Target{Family: Airy, Memory: 5}).Rho(5); math.Abs(v-2*0.3550280538878172) > 1e-12 {
		t.Fatalf("Airy kernel at t = Memory: %g, want 2·Ai(0)", v)
	}
	if v := (Target{Family: Delayed, Memory: 8}).Rho(8); math.Abs(v-(1+math.Exp(-8))) > 1e-12 {
		t.Fatalf("delayed kernel at its bump: %g", v)
	}
	if v := (Target{Family: PowerLaw, Memory: 2}).Rho(2); math.Abs(v-0.25) > 1e-12 {
		t.Fatalf("power law at t = Memory: %g, want 1/4", v)
	}
	// Each of the four exponentials has L² weight ½, so ∫ρ² lies between 2 (orthogonal) and 8.
	e := Target{Family: ExpSum, Memory: 27}
	k, _ := e.Kernel(0.01, int(e.Horizon()/0.01))
	l2 := 0.0
	for _, v := range k {
		l2 += v * v / 0.01
	}
	if l2 < 2 || l2 > 8 {
		t.Fatalf("∫ρ² of the exponential sum = %g", l2)
	}
	for _, bad := range []Target{{Family: 9, Memory: 1}, {Family: ExpSum, Memory: 0}, {Family: Airy, Memory: math.Inf(1)}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := (Target{Family: ExpSum, Memory: 1}).Kernel(-0.1, 10); err == nil {
		t.Error("negative δ accepted")
	}
}

func TestPlateauSteps(t *testing.T) {
	steps := []int{0, 10, 20, 30}
	loss := []float64{1, 0.8, 0.8, 0.05}
	if got := PlateauSteps(steps, loss, 0.5); got != 30 {
		t.Fatalf("PlateauSteps = %d, want 30", got)
	}
	if got := PlateauSteps(steps, loss, 0.01); got != -1 {
		t.Fatalf("PlateauSteps below every loss = %d, want -1", got)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{
		{Hidden: 0, Delta: 0.1, DType: dtypes.Float32, Scope: "x"},
		{Hidden: 4, Delta: -1, DType: dtypes.Float32, Scope: "x"},
		{Hidden: 4, Delta: 0.1, WScale: math.NaN(), DType: dtypes.Float32, Scope: "x"},
		{Hidden: 4, Delta: 0.1, DType: dtypes.Int8, Scope: "x"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	m, _ := New(DefaultConfig())
	if _, err := Train(modeltest.Backend(t), m, Target{Family: ExpSum, Memory: 1}, TrainConfig{Steps: 0, LR: 1}, nil); err == nil {
		t.Error("0 steps accepted")
	}
	if _, err := Train(modeltest.Backend(t), m, Target{Family: ExpSum, Memory: -1}, DefaultTrainConfig(3), nil); err == nil {
		t.Error("negative memory accepted")
	}
}

// Training stopped after 40 steps and resumed from its checkpoint ends where 100 uninterrupted steps end
// (weights and Adam's moments are in the checkpoint), with the whole loss curve.
func TestTrainResumesFromCheckpoint(t *testing.T) {
	b := modeltest.Backend(t)
	target := Target{Family: ExpSum, Memory: 2}
	cfg := TrainConfig{Steps: 100, LR: 0.02, LogEvery: 10}
	ref, err := Train(b, testModel(t), target, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint = filepath.Join(t.TempDir(), "rnn.ckpt")
	cfg.Steps = 40
	if _, err := Train(b, testModel(t), target, cfg, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Steps = 100
	var seen []int
	res, err := Train(b, testModel(t), target, cfg, func(step int, _ float64) { seen = append(seen, step) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 6 || seen[0] != 40 || len(res.Steps) != 10 {
		t.Fatalf("resumed run recorded steps %v (history %v), want 40..90 after 0..30", seen, res.Steps)
	}
	if got, want := res.Final(), ref.Final(); math.Abs(got-want) > 1e-9*want {
		t.Errorf("final loss after resuming %.12g, uninterrupted %.12g", got, want)
	}
}

// CheckpointEvery (in steps) saves the loop's state every so many steps, and a checkpoint of another
// model is refused.
func TestCheckpointEverySteps(t *testing.T) {
	b := modeltest.Backend(t)
	cfg := TrainConfig{Steps: 25, LR: 0.02, LogEvery: 5, CheckpointEvery: 10, Checkpoint: filepath.Join(t.TempDir(), "rnn.ckpt")}
	m := testModel(t)
	saved := map[int]int{}
	_, err := Train(b, m, Target{Family: ExpSum, Memory: 2}, cfg, func(step int, _ float64) {
		var st training.State
		if ok, err := m.Identity().Load(cfg.Checkpoint, model.NewStore(), &st); ok && err == nil {
			saved[step] = st.Steps
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved[5] != 0 || saved[10] != 10 || saved[15] != 10 || saved[20] != 20 {
		t.Errorf("steps in the checkpoint seen at steps 5, 10, 15, 20: %v; want none, 10, 10, 20", saved)
	}
	other := DefaultConfig()
	other.Hidden++
	o, err := New(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(b, o, Target{Family: ExpSum, Memory: 2}, cfg, nil); err == nil || !strings.Contains(err.Error(), "configuration") {
		t.Errorf("resuming another model's checkpoint: err = %v, want a refusal", err)
	}
}
