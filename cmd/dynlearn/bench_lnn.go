package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/lnn"
)

// benchLNN times one LNN training step in GoMLX and PyTorch, interleaved (formerly pkg/lnn/cmd/bench).
var benchLNN = &tool{
	name:    "lnn",
	summary: "one LNN training step (3x600 softplus, batch 512): GoMLX against PyTorch",
	about: `Time one Lagrangian Neural Network training step (3x600 softplus, batch 512, as the paper) in GoMLX on
the configured backend (pure Go by default) and in PyTorch (pkg/lnn/bench/lnn_torch.py, run with
/usr/bin/python3), interleaved round by round so that both see the same load on a shared machine, and
print ms/step and the ratio.`,
	examples: []string{
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench lnn --rounds 3 --steps 1",
		"GOEXPERIMENT=simd go run ./cmd/dynlearn bench lnn --autodiff --torch-mode grad",
	},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		o := lnnBenchOptions{}
		fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds")
		fs.IntVar(&o.steps, "steps", 2, "steps per round and framework")
		fs.IntVar(&o.width, "width", 600, "hidden width")
		fs.IntVar(&o.depth, "depth", 3, "hidden layers")
		fs.IntVar(&o.batch, "batch", 512, "batch size")
		fs.StringVar(&o.mode, "torch-mode", "functional", "`mode`: functional (torch.autograd.functional) or grad (torch.autograd.grad)")
		fs.IntVar(&o.threads, "threads", 2, "PyTorch threads")
		fs.StringVar(&o.script, "script", "", "`path` of lnn_torch.py (default: pkg/lnn/bench/lnn_torch.py in this checkout)")
		fs.BoolVar(&o.autodiff, "autodiff", false, "GoMLX Hessians by nested autodiff instead of the closed form")
		return func(w io.Writer) error { return o.run(w) }
	},
}

type lnnBenchOptions struct {
	rounds, steps, width, depth, batch, threads int
	mode, script                                string
	autodiff                                    bool
}

func (o lnnBenchOptions) run(w io.Writer) error {
	if o.script == "" {
		p, err := experiments.RepoPath("pkg/lnn/bench/lnn_torch.py")
		if err != nil {
			return err
		}
		o.script = p
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	net, err := lnn.New(2).Hidden(o.width, o.depth).Autodiff(o.autodiff).Done()
	if err != nil {
		return err
	}
	goStep, err := lnn.NewTrainStep(b, net, o.batch, 9)
	if err != nil {
		return err
	}
	if err := goStep(); err != nil { // compile
		return err
	}
	cmd := exec.Command("/usr/bin/python3", o.script, "--serve", "--threads", strconv.Itoa(o.threads),
		"--width", strconv.Itoa(o.width), "--depth", strconv.Itoa(o.depth), "--batch", strconv.Itoa(o.batch), "--mode", o.mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting PyTorch: %w", err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "ready" {
		return fmt.Errorf("PyTorch script did not start: %q %v", sc.Text(), sc.Err())
	}
	hess := "closed-form Hessians"
	if o.autodiff {
		hess = "nested-autodiff Hessians"
	}
	fmt.Fprintf(w, "LNN train step, %d×%d softplus, batch %d. GoMLX: %s, %s (GOEXPERIMENT simd: %v). PyTorch: %s, %d threads.\n",
		o.depth, o.width, o.batch, backend.Describe(), hess, strings.Contains(os.Getenv("GOEXPERIMENT"), "simd"), o.mode, o.threads)
	var goMs, torchMs []float64
	for r := range o.rounds {
		t0 := time.Now()
		for range o.steps {
			if err := goStep(); err != nil {
				return err
			}
		}
		g := msPerStep(time.Since(t0), o.steps)
		if _, err := fmt.Fprintf(stdin, "%d\n", o.steps); err != nil {
			return err
		}
		if !sc.Scan() {
			return fmt.Errorf("PyTorch: %v", sc.Err())
		}
		tm, err := strconv.ParseFloat(strings.TrimSpace(sc.Text()), 64)
		if err != nil {
			return fmt.Errorf("PyTorch answered %q: %w", sc.Text(), err)
		}
		goMs, torchMs = append(goMs, g), append(torchMs, tm)
		fmt.Fprintf(w, "round %d: GoMLX %.1f ms/step, PyTorch %.1f ms/step, GoMLX/PyTorch %.2f\n", r+1, g, tm, g/tm)
	}
	g, tm := median(goMs), median(torchMs)
	fmt.Fprintf(w, "median: GoMLX %.1f ms/step, PyTorch %.1f ms/step, ratio GoMLX/PyTorch %.2f\n", g, tm, g/tm)
	return nil
}
