package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/plotting"
	"github.com/dynlearn/dynlearn/pkg/reactiondiffusion"
)

// benchRDSolver times the generation of the reaction-diffusion data set (formerly
// pkg/reactiondiffusion/cmd/rdbench).
var benchRDSolver = &tool{
	name:    "rd-solver",
	summary: "generate Champion's reaction-diffusion data set: wall and CPU time, peak memory",
	about: `Generate the reaction-diffusion data set of Champion et al. (package reactiondiffusion: spectral in space,
ETDRK4 in time) and print how long it took, the CPU time and the peak memory; with --png also save an image
grid of observed snapshots uf = f·u (and of the unmasked u) for a visual check. Wrap it in /usr/bin/time -v
for the kernel's view of the peak resident memory.`,
	examples: []string{
		"go run ./cmd/dynlearn bench rd-solver                  # paper size, through the disk cache",
		"go run ./cmd/dynlearn bench rd-solver --fresh          # regenerate the cache file first",
		"go run ./cmd/dynlearn bench rd-solver --memory         # in memory (Generate), no disk cache",
		"go run ./cmd/dynlearn bench rd-solver --quick --png /tmp/rd.png",
	},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		o := rdBenchOptions{}
		fs.BoolVar(&o.quick, "quick", config.Quick(), "use the quick configuration (50×50, t ∈ [0, 100]; default from $DYNLEARN_QUICK)")
		fs.BoolVar(&o.memory, "memory", false, "generate in memory (Generate) instead of through the disk cache (Load)")
		fs.BoolVar(&o.fresh, "fresh", false, "delete the cache file first, so Load regenerates it")
		fs.StringVar(&o.png, "png", "", "save an image grid of snapshots to this `file` (.png or .svg)")
		fs.IntVar(&o.substeps, "substeps", 0, "override the ETDRK4 steps per snapshot interval")
		return func(w io.Writer) error { return o.run(w) }
	},
}

type rdBenchOptions struct {
	quick, memory, fresh bool
	png                  string
	substeps             int
}

func (o rdBenchOptions) run(w io.Writer) error {
	cfg := reactiondiffusion.PaperConfig()
	if o.quick {
		cfg = reactiondiffusion.QuickConfig()
	}
	if o.substeps > 0 {
		cfg.Substeps = o.substeps
	}
	fmt.Fprintf(w, "reaction-diffusion: %d×%d grid, t ∈ [0, %g] every %g (%d ETDRK4 steps each), %d snapshots, %d CPUs\n",
		cfg.N, cfg.N, cfg.T1, cfg.Dt, cfg.Substeps, cfg.Snapshots(), runtime.NumCPU())
	path, err := reactiondiffusion.CachePath(cfg)
	if err != nil {
		return err
	}
	if o.fresh {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	_, statErr := os.Stat(path)
	cached := statErr == nil
	start, cpu0 := time.Now(), cpuTime()
	var d *reactiondiffusion.Data
	if o.memory {
		d, err = reactiondiffusion.Generate(cfg)
	} else {
		d, err = reactiondiffusion.Load(cfg)
	}
	if err != nil {
		return err
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	how := "Generate (in memory)"
	if !o.memory {
		how = "Load (simulated and written to the cache, then read)"
		if cached {
			how = "Load (read from the cache)"
		}
	}
	fmt.Fprintf(w, "%s: wall %.1f s, CPU %.1f s, peak RSS %.0f MiB\n", how, wall.Seconds(), cpu.Seconds(), peakRSSMiB())
	if !o.memory {
		if st, err := os.Stat(path); err == nil {
			fmt.Fprintf(w, "cache file %s: %.0f MiB\n", path, float64(st.Size())/(1<<20))
		}
	}
	fmt.Fprintf(w, "train %d, validation %d, test %d samples of dimension %d\n", d.Train.N(), d.Val.N(), d.Test.N(), d.Train.Dim())
	if o.png != "" {
		return saveRDGrid(w, d, o.png)
	}
	return nil
}

// saveRDGrid saves six test snapshots (in time order) of uf and the unmasked u = uf/f.
func saveRDGrid(w io.Writer, d *reactiondiffusion.Data, path string) error {
	g := plotting.ImageGrid(fmt.Sprintf("Reaction-diffusion: observed u·f (top) and u (bottom), %d×%d grid", d.Config.N, d.Config.N), 6).
		Diverging().ColorbarLabel("value")
	test := d.Test
	idx := make([]int, 6)
	for j := range idx {
		idx[j] = j * 15 // 0.75 time units apart: about an eighth of the rotation period
	}
	for _, i := range idx {
		g.Add(fmt.Sprintf("uf, t = %.2f", test.T[i]), test.Image(i))
	}
	for _, i := range idx {
		img := test.Image(i)
		n := d.Config.N
		for r := range img {
			for c := range img[r] {
				img[r][c] /= d.Mask[r*n+c]
			}
		}
		g.Add(fmt.Sprintf("u, t = %.2f", test.T[i]), img)
	}
	if err := g.Save(path); err != nil {
		return err
	}
	fmt.Fprintln(w, "saved", path)
	return nil
}

// cpuTime returns the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMiB returns the peak resident memory of this process in MiB.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
