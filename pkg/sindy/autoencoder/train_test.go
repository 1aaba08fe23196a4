package autoencoder_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
	"github.com/dynlearn/dynlearn/pkg/sindy/lorenzdata"
	"github.com/dynlearn/dynlearn/pkg/training"
)

func smallData(t *testing.T, ics int, seed uint64) autoencoder.Data {
	t.Helper()
	c := lorenzdata.Train(ics)
	c.Seed = seed
	d, err := lorenzdata.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return autoencoder.Data{N: d.N, Dim: d.Dim, X: d.X, DX: d.DX, DDX: d.DDX}
}

// smallConfig is a tiny network that trains in a fraction of a second per epoch.
func smallConfig() autoencoder.Config {
	return autoencoder.New(autoencoder.Quick()).Widths(16, 8).BatchSize(250).Epochs(6, 2).Thresholding(3, 0.1).Config()
}

// newModel builds an autoencoder from cfg, stopping the test on an error.
func newModel(t *testing.T, cfg autoencoder.Config) *autoencoder.Model {
	t.Helper()
	m, err := autoencoder.New(cfg).Done()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func coefficients(t *testing.T, m *autoencoder.Model) [][]float64 {
	t.Helper()
	xi, err := m.Coefficients()
	if err != nil {
		t.Fatal(err)
	}
	return xi
}

func TestTrainReproducibleAndResumes(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := smallConfig()
	cfg.EvalFrequency = 1

	// Two uninterrupted runs with the same seed agree exactly.
	var ref [][]float64
	var refState *autoencoder.State
	for range 2 {
		m := newModel(t, cfg)
		st, err := m.Train(train, val, autoencoder.TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		xi := coefficients(t, m)
		if ref == nil {
			ref, refState = xi, st
			continue
		}
		for i := range xi {
			for j := range xi[i] {
				if xi[i][j] != ref[i][j] {
					t.Fatalf("same seed, different Ξ[%d,%d]: %v vs %v", i, j, xi[i][j], ref[i][j])
				}
			}
		}
	}
	// The loss goes down.
	_, vl := refState.History.XY("val loss")
	if len(vl) != 8 || !(vl[len(vl)-1] < 0.7*vl[0]) {
		t.Errorf("validation loss did not decrease by 30%% in 8 epochs: %v", vl)
	}
	for i := 1; i < len(vl); i++ {
		if vl[i] >= vl[i-1] {
			t.Errorf("validation loss went up at epoch %d: %v", i, vl)
		}
	}
	if len(refState.Thresholds) != 1 || !refState.Done || refState.RefineStart != 6 {
		t.Errorf("state: thresholds %v, done %v, refinement from %d", refState.Thresholds, refState.Done, refState.RefineStart)
	}

	// Interrupted after 3 and after 6 epochs (inside and after the main phase), resumed by fresh
	// models from the checkpoint: the same result.
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	for _, stop := range []int{3, 4} {
		m := newModel(t, cfg)
		if _, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt, StopAfter: stop}); !errors.Is(err, autoencoder.ErrStopped) {
			t.Fatalf("StopAfter: err = %v", err)
		}
	}
	m := newModel(t, cfg)
	st, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	xi := coefficients(t, m)
	for i := range xi {
		for j := range xi[i] {
			if xi[i][j] != ref[i][j] {
				t.Fatalf("resumed run differs at Ξ[%d,%d]: %v vs %v", i, j, xi[i][j], ref[i][j])
			}
		}
	}
	if st.Epoch != 8 || len(st.History.Steps) != 8 {
		t.Errorf("resumed state: epoch %d, %d history entries", st.Epoch, len(st.History.Steps))
	}

	// Save / Load round trip; SaveWeights: the same model without the optimizer state, in less than
	// half the bytes (this run has both Adam states: main phase and refinement).
	dir := t.TempDir()
	path, wpath := filepath.Join(dir, "model.ckpt"), filepath.Join(dir, "weights.ckpt")
	checkRoundTrip(t, m, st, val, path, m.Save)
	m3 := checkRoundTrip(t, m, st, val, wpath, m.SaveWeights)
	for v := range m3.Store().IterVariables() {
		if strings.Contains(v.Path(), "adam") || strings.Contains(v.Path(), "step") {
			t.Errorf("SaveWeights kept optimizer variable %s", v.Path())
		}
	}
	full, _ := os.Stat(path)
	small, _ := os.Stat(wpath)
	if 2*small.Size() >= full.Size() {
		t.Errorf("SaveWeights wrote %d bytes, Save %d: want less than half", small.Size(), full.Size())
	}

	// A different configuration refuses the checkpoint.
	other := cfg
	other.Widths = []int{8, 8}
	mo := newModel(t, other)
	if _, err := mo.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt}); err == nil {
		t.Error("checkpoint of another configuration accepted")
	}
}

