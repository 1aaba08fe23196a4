package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/lnn"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// The Lagrangian Neural Network experiments (Cranmer et al. 2020) on the double pendulum: the LNN
// and the baseline MLP, configured by lnn.DoublePendulumSetup, evaluated with the paper's energy
// error |E_pred(t1) − E_true(t1)| / 29.4 over its initial conditions (lnn.PaperICs).

const (
	lnnPaper   = "Cranmer, Greydanus, Hoyer, Battaglia, Spergel and Ho 2020"
	lnnShipped = "notebooks/models/lnn"
)

func init() {
	Register(&Experiment{
		Name:     "lnn-double-pendulum",
		Title:    "Lagrangian Neural Network on the double pendulum: energy conservation (paper: 0.0043)",
		Paper:    lnnPaper,
		Notebook: "notebooks/lnn_double_pendulum.ipynb",
		Shipped:  lnnShipped,
		Figures:  []string{"training curves", "rollouts against the true pendulum", "energy error over time", "energy error per initial condition"},
		Config:   func(quick bool) any { return lnnConfig(quick, false) },
		Data:     lnnData,
		Train:    func(r *Run) (*Summary, error) { return lnnTrain(r, "lnn-double-pendulum", false) },
		Eval:     func(r *Run) (*Summary, error) { return lnnEval(r, "lnn-double-pendulum", false) },
		Success:  lnnSuccess,
		Select:   lnnSelect,
		Metrics:  lnnMetrics,
	})
	Register(&Experiment{
		Name:     "lnn-baseline",
		Title:    "The LNN paper's baseline MLP on the double pendulum: energy drift (paper: 0.074)",
		Paper:    lnnPaper,
		Notebook: "notebooks/lnn_double_pendulum.ipynb",
		Shipped:  lnnShipped,
		Figures:  []string{"training curves", "rollouts against the true pendulum", "energy error over time"},
		Config:   func(quick bool) any { return lnnConfig(quick, true) },
		Data:     lnnData,
		Train:    func(r *Run) (*Summary, error) { return lnnTrain(r, "lnn-baseline", true) },
		Eval:     func(r *Run) (*Summary, error) { return lnnEval(r, "lnn-baseline", true) },
		Cheap:    true,
		Success:  lnnSuccess,
		Select:   lnnSelect,
		Metrics:  lnnMetrics,
	})
	// The smoke test of sweeps: lnn-baseline with a fifth of its quick training (8 epochs of 200
	// steps; a run takes about 10-20 s on one core), since the quick recipe that reaches the paper's
	// conclusion trains 8000 steps.
	RegisterAlias(Smoke, "lnn-baseline")
	smoke := registry[Smoke]
	smoke.Title = "smoke test of sweeps: lnn-baseline with 8 of its 40 quick epochs"
	smoke.Config = func(quick bool) any {
		c := lnnConfig(quick, true)
		if quick {
			c.Train.Epochs = 8
		}
		return c
	}
}

// The sweep judgement of the LNN experiments: no rollout diverged and the energy error is at most
// the paper's baseline's (0.074, rounded up to 0.1); the selected run has the lowest mean energy
// error.
var (
	lnnSuccess = []Check{
		{Flag: "completed", Metric: "diverged", Op: "==", Bound: 0},
		{Flag: "energy_conserved", Metric: "energy_mean", Op: "<=", Bound: 0.1},
	}
	lnnSelect  = Selection{Metric: "energy_mean", Source: "Cranmer et al. 2020: energy error"}
	lnnMetrics = []string{"energy_mean", "energy_median", "diverged", "test_loss"}
)

