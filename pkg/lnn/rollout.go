package lnn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
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
	return &Predictor{net: net, dt: dtypeOf(net), exec: exec, SingularTol: 1e-7}, nil
}

// Accel returns the accelerations (B×2, flat) and rcond (B) at states (B×4, flat).
func (p *Predictor) Accel(states []float64) (accels, rcond []float64, err error) {
	if len(states) == 0 || len(states)%4 != 0 {
		return nil, nil, fmt.Errorf("lnn.Predictor: states must be a non-empty multiple of 4 values, got %d", len(states))
	}
	bs := len(states) / 4
	out, err := p.exec.Call(toTensor(p.dt, states, bs, 4))
	if err != nil {
		return nil, nil, fmt.Errorf("lnn.Predictor: %w", err)
	}
	accels, rcond = toFloat64s(out[0]), toFloat64s(out[1])
	for i, r := range rcond {
		if r < p.SingularTol || math.IsNaN(r) {
			return accels, rcond, fmt.Errorf("lnn.Predictor: %w",
				&SingularError{Net: p.net.String(), Index: i, State: states[4*i : 4*i+4], RCond: r})
		}
	}
	return accels, rcond, nil
}

func toFloat64s(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	f := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

// RolloutConfig configures Rollout.
type RolloutConfig struct {
	// T1 is the final time and FPS the output rate (the paper: t = 100 at fps 10, 1000 frames plus
	// the initial state).
	T1, FPS float64
	// Dt is the RK4 step (default 0.01). When Adaptive is true, Dormand-Prince with RTol/ATol is used
	// instead.
	Dt         float64
	Adaptive   bool
	RTol, ATol float64
	// MaxSteps bounds the integrator steps (0: 300 per unit of time, at least 20000),
	// so that a learned model whose rollout blows up fails instead of crawling.
	MaxSteps int
}

// DefaultRollout is the paper's evaluation horizon: t ∈ [0, 100] at fps 10, Dormand-Prince with
// rtol = atol = 1e-7, which keeps the true system's energy drift below 1e-5 at t = 100 (RK4 with step
// 0.01 would drift it by ~2e-3, a large part of the paper's 4e-3).
func DefaultRollout() RolloutConfig {
	return RolloutConfig{T1: 100, FPS: 10, Adaptive: true, RTol: 1e-7, ATol: 1e-7}
}

func (c RolloutConfig) times() ([]float64, error) {
	if !(c.T1 > 0) || !(c.FPS > 0) || math.IsInf(c.T1, 0) {
		return nil, fmt.Errorf("lnn: rollout needs T1 > 0 and FPS > 0, got %g, %g", c.T1, c.FPS)
	}
	n := int(math.Round(c.T1*c.FPS)) + 1
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = math.Min(float64(i)/c.FPS, c.T1)
	}
	return ts, nil
}

func (c RolloutConfig) solve(p ode.Problem, ts []float64) (*ode.Solution, error) {
	maxSteps := c.MaxSteps
	if maxSteps == 0 {
		maxSteps = max(20_000, int(300*c.T1))
	}
	if c.Adaptive {
		return ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: c.RTol, ATol: c.ATol, Saveat: ts, MaxSteps: maxSteps})
	}
	dt := c.Dt
	if dt == 0 {
		dt = 0.01
	}
	return ode.Solve(p, ode.RK4(), ode.Options{Dt: dt, Saveat: ts, MaxSteps: maxSteps})
}

// Paths are rollouts of several initial conditions: T (the output times) and one state
// series per initial condition, States[i][k] = (θ1, θ2, ω1, ω2) at T[k].
type Paths struct {
	T      []float64
	States [][][]float64
}

