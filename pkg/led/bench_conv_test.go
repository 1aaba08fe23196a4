package led

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user + system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReportConvAutoencoderStep is one training step (batch 32, Adam, reconstruction MSE, as
// Autoencoder.Train runs it) of the report's convolutional autoencoder (NewConvStep); compare with
// /usr/bin/python3 pkg/led/bench/conv_torch.py 32 50 2 (the same network in PyTorch), or run both
// interleaved with `dynlearn bench conv-step`.
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
	step, err := NewConvStep(a, 32)
	if err != nil {
		b.Fatal(err)
	}
	for range 3 { // compile and warm up
		if _, err := step.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	for range b.N {
		if _, err := step.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1e3/float64(b.N), "ms/step")
	// CPU time of the process per step (all threads): steadier than wall time on a shared machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/step")
}
