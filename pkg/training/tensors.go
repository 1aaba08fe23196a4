package training

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// TensorFromFloat64s returns a tensor of dtype dt (Float64, or Float32 for anything else) with the
// given dimensions holding a copy of data: plain-Go float64 parameters going into a GoMLX model.
func TensorFromFloat64s(dt dtypes.DType, data []float64, dims ...int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), data...), dims...)
	}
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// Float64s copies a Float32 or Float64 tensor's values out as float64, for plain-Go evaluation
// of a trained model.
func Float64s(t *tensors.Tensor) ([]float64, error) {
	if t == nil {
		return nil, fmt.Errorf("training.Float64s: the tensor is nil")
	}
	switch t.DType() {
	case dtypes.Float64:
		return tensors.CopyFlatData[float64](t)
	case dtypes.Float32:
		f, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("tensor of dtype %s: want Float32 or Float64", t.DType())
}