// unpack splits a packed solution (M states of 4 per time) into Paths.
func unpack(sol *ode.Solution, m int) *Paths {
	tr := &Paths{T: sol.T, States: make([][][]float64, m)}
	for i := range m {
		tr.States[i] = make([][]float64, len(sol.T))
		for k := range sol.T {
			tr.States[i][k] = append([]float64(nil), sol.Y[k][4*i:4*i+4]...)
		}
	}
	return tr
}

// Rollout integrates the learned dynamics (θ̇, θ̈ = net) from every initial condition with package
// ode. All initial conditions are packed into one ODE so that each right-hand side evaluation is one
// batched call of the network.
func Rollout(p *Predictor, ics [][]float64, cfg RolloutConfig) (*Paths, error) {
	paths, _, err := rollout(p, ics, cfg)
	return paths, err
}

// rollout is Rollout that also returns, on failure, the index of the initial condition that most
// likely caused it (-1 if unknown): the singular state, the non-finite component, or the one with the
// largest acceleration when the step limit was hit.
func rollout(p *Predictor, ics [][]float64, cfg RolloutConfig) (*Paths, int, error) {
	ts, err := cfg.times()
	if err != nil {
		return nil, -1, err
	}
	y0, err := pack(ics)
	if err != nil {
		return nil, -1, err
	}
	m := len(ics)
	var fErr error
	worst := -1
	rhs := func(_ float64, y, dydt []float64) {
		if fErr != nil {
			for i := range dydt {
				dydt[i] = math.NaN()
			}
			return
		}
		acc, _, err := p.Accel(y)
		if err != nil {
			fErr = err
			for i := range dydt {
				dydt[i] = math.NaN()
			}
			return
		}
		big := -1.0
		for i := range m {
			dydt[4*i], dydt[4*i+1] = y[4*i+2], y[4*i+3]
			dydt[4*i+2], dydt[4*i+3] = acc[2*i], acc[2*i+1]
			if a := math.Abs(acc[2*i]) + math.Abs(acc[2*i+1]); a > big {
				big, worst = a, i
			}
		}
	}
	sol, err := cfg.solve(ode.Problem{F: rhs, Y0: y0, T1: cfg.T1}, ts)
	if fErr != nil {
		bad := -1
		var se *SingularError
		if errors.As(fErr, &se) {
			bad = se.Index
		}
		return nil, bad, fmt.Errorf("lnn.Rollout: %w", fErr)
	}
	if err != nil {
		bad := worst
		var nf *ode.NonFiniteError
		if errors.As(err, &nf) {
			bad = nf.Component / 4
		}
		return nil, bad, fmt.Errorf("lnn.Rollout: %w", err)
	}
	return unpack(sol, m), -1, nil
}

// TrueRollout integrates the true double pendulum from every initial condition (Dormand-Prince,
// rtol = atol = 1e-10, as the original code's odeint), at the same output times as Rollout.
func TrueRollout(sys systems.DoublePendulum, ics [][]float64, cfg RolloutConfig) (*Paths, error) {
	ts, err := cfg.times()
	if err != nil {
		return nil, err
	}
	if _, err := pack(ics); err != nil {
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

func pack(ics [][]float64) ([]float64, error) {
	if len(ics) == 0 {
		return nil, fmt.Errorf("lnn: no initial conditions")
	}
	y0 := make([]float64, 0, 4*len(ics))
	for i, ic := range ics {
		if len(ic) != 4 {
			return nil, fmt.Errorf("lnn: initial condition %d has %d values, want 4 (θ1, θ2, ω1, ω2)", i, len(ic))
		}
		for _, v := range ic {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("lnn: initial condition %d is not finite: %v", i, ic)
			}
		}
		y0 = append(y0, ic...)
	}
	return y0, nil
}

// EvalICs returns n initial conditions of the paper's energy test: θ ~ U[0, 2π), θ̇ ~ U[0, 0.1)
// (released nearly at rest), reproducible from seed.
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
	// PerIC is |E_pred(T1) − E_true(T1)| / scale for every initial condition.
	PerIC []float64
	// Mean is the mean of PerIC over the initial conditions whose rollout succeeded: the paper's number
	// (LNN 0.0043, baseline 0.074 at T1 = 100).
	Mean float64
	// Median of PerIC over the successful rollouts (robust to a few blown-up ones).
	Median float64
	// Failed lists the initial conditions whose learned rollout failed (singular Hessian, blow-up); their
	// PerIC, Curves and Pred states are NaN, and FailReason holds the first error.
	Failed     []int
	FailReason string
	// Scale is the normaliser (max |V| = 29.4 for the default pendulum).
	Scale float64
	// Curves[i][k] = (E_pred − E_true)/scale at Pred.T[k] for initial condition i.
	Curves [][]float64
	// Pred and True are the rollouts.
	Pred, True *Paths
}

