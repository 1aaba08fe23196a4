// Command lorenztrain trains the OnsagerNet and MLP ODE models of notebooks/lecture_onsagernet.ipynb in
// full mode (the paper's 600 epochs) for ρ = 16 and 28 and writes them where the notebook finds them:
//
//	go run ./pkg/onsagernet/cmd/lorenztrain -out notebooks/models/lecture
//
// Checkpoints are written atomically every epoch; an interrupted run resumes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/onsagernet"
)

func main() {
	out := flag.String("out", filepath.Join("notebooks", "models", "lecture"), "output directory")
	rhos := flag.String("rho", "16,28", "comma-separated values of ρ")
	kinds := flag.String("models", "onsagernet,mlp", "comma-separated models: onsagernet, mlp")
	flag.Parse()
	if err := run(*out, *rhos, *kinds); err != nil {
		fmt.Fprintln(os.Stderr, "lorenztrain:", err)
		os.Exit(1)
	}
}

func run(out, rhos, kinds string) error {
	b, err := backend.New()
	if err != nil {
		return err
	}
	for _, rs := range strings.Split(rhos, ",") {
		rho, err := strconv.ParseFloat(strings.TrimSpace(rs), 64)
		if err != nil {
			return fmt.Errorf("bad ρ %q: %w", rs, err)
		}
		s := onsagernet.LorenzSetup(rho, false)
		d, err := onsagernet.Lorenz(s.Data)
		if err != nil {
			return err
		}
		on, ml, err := s.Nets()
		if err != nil {
			return err
		}
		for _, kind := range strings.Split(kinds, ",") {
			var net onsagernet.Net
			switch strings.TrimSpace(kind) {
			case "onsagernet":
				net = on
			case "mlp":
				net = ml
			default:
				return fmt.Errorf("unknown model %q", kind)
			}
			cfg := s.Train
			cfg.Checkpoint = filepath.Join(out, filepath.Base(s.ShippedPath(strings.TrimSpace(kind))))
			res, err := onsagernet.Train(b, net, d.Train, d.Test, cfg, onsagernet.Callbacks{OnEpoch: func(e onsagernet.EpochInfo) {
				if e.Epoch%25 == 0 || e.Epoch == e.Epochs {
					fmt.Printf("ρ=%g %s: epoch %d/%d train %.4g test %.4g lr %.3g (%s)\n", rho, net, e.Epoch, e.Epochs,
						e.Train, e.Test, e.LR, e.Elapsed.Round(1e9))
				}
			}})
			if err != nil {
				return err
			}
			fmt.Printf("wrote %s (%d epochs, %.0f s)\n", cfg.Checkpoint, res.Epochs, res.Seconds)
		}
	}
	return nil
}
