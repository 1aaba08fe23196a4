package experiments

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/lorenzdata"
)

// SINDyLorenz is the configuration of the experiment sindy-lorenz: SINDy autoencoders with the
// paper's network and loss (autoencoder.Paper()) trained on Champion et al.'s Lorenz data, one
// model selected from an ensemble of seeds as in the paper.
type SINDyLorenz struct {
	TrainICs int  `json:"train_ics"` // Training trajectories (paper: 2048).
	ValICs   int  `json:"val_ics"`   // Validation trajectories (paper: 20).
	TestICs  int  `json:"test_ics"`  // Test trajectories (paper: 100).
	Ensemble int  `json:"ensemble"`  // Seeds trained (Seed, Seed+1, ...); the paper trains 10 and selects one.
	Shuffle  bool `json:"shuffle"`   // Shuffle the mini-batches (the paper does not).
	// Lambda1 weighs the SINDy loss in ẋ (0: the paper's 1e-4); Lambda2 the one in ż (the paper's 0).
	Lambda1 float64 `json:"lambda1,omitempty"`
	Lambda2 float64 `json:"lambda2,omitempty"`
	// EncoderActivation replaces the paper's sigmoid in the encoder's hidden layers ("": sigmoid;
	// "linear": an affine encoder, see autoencoder.Config.EncoderActivation).
	EncoderActivation string `json:"encoder_activation,omitempty"`
	// Schedule: the paper's batch 8000, Adam 1e-3, 10001 epochs thresholding every 500, 1001
	// refinement epochs, validation every 100; Seed is the first member's.
	Schedule
}

// SINDyLorenzConfig returns the configuration of sindy-lorenz. Full: the paper's data sizes,
// decoder (sigmoid 3-32-64-128) and library, one seed, and a recipe instead of the paper's 10001
// epochs (issue #21): an affine encoder (EncoderActivation "linear": the data are x, y, z and their
// cubes on six Legendre modes, so a linear map can read x, y, z exactly and cannot bend the latent
// until a wrong sparse model fits; the paper's sigmoid encoder found y·z in place of Lorenz's -y),
// λ1 = 1e-3 (the paper's 1e-4), batch 2048, Adam 1e-3, 60 epochs of autoencoder pre-training; then
// the latents centred on their principal axes and moved to the linear coordinates in which 8
// library terms fit their dynamics best (autoencoder.Config.SparseLatents; Lorenz centred has 8: the
// principal axes mix its correlated x and y, in which it needs 10 or more); Ξ initialised by STLSQ
// (threshold 0.05) capped at 5 terms per equation; 150 epochs of the paper's loss with STLSQ refits
// every 30 epochs at 0.1, 0.2, 0.3, 0.4; 30 refinement epochs (240 epochs, about 60,000 Adam steps,
// about 25 min on one core). The paper's schedule and network are SINDyLorenzPaperSchedule (select
// them with its --set keys, listed there).
//
// Quick, for CI and class: the same recipe at small scale, 128 training, 8 validation and 20 test
// trajectories, batch 256, one seed (about 30,000 Adam steps, a few minutes on 2 cores). At this
// size it still finds Lorenz's structure: of ten seeds (notebooks/models/sindy_lorenz/sweep_quick),
// the count that also has sigma, rho, beta within 10% is in the notebook; the others mostly find
// Lorenz's second 7-term form without its small x² term, aligned with rho about 11% off. With 64
// trajectories it does not (8 terms, 36% off), and the paper's sigmoid encoder ends at 9 or more
// terms in rotated coordinates.
func SINDyLorenzConfig(quick bool) *SINDyLorenz {
	p := autoencoder.Paper()
	c := &SINDyLorenz{TrainICs: 2048, ValICs: 20, TestICs: 100, Ensemble: 1, Shuffle: p.Shuffle,
		Lambda1: 1e-3, EncoderActivation: string(autoencoder.Linear), Schedule: Schedule{
			Batch: 2048, LR: 1e-3, Epochs: 150, Refine: 30, ThresholdEvery: 30, EvalEvery: 10, Seed: p.Seed,
			Pretrain: 60, PrincipalLatents: true, SparseLatents: 8, InitSTLSQ: 0.05, MaxTerms: 5, RefitSTLSQ: true,
			Thresholds: []float64{0.1, 0.2, 0.3, 0.4}}}
	if quick {
		c.TrainICs, c.ValICs, c.TestICs, c.Ensemble, c.Batch = 128, 8, 20, 1, 256
	}
	return c
}

