package experiments

// What the SINDy-autoencoder experiments (sindy-lorenz, sindy-pendulum, sindy-reaction-diffusion)
// share: their training options, the output directory a training writes (model.ckpt, the weights
// without the optimizer state, autoencoder.Model.SaveWeights, which autoencoder.Load reads;
// summary.json, how it was trained and how well it does; equations.txt), the model Eval loads and
// the numbers it reports, and SINDyModel, the notebooks' way to the model of the current mode.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
	"github.com/dynlearn/dynlearn/pkg/reactiondiffusion"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/lorenzdata"
)

// Schedule is the training schedule and optimizer of a SINDy-autoencoder experiment: the settings
// the three SINDy experiments' configurations share (each embeds it, so its keys are top-level:
// `--set epochs=1500`).
type Schedule struct {
	Batch          int     `json:"batch"`           // Mini-batch size.
	LR             float64 `json:"lr"`              // Adam's learning rate (both phases).
	Epochs         int     `json:"epochs"`          // Epochs with the L1 term and sequential thresholding.
	Refine         int     `json:"refine"`          // Refinement epochs (no L1, mask frozen, fresh Adam).
	ThresholdEvery int     `json:"threshold_every"` // Thresholding frequency in epochs.
	EvalEvery      int     `json:"eval_every"`      // Validation frequency in epochs.
	Seed           uint64  `json:"seed"`            // Seed of the weights and the shuffling (--seed replaces it).
	// The recipe options of autoencoder.Config beyond the paper's (zero: the paper's recipe).
	Pretrain int `json:"pretrain,omitempty"` // Autoencoder-only epochs before the main phase.
	// > 0: before pre-training, fit the encoder and decoder to the Isomap coordinates of this many
	// training samples (isomap_epochs epochs, 0: 200; autoencoder.Config.IsomapLatents).
	IsomapLatents int     `json:"isomap_latents,omitempty"`
	IsomapEpochs  int     `json:"isomap_epochs,omitempty"`
	InitSTLSQ     float64 `json:"init_stlsq,omitempty"`  // > 0: start the main phase from Ξ and a mask fitted by STLSQ at this threshold.
	RefitSTLSQ    bool    `json:"refit_stlsq,omitempty"` // Every thresholding refits Ξ by STLSQ on the encoder's latents.
	Threshold     float64 `json:"threshold,omitempty"`   // Sequential-thresholding threshold (0: the paper's 0.1).
	// Thresholds of the successive thresholdings (the last repeats; empty: Threshold every time).
	Thresholds       []float64 `json:"thresholds,omitempty"`
	PrincipalLatents bool      `json:"principal_latents,omitempty"` // Centre, rotate and scale the latents after pre-training.
	MaxTerms         int       `json:"max_terms,omitempty"`         // Cap of the STLSQ fits, terms per equation (0: none).
	// > 0: after pre-training, move the latents to the linear coordinates where this many terms fit best.
	SparseLatents int `json:"sparse_latents,omitempty"`
	// "cosine": the learning rate decays to final_lr over the main phase and again over the refinement.
	LRDecay string  `json:"lr_decay,omitempty"`
	FinalLR float64 `json:"final_lr,omitempty"` // End of lr_decay (0: lr/100).
}

// apply writes the schedule into a model configuration.
func (s Schedule) apply(c *autoencoder.Config) {
	c.BatchSize, c.LearningRate, c.Epochs, c.RefinementEpochs = s.Batch, s.LR, s.Epochs, s.Refine
	c.ThresholdFrequency, c.EvalFrequency, c.Seed = s.ThresholdEvery, s.EvalEvery, s.Seed
	c.PretrainEpochs, c.RefitSTLSQ = s.Pretrain, s.RefitSTLSQ
	c.IsomapLatents, c.IsomapEpochs = s.IsomapLatents, s.IsomapEpochs
	if s.InitSTLSQ > 0 {
		c.InitSTLSQ, c.InitThreshold = true, s.InitSTLSQ
	}
	if s.Threshold > 0 {
		c.Threshold = s.Threshold
	}
	c.ThresholdSchedule = append([]float64(nil), s.Thresholds...)
	c.PrincipalLatents, c.MaxTerms, c.SparseLatents = s.PrincipalLatents, s.MaxTerms, s.SparseLatents
	c.LRDecay, c.FinalLR = s.LRDecay, s.FinalLR
}

func (s *Schedule) schedule() *Schedule { return s }

// scheduled is a configuration that embeds a Schedule.
type scheduled interface{ schedule() *Schedule }

// sindyConfig returns a copy of r's configuration (a *T) with r.Seed applied.
func sindyConfig[T any, PT interface {
	*T
	scheduled
}](r *Run) (*T, error) {
	c, err := Cfg[T](r)
	if err != nil {
		return nil, err
	}
	cp := *c
	if r.Seed != 0 {
		PT(&cp).schedule().Seed = r.Seed
	}
	return &cp, nil
}

