package experiments

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// toyRun returns a quick run of experiment name writing to out, with the settings key=value changed.
func toyRun(t *testing.T, name, out string, seed uint64, settings ...string) (*Experiment, *Run) {
	t.Helper()
	e, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Quick: true, Config: e.Config(true), Seed: seed, Out: out, Log: io.Discard}
	for _, kv := range settings {
		k, v, _ := strings.Cut(kv, "=")
		if err := Set(r.Config, k, v); err != nil {
			t.Fatal(err)
		}
	}
	return e, r
}

// trainToy runs Train, checks that it wrote model.ckpt, summary.json, equations.txt and train.ckpt
// to r.Out, and returns the written model, its state and summary.json.
func trainToy(t *testing.T, e *Experiment, r *Run) (*autoencoder.Model, *autoencoder.State, map[string]any) {
	t.Helper()
	s, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", e.Name, strings.Join(s.Lines, "\n"))
	for _, f := range []string{"model.ckpt", "summary.json", "equations.txt", "train.ckpt"} {
		if _, err := os.Stat(filepath.Join(r.Out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	m, st, err := autoencoder.Load(filepath.Join(r.Out, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	return m, st, readSummary(t, r.Out)
}

// sindy-pendulum end to end at a toy size: it trains, writes model.ckpt, summary.json and
// equations.txt, and the written model loads with the trained configuration and --seed's seed.
func TestSindyPendulumTrainWritesTheModel(t *testing.T) {
	e, r := toyRun(t, "sindy-pendulum", t.TempDir(), 7, "train_ics=2", "val_ics=1", "test_ics=1", "steps=500", "dt=0.02",
		"widths=8", "pretrain=0", "isomap_latents=0", "batch=200", "lr=1e-3", "epochs=3", "refine=1", "threshold_every=2", "eval_every=1")
	m, st, sum := trainToy(t, e, r)
	if c := m.Config(); c.ModelOrder != 2 || c.LatentDim != 1 || !c.IncludeSine || c.Seed != 7 || st.Epoch != 4 {
		t.Errorf("written model: order %d, latent %d, sine %v, seed %d, %d epochs; want 2, 1, true, 7, 4",
			c.ModelOrder, c.LatentDim, c.IncludeSine, c.Seed, st.Epoch)
	}
	if v, ok := sum["test_rel_ddz"].(float64); !ok || !(v >= 0) {
		t.Errorf("summary.json test_rel_ddz = %v, want a non-negative number", sum["test_rel_ddz"])
	}
	if c, _ := sum["command"].(string); !strings.Contains(c, "train sindy-pendulum --quick --seed 7 --set train_ics=2") {
		t.Errorf("summary.json command %q", c)
	}
}

func TestSindyPendulumRequireTerm(t *testing.T) {
	c := SINDyPendulumConfig(false)
	c.Widths = "8"
	cfg, err := c.Model()
	if err != nil {
		t.Fatal(err)
	}
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "train.ckpt")
	if _, err := requireTerm(m, "cos(z1)", ckpt); err == nil || !strings.Contains(err.Error(), "sin(z1)") {
		t.Errorf("unknown term: err = %v, want an error listing the library terms", err)
	}
	if f, err := requireTerm(m, "", ckpt); f != nil || err != nil {
		t.Errorf("no term required: callback %v, err %v; want nil, nil", f != nil, err)
	}
	check, err := requireTerm(m, "sin(z1)", ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(500, m); err != nil {
		t.Errorf("all terms active (coefficients 1): %v", err)
	}
	if _, err := m.Threshold(2); err != nil { // every coefficient is 1: all terms go
		t.Fatal(err)
	}
	err = check(500, m)
	if err == nil || !strings.Contains(err.Error(), "has lost sin(z1)") {
		t.Fatalf("after sin z was thresholded away: err = %v", err)
	}
	// A checkpoint that has already lost the term is refused at once.
	if err := m.Save(ckpt, &autoencoder.State{Config: m.Config()}); err != nil {
		t.Fatal(err)
	}
	if _, err := requireTerm(m, "sin(z1)", ckpt); err == nil || !strings.Contains(err.Error(), "has lost") {
		t.Errorf("resuming a checkpoint without sin z: err = %v", err)
	}
}

// sindy-reaction-diffusion end to end at a toy size on the quick data: it trains and writes the
// output directory; run again with a longer schedule, it continues from train.ckpt instead of
// starting over. With the quick mode's least-squares recipe (2 pre-training epochs here).
func TestSindyRDTrainWritesAndResumes(t *testing.T) {
	out := t.TempDir()
	toy := []string{"widths=8", "batch=200", "lr=1e-3", "refine=1", "threshold_every=2", "eval_every=1", "pretrain=2"}
	e, r := toyRun(t, "sindy-reaction-diffusion", out, 5, append(toy, "epochs=3")...)
	_, st1, _ := trainToy(t, e, r)
	e, r = toyRun(t, "sindy-reaction-diffusion", out, 5, append(toy, "epochs=5")...)
	m, st2, _ := trainToy(t, e, r)
	if st1.Epoch != 6 || st2.Epoch != 8 || len(st2.Reopened) != 1 || m.Config().LatentDim != 2 {
		t.Errorf("epochs %d then %d (reopened at %v), latent %d; want 6, then 8 reopening the main phase once, latent 2",
			st1.Epoch, st2.Epoch, st2.Reopened, m.Config().LatentDim)
	}
	e, r = toyRun(t, "sindy-reaction-diffusion", t.TempDir(), 5, append(toy, "widths=8,x")...)
	if _, err := e.Train(r); err == nil || !strings.Contains(err.Error(), "widths") {
		t.Errorf("bad widths: err = %v", err)
	}
}

// sindy-lorenz end to end at a toy size: Train writes the selected member of the ensemble, and
// Eval of that output measures it and simulates the demo trajectory.
func TestSindyLorenzTrainAndEval(t *testing.T) {
	e, r := toyRun(t, "sindy-lorenz", t.TempDir(), 0, "train_ics=4", "ensemble=2", "pretrain=1", "epochs=2", "refine=1",
		"threshold_every=1", "eval_every=1", "test_ics=2")
	s, err := e.Train(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(strings.Join(s.Lines, "\n"))
	for _, f := range []string{"model.ckpt", "summary.json", "equations.txt", "seed1.ckpt", "seed2.ckpt"} {
		if _, err := os.Stat(filepath.Join(r.Out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	sum := readSummary(t, r.Out)
	if sel := s.Metrics["selected_seed"]; (sel != 1 && sel != 2) || sum["selected_seed"] != sel || sum["ensemble"] != 2.0 {
		t.Errorf("selected seed %g, summary.json %v of an ensemble of %v", sel, sum["selected_seed"], sum["ensemble"])
	}
	// Issue #21's records: the alignment of the selected model (null at this toy size) and one
	// entry per member of the ensemble, the selected one marked.
	if al, ok := sum["alignment"]; !ok || (al != nil && al.(map[string]any)["sigma"] == nil) {
		t.Errorf("summary.json alignment: %v (present: %v), want null or {sigma, rho, beta, distance}", al, ok)
	}
	seeds, _ := sum["seeds"].([]any)
	selected := 0
	for i, x := range seeds {
		sd := x.(map[string]any)
		if sd["seed"] != float64(i+1) || !(sd["train_seconds"].(float64) > 0) || sd["active_terms"] == nil || !(sd["test_rel_x"].(float64) > 0) {
			t.Errorf("summary.json seeds[%d] = %v", i, sd)
		}
		if sd["selected"] == true {
			selected++
			if sd["seed"] != sum["selected_seed"] {
				t.Errorf("seed %v marked selected, selected_seed %v", sd["seed"], sum["selected_seed"])
			}
		}
	}
	if len(seeds) != 2 || selected != 1 {
		t.Errorf("summary.json seeds: %d entries, %d selected; want 2 and 1", len(seeds), selected)
	}
	ev, err := e.Eval(&Run{Quick: true, Config: r.Config, Model: r.Out, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(strings.Join(ev.Lines, "\n"))
	if _, ok := ev.Metrics["lobe_switches_encoder"]; !ok || ev.Metrics["test_rel_x"] != s.Metrics["test_rel_x"] || ev.Metrics["epochs"] != 4 {
		t.Errorf("Eval of the trained model: %v; Train reported %v", ev.Metrics, s.Metrics)
	}
}

// TestLorenzAlignmentRecords: a model whose Ξ is Champion et al.'s model1 (7 terms, Lorenz after an
// affine change of variables) is aligned with the notes' σ 10.04, ρ 27.75, β 2.68; the metrics a
// sweep judges and summary.json's record say so, and a dense Ξ has no alignment.
func TestLorenzAlignmentRecords(t *testing.T) {
	c := autoencoder.Paper()
	c.Widths = []int{4}
	m, err := autoencoder.NewModel(c)
	if err != nil {
		t.Fatal(err)
	}
	model1 := map[[2]int]float32{{1, 0}: -10.0356, {2, 0}: -10.8999, {2, 1}: -0.9354, {6, 1}: 9.5529, {0, 2}: -7.1331,
		{3, 2}: -2.6766, {5, 2}: -3.1215}
	xi := make([]float32, 20*3)
	for k, v := range model1 {
		xi[k[0]*3+k[1]] = v
	}
	if err := m.SetXi(xi); err != nil {
		t.Fatal(err)
	}
	s := &Summary{}
	if err := lorenzAlignment(m, s); err != nil {
		t.Fatal(err)
	}
	al, err := alignLorenz(m)
	if err != nil || al == nil {
		t.Fatalf("alignLorenz: %v, %v", al, err)
	}
	for _, c := range []struct {
		key       string
		got, want float64
	}{{"sigma", al.Sigma, 10.04}, {"rho", al.Rho, 27.75}, {"beta", al.Beta, 2.677}} {
		if math.Abs(c.got-c.want) > 0.01 || math.Abs(s.Metrics[c.key]-c.got) > 1e-12 {
			t.Errorf("%s: record %.4f, metric %.4f, want %.3f", c.key, c.got, s.Metrics[c.key], c.want)
		}
	}
	if e := s.Metrics["lorenz_param_error"]; !(e < maxLorenzParamError) || al.ParamError != e || !(al.Distance < 0.05) {
		t.Errorf("lorenz_param_error %g (record %g), distance %g", e, al.ParamError, al.Distance)
	}
	for i := range xi {
		xi[i] += 1 + 0.1*float32(i%7)
	}
	if err := m.SetXi(xi); err != nil {
		t.Fatal(err)
	}
	s = &Summary{}
	if err := lorenzAlignment(m, s); err != nil {
		t.Fatal(err)
	}
	if al, err := alignLorenz(m); al != nil || err != nil {
		t.Errorf("dense Ξ aligned: %+v, %v", al, err)
	}
	if _, ok := s.Metrics["lorenz_param_error"]; ok {
		t.Errorf("dense Ξ: metrics %v", s.Metrics)
	}
}

// evalShipped runs Eval of experiment name in full mode on its shipped model and returns the
// metrics; its lines go to the test log.
func evalShipped(t *testing.T, name string) map[string]float64 {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the shipped model and the paper's test data")
	}
	e, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Eval(&Run{Config: e.Config(false), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + strings.Join(s.Lines, "\n"))
	return s.Metrics
}

// atMost checks metric key of m against an upper bound (a missing metric fails).
func atMost(t *testing.T, m map[string]float64, key string, bar float64) {
	t.Helper()
	if v, ok := m[key]; !ok || !(v <= bar) {
		t.Errorf("%s = %.3g (present: %v), bar %g", key, v, ok, bar)
	}
}

// TestSindyShippedLorenz checks the model shipped in notebooks/models/sindy_lorenz on the paper's
// 100 test trajectories against issue #21's bars: decoder and ẋ errors at most 1e-4 and 1e-3 (the
// paper's model: 2.7e-5 and 4.7e-4), at most 8 active terms (the paper's: 7), an alignment to
// Lorenz with sigma, rho and beta each within 10% of 10, 28 and 8/3 (lorenzdata.Align), and a
// simulated attractor with two lobes (the discovered model integrated from the encoded (-8, 7, 27)
// for t in [0, 20] switches lobes at least 5 times; the encoder's view of the true trajectory:
// ~11). Its summary.json records a training from scratch within 3600 s and the sweep it was
// selected from (dynlearn sweep ship): one entry per seed, the successes counted.
func TestSindyShippedLorenz(t *testing.T) {
	m := evalShipped(t, "sindy-lorenz")
	atMost(t, m, "test_rel_x", 1e-4)
	atMost(t, m, "test_rel_dx", 1e-3)
	atMost(t, m, "active_terms", 8)
	for k, want := range map[string]float64{"sigma": 10, "rho": 28, "beta": 8.0 / 3} {
		if v, ok := m[k]; !ok || math.Abs(v-want) > 0.1*want {
			t.Errorf("aligned %s = %.4g (present: %v), want within 10%% of %.4g", k, v, ok, want)
		}
	}
	if got := m["lobe_switches_model"]; got < 5 {
		t.Errorf("the discovered model's attractor switches lobes %g times (encoder: %g): not two-lobed", got, m["lobe_switches_encoder"])
	}
	checkShippedSweep(t, "sindy_lorenz", 3600, 10)
}

// checkShippedSweep checks the summary.json of notebooks/models/<dir>: a training from scratch
// within maxSeconds and the sweep of seeds it was selected from (dynlearn sweep ship): one
// entry per seed, the finished and successful ones counted, the selected seed among the successful.
func checkShippedSweep(t *testing.T, dir string, maxSeconds float64, seeds int) {
	t.Helper()
	path, err := RepoPath("notebooks/models/" + dir + "/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		TrainSeconds float64          `json:"train_seconds"`
		Seeds        []map[string]any `json:"seeds"`
		Sweep        struct {
			Runs, Finished, Successful int
			SelectedSeed               float64 `json:"selected_seed"`
		} `json:"sweep"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if !(sum.TrainSeconds > 0 && sum.TrainSeconds <= maxSeconds) {
		t.Errorf("train_seconds = %g, want a training from scratch within %g s", sum.TrainSeconds, maxSeconds)
	}
	finished, successful, selected := 0, 0, false
	for _, e := range sum.Seeds {
		if e["finished"] == true {
			finished++
		}
		if e["success"] == true {
			successful++
		}
		if e["seed"] == sum.Sweep.SelectedSeed && e["success"] == true {
			selected = true
		}
	}
	if len(sum.Seeds) != seeds || len(sum.Seeds) != sum.Sweep.Runs || finished != sum.Sweep.Finished || successful != sum.Sweep.Successful || !selected {
		t.Errorf("summary's sweep: %d seeds (%d finished, %d successful, the selected one successful: %v), sweep %+v",
			len(sum.Seeds), finished, successful, selected, sum.Sweep)
	}
	t.Logf("sweep: %d of %d finished runs successful (%d runs), selected seed %g, trained in %.0f s",
		sum.Sweep.Successful, sum.Sweep.Finished, sum.Sweep.Runs, sum.Sweep.SelectedSeed, sum.TrainSeconds)
}

// TestSindyShippedPendulum checks the shipped pendulum model on the paper's 10 test movies:
//   - it keeps sin z among at most 2 active terms, and its SINDy error in z (z̈) is at most 2e-2
//     (issue #21's bar; the paper's model: 2.11e-2 with sin z alone);
//   - the encoder has found the angle: z is a linear function of the true θ with correlation ≥ 0.99;
//   - the discovered equation, simulated from each movie's encoded first frame and velocity, keeps
//     the encoder's swing (median error ≤ 5%) and follows its z(t) over the first 2.5 time units
//     (median error ≤ 10% of the spread of z);
//   - its summary.json records a training from scratch within 3600 s and the ten-seed sweep it was
//     selected from.
func TestSindyShippedPendulum(t *testing.T) {
	m := evalShipped(t, "sindy-pendulum")
	atMost(t, m, "test_rel_ddz", 2e-2)
	atMost(t, m, "active_terms", 2)
	if m["sin_z_kept"] != 1 {
		t.Errorf("sin z is not in the discovered model")
	}
	if c, ok := m["angle_correlation"]; !ok || !(math.Abs(c) >= 0.99) {
		t.Errorf("|correlation of z with θ| = %.4f, want ≥ 0.99", math.Abs(c))
	}
	if m["simulations_failed"] != 0 {
		t.Errorf("%g simulations of the discovered model failed", m["simulations_failed"])
	}
	atMost(t, m, "median_swing_error", 0.05)
	atMost(t, m, "median_early_error", 0.1)
	checkShippedSweep(t, "sindy_pendulum", 3600, 10)
}

// TestSindyShippedRD checks the shipped reaction-diffusion model on the paper's test interval (the
// last 10% in time of the 100×100 simulation, generated on first use: about 4 minutes and 800 MB
// on disk):
//   - decoder relative error ≤ 2e-2 (the bar; the paper's model: 1.59e-2);
//   - two active terms, as in the paper's models (z1' = a z2 or a sin z2, z2' = b z1);
//   - the discovered model is an oscillator at the spiral's rotation period: its linearization at
//     z = 0 (the z and sin z terms) couples z1 and z2 with opposite signs, and its simulation from
//     the encoded first test snapshot oscillates with the period of the encoder's z1 and of the
//     brightest pixel, within 2%;
//   - its summary.json records a training from scratch within 10000 s (issue #21: half the paper
//     schedule's 5.5 h here) and the ten-seed sweep it was selected from.
func TestSindyShippedRD(t *testing.T) {
	m := evalShipped(t, "sindy-reaction-diffusion")
	atMost(t, m, "test_rel_x", 2e-2)
	if n := m["active_terms"]; n != 2 {
		t.Errorf("%g active terms, want the paper's 2", n)
	}
	if a, b := m["linear_a"], m["linear_b"]; !(a*b < 0) {
		t.Errorf("linearization at 0: z1' ≈ %.3g z2, z2' ≈ %.3g z1: not an oscillator (want opposite signs)", a, b)
	}
	pPixel, ok := m["period_pixel"]
	if !ok {
		t.Fatal("no rotation period of the spiral")
	}
	for _, k := range []string{"period_encoder", "period_model"} {
		if p, ok := m[k]; !ok || math.Abs(p-pPixel) > 0.02*pPixel {
			t.Errorf("%s %.4f (present: %v) differs from the spiral's %.4f by more than 2%%", k, p, ok, pPixel)
		}
	}
	checkShippedSweep(t, "sindy_reaction_diffusion", 10000, 10)
}