// SINDyLorenzPaperSchedule returns Champion et al.'s schedule of the Lorenz example (autoencoder.Paper):
// batch 8000, Adam 1e-3, 10001 epochs of L1 and sequential thresholding at 0.1 every 500, 1001
// refinement epochs, validation every 100 (days on a CPU), with the paper's sigmoid encoder and λ1
// = 1e-4. Select it with --set encoder_activation= --set lambda1=0 --set batch=8000 --set
// epochs=10001 --set refine=1001 --set threshold_every=500 --set eval_every=100 --set pretrain=0
// --set principal_latents=false --set sparse_latents=0 --set init_stlsq=0 --set max_terms=0
// --set refit_stlsq=false --set thresholds=[].
func SINDyLorenzPaperSchedule() Schedule {
	p := autoencoder.Paper()
	return Schedule{Batch: p.BatchSize, LR: p.LearningRate, Epochs: p.Epochs, Refine: p.RefinementEpochs,
		ThresholdEvery: p.ThresholdFrequency, EvalEvery: p.EvalFrequency, Seed: p.Seed}
}

// Model returns the autoencoder configuration: autoencoder.Paper() with the schedule and seed.
func (c *SINDyLorenz) Model() (autoencoder.Config, error) {
	m := autoencoder.Paper()
	c.apply(&m)
	m.Shuffle = c.Shuffle
	if c.Lambda1 != 0 {
		m.WeightSindyX = c.Lambda1
	}
	m.WeightSindyZ = c.Lambda2
	m.EncoderActivation = autoencoder.Activation(c.EncoderActivation)
	return m, m.Validate()
}

func lorenzSplit(name string, cfg lorenzdata.Config) (*lorenzdata.Data, error) {
	d, err := lorenzdata.Generate(cfg)
	if err != nil {
		return nil, fmt.Errorf("sindy-lorenz %s data: %w", name, err)
	}
	return d, nil
}

// TrainData generates (or loads from the cache) the training trajectories.
func (c *SINDyLorenz) TrainData() (*lorenzdata.Data, error) {
	return lorenzSplit("training", lorenzdata.Train(c.TrainICs))
}

// ValData generates (or loads from the cache) the validation trajectories.
func (c *SINDyLorenz) ValData() (*lorenzdata.Data, error) {
	return lorenzSplit("validation", lorenzdata.Validation(c.ValICs))
}

// TestData generates (or loads from the cache) the test trajectories (new initial conditions in
// the same box).
func (c *SINDyLorenz) TestData() (*lorenzdata.Data, error) {
	return lorenzSplit("test", lorenzdata.Test(c.TestICs))
}

// TrainEnsemble trains (or resumes, or loads from finished checkpoints) Ensemble seeds with their
// checkpoints in dir (seed<k>.ckpt; they do not depend on the schedule, so a run continues with a
// longer one) and returns them with the index of the one selected as in the paper (lowest
// validation loss among the models with at most 10 active terms). show draws progress bars and
// live charts; log (may be nil) receives the training's lines and one line per member; maxTime
// bounds each member's wall time.
func (c *SINDyLorenz) TrainEnsemble(dir string, show bool, log io.Writer, maxTime time.Duration) ([]autoencoder.Candidate, int, error) {
	m, err := c.Model()
	if err != nil {
		return nil, -1, err
	}
	train, err := c.TrainData()
	if err != nil {
		return nil, -1, err
	}
	val, err := c.ValData()
	if err != nil {
		return nil, -1, err
	}
	if log != nil {
		fmt.Fprintf(log, "data: %d training samples, %d validation samples; checkpoints: %s\n", train.N, val.N, dir)
	}
	cands, best, err := autoencoder.TrainEnsemble(m, c.Ensemble, AEData(train), AEData(val), autoencoder.EnsembleOptions{
		CheckpointDir: dir, Show: show, Log: log, MaxDuration: maxTime})
	if err != nil {
		return nil, -1, err
	}
	w := log
	if w == nil && show {
		w = os.Stdout
	}
	if w != nil {
		for i, cd := range cands {
			mark := " "
			if i == best {
				mark = "*"
			}
			fmt.Fprintf(w, "%s seed %d: validation loss %.3e, relative errors x %.2e, ẋ %.2e, ż %.2e, %d active terms\n",
				mark, cd.Seed, cd.Val.Loss, cd.Val.RelX, cd.Val.RelXDeriv, cd.Val.RelZDeriv, cd.Active)
		}
	}
	return cands, best, nil
}

