// Package runout holds what the SINDy autoencoder training commands (sindylorenz, sindypendulum,
// sindyrd) share: parsing -widths, and writing a trained model's output directory — model.ckpt
// (the weights without the optimizer state, autoencoder.Model.SaveWeights; autoencoder.Load reads
// it), summary.json (how it was trained and how well it does) and
// equations.txt — each file atomically.
package runout

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// ParseWidths parses a comma-separated list of positive layer widths such as "128,64,32".
func ParseWidths(s string) ([]int, error) {
	var w []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad -widths %q: want positive integers separated by commas", s)
		}
		w = append(w, v)
	}
	return w, nil
}

// summary returns the fields every command records in summary.json: the command line, the
// training state (epochs, seconds, thresholding history, refinement start, reopenings), the
// active terms, the equations, the test errors (keys test_rel_x, test_rel_<d>x, test_rel_<d>z
// with <d> = "d" for a first-order model and "dd" for a second-order one) and the configuration.
func summary(command string, m *autoencoder.Model, st *autoencoder.State, test autoencoder.Metrics, eqs []string) map[string]any {
	d := "d"
	if m.Config().ModelOrder == 2 {
		d = "dd"
	}
	return map[string]any{
		"command":             "go run ./pkg/sindy/cmd/" + command + " " + strings.Join(os.Args[1:], " "),
		"train_seconds":       st.Elapsed,
		"epochs_completed":    st.Epoch,
		"refinement_from":     st.RefineStart,
		"thresholds":          st.Thresholds,
		"reopened_at":         st.Reopened,
		"active_terms":        m.ActiveTerms(),
		"equations":           eqs,
		"test_rel_x":          test.RelX,
		"test_rel_" + d + "x": test.RelXDeriv,
		"test_rel_" + d + "z": test.RelZDeriv,
		"config":              m.Config(),
	}
}

// Write saves m's weights with its training state st to dir/model.ckpt, a summary of the run (see summary;
// command is the command's name, extra adds or overrides entries) to dir/summary.json and the
// equations eqs to dir/equations.txt, creating dir.
func Write(dir, command string, m *autoencoder.Model, st *autoencoder.State, test autoencoder.Metrics, eqs []string, extra map[string]any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := m.SaveWeights(filepath.Join(dir, "model.ckpt"), st); err != nil {
		return err
	}
	all := summary(command, m, st, test, eqs)
	for k, v := range extra {
		all[k] = v
	}
	js, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("summary of %s: %w", dir, err)
	}
	if err := diskcache.WriteBytes(filepath.Join(dir, "summary.json"), append(js, '\n')); err != nil {
		return err
	}
	return diskcache.WriteBytes(filepath.Join(dir, "equations.txt"), []byte(strings.Join(eqs, "\n")+"\n"))
}

// Shipped is a model a command wrote and the notebooks ship, evaluated on a test set.
type Shipped struct {
	Model *autoencoder.Model
	State *autoencoder.State
	Test  autoencoder.Metrics
}

// EvaluateShipped loads the model at path, checks that it takes inputs of inputDim values, and
// evaluates it on test (the shipped-model tests of the commands start with this).
func EvaluateShipped(path string, inputDim int, test autoencoder.Data) (*Shipped, error) {
	m, st, err := autoencoder.Load(path)
	if err != nil {
		return nil, err
	}
	if got := m.Config().InputDim; got != inputDim {
		return nil, fmt.Errorf("shipped model %s has input dimension %d, want %d", path, got, inputDim)
	}
	mt, err := m.Evaluate(test)
	if err != nil {
		return nil, err
	}
	return &Shipped{Model: m, State: st, Test: mt}, nil
}

// String summarizes the model and its test errors.
func (s *Shipped) String() string {
	d := "ẋ, ż"
	if s.Model.Config().ModelOrder == 2 {
		d = "ẍ, z̈"
	}
	return fmt.Sprintf("shipped model (%d epochs, %d active terms): test relative errors x, %s: %.3g, %.3g, %.3g",
		s.State.Epoch, s.Model.ActiveTerms(), d, s.Test.RelX, s.Test.RelXDeriv, s.Test.RelZDeriv)
}
