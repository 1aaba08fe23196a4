// Command sindypendulum trains the SINDy autoencoder of Champion et al. (PNAS 2019) on the
// pendulum-from-images data (package pendulumimages) and writes the model shipped with the
// notebook notebooks/sindy_pendulum.ipynb:
//
//	go run ./pkg/sindy/cmd/sindypendulum -out notebooks/models/sindy_pendulum
//
// The defaults are the paper's network and loss (51×51 images, encoder 2601-128-64-32-1 with
// sigmoids, second-order model z̈ = Θ(z, ż)Ξ with a cubic library plus sines, λ1 = 5e-4,
// λ2 = 5e-5, λ3 = 1e-5, Adam 1e-4, batch 1024, thresholding at 0.1 every 500 epochs) on 100
// training trajectories; -epochs and -refine shorten the paper's 5001 + 1001 epochs. The training
// checkpoint lives in the output directory, so running the command again continues where it
// stopped. It writes model.ckpt, equations.txt and summary.json.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

func main() {
	var (
		out       = flag.String("out", "notebooks/models/sindy_pendulum", "output directory")
		trainICs  = flag.Int("train-ics", 100, "training trajectories (paper: 100)")
		valICs    = flag.Int("val-ics", 10, "validation trajectories (paper: 10)")
		testICs   = flag.Int("test-ics", 10, "test trajectories (paper: 10)")
		widths    = flag.String("widths", "128,64,32", "encoder hidden widths (paper: 128,64,32)")
		batch     = flag.Int("batch", 1024, "batch size (paper: 1024)")
		lr        = flag.Float64("lr", 1e-4, "Adam learning rate (paper: 1e-4)")
		epochs    = flag.Int("epochs", 5001, "epochs with L1 and thresholding (paper: 5001)")
		refine    = flag.Int("refine", 1001, "refinement epochs (paper: 1001)")
		thrEvery  = flag.Int("threshold-every", 500, "thresholding frequency in epochs (paper: 500)")
		evalEvery = flag.Int("eval-every", 100, "validation frequency in epochs")
		seed      = flag.Uint64("seed", 1, "seed of the weights and the shuffling")
		maxTime   = flag.Duration("max-time", 0, "stop (resumably) after this much wall time (0: none)")
	)
	flag.Parse()
	if err := run(*out, *trainICs, *valICs, *testICs, *widths, *batch, *lr, *epochs, *refine, *thrEvery, *evalEvery, *seed, *maxTime); err != nil {
		log.Fatal(err)
	}
}

// pendulumConfig returns the paper's pendulum model configuration (sindy.md §3) with the given widths.
func pendulumConfig(widths []int) autoencoder.Config {
	c := autoencoder.Paper()
	c.InputDim, c.Widths, c.LatentDim, c.PolyOrder, c.IncludeSine, c.ModelOrder = pendulumimages.Dim, widths, 1, 3, true, 2
	c.WeightSindyX, c.WeightSindyZ, c.WeightL1 = 5e-4, 5e-5, 1e-5
	c.LearningRate, c.BatchSize, c.Epochs, c.RefinementEpochs, c.ThresholdFrequency = 1e-4, 1024, 5001, 1001, 500
	return c
}

func parseWidths(s string) ([]int, error) {
	var w []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad -widths %q", s)
		}
		w = append(w, v)
	}
	return w, nil
}

func aeData(d *pendulumimages.Dataset) autoencoder.Data {
	return autoencoder.Data{N: d.N(), Dim: d.Dim(), X: d.X, DX: d.DX, DDX: d.DDX}
}

func run(out string, trainICs, valICs, testICs int, widthSpec string, batch int, lr float64, epochs, refine, thrEvery, evalEvery int, seed uint64, maxTime time.Duration) error {
	w, err := parseWidths(widthSpec)
	if err != nil {
		return err
	}
	cfg := pendulumConfig(w)
	cfg.BatchSize, cfg.LearningRate, cfg.Epochs, cfg.RefinementEpochs = batch, lr, epochs, refine
	cfg.ThresholdFrequency, cfg.EvalFrequency, cfg.Seed = thrEvery, evalEvery, seed
	if err := cfg.Validate(); err != nil {
		return err
	}
	train, err := pendulumimages.Generate(pendulumimages.Train(trainICs))
	if err != nil {
		return fmt.Errorf("training data: %w", err)
	}
	val, err := pendulumimages.Generate(pendulumimages.Validation(valICs))
	if err != nil {
		return fmt.Errorf("validation data: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := m.Train(aeData(train), aeData(val), autoencoder.TrainOptions{
		Checkpoint: filepath.Join(out, "train.ckpt"), Show: true, Log: os.Stdout, MaxDuration: maxTime})
	if err != nil {
		return err
	}
	test, err := pendulumimages.Generate(pendulumimages.Test(testICs))
	if err != nil {
		return fmt.Errorf("test data: %w", err)
	}
	mt, err := m.Evaluate(aeData(test))
	if err != nil {
		return err
	}
	eqs, err := equations(m)
	if err != nil {
		return err
	}
	if err := m.Save(filepath.Join(out, "model.ckpt"), st); err != nil {
		return err
	}
	summary := map[string]any{
		"command": "go run ./pkg/sindy/cmd/sindypendulum " + strings.Join(os.Args[1:], " "), "train_seconds": st.Elapsed, "wall_seconds_this_run": time.Since(start).Seconds(),
		"epochs": st.Epoch, "active_terms": m.ActiveTerms(), "equations": eqs,
		"test_rel_x": mt.RelX, "test_rel_ddx": mt.RelXDeriv, "test_rel_ddz": mt.RelZDeriv,
	}
	js, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"summary.json": append(js, '\n'), "equations.txt": []byte(strings.Join(eqs, "\n") + "\n")} {
		if err := diskcache.WriteBytes(filepath.Join(out, name), data); err != nil {
			return err
		}
	}
	fmt.Printf("test relative errors: x %.2e, ẍ %.2e, z̈ %.2e; %d active terms\n", mt.RelX, mt.RelXDeriv, mt.RelZDeriv, m.ActiveTerms())
	for _, e := range eqs {
		fmt.Println(e)
	}
	return nil
}

// equations formats the discovered model z” = Θ(z, z')(M⊙Ξ) (autoencoder.Model.SINDy does not
// handle second-order models: its library has 2 variables but Ξ only 1 column).
func equations(m *autoencoder.Model) ([]string, error) {
	xi, err := m.Coefficients()
	if err != nil {
		return nil, err
	}
	names := m.Library().Names()
	eqs := make([]string, len(xi[0]))
	for j := range eqs {
		eq := fmt.Sprintf("z%d''=", j+1)
		for k, name := range names {
			if c := xi[k][j]; c != 0 {
				eq += fmt.Sprintf(" %+.4f %s", c, name)
			}
		}
		eqs[j] = eq
	}
	return eqs, nil
}
