// Command sindyrd trains the SINDy autoencoder of Champion et al. (PNAS 2019) on the
// reaction-diffusion (λ-ω spiral) data of package reactiondiffusion and writes the model shipped
// with the notebook notebooks/sindy_reaction_diffusion.ipynb:
//
//	go run ./pkg/sindy/cmd/sindyrd -out notebooks/models/sindy_reaction_diffusion
//
// The defaults are the paper's (100×100 grid, 7999 training snapshots, encoder 10^4-256-2 with
// sigmoids, first-order model ż = Θ(z)Ξ with a cubic library plus sines, λ1 = 0.5, λ2 = 0.01,
// λ3 = 0.1, Adam 1e-3, batch 1024, 3001 epochs with thresholding at 0.1 every 500, 1001
// refinement epochs); -quick-data uses reactiondiffusion.QuickConfig (50×50, t ≤ 100). The
// training checkpoint lives in the output directory, so running the command again continues where
// it stopped. It writes model.ckpt, equations.txt and summary.json.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/dynlearn/dynlearn/pkg/reactiondiffusion"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/cmd/internal/runout"
)

func main() {
	var (
		out       = flag.String("out", "notebooks/models/sindy_reaction_diffusion", "output directory")
		quickData = flag.Bool("quick-data", false, "use the quick data set (50×50 grid, t ≤ 100) instead of the paper's")
		widths    = flag.String("widths", "256", "encoder hidden widths (paper: 256)")
		batch     = flag.Int("batch", 1024, "batch size (paper: 1024)")
		lr        = flag.Float64("lr", 1e-3, "Adam learning rate (paper: 1e-3)")
		epochs    = flag.Int("epochs", 3001, "epochs with L1 and thresholding (paper: 3001)")
		refine    = flag.Int("refine", 1001, "refinement epochs (paper: 1001)")
		thrEvery  = flag.Int("threshold-every", 500, "thresholding frequency in epochs (paper: 500)")
		evalEvery = flag.Int("eval-every", 100, "validation frequency in epochs")
		seed      = flag.Uint64("seed", 1, "seed of the weights and the shuffling")
		maxTime   = flag.Duration("max-time", 0, "stop (resumably) after this much wall time (0: none)")
	)
	flag.Parse()
	if err := run(*out, *quickData, *widths, *batch, *lr, *epochs, *refine, *thrEvery, *evalEvery, *seed, *maxTime); err != nil {
		log.Fatal(err)
	}
}

// rdConfig returns the paper's reaction-diffusion model configuration (sindy.md §3) for inputs of dimension dim.
func rdConfig(dim int, widths []int) autoencoder.Config {
	c := autoencoder.Paper()
	c.InputDim, c.Widths, c.LatentDim, c.PolyOrder, c.IncludeSine, c.ModelOrder = dim, widths, 2, 3, true, 1
	c.WeightSindyX, c.WeightSindyZ, c.WeightL1 = 0.5, 0.01, 0.1
	c.LearningRate, c.BatchSize, c.Epochs, c.RefinementEpochs, c.ThresholdFrequency = 1e-3, 1024, 3001, 1001, 500
	return c
}

func aeData(d *reactiondiffusion.Dataset) autoencoder.Data {
	return autoencoder.Data{N: d.N(), Dim: d.Dim(), X: d.X, DX: d.DX}
}

func run(out string, quickData bool, widthSpec string, batch int, lr float64, epochs, refine, thrEvery, evalEvery int, seed uint64, maxTime time.Duration) error {
	w, err := runout.ParseWidths(widthSpec)
	if err != nil {
		return err
	}
	dc := reactiondiffusion.PaperConfig()
	if quickData {
		dc = reactiondiffusion.QuickConfig()
	}
	data, err := reactiondiffusion.Load(dc)
	if err != nil {
		return fmt.Errorf("reaction-diffusion data: %w", err)
	}
	cfg := rdConfig(dc.Dim(), w)
	cfg.BatchSize, cfg.LearningRate, cfg.Epochs, cfg.RefinementEpochs = batch, lr, epochs, refine
	cfg.ThresholdFrequency, cfg.EvalFrequency, cfg.Seed = thrEvery, evalEvery, seed
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := m.Train(aeData(data.Train), aeData(data.Val), autoencoder.TrainOptions{
		Checkpoint: filepath.Join(out, "train.ckpt"), Show: true, Log: os.Stdout, MaxDuration: maxTime})
	if err != nil {
		return err
	}
	mt, err := m.Evaluate(aeData(data.Test))
	if err != nil {
		return err
	}
	sm, err := m.SINDy()
	if err != nil {
		return err
	}
	eqs := sm.Equations(4)
	if err := runout.Write(out, "sindyrd", m, st, mt, eqs, map[string]any{"quick_data": quickData, "wall_seconds_this_run": time.Since(start).Seconds()}); err != nil {
		return err
	}
	fmt.Printf("test relative errors: x %.2e, ẋ %.2e, ż %.2e; %d active terms\n", mt.RelX, mt.RelXDeriv, mt.RelZDeriv, m.ActiveTerms())
	for _, e := range eqs {
		fmt.Println(e)
	}
	return nil
}