func TestThresholdingAndSparsity(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	m, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	if m.ActiveTerms() != 60 {
		t.Fatalf("initial active terms %d, want 60", m.ActiveTerms())
	}
	// Ξ starts at 1 everywhere: a threshold of 0.5 keeps everything, 1 removes everything.
	if n, err := m.Threshold(0.5); err != nil || n != 60 {
		t.Errorf("Threshold(0.5) = %d, %v", n, err)
	}
	if n, err := m.Threshold(1); err != nil || n != 0 {
		t.Errorf("Threshold(1) = %d, %v", n, err)
	}
	xi := coefficients(t, m)
	for i := range xi {
		for j := range xi[i] {
			if xi[i][j] != 0 {
				t.Fatalf("masked coefficient Ξ[%d,%d] = %g", i, j, xi[i][j])
			}
		}
	}
}

func TestDivergenceIsReported(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := smallConfig()
	cfg.LearningRate = 1e30
	m := newModel(t, cfg)
	_, err := m.Train(train, val, autoencoder.TrainOptions{})
	if !errors.Is(err, training.ErrDiverged) {
		t.Fatalf("err = %v, want ErrDiverged", err)
	}
}

func TestBadInputs(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	if _, err := autoencoder.New(autoencoder.Quick()).Activation("tanhh").Done(); err == nil {
		t.Error("unknown activation accepted")
	}
	if _, err := autoencoder.New(autoencoder.Quick()).Latent(0).Done(); err == nil {
		t.Error("latent 0 accepted")
	}
	m, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	good := smallData(t, 2, 3)
	bad := good
	bad.Dim = 64
	if _, err := m.Train(bad, good, autoencoder.TrainOptions{}); err == nil {
		t.Error("wrong dimension accepted")
	}
	nan := good
	nan.X = append([]float32(nil), good.X...)
	nan.X[5] = float32(math.NaN())
	if _, err := m.Evaluate(nan); err == nil {
		t.Error("NaN data accepted")
	}
}

func TestSecondOrderTrains(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 2, 5), smallData(t, 1, 6)
	cfg := autoencoder.New(smallConfig()).SecondOrder().Latent(1).Epochs(2, 1).Config()
	m := newModel(t, cfg)
	if m.Library().Size() != 10 || m.Library().Names()[2] != "z1'" {
		t.Errorf("order-2 library: %v", m.Library().Names())
	}
	if _, err := m.Train(train, val, autoencoder.TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	mt, err := m.Evaluate(val)
	if err != nil || math.IsNaN(mt.Loss) {
		t.Fatalf("evaluate: %+v, %v", mt, err)
	}

	// The classical model of an order-2 latent model is the first-order system of y = [z, ż]:
	// its first equation is ż = ż, its second the discovered z̈ = Θ(y)Ξ.
	sm, err := m.SINDy()
	if err != nil {
		t.Fatalf("SINDy() of an order-2 model: %v", err)
	}
	xi, err := m.Coefficients()
	if err != nil {
		t.Fatal(err)
	}
	y := []float64{0.3, -0.7}
	pred, err := sm.Predict([][]float64{y})
	if err != nil {
		t.Fatal(err)
	}
	theta := make([]float64, m.Library().Size())
	m.Library().EvalTo(y, theta)
	zdd := 0.0
	for i, v := range theta {
		zdd += v * xi[i][0]
	}
	if math.Abs(pred[0][0]-y[1]) > 1e-12 || math.Abs(pred[0][1]-zdd) > 1e-9 {
		t.Errorf("SINDy().Predict([z, ż] = %v) = %v, want [%v %v]", y, pred[0], y[1], zdd)
	}

	// Encode returns ż = ∇φ(x)ẋ for an order-2 model too: compare with the central difference
	// (φ(x + hẋ) - φ(x - hẋ)) / 2h.
	z, dz, err := m.Encode(val)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-2
	shifted := func(sign float32) autoencoder.Data {
		d := val
		d.X = make([]float32, len(val.X))
		for i := range d.X {
			d.X[i] = val.X[i] + sign*h*val.DX[i]
		}
		return d
	}
	zp, _, err := m.Encode(shifted(1))
	if err != nil {
		t.Fatal(err)
	}
	zm, _, _ := m.Encode(shifted(-1))
	worst, scale := 0.0, 0.0
	for i := range z {
		fd := (zp[i][0] - zm[i][0]) / (2 * h)
		worst = math.Max(worst, math.Abs(fd-dz[i][0]))
		scale = math.Max(scale, math.Abs(dz[i][0]))
	}
	if !(scale > 0) || worst > 2e-2*scale {
		t.Errorf("order-2 Encode ż: max |FD - ż| = %.3g (max |ż| %.3g)", worst, scale)
	}
}

