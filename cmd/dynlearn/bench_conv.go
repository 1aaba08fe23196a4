package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/led"
)

// benchConvStep times one training step of the PACS report's convolutional autoencoder in GoMLX and
// PyTorch, interleaved round by round.
var benchConvStep = &tool{
	name:    "conv-step",
	summary: "one training step of the report's convolutional autoencoder (batch 32): GoMLX against PyTorch",
	about: `Time one training step (Adam, reconstruction MSE, dropout 0.2) of the PACS report's convolutional
autoencoder for the FitzHugh-Nagumo grid (led.ReportConvAutoencoder: 20x20x2, three 3x3 conv blocks with
8/16/32 filters, dense 64/128, latent 10) in GoMLX (the pure-Go backend unless GOMLX_BACKEND says otherwise)
and in PyTorch (pkg/led/bench/conv_torch.py, the same network, run with /usr/bin/python3 and Debian's
python3-torch), interleaved round by round so that both see the same machine load. Each round prints both
times and their ratio; the last line gives the medians and the median of the per-round ratios.`,
	examples: []string{
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench conv-step --rounds 8",
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench conv-step --torch ''   # Go only",
	},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		o := convStepOptions{}
		fs.IntVar(&o.batch, "batch", 32, "batch size")
		fs.IntVar(&o.steps, "steps", 50, "timed steps per round and framework")
		fs.IntVar(&o.rounds, "rounds", 5, "rounds (Go then PyTorch in each)")
		fs.IntVar(&o.threads, "threads", 2, "PyTorch threads")
		fs.StringVar(&o.script, "torch", "default", "PyTorch reference `script` (default: pkg/led/bench/conv_torch.py in this checkout; empty: Go only)")
		fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python interpreter with torch")
		return func(w io.Writer) error { return o.run(w) }
	},
}

type convStepOptions struct {
	batch, steps, rounds, threads int
	script, python                string
}

func (o convStepOptions) run(w io.Writer) error {
	for _, c := range []struct {
		name string
		v    int
	}{{"--batch", o.batch}, {"--steps", o.steps}, {"--rounds", o.rounds}, {"--threads", o.threads}} {
		if c.v < 1 {
			return fmt.Errorf("%s = %d: want >= 1", c.name, c.v)
		}
	}
	if o.script == "default" {
		p, err := experiments.RepoPath("pkg/led/bench/conv_torch.py")
		if err != nil {
			return err
		}
		o.script = p
	}
	fmt.Fprintln(w, backend.Describe())
	a, err := led.FromConfig(led.ReportConvAutoencoder()).Done()
	if err != nil {
		return err
	}
	step, err := led.NewConvStep(a, o.batch)
	if err != nil {
		return err
	}
	t0 := time.Now()
	for range 3 { // compile and warm up
		if _, err := step.Step(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Go: compile + 3 steps %.2fs\n", time.Since(t0).Seconds())
	var goMs, torchMs, ratios []float64
	for r := range o.rounds {
		t := time.Now()
		var loss float64
		for range o.steps {
			if loss, err = step.Step(); err != nil {
				return err
			}
		}
		g := msPerStep(time.Since(t), o.steps)
		goMs = append(goMs, g)
		line := fmt.Sprintf("round %d: Go %.1f ms/step (loss %.4f)", r+1, g, loss)
		if o.script != "" {
			p, err := torchMsPerStep(o.python, o.script, o.batch, o.steps, o.threads)
			if err != nil {
				return err
			}
			torchMs, ratios = append(torchMs, p), append(ratios, g/p)
			line += fmt.Sprintf(" | PyTorch %.1f ms/step | Go/PyTorch %.2f", p, g/p)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "median: Go %.1f ms/step", median(goMs))
	if len(torchMs) > 0 {
		fmt.Fprintf(w, ", PyTorch %.1f ms/step, Go/PyTorch %.2f (median of the per-round ratios)", median(torchMs), median(ratios))
	}
	fmt.Fprintln(w)
	return nil
}
