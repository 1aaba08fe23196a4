package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/dynlearn/dynlearn/pkg/plotting"
)

// figuresGallery writes one figure of each kind package plotting draws (formerly
// pkg/plotting/internal/gallery).
var figuresGallery = &tool{
	name:     "gallery",
	summary:  "one figure of each kind package plotting draws, as SVG and PNG",
	about:    `Write one figure of each kind package plotting draws (lines, log-log convergence, phase portraits, 3-D trajectories, heatmaps, image grids, panels, the final state of a live chart) to a directory, as SVG and PNG, for visual inspection.`,
	examples: []string{"go run ./cmd/dynlearn figures gallery --out /tmp/gallery"},
	flags: func(fs *flag.FlagSet) func(io.Writer) error {
		out := fs.String("out", "/tmp/gallery", "output `directory`")
		return func(w io.Writer) error { return gallery(w, *out) }
	},
}

// named is a figure of the gallery and its file name.
type named struct {
	name string
	fig  plotting.Figure
}

func gallery(w io.Writer, dir string) error {
	var figs []named
	add := func(name string, f plotting.Figure) { figs = append(figs, named{name, f}) }

	// 1. Line plot: Lorenz-like signals, true vs model.
	ts := linspace(0, 20, 2001)
	xs := make([]float64, len(ts))
	ys := make([]float64, len(ts))
	for i, t := range ts {
		xs[i] = 10 * math.Sin(t) * math.Exp(-0.05*t)
		ys[i] = 10*math.Sin(t+0.05*t*t/20)*math.Exp(-0.05*t) + 0.3
	}
	add("line", plotting.Line("Lorenz: x(t)", "t", "x").Add("true", ts, xs).Add("model", ts, ys, plotting.Dashed()))

	// 1b. Convergence plot (log-log) with markers.
	var hs, e1, e2, e4 []float64
	for k := 1; k <= 10; k++ {
		h := math.Pow(2, -float64(k))
		hs = append(hs, h)
		e1 = append(e1, 2*h)
		e2 = append(e2, 0.5*h*h)
		e4 = append(e4, 0.1*math.Pow(h, 4))
	}
	add("convergence", plotting.Line("Global error vs step size", "step size h", "max error").LogLog().Markers().
		Add("Euler", hs, e1).Add("Heun (RK2)", hs, e2).Add("RK4", hs, e4).
		Add("O(h^{4})", hs, scale(e4, 3), plotting.Dotted(), plotting.Color(7)))

	// 2. Phase portrait: damped pendulum trajectories.
	ph := plotting.Phase("Damped pendulum", "θ", "ω")
	for k, th0 := range []float64{-2.5, -1, 1.5, 3} {
		th, om := pendulum(th0, 0.5, 0.25, 0.01, 3000)
		ph.Add(fmt.Sprintf("θ_{0} = %.1f", th0), th, om, plotting.Color(k))
	}
	add("phase", ph)

	// 3. Lorenz attractor.
	lx, ly, lz := lorenz(-8, 7, 27, 0.005, 8000)
	add("lorenz3d", plotting.Trajectory3D("Lorenz attractor", "x", "y", "z").Add("", lx, ly, lz))
	mx, my, mz := lorenz(-8, 7.1, 27, 0.005, 3000)
	add("lorenz3d_two", plotting.Trajectory3D("Lorenz: true vs model", "x", "y", "z").View(-120, 20).
		Add("true", lx[:3000], ly[:3000], lz[:3000]).Add("model", mx, my, mz, plotting.Dashed(), plotting.StartMarker(true)))

	// 4. SINDy coefficient matrix (Lorenz, polynomial library of order 2).
	terms := []string{"1", "z_{1}", "z_{2}", "z_{3}", "z_{1}^{2}", "z_{1} z_{2}", "z_{1} z_{3}", "z_{2}^{2}", "z_{2} z_{3}", "z_{3}^{2}"}
	xi := make([][]float64, len(terms))
	for i := range xi {
		xi[i] = make([]float64, 3)
	}
	xi[1][0], xi[2][0] = -10, 10
	xi[1][1], xi[2][1], xi[6][1] = 28, -1, -1
	xi[3][2], xi[5][2] = -8.0/3, 1
	xi[7][0] = 0.04
	add("sindy_coeffs", plotting.Heatmap("SINDy coefficients Ξ", xi).Diverging().
		RowLabels(terms...).ColLabels("ż_{1}", "ż_{2}", "ż_{3}").Annotate("%.3g").ColorbarLabel("coefficient"))

	// 4b. Field snapshot (sequential colormap) on a grid with physical extent.
	const n = 64
	field := make([][]float64, n)
	for i := range field {
		field[i] = make([]float64, n)
		for j := range field[i] {
			x, y := float64(j)/n*2*math.Pi, float64(i)/n*2*math.Pi
			field[i][j] = math.Sin(x)*math.Cos(2*y) + 0.5*math.Cos(3*x+y)
		}
	}
	add("field", plotting.Heatmap("u(x, y, t=0)", field).Extent(0, 2*math.Pi, 0, 2*math.Pi).OriginLower().
		Labels("x", "y").ColorbarLabel("u").EqualAspect())

	// 5. Image grid: pendulum-like frames (a Gaussian blob moving on a circle).
	grid := plotting.ImageGrid("Pendulum frames", 5).ColorbarLabel("intensity")
	for k := range 10 {
		th := 1.2 * math.Cos(float64(k)*0.6)
		cx, cy := 25+15*math.Sin(th), 10+15*math.Cos(th)
		img := make([][]float64, 51)
		for i := range img {
			img[i] = make([]float64, 51)
			for j := range img[i] {
				d2 := (float64(j)-cx)*(float64(j)-cx) + (float64(i)-cy)*(float64(i)-cy)
				img[i][j] = math.Exp(-d2 / 8)
			}
		}
		grid.Add(fmt.Sprintf("t = %.1f", float64(k)*0.1), img)
	}
	add("image_grid", grid)

	// 5b. Diverging snapshots (FitzHugh-Nagumo-like waves).
	fhn := plotting.ImageGrid("FHN activator u(x, y)", 4).Diverging().ColorbarLabel("u")
	for k := range 4 {
		img := make([][]float64, 40)
		for i := range img {
			img[i] = make([]float64, 40)
			for j := range img[i] {
				r := math.Hypot(float64(i)-20, float64(j)-20)
				img[i][j] = math.Sin(r/3-float64(k)) * math.Exp(-r/30)
			}
		}
		fhn.Add(fmt.Sprintf("t = %d", 10*k), img)
	}
	add("image_grid_diverging", fhn)

	// 6. Panels: true vs predicted side by side.
	truth := plotting.Heatmap("true", field).Extent(0, 2*math.Pi, 0, 2*math.Pi).OriginLower().Labels("x", "y").Range(-1.5, 1.5)
	pred := plotting.Heatmap("predicted", field).Extent(0, 2*math.Pi, 0, 2*math.Pi).OriginLower().Labels("x", "y").Range(-1.5, 1.5)
	add("panels", plotting.Panels("Field: true vs predicted", 2, truth, pred))
	add("panels_mixed", plotting.Row(
		plotting.Line("x(t)", "t", "x").Add("true", ts, xs).Add("model", ts, ys, plotting.Dashed()),
		plotting.Phase("phase", "x", "ẋ").Add("", xs, deriv(xs, ts[1]-ts[0]))))

	// 7. Live chart (final state saved to a file; no notebook here).
	live := plotting.NewLiveChart("SINDy autoencoder training", "epoch", "loss").LogY()
	for ep := 1; ep <= 3000; ep++ {
		e := float64(ep)
		noise := 1 + 0.3*math.Sin(e*1.7)*math.Sin(e*0.31)
		live.Add("train", e, (2/math.Sqrt(e)+0.002)*noise)
		if ep%10 == 0 {
			live.Add("validation", e, (2.4/math.Sqrt(e) + 0.004))
		}
	}
	if err := live.Done(); err != nil {
		return err
	}
	add("live_final", live.Plot())

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range figs {
		for _, ext := range []string{".svg", ".png"} {
			p := filepath.Join(dir, f.name+ext)
			if err := f.fig.Save(p); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
	}
	fmt.Fprintln(w, "wrote", len(figs), "figures to", dir)
	return nil
}

// linspace returns n points from a to b.
func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return v
}

