package experiments

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/linearrnn"
	"github.com/dynlearn/dynlearn/pkg/neuralode"
	"github.com/dynlearn/dynlearn/pkg/onsagernet"
)

// The experiments of the lecture "Machine learning and dynamical systems" (Qianxiao Li, NUS 2021):
// ResNets as flows (package neuralode), the curse of memory of linear RNNs (package linearrnn) and
// OnsagerNet on Lorenz '63 (package onsagernet). Their configurations are the packages' own
// (neuralode.FlowSetup, linearrnn.MemorySweeps, onsagernet.LorenzSetup).

const lecturePaper = "Q. Li, Machine learning and dynamical systems (lecture, NUS 2021)"

func init() {
	Register(&Experiment{
		Name:     "lecture-flows",
		Title:    "ResNets as flows: a neural ODE separates the lecture's classes",
		Paper:    lecturePaper,
		Notebook: "notebooks/lecture_flows.ipynb",
		Figures:  []string{"true flow of the classes", "ResNet vs forward Euler", "training curves", "learned flow", "decision regions"},
		Config:   func(quick bool) any { s := neuralode.FlowSetup(quick); return &s },
		Data:     flowsData,
		Train:    flowsTrain,
		Eval:     flowsEval,
		Cheap:    true,
		Success:  []Check{{Flag: "separates", Metric: "resnet_test_acc", Op: ">=", Bound: 0.95}},
		Select:   Selection{Metric: "resnet_test_acc", Maximize: true},
		Metrics:  []string{"resnet_test_acc", "linear_test_acc"},
	})
	Register(&Experiment{
		Name:     "lecture-rnn-memory",
		Title:    "The curse of memory: linear RNN plateaus grow exponentially with the target's memory",
		Paper:    lecturePaper + "; Li, Han, E and Li, ICLR 2021",
		Notebook: "notebooks/lecture_rnn_memory.ipynb",
		Shipped:  "notebooks/models/lecture",
		Figures:  []string{"memory kernels", "loss curves against memory", "plateau length against memory", "learned kernels"},
		Config:   func(quick bool) any { return rnnMemoryConfig(quick) },
		Data:     rnnMemoryData,
		Train:    rnnMemoryTrain,
		Eval:     rnnMemoryEval,
	})
	Register(&Experiment{
		Name:     "lecture-onsagernet",
		Title:    "OnsagerNet against an MLP ODE on Lorenz '63 (ρ = 16, 28): accuracy and long-time stability",
		Paper:    lecturePaper + "; Yu, Tian, E and Li, Phys. Rev. Fluids 2021",
		Notebook: "notebooks/lecture_onsagernet.ipynb",
		Shipped:  "notebooks/models/lecture",
		Figures:  []string{"V decreases along an untrained OnsagerNet", "training data", "loss curves", "rollouts", "phase portraits"},
		Config: func(quick bool) any {
			return &OnsagerNetConfig{Rho: []float64{16, 28}, Models: []string{"onsagernet", "mlp"}}
		},
		Data:  onsagerData,
		Train: onsagerTrain,
		Eval:  onsagerEval,
	})
}

// logTo returns r.Log, or io.Discard when it is nil.
func logTo(r *Run) io.Writer {
	if r.Log == nil {
		return io.Discard
	}
	return r.Log
}

// evalLocation returns what Eval reads: r.Model when set; else r.Out when set; else the shipped
// model (shipped, relative to the repository root) in full mode when there is one; else the
// directory Train writes to by default (r.OutDir(name)).
func evalLocation(r *Run, name, shipped string) (string, error) {
	switch {
	case r.Model != "":
		return r.Model, nil
	case r.Out != "":
		return r.Out, nil
	case shipped != "" && !r.Quick:
		return RepoPath(shipped)
	}
	return r.OutDir(name)
}

// modelFile returns file inside loc when loc is a directory, loc itself when it is a file; it is an
// error when neither exists.
func modelFile(loc, file string) (string, error) {
	st, err := os.Stat(loc)
	if err != nil {
		return "", fmt.Errorf("trained model %s: %w (train it first, or pass --model)", loc, err)
	}
	if !st.IsDir() {
		return loc, nil
	}
	p := filepath.Join(loc, file)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("trained model %s: %w (train it first, or pass --model)", p, err)
	}
	return p, nil
}

// copyFile copies the trained model at path into dir (atomically), returning the copy's path; it is an error
// when path does not exist.
func copyFile(path, dir string) (string, error) {
	if _, err := modelFile(path, ""); err != nil {
		return "", err
	}
	out := filepath.Join(dir, filepath.Base(path))
	return out, diskcache.CopyFile(path, out)
}

