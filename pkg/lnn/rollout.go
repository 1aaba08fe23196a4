package lnn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// ErrSingularHessian is returned (wrapped) when a rollout reaches a state where the learned
// Lagrangian's ∂²L/∂q̇² is numerically singular.
var ErrSingularHessian = errors.New("singular Hessian ∂²L/∂q̇²")

// SingularError is the error of Predictor.Accel at a state whose ∂²L/∂q̇² is numerically singular;
// it matches ErrSingularHessian with errors.Is. Index is the state's position in the batch.
type SingularError struct {
	Net   string
	Index int
	State []float64
	RCond float64
}

func (e *SingularError) Error() string {
	return fmt.Sprintf("%s at state %v (rcond %.3g): %v", e.Net, e.State, e.RCond, ErrSingularHessian)
}

// Unwrap returns ErrSingularHessian.
func (e *SingularError) Unwrap() error { return ErrSingularHessian }

// Predictor evaluates a trained Net on batches of states, outside training.
type Predictor struct {
	net  Net
	dt   dtypes.DType
	exec *model.Exec
	// SingularTol is the rcond below which Accel reports ErrSingularHessian (default 1e-7; 0 disables
	// the check for the pseudo-inverse solve, which handles singular Hessians by design).
	SingularTol float64
}

// NewPredictor compiles net's accelerations with the variables of store (from Train or LoadStore).
func NewPredictor(b compute.Backend, net Net, store *model.Store) (*Predictor, error) {
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		qdd, rc := net.Accel(scope, x)
		return []*Node{qdd, rc}
	})
	if err != nil {
		return nil, fmt.Errorf("lnn.NewPredictor: %w", err)
	}
	return &Predictor{net: net, dt: net.ComputeDType(), exec: exec, SingularTol: 1e-7}, nil
}

// Accel returns the accelerations (B×2, flat) and rcond (B) at states (B×4, flat). A state whose
// rcond is below SingularTol (or NaN) is an error matching ErrSingularHessian (a *SingularError).
func (p *Predictor) Accel(states []float64) (accels, rcond []float64, err error) {
	accels, rcond, err = p.accelRaw(states)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rcond {
		if r < p.SingularTol || math.IsNaN(r) {
			return accels, rcond, fmt.Errorf("lnn.Predictor: %w",
				&SingularError{Net: p.net.String(), Index: i, State: states[4*i : 4*i+4], RCond: r})
		}
	}
	return accels, rcond, nil
}

// L1 returns the mean absolute error of the predicted accelerations on d over both components
// (the training loss, without its clipping): the held-out error of a trained model.
func (p *Predictor) L1(d *Dataset) (float64, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	acc, _, err := p.accelRaw(d.States)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for i, a := range acc {
		sum += math.Abs(a - d.Accels[i])
	}
	l1 := sum / float64(len(acc))
	if math.IsNaN(l1) || math.IsInf(l1, 0) {
		return l1, fmt.Errorf("lnn.Predictor: held-out L1 is %g (non-finite predicted accelerations)", l1)
	}
	return l1, nil
}

// accelRaw is Accel without the singularity check.
func (p *Predictor) accelRaw(states []float64) (accels, rcond []float64, err error) {
	if len(states) == 0 || len(states)%4 != 0 {
		return nil, nil, fmt.Errorf("lnn.Predictor: states must be a non-empty multiple of 4 values, got %d", len(states))
	}
	for i, v := range states {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("lnn.Predictor: states row %d column %d (%s) is %v; states must be finite", i/4, i%4, stateNames[i%4], v)
		}
	}
	bs := len(states) / 4
	out, err := p.exec.Call(training.TensorFromFloat64s(p.dt, states, bs, 4))
	if err == nil {
		if accels, err = training.Float64s(out[0]); err == nil {
			rcond, err = training.Float64s(out[1])
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lnn.Predictor: %w", err)
	}
	return accels, rcond, nil
}

