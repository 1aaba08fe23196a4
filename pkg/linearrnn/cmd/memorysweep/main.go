// Command memorysweep runs the linear-RNN memory sweeps of notebooks/lecture_rnn_memory.ipynb in full mode
// and saves them for the notebook:
//
//	go run ./pkg/linearrnn/cmd/memorysweep -out notebooks/models/lecture
//
// It writes rnn_memory_expsum.gob and rnn_memory_airy.gob (atomically) and prints the plateau lengths.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/linearrnn"
)

func main() {
	out := flag.String("out", filepath.Join("notebooks", "models", "lecture"), "output directory")
	quick := flag.Bool("quick", false, "run the quick-mode sweeps instead")
	flag.Parse()
	if err := run(*out, *quick); err != nil {
		fmt.Fprintln(os.Stderr, "memorysweep:", err)
		os.Exit(1)
	}
}

func run(out string, quick bool) error {
	b, err := backend.New()
	if err != nil {
		return err
	}
	es, ai := linearrnn.MemorySweeps(quick)
	for _, c := range []struct {
		name string
		cfg  linearrnn.SweepConfig
	}{{"rnn_memory_expsum.gob", es}, {"rnn_memory_airy.gob", ai}} {
		s, err := linearrnn.RunSweep(b, c.cfg, func(run, step int, loss float64) {
			if step%1000 == 0 {
				fmt.Printf("%s memory %g: step %d loss %.4g\n", c.cfg.Family, c.cfg.Memories[run], step, loss)
			}
		})
		if err != nil {
			return err
		}
		for i, p := range s.PlateauSteps() {
			fmt.Printf("%s memory %g: plateau %d steps, final loss %.3g (%.0f s)\n", c.cfg.Family, c.cfg.Memories[i], p,
				s.Runs[i].Final(), s.Runs[i].Seconds)
		}
		path := filepath.Join(out, c.name)
		if err := diskcache.Save(path, s); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}