// scale returns s·v.
func scale(v []float64, s float64) []float64 {
	o := make([]float64, len(v))
	for i := range v {
		o[i] = v[i] * s
	}
	return o
}

// pendulum integrates a damped pendulum with semi-implicit Euler.
func pendulum(th, om, damp, dt float64, n int) ([]float64, []float64) {
	a, b := make([]float64, n), make([]float64, n)
	for i := range n {
		a[i], b[i] = th, om
		// semi-implicit Euler
		om += dt * (-math.Sin(th) - damp*om)
		th += dt * om
	}
	return a, b
}

// lorenz integrates the Lorenz system with RK4.
func lorenz(x, y, z, dt float64, n int) (xs, ys, zs []float64) {
	f := func(x, y, z float64) (float64, float64, float64) {
		return 10 * (y - x), x*(28-z) - y, x*y - 8.0/3.0*z
	}
	for range n {
		xs, ys, zs = append(xs, x), append(ys, y), append(zs, z)
		a1, b1, c1 := f(x, y, z)
		a2, b2, c2 := f(x+dt/2*a1, y+dt/2*b1, z+dt/2*c1)
		a3, b3, c3 := f(x+dt/2*a2, y+dt/2*b2, z+dt/2*c2)
		a4, b4, c4 := f(x+dt*a3, y+dt*b3, z+dt*c3)
		x += dt / 6 * (a1 + 2*a2 + 2*a3 + a4)
		y += dt / 6 * (b1 + 2*b2 + 2*b3 + b4)
		z += dt / 6 * (c1 + 2*c2 + 2*c3 + c4)
	}
	return
}

// deriv returns the finite-difference derivative of v.
func deriv(v []float64, dt float64) []float64 {
	d := make([]float64, len(v))
	for i := range v {
		switch i {
		case 0:
			d[i] = (v[1] - v[0]) / dt
		case len(v) - 1:
			d[i] = (v[i] - v[i-1]) / dt
		default:
			d[i] = (v[i+1] - v[i-1]) / (2 * dt)
		}
	}
	return d
}
