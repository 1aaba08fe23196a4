package led

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// processCPU returns the user + system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// convStepExec builds the training step of fit (pkg/led/train.go) for the autoencoder a with the
// reconstruction loss: SetTraining, loss, one Adam update; it returns the exec and a batch of bs
// random samples.
func convStepExec(tb testing.TB, a *Autoencoder, bs int) (*model.Exec, *tensors.Tensor) {
	tb.Helper()
	cfg := TrainConfig{Epochs: 1, BatchSize: bs, LearningRate: 1e-3}
	optimizer.LearningRateVar(a.store.RootScope(), dtypes.Float32, cfg.LearningRate)
	opt := optimizer.Adam().Done()
	exec, err := model.NewExec(a.backend, a.store, func(scope *model.Scope, x, y *Node) *Node {
		scope.Store().SetTraining(x.Graph(), true)
		l := lossFn(cfg.Loss, a.DecodeGraph(scope, a.EncodeGraph(scope, x)), y)
		opt.UpdateGraph(scope, x.Graph(), l)
		return l
	})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, bs*a.InSize())
	for i := range data {
		data[i] = rng.Float32()
	}
	return exec, tensorOf(data, append([]int{bs}, a.Config.Input...))
}

// BenchmarkReportConvAutoencoderStep is one training step (batch 32, Adam, reconstruction MSE, as
// Autoencoder.Train runs it) of the report's convolutional autoencoder; compare with
// /usr/bin/python3 ../shared/bench/conv_torch.py 32 50 2 (the same network in PyTorch).
func BenchmarkReportConvAutoencoderStep(b *testing.B) { benchConvStep(b) }

// BenchmarkReportConvAutoencoderStepGoMLXOps is the same step with GoMLX's Convolve and MaxPool
// (the formulation before issue #20), for side-by-side comparison.
func BenchmarkReportConvAutoencoderStepGoMLXOps(b *testing.B) {
	legacyConvOps = true
	defer func() { legacyConvOps = false }()
	benchConvStep(b)
}

func benchConvStep(b *testing.B) {
	a, err := FromConfig(ReportConvAutoencoder()).Done()
	if err != nil {
		b.Fatal(err)
	}
	exec, x := convStepExec(b, a, 32)
	for range 3 { // compile and warm up
		if _, err := exec.Exec(x, x); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	for range b.N {
		out, err := exec.Exec(x, x)
		if err != nil {
			b.Fatal(err)
		}
		out[0].FinalizeAll()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1e3/float64(b.N), "ms/step")
	// CPU time of the process per step (all threads): steadier than wall time on a shared machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/step")
}
