package autoencoder_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// identityModel is a linear autoencoder 2 -> 2 whose encoder is the identity, so that its latents
// are the data: z = x, ż = ẋ.
func identityModel(t *testing.T) *autoencoder.Model {
	t.Helper()
	cfg := autoencoder.New(autoencoder.Quick()).InputDim(2).Widths().Latent(2).PolyOrder(3).Activation(autoencoder.Linear).Config()
	m := newModel(t, cfg)
	w := m.Store().GetVariable("/encoder/layer0/weights")
	if w == nil {
		t.Fatal("no encoder weights")
	}
	if err := w.SetValue(tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 1}, 2, 2)); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFitSTLSQRecoversSparseXi: on latents of a known sparse system (a Duffing-like oscillator
// ż1 = 2 z2, ż2 = -z1 - 0.5 z1^3 - 0.3 z2, sampled on a grid of states), FitSTLSQ finds exactly its
// four terms and their coefficients, sets Ξ and the mask, and a second fit within that mask keeps them.
func TestFitSTLSQRecoversSparseXi(t *testing.T) {
	m := identityModel(t)
	var x, dx []float32
	for i := range 40 {
		for j := range 40 {
			z1, z2 := -1.5+3*float64(i)/39, -1.2+2.4*float64(j)/39
			x = append(x, float32(z1), float32(z2))
			dx = append(dx, float32(2*z2), float32(-z1-0.5*z1*z1*z1-0.3*z2))
		}
	}
	d := autoencoder.Data{N: len(x) / 2, Dim: 2, X: x, DX: dx}
	for round := range 2 {
		n, err := m.FitSTLSQ(d, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Fatalf("round %d: %d active terms, want 4", round, n)
		}
		xi := coefficients(t, m)
		names := m.Library().Names()
		want := map[[2]int]float64{}
		idx := func(name string) int {
			for k, nm := range names {
				if nm == name {
					return k
				}
			}
			t.Fatalf("no term %s in %v", name, names)
			return -1
		}
		want[[2]int{idx("z2"), 0}] = 2
		want[[2]int{idx("z1"), 1}] = -1
		want[[2]int{idx("z1^3"), 1}] = -0.5
		want[[2]int{idx("z2"), 1}] = -0.3
		for k := range xi {
			for j := range 2 {
				if got, w := xi[k][j], want[[2]int{k, j}]; math.Abs(got-w) > 1e-4 {
					t.Errorf("round %d: Ξ[%s][%d] = %g, want %g", round, names[k], j, got, w)
				}
				if m.Mask()[k][j] != (want[[2]int{k, j}] != 0) {
					t.Errorf("round %d: mask[%s][%d] = %v", round, names[k], j, m.Mask()[k][j])
				}
			}
		}
	}
	if _, err := m.FitSTLSQ(d, math.NaN()); err == nil {
		t.Error("FitSTLSQ(NaN): no error")
	}
}

// TestTrainRecipe runs the least-squares recipe end to end at a toy size: pre-training, the STLSQ
// initialisation at the start of the main phase and STLSQ refits at the thresholdings (at the
// ThresholdSchedule's threshold); the log
// names each step, the phases are in order and the mask only shrinks.
func TestTrainRecipe(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := autoencoder.New(smallConfig()).Pretrain(3).InitSTLSQ(0.05).RefitSTLSQ(true).EvalFrequency(1).Config()
	cfg.ThresholdSchedule = []float64{0.07}
	m := newModel(t, cfg)
	var log strings.Builder
	st, err := m.Train(train, val, autoencoder.TrainOptions{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	out := log.String()
	logInOrder(t, out, "(pretrain)", "epoch 3: Ξ initialised by STLSQ at 0.05", "(main)", "epoch 6: STLSQ refit at 0.07", "(refine)")
	if st.Epoch != 3+6+2 || !st.Done {
		t.Errorf("state: epoch %d, done %v; want 11, true", st.Epoch, st.Done)
	}
	if len(st.Thresholds) != 1 || st.Thresholds[0] != m.ActiveTerms() {
		t.Errorf("thresholds %v, active %d", st.Thresholds, m.ActiveTerms())
	}
}

// TestMaxTermsCapsFit: on the latents of the Duffing-like system of TestFitSTLSQRecoversSparseXi
// (terms: ż1 ∋ z2; ż2 ∋ z1, z1^3, z2), a cap of 3 terms per equation leaves the exact model, and a
// cap of 2 keeps ż1 = 2 z2 and the best two terms of ż2 (its two largest: z1 and z1^3).
func TestMaxTermsCapsFit(t *testing.T) {
	var x, dx []float32
	for i := range 40 {
		for j := range 40 {
			z1, z2 := -1.5+3*float64(i)/39, -1.2+2.4*float64(j)/39
			x = append(x, float32(z1), float32(z2))
			dx = append(dx, float32(2*z2), float32(-z1-0.5*z1*z1*z1-0.3*z2))
		}
	}
	d := autoencoder.Data{N: len(x) / 2, Dim: 2, X: x, DX: dx}
	for _, tc := range []struct {
		cap  int
		want []string // active terms: "term/equation"
	}{{3, []string{"z2/0", "z1/1", "z1^3/1", "z2/1"}}, {2, []string{"z2/0", "z1/1", "z1^3/1"}}} {
		m := identityModel(t)
		cfg := m.Config()
		cfg.MaxTerms = tc.cap
		m = newModel(t, cfg)
		w := m.Store().GetVariable("/encoder/layer0/weights")
		if err := w.SetValue(tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 1}, 2, 2)); err != nil {
			t.Fatal(err)
		}
		// Threshold 0: only the cap removes terms.
		n, err := m.FitSTLSQ(d, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		names := m.Library().Names()
		for k, row := range m.Mask() {
			for j, on := range row {
				if on {
					got = append(got, names[k]+"/"+string(rune('0'+j)))
				}
			}
		}
		// ż1 has one true term: the cap keeps it and up to cap-1 terms of (near) zero weight.
		xi := coefficients(t, m)
		for k, row := range xi {
			for j, v := range row {
				want := map[string]float64{"z2/0": 2, "z1/1": -1, "z1^3/1": -0.5, "z2/1": -0.3}[names[k]+"/"+string(rune('0'+j))]
				if tc.cap == 3 && math.Abs(v-want) > 1e-3 {
					t.Errorf("cap %d: Ξ[%s][%d] = %g, want %g", tc.cap, names[k], j, v, want)
				}
			}
		}
		for j := range 2 {
			c := 0
			for _, row := range m.Mask() {
				if row[j] {
					c++
				}
			}
			if c > tc.cap {
				t.Errorf("cap %d: equation %d keeps %d terms", tc.cap, j, c)
			}
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.Join(got, " ")+" ", w+" ") {
				t.Errorf("cap %d: active %v (%d) lacks %s", tc.cap, got, n, w)
			}
		}
	}
	if err := autoencoder.New(autoencoder.Quick()).MaxTerms(-1).Config().Validate(); err == nil {
		t.Error("MaxTerms = -1: no validation error")
	}
	for _, k := range []int{-1, 2} { // Quick's latent has 3 dimensions: a budget of 2 cannot cover them
		if err := autoencoder.New(autoencoder.Quick()).SparseLatents(k).Config().Validate(); err == nil || !strings.Contains(err.Error(), "SparseLatents") {
			t.Errorf("SparseLatents = %d: validation error %v, want one naming SparseLatents", k, err)
		}
	}
}

// TestPrincipalLatents: the reparametrisation leaves the autoencoder's reconstruction unchanged and
// makes the latents of the data centred, uncorrelated and of unit variance; so does SparseLatents
// (but for the correlations) after it.
func TestPrincipalLatents(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	d := smallData(t, 2, 11)
	m := newModel(t, smallConfig())
	before, err := m.Run(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.PrincipalLatents(d); err != nil {
		t.Fatal(err)
	}
	after, err := m.Run(d)
	if err != nil {
		t.Fatal(err)
	}
	var diff, norm float64
	for i := range before.XHat {
		diff += (before.XHat[i] - after.XHat[i]) * (before.XHat[i] - after.XHat[i])
		norm += before.XHat[i] * before.XHat[i]
	}
	if math.Sqrt(diff/norm) > 1e-4 {
		t.Errorf("reconstruction changed by %.2e (relative)", math.Sqrt(diff/norm))
	}
	lat := after.Latent
	for a := range lat {
		var mean float64
		for i := range after.N {
			mean += after.Z[i*lat+a] / float64(after.N)
		}
		if math.Abs(mean) > 1e-3 {
			t.Errorf("latent %d: mean %g", a, mean)
		}
		for b := range lat {
			var c float64
			for i := range after.N {
				c += after.Z[i*lat+a] * after.Z[i*lat+b] / float64(after.N)
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(c-want) > 1e-2 {
				t.Errorf("cov[%d][%d] = %g, want %g", a, b, c, want)
			}
		}
	}
	// SparseLatents moves the latents again, with the same reconstruction and unit variances.
	res, err := m.SparseLatents(d, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.After <= res.Before) {
		t.Errorf("SparseLatents: residual %g after, %g before", res.After, res.Before)
	}
	moved, err := m.Run(d)
	if err != nil {
		t.Fatal(err)
	}
	diff = 0
	for i := range before.XHat {
		diff += (before.XHat[i] - moved.XHat[i]) * (before.XHat[i] - moved.XHat[i])
	}
	if math.Sqrt(diff/norm) > 1e-4 {
		t.Errorf("SparseLatents: reconstruction changed by %.2e (relative)", math.Sqrt(diff/norm))
	}
	for a := range lat {
		var v float64
		for i := range moved.N {
			v += moved.Z[i*lat+a] * moved.Z[i*lat+a] / float64(moved.N)
		}
		if math.Abs(v-1) > 0.05 { // unit variance on the search's subsample, centred
			t.Errorf("SparseLatents: latent %d has mean square %g, want about 1", a, v)
		}
	}
}

// TestTrainPrincipalCapped runs the quick Lorenz recipe's options at a toy size: the latents are
// reparametrised and Ξ initialised with at most 2 terms per equation when the main phase starts.
func TestTrainPrincipalCapped(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := autoencoder.New(smallConfig()).Pretrain(2).PrincipalLatents(true).InitSTLSQ(0.05).MaxTerms(2).ThresholdSchedule(0.2).EvalFrequency(1).Config()
	m := newModel(t, cfg)
	var log strings.Builder
	if _, err := m.Train(train, val, autoencoder.TrainOptions{Log: &log}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	logInOrder(t, out, "(pretrain)", "epoch 2: latents centred", "epoch 2: Ξ initialised by STLSQ", "epoch 5: thresholding at 0.2", "(refine)")
	if n := m.ActiveTerms(); n > 2*cfg.LatentDim {
		t.Errorf("%d active terms, the cap allows %d", n, 2*cfg.LatentDim)
	}
	// With SparseLatents the latents move once more after the principal axes, before the fit.
	cfg2 := autoencoder.New(smallConfig()).Pretrain(2).PrincipalLatents(true).SparseLatents(4).InitSTLSQ(0.05).MaxTerms(2).EvalFrequency(1).Config()
	m2 := newModel(t, cfg2)
	log.Reset()
	if _, err := m2.Train(train, val, autoencoder.TrainOptions{Log: &log}); err != nil {
		t.Fatal(err)
	}
	logInOrder(t, log.String(), "(pretrain)", "epoch 2: latents centred", "epoch 2: latents moved to the coordinates where 4 terms fit best", "epoch 2: Ξ initialised by STLSQ", "(refine)")
}

// logInOrder checks that the training log out holds each of wants, in that order.
func logInOrder(t *testing.T, out string, wants ...string) {
	t.Helper()
	last := -1
	for _, want := range wants {
		i := strings.Index(out, want)
		if i < 0 || i < last {
			t.Errorf("log lacks %q after the previous step:\n%s", want, out)
		}
		last = i
	}
}

// TestLRDecay: with LRDecay "cosine" the learning rate Adam reads follows half a cosine over the
// main phase and again over the refinement, ending at FinalLR; the loss still falls; a bad
// schedule or final rate is a validation error naming the field.
func TestLRDecay(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	cfg := autoencoder.New(smallConfig()).LRDecay("cosine", 1e-5).EvalFrequency(1).Config()
	m := newModel(t, cfg)
	var seen []float64 // the rate after each epoch
	st, err := m.Train(train, val, autoencoder.TrainOptions{OnEval: func(autoencoder.Progress) {
		v := m.Store().GetVariable("/optimizers/learning_rate")
		if v == nil {
			t.Fatal("no learning-rate variable")
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, float64(tensors.ToScalar[float32](val)))
	}})
	if err != nil {
		t.Fatal(err)
	}
	// smallConfig: 6 main epochs, then 2 of refinement; the rate is the one of each phase's last step.
	t.Logf("learning rate after each epoch: %.3g", seen)
	if len(seen) != 8 {
		t.Fatalf("%d evaluations, want 8", len(seen))
	}
	if math.Abs(seen[5]-1e-5) > 1e-9 || math.Abs(seen[7]-1e-5) > 1e-9 {
		t.Errorf("rate at the end of the main phase %g and of the refinement %g, want FinalLR 1e-5", seen[5], seen[7])
	}
	for e := 1; e < 6; e++ {
		if !(seen[e] < seen[e-1]) {
			t.Errorf("rate rises in the main phase: %v", seen)
		}
	}
	if !(seen[6] > seen[5]) {
		t.Errorf("the refinement does not start again from a higher rate: %v", seen)
	}
	if h := st.History.Series["train loss"]; len(h) < 2 || !(h[len(h)-1] < h[0]) {
		t.Errorf("loss did not fall: %v", h)
	}
	for _, c := range []autoencoder.Config{
		autoencoder.New(autoencoder.Quick()).LRDecay("linear", 0).Config(),
		autoencoder.New(autoencoder.Quick()).LRDecay("cosine", 1).Config(),
	} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "LRDecay") && !strings.Contains(err.Error(), "FinalLR") {
			t.Errorf("LRDecay %q, FinalLR %g: validation error %v", c.LRDecay, c.FinalLR, err)
		}
	}
}

// TestPretrainIsDecoderLossAlone: pre-training runs a graph without the derivative paths; its
// steps must be those of the full graph with the SINDy and L1 weights at 0 (what pre-training was
// defined as), for a first- and a second-order model: after two epochs from the same seed, both
// give the same weights, and the logged pre-training loss is the decoder's.
func TestPretrainIsDecoderLossAlone(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	train, val := smallData(t, 4, 11), smallData(t, 2, 12)
	for _, order := range []int{1, 2} {
		base := autoencoder.New(smallConfig()).EvalFrequency(1)
		if order == 2 {
			base = base.SecondOrder()
		}
		pre := base.Pretrain(2).Config()
		full := autoencoder.New(base.Config()).Pretrain(0).LossWeights(1, 0, 0, 0).Thresholding(0, 0.1).Config()
		var weights [2][]float32
		for k, cfg := range []autoencoder.Config{pre, full} {
			m := newModel(t, cfg)
			var log strings.Builder
			var first autoencoder.Progress
			_, err := m.Train(train, val, autoencoder.TrainOptions{StopAfter: 2, Log: &log, OnEval: func(p autoencoder.Progress) {
				if p.Epoch == 0 {
					first = p
				}
			}})
			if !errors.Is(err, autoencoder.ErrStopped) {
				t.Fatalf("order %d, config %d: Train: %v, want ErrStopped after 2 epochs", order, k, err)
			}
			if k == 0 && (!strings.Contains(log.String(), "(pretrain)") || math.Abs(first.Train.Loss-first.Train.Decoder) > 1e-12*first.Train.Decoder) {
				t.Errorf("order %d: pre-training loss %g, decoder loss %g (log %q): want equal", order, first.Train.Loss, first.Train.Decoder, log.String())
			}
			for _, path := range []string{"/encoder/layer0/weights", "/encoder/layer2/weights", "/decoder/layer0/weights", "/decoder/layer2/biases"} {
				v := m.Store().GetVariable(path)
				if v == nil {
					t.Fatalf("no variable %s", path)
				}
				w, err := tensors.CopyFlatData[float32](v.MustValue())
				if err != nil {
					t.Fatal(err)
				}
				weights[k] = append(weights[k], w...)
			}
		}
		var diff, norm float64
		for i := range weights[0] {
			d := float64(weights[0][i] - weights[1][i])
			diff, norm = diff+d*d, norm+float64(weights[1][i])*float64(weights[1][i])
		}
		if rel := math.Sqrt(diff / norm); !(rel < 1e-5) {
			t.Errorf("order %d: weights after 2 pre-training epochs differ from the full graph's with zero SINDy weights by %.2e (relative)", order, rel)
		}
	}
}
