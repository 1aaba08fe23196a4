// Command energy measures the paper's energy test on the shipped double-pendulum models of
// notebooks/lnn_double_pendulum.ipynb: the relative energy error |E_pred(t1) − E_true(t1)| / 29.4 of
// the LNN and of the baseline MLP, rolled out from the first -ics of the paper's initial conditions
// (lnn.PaperICs; the paper: 40 to t = 100, LNN 0.0043, baseline 0.074). Every initial condition is
// integrated with its own step-size control and a rollout that blows up is flagged as diverged.
//
//	GOEXPERIMENT=simd go run ./pkg/lnn/cmd/energy
//	GOEXPERIMENT=simd go run ./pkg/lnn/cmd/energy -lnn notebooks/models/lnn/lnn_3x128.ckpt -per-ic
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/lnn"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "energy:", err)
		os.Exit(1)
	}
}

func run() error {
	s, err := lnn.DoublePendulumSetup(false)
	if err != nil {
		return err
	}
	lnnPath := flag.String("lnn", s.ShippedLNN, "LNN checkpoint (3×128, as shipped; empty: skip)")
	basePath := flag.String("baseline", s.ShippedBaseline, "baseline checkpoint (3×128 ReLU, as shipped; empty: skip)")
	ics := flag.Int("ics", s.EvalICs, "number of the paper's initial conditions")
	t1 := flag.Float64("t1", s.Rollout.T1, "final time")
	rtol := flag.Float64("rtol", s.Rollout.RTol, "Dormand-Prince rtol = atol of the learned rollouts")
	maxSteps := flag.Int("max-steps", 0, "step limit per initial condition (0: 300 per unit of time)")
	divergeAt := flag.Float64("diverge-at", 0, "relative energy error at which a rollout is stopped as diverged and counted (0: 10)")
	singTol := flag.Float64("singular-tol", 0, "rcond of ∂²L/∂q̇² below which a state counts as singular (0: 1e-7; negative: no check)")
	perIC := flag.Bool("per-ic", true, "print the per-initial-condition tables")
	heldOut := flag.Bool("heldout", true, "also print the held-out L1 error of the accelerations on the paper's box |θ̇| <= 10 and on the states with E <= 29.4")
	flag.Parse()

	b, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Println(backend.Describe())
	cfg := s.Rollout
	cfg.T1, cfg.RTol, cfg.ATol, cfg.MaxSteps, cfg.DivergeAt = *t1, *rtol, *rtol, *maxSteps, *divergeAt
	cfg.SingularTol = *singTol
	type result struct {
		name, paper string
		rep         *lnn.EnergyReport
		took        time.Duration
	}
	var results []result
	for _, m := range []struct {
		net         lnn.Net
		path, paper string
	}{{s.LNN, *lnnPath, "0.0043"}, {s.Baseline, *basePath, "0.074"}} {
		if m.path == "" {
			continue
		}
		store, _, err := lnn.LoadTrained(m.path, m.net)
		if err != nil {
			return err
		}
		start := time.Now()
		rep, err := lnn.EvaluateEnergy(b, m.net, store, s.System, lnn.PaperICs(*ics), cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", m.net, err)
		}
		took := time.Since(start)
		fmt.Printf("\n%s (%s), %s:\n", m.net, m.path, took.Round(time.Second))
		if *perIC {
			fmt.Print(rep.Table())
		}
		fmt.Println(rep.Summary())
		if *heldOut {
			if err := printHeldOut(b, m.net, store); err != nil {
				return err
			}
		}
		results = append(results, result{m.net.String(), m.paper, rep, took})
	}
	fmt.Printf("\nrelative energy error at t = %g over %d of the paper's initial conditions (rtol = atol = %g)\n\n", *t1, *ics, *rtol)
	fmt.Println("| model | mean | median | mean of completed | diverged | paper (mean, t = 100, 40 ICs) | time |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %s | %.4g | %.4g | %.4g | %d | %s | %s |\n", r.name, r.rep.Mean, r.rep.Median, r.rep.MeanCompleted,
			len(r.rep.Diverged), r.paper, r.took.Round(time.Second))
	}
	return nil
}

// printHeldOut prints net's held-out L1 error on 8192 random states of the paper's box |θ̇| <= 10
// and of the energy shell E <= 29.4 (|θ̇| <= 15.5), the test sets of the LNN's training stages.
func printHeldOut(b compute.Backend, net lnn.Net, store *model.Store) error {
	n64, s64, err := lnn.Float64(net, store)
	if err != nil {
		return err
	}
	p, err := lnn.NewPredictor(b, n64, s64)
	if err != nil {
		return err
	}
	box, shell := lnn.DefaultStates(8192, 1_000_000_000), lnn.EnergyShellStates(8192, 1_000_000_000)
	for _, c := range []struct {
		name string
		cfg  lnn.StatesConfig
	}{{"|θ̇| <= 10 (paper)", box}, {"E <= 29.4", shell}} {
		d, err := lnn.RandomStates(c.cfg)
		if err != nil {
			return err
		}
		l1, err := p.L1(d)
		if err != nil {
			return fmt.Errorf("%s: %w", net, err)
		}
		fmt.Printf("held-out L1 of the accelerations on %d states with %s: %.4f\n", d.N, c.name, l1)
	}
	return nil
}
