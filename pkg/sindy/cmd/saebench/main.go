// Command saebench times one SINDy-autoencoder training step at the paper's Lorenz sizes on GoMLX
// (pure-Go backend unless GOMLX_BACKEND says otherwise) and the PyTorch CPU reference script
// side by side, interleaved so that both see the same machine load, and prints ms/step and the ratio:
//
//	GOEXPERIMENT=simd go run ./pkg/sindy/cmd/saebench -rounds 3
//
// The PyTorch script (/work/shared/bench/sae_torch.py by default) runs as a subprocess with Debian's
// python3-torch: `/usr/bin/python3 sae_torch.py <batch> <steps> <threads>`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

func main() {
	batch := flag.Int("batch", 8000, "batch size")
	steps := flag.Int("steps", 20, "timed steps per round and framework")
	rounds := flag.Int("rounds", 3, "rounds (Go then PyTorch in each)")
	threads := flag.Int("threads", 2, "PyTorch threads")
	script := flag.String("torch", "/work/shared/bench/sae_torch.py", "PyTorch reference script (empty: Go only)")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with torch")
	naive := flag.Bool("naive", true, "also time the plain-autodiff formulation (Config.PlainAutodiff)")
	flag.Parse()
	if err := run(*batch, *steps, *rounds, *threads, *script, *python, *naive); err != nil {
		fmt.Fprintln(os.Stderr, "saebench:", err)
		os.Exit(1)
	}
}

var msRe = regexp.MustCompile(`ms/step=([0-9.]+)`)

func run(batch, steps, rounds, threads int, script, python string, withNaive bool) error {
	fmt.Println(backend.Describe())
	m, x, dx, err := autoencoder.BenchSetup(batch, 1, false)
	if err != nil {
		return err
	}
	var naive *autoencoder.Model
	if withNaive {
		if naive, _, _, err = autoencoder.BenchSetup(batch, 1, true); err != nil {
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
	fmt.Printf("Go: compile + first step %.2fs\n", time.Since(t0).Seconds())
	timeSteps := func(m *autoencoder.Model) (float64, float64, error) {
		t := time.Now()
		var loss float64
		for range steps {
			if loss, err = m.Step(x, dx, nil); err != nil {
				return 0, 0, err
			}
		}
		return float64(time.Since(t).Microseconds()) / 1000 / float64(steps), loss, nil
	}
	var goMs, naiveMs, torchMs []float64
	for r := range rounds {
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
		if script != "" {
			out, err := exec.Command(python, script, strconv.Itoa(batch), strconv.Itoa(steps), strconv.Itoa(threads)).CombinedOutput()
			if err != nil {
				return fmt.Errorf("PyTorch reference: %w\n%s", err, out)
			}
			mm := msRe.FindSubmatch(out)
			if mm == nil {
				return fmt.Errorf("PyTorch reference printed no ms/step:\n%s", out)
			}
			p, _ := strconv.ParseFloat(string(mm[1]), 64)
			torchMs = append(torchMs, p)
			line += fmt.Sprintf(" | PyTorch %.1f ms/step | Go/PyTorch %.2f", p, g/p)
		}
		fmt.Println(line)
	}
	gm := median(goMs)
	fmt.Printf("median: Go %.1f ms/step (%.0f samples/s)", gm, float64(batch)/gm*1000)
	if len(naiveMs) > 0 {
		fmt.Printf(", Go plain autodiff %.1f ms/step", median(naiveMs))
	}
	if len(torchMs) > 0 {
		tm := median(torchMs)
		fmt.Printf(", PyTorch %.1f ms/step, ratio Go/PyTorch %.2f", tm, gm/tm)
	}
	fmt.Println()
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
