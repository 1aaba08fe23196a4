package lorenzdata

import (
	"github.com/dynlearn/dynlearn/pkg/sindy"
)

func sindyAffine(lib *sindy.Library, xi [][]float64, perm []int) ([][]float64, error) {
	for i := range xi {
		if len(xi[i]) == 0 {
			xi[i] = make([]float64, 3)
		}
	}
	return sindy.AffineTransform(lib, xi, perm, []float64{1, 1, 1}, []float64{0, 0, 0})
}