// parseWidths parses a comma-separated list of positive layer widths such as "128,64,32".
func parseWidths(s string) ([]int, error) {
	var w []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad widths %q: want positive integers separated by commas", s)
		}
		w = append(w, v)
	}
	return w, nil
}

// AEData returns a data set of package lorenzdata, pendulumimages or reactiondiffusion as
// SINDy-autoencoder data (sharing its arrays).
func AEData[D *lorenzdata.Data | *pendulumimages.Dataset | *reactiondiffusion.Dataset](d D) autoencoder.Data {
	switch d := any(d).(type) {
	case *lorenzdata.Data:
		return autoencoder.Data{N: d.N, Dim: d.Dim, X: d.X, DX: d.DX, DDX: d.DDX}
	case *pendulumimages.Dataset:
		return autoencoder.Data{N: d.N(), Dim: d.Dim(), X: d.X, DX: d.DX, DDX: d.DDX}
	case *reactiondiffusion.Dataset:
		return autoencoder.Data{N: d.N(), Dim: d.Dim(), X: d.X, DX: d.DX}
	}
	panic("unreachable")
}

// TrainCheckpointFile is the name of a SINDy autoencoder's training checkpoint (model and optimizer
// state, for resuming) in its output directory; the model itself is saved beside it.
const TrainCheckpointFile = "train.ckpt"

// trainSINDy trains (or resumes from <r.OutDir(name)>/train.ckpt, or loads when finished) one SINDy
// autoencoder of configuration cfg: what sindy-pendulum and sindy-reaction-diffusion train. hook,
// when not nil, makes the OnThreshold callback from the model and the checkpoint's path.
func trainSINDy(name string, r *Run, cfg autoencoder.Config, train, val autoencoder.Data, show bool, log io.Writer,
	hook func(m *autoencoder.Model, ckpt string) (func(int, *autoencoder.Model) error, error)) (*autoencoder.Model, *autoencoder.State, error) {
	dir, err := r.OutDir(name)
	if err != nil {
		return nil, nil, err
	}
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	opts := autoencoder.TrainOptions{Checkpoint: filepath.Join(dir, TrainCheckpointFile), Show: show, Log: log, MaxDuration: r.MaxTime}
	if hook != nil {
		if opts.OnThreshold, err = hook(m, opts.Checkpoint); err != nil {
			return nil, nil, err
		}
	}
	st, err := m.Train(train, val, opts)
	if err != nil {
		return nil, nil, err
	}
	return m, st, nil
}

// finishSINDy evaluates a trained model on the test set, writes the run's output directory
// (r.OutDir(name), see writeSINDy, with extra entries in summary.json) and summarises it.
func finishSINDy(name string, r *Run, m *autoencoder.Model, st *autoencoder.State, test autoencoder.Data,
	extra map[string]any) (*Summary, error) {
	dir, err := r.OutDir(name)
	if err != nil {
		return nil, err
	}
	ev, err := evaluateSINDy(m, st, m.Config().InputDim, test)
	if err != nil {
		return nil, err
	}
	cmd, err := commandLine(name, r)
	if err != nil {
		return nil, err
	}
	if err := writeSINDy(dir, cmd, m, st, ev.Test, ev.Equations, extra); err != nil {
		return nil, err
	}
	s := &Summary{}
	ev.report(s)
	s.Add("wrote %s", dir)
	return s, nil
}

// sindySummary returns the fields every run records in summary.json: the command line, the
// training state (epochs, seconds, thresholding history, refinement start, reopenings), the
// active terms, the equations, the test errors (keys test_rel_x, test_rel_<d>x, test_rel_<d>z
// with <d> = "d" for a first-order model and "dd" for a second-order one) and the configuration.
func sindySummary(command string, m *autoencoder.Model, st *autoencoder.State, test autoencoder.Metrics, eqs []string) map[string]any {
	d := derivative(m)
	return map[string]any{
		"command":             command,
		"train_seconds":       st.Elapsed,
		"epochs_completed":    st.Epoch,
		"refinement_from":     st.RefineStart,
		"thresholds":          st.Thresholds,
		"reopened_at":         st.Reopened,
		"active_terms":        m.ActiveTerms(),
		"equations":           eqs,
		"test_rel_x":          test.RelX,
		"test_rel_" + d + "x": test.RelXDeriv,
		"test_rel_" + d + "z": test.RelZDeriv,
		"config":              m.Config(),
	}
}

// derivative is "d" for a first-order model and "dd" for a second-order one.
func derivative(m *autoencoder.Model) string {
	if m.Config().ModelOrder == 2 {
		return "dd"
	}
	return "d"
}

