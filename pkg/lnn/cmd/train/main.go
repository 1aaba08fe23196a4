// Command train trains a Lagrangian Neural Network or the baseline MLP on the double pendulum and
// writes a checkpoint that the notebook notebooks/lnn_double_pendulum.ipynb loads. Running it again
// with the same -out resumes (Ctrl-C saves and stops). At the end it reports the paper's energy error
// |E_pred(100) − E_true(100)| / 29.4 over the first -eval-ics of the paper's initial conditions (each
// integrated with its own step-size control; see lnn.EnergyError). With -eval-only it skips training
// and only evaluates the checkpoint -out (or its best epoch). To evaluate the shipped LNN and baseline
// together, use pkg/lnn/cmd/energy.
//
// With -setup lnn (or baseline) it trains the shipped full-mode model of the notebook instead, all
// its stages (lnn.Setup.LNNStages), and writes notebooks/models/lnn/lnn_3x128.ckpt (and .best.ckpt).
//
//	GOEXPERIMENT=simd go run ./pkg/lnn/cmd/train -setup lnn
//	go run ./pkg/lnn/cmd/train -model lnn -width 128 -depth 3 -epochs 60 -out /tmp/lnn.ckpt
//	go run ./pkg/lnn/cmd/train -model lnn -vel 10 -clip 300 -hess-penalty 100 -init-from /tmp/lnn.best.ckpt -out /tmp/ft.ckpt
//	go run ./pkg/lnn/cmd/train -model baseline -width 128 -depth 3 -epochs 60 -out /tmp/baseline.ckpt
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gomlx/compute"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/lnn"
	"github.com/dynlearn/dynlearn/pkg/systems"
	"github.com/dynlearn/dynlearn/pkg/training"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		if errors.Is(err, training.ErrInterrupted) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func run() error {
	kind := flag.String("model", "lnn", "lnn or baseline")
	width := flag.Int("width", 128, "hidden width (paper: 600)")
	depth := flag.Int("depth", 3, "hidden layers (paper: 3)")
	initName := flag.String("init", "cranmer", "LNN init: cranmer, slides or glorot")
	act := flag.String("act", "relu", "baseline activation: relu, softplus or tanh")
	data := flag.String("data", "fresh", "fresh (new random states every batch, the paper), states (a fixed cached pool) or trajectories (512×4, the slides)")
	pool := flag.Int("n", 1<<18, "size of the cached random-state pool (-data states)")
	epochs := flag.Int("epochs", 60, "epochs")
	steps := flag.Int("steps", 500, "minibatches per epoch (0: one pass over the data)")
	batch := flag.Int("batch", 512, "minibatch size")
	lr := flag.Float64("lr", 1e-3, "initial (step) or peak (onecycle) learning rate")
	sched := flag.String("schedule", "onecycle", "step (×0.5 every 10 epochs) or onecycle")
	loss := flag.String("loss", "l1", "l1 or mse")
	l2 := flag.Float64("l2", 0, "L2 weight penalty")
	setupName := flag.String("setup", "", "lnn or baseline: train the notebook's shipped full-mode model (all stages) into notebooks/models/lnn/; the model and training flags are ignored")
	out := flag.String("out", "", "checkpoint file (required without -setup); resumes when it exists")
	evalICs := flag.Int("eval-ics", 40, "initial conditions of the energy test (0: skip)")
	t1 := flag.Float64("t1", 100, "energy test horizon")
	seed := flag.Uint64("seed", 1, "seed of the weights and data")
	velMax := flag.Float64("vel", 10, "training velocities θ̇ ~ U[-vel, vel] (paper: 10)")
	energyMax := flag.Float64("emax", 0, "keep only training and test states with energy T + V <= emax (0: all; 29.4 = the states a release at rest visits, with -vel 15.5)")
	stepEvery := flag.Int("step-every", 10, "StepLR: halve the learning rate every this many epochs")
	clip := flag.Float64("clip", 0, "clip predicted accelerations in the loss (0: off)")
	useBest := flag.Bool("best", true, "evaluate the epoch with the lowest test loss (<out>.best.ckpt)")
	evalOnly := flag.Bool("eval-only", false, "skip training: evaluate the checkpoint -out (its best epoch with -best)")
	initFrom := flag.String("init-from", "", "start from this checkpoint's weights with a fresh optimizer (fine-tuning)")
	hessPen := flag.Float64("hess-penalty", 0, "LNN: weight of the positive-definite penalty on ∂²L/∂q̇² (0: off)")
	posDef := flag.Float64("posdef-margin", 0.05, "LNN: margin of that penalty (λ_min/max|λ| below it is penalised)")
	perIC := flag.Bool("per-ic", false, "print the per-initial-condition table of the energy test")
	flag.Parse()
	if *out == "" && *setupName == "" {
		return errors.New("-out or -setup is required")
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Println(backend.Describe())
	ev := evalFlags{ics: *evalICs, t1: *t1, best: *useBest, perIC: *perIC}
	if *setupName != "" {
		return trainSetup(b, *setupName, ev)
	}

	var net lnn.Net
	switch *kind {
	case "lnn":
		init := map[string]lnn.InitScheme{"cranmer": lnn.CranmerInit, "slides": lnn.SlidesInit, "glorot": lnn.GlorotInit}
		s, ok := init[*initName]
		if !ok {
			return fmt.Errorf("unknown -init %q", *initName)
		}
		net, err = lnn.New(2).Hidden(*width, *depth).Init(s).Seed(*seed).Done()
	case "baseline":
		acts := map[string]lnn.Activation{"relu": lnn.ActReLU, "softplus": lnn.ActSoftplus, "tanh": lnn.ActTanh}
		a, ok := acts[*act]
		if !ok {
			return fmt.Errorf("unknown -act %q", *act)
		}
		net, err = lnn.NewBaseline(2).Hidden(*width, *depth).Activation(a).Seed(*seed).Done()
	default:
		return fmt.Errorf("unknown -model %q", *kind)
	}
	if err != nil {
		return err
	}

	var src lnn.Source
	switch *data {
	case "fresh":
		sc := lnn.DefaultStates(1, *seed)
		sc.VelMax, sc.EnergyMax = *velMax, *energyMax
		if err := sc.Validate(); err != nil {
			return err
		}
		src = lnn.FreshStates(sc, *steps**batch)
	case "states":
		sc := lnn.DefaultStates(*pool, *seed)
		sc.VelMax, sc.EnergyMax = *velMax, *energyMax
		d, err := lnn.RandomStates(sc)
		if err != nil {
			return err
		}
		src = lnn.FromDataset(d, *seed)
	case "trajectories":
		d, err := lnn.Trajectories(lnn.DefaultTrajectories(*seed))
		if err != nil {
			return err
		}
		src = lnn.FromDataset(d, *seed)
	default:
		return fmt.Errorf("unknown -data %q", *data)
	}
	tc := lnn.DefaultStates(8192, 1_000_000_000)
	tc.VelMax, tc.EnergyMax = *velMax, *energyMax
	test, err := lnn.RandomStates(tc)
	if err != nil {
		return err
	}

	cfg := lnn.DefaultTrainConfig(*epochs)
	cfg.StepsPerEpoch, cfg.BatchSize, cfg.LR, cfg.L2 = *steps, *batch, *lr, *l2
	cfg.Checkpoint, cfg.CheckpointEvery = *out, time.Minute
	cfg.StepEvery, cfg.ClipAccel = *stepEvery, *clip
	cfg.InitFrom, cfg.HessianPenalty, cfg.PosDefMargin = *initFrom, *hessPen, *posDef
	switch *sched {
	case "step":
		cfg.Schedule = lnn.StepLR
	case "onecycle":
		cfg.Schedule = lnn.OneCycle
	default:
		return fmt.Errorf("unknown -schedule %q", *sched)
	}
	switch *loss {
	case "l1":
		cfg.Loss = lnn.L1
	case "mse":
		cfg.Loss = lnn.MSE
	default:
		return fmt.Errorf("unknown -loss %q", *loss)
	}
	var res *lnn.Result
	if *evalOnly {
		if _, res, err = lnn.LoadTrained(*out, net); err != nil {
			return err
		}
		fmt.Printf("%s: loaded %s (%d epochs)\n", net, *out, res.Epochs)
	} else {
		fmt.Printf("%s, data %s, %d epochs × %d steps × batch %d, %s lr %g, checkpoint %s\n",
			net, *data, *epochs, *steps, *batch, *sched, *lr, *out)
		if res, err = lnn.Train(b, net, src, test, cfg, printer()); err != nil {
			return err
		}
		fmt.Printf("trained %d epochs, %d steps, %.0f s of training in total (resumed: %v)\n",
			res.Epochs, res.Steps, res.Seconds, res.Resumed)
	}
	return evaluate(b, net, res, *out, ev)
}

// printer returns callbacks printing every epoch and, every 30 s, the current step.
func printer() lnn.Callbacks {
	lastPrint := time.Now()
	return lnn.Callbacks{
		OnStep: func(s lnn.StepInfo) {
			if time.Since(lastPrint) > 30*time.Second {
				fmt.Printf("  epoch %d batch %d/%d (step %d of %d) loss %.4g lr %.3g singular %.2g%%\n", s.Epoch+1, s.Batch+1,
					s.StepsPerEpoch, s.Step+1, s.TotalSteps, s.Loss, s.LR, 100*s.Singular)
				lastPrint = time.Now()
			}
		},
		OnEpoch: func(e lnn.EpochInfo) {
			fmt.Printf("epoch %d: train %.4g test %.4g lr %.3g (%s)\n", e.Epoch, e.Train, e.Test, e.LR,
				e.Elapsed.Round(time.Second))
		},
	}
}

// trainSetup trains the notebook's full-mode LNN or baseline through all its stages into the shipped
// checkpoint and evaluates it.
func trainSetup(b compute.Backend, name string, ev evalFlags) error {
	s, err := lnn.DoublePendulumSetup(false)
	if err != nil {
		return err
	}
	var net lnn.Net
	var stages []lnn.Stage
	var final string
	switch name {
	case "lnn":
		net, stages, final = s.LNN, s.LNNStages(), lnn.ModelPath("lnn_3x128.ckpt")
	case "baseline":
		net, stages, final = s.Baseline, s.BaselineStages(), s.ShippedBaseline
	default:
		return fmt.Errorf("unknown -setup %q (lnn or baseline)", name)
	}
	for i, st := range stages {
		fmt.Printf("stage %d: %d epochs × %d steps × batch %d, |θ̇| ≤ %g, lr %g, clip %g, Hessian penalty %g\n", i+1,
			st.Train.Epochs, st.Train.StepsPerEpoch, st.Train.BatchSize, st.Data.VelMax, st.Train.LR, st.Train.ClipAccel,
			st.Train.HessianPenalty)
	}
	res, err := lnn.TrainStages(b, net, stages, final, printer())
	if err != nil {
		return err
	}
	fmt.Printf("%s: last stage %d epochs, %.0f s of training (resumed: %v); written to %s\n", net, res.Epochs, res.Seconds,
		res.Resumed, final)
	return evaluate(b, net, res, final, ev)
}

// evalFlags are the energy test's flags.
type evalFlags struct {
	ics         int
	t1          float64
	best, perIC bool
}

// evaluate runs the paper's energy test on the trained net (its best epoch, BestPath(out), with ev.best).
func evaluate(b compute.Backend, net lnn.Net, res *lnn.Result, out string, ev evalFlags) error {
	if ev.ics <= 0 {
		return nil
	}
	evalStore := res.Store
	if ev.best {
		if s, _, err := lnn.LoadTrained(lnn.BestPath(out), net); err == nil {
			evalStore = s
			fmt.Println("evaluating the best epoch:", lnn.BestPath(out))
		}
	}
	rc := lnn.DefaultRollout()
	rc.T1 = ev.t1
	start := time.Now()
	rep, err := lnn.EvaluateEnergy(b, net, evalStore, systems.DefaultDoublePendulum(), lnn.PaperICs(ev.ics), rc)
	if err != nil {
		return err
	}
	if ev.perIC {
		fmt.Print(rep.Table())
	}
	fmt.Printf("energy error %s (paper: LNN 0.0043, baseline 0.074) [%s]\n", rep.Summary(), time.Since(start).Round(time.Second))
	if rep.DivergedReason != "" {
		fmt.Println("first divergence:", rep.DivergedReason)
	}
	return nil
}