func TestSelect(t *testing.T) {
	c := []autoencoder.Candidate{
		{Active: 30, Val: autoencoder.Metrics{Loss: 1e-6}},
		{Active: 8, Val: autoencoder.Metrics{Loss: 1e-4}},
		{Active: 7, Val: autoencoder.Metrics{Loss: 1e-5}},
		{Active: 7, Val: autoencoder.Metrics{Loss: math.NaN()}},
	}
	if got := autoencoder.Select(c, 10); got != 2 {
		t.Errorf("Select = %d, want 2 (sparse, lowest validation loss)", got)
	}
	if got := autoencoder.Select(c[:1], 10); got != 0 {
		t.Errorf("Select with no sparse model = %d, want 0", got)
	}
}

func TestEveryActivationTrains(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	for _, act := range []autoencoder.Activation{autoencoder.Sigmoid, autoencoder.ELU, autoencoder.ReLU, autoencoder.Linear} {
		cfg := autoencoder.New(smallConfig()).Activation(act).Epochs(4, 0).Thresholding(0, 0.1).Config()
		cfg.EvalFrequency = 1
		m := newModel(t, cfg)
		st, err := m.Train(train, val, autoencoder.TrainOptions{})
		if err != nil {
			t.Fatalf("%s: %v", act, err)
		}
		_, vl := st.History.XY("val loss")
		if !(vl[len(vl)-1] < vl[0]) {
			t.Errorf("%s: validation loss did not decrease: %v", act, vl)
		}
	}
}

func TestInterruptSavesAndResumes(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := smallConfig()
	cfg.EvalFrequency = 1
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	m := newModel(t, cfg)
	defer training.ResetInterrupt()
	_, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt, OnEval: func(p autoencoder.Progress) {
		if p.Epoch == 2 {
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT) // what Ctrl-C / "interrupt kernel" sends
		}
	}})
	if !errors.Is(err, training.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	training.ResetInterrupt()
	m2 := newModel(t, cfg)
	st, err := m2.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Done || st.Epoch != 8 || st.History.Steps[0] != 0 {
		t.Errorf("resumed state: done %v, epoch %d, history %v", st.Done, st.Epoch, st.History.Steps)
	}
}

// adamSteps returns the step counter of the Adam optimizer whose state lives under scope.
func adamSteps(t *testing.T, m *autoencoder.Model, scope string) float64 {
	t.Helper()
	v := m.Store().GetVariable("/" + scope + "/step")
	if v == nil {
		t.Fatalf("no step counter under /%s", scope)
	}
	val, err := v.Value()
	if err != nil {
		t.Fatal(err)
	}
	return reflect.ValueOf(val.Value()).Convert(reflect.TypeFor[float64]()).Float()
}

