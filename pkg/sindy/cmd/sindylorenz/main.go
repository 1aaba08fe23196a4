// Command sindylorenz trains SINDy autoencoders on Champion et al.'s Lorenz data, selects one model
// of the ensemble as the paper does and writes it, with its equations and test errors, to a directory:
//
//	go run ./pkg/sindy/cmd/sindylorenz -out notebooks/models/sindy_lorenz
//
// Flags set the data size and the training schedule (defaults: the paper's values, except
// for the number of training trajectories and epochs, see -h). Checkpoints go under the dynlearn
// cache directory, so an interrupted run (Ctrl-C) resumes where it stopped when run again with the same flags.
// The checkpoints do not depend on the schedule: run again with a larger -epochs to train longer, even
// after the refinement phase (the main phase, with L1 and thresholding, is then reopened and a fresh
// refinement follows).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/cmd/internal/runout"
	"github.com/dynlearn/dynlearn/pkg/sindy/lorenzdata"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sindylorenz:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := autoencoder.Default()
	trainICs := flag.Int("train-ics", config.Pick(64, 2048), "training trajectories (paper: 2048)")
	valICs := flag.Int("val-ics", 20, "validation trajectories (paper: 20)")
	testICs := flag.Int("test-ics", 100, "test trajectories (paper: 100)")
	flag.IntVar(&cfg.BatchSize, "batch", cfg.BatchSize, "mini-batch size (paper: 8000)")
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs with L1 and thresholding (paper: 10001)")
	flag.IntVar(&cfg.RefinementEpochs, "refine", cfg.RefinementEpochs, "refinement epochs (paper: 1001)")
	flag.IntVar(&cfg.ThresholdFrequency, "threshold-every", cfg.ThresholdFrequency, "thresholding frequency in epochs (paper: 500)")
	flag.IntVar(&cfg.EvalFrequency, "eval-every", cfg.EvalFrequency, "validation frequency in epochs (paper: 100)")
	flag.Float64Var(&cfg.LearningRate, "lr", cfg.LearningRate, "Adam learning rate (paper: 1e-3)")
	flag.BoolVar(&cfg.Shuffle, "shuffle", cfg.Shuffle, "shuffle mini-batches (the paper does not)")
	seed := flag.Uint64("seed", 1, "seed of the first ensemble member")
	k := flag.Int("ensemble", 1, "number of seeds to train (the paper trains 10 and selects one)")
	out := flag.String("out", "", "directory for the selected model (model.ckpt, summary.json, equations.txt)")
	maxDur := flag.Duration("max-duration", 0, "stop each member after this wall time (0: no limit); run again to continue")
	flag.Parse()
	cfg.Seed = *seed

	t0 := time.Now()
	gen := func(c lorenzdata.Config) (autoencoder.Data, error) {
		d, err := lorenzdata.Generate(c)
		if err != nil {
			return autoencoder.Data{}, err
		}
		return d.AE(), nil
	}
	train, err := gen(lorenzdata.Train(*trainICs))
	if err != nil {
		return err
	}
	val, err := gen(lorenzdata.Validation(*valICs))
	if err != nil {
		return err
	}
	fmt.Printf("data: %d training samples, %d validation samples (%.1fs)\n", train.N, val.N, time.Since(t0).Seconds())

	dir, err := lorenzdata.CheckpointDir(cfg, *trainICs)
	if err != nil {
		return err
	}
	fmt.Printf("checkpoints: %s\n", dir)
	cands, best, err := autoencoder.TrainEnsemble(cfg, *k, train, val, autoencoder.EnsembleOptions{
		CheckpointDir: dir, Log: os.Stdout, MaxDuration: *maxDur,
	})
	if err != nil {
		return err
	}
	wall := time.Since(t0)
	for i, c := range cands {
		mark := " "
		if i == best {
			mark = "*"
		}
		fmt.Printf("%s seed %d: val loss %.3e, rel x %.2e, dx %.2e, dz %.2e, %d active\n", mark, c.Seed, c.Val.Loss, c.Val.RelX, c.Val.RelXDeriv, c.Val.RelZDeriv, c.Active)
	}
	sel := cands[best]
	test, err := gen(lorenzdata.Test(*testICs))
	if err != nil {
		return err
	}
	tm, err := sel.Model.Evaluate(test)
	if err != nil {
		return err
	}
	sm, err := sel.Model.SINDy()
	if err != nil {
		return err
	}
	eqs := sm.Equations(4)
	fmt.Printf("selected seed %d: test rel x %.3e, dx %.3e, dz %.3e, %d active terms\n%s\n", sel.Seed, tm.RelX, tm.RelXDeriv, tm.RelZDeriv, sel.Active, strings.Join(eqs, "\n"))
	if *out == "" {
		return nil
	}
	extra := map[string]any{"wall_seconds": wall.Seconds(), "train_ics": *trainICs, "selected_seed": sel.Seed,
		"ensemble": *k, "test_ics": *testICs}
	if err := runout.Write(*out, "sindylorenz", sel.Model, sel.State, tm, eqs, extra); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%.0fs)\n", *out, wall.Seconds())
	return nil
}
