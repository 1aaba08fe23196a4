package dataio_test

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// fixtureValues returns value(i) = (i+1)/7 - 3i for i < n, the values of testdata/make_fixtures.py,
// rounded to float32 when f32.
func fixtureValues(n int, f32 bool) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i+1)/7.0 - 3.0*float64(i)
		if f32 {
			v[i] = float64(float32(v[i]))
		}
	}
	return v
}

// sameFloats reports whether a and b are bitwise-equal values (NaN equals NaN, -0 differs from 0).
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// randomArray returns an array of random shape (rank 0..3, dimensions 0..4), dtype and order, with
// values that survive the dtype (including -0, subnormals and extremes for float64).
func randomArray(rng *rand.Rand) *dataio.Array {
	rank := rng.IntN(4)
	shape := make([]int, rank)
	n := 1
	for i := range shape {
		shape[i] = rng.IntN(5)
		n *= shape[i]
	}
	a := &dataio.Array{Shape: shape, Data: make([]float64, n), Float32: rng.IntN(2) == 0, Fortran: rng.IntN(2) == 0}
	specials := []float64{0, math.Copysign(0, -1), 5e-324, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	for i := range a.Data {
		var v float64
		switch rng.IntN(4) {
		case 0:
			v = specials[rng.IntN(len(specials))]
		default:
			v = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
		}
		if a.Float32 {
			if math.Abs(v) > math.MaxFloat32 && !math.IsInf(v, 0) {
				v = math.Copysign(math.MaxFloat32, v)
			}
			v = float64(float32(v))
		}
		a.Data[i] = v
	}
	return a
}

// numpyPython returns the path of a python3 with numpy, or skips the test.
func numpyPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		t.Skipf("python3 has no numpy: %s", out)
	}
	return py
}

// writeText writes a test input file.
func writeText(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