func TestTrainReopensMainPhase(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := smallConfig() // 6 main + 2 refinement epochs, thresholding every 3, 4 steps per epoch
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	m, st, err := trainFrom(cfg, train, val, ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 8 || st.RefineStart != 6 || len(st.Reopened) != 0 {
		t.Fatalf("first run: epoch %d, refinement from %d, reopened %v", st.Epoch, st.RefineStart, st.Reopened)
	}
	if got := adamSteps(t, m, "adam_refinement"); got != 8 {
		t.Errorf("refinement Adam after the first run: %g steps, want 8", got)
	}

	// Resumed with a main phase of 12 epochs: epochs 8..11 are main-phase epochs again (thresholding
	// after epoch 9), then a refinement of 2 epochs with a fresh Adam.
	long := cfg
	long.Epochs = 12
	m2, st2, err := trainFrom(long, train, val, ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Epoch != 14 || st2.RefineStart != 12 || len(st2.Reopened) != 1 || st2.Reopened[0] != 8 || !st2.Done {
		t.Errorf("reopened run: epoch %d, refinement from %d, reopened %v, done %v", st2.Epoch, st2.RefineStart, st2.Reopened, st2.Done)
	}
	if len(st2.Thresholds) != 2 || st2.Thresholds[1] > st2.Thresholds[0] {
		t.Errorf("thresholdings %v, want two, not increasing", st2.Thresholds)
	}
	if got := adamSteps(t, m2, "adam"); got != 40 {
		t.Errorf("main Adam: %g steps, want 40 (6 + 4 epochs of 4 steps)", got)
	}
	if got := adamSteps(t, m2, "adam_refinement"); got != 8 {
		t.Errorf("refinement Adam after the reopened run: %g steps, want 8 (a fresh Adam)", got)
	}
	if xi := coefficients(t, m2); xi == nil {
		t.Fatal("no coefficients")
	}
	// Resuming the finished run with the same schedule trains nothing more.
	_, st3, err := trainFrom(long, train, val, ckpt)
	if err != nil || st3.Epoch != 14 || len(st3.Reopened) != 1 {
		t.Errorf("finished run resumed: epoch %d, reopened %v, err %v", st3.Epoch, st3.Reopened, err)
	}
}

// trainFrom builds a model of cfg and trains it with the checkpoint ckpt.
func trainFrom(cfg autoencoder.Config, train, val autoencoder.Data, ckpt string) (*autoencoder.Model, *autoencoder.State, error) {
	m, err := autoencoder.New(cfg).Done()
	if err != nil {
		return nil, nil, err
	}
	st, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt})
	return m, st, err
}

// TestThresholdingLogsEquations: the log shows the equations that survive each thresholding.
func TestThresholdingLogsEquations(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	m, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if _, err := m.Train(train, val, autoencoder.TrainOptions{Log: &log}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(log.String(), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "epoch 3: thresholding at 0.1:") {
			continue
		}
		if i+3 >= len(lines) {
			t.Fatalf("log ends after the thresholding line:\n%s", log.String())
		}
		for j, want := range []string{"  z1' =", "  z2' =", "  z3' ="} {
			if !strings.HasPrefix(lines[i+1+j], want) {
				t.Errorf("line %d after the thresholding: %q, want an equation %q...", j+1, lines[i+1+j], want)
			}
		}
		return
	}
	t.Fatalf("no thresholding at epoch 3 in the log:\n%s", log.String())
}

// TestOnThresholdStops: an error from OnThreshold stops training right after that thresholding with
// the checkpoint saved; training resumes from it.
func TestOnThresholdStops(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	ckpt := filepath.Join(t.TempDir(), "train.ckpt")
	m, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	lost := errors.New("lost a term")
	var seen []int
	st, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt, OnThreshold: func(epoch int, mm *autoencoder.Model) error {
		seen = append(seen, epoch)
		if mm != m {
			t.Error("OnThreshold got another model")
		}
		return lost
	}})
	if !errors.Is(err, lost) || !strings.Contains(err.Error(), "epoch 3") {
		t.Fatalf("err = %v, want the callback's error naming epoch 3", err)
	}
	if len(seen) != 1 || seen[0] != 3 || st.Epoch != 4 || len(st.Thresholds) != 1 {
		t.Errorf("stopped with callbacks at %v, state epoch %d, thresholds %v; want one call at 3, epoch 4", seen, st.Epoch, st.Thresholds)
	}
	_, saved, err := autoencoder.Load(ckpt)
	if err != nil || saved.Epoch != 4 || len(saved.Thresholds) != 1 {
		t.Fatalf("checkpoint after the stop: %+v, %v", saved, err)
	}
	m2, err := autoencoder.New(smallConfig()).Done()
	if err != nil {
		t.Fatal(err)
	}
	st2, err := m2.Train(train, val, autoencoder.TrainOptions{Checkpoint: ckpt})
	if err != nil || st2.Epoch != 8 || !st2.Done {
		t.Errorf("resumed: epoch %d, done %v, err %v; want 8 epochs done", st2.Epoch, st2.Done, err)
	}
}

