package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// benchSINDyStep times one SINDy-autoencoder training step at the paper's Lorenz sizes on GoMLX and
// the PyTorch CPU reference script side by side (formerly pkg/sindy/cmd/saebench).
var benchSINDyStep = &tool{
	name:    "sindy-step",
	summary: "one SINDy-autoencoder training step (Lorenz, batch 8000): GoMLX against PyTorch",
	about: `Time one SINDy-autoencoder training step at the paper's Lorenz sizes (128-64-32-3, polynomial order 3,
Adam) on GoMLX (the pure-Go backend unless GOMLX_BACKEND says otherwise) and in the PyTorch CPU reference
script, interleaved round by round so that both see the same machine load, and print ms/step and the
ratio. The script runs as '<python> <script> <batch> <steps> <threads>' with Debian's python3-torch.`,
	examples: []string{
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench sindy-step --rounds 5",
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench sindy-step --torch '' --naive=false   # Go only",
	},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		o := sindyStepOptions{}
		fs.IntVar(&o.batch, "batch", 8000, "batch size")
		fs.IntVar(&o.steps, "steps", 20, "timed steps per round and framework")
		fs.IntVar(&o.rounds, "rounds", 3, "rounds (Go then PyTorch in each)")
		fs.IntVar(&o.threads, "threads", 2, "PyTorch threads")
		fs.StringVar(&o.script, "torch", "/work/shared/bench/sae_torch.py", "PyTorch reference `script` (empty: Go only)")
		fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python interpreter with torch")
		fs.BoolVar(&o.naive, "naive", true, "also time the plain-autodiff formulation (Config.PlainAutodiff)")
		return func(w io.Writer) error { return o.run(w) }
	},
}

type sindyStepOptions struct {
	batch, steps, rounds, threads int
	script, python                string
	naive                         bool
}

func (o sindyStepOptions) run(w io.Writer) error {
	fmt.Fprintln(w, backend.Describe())
	m, x, dx, err := autoencoder.BenchSetup(o.batch, 1, false)
	if err != nil {
		return err
	}
	var naive *autoencoder.Model
	if o.naive {
		if naive, _, _, err = autoencoder.BenchSetup(o.batch, 1, true); err != nil {
			return err
		}
		if _, err := naive.Step(x, dx, nil); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if _, err := m.Step(x, dx, nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "Go: compile + first step %.2fs\n", time.Since(t0).Seconds())
	timeSteps := func(m *autoencoder.Model) (float64, float64, error) {
		t := time.Now()
		var loss float64
		for range o.steps {
			if loss, err = m.Step(x, dx, nil); err != nil {
				return 0, 0, err
			}
		}
		return msPerStep(time.Since(t), o.steps), loss, nil
	}
	var goMs, naiveMs, torchMs []float64
	for r := range o.rounds {
		g, loss, err := timeSteps(m)
		if err != nil {
			return err
		}
		goMs = append(goMs, g)
		line := fmt.Sprintf("round %d: Go %.1f ms/step (loss %.4f)", r+1, g, loss)
		if naive != nil {
			n, _, err := timeSteps(naive)
			if err != nil {
				return err
			}
			naiveMs = append(naiveMs, n)
			line += fmt.Sprintf(" | Go plain autodiff %.1f ms/step", n)
		}
		if o.script != "" {
			p, err := torchMsPerStep(o.python, o.script, o.batch, o.steps, o.threads)
			if err != nil {
				return err
			}
			torchMs = append(torchMs, p)
			line += fmt.Sprintf(" | PyTorch %.1f ms/step | Go/PyTorch %.2f", p, g/p)
		}
		fmt.Fprintln(w, line)
	}
	gm := median(goMs)
	fmt.Fprintf(w, "median: Go %.1f ms/step (%.0f samples/s)", gm, float64(o.batch)/gm*1000)
	if len(naiveMs) > 0 {
		fmt.Fprintf(w, ", Go plain autodiff %.1f ms/step", median(naiveMs))
	}
	if len(torchMs) > 0 {
		tm := median(torchMs)
		fmt.Fprintf(w, ", PyTorch %.1f ms/step, ratio Go/PyTorch %.2f", tm, gm/tm)
	}
	fmt.Fprintln(w)
	return nil
}
