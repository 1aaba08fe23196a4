package experiments

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type testInner struct {
	Epochs int       `json:"epochs"`
	Widths []int     `json:"widths"`
	LR     float64   `json:"lr"`
	Deep   testDeep  `json:"deep"`
	Kind   testKind  `json:"kind"`
	Skip   int       `json:"-"`
	At     time.Time `json:"at"`
}

type testDeep struct {
	On bool `json:"on"`
}

type testKind string

type testConfig struct {
	Name    string        `json:"name"`
	Seed    uint64        `json:"seed"`
	Model   testInner     `json:"model"`
	Timeout time.Duration `json:"timeout"`
	NoTag   int
	hidden  int
}

func TestKeys(t *testing.T) {
	got := Keys(&testConfig{})
	want := []string{"name", "seed", "model.epochs", "model.widths", "model.lr", "model.deep.on", "model.kind",
		"model.at", "timeout", "NoTag"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	if k := Keys(42); k != nil {
		t.Errorf("Keys(42) = %q, want none", k)
	}
}

func TestSet(t *testing.T) {
	c := &testConfig{hidden: 7}
	for _, kv := range [][2]string{
		{"name", "two words, no quotes"},
		{"seed", "12"},
		{"model.epochs", "300"},
		{"Model.Widths", "[64, 32]"}, // Go names, any case
		{"MODEL.LR", "1e-3"},
		{"model.deep.on", "true"},
		{"model.kind", "tanh"}, // a named string type takes the text as it is
		{"timeout", "1500000000"},
		{"notag", "5"},
	} {
		if err := Set(c, kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	want := &testConfig{Name: "two words, no quotes", Seed: 12, NoTag: 5, Timeout: 1500 * time.Millisecond, hidden: 7,
		Model: testInner{Epochs: 300, Widths: []int{64, 32}, LR: 1e-3, Deep: testDeep{On: true}, Kind: "tanh"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("after Set: %+v, want %+v", c, want)
	}
}

func TestSetErrors(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       []string // substrings of the error
	}{
		{"epochs", "3", []string{`no setting "epochs"`, "settings: name, seed, model.epochs", "NoTag"}},
		{"model.epoch", "3", []string{`no setting "model.epoch"`, "settings: model.epochs, model.widths", "model.deep.on"}},
		{"model.deep.off", "3", []string{`no setting "model.deep.off"`, "settings: model.deep.on)"}},
		{"seed.x", "3", []string{`"seed" is not a group of settings`}},
		{"hidden", "3", []string{`no setting "hidden"`}},
		{"Skip", "3", []string{`no setting "Skip"`}},
		{"model.skip", "3", []string{`no setting "model.skip"`}},
		{"seed", "-1", []string{"--set seed=-1: want a value of type uint64"}},
		{"model.epochs", "many", []string{"want a value of type int"}},
		{"model.widths", "64,32", []string{"want a value of type []int"}},
		{"", "3", []string{`no setting ""`}},
	} {
		c := &testConfig{}
		err := Set(c, tc.key, tc.value)
		if err == nil {
			t.Errorf("Set(%q, %q): no error", tc.key, tc.value)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Set(%q, %q) = %q, want it to contain %q", tc.key, tc.value, err, w)
			}
		}
		if !reflect.DeepEqual(c, &testConfig{}) {
			t.Errorf("Set(%q, %q) failed but changed the configuration: %+v", tc.key, tc.value, c)
		}
	}
	if err := Set(testConfig{}, "seed", "1"); err == nil {
		t.Error("Set on a struct value (not a pointer): no error")
	}
}

func TestSettingRoundTrips(t *testing.T) {
	c := &testConfig{Name: "a b", Seed: 3, Timeout: time.Second, NoTag: -2,
		Model: testInner{Epochs: 9, Widths: []int{1, 2}, LR: 0.1, Deep: testDeep{On: true}, Kind: "relu",
			At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	for _, k := range Keys(c) {
		text, err := Setting(c, k)
		if err != nil {
			t.Fatalf("Setting(%s): %v", k, err)
		}
		if err := Set(c, k, text); err != nil {
			t.Fatalf("Set(%s, Setting = %q): %v", k, text, err)
		}
	}
	if got, _ := Setting(c, "name"); got != "a b" {
		t.Errorf("Setting(name) = %q, want the text as it is", got)
	}
	if got, _ := Setting(c, "model.widths"); got != "[1,2]" {
		t.Errorf("Setting(model.widths) = %q, want [1,2]", got)
	}
	fresh := &testConfig{}
	for _, k := range Keys(c) {
		text, _ := Setting(c, k)
		if err := Set(fresh, k, text); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(fresh, c) {
		t.Errorf("copied through Setting and Set: %+v, want %+v", fresh, c)
	}
	if _, err := Setting(c, "nope"); err == nil || !strings.Contains(err.Error(), "settings: name") {
		t.Errorf("Setting(nope) = %v, want an error listing the settings", err)
	}
}
