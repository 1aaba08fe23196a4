package led

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ConvStep is one training step of an autoencoder as Autoencoder.Train runs it (training mode,
// reconstruction loss, one Adam update) on a fixed batch of random samples: what
// BenchmarkReportConvAutoencoderStep and `dynlearn bench conv-step` time against PyTorch
// (pkg/led/bench/conv_torch.py, the same network).
type ConvStep struct {
	exec *model.Exec
	x    *tensors.Tensor
}

// NewConvStep builds the training step of a (for instance FromConfig(ReportConvAutoencoder())) at
// batch size batch, with samples drawn uniformly in [0, 1).
func NewConvStep(a *Autoencoder, batch int) (*ConvStep, error) {
	if batch < 1 {
		return nil, fmt.Errorf("led: NewConvStep: batch = %d, want >= 1", batch)
	}
	cfg := TrainConfig{Epochs: 1, BatchSize: batch, LearningRate: 1e-3}
	optimizer.LearningRateVar(a.store.RootScope(), dtypes.Float32, cfg.LearningRate)
	opt := optimizer.Adam().Done()
	exec, err := model.NewExec(a.backend, a.store, func(scope *model.Scope, x, y *Node) *Node {
		scope.Store().SetTraining(x.Graph(), true)
		l := lossFn(cfg.Loss, a.DecodeGraph(scope, a.EncodeGraph(scope, x)), y)
		opt.UpdateGraph(scope, x.Graph(), l)
		return l
	})
	if err != nil {
		return nil, fmt.Errorf("led: NewConvStep: %w", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, batch*a.InSize())
	for i := range data {
		data[i] = rng.Float32()
	}
	return &ConvStep{exec: exec, x: tensorOf(data, append([]int{batch}, a.Config.Input...))}, nil
}

// Step runs one training step (the first one compiles the graph) and returns its loss.
func (s *ConvStep) Step() (float64, error) {
	out, err := s.exec.Exec(s.x, s.x)
	if err != nil {
		return 0, fmt.Errorf("led: conv step: %w", err)
	}
	defer out[0].FinalizeAll()
	v, err := tensors.CopyFlatData[float32](out[0])
	if err != nil || len(v) != 1 {
		return 0, fmt.Errorf("led: conv step: loss of shape %s: %v", out[0].Shape(), err)
	}
	return float64(v[0]), nil
}
