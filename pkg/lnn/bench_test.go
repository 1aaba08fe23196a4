package lnn

import (
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// trainStepExec builds one Adam step of net on a batch (the same graph Train uses).
func trainStepExec(tb testing.TB, net Net) *model.Exec {
	b := modeltest.Backend(tb)
	store := NewStore(net)
	opt := optimizer.Adam().LearningRate(1e-4).Done()
	return model.MustNewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		qdd, rc := net.Accel(scope, x)
		loss, _ := lossGraph(L1, qdd, y, rc, 1e-7)
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
}

func benchBatch(n int) (*tensors.Tensor, *tensors.Tensor) {
	cfg := DefaultStates(n, 9)
	states := make([]float64, 4*n)
	accels := make([]float64, 2*n)
	sampleStates(cfg, newRand(9), states, accels)
	return training.TensorFromFloat64s(dtypes.Float32, states, n, 4), training.TensorFromFloat64s(dtypes.Float32, accels, n, 2)
}

func benchTrainStep(b *testing.B, net Net, batch int) {
	exec := trainStepExec(b, net)
	x, y := benchBatch(batch)
	exec.MustCall(x, y) // compile
	b.ResetTimer()
	for b.Loop() {
		exec.MustCall(x, y)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
}

// BenchmarkLNNTrainStep is one Adam step of the paper's LNN (3×600 softplus, batch 512) with the
// closed-form Hessians, on the configured backend (pure Go by default).
func BenchmarkLNNTrainStep(b *testing.B) {
	m, err := New(2).Hidden(600, 3).Done()
	if err != nil {
		b.Fatal(err)
	}
	benchTrainStep(b, m, 512)
}

// BenchmarkLNNTrainStepAutodiff is the same step with the Hessians from nested autodiff.
func BenchmarkLNNTrainStepAutodiff(b *testing.B) {
	m, err := New(2).Hidden(600, 3).Autodiff(true).Done()
	if err != nil {
		b.Fatal(err)
	}
	benchTrainStep(b, m, 512)
}

// BenchmarkBaselineTrainStep is one Adam step of the 3×600 ReLU baseline, batch 512.
func BenchmarkBaselineTrainStep(b *testing.B) {
	m, err := NewBaseline(2).Hidden(600, 3).Done()
	if err != nil {
		b.Fatal(err)
	}
	benchTrainStep(b, m, 512)
}
