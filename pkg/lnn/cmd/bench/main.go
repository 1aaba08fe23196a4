// Command bench times one LNN training step (3×600 softplus, batch 512, as the paper) in GoMLX on the
// configured backend (pure Go by default) and in PyTorch (pkg/lnn/bench/lnn_torch.py, run with
// /usr/bin/python3 and 2 threads), interleaved round by round so that both see the same load on a
// shared machine, and prints ms/step and the ratio.
//
//	GOEXPERIMENT=simd go run ./pkg/lnn/cmd/bench -rounds 3 -steps 2
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/lnn"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func run() error {
	rounds := flag.Int("rounds", 3, "interleaved rounds")
	steps := flag.Int("steps", 2, "steps per round and framework")
	width := flag.Int("width", 600, "hidden width")
	depth := flag.Int("depth", 3, "hidden layers")
	batch := flag.Int("batch", 512, "batch size")
	mode := flag.String("torch-mode", "functional", "functional (torch.autograd.functional) or grad (torch.autograd.grad)")
	threads := flag.Int("threads", 2, "PyTorch threads")
	script := flag.String("script", "", "path of lnn_torch.py (default: next to this source)")
	autodiff := flag.Bool("autodiff", false, "GoMLX Hessians by nested autodiff instead of the closed form")
	flag.Parse()
	if *script == "" {
		_, file, _, _ := runtime.Caller(0)
		*script = filepath.Join(filepath.Dir(file), "..", "..", "bench", "lnn_torch.py")
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	net, err := lnn.New(2).Hidden(*width, *depth).Autodiff(*autodiff).Done()
	if err != nil {
		return err
	}
	goStep, err := lnn.NewTrainStep(b, net, *batch, 9)
	if err != nil {
		return err
	}
	if err := goStep(); err != nil { // compile
		return err
	}
	cmd := exec.Command("/usr/bin/python3", *script, "--serve", "--threads", strconv.Itoa(*threads),
		"--width", strconv.Itoa(*width), "--depth", strconv.Itoa(*depth), "--batch", strconv.Itoa(*batch), "--mode", *mode)
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
	if *autodiff {
		hess = "nested-autodiff Hessians"
	}
	fmt.Printf("LNN train step, %d×%d softplus, batch %d. GoMLX: %s, %s (GOEXPERIMENT simd: %v). PyTorch: %s, %d threads.\n",
		*depth, *width, *batch, backend.Describe(), hess, strings.Contains(os.Getenv("GOEXPERIMENT"), "simd"), *mode, *threads)
	var goMs, torchMs []float64
	for r := range *rounds {
		t0 := time.Now()
		for range *steps {
			if err := goStep(); err != nil {
				return err
			}
		}
		g := float64(time.Since(t0).Microseconds()) / 1e3 / float64(*steps)
		if _, err := fmt.Fprintf(stdin, "%d\n", *steps); err != nil {
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
		fmt.Printf("round %d: GoMLX %.1f ms/step, PyTorch %.1f ms/step, GoMLX/PyTorch %.2f\n", r+1, g, tm, g/tm)
	}
	g, tm := median(goMs), median(torchMs)
	fmt.Printf("median: GoMLX %.1f ms/step, PyTorch %.1f ms/step, ratio GoMLX/PyTorch %.2f\n", g, tm, g/tm)
	return nil
}
