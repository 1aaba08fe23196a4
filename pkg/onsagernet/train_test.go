package onsagernet

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/ode"

	"github.com/dynlearn/dynlearn/internal/testutil"
)

func smallLorenz(t *testing.T) *LorenzData {
	t.Helper()
	cfg := DefaultLorenz(16)
	cfg.NTraj, cfg.NOut = 10, 40
	d := testutil.Generate(t, Lorenz, cfg)
	return d
}

func TestLorenzData(t *testing.T) {
	d := smallLorenz(t)
	if d.Train.N != 8*40 || d.Test.N != 2*40 || len(d.Paths) != 10 {
		t.Fatalf("split: %d train, %d test pairs, %d paths", d.Train.N, d.Test.N, len(d.Paths))
	}
	// (h(t+dt) − h(t))/dt is the scaled Lorenz field up to O(dt).
	f := d.Config.ScaledField()
	dh := make([]float64, 3)
	worst := 0.0
	for i := range d.Train.N {
		x0, x1 := d.Train.X0[3*i:3*i+3], d.Train.X1[3*i:3*i+3]
		f(0, x0, dh)
		for j := range 3 {
			fd := (x1[j] - x0[j]) / d.Train.Dt
			worst = math.Max(worst, math.Abs(fd-dh[j])/(1+normOf(dh)))
		}
	}
	if worst > 0.05 {
		t.Fatalf("finite differences of the pairs deviate from the Lorenz field by %.3g (relative)", worst)
	}
	if _, err := Lorenz(LorenzConfig{Sigma: 10, Rho: 28, Beta: 1, NTraj: 1, NOut: 1, T: 1, Dt: 0.1, Scale: 1}); err == nil {
		t.Error("one trajectory accepted")
	}
	bad := DefaultLorenz(28)
	bad.Dt = bad.T // larger than the sampling interval
	if _, err := Lorenz(bad); err == nil {
		t.Error("Dt >= T/NOut accepted")
	}
}

func TestTrainReducesLossAndResumes(t *testing.T) {
	d := smallLorenz(t)
	m, err := New(DefaultConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "onsager.ckpt")
	cfg := DefaultTrainConfig(20)
	cfg.BatchSize, cfg.Checkpoint = 40, ckpt
	b := modeltest.Backend(t)
	// Two epochs, then resume to twenty.
	cfg.Epochs = 2
	r1, err := Train(b, m, d.Train, d.Test, cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 20
	var epochs []int
	r2, err := Train(b, m, d.Train, d.Test, cfg, Callbacks{OnEpoch: func(e EpochInfo) { epochs = append(epochs, e.Epoch) }})
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Resumed || r1.Resumed || len(epochs) != 18 || epochs[0] != 3 || len(r2.History.Steps) != 20 {
		t.Fatalf("resume: first resumed=%v, second resumed=%v, epochs run %v, history %v", r1.Resumed, r2.Resumed, epochs, r2.History.Steps)
	}
	_, test := r2.History.XY("test")
	if !(test[len(test)-1] < 0.3*test[0]) {
		t.Fatalf("test loss %v: 20 epochs should cut it by more than 3×", test)
	}
	// The trained field is the one the loss measured: its Heun step matches the data to the loss's accuracy.
	vf, err := m.Extract(r2.Store)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	k1, k2, mid := make([]float64, 3), make([]float64, 3), make([]float64, 3)
	for i := range d.Test.N {
		x0, x1 := d.Test.X0[3*i:3*i+3], d.Test.X1[3*i:3*i+3]
		vf.Eval(x0, k1)
		for j := range 3 {
			mid[j] = x0[j] + d.Test.Dt*k1[j]
		}
		vf.Eval(mid, k2)
		for j := range 3 {
			e := (x0[j] + d.Test.Dt/2*(k1[j]+k2[j]) - x1[j]) / d.Test.Dt
			sum += e * e
		}
	}
	if got := sum / float64(d.Test.N); math.Abs(got-test[len(test)-1]) > 0.02*test[len(test)-1] {
		t.Fatalf("Go Heun loss %g, graph test loss %g", got, test[len(test)-1])
	}
	// The checkpoint loads as this net, indexed by epochs done, and is refused as the MLP baseline.
	if r, err := LoadTrained(ckpt, m); err != nil || r.Epochs != 20 || r.History.Steps[0] != 1 {
		t.Fatalf("LoadTrained: %v", err)
	}
	mlp, err := NewMLP(DefaultMLPConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrained(ckpt, mlp); err == nil || !strings.Contains(err.Error(), "onsagernet.OnsagerNet") ||
		!strings.Contains(err.Error(), "onsagernet.MLP") {
		t.Fatalf("an OnsagerNet checkpoint loaded as the MLP: err = %v, want a refusal naming both", err)
	}
}

// The shipped lecture models (written before checkpoints recorded their model) load, with their
// 600-epoch histories, into the fields they were trained to.
func TestShippedModelsLoad(t *testing.T) {
	on, mlp, err := LorenzSetup(28, false).Nets()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		net  Net
		file string
		want []float64 // the field at (0.1, 0.2, 0.3)
	}{
		{on, "onsagernet_lorenz_r28.ckpt", []float64{1.0104295915561479, 2.0061290182630782, -0.39758416994343437}},
		{mlp, "mlp_lorenz_r16.ckpt", []float64{0.99155988912543092, 0.84559838995419789, -0.4003168654555247}},
	} {
		r, err := LoadTrained(filepath.Join("..", "..", "notebooks", "models", "lecture", c.file), c.net)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(r.History.Steps); r.Epochs != 600 || n != 600 || r.History.Steps[0] != 1 || r.History.Steps[n-1] != 600 {
			t.Errorf("%s: %d epochs, history %d records", c.file, r.Epochs, n)
		}
		vf, err := c.net.Extract(r.Store)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, 3)
		vf.Eval([]float64{0.1, 0.2, 0.3}, got)
		for j := range got {
			if math.Abs(got[j]-c.want[j]) > 1e-12 {
				t.Errorf("%s: field %v, want %v", c.file, got, c.want)
				break
			}
		}
	}
	// A shipped MLP records no model, but lacks OnsagerNet's variables.
	if _, err := LoadTrained(filepath.Join("..", "..", "notebooks", "models", "lecture", "mlp_lorenz_r28.ckpt"), on); err == nil ||
		!strings.Contains(err.Error(), "does not hold OnsagerNet") {
		t.Errorf("a shipped MLP loaded as OnsagerNet: err = %v, want a refusal", err)
	}
}