// LNNConfig is the configuration of lnn-double-pendulum and lnn-baseline, taken from
// lnn.DoublePendulumSetup: the network (the LNN or, for lnn-baseline, the baseline MLP), its
// training stages and the energy test.
type LNNConfig struct {
	// Width and Depth of the hidden layers; Seed seeds the initial weights.
	Width int    `json:"width"`
	Depth int    `json:"depth"`
	Seed  uint64 `json:"seed"`
	// Init is the LNN's initialisation (cranmer, slides or glorot); Act the baseline's activation
	// (an nn.Activation: relu, softplus, tanh, ...).
	Init string `json:"init"`
	Act  string `json:"act"`
	// Source is where the first stage's training states come from: "fresh" (new random states
	// every batch, the paper), "states" (a fixed cached pool of Pool states of Data's distribution)
	// or "trajectories" (512 short trajectories, the slides). Only "fresh" allows FineTune stages.
	Source string `json:"source"`
	Pool   int    `json:"pool"`
	// Data, Test and Train are the first training stage: its states, its held-out states (which
	// pick the best epoch) and its optimisation.
	Data  lnn.StatesConfig `json:"data"`
	Test  lnn.StatesConfig `json:"test"`
	Train lnn.TrainConfig  `json:"train"`
	// FineTune are the stages after the first (full-mode LNN), each from the previous stage's
	// best epoch with a fresh optimiser.
	FineTune []lnn.Stage `json:"fine_tune"`
	// EvalICs of the paper's initial conditions are rolled out with Rollout in the energy test.
	EvalICs int               `json:"eval_ics"`
	Rollout lnn.RolloutConfig `json:"rollout"`
	// Best evaluates the epoch with the lowest held-out loss (<model>.best.ckpt) when there is one;
	// PerIC adds the table per initial condition; HeldOut the held-out L1 error of the
	// accelerations on the paper's box |θ̇| <= 10 and on the energy shell E <= 29.4.
	Best    bool `json:"best"`
	PerIC   bool `json:"per_ic"`
	HeldOut bool `json:"held_out"`
}

func lnnConfig(quick, baseline bool) *LNNConfig {
	s, err := lnn.DoublePendulumSetup(quick)
	if err != nil {
		panic(fmt.Sprintf("experiments: lnn.DoublePendulumSetup(%v): %v", quick, err))
	}
	c := &LNNConfig{Width: s.LNN.Width, Depth: s.LNN.Depth, Seed: s.LNN.Seed, Init: s.LNN.Init.String(),
		Act: string(s.Baseline.Act), Source: "fresh", Pool: 1 << 18, EvalICs: s.EvalICs, Rollout: s.Rollout,
		Best: true, HeldOut: true}
	st := s.LNNStages()
	if baseline {
		c.Width, c.Depth, c.Seed = s.Baseline.Width, s.Baseline.Depth, s.Baseline.Seed
		st = s.BaselineStages()
	}
	c.Data, c.Test, c.Train, c.FineTune = st[0].Data, st[0].Test, st[0].Train, st[1:]
	return c
}

// lnnName returns the base name of the trained model's files: lnn_3x128 or baseline_3x128, as shipped.
func (c *LNNConfig) lnnName(baseline bool) string {
	kind := "lnn"
	if baseline {
		kind = "baseline"
	}
	return fmt.Sprintf("%s_%dx%d", kind, c.Depth, c.Width)
}

// net builds the configured network: the baseline MLP or the LNN.
func (c *LNNConfig) net(baseline bool) (lnn.Net, error) {
	if baseline {
		return lnn.NewBaseline(2).Hidden(c.Width, c.Depth).Activation(lnn.Activation(c.Act)).Seed(c.Seed).Done()
	}
	inits := map[string]lnn.InitScheme{"cranmer": lnn.CranmerInit, "slides": lnn.SlidesInit, "glorot": lnn.GlorotInit}
	s, ok := inits[c.Init]
	if !ok {
		return nil, fmt.Errorf("lnn: unknown init %q (cranmer, slides or glorot)", c.Init)
	}
	return lnn.New(2).Hidden(c.Width, c.Depth).Init(s).Seed(c.Seed).Done()
}

// lnnSetup returns a copy of the configuration with r's seed (weights and training states).
func lnnSetup(r *Run) (*LNNConfig, error) {
	c0, err := Cfg[LNNConfig](r)
	if err != nil {
		return nil, err
	}
	c := *c0
	c.FineTune = append([]lnn.Stage(nil), c.FineTune...)
	if r.Seed != 0 {
		c.Seed, c.Data.Seed = r.Seed, r.Seed
		for i := range c.FineTune {
			c.FineTune[i].Data.Seed = r.Seed
		}
	}
	return &c, nil
}

