package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/dynlearn/dynlearn/pkg/pendulumimages"
	"github.com/dynlearn/dynlearn/pkg/plotting"
)

// figuresPendulumFrames draws the pendulum-from-images data (formerly pkg/pendulumimages/cmd/pendframes).
var figuresPendulumFrames = &tool{
	name:    "pendulum-frames",
	summary: "frames and time derivatives of Champion's pendulum movies",
	about: `Save image grids of the pendulum-from-images data (package pendulumimages) for a visual check: frames
of one large-amplitude trajectory over about one period (PREFIX_frames.png), and the first and second time
derivatives of a few of them (PREFIX_derivatives.png).`,
	examples: []string{"go run ./cmd/dynlearn figures pendulum-frames --out /tmp/pendulum"},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		out := fs.String("out", "/tmp/pendulum", "`prefix` of the output files")
		return func(w io.Writer) error { return pendulumFrames(w, *out) }
	},
}

func pendulumFrames(w io.Writer, out string) error {
	cfg := pendulumimages.SingleTrajectories() // θ0 = π/1.5, ω0 = 0.5 first: period ≈ 9 s
	d, err := pendulumimages.Generate(cfg)
	if err != nil {
		return err
	}
	tr, err := d.Trajectory(0)
	if err != nil {
		return err
	}
	frames := plotting.ImageGrid(fmt.Sprintf("Pendulum images, θ0 = %.3f, ω0 = %.1f (every 0.8 s)", tr.ICs[0][0], tr.ICs[0][1]), 6).
		ColorbarLabel("x")
	for j := range 12 {
		i := j * 40
		frames.Add(fmt.Sprintf("t=%.1f θ=%.2f", tr.T[i], tr.Z[i]), tr.Image(i))
	}
	if err := frames.Save(out + "_frames.png"); err != nil {
		return err
	}
	deriv := plotting.ImageGrid("Pendulum image derivatives ẋ (top) and ẍ/10 (bottom)", 4).Diverging().ColorbarLabel("value")
	idx := []int{0, 60, 120, 200}
	for _, i := range idx {
		deriv.AddFlat(fmt.Sprintf("ẋ, t=%.1f ω=%.2f", tr.T[i], tr.DZ[i]), pendulumimages.Side, pendulumimages.Side, scaled(tr.DRow(i), 1))
	}
	for _, i := range idx {
		deriv.AddFlat(fmt.Sprintf("ẍ/10, t=%.1f θ''=%.2f", tr.T[i], tr.DDZ[i]), pendulumimages.Side, pendulumimages.Side, scaled(tr.DDRow(i), 0.1))
	}
	if err := deriv.Save(out + "_derivatives.png"); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved %s_frames.png and %s_derivatives.png\n", out, out)
	return nil
}

// scaled returns s·row as float64s.
func scaled(row []float32, s float64) []float64 {
	out := make([]float64, len(row))
	for i, v := range row {
		out[i] = s * float64(v)
	}
	return out
}
