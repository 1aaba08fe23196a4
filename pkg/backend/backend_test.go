package backend

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

func TestConfigHonoursEnv(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	if got := Config(); got != Default {
		t.Errorf("Config() with empty GOMLX_BACKEND = %q, want %q", got, Default)
	}
	t.Setenv("GOMLX_BACKEND", "go:parallelism=2")
	if got := Config(); got != "go:parallelism=2" {
		t.Errorf("Config() = %q, want the environment's value", got)
	}
}

func TestNewWithConfigErrors(t *testing.T) {
	for _, cfg := range []string{"nosuchbackend", "go:parallelism=abc", "go:no_such_option"} {
		b, err := NewWithConfig(cfg)
		if err == nil {
			t.Errorf("NewWithConfig(%q) = %v, want an error", cfg, b)
			continue
		}
		if !strings.Contains(err.Error(), cfg) {
			t.Errorf("NewWithConfig(%q) error %q does not name the configuration", cfg, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	d := Describe()
	if !strings.Contains(d, Config()) || strings.Contains(d, "error") {
		t.Errorf("Describe() = %q", d)
	}
}

// trainAutoencoder builds a sigmoid MLP autoencoder 128-64-32-3-32-64-128 (the SINDy autoencoder's
// shape, whose large matrix multiplications are what parks the default worker pool) and returns a
// function running one Adam step on a fixed batch.
func trainAutoencoder(t testing.TB, config string, batch int) func() float32 {
	b, err := NewWithConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	store.SetParam(optimizer.ParamLearningRate, 1e-3)
	opt := optimizer.Adam().Done()
	widths := []int{128, 64, 32, 3, 32, 64, 128}
	exec := model.MustNewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		g := x.Graph()
		// Propagate the state h and a tangent d (its time derivative, as the SINDy autoencoder
		// does): the two chains and their gradients give the backend several independent large
		// matrix multiplications to run at once.
		h, d := x, OnesLike(x)
		for i := 0; i < len(widths)-1; i++ {
			s := scope.In("l%d", i)
			w := s.VariableWithShape("w", shapes.Make(dtypes.Float32, widths[i], widths[i+1])).NodeValue(g)
			bias := s.VariableWithValue("b", make([]float32, widths[i+1])).NodeValue(g)
			pre := Add(Dot(h, w).Product(), InsertAxes(bias, 0))
			dpre := Dot(d, w).Product()
			if i < len(widths)-2 && i != 2 {
				h = Sigmoid(pre)
				d = Mul(Mul(h, OneMinus(h)), dpre)
			} else {
				h, d = pre, dpre
			}
		}
		loss := Add(ReduceAllMean(Square(Sub(h, x))), MulScalar(ReduceAllMean(Square(d)), 1e-4))
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	// Data on a 3-dimensional manifold in 128 dimensions, like the SINDy autoencoder's Lorenz data.
	xs := make([]float32, batch*128)
	for i := range batch {
		a, c, d := math.Sin(float64(i)*0.37), math.Cos(float64(i)*0.11), math.Sin(float64(i)*0.05)
		for j := range 128 {
			u := float64(j) / 127
			xs[i*128+j] = float32(a*math.Cos(3*u) + c*u*u + d*math.Sin(7*u))
		}
	}
	xt := tensors.FromFlatDataAndDimensions(xs, batch, 128)
	return func() float32 {
		out := exec.MustCall(xt)
		return tensors.ToScalar[float32](out[0])
	}
}

// withWatchdog runs f and fails the test with a dump of every goroutine if it takes longer than
// limit: a deadlocked backend must fail CI loudly instead of hanging it.
func withWatchdog(t *testing.T, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		buf := make([]byte, 1<<22)
		n := runtime.Stack(buf, true)
		t.Fatalf("watchdog: no progress after %v, the backend is probably deadlocked; goroutines:\n%s", limit, buf[:n])
	}
}

// TestSoakDefault runs thousands of training steps of an autoencoder on the default backend
// configuration, each under a watchdog, so that a deadlock fails loudly with a goroutine dump
// instead of hanging CI. DYNLEARN_SOAK_STEPS overrides the number of steps (default 2000) and
// DYNLEARN_SOAK_CONFIG the configuration (to reproduce the deadlock of other configurations:
// see docs/gobackend-deadlock.md).
func TestSoakDefault(t *testing.T) {
	config := Default
	if c := os.Getenv("DYNLEARN_SOAK_CONFIG"); c != "" {
		config = c
	}
	steps := 2000
	if s := os.Getenv("DYNLEARN_SOAK_STEPS"); s != "" {
		var err error
		if steps, err = strconv.Atoi(s); err != nil {
			t.Fatalf("DYNLEARN_SOAK_STEPS=%q: %v", s, err)
		}
	}
	if testing.Short() {
		steps = 300
	}
	step := trainAutoencoder(t, config, soakBatch)
	first := step()
	var last float32
	for i := 0; i < steps; i++ {
		withWatchdog(t, 30*time.Second, func() { last = step() })
	}
	if !(last < first/10) {
		t.Errorf("loss went from %g to %g after %d Adam steps; expected training to reduce it 10x", first, last, steps)
	}
	t.Logf("%d steps on %q: loss %.4g -> %.4g", steps, config, first, last)
}

// soakBatch is the soak test's batch size: large enough that the backend splits its matrix
// multiplications across workers, the path on which the default worker pool deadlocks.
var soakBatch = 1024

// BenchmarkConfigs times one training step of the soak test's autoencoder (batch 4096) under the
// configurations of the pure-Go backend that do not deadlock, side by side:
//
//	GOEXPERIMENT=simd go test -run XXX -bench Configs -count 3 ./pkg/backend
//
// The configurations "go" and "go:parallelism=N" (N > 0) are left out: they deadlock (see
// docs/gobackend-deadlock.md).
func BenchmarkConfigs(b *testing.B) {
	for _, config := range []string{Default, "go:ops_sequential", "go:parallelism=-1,ops_sequential"} {
		b.Run(config, func(b *testing.B) {
			step := trainAutoencoder(b, config, 4096)
			step() // compile
			b.ResetTimer()
			for b.Loop() {
				step()
			}
		})
	}
}