// RolloutConfig configures Rollout and EnergyError.
type RolloutConfig struct {
	// T1 is the final time and FPS the output rate (the paper: t = 100 at fps 10, 1000 frames plus
	// the initial state).
	T1, FPS float64
	// RTol and ATol are the tolerances of the Dormand–Prince integrator, whose step size is controlled
	// for every initial condition separately.
	RTol, ATol float64
	// MaxSteps bounds the steps (accepted and rejected) of each initial condition (0: 300 per unit of
	// time, at least 20000). An initial condition that reaches it is stopped and flagged as diverged,
	// so that a learned model whose rollout blows up cannot make the evaluation crawl.
	MaxSteps int
	// DivergeAt is the relative energy error |E(t) − E(0)| / scale above which EnergyError stops an
	// initial condition and flags it as diverged, reporting its error as DivergeAt (0: 10, i.e. ten
	// times the pendulum's whole potential-energy range).
	DivergeAt float64
	// SingularTol, when not zero, replaces the Predictor's SingularTol during the rollout: the rcond of
	// ∂²L/∂q̇² below which a state counts as singular (a trial step that reaches one is rejected; an
	// initial condition that cannot get past it diverges). Negative disables the check, so that only
	// non-finite values, the step limit and the energy cap stop a rollout.
	SingularTol float64
}

// DefaultRollout is the paper's evaluation horizon: t ∈ [0, 100] at fps 10, Dormand-Prince with
// rtol = atol = 1e-7, which keeps the true system's energy drift below 1e-5 at t = 100 (RK4 with step
// 0.01 would drift it by ~2e-3, a large part of the paper's 4e-3).
func DefaultRollout() RolloutConfig {
	return RolloutConfig{T1: 100, FPS: 10, RTol: 1e-7, ATol: 1e-7}
}

func (c RolloutConfig) times() ([]float64, error) {
	if !(c.T1 > 0) || !(c.FPS > 0) || math.IsInf(c.T1, 0) || math.IsInf(c.FPS, 0) {
		return nil, fmt.Errorf("lnn: rollout needs T1 > 0 and FPS > 0, got %g, %g", c.T1, c.FPS)
	}
	n := int(math.Round(c.T1*c.FPS)) + 1
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = math.Min(float64(i)/c.FPS, c.T1)
	}
	return ts, nil
}

func (c RolloutConfig) maxSteps() int {
	if c.MaxSteps > 0 {
		return c.MaxSteps
	}
	return max(20_000, int(300*c.T1))
}

func (c RolloutConfig) divergeAt() float64 {
	if c.DivergeAt > 0 {
		return c.DivergeAt
	}
	return 10
}

// Paths are rollouts of several initial conditions: T (the output times) and one state
// series per initial condition, States[i][k] = (θ1, θ2, ω1, ω2) at T[k].
type Paths struct {
	T      []float64
	States [][][]float64
	// Outcomes says, for every initial condition, whether its rollout completed or diverged, where,
	// and in how many steps (nil for TrueRollout). States of a diverged rollout are NaN from the
	// divergence on.
	Outcomes []ICOutcome
}

// Rollout integrates the learned dynamics (θ̇, θ̈ = net) from every initial condition with
// Dormand–Prince, controlling the step size of each initial condition separately but evaluating the
// stages of all of them in one batched network call. An initial condition that blows up (non-finite
// state, singular Hessian, step limit) is stopped and flagged in Paths.Outcomes without affecting the
// others. The error is for invalid input or a failing network call only.
func Rollout(p *Predictor, ics [][]float64, cfg RolloutConfig) (*Paths, error) {
	return lockstep(p, ics, cfg, nil)
}

// TrueRollout integrates the true double pendulum from every initial condition (Dormand-Prince,
// rtol = atol = 1e-10, as the original code's odeint), at the same output times as Rollout.
func TrueRollout(sys systems.DoublePendulum, ics [][]float64, cfg RolloutConfig) (*Paths, error) {
	ts, err := cfg.times()
	if err != nil {
		return nil, err
	}
	if err := validateICs(ics); err != nil {
		return nil, err
	}
	sols, err := ode.SolveBatch(sys.Problem(ics[0], 0, cfg.T1), ics, ode.DormandPrince(),
		ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		return nil, fmt.Errorf("lnn.TrueRollout: %w", err)
	}
	tr := &Paths{T: ts, States: make([][][]float64, len(ics))}
	for i, s := range sols {
		tr.States[i] = s.Y
	}
	return tr, nil
}

