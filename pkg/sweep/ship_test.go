package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShip ships the selected run of a sweep with one unfinished run: its model files but the
// training checkpoints, its summary with the seeds and the seeds-to-success count added, and the
// plan and results for a read-only report.
func TestShip(t *testing.T) {
	dir := t.TempDir()
	p, _ := Expand(Options{Experiment: testName, Seeds: []uint64{1, 2, 3}})
	if err := WritePlan(dir, p); err != nil {
		t.Fatal(err)
	}
	to, results := filepath.Join(t.TempDir(), "model"), filepath.Join(t.TempDir(), "sweep")
	if _, err := Ship(dir, to, ShipOptions{}); err == nil || !strings.Contains(err.Error(), "no finished run") {
		t.Errorf("Ship of a sweep without results: %v", err)
	}
	for i := range 2 { // run 2 (seed 3) stays unfinished
		if _, _, err := RunTask(dir, i, TaskOptions{}); err != nil {
			t.Fatal(err)
		}
		m := filepath.Join(RunDir(dir, i), "model")
		files := map[string]string{
			"model.ckpt": "weights of run " + string(rune('0'+i)), "equations.txt": "z' = -z",
			"seed" + string(rune('1'+i)) + ".ckpt": "optimizer state",
			"train.ckpt":                           "optimizer state",
			SummaryFile:                            `{"active_terms": 2, "train_seconds": ` + []string{"100.5", "200.25"}[i] + `}`,
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(m, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := Ship(dir, to, ShipOptions{Results: results})
	if err != nil {
		t.Fatal(err)
	}
	// Losses 1 and 2 are both successful (<= 2); the rule maximises the loss: run 1, seed 2.
	if s.Selected != 1 || s.Finished != 2 || s.Successful != 2 {
		t.Fatalf("selected %d, finished %d, successful %d; want 1, 2, 2", s.Selected, s.Finished, s.Successful)
	}
	if b, err := os.ReadFile(filepath.Join(to, "model.ckpt")); err != nil || string(b) != "weights of run 1" {
		t.Errorf("shipped model.ckpt: %q, %v; want the selected run's", b, err)
	}
	if _, err := os.Stat(filepath.Join(to, "equations.txt")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(to, "train.ckpt")); !os.IsNotExist(err) {
		t.Errorf("train.ckpt (a training checkpoint) was shipped: %v", err)
	}
	if _, err := os.Stat(filepath.Join(to, "seed2.ckpt")); !os.IsNotExist(err) {
		t.Errorf("the training checkpoint was shipped (%v)", err)
	}
	var sum struct {
		ActiveTerms float64          `json:"active_terms"`
		Seeds       []map[string]any `json:"seeds"`
		Sweep       map[string]any   `json:"sweep"`
	}
	b, err := os.ReadFile(filepath.Join(to, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.ActiveTerms != 2 || len(sum.Seeds) != 3 {
		t.Fatalf("summary: %s", b)
	}
	want := []map[string]any{
		{"seed": 1.0, "finished": true, "success": true, "small": true, "loss": 1.0, "train_seconds": 100.5},
		{"seed": 2.0, "finished": true, "success": true, "small": true, "loss": 2.0, "train_seconds": 200.25},
		{"seed": 3.0, "finished": false},
	}
	for i, w := range want {
		for k, v := range w {
			if sum.Seeds[i][k] != v {
				t.Errorf("seeds[%d].%s = %v, want %v", i, k, sum.Seeds[i][k], v)
			}
		}
	}
	if _, ok := sum.Seeds[2]["success"]; ok {
		t.Errorf("the unfinished run has a success flag: %v", sum.Seeds[2])
	}
	if sum.Sweep["successful"] != 2.0 || sum.Sweep["finished"] != 2.0 || sum.Sweep["runs"] != 3.0 || sum.Sweep["selected_seed"] != 2.0 ||
		sum.Sweep["command"] != "go run ./cmd/dynlearn sweep "+testName+" --seeds 3 --out DIR" {
		t.Errorf("sweep: %v", sum.Sweep)
	}
	r, err := Report(results, ReportOptions{ReadOnly: true})
	if err != nil || r.Selected != 1 || r.Finished != 2 {
		t.Errorf("report of the shipped results: %+v, %v", r, err)
	}
}

func TestPlanCommand(t *testing.T) {
	p, err := Expand(Options{Experiment: testName, Quick: true, Seeds: []uint64{2, 5}, Sets: []string{"rate=0.5,2", "label=a b"}, MaxTime: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	want := "go run ./cmd/dynlearn sweep " + testName + " --quick --seed-list 2,5 --set rate=0.5,2 --set 'label=a b' --max-time 1h --out /tmp/s"
	if got := p.Command("/tmp/s"); got != want {
		t.Errorf("Command = %q\nwant      %q", got, want)
	}
}
