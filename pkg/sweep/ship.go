package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/experiments"
)

// ShipOptions configure Ship.
type ShipOptions struct {
	// Results, when set, also receives the sweep's plan and results (plan.json and
	// runs/<index>/result.json, no models or logs), so that Report(Results, ReadOnly) shows the
	// sweep where its models are not (e.g. in a notebook next to the shipped model).
	Results string
}

// SummaryFile is the name of the summary an experiment writes next to its model.
const SummaryFile = "summary.json"

// Ship copies the model of the run that the experiment's selection rule selects in the sweep dir
// (the files of its runs/<index>/model but the training checkpoints train.ckpt and seed*.ckpt,
// which hold the optimizer's state) to the directory to, and records the ensemble in its
// summary.json:
//
//   - "seeds": one entry per run of the plan, in order: seed, index, finished and, for a finished
//     run, success, the experiment's success flags, the metrics of its evaluation and train_seconds
//     (the run's own summary's wall time of training, summed over resumes);
//   - "sweep": runs, finished, successful (the seeds-to-success count), selected_seed,
//     selected_index and the command that runs the sweep (Plan.Command).
//
// An experiment that writes no summary.json gets one with its evaluation's metrics. Every file is
// written atomically. It is an error when no run is finished.
func Ship(dir, to string, o ShipOptions) (*Summary, error) {
	s, err := Report(dir, ReportOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	if s.Selected < 0 {
		return nil, fmt.Errorf("sweep ship %s: no finished run to select (%d of %d finished)", dir, s.Finished, len(s.Plan.Runs))
	}
	src := filepath.Join(RunDir(dir, s.Selected), "model")
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("sweep ship: the selected run's model: %w", err)
	}
	var summary map[string]any
	if err := readJSON(filepath.Join(src, SummaryFile), &summary); errors.Is(err, os.ErrNotExist) {
		summary = map[string]any{} // an experiment that writes no summary: its evaluation's metrics
		for k, v := range s.Results[s.Selected].Metrics {
			summary[k] = v
		}
	} else if err != nil {
		return nil, fmt.Errorf("sweep ship: the selected run (%d): %w", s.Selected, err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return nil, fmt.Errorf("sweep ship: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name == SummaryFile || name == experiments.TrainCheckpointFile || (strings.HasPrefix(name, "seed") && strings.HasSuffix(name, ".ckpt")) {
			continue
		}
		if err := copyFile(filepath.Join(src, name), filepath.Join(to, name)); err != nil {
			return nil, err
		}
	}

	var seeds []map[string]any
	for i, spec := range s.Plan.Runs {
		e := map[string]any{"seed": spec.Seed, "index": i, "finished": false}
		if len(spec.Settings) > 0 {
			e["settings"] = spec.Label()
		}
		if r := s.Results[i]; r != nil {
			for k, v := range r.Metrics {
				e[k] = v
			}
			for k, v := range r.Flags {
				e[k] = v
			}
			e["finished"], e["success"] = true, r.Success
			var rs map[string]any
			if err := readJSON(filepath.Join(RunDir(dir, i), "model", SummaryFile), &rs); err == nil {
				if ts, ok := rs["train_seconds"]; ok {
					e["train_seconds"] = ts
				}
			}
		}
		seeds = append(seeds, e)
	}
	summary["seeds"] = seeds
	summary["sweep"] = map[string]any{
		"experiment": s.Plan.Experiment, "runs": len(s.Plan.Runs), "finished": s.Finished, "successful": s.Successful,
		"selected_seed": s.Results[s.Selected].Seed, "selected_index": s.Selected, "command": s.Plan.Command("DIR"),
	}
	b, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sweep ship: summary: %w", err)
	}
	if err := diskcache.WriteBytes(filepath.Join(to, SummaryFile), append(b, '\n')); err != nil {
		return nil, fmt.Errorf("sweep ship: %w", err)
	}

	if o.Results != "" {
		if err := copyFile(filepath.Join(dir, PlanFile), filepath.Join(o.Results, PlanFile)); err != nil {
			return nil, err
		}
		for i, r := range s.Results {
			if r == nil {
				continue
			}
			if err := copyFile(filepath.Join(RunDir(dir, i), ResultFile), filepath.Join(RunDir(o.Results, i), ResultFile)); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// readJSON decodes the JSON file path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// copyFile copies the file src to dst (atomically), creating dst's directory.
func copyFile(src, dst string) error {
	if err := diskcache.CopyFile(src, dst); err != nil {
		return fmt.Errorf("sweep ship: %w", err)
	}
	return nil
}

// Command returns the dynlearn command that expands into the plan p, with its directory dir:
// "go run ./cmd/dynlearn sweep NAME [--quick] --seeds N | --seed-list S [--set KEY=V1,V2 ...]
// [--max-time D] --out DIR".
func (p *Plan) Command(dir string) string {
	c := []string{"go run ./cmd/dynlearn sweep", p.Experiment}
	if p.Quick {
		c = append(c, "--quick")
	}
	consecutive := true
	seeds := make([]string, len(p.Seeds))
	for i, sd := range p.Seeds {
		seeds[i] = strconv.FormatUint(sd, 10)
		consecutive = consecutive && sd == uint64(i+1)
	}
	if consecutive {
		c = append(c, "--seeds", strconv.Itoa(len(p.Seeds)))
	} else {
		c = append(c, "--seed-list", strings.Join(seeds, ","))
	}
	for _, q := range p.Grid {
		c = append(c, "--set", shellQuote(q.Key+"="+strings.Join(q.Values, ",")))
	}
	if p.MaxTime != "" {
		c = append(c, "--max-time", p.MaxTime)
	}
	return strings.Join(append(c, "--out", dir), " ")
}