// --- lecture-flows ---

func flowsSetup(r *Run) (*neuralode.Setup, error) {
	s, err := Cfg[neuralode.Setup](r)
	if err != nil {
		return nil, err
	}
	c := *s
	if r.Seed != 0 {
		c.Model.Seed, c.Linear.Seed = r.Seed, r.Seed
	}
	return &c, nil
}

func flowsData(r *Run) (*Summary, error) {
	s, err := flowsSetup(r)
	if err != nil {
		return nil, err
	}
	d, err := neuralode.Classification(s.Data)
	if err != nil {
		return nil, fmt.Errorf("lecture-flows data: %w", err)
	}
	ones := 0.0
	for _, l := range d.Labels {
		ones += l
	}
	sum := &Summary{}
	sum.Add("%d points kept of %d drawn (radius %g, bound %g, T = %g); %d train, %d test; %.0f%% in class 1",
		d.N, d.Drawn, d.Config.Radius, d.Config.Bound, d.Config.T, d.NTrain, d.N-d.NTrain, 100*ones/float64(d.N))
	sum.Set("points", float64(d.N))
	sum.Set("train", float64(d.NTrain))
	return sum, nil
}

// flowsRun trains (or, from finished checkpoints in dir, loads) the linear classifier and the ResNet.
// With load it only loads them: package neuralode has no loader, so it resumes a copy of each
// checkpoint with a budget of one step, which the checkpoint has already done.
func flowsRun(r *Run, s *neuralode.Setup, dir string, load bool) (lin, net *neuralode.Result, d *neuralode.Dataset, err error) {
	if d, err = neuralode.Classification(s.Data); err != nil {
		return nil, nil, nil, fmt.Errorf("lecture-flows data: %w", err)
	}
	b, err := backend.New()
	if err != nil {
		return nil, nil, nil, err
	}
	var out [2]*neuralode.Result
	for i, c := range []struct {
		file string
		cfg  neuralode.Config
		tc   neuralode.TrainConfig
	}{{"linear.ckpt", s.Linear, s.TrainLinear}, {"resnet.ckpt", s.Model, s.Train}} {
		m, err := neuralode.New(c.cfg)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("lecture-flows %s: %w", c.file, err)
		}
		tc := c.tc
		tc.Checkpoint = filepath.Join(dir, c.file)
		tc.Deadline = r.Deadline()
		if load {
			tmp, err := os.MkdirTemp("", "lecture-flows-eval-")
			if err != nil {
				return nil, nil, nil, fmt.Errorf("lecture-flows: %w", err)
			}
			defer os.RemoveAll(tmp)
			if tc.Checkpoint, err = copyFile(tc.Checkpoint, tmp); err != nil {
				return nil, nil, nil, fmt.Errorf("lecture-flows: %w", err)
			}
			tc.Steps = 1
		}
		w := logTo(r)
		res, err := neuralode.Train(b, m, d, tc, func(si neuralode.StepInfo) {
			if si.Step%200 == 0 || si.Step == si.Steps-1 {
				fmt.Fprintf(w, "%s step %d/%d: loss %.4g, test accuracy %.3f\n", m, si.Step+1, si.Steps, si.Loss, si.TestAcc)
			}
		})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("lecture-flows %s: %w", tc.Checkpoint, err)
		}
		out[i] = res
	}
	return out[0], out[1], d, nil
}

func flowsSummary(lin, net *neuralode.Result, d *neuralode.Dataset) *Summary {
	sum := &Summary{}
	for _, c := range []struct {
		name string
		res  *neuralode.Result
	}{{"linear", lin}, {"resnet", net}} {
		tr, te := neuralode.Accuracy(c.res.Params, d, 0, d.NTrain), neuralode.Accuracy(c.res.Params, d, d.NTrain, d.N)
		sum.Add("%-6s train accuracy %.3f, test accuracy %.3f (%d steps, %.1f s of training)", c.name, tr, te, c.res.Steps, c.res.Seconds)
		sum.Set(c.name+"_train_acc", tr)
		sum.Set(c.name+"_test_acc", te)
		sum.Set(c.name+"_steps", float64(c.res.Steps))
	}
	return sum
}

func flowsTrain(r *Run) (*Summary, error) {
	s, err := flowsSetup(r)
	if err != nil {
		return nil, err
	}
	dir, err := r.OutDir("lecture-flows")
	if err != nil {
		return nil, err
	}
	lin, net, d, err := flowsRun(r, s, dir, false)
	if err != nil {
		return nil, err
	}
	sum := flowsSummary(lin, net, d)
	sum.Add("written to %s", dir)
	return sum, nil
}

