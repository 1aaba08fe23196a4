package plotting

import "math"

// Number is the set of element types accepted by the conversion helpers.
type Number interface {
	~float32 | ~float64 | ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Float64s converts a slice of numbers (e.g. float32 tensor data) to []float64.
func Float64s[T Number](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Column returns column j of a matrix stored as rows (e.g. a trajectory
// [time][dim]) as []float64. Rows too short to have column j give NaN
// (which figures skip).
func Column[T Number](rows [][]T, j int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		if j >= 0 && j < len(r) {
			out[i] = float64(r[j])
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// Range returns n evenly spaced values from start to stop inclusive (n >= 2),
// or a single start value for n == 1, or nil for n <= 0.
func Range(start, stop float64, n int) []float64 {
	switch {
	case n <= 0:
		return nil
	case n == 1:
		return []float64{start}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = start + (stop-start)*float64(i)/float64(n-1)
	}
	return out
}
