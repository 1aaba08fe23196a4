package sweep

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/experiments"
	"github.com/dynlearn/dynlearn/pkg/plotting"
)

// ReportFile is the report's name in a sweep's directory; plots go to its PlotsDir.
const (
	ReportFile = "report.md"
	PlotsDir   = "plots"
)

// maxColumns caps the metric columns of the table when the experiment names none.
const maxColumns = 6

// ReportOptions configure Report.
type ReportOptions struct {
	// Sort is the metric the table is sorted by, ascending ("-name": descending; "" = run index).
	Sort string
	// NoPlots skips the plots.
	NoPlots bool
	// ReadOnly computes the report without writing anything (no report.md, no plots): for
	// showing a shipped sweep, e.g. in a notebook.
	ReadOnly bool
}

// Summary is what Report computed.
type Summary struct {
	Plan    *Plan
	Results []*Result // one per run of the plan, nil without a result
	// Finished and Successful count the results and the successful ones.
	Finished, Successful int
	// Selected is the index of the run the experiment's rule selects (-1: none).
	Selected int
	// Markdown is the report; Plots the files written.
	Markdown string
	Plots    []string
}

// Report reads the results of the sweep in dir and writes dir/report.md (a markdown table of the
// runs, the seeds-to-success count, the run the experiment's selection rule selects) and, unless
// o.NoPlots, SVG plots of the main metric in dir/plots: per seed, and against each swept setting.
// With o.ReadOnly it writes nothing and only returns the summary.
func Report(dir string, o ReportOptions) (*Summary, error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	e, err := experiments.Get(p.Experiment)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", dir, err)
	}
	res, err := Results(dir, p)
	if err != nil {
		return nil, err
	}
	s := &Summary{Plan: p, Results: res, Selected: -1}
	var have []*Result
	for _, r := range res {
		if r != nil {
			have = append(have, r)
			s.Finished++
			if r.Success {
				s.Successful++
			}
		}
	}
	cols := columns(e, have)
	sortKey, desc := strings.CutPrefix(o.Sort, "-")
	if sortKey != "" && !hasMetric(have, sortKey) {
		names := allMetrics(have)
		return nil, fmt.Errorf("%w: --sort %s: no run has the metric %q (metrics: %s)", ErrUsage, o.Sort, sortKey, strings.Join(names, ", "))
	}
	if sortKey != "" && !contains(cols, sortKey) {
		cols = append([]string{sortKey}, cols...)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep of %s (%s mode)\n\n", p.Experiment, mode(p.Quick))
	fmt.Fprintf(&b, "%d runs: seeds %s", len(p.Runs), seedList(p.Seeds))
	for _, q := range p.Grid {
		fmt.Fprintf(&b, " × %s ∈ {%s}", q.Key, strings.Join(q.Values, ", "))
	}
	fmt.Fprintf(&b, "; %d finished.\n\n", s.Finished)
	if len(e.Success) > 0 {
		var cs []string
		for _, c := range e.Success {
			cs = append(cs, "`"+c.String()+"`")
		}
		fmt.Fprintf(&b, "Success: %s.\n\n", strings.Join(cs, ", "))
	} else {
		fmt.Fprintf(&b, "Success: the experiment defines no checks; every finished run counts.\n\n")
	}
	fmt.Fprintf(&b, "**Seeds to success: %d of %d** finished runs successful", s.Successful, s.Finished)
	if s.Finished < len(p.Runs) {
		fmt.Fprintf(&b, " (%d of %d runs not finished)", len(p.Runs)-s.Finished, len(p.Runs))
	}
	fmt.Fprintln(&b, ".")
	if len(p.Swept()) > 0 {
		fmt.Fprintln(&b)
		for _, pt := range gridPoints(p) {
			k, n := 0, 0
			for _, r := range res {
				if r != nil && labelOf(r.Settings) == pt {
					n++
					if r.Success {
						k++
					}
				}
			}
			fmt.Fprintf(&b, "- %s: %d of %d\n", pt, k, n)
		}
	}
	fmt.Fprintln(&b)
	sel, note := Select(e.Select, have)
	if sel != nil {
		s.Selected = sel.Index
		v, _ := sel.Metric(e.Select.Metric)
		fmt.Fprintf(&b, "**Selected: run %d** (seed %d%s): %s = %.4g, by the rule: %s%s.\n\n", sel.Index, sel.Seed,
			prefixed(", ", labelOf(sel.Settings)), e.Select.Metric, v, e.Select, note)
	} else {
		fmt.Fprintf(&b, "Selected: none (rule: %s%s).\n\n", e.Select, note)
	}

	rows := append([]*Result(nil), have...)
	if sortKey != "" {
		sort.SliceStable(rows, func(i, j int) bool {
			vi, oki := rows[i].Metric(sortKey)
			vj, okj := rows[j].Metric(sortKey)
			if oki != okj {
				return oki
			}
			if desc {
				return vi > vj
			}
			return vi < vj
		})
	}
	head := []string{"run", "seed"}
	for _, q := range p.Swept() {
		head = append(head, q.Key)
	}
	for _, c := range e.Success {
		head = append(head, c.Flag)
	}
	head = append(head, cols...)
	head = append(head, "wall s", "host", "backend")
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, r := range rows {
		cells := []string{strconv.Itoa(r.Index), strconv.FormatUint(r.Seed, 10)}
		if r.Index == s.Selected {
			cells[0] = "**" + cells[0] + "** ★"
		}
		for _, q := range p.Swept() {
			cells = append(cells, settingOf(r.Settings, q.Key))
		}
		for _, c := range e.Success {
			cells = append(cells, map[bool]string{true: "yes", false: "no"}[r.Flags[c.Flag]])
		}
		for _, c := range cols {
			if v, ok := r.Metric(c); ok {
				cells = append(cells, fmt.Sprintf("%.4g", v))
			} else {
				cells = append(cells, "–")
			}
		}
		cells = append(cells, fmt.Sprintf("%.1f", r.WallSeconds), r.Host, "`"+r.Backend+"`")
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	for i, r := range res {
		if r == nil {
			fmt.Fprintf(&b, "| %d | %d | not finished |\n", i, p.Runs[i].Seed)
		}
	}

	if !o.NoPlots && !o.ReadOnly && len(have) > 0 {
		metric := sortKey
		if metric == "" && e.Select.Metric != "" && hasMetric(have, e.Select.Metric) {
			metric = e.Select.Metric
		}
		if metric == "" && len(cols) > 0 {
			metric = cols[0]
		}
		if metric != "" {
			files, err := plots(dir, p, have, metric)
			if err != nil {
				return nil, err
			}
			s.Plots = files
			fmt.Fprintf(&b, "\nPlots of %s:\n\n", metric)
			for _, f := range files {
				rel, _ := filepath.Rel(dir, f)
				fmt.Fprintf(&b, "![%s](%s)\n", strings.TrimSuffix(filepath.Base(f), ".svg"), filepath.ToSlash(rel))
			}
		}
	}
	s.Markdown = b.String()
	if o.ReadOnly {
		return s, nil
	}
	if err := diskcache.WriteBytes(filepath.Join(dir, ReportFile), []byte(s.Markdown)); err != nil {
		return nil, err
	}
	return s, nil
}

// Select returns the run that rule selects among rs (nil when the rule has no metric or no run
// qualifies) and a note on how: when AmongSuccessful and no run is successful, it selects among
// all the finished runs and says so.
func Select(rule experiments.Selection, rs []*Result) (*Result, string) {
	if rule.Metric == "" {
		return nil, ""
	}
	pick := func(onlyOK bool) *Result {
		var best *Result
		var bv float64
		for _, r := range rs {
			v, ok := r.Metric(rule.Metric)
			if !ok || math.IsNaN(v) || (onlyOK && !r.Success) {
				continue
			}
			if best == nil || (rule.Maximize && v > bv) || (!rule.Maximize && v < bv) {
				best, bv = r, v
			}
		}
		return best
	}
	if !rule.AmongSuccessful {
		return pick(false), ""
	}
	if r := pick(true); r != nil {
		return r, ""
	}
	if r := pick(false); r != nil {
		return r, "; no run is successful, so among all the finished runs"
	}
	return nil, ""
}

// columns returns the metric columns: the experiment's Metrics present in the results, or else
// the selection and check metrics and then the others, at most maxColumns.
func columns(e *experiments.Experiment, rs []*Result) []string {
	var cols []string
	add := func(m string) {
		if m != "" && !contains(cols, m) && hasMetric(rs, m) {
			cols = append(cols, m)
		}
	}
	if len(e.Metrics) > 0 {
		for _, m := range e.Metrics {
			add(m)
		}
		return cols
	}
	add(e.Select.Metric)
	for _, c := range e.Success {
		add(c.Metric)
	}
	for _, m := range allMetrics(rs) {
		if len(cols) >= maxColumns {
			break
		}
		add(m)
	}
	return cols
}

func allMetrics(rs []*Result) []string {
	seen := map[string]bool{}
	var names []string
	for _, r := range rs {
		for _, m := range r.MetricNames() {
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	sort.Strings(names)
	return names
}

func hasMetric(rs []*Result, m string) bool {
	for _, r := range rs {
		if _, ok := r.Metric(m); ok {
			return true
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func settingOf(ss []Setting, key string) string {
	for _, kv := range ss {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

func seedList(seeds []uint64) string {
	var parts []string
	for _, s := range seeds {
		parts = append(parts, strconv.FormatUint(s, 10))
	}
	return strings.Join(parts, ", ")
}

// gridPoints returns the labels of the grid's points in plan order.
func gridPoints(p *Plan) []string {
	var out []string
	for _, r := range p.Runs {
		l := r.Label()
		if !contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// plots writes the plots of metric: per seed (one series per grid point) and against each swept
// setting (numeric values on the x axis; other values by their position in the list).
func plots(dir string, p *Plan, rs []*Result, metric string) ([]string, error) {
	pd := filepath.Join(dir, PlotsDir)
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var files []string
	fig := plotting.Line(fmt.Sprintf("%s: %s per seed", p.Experiment, metric), "seed", metric)
	series := 0
	for k, pt := range gridPoints(p) {
		var xs, ys []float64
		for _, r := range rs {
			if labelOf(r.Settings) != pt {
				continue
			}
			if v, ok := r.Metric(metric); ok {
				xs, ys = append(xs, float64(r.Seed)), append(ys, v)
			}
		}
		if len(xs) == 0 {
			continue
		}
		name := pt
		if name == "" {
			name = metric
		}
		fig.Add(name, xs, ys, plotting.Points(), plotting.Color(k))
		series++
	}
	if series > 0 {
		f := filepath.Join(pd, safeName(metric)+"_per_seed.svg")
		if err := fig.Save(f); err != nil {
			return nil, fmt.Errorf("sweep: plot %s: %w", f, err)
		}
		files = append(files, f)
	}
	for _, q := range p.Swept() {
		numeric := true
		for _, v := range q.Values {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				numeric = false
			}
		}
		xlabel := q.Key
		if !numeric {
			xlabel += " (value number: " + strings.Join(q.Values, ", ") + ")"
		}
		var xs, ys []float64
		for _, r := range rs {
			v, ok := r.Metric(metric)
			if !ok {
				continue
			}
			sv := settingOf(r.Settings, q.Key)
			x := float64(indexOf(q.Values, sv))
			if numeric {
				x, _ = strconv.ParseFloat(sv, 64)
			}
			xs, ys = append(xs, x), append(ys, v)
		}
		if len(xs) == 0 {
			continue
		}
		f := filepath.Join(pd, safeName(metric)+"_vs_"+safeName(q.Key)+".svg")
		g := plotting.Line(fmt.Sprintf("%s: %s against %s (all seeds)", p.Experiment, metric, q.Key), xlabel, metric).
			Add(metric, xs, ys, plotting.Points())
		if err := g.Save(f); err != nil {
			return nil, fmt.Errorf("sweep: plot %s: %w", f, err)
		}
		files = append(files, f)
	}
	return files, nil
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// safeName keeps letters, digits, dots, dashes and underscores of s.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// labelOf is the label of a run with settings ss (Spec.Label).
func labelOf(ss []Setting) string { return Spec{Settings: ss}.Label() }
