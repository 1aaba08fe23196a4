package autoencoder

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
)

// BenchSetup returns a model with the paper's Lorenz network (Paper(), batch = batch) and a batch of
// uniform random x and ẋ in [0, 1) (as the PyTorch reference benchmark uses), for timing Step.
// plain selects Config.PlainAutodiff (the naive formulation).
func BenchSetup(batch int, seed uint64, plain bool) (*Model, *tensors.Tensor, *tensors.Tensor, error) {
	cfg := Paper()
	cfg.PlainAutodiff = plain
	cfg.BatchSize = batch
	cfg.Seed = seed
	m, err := NewModel(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	r := rand.New(rand.NewPCG(seed, 99))
	xs, dxs := make([]float32, batch*cfg.InputDim), make([]float32, batch*cfg.InputDim)
	for i := range xs {
		xs[i], dxs[i] = r.Float32(), r.Float32()
	}
	return m, tensors.FromFlatDataAndDimensions(xs, batch, cfg.InputDim), tensors.FromFlatDataAndDimensions(dxs, batch, cfg.InputDim), nil
}