func flowsEval(r *Run) (*Summary, error) {
	s, err := flowsSetup(r)
	if err != nil {
		return nil, err
	}
	dir, err := evalLocation(r, "lecture-flows", "")
	if err != nil {
		return nil, err
	}
	lin, net, d, err := flowsRun(r, s, dir, true)
	if err != nil {
		return nil, err
	}
	return flowsSummary(lin, net, d), nil
}

// --- lecture-rnn-memory ---

// RNNMemoryConfig is the configuration of lecture-rnn-memory: linearrnn.MemorySweeps's two sweeps.
type RNNMemoryConfig struct {
	ExpSum linearrnn.SweepConfig `json:"expsum"`
	Airy   linearrnn.SweepConfig `json:"airy"`
}

func rnnMemoryConfig(quick bool) *RNNMemoryConfig {
	es, ai := linearrnn.MemorySweeps(quick)
	return &RNNMemoryConfig{ExpSum: es, Airy: ai}
}

// rnnMemoryFiles are the sweeps' files, as shipped in notebooks/models/lecture.
var rnnMemoryFiles = [2]string{"rnn_memory_expsum.gob", "rnn_memory_airy.gob"}

// rnnMemoryKeys name the two sweeps in metrics.
var rnnMemoryKeys = [2]string{"expsum", "airy"}

func rnnMemorySweeps(r *Run) ([2]linearrnn.SweepConfig, error) {
	c, err := Cfg[RNNMemoryConfig](r)
	if err != nil {
		return [2]linearrnn.SweepConfig{}, err
	}
	out := [2]linearrnn.SweepConfig{c.ExpSum, c.Airy}
	for i := range out {
		out[i].Memories = append([]float64(nil), out[i].Memories...)
		if r.Seed != 0 {
			out[i].Model.Seed = r.Seed
		}
	}
	return out, nil
}

func rnnMemoryData(r *Run) (*Summary, error) {
	sw, err := rnnMemorySweeps(r)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	for i, c := range sw {
		var lags []string
		for _, m := range c.Memories {
			t := linearrnn.Target{Family: c.Family, Memory: m}
			if err := t.Validate(); err != nil {
				return nil, fmt.Errorf("lecture-rnn-memory: %w", err)
			}
			h := c.Train.Horizon
			if h == 0 {
				h = t.Horizon()
			}
			lags = append(lags, fmt.Sprint(int(math.Ceil(h/c.Model.Delta))))
		}
		sum.Add("%s targets (white-noise population risk, no sampled data): memories %v, kernel lags %s", c.Family,
			c.Memories, strings.Join(lags, ", "))
		sum.Set(rnnMemoryKeys[i]+"_runs", float64(len(c.Memories)))
	}
	return sum, nil
}

func rnnMemorySummary(sum *Summary, key string, s *linearrnn.Sweep) {
	steps := s.PlateauSteps()
	for i, p := range steps {
		sum.Add("%s memory %g: plateau %d steps, final loss %.3g (%.0f s)", s.Config.Family, s.Config.Memories[i], p,
			s.Runs[i].Final(), s.Runs[i].Seconds)
		sum.Set(fmt.Sprintf("%s_m%g_plateau", key, s.Config.Memories[i]), float64(p))
		sum.Set(fmt.Sprintf("%s_m%g_final_loss", key, s.Config.Memories[i]), s.Runs[i].Final())
	}
}

