package led

import (
	"fmt"
	"math"
)

// Scaler maps each feature affinely, x' = (x - Offset[i]) / Scale[i], as LED's MinMaxZeroOne data
// scaler and Standard latent scaler do. Features are the positions within one sample (snapshot).
type Scaler struct {
	Offset, Scale []float64
}

// NewMinMaxScaler maps each channel to [0, 1]: channelOf(i) names the channel of feature i (for
// example i%2 for interleaved (u, w) grids, i/N for field-major lattices), and min/max are taken over
// all samples and all features of a channel.
func NewMinMaxScaler(samples [][]float32, features int, channelOf func(i int) int) (*Scaler, error) {
	if features < 1 {
		return nil, fmt.Errorf("scaler: features=%d must be >= 1", features)
	}
	lo, hi := map[int]float64{}, map[int]float64{}
	for si, s := range samples {
		if len(s)%features != 0 {
			return nil, fmt.Errorf("scaler: sample %d has %d values, not a multiple of %d features", si, len(s), features)
		}
		for k, v := range s {
			c := channelOf(k % features)
			x := float64(v)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("scaler: sample %d value %d is %g", si, k, x)
			}
			if l, ok := lo[c]; !ok || x < l {
				lo[c] = x
			}
			if h, ok := hi[c]; !ok || x > h {
				hi[c] = x
			}
		}
	}
	if len(lo) == 0 {
		return nil, fmt.Errorf("scaler: no data")
	}
	s := &Scaler{Offset: make([]float64, features), Scale: make([]float64, features)}
	for i := 0; i < features; i++ {
		c := channelOf(i)
		s.Offset[i] = lo[c]
		s.Scale[i] = hi[c] - lo[c]
		if s.Scale[i] == 0 {
			s.Scale[i] = 1
		}
	}
	return s, nil
}

// NewStandardScaler maps each feature to zero mean and unit variance over all samples.
func NewStandardScaler(samples [][]float32, features int) (*Scaler, error) {
	if features < 1 {
		return nil, fmt.Errorf("scaler: features=%d must be >= 1", features)
	}
	sum, sq := make([]float64, features), make([]float64, features)
	n := 0
	for si, s := range samples {
		if len(s)%features != 0 {
			return nil, fmt.Errorf("scaler: sample %d has %d values, not a multiple of %d features", si, len(s), features)
		}
		for k, v := range s {
			sum[k%features] += float64(v)
			sq[k%features] += float64(v) * float64(v)
		}
		n += len(s) / features
	}
	if n == 0 {
		return nil, fmt.Errorf("scaler: no data")
	}
	s := &Scaler{Offset: make([]float64, features), Scale: make([]float64, features)}
	for i := range sum {
		m := sum[i] / float64(n)
		v := sq[i]/float64(n) - m*m
		s.Offset[i] = m
		s.Scale[i] = math.Sqrt(math.Max(v, 0))
		if s.Scale[i] == 0 || math.IsNaN(s.Scale[i]) {
			s.Scale[i] = 1
		}
	}
	return s, nil
}

// Features returns the number of features.
func (s *Scaler) Features() int { return len(s.Offset) }

// Transform returns the scaled copy of data (any number of samples back to back).
func (s *Scaler) Transform(data []float32) []float32 {
	out := make([]float32, len(data))
	f := len(s.Offset)
	for k, v := range data {
		i := k % f
		out[k] = float32((float64(v) - s.Offset[i]) / s.Scale[i])
	}
	return out
}

// Inverse undoes Transform.
func (s *Scaler) Inverse(data []float32) []float32 {
	out := make([]float32, len(data))
	f := len(s.Offset)
	for k, v := range data {
		i := k % f
		out[k] = float32(float64(v)*s.Scale[i] + s.Offset[i])
	}
	return out
}