func init() {
	Register(&Experiment{
		Name:     "sindy-lorenz",
		Title:    "SINDy autoencoder: the Lorenz equations rediscovered in 128 dimensions",
		Paper:    "Champion et al. 2019",
		Notebook: "notebooks/sindy_lorenz.ipynb",
		Shipped:  "notebooks/models/sindy_lorenz",
		Figures:  []string{"loss and active terms", "learned and true Ξ", "simulated test trajectories", "attractor of the discovered model"},
		Config:   func(quick bool) any { return SINDyLorenzConfig(quick) },
		Data:     lorenzData,
		Train:    lorenzTrain,
		Eval:     lorenzEval,
		// The paper's protocol: ten seeds, and the model with the lowest validation loss among the
		// successful ones. A run succeeds when it finds the paper's model: at most 8 active terms
		// (the paper's has 7) and Lorenz after an affine change of variables, with sigma, rho and
		// beta each within 10% (issue #21).
		Success: []Check{
			{Flag: "sparse", Metric: "active_terms", Op: "<=", Bound: 8},
			{Flag: "lorenz", Metric: "lorenz_param_error", Op: "<=", Bound: maxLorenzParamError},
		},
		Select: Selection{Metric: "val_loss", AmongSuccessful: true, Source: "Champion et al. 2019"},
		Metrics: []string{"val_loss", "active_terms", "lobe_switches_model", "align_distance", "sigma", "rho", "beta",
			"test_rel_x", "test_rel_dx", "test_rel_dz"},
	})
	sindyFits["sindy-lorenz"] = lorenzFit
}

func lorenzData(r *Run) (*Summary, error) {
	c, err := sindyConfig[SINDyLorenz](r)
	if err != nil {
		return nil, err
	}
	s := &Summary{}
	for _, split := range []struct {
		name string
		gen  func() (*lorenzdata.Data, error)
	}{{"train", c.TrainData}, {"val", c.ValData}, {"test", c.TestData}} {
		d, err := split.gen()
		if err != nil {
			return nil, err
		}
		s.Add("%-5s %4d trajectories × %d steps = %d samples of %d values (x, ẋ, ẍ)", split.name, d.Config.NumICs, d.Config.Steps, d.N, d.Dim)
		s.Set(split.name+"_samples", float64(d.N))
	}
	s.Set("dim", 128)
	return s, nil
}

// lorenzFit trains the ensemble and returns the selected member.
func lorenzFit(r *Run, show bool, log io.Writer) (*autoencoder.Model, *autoencoder.State, error) {
	cands, best, err := lorenzEnsemble(r, show, log)
	if err != nil {
		return nil, nil, err
	}
	return cands[best].Model, cands[best].State, nil
}

// maxLorenzParamError is how far (relative) the aligned sigma, rho and beta may be from Lorenz's for a
// run to count as having found the paper's model (issue #21: 10%).
const maxLorenzParamError = 0.1

