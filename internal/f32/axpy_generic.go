//go:build !(goexperiment.simd && amd64)

package f32

func axpy(a float32, x, y []float32) { axpyGeneric(a, x, y) }

func tanhSlice(y, x []float32) { tanhGeneric(y, x) }

func sigmoidSlice(y, x []float32) { sigmoidGeneric(y, x) }

func eluSlice(y, x []float32) { eluGeneric(y, x) }