// EnergyError rolls out the learned dynamics and the true system from ics and returns the paper's
// metric |E_pred(T1) − E_true(T1)| / 29.4 (true T + V applied to both), per initial condition and on
// average, and the energy curves. Rollouts of the learned model that fail are listed in Failed (Mean
// and Median are NaN when all fail); errors of the true rollout are returned.
func EnergyError(p *Predictor, sys systems.DoublePendulum, ics [][]float64, cfg RolloutConfig) (*EnergyReport, error) {
	tr, err := TrueRollout(sys, ics, cfg)
	if err != nil {
		return nil, err
	}
	rep := &EnergyReport{Scale: sys.EnergyScale(), True: tr}
	// Roll out all initial conditions packed; when one fails, drop it and roll out the others again.
	pred := &Paths{T: tr.T, States: make([][][]float64, len(ics))}
	active := make([]int, len(ics))
	for i := range active {
		active[i] = i
	}
	fail := func(i int, err error) {
		rep.Failed = append(rep.Failed, i)
		if rep.FailReason == "" {
			rep.FailReason = err.Error()
		}
		nan := make([][]float64, len(tr.T))
		for k := range nan {
			nan[k] = []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		}
		pred.States[i] = nan
	}
	for len(active) > 0 {
		sub := make([][]float64, len(active))
		for j, i := range active {
			sub[j] = ics[i]
		}
		paths, bad, err := rollout(p, sub, cfg)
		if err == nil {
			for j, i := range active {
				pred.States[i] = paths.States[j]
			}
			break
		}
		if bad < 0 || bad >= len(active) {
			for _, i := range active {
				fail(i, err)
			}
			break
		}
		fail(active[bad], err)
		active = append(active[:bad], active[bad+1:]...)
	}
	slices.Sort(rep.Failed)
	rep.Pred = pred
	ok := 0
	for i := range ics {
		curve := make([]float64, len(pred.T))
		for k := range pred.T {
			curve[k] = (sys.Energy(pred.States[i][k]) - sys.Energy(tr.States[i][k])) / rep.Scale
		}
		rep.Curves = append(rep.Curves, curve)
		last := math.Abs(curve[len(curve)-1])
		rep.PerIC = append(rep.PerIC, last)
		if !math.IsNaN(last) {
			rep.Mean += last
			ok++
		}
	}
	if ok == 0 {
		rep.Mean, rep.Median = math.NaN(), math.NaN()
		return rep, nil
	}
	rep.Mean /= float64(ok)
	var good []float64
	for _, v := range rep.PerIC {
		if !math.IsNaN(v) {
			good = append(good, v)
		}
	}
	slices.Sort(good)
	rep.Median = good[len(good)/2]
	return rep, nil
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
	if dtypeOf(net) == dtypes.Float64 {
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
		f := toFloat64s(t)
		if _, err := s64.CreateVariable(v.Path(), tensors.FromFlatDataAndDimensions(f, t.Shape().Dimensions...)); err != nil {
			return nil, nil, fmt.Errorf("lnn.Float64: %w", err)
		}
	}
	return out, s64, nil
}
