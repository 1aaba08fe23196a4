package plotting_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/dynlearn/dynlearn/pkg/plotting"
)

func Example() {
	ts := plotting.Range(0, 10, 200)
	xs, ys := make([]float64, len(ts)), make([]float64, len(ts))
	for i, t := range ts {
		xs[i], ys[i] = math.Sin(t), math.Sin(t)*math.Exp(-0.05*t)
	}
	fig := plotting.Line("Lorenz: x(t)", "t", "x").Add("true", ts, xs).Add("model", ts, ys, plotting.Dashed())
	_ = fig.Show() // inline in GoNB; outside a notebook only a one-time note on stderr

	dir, _ := os.MkdirTemp("", "plotting")
	defer os.RemoveAll(dir)
	err := fig.Save(filepath.Join(dir, "x.svg"))
	fmt.Println(err)
	// Output: <nil>
}

func ExampleHeatmap() {
	xi := [][]float64{{0, 28, 0}, {-10, -1, 0}, {10, 0, 0}, {0, 0, -8.0 / 3}}
	fig := plotting.Heatmap("SINDy coefficients", xi).Diverging().
		RowLabels("1", "z_{1}", "z_{2}", "z_{3}").ColLabels("ż_{1}", "ż_{2}", "ż_{3}").Annotate("%.3g")
	svg, err := fig.SVG()
	fmt.Println(len(svg) > 0, err)
	// Output: true <nil>
}

func ExampleNewLiveChart() {
	c := plotting.NewLiveChart("training", "epoch", "loss").LogY()
	for epoch := 1; epoch <= 100; epoch++ {
		c.Add("train", float64(epoch), 1/float64(epoch))
	}
	fmt.Println(c.Done())
	// Output: <nil>
}

func ExampleLine_errors() {
	// Bad input never panics: the error surfaces when rendering.
	_, err := plotting.Line("bad", "x", "y").Add("s", []float64{1, 2, 3}, []float64{1, 2}).SVG()
	fmt.Println(err)
	// Output: plotting: line plot: series "s": len(x)=3 != len(y)=2
}