func lnnData(r *Run) (*Summary, error) {
	c, err := lnnSetup(r)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	stages := append([]lnn.Stage{{Data: c.Data, Test: c.Test, Train: c.Train}}, c.FineTune...)
	for i, st := range stages {
		test, err := lnn.RandomStates(st.Test)
		if err != nil {
			return nil, fmt.Errorf("lnn stage %d test set: %w", i+1, err)
		}
		src := fmt.Sprintf("fresh states every batch (%d per epoch)", st.Train.StepsPerEpoch*st.Train.BatchSize)
		if i == 0 && c.Source != "fresh" {
			d, err := lnnDataset(c)
			if err != nil {
				return nil, err
			}
			src = fmt.Sprintf("%s: %d states", c.Source, d.N)
		}
		emax := ""
		if st.Data.EnergyMax > 0 {
			emax = fmt.Sprintf(", E <= %g", st.Data.EnergyMax)
		}
		sum.Add("stage %d: |θ̇| <= %g%s, %s; %d held-out states; %d epochs × %d steps × batch %d", i+1, st.Data.VelMax, emax, src,
			test.N, st.Train.Epochs, st.Train.StepsPerEpoch, st.Train.BatchSize)
	}
	sum.Add("energy test: the first %d of the paper's initial conditions to t = %g", c.EvalICs, c.Rollout.T1)
	sum.Set("stages", float64(len(stages)))
	sum.Set("eval_ics", float64(c.EvalICs))
	return sum, nil
}

