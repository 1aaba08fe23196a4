package lnn

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Random123's known answers for Threefry-2x32-20 (also JAX's test vectors).
func TestThreefryKnownAnswers(t *testing.T) {
	for _, c := range []struct{ k0, k1, x0, x1, y0, y1 uint32 }{
		{0, 0, 0, 0, 0x6b200159, 0x99ba4efe},
		{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x1cb996fc, 0xbb002be7},
		{0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, 0xc4923a9c, 0x483df7a0},
	} {
		if y0, y1 := threefry2x32(c.k0, c.k1, c.x0, c.x1); y0 != c.y0 || y1 != c.y1 {
			t.Errorf("threefry2x32(%#x, %#x; %#x, %#x) = %#x, %#x, want %#x, %#x", c.k0, c.k1, c.x0, c.x1, y0, y1, c.y0, c.y1)
		}
	}
}

func TestPaperICs(t *testing.T) {
	ics := PaperICs(40)
	if len(ics) != 40 {
		t.Fatalf("%d initial conditions", len(ics))
	}
	// The first draw follows by hand from the cipher: counters (0, 1) under PRNGKey(0) = (0, 0).
	y0, y1 := threefry2x32(0, 0, 0, 1)
	if want := float64((math.Float32frombits(y0>>9|0x3f800000) - 1) * 2 * float32(math.Pi)); ics[0][0] != want {
		t.Errorf("θ1 of IC 0 = %v, want %v", ics[0][0], want)
	}
	if want := float64((math.Float32frombits(y1>>9|0x3f800000) - 1) * 2 * float32(math.Pi)); ics[0][1] != want {
		t.Errorf("θ2 of IC 0 = %v, want %v", ics[0][1], want)
	}
	seen := map[float64]bool{}
	var sumTh, sumOm float64
	for i, ic := range ics {
		for j, v := range ic {
			hi := 2 * math.Pi
			if j >= 2 {
				hi = 0.1
			}
			if !(v >= 0 && v < hi+1e-6) || float64(float32(v)) != v {
				t.Errorf("IC %d component %d = %v: outside [0, %g) or not a float32", i, j, v, hi)
			}
			if seen[v] {
				t.Errorf("IC %d component %d = %v repeats", i, j, v)
			}
			seen[v] = true
		}
		sumTh += ic[0] + ic[1]
		sumOm += ic[2] + ic[3]
	}
	// Means of 80 uniform draws: π ± 0.6 and 0.05 ± 0.01 (3 standard errors).
	if m := sumTh / 80; math.Abs(m-math.Pi) > 0.6 {
		t.Errorf("mean angle %g, want about π", m)
	}
	if m := sumOm / 80; math.Abs(m-0.05) > 0.01 {
		t.Errorf("mean velocity %g, want about 0.05", m)
	}
	if again := PaperICs(3); again[2][3] != ics[2][3] {
		t.Error("PaperICs is not reproducible")
	}
}

// noVariables gives a test Net without weights the rest of the Net interface (float64).
type noVariables struct{}

func (noVariables) Variables(*model.Scope) (ws, bs []*model.Variable) { return nil, nil }
func (noVariables) Identity() training.Identity                       { return training.Identity{Kind: "lnn.test"} }
func (noVariables) ComputeDType() dtypes.DType                        { return dtypes.Float64 }

// funcNet is a Net with given accelerations (rcond from rc, or 1).
type funcNet struct {
	noVariables
	name   string
	accel  func(state *Node) *Node
	rcond  func(state *Node) *Node
	params int
}

func (f funcNet) Accel(_ *model.Scope, state *Node) (*Node, *Node) {
	rc := OnesLike(Slice(state, AxisRange(), AxisElem(0)))
	if f.rcond != nil {
		rc = f.rcond(state)
	}
	return f.accel(state), Reshape(rc, state.Shape().Dim(0))
}
func (funcNet) NumDoF() int      { return 2 }
func (f funcNet) String() string { return f.name }

// blowUpNet has θ̈_j = θ̇_j², which blows up at t = 1/θ̇_j(0) for θ̇_j(0) > 0 and stays at rest from
// rest; rcond is 0 (singular) where θ1 > 5.
func blowUpNet() funcNet {
	return funcNet{
		name:  "blow-up",
		accel: func(s *Node) *Node { return Square(Slice(s, AxisRange(), AxisRange(2, 4))) },
		rcond: func(s *Node) *Node {
			th1 := Slice(s, AxisRange(), AxisElem(0))
			return Where(GreaterThan(th1, ConstAs(th1, 5)), ZerosLike(th1), OnesLike(th1))
		},
	}
}

