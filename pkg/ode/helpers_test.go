package ode_test

import (
	"math"
	"testing"
)

// forcedDecay is y' = -y + sin t, y(0) = 1, with exact solution 1.5 e^{-t} + (sin t - cos t)/2.
func forcedDecay(t float64, y, dydt []float64) { dydt[0] = -y[0] + math.Sin(t) }

func forcedDecayExact(t float64) float64 { return 1.5*math.Exp(-t) + (math.Sin(t)-math.Cos(t))/2 }

func forcedDecayJac(_ float64, _ []float64, jac []float64) { jac[0] = -1 }

// oscillator is x' = v, v' = -x with exact solution (cos t, -sin t) from (1, 0).
func oscillator(_ float64, y, dydt []float64) { dydt[0], dydt[1] = y[1], -y[0] }

// slope fits log(err) = p log(dt) + c by least squares and returns p.
func slope(dts, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(dts))
	for i := range dts {
		x, y := math.Log(dts[i]), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.15g, want %.15g (tol %g, diff %g)", what, got, want, tol, math.Abs(got-want))
	}
}
