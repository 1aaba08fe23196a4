package lnn

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dynlearn/dynlearn/pkg/systems"
)

// TestTrainRejectsBadTrainingData: a training set whose declared size does not match its rows is an
// error (it used to panic with "slice bounds out of range" in Fill), and NaN/Inf in the training data is
// an error naming the set and the row (it used to surface as "training diverged at step 3").
func TestTrainRejectsBadTrainingData(t *testing.T) {
	b, net, test, _, cfg := smallTraining(t, 1)
	good := func(n int) *Dataset {
		d := &Dataset{N: n, States: make([]float64, 4*n), Accels: make([]float64, 2*n)}
		for i := range d.States {
			d.States[i] = 0.1 * float64(i%7)
		}
		return d
	}
	short := good(100)
	short.N = 200 // declares more rows than it has
	nan := good(100)
	nan.States[4*37+2] = math.NaN()
	inf := good(100)
	inf.Accels[2*5+1] = math.Inf(-1)
	for _, c := range []struct {
		name string
		d    *Dataset
		want []string
	}{
		{"declared size", short, []string{"training set", "N=200", "len(States)=400"}},
		{"NaN state", nan, []string{"training set", "row 37", "States column 2", "NaN"}},
		{"Inf accel", inf, []string{"training set", "row 5", "Accels column 1", "-Inf"}},
		{"empty", &Dataset{}, []string{"training set", "N=0"}},
		{"nil", nil, []string{"training set", "nil"}},
	} {
		_, err := Train(b, net, FromDataset(c.d, 1), test, cfg, Callbacks{})
		if err == nil {
			t.Errorf("%s: Train accepted the training set", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}

// TestBadInputLNN feeds the public constructors and entry points of the package bad values and
// checks that each error names the argument.
func TestBadInputLNN(t *testing.T) {
	b, net, test, src, good := smallTraining(t, 1)
	cfg := func(f func(*TrainConfig)) TrainConfig { c := good; f(&c); return c }
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name string
		cfg  TrainConfig
		want string
	}{
		{"zero epochs", cfg(func(c *TrainConfig) { c.Epochs = 0 }), "Epochs=0"},
		{"negative batch", cfg(func(c *TrainConfig) { c.BatchSize = -1 }), "BatchSize=-1"},
		{"negative steps", cfg(func(c *TrainConfig) { c.StepsPerEpoch = -3 }), "StepsPerEpoch=-3"},
		{"zero LR", cfg(func(c *TrainConfig) { c.LR = 0 }), "LR=0"},
		{"NaN LR", cfg(func(c *TrainConfig) { c.LR = nan }), "LR=NaN"},
		{"Inf LR", cfg(func(c *TrainConfig) { c.LR = inf }), "LR=+Inf"},
		{"NaN gamma", cfg(func(c *TrainConfig) { c.StepGamma = nan }), "StepGamma=NaN"},
		{"zero StepEvery", cfg(func(c *TrainConfig) { c.StepEvery = 0 }), "StepEvery=0"},
		{"schedule", cfg(func(c *TrainConfig) { c.Schedule = 7 }), "Schedule=7"},
		{"loss", cfg(func(c *TrainConfig) { c.Loss = -1 }), "Loss=-1"},
		{"NaN L2", cfg(func(c *TrainConfig) { c.L2 = nan }), "L2=NaN"},
		{"negative L2", cfg(func(c *TrainConfig) { c.L2 = -1 }), "L2=-1"},
		{"negative checkpoint interval", cfg(func(c *TrainConfig) { c.CheckpointEvery = -time.Second }), "CheckpointEvery=-1s"},
		{"NaN SingularTol", cfg(func(c *TrainConfig) { c.SingularTol = nan }), "SingularTol=NaN"},
		{"NaN ClipAccel", cfg(func(c *TrainConfig) { c.ClipAccel = nan }), "ClipAccel=NaN"},
		{"Inf HessianPenalty", cfg(func(c *TrainConfig) { c.HessianPenalty = inf }), "HessianPenalty=+Inf"},
		{"NaN PosDefMargin", cfg(func(c *TrainConfig) { c.PosDefMargin = nan }), "PosDefMargin=NaN"},
	} {
		_, err := Train(b, net, src, test, c.cfg, Callbacks{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Train, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}

	// Sources and test sets.
	badTest := &Dataset{N: 1, States: []float64{0, 0, nan, 0}, Accels: []float64{0, 0}}
	sys := systems.DefaultDoublePendulum()
	for _, c := range []struct {
		name string
		src  Source
		test *Dataset
		want string
	}{
		{"nil source", nil, test, "source is nil"},
		{"zero perEpoch", FreshStates(StatesConfig{System: sys, VelMax: 1}, 0), test, "perEpoch=0"},
		{"NaN VelMax", FreshStates(StatesConfig{System: sys, VelMax: nan}, 10), test, "VelMax=NaN"},
		{"NaN test set", src, badTest, "test set"},
	} {
		_, err := Train(b, net, c.src, c.test, good, Callbacks{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Train, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
	if _, err := Train(b, nil, src, test, good, Callbacks{}); err == nil || !strings.Contains(err.Error(), "network") {
		t.Errorf("Train with a nil network: %v", err)
	}

	// Data generation.
	for _, c := range []struct {
		name string
		cfg  StatesConfig
		want string
	}{
		{"zero N", StatesConfig{System: sys, N: 0, VelMax: 1}, "N=0"},
		{"negative VelMax", StatesConfig{System: sys, N: 4, VelMax: -1}, "VelMax=-1"},
		{"Inf VelMax", StatesConfig{System: sys, N: 4, VelMax: inf}, "VelMax=+Inf"},
		{"NaN EnergyMax", StatesConfig{System: sys, N: 4, VelMax: 1, EnergyMax: nan}, "EnergyMax"},
	} {
		if _, err := RandomStates(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RandomStates, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}

	// Prediction.
	p, err := NewPredictor(b, net, NewStore(net))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		states []float64
		want   string
	}{
		{"empty", nil, "got 0"},
		{"ragged", []float64{1, 2, 3}, "got 3"},
		{"NaN", []float64{0, 0, 0, 0, 0, nan, 0, 0}, "row 1 column 1"},
		{"Inf", []float64{inf, 0, 0, 0}, "row 0 column 0"},
	} {
		if _, _, err := p.Accel(c.states); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Predictor.Accel, %s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
	if _, err := p.L1(badTest); err == nil || !strings.Contains(err.Error(), "row 0") {
		t.Errorf("Predictor.L1 with NaN data: %v", err)
	}
}