// TestRolloutPerICStepControl checks that every initial condition is integrated independently: one
// that blows up or reaches a singular Hessian is flagged without an error and without changing the
// steps or the path of the others.
func TestRolloutPerICStepControl(t *testing.T) {
	b := modeltest.Backend(t)
	p, err := NewPredictor(b, blowUpNet(), model.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	cfg := RolloutConfig{T1: 3, FPS: 10, RTol: 1e-8, ATol: 1e-8}
	calm := []float64{0.5, 1, -0.4, -0.1} // θ̇ < 0: θ̇(t) = θ̇0/(1 − θ̇0 t) decays, no blow-up
	ics := [][]float64{
		calm,
		{1, 2, 2, 0},    // θ̇1 = 1/(0.5 − t): blows up at t = 0.5
		{4.9, 0, 1, 0},  // θ1 reaches 5 (singular Hessian) at t = 1 − e^-0.1 ≈ 0.095
		{0, 0, 0, 0.25}, // blows up at t = 4 > T1: completes
	}
	paths, err := Rollout(p, ics, cfg)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := Rollout(p, [][]float64{calm}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := paths.Outcomes
	if o[0].Diverged || o[3].Diverged || o[0].T != 3 || o[3].T != 3 {
		t.Errorf("regular initial conditions: %+v, %+v", o[0], o[3])
	}
	if !o[1].Diverged || !(o[1].T > 0.4 && o[1].T < 0.5) {
		t.Errorf("blow-up at t = 0.5: %+v", o[1])
	}
	if !o[2].Diverged || !strings.Contains(o[2].Reason, ErrSingularHessian.Error()) || !(o[2].T > 0.09 && o[2].T < 0.1) {
		t.Errorf("singular Hessian at t ≈ 0.095: %+v", o[2])
	}
	if got := paths.States[1][len(paths.T)-1][0]; !math.IsNaN(got) {
		t.Errorf("final state of a diverged rollout = %v, want NaN", got)
	}
	// Step control of the calm initial condition is its own: same steps and path as alone.
	if o[0].Steps != alone.Outcomes[0].Steps || o[0].Rejected != alone.Outcomes[0].Rejected {
		t.Errorf("steps of IC 0 with others: %+v, alone: %+v", o[0], alone.Outcomes[0])
	}
	for k, tk := range paths.T {
		for j := range 4 {
			if d := math.Abs(paths.States[0][k][j] - alone.States[0][k][j]); d > 1e-12 {
				t.Fatalf("t = %g: IC 0 differs from its rollout alone by %g", tk, d)
			}
		}
	}
	// Against the exact solution: θ̇(t) = v/(1 − v t), θ(t) = θ0 − ln(1 − v t).
	for k, tk := range paths.T {
		for j := range 2 {
			v := calm[2+j]
			want := []float64{calm[j] - math.Log(1-v*tk), v / (1 - v*tk)}
			if d := math.Max(math.Abs(paths.States[0][k][j]-want[0]), math.Abs(paths.States[0][k][2+j]-want[1])); d > 1e-6 {
				t.Fatalf("t = %g, coordinate %d: error %g against the exact solution", tk, j, d)
			}
		}
	}
	// The step limit stops an initial condition too.
	cfg.MaxSteps = 5
	if paths, err = Rollout(p, ics[:1], cfg); err != nil || !paths.Outcomes[0].Diverged ||
		!strings.Contains(paths.Outcomes[0].Reason, "step limit") {
		t.Errorf("step limit 5: %v, %+v", err, paths.Outcomes)
	}
	if _, err := Rollout(p, nil, cfg); err == nil {
		t.Error("no initial conditions: no error")
	}
}

// TestEnergyErrorCapsDivergence checks the energy test with a model that pumps energy in
// (θ̈ = θ̇ + exact): its rollouts are stopped at the cap and counted there, while the median and the
// mean of the completed rollouts stay meaningful.
func TestEnergyErrorCapsDivergence(t *testing.T) {
	b := modeltest.Backend(t)
	sys := systems.DefaultDoublePendulum()
	exact := analyticNet{p: sys}
	pump := funcNet{name: "pump", accel: func(s *Node) *Node {
		qdd, _ := exact.Accel(nil, s)
		v := Slice(s, AxisRange(), AxisRange(2, 4))
		// Anti-damping only for states with θ1 < π: the other initial conditions keep the exact dynamics.
		th1 := Slice(s, AxisRange(), AxisRange(0, 1))
		on := Where(LessThan(th1, ConstAs(th1, math.Pi)), OnesLike(th1), ZerosLike(th1))
		return Add(qdd, Mul(MulScalar(v, 2), on))
	}}
	p, err := NewPredictor(b, pump, model.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	ics := [][]float64{{1, 1, 0.1, 0.1}, {4, 4, 0, 0}, {4, 5, 0.05, 0}}
	cfg := RolloutConfig{T1: 10, FPS: 10, RTol: 1e-9, ATol: 1e-9, DivergeAt: 2}
	rep, err := EnergyError(p, sys, ics, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diverged) == 0 || rep.Diverged[0] != 0 || rep.PerIC[0] != 2 || rep.Cap != 2 ||
		!strings.Contains(rep.DivergedReason, "energy error") {
		t.Fatalf("pumped IC 0: diverged %v, error %g, cap %g, reason %q", rep.Diverged, rep.PerIC[0], rep.Cap, rep.DivergedReason)
	}
	if o := rep.Pred.Outcomes[0]; !(o.T < 10) {
		t.Errorf("pumped IC 0 was not stopped: %+v", o)
	}
	// ICs 1 and 2 start above θ1 = π and swing around the downward position 2π without crossing π:
	// exact dynamics, so their errors are at the integrator's level, unaffected by IC 0.
	for _, i := range []int{1, 2} {
		if o := rep.Pred.Outcomes[i]; o.Diverged || rep.PerIC[i] > 1e-6 {
			t.Errorf("IC %d: error %g, %+v", i, rep.PerIC[i], o)
		}
	}
	if math.Abs(rep.MeanCompleted-(rep.PerIC[1]+rep.PerIC[2])/2) > 1e-15 || rep.Median != rep.PerIC[1] {
		t.Errorf("mean of the completed %g, median %g of %v", rep.MeanCompleted, rep.Median, rep.PerIC)
	}
	want := mean(rep.PerIC)
	if math.Abs(rep.Mean-want) > 1e-15 || rep.Median != median(rep.PerIC) {
		t.Errorf("mean %g median %g of %v", rep.Mean, rep.Median, rep.PerIC)
	}
	if !strings.Contains(rep.Summary(), "diverged") || !strings.Contains(rep.Table(), "| 0 |") {
		t.Errorf("summary %q", rep.Summary())
	}
}

func TestPadSizeAndMedian(t *testing.T) {
	for n, want := range map[int]int{1: 1, 3: 3, 5: 8, 16: 16, 17: 24, 40: 40, 41: 48} {
		if got := padSize(n); got != want {
			t.Errorf("padSize(%d) = %d, want %d", n, got, want)
		}
	}
	if m := median([]float64{3, 1, 10, 2}); m != 2.5 {
		t.Errorf("median = %g", m)
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %g", m)
	}
}

func TestPredictorL1(t *testing.T) {
	b := modeltest.Backend(t)
	d, err := RandomStates(DefaultStates(500, 3))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{0, 1.5} {
		net := funcNet{name: "constant", accel: func(s *Node) *Node {
			return AddScalar(ZerosLike(Slice(s, AxisRange(), AxisRange(0, 2))), c)
		}}
		p, err := NewPredictor(b, net, model.NewStore())
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.L1(d)
		if err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for _, a := range d.Accels {
			want += math.Abs(c - a)
		}
		want /= float64(len(d.Accels))
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("L1 of the constant %g: %g, want %g", c, got, want)
		}
	}
	nan := funcNet{name: "nan", accel: func(s *Node) *Node { return Sqrt(AddScalar(ZerosLike(Slice(s, AxisRange(), AxisRange(0, 2))), -1)) }}
	p, err := NewPredictor(b, nan, model.NewStore())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.L1(d); err == nil {
		t.Error("NaN accelerations: no error")
	}
}
