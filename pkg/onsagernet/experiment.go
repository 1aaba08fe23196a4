package onsagernet

import (
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
)

// Setup is the notebook's Lorenz experiment for one ρ: data, the two models, training and evaluation.
type Setup struct {
	Rho     float64
	Data    LorenzConfig
	Onsager Config
	MLP     MLPConfig
	Train   TrainConfig
	// NTest test trajectories are rolled out to TTest = 3(3 + ⌊ρ/4⌋) with output every DtOut (the paper's
	// long_run_cmp: 4 paths, T = 21 for ρ = 16 and 30 for ρ = 28, every 0.025).
	NTest        int
	TTest, DtOut float64
	// NFar initial states uniform in the box [FarLo, FarHi] (unscaled; twice the data box) are rolled out
	// to TLong (output every DtLong, tolerance LongTol) to test long-time behaviour; Bound (scaled) is the
	// radius beyond which a rollout counts as diverged. Statistics skip the first Transient time units.
	NFar                   int
	FarLo, FarHi           [3]float64
	TLong, DtLong, LongTol float64
	Bound, Transient       float64
	// NWide initial states uniform in the data box scaled WideScale times about its centre are rolled
	// out to TWide to test stability far from the data; WideBound (scaled) counts as divergence.
	NWide            int
	WideScale, TWide float64
	WideBound        float64
	Quick            bool
}

// LorenzSetup returns the experiment for ρ = 16 or 28: the paper's data, models (OnsagerNet 1×20 ReQUr,
// MLP 2×16) and training recipe (batch 200; lr 0.0256 for ρ = 16, 0.0128 for ρ = 28; 600 epochs), and
// long rollouts from 100 initial states to t = 200 and from 50 initial states of a box 8 times the
// data's to t = 50. Quick mode trains 80 epochs and rolls out 16 initial states to t = 40 and 24 to
// t = 30.
func LorenzSetup(rho float64, quick bool) Setup {
	s := Setup{Rho: rho, Data: DefaultLorenz(rho), Onsager: DefaultConfig(3), MLP: DefaultMLPConfig(3),
		Train: DefaultTrainConfig(600), NTest: 4, TTest: 3 * (3 + math.Floor(rho/4)), DtOut: 0.025,
		NFar: 100, FarLo: [3]float64{-50, -50, -10}, FarHi: [3]float64{50, 50, 60},
		TLong: 200, DtLong: 0.05, LongTol: 1e-6, Bound: 10, Transient: 10,
		NWide: 50, WideScale: 8, TWide: 50, WideBound: 100, Quick: quick}
	if rho < 20 {
		s.Train.LR = 0.0256
	}
	if quick {
		s.Train.Epochs, s.Train.Patience = 80, 10
		s.NFar, s.TLong = 16, 40
		s.NWide, s.TWide = 24, 30
	}
	return s
}

// Nets returns the setup's OnsagerNet and MLP.
func (s Setup) Nets() (*OnsagerNet, *MLP, error) {
	on, err := New(s.Onsager)
	if err != nil {
		return nil, nil, err
	}
	ml, err := NewMLP(s.MLP)
	if err != nil {
		return nil, nil, err
	}
	return on, ml, nil
}

// Trained returns the trained net: loaded from the shipped checkpoint when shipped is not "" and the file
// exists and retrain is false; otherwise trained on the setup's data (resuming from a checkpoint in the
// cache directory, keyed by the configuration).
func Trained(b compute.Backend, s Setup, net Net, shipped string, retrain bool, cb Callbacks) (*Result, error) {
	if shipped != "" && !retrain {
		if _, err := os.Stat(shipped); err == nil {
			return LoadTrained(shipped, net)
		}
	}
	d, err := Lorenz(s.Data)
	if err != nil {
		return nil, err
	}
	cfg := s.Train
	var netCfg any = s.Onsager
	if m, ok := net.(*MLP); ok {
		netCfg = m.cfg
	} else if o, ok := net.(*OnsagerNet); ok {
		netCfg = o.cfg
	}
	if cfg.Checkpoint, err = CheckpointPath(fmt.Sprintf("lorenz-r%g", s.Rho), netCfg, s.Data, cfg); err != nil {
		return nil, err
	}
	return Train(b, net, d.Train, d.Test, cfg, cb)
}

// Report is the evaluation of one vector field (learned or true) on a Setup.
type Report struct {
	Name string
	// TestPaths are the rollouts from the first NTest test initial states to TTest; RelErr is the
	// paper's relative L2 path error against the true paths (NaN for the truth itself).
	TestPaths []Path
	RelErr    float64
	// Long summarises the rollouts from the far initial states: bounded fraction, and how many ended
	// within 1 (unscaled) of a fixed point of the true system.
	Long Stability
	// LongPaths are the first three long rollouts (for phase portraits).
	LongPaths []Path
	// Wide summarises the rollouts from the wide box; WidePaths are the first eight.
	Wide      Stability
	WidePaths []Path
	// ZMean and ZStd are the mean and standard deviation of the unscaled z over the bounded long
	// rollouts after the transient; Switches is the rate (per unit time) at which x changes sign
	// (lobe switches of the butterfly).
	ZMean, ZStd, Switches float64
}

// TrueFixedPoints returns the fixed points of the true system in scaled coordinates.
func (s Setup) TrueFixedPoints() [][]float64 {
	var fps [][]float64
	for _, p := range s.Data.System().FixedPoints() {
		fps = append(fps, []float64{p[0] / s.Data.Scale, p[1] / s.Data.Scale, p[2] / s.Data.Scale})
	}
	return fps
}

