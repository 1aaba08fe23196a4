// Command ledtrain trains the Learning Effective Dynamics models that the led_* notebooks load in
// full mode and writes them to notebooks/models/led/ (atomically). Training checkpoints after every
// epoch in the dynlearn cache, so an interrupted run (Ctrl-C) resumes where it stopped.
//
//	go run ./pkg/led/cmd/ledtrain -exp vdp        # Van der Pol propagator
//	go run ./pkg/led/cmd/ledtrain -exp fhn        # FHN grid autoencoder + latent propagator
//	go run ./pkg/led/cmd/ledtrain -exp superres   # 10×10 → 20×20 autoencoder
//	go run ./pkg/led/cmd/ledtrain -exp lattice    # 1-D lattice autoencoder + propagator
//	go run ./pkg/led/cmd/ledtrain -exp all
//
// -quick trains the notebooks' quick configurations instead (for testing the command).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/led"
	"github.com/dynlearn/dynlearn/pkg/training"
)

func main() {
	exp := flag.String("exp", "all", "experiment: vdp, fhn, superres, lattice or all")
	quick := flag.Bool("quick", false, "train the quick configurations")
	flag.Parse()
	training.WatchInterrupts()
	fmt.Println(backend.Describe())
	run := map[string]func(bool) error{"vdp": vdp, "fhn": fhnGrid, "superres": superres, "lattice": lattice}
	names := []string{*exp}
	if *exp == "all" {
		names = []string{"vdp", "lattice", "fhn", "superres"}
	}
	for _, n := range names {
		f, ok := run[n]
		if !ok {
			fmt.Fprintf(os.Stderr, "ledtrain: unknown experiment %q\n", n)
			os.Exit(2)
		}
		start := time.Now()
		if err := f(*quick); err != nil {
			fmt.Fprintf(os.Stderr, "ledtrain %s: %v\n", n, err)
			os.Exit(1)
		}
		fmt.Printf("%s done in %.0f s\n", n, time.Since(start).Seconds())
	}
}

func progress(name string) func(led.EpochStats) {
	return func(e led.EpochStats) {
		mark := ""
		if e.Best {
			mark = " *"
		}
		fmt.Printf("%s epoch %d/%d: train %.4g, val %.4g (%.0f s)%s\n", name, e.Epoch, e.Epochs, e.Train, e.Val, e.Elapsed.Seconds(), mark)
	}
}

func vdp(quick bool) error {
	s := led.VanDerPol(quick)
	d, err := led.CachedVanDerPol(s.Data)
	if err != nil {
		return err
	}
	p, _, err := s.TrainPropagator(d, progress("vdp"))
	if err != nil {
		return err
	}
	return p.Save(led.ModelPath("vdp_propagator.ckpt"))
}

func fhnGrid(quick bool) error {
	s := led.FHNGrid(quick)
	g, err := s.Data()
	if err != nil {
		return err
	}
	ae, _, err := s.TrainAutoencoder(g, progress("fhn autoencoder"))
	if err != nil {
		return err
	}
	if err := ae.Save(led.ModelPath("fhn_autoencoder.ckpt")); err != nil {
		return err
	}
	lat, err := s.LatentSeries(ae, g, true)
	if err != nil {
		return err
	}
	p, _, err := s.TrainPropagator(lat, progress("fhn propagator"))
	if err != nil {
		return err
	}
	return p.Save(led.ModelPath("fhn_propagator.ckpt"))
}

func superres(quick bool) error {
	s := led.SuperResolution(quick)
	g, err := led.FHNGrid(quick).Data()
	if err != nil {
		return err
	}
	sc, err := led.FHNGrid(quick).Scaler(g)
	if err != nil {
		return err
	}
	ae, _, err := s.TrainAutoencoder(g, sc, progress("superres"))
	if err != nil {
		return err
	}
	return ae.Save(led.ModelPath("fhn_superres.ckpt"))
}

func lattice(quick bool) error {
	s := led.Lattice(quick)
	d, err := s.Trajectories()
	if err != nil {
		return err
	}
	ae, sc, _, err := s.TrainAutoencoder(d, progress("lattice autoencoder"))
	if err != nil {
		return err
	}
	if err := ae.Save(led.ModelPath("lattice_autoencoder.ckpt")); err != nil {
		return err
	}
	p, _, err := s.TrainPropagator(ae, sc, d, progress("lattice propagator"))
	if err != nil {
		return err
	}
	return p.Save(led.ModelPath("lattice_propagator.ckpt"))
}