// writeSINDy saves m's weights with its training state st to dir/model.ckpt, a summary of the run
// (see sindySummary; command is the command line that trained it, extra adds or overrides entries)
// to dir/summary.json and the equations eqs to dir/equations.txt, creating dir. Each file is
// written atomically.
func writeSINDy(dir, command string, m *autoencoder.Model, st *autoencoder.State, test autoencoder.Metrics, eqs []string, extra map[string]any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	if err := m.SaveWeights(filepath.Join(dir, "model.ckpt"), st); err != nil {
		return err
	}
	all := sindySummary(command, m, st, test, eqs)
	for k, v := range extra {
		all[k] = v
	}
	js, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("experiments: summary of %s: %w", dir, err)
	}
	if err := diskcache.WriteBytes(filepath.Join(dir, "summary.json"), append(js, '\n')); err != nil {
		return err
	}
	return diskcache.WriteBytes(filepath.Join(dir, "equations.txt"), []byte(strings.Join(eqs, "\n")+"\n"))
}

// commandLine returns the command that repeats run r of experiment name: `go run ./cmd/dynlearn
// train NAME` with --quick, --seed, --out, --max-time and a --set for every setting that differs
// from the mode's default configuration.
func commandLine(name string, r *Run) (string, error) {
	parts := []string{"go run ./cmd/dynlearn train", name}
	if r.Quick {
		parts = append(parts, "--quick")
	}
	if r.Seed != 0 {
		parts = append(parts, fmt.Sprintf("--seed %d", r.Seed))
	}
	if e, ok := registry[name]; ok && r.Config != nil {
		sets, err := changedSettings(e.Config(r.Quick), r.Config)
		if err != nil {
			return "", err
		}
		for _, kv := range sets {
			parts = append(parts, "--set "+shellQuote(kv))
		}
	}
	if r.Out != "" {
		parts = append(parts, "--out "+shellQuote(r.Out))
	}
	if r.MaxTime > 0 {
		parts = append(parts, "--max-time "+r.MaxTime.String())
	}
	return strings.Join(parts, " "), nil
}

// changedSettings lists key=value for every setting (see Keys) whose value in cfg differs from def.
func changedSettings(def, cfg any) ([]string, error) {
	var out []string
	for _, key := range Keys(cfg) {
		a, err := Setting(def, key)
		if err != nil {
			return nil, err
		}
		b, err := Setting(cfg, key)
		if err != nil {
			return nil, err
		}
		if a != b {
			out = append(out, key+"="+b)
		}
	}
	return out, nil
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:=+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sindyModelPath returns the model Eval of experiment e loads: r.Model (a model.ckpt, or a
// directory holding one), else the model.ckpt that Train wrote to r.Out, else the shipped model.
func sindyModelPath(e *Experiment, r *Run) (string, error) {
	p := r.Model
	switch {
	case p != "":
	case r.Out != "":
		p = r.Out
	default:
		var err error
		if p, err = RepoPath(e.Shipped); err != nil {
			return "", err
		}
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		p = filepath.Join(p, "model.ckpt")
	}
	return p, nil
}

// startEval loads the model that Eval of experiment name reads (sindyModelPath), evaluates it on
// the test data that testData returns for it (and says what they are, for the summary's first
// line), and starts the summary with the result (sindyEval.report).
func startEval(name string, r *Run, testData func(m *autoencoder.Model, s *Summary) (autoencoder.Data, string, error)) (*sindyEval, *Summary, error) {
	path, err := sindyModelPath(registry[name], r)
	if err != nil {
		return nil, nil, err
	}
	m, st, err := loadSINDy(path)
	if err != nil {
		return nil, nil, err
	}
	s := &Summary{}
	test, what, err := testData(m, s)
	if err != nil {
		return nil, nil, err
	}
	ev, err := evaluateSINDy(m, st, test.Dim, test)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", name, path, err)
	}
	s.Add("%s on %s", path, what)
	ev.report(s)
	return ev, s, nil
}

// sindyEval is a trained model evaluated on a test set.
type sindyEval struct {
	Model     *autoencoder.Model
	State     *autoencoder.State
	Test      autoencoder.Metrics
	Equations []string    // The discovered equations, 4 significant digits.
	Xi        [][]float64 // The coefficients (masked).
}

// loadSINDy loads the model at path.
func loadSINDy(path string) (*autoencoder.Model, *autoencoder.State, error) {
	m, st, err := autoencoder.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("experiments: model %s: %w", path, err)
	}
	return m, st, nil
}