// EvalICs returns n initial conditions distributed as the paper's energy test, θ ~ U[0, 2π),
// θ̇ ~ U[0, 0.1) (released nearly at rest), from our own generator seeded with seed. PaperICs gives
// the paper's own draws.
func EvalICs(n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x4943))
	ics := make([][]float64, n)
	for i := range ics {
		ics[i] = []float64{rng.Float64() * 2 * math.Pi, rng.Float64() * 2 * math.Pi, rng.Float64() * 0.1, rng.Float64() * 0.1}
	}
	return ics
}

// EnergyReport is the result of EnergyError.
type EnergyReport struct {
	// PerIC is |E_pred(T1) − E_true(T1)| / scale for every initial condition; for a diverged one it is
	// Cap (flagged in Diverged and Outcomes).
	PerIC []float64
	// Mean is the mean of PerIC over all initial conditions, diverged ones counted at Cap: the paper's
	// number (LNN 0.0043, baseline 0.074 at T1 = 100 over 40 initial conditions). When some diverged
	// it depends on Cap; MeanCompleted and Median do not (as long as fewer than half diverged).
	Mean float64
	// Median of PerIC over all initial conditions (diverged ones count as the largest).
	Median float64
	// MeanCompleted is the mean over the initial conditions whose rollout completed (NaN if none).
	MeanCompleted float64
	// Diverged lists the initial conditions whose learned rollout diverged (see ICOutcome), and
	// DivergedReason is the first one's reason.
	Diverged       []int
	DivergedReason string
	// Cap is the error reported for a diverged initial condition (RolloutConfig.DivergeAt).
	Cap float64
	// Scale is the normaliser (max |V| = 29.4 for the default pendulum).
	Scale float64
	// Curves[i][k] = (E_pred − E_true)/scale at Pred.T[k] for initial condition i (NaN after a
	// divergence).
	Curves [][]float64
	// Pred and True are the rollouts; Pred.Outcomes has the steps and fate of every initial condition.
	Pred, True *Paths
}