func TestTrainRejectsBadInput(t *testing.T) {
	m, _ := New(DefaultConfig(3))
	b := modeltest.Backend(t)
	good := &Pairs{N: 1, Dim: 3, Dt: 0.01, X0: []float64{1, 2, 3}, X1: []float64{1, 2, 3}}
	nan := &Pairs{N: 1, Dim: 3, Dt: 0.01, X0: []float64{1, math.NaN(), 3}, X1: []float64{1, 2, 3}}
	wrongDim := &Pairs{N: 1, Dim: 2, Dt: 0.01, X0: []float64{1, 2}, X1: []float64{1, 2}}
	for name, c := range map[string]struct {
		p   *Pairs
		cfg TrainConfig
	}{
		"NaN data":       {nan, DefaultTrainConfig(1)},
		"wrong dim":      {wrongDim, DefaultTrainConfig(1)},
		"zero epochs":    {good, DefaultTrainConfig(0)},
		"negative lr":    {good, TrainConfig{Epochs: 1, BatchSize: 1, LR: -1}},
		"bad plateau lr": {good, TrainConfig{Epochs: 1, BatchSize: 1, LR: 1, Patience: 3, Factor: 2}},
	} {
		if _, err := Train(b, m, c.p, nil, c.cfg, Callbacks{}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestRolloutAndMetrics(t *testing.T) {
	// The exact Lorenz field through Rollout reproduces ode.Solve, and its relative path error is 0.
	cfg := DefaultLorenz(28)
	f := cfg.ScaledField()
	h0 := []float64{0.5, -0.3, 1.2}
	rc := RolloutConfig{T: 2, DtOut: 0.05, Bound: 50, Tol: 1e-10}
	p, err := Rollout(f, h0, rc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Diverged() || len(p.T) != 41 {
		t.Fatalf("rollout: diverged=%v, %d points", p.Diverged(), len(p.T))
	}
	sol, err := ode.Solve(ode.Problem{F: f, Y0: h0, T1: 2}, ode.DormandPrince(), ode.Options{RTol: 1e-11, ATol: 1e-11})
	if err != nil {
		t.Fatal(err)
	}
	_, end := sol.Final()
	for j := range 3 {
		if math.Abs(p.H[40][j]-end[j]) > 1e-6 {
			t.Fatalf("rollout end %v, ode.Solve %v", p.H[40], end)
		}
	}
	if e, err := RelativePathError([]Path{p}, []Path{p}); err != nil || e != 0 {
		t.Fatalf("self error %g, %v", e, err)
	}
	// ḣ = h² from h0 = 1 blows up at t = 1; with bound 10 the rollout stops when h > 10, i.e. t > 0.9.
	blow := func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	q, err := Rollout(blow, []float64{1}, RolloutConfig{T: 3, DtOut: 0.01, Bound: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Diverged() || q.DivergedAt < 0.9 || q.DivergedAt > 0.92 {
		t.Fatalf("blow-up detected at %g, want ≈ 0.90", q.DivergedAt)
	}
	if e, _ := RelativePathError([]Path{p}, []Path{q}); !math.IsInf(e, 1) {
		t.Fatalf("error of a diverged prediction = %g, want +Inf", e)
	}
	s := Summarize([]Path{p, q}, [][]float64{p.H[40]}, 1e-9)
	if s.N != 2 || s.Bounded != 1 || s.Near != 1 || math.Abs(s.MeanDivergenceTime-q.DivergedAt) > 1e-12 || s.Fraction() != 0.5 {
		t.Fatalf("summary %+v", s)
	}
	if _, err := Rollout(f, []float64{math.NaN(), 0, 0}, rc); err == nil {
		t.Error("NaN initial state accepted")
	}
}

func TestWideInitialStates(t *testing.T) {
	s := LorenzSetup(28, true)
	ws, err := s.WideInitialStates()
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != s.NWide {
		t.Fatalf("%d wide states, want %d", len(ws), s.NWide)
	}
	maxX := 0.0
	for _, h := range ws {
		for j := range 3 {
			c, r := (s.Data.Lo[j]+s.Data.Hi[j])/2, (s.Data.Hi[j]-s.Data.Lo[j])/2*s.WideScale
			if x := h[j] * s.Data.Scale; x < c-r || x > c+r {
				t.Fatalf("coordinate %d = %g outside [%g, %g]", j, x, c-r, c+r)
			}
		}
		maxX = math.Max(maxX, math.Abs(h[0]*s.Data.Scale))
	}
	if maxX < 2*s.Data.Hi[0] {
		t.Fatalf("largest |x| = %g: the wide box should reach far beyond the data box (|x| ≤ %g)", maxX, s.Data.Hi[0])
	}
}