// FarInitialStates returns the NFar scaled initial states of the long rollouts.
func (s Setup) FarInitialStates() ([][]float64, error) {
	lo, hi := make([]float64, 3), make([]float64, 3)
	for j := range 3 {
		lo[j], hi[j] = s.FarLo[j]/s.Data.Scale, s.FarHi[j]/s.Data.Scale
	}
	return ode.UniformBox(s.NFar, lo, hi, 7)
}

// WideInitialStates returns the NWide scaled initial states drawn in the data box enlarged WideScale
// times about its centre.
func (s Setup) WideInitialStates() ([][]float64, error) {
	lo, hi := make([]float64, 3), make([]float64, 3)
	for j := range 3 {
		c, r := (s.Data.Lo[j]+s.Data.Hi[j])/2, (s.Data.Hi[j]-s.Data.Lo[j])/2*s.WideScale
		lo[j], hi[j] = (c-r)/s.Data.Scale, (c+r)/s.Data.Scale
	}
	return ode.UniformBox(s.NWide, lo, hi, 11)
}

// longRollouts rolls f out over [0, T] from the initial states that states returns, with the long runs'
// output step and tolerance, stopping a rollout when it leaves the ball of radius bound.
func (s Setup) longRollouts(f ode.Func, states func() ([][]float64, error), T, bound float64) ([]Path, error) {
	h0, err := states()
	if err != nil {
		return nil, err
	}
	return Rollouts(f, h0, RolloutConfig{T: T, DtOut: s.DtLong, Bound: bound, Tol: s.LongTol})
}

// Evaluate rolls out f (a scaled vector field) from the test and far initial states and summarises.
func Evaluate(s Setup, name string, f ode.Func) (*Report, error) {
	d, err := Lorenz(s.Data)
	if err != nil {
		return nil, err
	}
	if s.NTest < 1 || s.NTest > len(d.Paths)-d.NTrain {
		return nil, fmt.Errorf("onsagernet.Evaluate: NTest=%d, but there are %d test trajectories", s.NTest, len(d.Paths)-d.NTrain)
	}
	var ics [][]float64
	for i := range s.NTest {
		ics = append(ics, d.Paths[d.NTrain+i][:3])
	}
	rep := &Report{Name: name, RelErr: math.NaN()}
	if rep.TestPaths, err = Rollouts(f, ics, RolloutConfig{T: s.TTest, DtOut: s.DtOut, Bound: s.Bound, Tol: 1e-9}); err != nil {
		return nil, err
	}
	long, err := s.longRollouts(f, s.FarInitialStates, s.TLong, s.Bound)
	if err != nil {
		return nil, err
	}
	rep.Long = Summarize(long, s.TrueFixedPoints(), 1/s.Data.Scale)
	rep.LongPaths = long[:min(3, len(long))]
	if s.NWide > 0 {
		paths, err := s.longRollouts(f, s.WideInitialStates, s.TWide, s.WideBound)
		if err != nil {
			return nil, err
		}
		rep.Wide = Summarize(paths, s.TrueFixedPoints(), 1/s.Data.Scale)
		rep.WidePaths = paths[:min(8, len(paths))]
	}
	var zs []float64
	switches, dur := 0, 0.0
	for _, p := range long {
		if p.Diverged() {
			continue
		}
		prev := 0.0
		for k, h := range p.H {
			if p.T[k] < s.Transient {
				continue
			}
			zs = append(zs, h[2]*s.Data.Scale)
			if prev != 0 && h[0]*prev < 0 {
				switches++
			}
			prev = h[0]
		}
		dur += s.TLong - s.Transient
	}
	rep.ZMean, rep.ZStd, rep.Switches = math.NaN(), math.NaN(), math.NaN()
	if len(zs) > 0 {
		m, v := 0.0, 0.0
		for _, z := range zs {
			m += z
		}
		m /= float64(len(zs))
		for _, z := range zs {
			v += (z - m) * (z - m)
		}
		rep.ZMean, rep.ZStd = m, math.Sqrt(v/float64(len(zs)))
		rep.Switches = float64(switches) / dur
	}
	return rep, nil
}

// CachedEvaluate is Evaluate cached on disk, keyed by the setup, the name and the weights in store (nil
// store: the true system).
func CachedEvaluate(s Setup, name string, net Net, store *model.Store) (*Report, error) {
	var f ode.Func
	var weights map[string][]float64
	if net == nil {
		f = s.Data.ScaledField()
	} else {
		vf, err := net.Extract(store)
		if err != nil {
			return nil, err
		}
		f = ODEFunc(vf)
		switch v := vf.(type) {
		case *OnsagerField:
			weights = v.p
		case *MLPField:
			weights = v.p
		}
	}
	wkey, err := diskcache.Key(weights)
	if err != nil {
		return nil, err
	}
	key := struct {
		Setup   Setup
		Name    string
		Weights string
	}{s, name, wkey}
	return diskcache.Cached("onsagernet-eval", key, func() (*Report, error) { return Evaluate(s, name, f) })
}

// SetError fills r.RelErr with the relative path error of its test rollouts against truth's.
func (r *Report) SetError(truth *Report) error {
	e, err := RelativePathError(truth.TestPaths, r.TestPaths)
	if err != nil {
		return fmt.Errorf("onsagernet: %s: %w", r.Name, err)
	}
	r.RelErr = e
	return nil
}