// EnergyError rolls out the learned dynamics and the true system from ics and returns the paper's
// metric |E_pred(T1) − E_true(T1)| / 29.4 (true T + V applied to both), per initial condition, its
// mean and median, and the energy curves. Each initial condition is integrated with its own step-size
// control (see Rollout); one whose energy error exceeds cfg.DivergeAt, or that blows up otherwise, is
// stopped, flagged as diverged and counted at the cap. Errors are for invalid input, a failing network
// call or a failing true rollout.
func EnergyError(p *Predictor, sys systems.DoublePendulum, ics [][]float64, cfg RolloutConfig) (*EnergyReport, error) {
	tr, err := TrueRollout(sys, ics, cfg)
	if err != nil {
		return nil, err
	}
	scale, capErr := sys.EnergyScale(), cfg.divergeAt()
	e0 := make([]float64, len(ics))
	for i, ic := range ics {
		e0[i] = sys.Energy(ic)
	}
	pred, err := lockstep(p, ics, cfg, func(i int, t float64, y vec4) string {
		if d := math.Abs(sys.Energy(y[:])-e0[i]) / scale; d > capErr || math.IsNaN(d) {
			return fmt.Sprintf("relative energy error %.3g above %g at t = %.6g", d, capErr, t)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	rep := &EnergyReport{Scale: scale, Cap: capErr, Pred: pred, True: tr}
	var done []float64
	for i := range ics {
		curve := make([]float64, len(pred.T))
		for k := range pred.T {
			curve[k] = (sys.Energy(pred.States[i][k]) - sys.Energy(tr.States[i][k])) / scale
		}
		rep.Curves = append(rep.Curves, curve)
		e := math.Abs(curve[len(curve)-1])
		if o := pred.Outcomes[i]; o.Diverged {
			e = capErr
			rep.Diverged = append(rep.Diverged, i)
			if rep.DivergedReason == "" {
				rep.DivergedReason = fmt.Sprintf("initial condition %d: %s", i, o.Reason)
			}
		} else {
			done = append(done, e)
		}
		rep.PerIC = append(rep.PerIC, e)
	}
	rep.Mean, rep.Median, rep.MeanCompleted = mean(rep.PerIC), median(rep.PerIC), mean(done)
	return rep, nil
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// median is the median of v (the mean of the two middle values for an even length).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Float64 returns a float64 copy of a trained *Model or *Baseline and of its weights (a new store
// without the optimizer state), so that rollouts with tight ODE tolerances are not limited by float32
// rounding of the accelerations. A float64 net is returned as is.
func Float64(net Net, store *model.Store) (Net, *model.Store, error) {
	var out Net
	switch m := net.(type) {
	case *Model:
		c := *m
		c.DType = dtypes.Float64
		out = &c
	case *Baseline:
		c := *m
		c.DType = dtypes.Float64
		out = &c
	default:
		return nil, nil, fmt.Errorf("lnn.Float64: unsupported net type %T", net)
	}
	if net.ComputeDType() == dtypes.Float64 {
		return net, store, nil
	}
	s64 := model.NewStore()
	for v := range store.IterVariables() {
		if !v.HasValue() || (v.Name() != "weights" && v.Name() != "biases") {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, nil, fmt.Errorf("lnn.Float64: %s: %w", v.Path(), err)
		}
		f, err := training.Float64s(t)
		if err != nil {
			return nil, nil, fmt.Errorf("lnn.Float64: %s: %w", v.Path(), err)
		}
		if _, err := s64.CreateVariable(v.Path(), tensors.FromFlatDataAndDimensions(f, t.Shape().Dimensions...)); err != nil {
			return nil, nil, fmt.Errorf("lnn.Float64: %w", err)
		}
	}
	return out, s64, nil
}

// Summary is a one-line account of the report: mean and median error at the final time, the mean of
// the completed rollouts and the diverged initial conditions.
func (r *EnergyReport) Summary() string {
	t1 := math.NaN()
	if r.Pred != nil && len(r.Pred.T) > 0 {
		t1 = r.Pred.T[len(r.Pred.T)-1]
	}
	s := fmt.Sprintf("|E_pred(%g) - E_true(%g)| / %.1f over %d ICs: mean %.4g, median %.4g, mean of the %d completed %.4g, %d diverged",
		t1, t1, r.Scale, len(r.PerIC), r.Mean, r.Median, len(r.PerIC)-len(r.Diverged), r.MeanCompleted, len(r.Diverged))
	if len(r.Diverged) > 0 {
		s += fmt.Sprintf(" (counted at %g: %v)", r.Cap, r.Diverged)
	}
	return s
}

// Table is a Markdown table of the per-IC results: initial condition, error, fate and steps.
func (r *EnergyReport) Table() string {
	var b strings.Builder
	b.WriteString("| IC | θ1, θ2, ω1, ω2 | error | status | steps (rejected) |\n|---|---|---|---|---|\n")
	for i, e := range r.PerIC {
		o := ICOutcome{}
		if r.Pred != nil && i < len(r.Pred.Outcomes) {
			o = r.Pred.Outcomes[i]
		}
		status := "completed"
		if o.Diverged {
			status = "diverged: " + o.Reason
		}
		ic := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		if r.True != nil && i < len(r.True.States) && len(r.True.States[i]) > 0 {
			ic = r.True.States[i][0]
		}
		fmt.Fprintf(&b, "| %d | %.3f, %.3f, %.3f, %.3f | %.4g | %s | %d (%d) |\n", i, ic[0], ic[1], ic[2], ic[3], e, status,
			o.Steps, o.Rejected)
	}
	return b.String()
}