// checkRoundTrip writes m with save to path, loads it back and checks that the loaded model evaluates
// exactly like m on val and carries st's epoch and m's mask; it returns the loaded model.
func checkRoundTrip(t *testing.T, m *autoencoder.Model, st *autoencoder.State, val autoencoder.Data, path string,
	save func(string, *autoencoder.State) error) *autoencoder.Model {
	t.Helper()
	if err := save(path, st); err != nil {
		t.Fatal(err)
	}
	m2, st2, err := autoencoder.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Evaluate(val)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m2.Evaluate(val)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || st2.Epoch != st.Epoch || m2.ActiveTerms() != m.ActiveTerms() {
		t.Errorf("model loaded from %s differs: %+v vs %+v (epoch %d vs %d)", filepath.Base(path), a, b, st2.Epoch, st.Epoch)
	}
	return m2
}

// TestLinearEncoder checks Config.EncoderActivation: with Linear the encoder is an affine map of x
// (z of the midpoint of two samples is the midpoint of their z; ż = Jẋ with the same J everywhere)
// while the sigmoid decoder stays nonlinear; the paper's sigmoid encoder fails the same check.
func TestLinearEncoder(t *testing.T) {
	d := smallData(t, 1, 3)
	const n = 3 // samples a, b and their midpoint
	mid := autoencoder.Data{N: n, Dim: d.Dim, X: make([]float32, n*d.Dim), DX: make([]float32, n*d.Dim)}
	a, b := d.X[:d.Dim], d.X[200*d.Dim:201*d.Dim] // two states far apart on the trajectory
	for k := range d.Dim {
		mid.X[k], mid.X[d.Dim+k], mid.X[2*d.Dim+k] = a[k], b[k], (a[k]+b[k])/2
		for i := range n {
			mid.DX[i*d.Dim+k] = d.DX[k] // the same ẋ at all three points
		}
	}
	gap := func(enc autoencoder.Activation) (zGap, dzGap, xGap float64) {
		m := newModel(t, autoencoder.New(smallConfig()).EncoderActivation(enc).Seed(5).Config())
		r, err := m.Run(mid)
		if err != nil {
			t.Fatal(err)
		}
		lat := r.Latent
		for j := range lat {
			zGap = max(zGap, math.Abs(r.Z[2*lat+j]-(r.Z[j]+r.Z[lat+j])/2))
			dzGap = max(dzGap, math.Abs(r.DZ[j]-r.DZ[lat+j]), math.Abs(r.DZ[j]-r.DZ[2*lat+j]))
		}
		for k := range d.Dim {
			xGap = max(xGap, math.Abs(r.XHat[2*d.Dim+k]-(r.XHat[k]+r.XHat[d.Dim+k])/2))
		}
		return zGap, dzGap, xGap
	}
	zl, dzl, xl := gap(autoencoder.Linear)
	if zl > 1e-5 || dzl > 1e-5 {
		t.Errorf("linear encoder: z(midpoint) off the midpoint of z by %g, ż differs between points by %g; want affine (<= 1e-5)", zl, dzl)
	}
	if xl < 1e-4 {
		t.Errorf("linear encoder: the decoder is affine too (midpoint gap %g); want the sigmoid decoder", xl)
	}
	zs, dzs, _ := gap("")
	if zs < 1e-4 || dzs < 1e-4 {
		t.Errorf("sigmoid encoder: midpoint gap %g, ż differs by %g: the check cannot tell a nonlinear encoder", zs, dzs)
	}
}
