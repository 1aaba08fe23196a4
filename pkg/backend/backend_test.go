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

// trainMLP builds a small MLP regression and returns a step function running one Adam step.
func trainMLP(t testing.TB, config string, batch int) func() float32 {
	b, err := NewWithConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	store.SetParam(optimizer.ParamLearningRate, 1e-2)
	opt := optimizer.Adam().Done()
	exec := model.MustNewExec(b, store, func(scope *model.Scope, x, y *Node) *Node {
		g := x.Graph()
		h := x
		widths := []int{4, 32, 32, 1}
		for i := 0; i < len(widths)-1; i++ {
			s := scope.In("l%d", i)
			w := s.VariableWithShape("w", shapes.Make(dtypes.Float32, widths[i], widths[i+1])).NodeValue(g)
			bias := s.VariableWithValue("b", make([]float32, widths[i+1])).NodeValue(g)
			h = Add(Dot(h, w).Product(), InsertAxes(bias, 0))
			if i < len(widths)-2 {
				h = Tanh(h)
			}
		}
		loss := ReduceAllMean(Square(Sub(h, y)))
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	xs := make([]float32, batch*4)
	ys := make([]float32, batch)
	for i := range batch {
		s := float32(0)
		for j := range 4 {
			v := float32(math.Sin(float64(i*4+j) * 0.37))
			xs[i*4+j] = v
			s += v * float32(j+1)
		}
		ys[i] = float32(math.Tanh(float64(s)))
	}
	xt := tensors.FromFlatDataAndDimensions(xs, batch, 4)
	yt := tensors.FromFlatDataAndDimensions(ys, batch, 1)
	return func() float32 {
		out := exec.MustCall(xt, yt)
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

// TestSoakDefault runs thousands of training steps on the default backend configuration under a
// watchdog. DYNLEARN_SOAK_STEPS overrides the number of steps (default 3000) and
// DYNLEARN_SOAK_CONFIG the configuration (to reproduce the deadlock of other configurations:
// see docs/gobackend-deadlock.md).
func TestSoakDefault(t *testing.T) {
	config := Default
	if c := os.Getenv("DYNLEARN_SOAK_CONFIG"); c != "" {
		config = c
	}
	steps := 3000
	if s := os.Getenv("DYNLEARN_SOAK_STEPS"); s != "" {
		var err error
		if steps, err = strconv.Atoi(s); err != nil {
			t.Fatalf("DYNLEARN_SOAK_STEPS=%q: %v", s, err)
		}
	}
	if testing.Short() {
		steps = 300
	}
	step := trainMLP(t, config, 64)
	first := step()
	var last float32
	for i := 0; i < steps; i++ {
		withWatchdog(t, 30*time.Second, func() { last = step() })
	}
	if !(last < first/4) {
		t.Errorf("loss went from %g to %g after %d Adam steps; expected training to reduce it 4x", first, last, steps)
	}
	t.Logf("%d steps on %q: loss %.4g -> %.4g", steps, config, first, last)
}
