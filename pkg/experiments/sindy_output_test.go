package experiments

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

func TestSindyParseWidths(t *testing.T) {
	w, err := parseWidths("128, 64,32")
	if err != nil || !reflect.DeepEqual(w, []int{128, 64, 32}) {
		t.Errorf("parseWidths = %v, %v", w, err)
	}
	for _, bad := range []string{"", "128,,32", "64,-1", "a"} {
		if _, err := parseWidths(bad); err == nil || !strings.Contains(err.Error(), "widths") {
			t.Errorf("parseWidths(%q): err = %v, want an error naming widths", bad, err)
		}
	}
}

// The schedule's settings are top-level keys of every SINDy configuration, and --seed replaces the
// configuration's seed.
func TestSindySettings(t *testing.T) {
	for _, name := range []string{"sindy-lorenz", "sindy-pendulum", "sindy-reaction-diffusion"} {
		e, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := e.Config(false)
		keys := strings.Join(Keys(cfg), " ")
		for _, k := range []string{"batch", "lr", "epochs", "refine", "threshold_every", "eval_every", "seed"} {
			if !strings.Contains(" "+keys+" ", " "+k+" ") {
				t.Errorf("%s: no setting %s (settings: %s)", name, k, keys)
			}
		}
		if err := Set(cfg, "epochs", "1500"); err != nil {
			t.Fatal(err)
		}
		mc, err := cfg.(modeler).Model()
		if err != nil {
			t.Fatal(err)
		}
		if mc.Epochs != 1500 {
			t.Errorf("%s: --set epochs=1500 gives a model with %d epochs", name, mc.Epochs)
		}
	}
	// Lorenz's loss weights and encoder: the recipe's in full and quick mode (λ1 1e-3, linear), the
	// paper's with lambda1=0, encoder_activation= (λ1 1e-4, sigmoid); replaced by the settings.
	lz := SINDyLorenzConfig(false)
	for name, c := range map[string]*SINDyLorenz{"full": lz, "quick": SINDyLorenzConfig(true)} {
		if mc, err := c.Model(); err != nil || mc.WeightSindyX != 1e-3 || mc.WeightSindyZ != 0 || mc.EncoderActivation != autoencoder.Linear {
			t.Errorf("sindy-lorenz %s: λ1 %g, λ2 %g, encoder %q (%v), want 1e-3, 0, linear", name, mc.WeightSindyX, mc.WeightSindyZ, mc.EncoderActivation, err)
		}
	}
	// Quick mode is the full recipe at small scale: only the data sizes, the ensemble and the batch differ.
	q, f := *SINDyLorenzConfig(true), *SINDyLorenzConfig(false)
	if q.TrainICs != 128 || q.Batch != 256 || q.Ensemble != 1 {
		t.Errorf("sindy-lorenz quick: %d trajectories, batch %d, ensemble %d; want 128, 256, 1", q.TrainICs, q.Batch, q.Ensemble)
	}
	q.TrainICs, q.ValICs, q.TestICs, q.Ensemble, q.Batch = f.TrainICs, f.ValICs, f.TestICs, f.Ensemble, f.Batch
	if !reflect.DeepEqual(q, f) {
		t.Errorf("sindy-lorenz quick differs from full beyond sizes, ensemble and batch:\n quick %+v\n full  %+v", q, f)
	}
	paperWeights := SINDyLorenzConfig(false)
	for k, v := range map[string]string{"lambda1": "0", "encoder_activation": ""} {
		if err := Set(paperWeights, k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]*SINDyLorenz{"full, lambda1=0 encoder_activation=": paperWeights} {
		if mc, err := c.Model(); err != nil || mc.WeightSindyX != 1e-4 || mc.WeightSindyZ != 0 || mc.EncoderActivation != "" || mc.Activation != autoencoder.Sigmoid {
			t.Errorf("sindy-lorenz %s: λ1 %g, λ2 %g, encoder %q, activation %q (%v), want the paper's 1e-4, 0, sigmoid",
				name, mc.WeightSindyX, mc.WeightSindyZ, mc.EncoderActivation, mc.Activation, err)
		}
	}
	for k, v := range map[string]string{"lambda1": "1e-3", "lambda2": "2e-6", "encoder_activation": "linear"} {
		if err := Set(lz, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if mc, err := lz.Model(); err != nil || mc.WeightSindyX != 1e-3 || mc.WeightSindyZ != 2e-6 || mc.EncoderActivation != autoencoder.Linear {
		t.Errorf("sindy-lorenz --set lambda1=1e-3 lambda2=2e-6 encoder_activation=linear: λ1 %g, λ2 %g, encoder %q (%v)",
			mc.WeightSindyX, mc.WeightSindyZ, mc.EncoderActivation, err)
	}
	if err := Set(lz, "encoder_activation", "tanhh"); err != nil {
		t.Fatal(err)
	}
	if _, err := lz.Model(); err == nil || !strings.Contains(err.Error(), "EncoderActivation") {
		t.Errorf("sindy-lorenz --set encoder_activation=tanhh: error %v, want one naming EncoderActivation", err)
	}
	// The pendulum's loss weights: the paper's λ1 5e-4 and the recipe's λ2 5e-3, in both modes,
	// unless set; lambda2=0 is the paper's 5e-5.
	for _, quick := range []bool{false, true} {
		if mc, err := SINDyPendulumConfig(quick).Model(); err != nil || mc.WeightSindyX != 5e-4 || mc.WeightSindyZ != 5e-3 {
			t.Errorf("sindy-pendulum (quick %v): λ1 %g, λ2 %g (%v), want 5e-4, 5e-3", quick, mc.WeightSindyX, mc.WeightSindyZ, err)
		}
	}
	pc := SINDyPendulumConfig(false)
	for k, v := range map[string]string{"lambda1": "1e-3", "lambda2": "5e-3"} {
		if err := Set(pc, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if mc, err := pc.Model(); err != nil || mc.WeightSindyX != 1e-3 || mc.WeightSindyZ != 5e-3 {
		t.Errorf("sindy-pendulum --set lambda1=1e-3 lambda2=5e-3: λ1 %g, λ2 %g (%v)", mc.WeightSindyX, mc.WeightSindyZ, err)
	}
	r := &Run{Config: SINDyPendulumConfig(true), Seed: 9}
	c, err := sindyConfig[SINDyPendulum](r)
	if err != nil {
		t.Fatal(err)
	}
	if c.Seed != 9 || r.Config.(*SINDyPendulum).Seed != 1 {
		t.Errorf("--seed 9: configuration's seed %d (the run's own %d, want it unchanged)", c.Seed, r.Config.(*SINDyPendulum).Seed)
	}
}

func TestSindyCommandLine(t *testing.T) {
	c := SINDyPendulumConfig(false)
	c.Epochs, c.Require = 1501, "sin(z1)"
	got, err := commandLine("sindy-pendulum", &Run{Config: c, Seed: 2, Out: "notebooks/models/sindy_pendulum"})
	if err != nil {
		t.Fatal(err)
	}
	want := "go run ./cmd/dynlearn train sindy-pendulum --seed 2 --set 'require=sin(z1)' --set epochs=1501 --out notebooks/models/sindy_pendulum"
	if got != want {
		t.Errorf("command line\n%s\nwant\n%s", got, want)
	}
}

// TestSindyWrite writes a second-order model's directory and reads every file back.
func TestSindyWrite(t *testing.T) {
	cfg := autoencoder.New(autoencoder.Quick()).InputDim(20).Widths(8).Latent(1).PolyOrder(2).SecondOrder().Config()
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &autoencoder.State{Epoch: 7, RefineStart: 5, Thresholds: []int{4}, Elapsed: 1.5}
	sm, err := m.SINDy()
	if err != nil {
		t.Fatal(err)
	}
	eqs := sm.Equations(2)
	t.Logf("equations of the untrained model: %q", eqs)
	dir := filepath.Join(t.TempDir(), "out")
	test := autoencoder.Metrics{RelX: 0.1, RelXDeriv: 0.2, RelZDeriv: 0.3}
	if err := writeSINDy(dir, "go run ./cmd/dynlearn train sindytest", m, st, test, eqs, map[string]any{"train_ics": 3}); err != nil {
		t.Fatal(err)
	}
	m2, st2, err := autoencoder.Load(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if st2.Epoch != 7 || m2.Config().ModelOrder != 2 || m2.ActiveTerms() != m.ActiveTerms() {
		t.Errorf("reloaded model: epoch %d, order %d, %d terms", st2.Epoch, m2.Config().ModelOrder, m2.ActiveTerms())
	}
	sum := readSummary(t, dir)
	want := map[string]any{"test_rel_x": 0.1, "test_rel_ddx": 0.2, "test_rel_ddz": 0.3, "epochs_completed": 7.0,
		"refinement_from": 5.0, "train_ics": 3.0, "train_seconds": 1.5}
	for k, v := range want {
		if sum[k] != v {
			t.Errorf("summary[%q] = %v, want %v", k, sum[k], v)
		}
	}
	if c, _ := sum["command"].(string); !strings.HasPrefix(c, "go run ./cmd/dynlearn train sindytest") {
		t.Errorf("summary command %q", c)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "equations.txt"))
	if err != nil || string(txt) != strings.Join(eqs, "\n")+"\n" || len(eqs) != 2 {
		t.Errorf("equations.txt = %q (%v), want the %d equations %q", txt, err, len(eqs), eqs)
	}
}

func readSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]any
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

// evaluateSINDy evaluates a written model and refuses data of another dimension; loadSINDy names a
// missing model.
func TestSindyEvaluate(t *testing.T) {
	cfg := autoencoder.New(autoencoder.Quick()).InputDim(4).Widths(3).Latent(1).PolyOrder(1).Config()
	m, err := autoencoder.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeSINDy(dir, "test", m, &autoencoder.State{Epoch: 2}, autoencoder.Metrics{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	path, err := sindyModelPath(nil, &Run{Model: dir}) // a directory stands for its model.ckpt
	if err != nil || path != filepath.Join(dir, "model.ckpt") {
		t.Fatalf("model path of %s: %q, %v", dir, path, err)
	}
	lm, st, err := loadSINDy(path)
	if err != nil {
		t.Fatal(err)
	}
	x := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
	dx := []float32{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	ev, err := evaluateSINDy(lm, st, 4, autoencoder.Data{N: 3, Dim: 4, X: x, DX: dx})
	if err != nil {
		t.Fatal(err)
	}
	if ev.State.Epoch != 2 || !(ev.Test.RelX > 0) || !strings.Contains(ev.String(), "2 epochs") {
		t.Errorf("evaluateSINDy: epoch %d, decoder error %g, %q", ev.State.Epoch, ev.Test.RelX, ev)
	}
	var s Summary
	ev.report(&s)
	if s.Metrics["test_rel_x"] != ev.Test.RelX || s.Metrics["epochs"] != 2 || len(s.Lines) == 0 {
		t.Errorf("report: %v %q", s.Metrics, s.Lines)
	}
	if _, err := evaluateSINDy(lm, st, 5, autoencoder.Data{N: 3, Dim: 4, X: x, DX: dx}); err == nil || !strings.Contains(err.Error(), "input dimension 4, want 5") {
		t.Errorf("wrong input dimension: err = %v", err)
	}
	if _, _, err := loadSINDy(filepath.Join(dir, "none.ckpt")); err == nil || !strings.Contains(err.Error(), "none.ckpt") {
		t.Errorf("missing model: err = %v", err)
	}
}

// The --set line that SINDyPendulumPaperSchedule's documentation gives turns the default full
// configuration into exactly the paper's schedule and loss weights.
func TestSindyPendulumPaperScheduleSettings(t *testing.T) {
	c := SINDyPendulumConfig(false)
	line := "batch=1024 lr=1e-4 epochs=5001 refine=1001 threshold_every=500 eval_every=100 isomap_latents=0 isomap_epochs=0 " +
		"principal_latents=false sparse_latents=0 init_stlsq=0 max_terms=0 refit_stlsq=false thresholds=[] lambda2=0"
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		if err := Set(c, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.Thresholds) == 0 {
		c.Thresholds = nil // thresholds=[] sets an empty list: the same as none
	}
	if !reflect.DeepEqual(c.Schedule, SINDyPendulumPaperSchedule()) {
		t.Errorf("after %s:\n%+v\nwant the paper's\n%+v", line, c.Schedule, SINDyPendulumPaperSchedule())
	}
	mc, err := c.Model()
	if err != nil {
		t.Fatal(err)
	}
	p := autoencoder.Paper()
	if mc.WeightSindyX != 5e-4 || mc.WeightSindyZ != 5e-5 || mc.WeightL1 != 1e-5 || mc.IsomapLatents != 0 || mc.BatchSize != 1024 ||
		mc.LearningRate != 1e-4 || mc.Threshold != p.Threshold {
		t.Errorf("paper's settings give λ1 %g λ2 %g λ3 %g, Isomap %d, batch %d, lr %g, threshold %g",
			mc.WeightSindyX, mc.WeightSindyZ, mc.WeightL1, mc.IsomapLatents, mc.BatchSize, mc.LearningRate, mc.Threshold)
	}
	if SINDyPendulumConfig(false).IsomapLatents == 0 {
		t.Error("the full default is no longer the Isomap recipe")
	}
}

// The --set line that SINDyRDConfig's documentation gives for the paper's schedule turns the
// default full configuration into exactly SINDyRDPaperSchedule.
func TestSindyRDPaperScheduleSettings(t *testing.T) {
	c := SINDyRDConfig(false)
	line := "batch=1024 lr=1e-3 epochs=3001 refine=1001 threshold_every=500 eval_every=100 pretrain=0 init_stlsq=0 refit_stlsq=false"
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		if err := Set(c, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(c.Schedule, SINDyRDPaperSchedule()) {
		t.Errorf("after %s:\n%+v\nwant the paper's\n%+v", line, c.Schedule, SINDyRDPaperSchedule())
	}
	if SINDyRDConfig(false).Schedule.Pretrain == 0 {
		t.Error("the full default is no longer the least-squares recipe")
	}
}