// evaluateSINDy checks that m takes inputs of inputDim values and evaluates it on test.
func evaluateSINDy(m *autoencoder.Model, st *autoencoder.State, inputDim int, test autoencoder.Data) (*sindyEval, error) {
	if got := m.Config().InputDim; got != inputDim {
		return nil, fmt.Errorf("experiments: the model has input dimension %d, want %d", got, inputDim)
	}
	mt, err := m.Evaluate(test)
	if err != nil {
		return nil, err
	}
	sm, err := m.SINDy()
	if err != nil {
		return nil, err
	}
	xi, err := m.Coefficients()
	if err != nil {
		return nil, err
	}
	return &sindyEval{Model: m, State: st, Test: mt, Equations: sm.Equations(4), Xi: xi}, nil
}

// String summarizes the model and its test errors.
func (s *sindyEval) String() string {
	d := "ẋ, ż"
	if s.Model.Config().ModelOrder == 2 {
		d = "ẍ, z̈"
	}
	return fmt.Sprintf("model (%d epochs, %d active terms): test relative errors x, %s: %.3g, %.3g, %.3g",
		s.State.Epoch, s.Model.ActiveTerms(), d, s.Test.RelX, s.Test.RelXDeriv, s.Test.RelZDeriv)
}

// report adds the test errors, the active terms and the equations to sum: lines, and the metrics
// test_rel_x, test_rel_<d>x, test_rel_<d>z (as in summary.json), active_terms, epochs and, when
// the training state recorded one, val_loss (the last validation loss: what the paper's selection
// rule compares).
func (s *sindyEval) report(sum *Summary) {
	sum.Add("%s", s)
	for _, e := range s.Equations {
		sum.Add("  %s", e)
	}
	d := derivative(s.Model)
	sum.Set("test_rel_x", s.Test.RelX)
	sum.Set("test_rel_"+d+"x", s.Test.RelXDeriv)
	sum.Set("test_rel_"+d+"z", s.Test.RelZDeriv)
	sum.Set("active_terms", float64(s.Model.ActiveTerms()))
	sum.Set("epochs", float64(s.State.Epoch))
	if v, ok := s.State.History.Last("val loss"); ok {
		setFinite(sum, "val_loss", v)
	}
}

// setFinite records v as name when it is a finite number (a measurement that failed is not one).
func setFinite(s *Summary, name string, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		s.Set(name, v)
	}
}

// SINDyTrained is the model a SINDy notebook shows (see SINDyModel).
type SINDyTrained struct {
	Model *autoencoder.Model
	State *autoencoder.State
	// Quick reports whether it is the quick configuration's model (trained on the quick data).
	Quick bool
}

// modeler is a SINDy experiment's configuration: it makes the model's configuration.
type modeler interface {
	Model() (autoencoder.Config, error)
}

// sindyFits trains the model of a SINDy experiment's run (resuming, or loading a finished
// training): the part of Train that SINDyModel uses.
var sindyFits = map[string]func(r *Run, show bool, log io.Writer) (*autoencoder.Model, *autoencoder.State, error){}

// SINDyModel returns the model that the notebook of the SINDy experiment name shows in the current
// mode (config.Quick, config.Retrain):
//   - full mode: the shipped model (if none is shipped, the quick configuration's model, trained
//     here, with a note);
//   - quick mode, or full mode with DYNLEARN_RETRAIN=1: the model of the mode's configuration,
//     trained in the cache directory of the run (Run.OutDir) with a progress bar and a live loss
//     chart when show; an interrupted training resumes, a finished one loads at once. The
//     command `go run ./cmd/dynlearn train NAME [--quick]` trains the same model there.
func SINDyModel(name string, show bool) (*SINDyTrained, error) {
	e, err := Get(name)
	if err != nil {
		return nil, err
	}
	fit, ok := sindyFits[name]
	if !ok {
		return nil, fmt.Errorf("experiments: %s is not a SINDy-autoencoder experiment", name)
	}
	quick := config.Quick()
	if !quick && !config.Retrain() {
		path, err := RepoPath(e.Shipped)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(path, "model.ckpt")
		if _, err := os.Stat(path); err == nil {
			m, st, err := loadSINDy(path)
			if err != nil {
				return nil, fmt.Errorf("%w (train it with `go run ./cmd/dynlearn train %s`, or set DYNLEARN_RETRAIN=1)", err, name)
			}
			full, err := e.Config(false).(modeler).Model()
			if err != nil {
				return nil, err
			}
			return &SINDyTrained{Model: m, State: st, Quick: m.Config().InputDim != full.InputDim}, nil
		}
		if show {
			fmt.Printf("NOTE: no shipped model at %s;\ntraining the QUICK configuration instead (`go run ./cmd/dynlearn train %s --out %s` trains the full model).\n",
				path, name, e.Shipped)
		}
		quick = true
	}
	r := &Run{Quick: quick, Config: e.Config(quick), Log: io.Discard}
	m, st, err := fit(r, show, nil)
	if err != nil {
		return nil, err
	}
	return &SINDyTrained{Model: m, State: st, Quick: quick}, nil
}