// lorenzEnsemble trains (or resumes, or loads) the ensemble of run r in its output directory.
func lorenzEnsemble(r *Run, show bool, log io.Writer) ([]autoencoder.Candidate, int, error) {
	c, err := sindyConfig[SINDyLorenz](r)
	if err != nil {
		return nil, -1, err
	}
	dir, err := r.OutDir("sindy-lorenz")
	if err != nil {
		return nil, -1, err
	}
	return c.TrainEnsemble(dir, show, log, r.MaxTime)
}

// LorenzAlignment is the summary.json record of a model's alignment to Lorenz (lorenzdata.Align).
type LorenzAlignment struct {
	Sigma    float64 `json:"sigma"`
	Rho      float64 `json:"rho"`
	Beta     float64 `json:"beta"`
	Distance float64 `json:"distance"` // Alignment.Error: the distance to the Lorenz structure.
	// ParamError is the largest relative deviation of sigma, rho, beta from 10, 28, 8/3.
	ParamError float64 `json:"param_error"`
}

// alignLorenz returns the alignment of m to Lorenz, nil when it has none within
// lorenzdata.MaxAlignError.
func alignLorenz(m *autoencoder.Model) (*LorenzAlignment, error) {
	xi, err := m.Coefficients()
	if err != nil {
		return nil, fmt.Errorf("sindy-lorenz: %w", err)
	}
	al, err := lorenzdata.Align(xi)
	if err != nil {
		return nil, nil
	}
	sigma, rho, beta := al.Parameters()
	return &LorenzAlignment{Sigma: sigma, Rho: rho, Beta: beta, Distance: al.Error, ParamError: al.ParameterError()}, nil
}

// LorenzSeed is one member of an ensemble as summary.json's "seeds" records it: the paper's
// protocol trains several seeds and keeps one; this is how each of them ended.
type LorenzSeed struct {
	Seed         uint64           `json:"seed"`
	ActiveTerms  int              `json:"active_terms"`
	Aligned      bool             `json:"aligned"`   // an alignment to Lorenz with sigma, rho, beta within 10%
	Alignment    *LorenzAlignment `json:"alignment"` // null: none
	TrainSeconds float64          `json:"train_seconds"`
	ValLoss      float64          `json:"val_loss"`
	TestRelX     float64          `json:"test_rel_x"`
	TestRelDX    float64          `json:"test_rel_dx"`
	TestRelDZ    float64          `json:"test_rel_dz"`
	Selected     bool             `json:"selected"`
}

// lorenzSeeds evaluates every member of an ensemble on the test data.
func lorenzSeeds(cands []autoencoder.Candidate, best int, test autoencoder.Data) ([]LorenzSeed, error) {
	out := make([]LorenzSeed, len(cands))
	for i, cd := range cands {
		mt, err := cd.Model.Evaluate(test)
		if err != nil {
			return nil, fmt.Errorf("sindy-lorenz: seed %d: %w", cd.Seed, err)
		}
		al, err := alignLorenz(cd.Model)
		if err != nil {
			return nil, err
		}
		out[i] = LorenzSeed{Seed: cd.Seed, ActiveTerms: cd.Active, Alignment: al, TrainSeconds: cd.State.Elapsed,
			ValLoss: cd.Val.Loss, TestRelX: mt.RelX, TestRelDX: mt.RelXDeriv, TestRelDZ: mt.RelZDeriv, Selected: i == best}
		if al != nil {
			out[i].Aligned = al.ParamError <= maxLorenzParamError
		}
	}
	return out, nil
}

func lorenzTrain(r *Run) (*Summary, error) {
	c, err := sindyConfig[SINDyLorenz](r)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	cands, best, err := lorenzEnsemble(r, false, r.Log)
	if err != nil {
		return nil, err
	}
	m, st := cands[best].Model, cands[best].State
	test, err := c.TestData()
	if err != nil {
		return nil, err
	}
	seeds, err := lorenzSeeds(cands, best, AEData(test))
	if err != nil {
		return nil, err
	}
	al, err := alignLorenz(m)
	if err != nil {
		return nil, err
	}
	s, err := finishSINDy("sindy-lorenz", r, m, st, AEData(test), map[string]any{
		"wall_seconds": time.Since(t0).Seconds(), "train_ics": c.TrainICs, "selected_seed": m.Config().Seed,
		"ensemble": c.Ensemble, "test_ics": c.TestICs, "alignment": al, "seeds": seeds})
	if err != nil {
		return nil, err
	}
	s.Set("selected_seed", float64(m.Config().Seed))
	return s, nil
}

