// Package floats holds the small plain-Go helpers on float slices that several of dynlearn's model and
// data packages share.
package floats

// Dot returns Σ a[i]·b[i], summed in order (len(b) >= len(a)).
func Dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Matrix returns the first rows·cols values of a row-major float32 slice as a rows×cols float64 matrix
// (m[r][c] = row[r·cols + c]), e.g. an image sample for plotting.
func Matrix(row []float32, rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for r := range m {
		m[r] = make([]float64, cols)
		for c := range cols {
			m[r][c] = float64(row[r*cols+c])
		}
	}
	return m
}