// lnnDataset returns the fixed training set of Source "states" or "trajectories".
func lnnDataset(c *LNNConfig) (*lnn.Dataset, error) {
	switch c.Source {
	case "states":
		sc := c.Data
		sc.N = c.Pool
		d, err := lnn.RandomStates(sc)
		if err != nil {
			return nil, fmt.Errorf("lnn source states: %w", err)
		}
		return d, nil
	case "trajectories":
		d, err := lnn.Trajectories(lnn.DefaultTrajectories(c.Data.Seed))
		if err != nil {
			return nil, fmt.Errorf("lnn source trajectories: %w", err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("lnn: unknown source %q (fresh, states or trajectories)", c.Source)
}

// lnnPrinter returns callbacks printing every epoch and, every 30 s, the current step.
func lnnPrinter(r *Run) lnn.Callbacks {
	w := logTo(r)
	last := time.Now()
	return lnn.Callbacks{
		OnStep: func(s lnn.StepInfo) {
			if time.Since(last) > 30*time.Second {
				fmt.Fprintf(w, "  epoch %d batch %d/%d (step %d of %d) loss %.4g lr %.3g singular %.2g%%\n", s.Epoch+1, s.Batch+1,
					s.StepsPerEpoch, s.Step+1, s.TotalSteps, s.Loss, s.LR, 100*s.Singular)
				last = time.Now()
			}
		},
		OnEpoch: func(e lnn.EpochInfo) {
			fmt.Fprintf(w, "epoch %d: train %.4g test %.4g lr %.3g (%s)\n", e.Epoch, e.Train, e.Test, e.LR, e.Elapsed.Round(time.Second))
		},
	}
}

func lnnTrain(r *Run, name string, baseline bool) (*Summary, error) {
	c, err := lnnSetup(r)
	if err != nil {
		return nil, err
	}
	net, err := c.net(baseline)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dir, err := r.OutDir(name)
	if err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	final := filepath.Join(dir, c.lnnName(baseline)+".ckpt")
	stages := append([]lnn.Stage{{Data: c.Data, Test: c.Test, Train: c.Train}}, c.FineTune...)
	w := logTo(r)
	for i := range stages {
		stages[i].Train.Deadline = r.Deadline() // --max-time: one limit for all stages
	}
	for i, st := range stages {
		fmt.Fprintf(w, "stage %d: %d epochs × %d steps × batch %d, |θ̇| ≤ %g, lr %g, clip %g, Hessian penalty %g\n", i+1,
			st.Train.Epochs, st.Train.StepsPerEpoch, st.Train.BatchSize, st.Data.VelMax, st.Train.LR, st.Train.ClipAccel,
			st.Train.HessianPenalty)
	}
	var res *lnn.Result
	if c.Source == "fresh" {
		res, err = lnn.TrainStages(b, net, stages, final, lnnPrinter(r))
	} else {
		if len(c.FineTune) > 0 {
			return nil, fmt.Errorf("%s: source %q trains one stage; set fine_tune=[] to drop the %d fine-tuning stages", name, c.Source, len(c.FineTune))
		}
		var d *lnn.Dataset
		if d, err = lnnDataset(c); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		test, terr := lnn.RandomStates(c.Test)
		if terr != nil {
			return nil, fmt.Errorf("%s test set: %w", name, terr)
		}
		cfg := c.Train
		cfg.Checkpoint, cfg.CheckpointEvery = final, time.Minute
		cfg.Deadline = r.Deadline()
		res, err = lnn.Train(b, net, lnn.FromDataset(d, c.Data.Seed), test, cfg, lnnPrinter(r))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	sum := &Summary{}
	sum.Add("%s: last stage %d epochs, %d steps, %.0f s of training (resumed: %v); wrote %s and %s", net, res.Epochs, res.Steps,
		res.Seconds, res.Resumed, final, lnn.BestPath(final))
	if l, ok := res.History.Last("test"); ok {
		sum.Add("held-out loss of the last epoch %.4g", l)
		sum.Set("test_loss", l)
	}
	sum.Set("epochs", float64(res.Epochs))
	return sum, nil
}

// lnnModel returns the checkpoint Eval reads and its loaded store.
func lnnModel(r *Run, name string, c *LNNConfig, baseline bool, net lnn.Net) (string, *model.Store, error) {
	loc, err := evalLocation(r, name, lnnShipped)
	if err != nil {
		return "", nil, err
	}
	path, err := modelFile(loc, c.lnnName(baseline)+".ckpt")
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	if c.Best && !strings.HasSuffix(path, ".best.ckpt") {
		if _, err := os.Stat(lnn.BestPath(path)); err == nil {
			path = lnn.BestPath(path)
		}
	}
	store, _, err := lnn.LoadTrained(path, net)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	return path, store, nil
}

func lnnEval(r *Run, name string, baseline bool) (*Summary, error) {
	c, err := lnnSetup(r)
	if err != nil {
		return nil, err
	}
	net, err := c.net(baseline)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	path, store, err := lnnModel(r, name, c, baseline, net)
	if err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rep, err := lnn.EvaluateEnergy(b, net, store, systems.DefaultDoublePendulum(), lnn.PaperICs(c.EvalICs), c.Rollout)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	sum := &Summary{}
	sum.Add("%s (%s), %s", net, path, time.Since(start).Round(time.Second))
	if c.PerIC {
		sum.Lines = append(sum.Lines, strings.Split(strings.TrimRight(rep.Table(), "\n"), "\n")...)
	}
	paper := "LNN 0.0043"
	if baseline {
		paper = "baseline 0.074"
	}
	sum.Add("energy error at t = %g over %d of the paper's initial conditions: %s (paper, t = 100, 40 ICs: %s)", c.Rollout.T1,
		c.EvalICs, rep.Summary(), paper)
	if rep.DivergedReason != "" {
		sum.Add("first divergence: %s", rep.DivergedReason)
	}
	sum.Set("energy_mean", rep.Mean)
	sum.Set("energy_median", rep.Median)
	sum.Set("energy_mean_completed", rep.MeanCompleted)
	sum.Set("diverged", float64(len(rep.Diverged)))
	if c.HeldOut {
		if err := lnnHeldOut(sum, b, net, store); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return sum, nil
}

// lnnHeldOut adds net's held-out L1 error of the accelerations on 8192 random states of the paper's
// box |θ̇| <= 10 and of the energy shell E <= 29.4 (|θ̇| <= 15.5), the test sets of the LNN's stages.
func lnnHeldOut(sum *Summary, b compute.Backend, net lnn.Net, store *model.Store) error {
	n64, s64, err := lnn.Float64(net, store)
	if err != nil {
		return err
	}
	p, err := lnn.NewPredictor(b, n64, s64)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name, key string
		cfg       lnn.StatesConfig
	}{{"|θ̇| <= 10 (paper)", "heldout_l1_box", lnn.DefaultStates(8192, 1_000_000_000)},
		{"E <= 29.4", "heldout_l1_shell", lnn.EnergyShellStates(8192, 1_000_000_000)}} {
		d, err := lnn.RandomStates(c.cfg)
		if err != nil {
			return err
		}
		l1, err := p.L1(d)
		if err != nil {
			return err
		}
		sum.Add("held-out L1 of the accelerations on %d states with %s: %.4f", d.N, c.name, l1)
		sum.Set(c.key, l1)
	}
	return nil
}