// lorenzAlignment looks for the affine change of the latent variables that turns the discovered
// model into Lorenz's equations (lorenzdata.Align, the alignment of Champion et al.'s
// analyze_lorenz notebooks) and records it: align_distance (the model's distance to the Lorenz
// structure in the best alignment, when some permutation has that structure at all), and when it is
// within lorenzdata.MaxAlignError the aligned parameters sigma, rho, beta and lorenz_param_error
// (their largest relative deviation from 10, 28, 8/3).
func lorenzAlignment(m *autoencoder.Model, s *Summary) error {
	xi, err := m.Coefficients()
	if err != nil {
		return fmt.Errorf("sindy-lorenz: %w", err)
	}
	al, err := lorenzdata.Align(xi)
	if al == nil {
		s.Add("no alignment to Lorenz: %v", err)
		return nil
	}
	s.Set("align_distance", al.Error)
	if err != nil {
		s.Add("no alignment to Lorenz: the closest is at distance %.3g (accepted: <= %g)", al.Error, lorenzdata.MaxAlignError)
		return nil
	}
	sigma, rho, beta := al.Parameters()
	s.Set("sigma", sigma)
	s.Set("rho", rho)
	s.Set("beta", beta)
	s.Set("lorenz_param_error", al.ParameterError())
	s.Add("aligned to Lorenz (distance %.3g): sigma %.3f, rho %.3f, beta %.3f (largest deviation %.1f%%)",
		al.Error, sigma, rho, beta, 100*al.ParameterError())
	return nil
}

// lorenzEval evaluates the model on the test trajectories and simulates the discovered equations
// in Champion et al.'s demo: the Lorenz trajectory from (-8, 7, 27) on t ∈ [0, 20) (dt = 0.01),
// embedded and encoded, against the discovered model integrated from its encoded first state. A
// two-lobed attractor switches lobes often (lorenzdata.LobeSwitches; the encoder's view of the true
// trajectory: about 11 times). Metrics: those of sindyEval.report, lobe_switches_encoder and
// lobe_switches_model.
func lorenzEval(r *Run) (*Summary, error) {
	c, err := sindyConfig[SINDyLorenz](r)
	if err != nil {
		return nil, err
	}
	ev, s, err := startEval("sindy-lorenz", r, func(*autoencoder.Model, *Summary) (autoencoder.Data, string, error) {
		test, err := c.TestData()
		if err != nil {
			return autoencoder.Data{}, "", err
		}
		return AEData(test), fmt.Sprintf("%d test trajectories", c.TestICs), nil
	})
	if err != nil {
		return nil, err
	}
	m := ev.Model
	ts := make([]float64, 2000)
	for i := range ts {
		ts[i] = 0.01 * float64(i)
	}
	single, err := lorenzdata.Single([]float64{-8, 7, 27}, ts)
	if err != nil {
		return nil, fmt.Errorf("sindy-lorenz: %w", err)
	}
	z, _, err := m.Encode(AEData(single))
	if err != nil {
		return nil, err
	}
	sm, err := m.SINDy()
	if err != nil {
		return nil, err
	}
	if err := lorenzAlignment(m, s); err != nil {
		return nil, err
	}
	enc := lorenzdata.LobeSwitches(z)
	s.Set("lobe_switches_encoder", float64(enc))
	sim, err := sm.Simulate(z[0], ts)
	if err != nil {
		s.Add("simulation of the discovered model from the encoded (-8, 7, 27) failed: %v", err)
		return s, nil
	}
	got := lorenzdata.LobeSwitches(sim)
	s.Set("lobe_switches_model", float64(got))
	s.Add("lobe switches on t ∈ [0, 20) from (-8, 7, 27): encoder %d, discovered model %d", enc, got)
	return s, nil
}