func rnnMemoryTrain(r *Run) (*Summary, error) {
	sw, err := rnnMemorySweeps(r)
	if err != nil {
		return nil, err
	}
	dir, err := r.OutDir("lecture-rnn-memory")
	if err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	w := logTo(r)
	sum := &Summary{}
	for i, c := range sw {
		s, err := linearrnn.RunSweep(b, c, func(run, step int, loss float64) {
			if step%1000 == 0 {
				fmt.Fprintf(w, "%s memory %g: step %d loss %.4g\n", c.Family, c.Memories[run], step, loss)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("lecture-rnn-memory: %w", err)
		}
		rnnMemorySummary(sum, rnnMemoryKeys[i], s)
		path := filepath.Join(dir, rnnMemoryFiles[i])
		if err := diskcache.Save(path, s); err != nil {
			return nil, fmt.Errorf("lecture-rnn-memory: %w", err)
		}
		sum.Add("wrote %s", path)
	}
	return sum, nil
}

func rnnMemoryEval(r *Run) (*Summary, error) {
	sw, err := rnnMemorySweeps(r)
	if err != nil {
		return nil, err
	}
	loc, err := evalLocation(r, "lecture-rnn-memory", "notebooks/models/lecture")
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	for i, c := range sw {
		path, err := modelFile(loc, rnnMemoryFiles[i])
		if err != nil {
			return nil, fmt.Errorf("lecture-rnn-memory: %w", err)
		}
		s, found, err := linearrnn.ShippedSweep(path, c)
		if err != nil {
			return nil, fmt.Errorf("lecture-rnn-memory: %w", err)
		}
		if !found {
			return nil, fmt.Errorf("lecture-rnn-memory: no sweep at %s", path)
		}
		rnnMemorySummary(sum, rnnMemoryKeys[i], s)
		// Growth of the plateau per unit of memory: least squares of log(steps) over the escaped runs
		// with memory >= 8, as the notebook prints it.
		var sx, sy, sxx, sxy, n float64
		for j, st := range s.PlateauSteps() {
			if m := s.Config.Memories[j]; st >= 0 && m >= 8 {
				x, y := m, math.Log(float64(st+1))
				sx, sy, sxx, sxy, n = sx+x, sy+y, sxx+x*x, sxy+x*y, n+1
			}
		}
		if n >= 2 {
			g := math.Exp((n*sxy - sx*sy) / (n*sxx - sx*sx))
			sum.Add("%s: plateau grows ×%.2f per unit of memory (×%.1f per +4)", s.Config.Family, g, math.Pow(g, 4))
			sum.Set(rnnMemoryKeys[i]+"_growth", g)
		}
	}
	return sum, nil
}

// --- lecture-onsagernet ---

// OnsagerNetConfig is the configuration of lecture-onsagernet: which ρ values and models to train,
// each with onsagernet.LorenzSetup(ρ, quick).
type OnsagerNetConfig struct {
	// Rho lists the values of ρ (the paper: 16 and 28).
	Rho []float64 `json:"rho"`
	// Models lists the models: "onsagernet", "mlp".
	Models []string `json:"models"`
	// Epochs, when > 0, replaces the setup's number of epochs (full 600, quick 80).
	Epochs int `json:"epochs"`
}

// onsagerSetups returns the setups of the configuration's ρ values with r's seed and epochs.
func onsagerSetups(r *Run) (*OnsagerNetConfig, []onsagernet.Setup, error) {
	c, err := Cfg[OnsagerNetConfig](r)
	if err != nil {
		return nil, nil, err
	}
	if len(c.Rho) == 0 || len(c.Models) == 0 {
		return nil, nil, fmt.Errorf("lecture-onsagernet: need at least one rho and one model, got %v and %v", c.Rho, c.Models)
	}
	for _, k := range c.Models {
		if k != "onsagernet" && k != "mlp" {
			return nil, nil, fmt.Errorf("lecture-onsagernet: unknown model %q (onsagernet or mlp)", k)
		}
	}
	var ss []onsagernet.Setup
	for _, rho := range c.Rho {
		s := onsagernet.LorenzSetup(rho, r.Quick)
		if c.Epochs > 0 {
			s.Train.Epochs = c.Epochs
		}
		if r.Seed != 0 {
			s.Train.Seed, s.Onsager.Seed, s.MLP.Seed = r.Seed, r.Seed, r.Seed
		}
		ss = append(ss, s)
	}
	return c, ss, nil
}

// onsagerFile is the checkpoint name of a model kind at ρ, as shipped in notebooks/models/lecture.
func onsagerFile(kind string, rho float64) string {
	return fmt.Sprintf("%s_lorenz_r%g.ckpt", kind, rho)
}

func onsagerNet(s onsagernet.Setup, kind string) (onsagernet.Net, error) {
	on, ml, err := s.Nets()
	if err != nil {
		return nil, fmt.Errorf("lecture-onsagernet ρ = %g: %w", s.Rho, err)
	}
	if kind == "mlp" {
		return ml, nil
	}
	return on, nil
}

func onsagerData(r *Run) (*Summary, error) {
	_, ss, err := onsagerSetups(r)
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	for _, s := range ss {
		d, err := onsagernet.Lorenz(s.Data)
		if err != nil {
			return nil, fmt.Errorf("lecture-onsagernet ρ = %g data: %w", s.Rho, err)
		}
		sum.Add("ρ = %g: %d trajectories (%d train), %d training pairs, %d test pairs, dt = %g", s.Rho, len(d.Paths), d.NTrain,
			d.Train.N, d.Test.N, s.Data.Dt)
		sum.Set(fmt.Sprintf("r%g_train_pairs", s.Rho), float64(d.Train.N))
		sum.Set(fmt.Sprintf("r%g_test_pairs", s.Rho), float64(d.Test.N))
	}
	return sum, nil
}

func onsagerTrain(r *Run) (*Summary, error) {
	c, ss, err := onsagerSetups(r)
	if err != nil {
		return nil, err
	}
	dir, err := r.OutDir("lecture-onsagernet")
	if err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	w := logTo(r)
	sum := &Summary{}
	for _, s := range ss {
		d, err := onsagernet.Lorenz(s.Data)
		if err != nil {
			return nil, fmt.Errorf("lecture-onsagernet ρ = %g data: %w", s.Rho, err)
		}
		for _, kind := range c.Models {
			net, err := onsagerNet(s, kind)
			if err != nil {
				return nil, err
			}
			cfg := s.Train
			cfg.Checkpoint = filepath.Join(dir, onsagerFile(kind, s.Rho))
			cfg.Deadline = r.Deadline()
			rho := s.Rho
			res, err := onsagernet.Train(b, net, d.Train, d.Test, cfg, onsagernet.Callbacks{OnEpoch: func(e onsagernet.EpochInfo) {
				if e.Epoch%25 == 0 || e.Epoch == e.Epochs {
					fmt.Fprintf(w, "ρ=%g %s: epoch %d/%d train %.4g test %.4g lr %.3g (%s)\n", rho, net, e.Epoch, e.Epochs,
						e.Train, e.Test, e.LR, e.Elapsed.Round(1e9))
				}
			}})
			if err != nil {
				return nil, fmt.Errorf("lecture-onsagernet %s: %w", cfg.Checkpoint, err)
			}
			te, _ := res.History.Last("test")
			sum.Add("ρ = %g %s: %d epochs, test loss %.3g, %.0f s; wrote %s", s.Rho, kind, res.Epochs, te, res.Seconds, cfg.Checkpoint)
			sum.Set(fmt.Sprintf("r%g_%s_test_loss", s.Rho, kind), te)
			sum.Set(fmt.Sprintf("r%g_%s_epochs", s.Rho, kind), float64(res.Epochs))
		}
	}
	return sum, nil
}

func onsagerEval(r *Run) (*Summary, error) {
	c, ss, err := onsagerSetups(r)
	if err != nil {
		return nil, err
	}
	loc, err := evalLocation(r, "lecture-onsagernet", "notebooks/models/lecture")
	if err != nil {
		return nil, err
	}
	sum := &Summary{}
	for _, s := range ss {
		truth, err := onsagernet.CachedEvaluate(s, "Lorenz (true)", nil, nil)
		if err != nil {
			return nil, fmt.Errorf("lecture-onsagernet ρ = %g: %w", s.Rho, err)
		}
		reps := []*onsagernet.Report{truth}
		for _, kind := range c.Models {
			path, err := modelFile(loc, onsagerFile(kind, s.Rho))
			if err != nil {
				return nil, fmt.Errorf("lecture-onsagernet: %w", err)
			}
			net, err := onsagerNet(s, kind)
			if err != nil {
				return nil, err
			}
			res, err := onsagernet.LoadTrained(path, net)
			if err != nil {
				return nil, fmt.Errorf("lecture-onsagernet: %w", err)
			}
			rep, err := onsagernet.CachedEvaluate(s, kind, net, res.Store)
			if err != nil {
				return nil, fmt.Errorf("lecture-onsagernet %s: %w", path, err)
			}
			if err := rep.SetError(truth); err != nil {
				return nil, err
			}
			reps = append(reps, rep)
			p := fmt.Sprintf("r%g_%s_", s.Rho, kind)
			sum.Set(p+"path_err", rep.RelErr)
			sum.Set(p+"bounded", rep.Long.Fraction())
			sum.Set(p+"wide_bounded", rep.Wide.Fraction())
		}
		for _, rep := range reps {
			sum.Add("ρ = %g %-14s path error %.3g, bounded %d/%d, at a true fixed point %d/%d, z mean %.2f std %.2f, switches %.3f, bounded (8× box) %d/%d",
				s.Rho, rep.Name, rep.RelErr, rep.Long.Bounded, rep.Long.N, rep.Long.Near, rep.Long.N, rep.ZMean, rep.ZStd,
				rep.Switches, rep.Wide.Bounded, rep.Wide.N)
		}
	}
	return sum, nil
}
