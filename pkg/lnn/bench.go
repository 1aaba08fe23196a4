package lnn

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// NewTrainStep compiles one Adam step (L1 loss, lr 1e-4) of net on a fixed batch of random
// double-pendulum states from the paper's distribution, for benchmarks: the returned function runs
// one step. The first call includes the compilation.
func NewTrainStep(b compute.Backend, net Net, batch int, seed uint64) (func() error, error) {
	if batch < 1 {
		return nil, fmt.Errorf("lnn.NewTrainStep: batch must be >= 1, got %d", batch)
	}
	store := NewStore(net)
	opt := optimizer.Adam().LearningRate(1e-4).Done()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		qdd, rc := net.Accel(scope, x)
		loss, _ := lossGraph(L1, qdd, y, rc, 1e-7)
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("lnn.NewTrainStep: %w", err)
	}
	cfg := DefaultStates(batch, seed)
	states := make([]float64, 4*batch)
	accels := make([]float64, 2*batch)
	sampleStates(cfg, newRand(seed), states, accels)
	dt := net.ComputeDType()
	x, y := training.TensorFromFloat64s(dt, states, batch, 4), training.TensorFromFloat64s(dt, accels, batch, 2)
	return func() error {
		_, err := exec.Call(x, y)
		return err
	}, nil
}
