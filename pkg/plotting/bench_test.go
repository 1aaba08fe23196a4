package plotting

import (
	"math"
	"testing"
)

func lorenzData(n int) (x, y, z []float64) {
	px, py, pz := -8.0, 7.0, 27.0
	dt := 0.002
	x, y, z = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		x[i], y[i], z[i] = px, py, pz
		dx, dy, dz := 10*(py-px), px*(28-pz)-py, px*py-8.0/3*pz
		px, py, pz = px+dt*dx, py+dt*dy, pz+dt*dz
	}
	return
}

// BenchmarkLorenz3DPNG renders a 100k-point 3D trajectory to PNG.
func BenchmarkLorenz3DPNG(b *testing.B) {
	x, y, z := lorenzData(100000)
	fig := Trajectory3D("Lorenz", "x", "y", "z").Add("", x, y, z)
	for b.Loop() {
		if _, err := fig.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLiveChartAdd measures the cost of LiveChart.Add in a training loop (terminal mode).
func BenchmarkLiveChartAdd(b *testing.B) {
	c := NewLiveChart("bench", "step", "loss").LogY().TextInterval(math.MaxInt64)
	c.out = discard{}
	i := 0
	for b.Loop() {
		i++
		c.Add("train", float64(i), 1/float64(i))
	}
}

// BenchmarkLinePNG renders a 4-series, 2000-point line plot to PNG.
func BenchmarkLinePNG(b *testing.B) {
	fig := Line("bench", "t", "x")
	for k := range 4 {
		x, y := sinData(2000, float64(k))
		fig.Add("s", x, y)
	}
	for b.Loop() {
		if _, err := fig.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
