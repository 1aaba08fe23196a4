// Command rdbench generates the reaction-diffusion data set of Champion et al. (package
// reactiondiffusion) and prints how long it took, the CPU time and the peak memory; with -png it also
// saves an image grid of observed snapshots uf = f·u (and of the unmasked u) for a visual check.
//
//	go run ./pkg/reactiondiffusion/cmd/rdbench                 # paper size, through the disk cache
//	go run ./pkg/reactiondiffusion/cmd/rdbench -fresh          # regenerate the cache file first
//	go run ./pkg/reactiondiffusion/cmd/rdbench -memory         # in memory (Generate), no disk cache
//	go run ./pkg/reactiondiffusion/cmd/rdbench -quick -png /tmp/rd.png
//
// Wrap it in /usr/bin/time -v for the kernel's view of the peak resident memory.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/dynlearn/dynlearn/pkg/plotting"
	"github.com/dynlearn/dynlearn/pkg/reactiondiffusion"
)

func main() {
	quick := flag.Bool("quick", false, "use the quick configuration (50×50, t ∈ [0, 100])")
	memory := flag.Bool("memory", false, "generate in memory (Generate) instead of through the disk cache (Load)")
	fresh := flag.Bool("fresh", false, "delete the cache file first, so Load regenerates it")
	png := flag.String("png", "", "save an image grid of snapshots to this file (.png or .svg)")
	substeps := flag.Int("substeps", 0, "override the ETDRK4 steps per snapshot interval")
	flag.Parse()
	if err := run(*quick, *memory, *fresh, *png, *substeps); err != nil {
		log.Fatal(err)
	}
}

func run(quick, memory, fresh bool, png string, substeps int) error {
	cfg := reactiondiffusion.PaperConfig()
	if quick {
		cfg = reactiondiffusion.QuickConfig()
	}
	if substeps > 0 {
		cfg.Substeps = substeps
	}
	fmt.Printf("reaction-diffusion: %d×%d grid, t ∈ [0, %g] every %g (%d ETDRK4 steps each), %d snapshots, %d CPUs\n",
		cfg.N, cfg.N, cfg.T1, cfg.Dt, cfg.Substeps, cfg.Snapshots(), runtime.NumCPU())
	path, err := reactiondiffusion.CachePath(cfg)
	if err != nil {
		return err
	}
	if fresh {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	_, statErr := os.Stat(path)
	cached := statErr == nil
	start, cpu0 := time.Now(), cpuTime()
	var d *reactiondiffusion.Data
	if memory {
		d, err = reactiondiffusion.Generate(cfg)
	} else {
		d, err = reactiondiffusion.Load(cfg)
	}
	if err != nil {
		return err
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	how := "Generate (in memory)"
	if !memory {
		how = "Load (simulated and written to the cache, then read)"
		if cached {
			how = "Load (read from the cache)"
		}
	}
	fmt.Printf("%s: wall %.1f s, CPU %.1f s, peak RSS %.0f MiB\n", how, wall.Seconds(), cpu.Seconds(), peakRSSMiB())
	if !memory {
		if st, err := os.Stat(path); err == nil {
			fmt.Printf("cache file %s: %.0f MiB\n", path, float64(st.Size())/(1<<20))
		}
	}
	fmt.Printf("train %d, validation %d, test %d samples of dimension %d\n", d.Train.N(), d.Val.N(), d.Test.N(), d.Train.Dim())
	if png != "" {
		return saveGrid(d, png)
	}
	return nil
}

// saveGrid saves six test snapshots (in time order) of uf and the unmasked u = uf/f.
func saveGrid(d *reactiondiffusion.Data, path string) error {
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
	fmt.Println("saved", path)
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
