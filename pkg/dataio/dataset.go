package dataio

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// Dataset is a set of sampled trajectories of one system with the names of its states and control
// inputs. Every trajectory has len(States) state columns (X, and Xdot when given) and len(Inputs)
// input columns (U, required in every trajectory when Inputs is non-empty, nil otherwise).
type Dataset struct {
	States       []string           // state names, non-empty and unique; one per column of X
	Inputs       []string           // control input names, non-empty and unique; one per column of U
	Trajectories []sindy.Trajectory // at least one
}

// LoadOptions are the options of Load, FromArrays and FromTable.
type LoadOptions struct {
	// Dt is the uniform time step of trajectories whose file gives no times (no t column, no t/dt
	// arrays). 0 means the file must give them; times in the file take precedence over Dt.
	Dt float64
	// States, if non-empty, names the states instead of the file's names (x1..xn for .npy and .npz,
	// the column names for CSV). It must have one name per state.
	States []string
	// Inputs, if non-empty, names the control inputs instead of the file's names (u1..um for .npy and
	// .npz, the u_<name> column names for CSV). It must have one name per input.
	Inputs []string
}

// Load reads a data set from path, by extension: .npz (the x/t/xdot/u/dt array conventions of the
// package doc), .npy (one trajectory: a [T, n] or [T] array of states) or .csv (the column conventions
// of the package doc). The result is validated (see Dataset.Validate). Errors name the file.
func Load(path string, opts LoadOptions) (*Dataset, error) {
	ds, err := load(path, opts)
	return ds, inFile(err, path)
}

func load(path string, opts LoadOptions) (*Dataset, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npz":
		arrays, err := ReadNPZ(path)
		if err != nil {
			return nil, err
		}
		return fromArrays(arrays, opts, nil)
	case ".npy":
		a, err := ReadNPYFile(path)
		if err != nil {
			return nil, err
		}
		return fromArrays(map[string]*Array{"x": a}, opts, map[string]string{"x": "array"})
	case ".csv":
		t, err := ReadCSVFile(path)
		if err != nil {
			return nil, err
		}
		return FromTable(t, opts)
	default:
		return nil, errf(ErrInvalid, "unsupported extension %q; allowed: .npz, .npy, .csv", ext)
	}
}

// Save writes ds to path, atomically, by extension: .npz (stored members, named by the conventions of
// the package doc: x, t, xdot, u for one trajectory, x0, t0, ... for several; dt/dt0/... as 0-d arrays
// for trajectories with a uniform step and no times; state and input names are not stored) or .csv
// (columns traj when there are several trajectories, t, the states, <state>_dot, u_<input>; times of a
// uniform-step trajectory are written as k·Dt, so they load back as times). ds is validated first.
// Errors name the file.
func Save(path string, ds *Dataset) error {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npz":
		arrays, err := ds.Arrays()
		if err != nil {
			return inFile(err, path)
		}
		return WriteNPZ(path, arrays, false)
	case ".csv":
		t, err := ds.Table()
		if err != nil {
			return inFile(err, path)
		}
		return WriteCSVFile(path, t)
	default:
		return inFile(errf(ErrInvalid, "unsupported extension %q for a data set; allowed: .npz, .csv", ext), path)
	}
}

// Validate checks the data set: at least one trajectory; state and input names non-empty and unique,
// one per column; in every trajectory at least one sample, rows of len(States) finite states, times of
// the same length, finite and strictly increasing (or, without times, a finite Dt > 0), derivatives
// (when given) and inputs of the same shape as the states and inputs, all finite.
func (ds *Dataset) Validate() error { return ds.validate(nil) }

// validate is Validate with labels[k] naming trajectory k in errors (nil: "trajectory k").
func (ds *Dataset) validate(labels []string) error {
	if ds == nil {
		return errf(ErrInvalid, "nil data set")
	}
	if len(ds.Trajectories) == 0 {
		return errf(ErrInvalid, "no trajectories")
	}
	if err := checkNames("States", ds.States); err != nil {
		return err
	}
	if len(ds.Inputs) > 0 {
		if err := checkNames("Inputs", ds.Inputs); err != nil {
			return err
		}
	}
	n, m := len(ds.States), len(ds.Inputs)
	for k := range ds.Trajectories {
		tr := &ds.Trajectories[k]
		label := fmt.Sprintf("trajectory %d", k)
		if k < len(labels) && labels[k] != "" {
			label = labels[k]
		}
		if err := validateTrajectory(tr, ds.States, ds.Inputs, n, m); err != nil {
			return inWhere(err, label)
		}
	}
	return nil
}

func checkNames(field string, names []string) error {
	if len(names) == 0 {
		return errf(ErrInvalid, "%s is empty; name every column", field)
	}
	seen := map[string]bool{}
	for i, s := range names {
		if s == "" {
			return errf(ErrInvalid, "%s[%d] is empty; names must be non-empty", field, i)
		}
		if seen[s] {
			return errf(ErrInvalid, "%s has %q twice; names must be unique", field, s)
		}
		seen[s] = true
	}
	return nil
}

func validateTrajectory(tr *sindy.Trajectory, states, inputs []string, n, m int) error {
	T := len(tr.X)
	if T == 0 {
		return errf(ErrShape, "no samples")
	}
	if err := checkMatrix(tr.X, "X", "state", states, n); err != nil {
		return err
	}
	if tr.T != nil {
		if len(tr.T) != T {
			return errf(ErrShape, "%d times for %d samples", len(tr.T), T)
		}
		for i, v := range tr.T {
			if !isFinite(v) {
				return errf(ErrNonFinite, "time %d is %g; times must be finite", i, v)
			}
			if i > 0 && v <= tr.T[i-1] {
				return errf(ErrInvalid, "time %d = %g is not greater than time %d = %g; times must be strictly increasing", i, v, i-1, tr.T[i-1])
			}
		}
	} else if !(tr.Dt > 0) || !isFinite(tr.Dt) {
		return errf(ErrInvalid, "no times and Dt = %g; give times or a finite Dt > 0", tr.Dt)
	}
	if tr.Xdot != nil {
		if len(tr.Xdot) != T {
			return errf(ErrShape, "%d derivative samples for %d state samples", len(tr.Xdot), T)
		}
		if err := checkMatrix(tr.Xdot, "Xdot", "derivative of state", states, n); err != nil {
			return err
		}
	}
	switch {
	case m == 0 && tr.U != nil:
		return errf(ErrInvalid, "inputs U given but the data set names no Inputs; name them or drop U")
	case m > 0 && tr.U == nil:
		return errf(ErrInvalid, "no inputs U but the data set has %d inputs %v", m, inputs)
	case m > 0:
		if len(tr.U) != T {
			return errf(ErrShape, "%d input samples for %d state samples", len(tr.U), T)
		}
		if err := checkMatrix(tr.U, "U", "input", inputs, m); err != nil {
			return err
		}
	}
	return nil
}

// checkMatrix checks that every row of x has n finite values.
func checkMatrix(x [][]float64, field, what string, names []string, n int) error {
	for i, row := range x {
		if len(row) != n {
			return errf(ErrShape, "%s row %d has %d values, want %d (%v)", field, i, len(row), n, names)
		}
		for j, v := range row {
			if !isFinite(v) {
				return errf(ErrNonFinite, "sample %d, %s %s is %g; values must be finite", i, what, names[j], v)
			}
		}
	}
	return nil
}

// FromArrays builds a data set from named arrays following the .npz conventions of the package doc
// (x or x0, x1, ...; t, xdot, u, dt with the same suffix; other names are ignored) and validates it.
// Errors name the arrays but no file.
func FromArrays(arrays map[string]*Array, opts LoadOptions) (*Dataset, error) {
	return fromArrays(arrays, opts, nil)
}

// npzKinds are the array name prefixes of the data set conventions.
var npzKinds = []string{"xdot", "dt", "x", "t", "u"}

// fromArrays is FromArrays with display names for arrays in errors (for a .npy file's one array).
func fromArrays(arrays map[string]*Array, opts LoadOptions, display map[string]string) (*Dataset, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	disp := func(name string) string {
		if d, ok := display[name]; ok {
			return d
		}
		return name
	}
	byKind := map[string]map[string]*Array{} // kind -> suffix -> array
	for _, kind := range npzKinds {
		byKind[kind] = map[string]*Array{}
	}
	var all []string
	for name, a := range arrays {
		all = append(all, name)
		for _, kind := range npzKinds {
			suffix, ok := strings.CutPrefix(name, kind)
			if !ok || strings.Trim(suffix, "0123456789") != "" {
				continue
			}
			if suffix != "" && strconv.Itoa(mustAtoi(suffix)) != suffix {
				return nil, errf(ErrInvalid, "array %q: trajectory numbers are written without leading zeros (x0, x1, ..., x10)", name)
			}
			byKind[kind][suffix] = a
			break
		}
	}
	slices.Sort(all)
	xs := byKind["x"]
	if len(xs) == 0 {
		return nil, errf(ErrInvalid, "no trajectory: expected an array x, or x0, x1, ...; found %v", all)
	}
	if _, single := xs[""]; single && len(xs) > 1 {
		return nil, errf(ErrInvalid, "both x and x0, x1, ...: use x alone for one trajectory or x0, x1, ... for several")
	}
	var suffixes []string
	if _, single := xs[""]; single {
		suffixes = []string{""}
	} else {
		for k := range len(xs) {
			s := strconv.Itoa(k)
			if _, ok := xs[s]; !ok {
				return nil, errf(ErrInvalid, "no array x%d but %d trajectories x0, x1, ...: number them without gaps", k, len(xs))
			}
			suffixes = append(suffixes, s)
		}
	}
	for _, kind := range npzKinds[:] {
		for s := range byKind[kind] {
			if _, ok := xs[s]; !ok {
				return nil, errf(ErrInvalid, "array %s has no trajectory x%s", kind+s, s)
			}
		}
	}
	ds := &Dataset{}
	labels := make([]string, len(suffixes))
	n, m := -1, -1
	for k, s := range suffixes {
		labels[k] = disp("x" + s)
		tr, err := buildTrajectory(byKind, s, opts, disp)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = len(tr.X[0])
		} else if len(tr.X[0]) != n {
			return nil, errf(ErrShape, "%s has %d states, %s has %d; every trajectory needs the same states", labels[k], len(tr.X[0]), labels[0], n)
		}
		mk := 0
		if tr.U != nil {
			mk = len(tr.U[0])
		}
		if m < 0 {
			m = mk
		} else if mk != m {
			return nil, errf(ErrShape, "%s has %d inputs (u%s), %s has %d; every trajectory needs the same inputs", labels[k], mk, s, labels[0], m)
		}
		ds.Trajectories = append(ds.Trajectories, *tr)
	}
	var err error
	if ds.States, err = names(opts.States, "x", n, "LoadOptions.States", "states"); err != nil {
		return nil, err
	}
	if ds.Inputs, err = names(opts.Inputs, "u", m, "LoadOptions.Inputs", "inputs"); err != nil {
		return nil, err
	}
	if err := ds.validate(labels); err != nil {
		return nil, err
	}
	return ds, nil
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func checkOptions(opts LoadOptions) error {
	if opts.Dt < 0 || !isFinite(opts.Dt) {
		return errf(ErrInvalid, "LoadOptions.Dt = %g; allowed: a finite step > 0, or 0 when the file gives times", opts.Dt)
	}
	return nil
}

// names returns the given names (checked to be count long) or default names prefix1..prefixN.
func names(given []string, prefix string, count int, field, what string) ([]string, error) {
	if len(given) > 0 {
		if len(given) != count {
			return nil, errf(ErrInvalid, "%s has %d names %v but the data has %d %s", field, len(given), given, count, what)
		}
		return slices.Clone(given), nil
	}
	if count == 0 {
		return nil, nil
	}
	out := make([]string, count)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i+1)
	}
	return out, nil
}

// buildTrajectory assembles the trajectory with the given array suffix.
func buildTrajectory(byKind map[string]map[string]*Array, s string, opts LoadOptions, disp func(string) string) (*sindy.Trajectory, error) {
	xName := disp("x" + s)
	x, err := asMatrix(byKind["x"][s], xName)
	if err != nil {
		return nil, err
	}
	T := len(x)
	if T == 0 {
		return nil, errf(ErrShape, "%s has no samples (shape %s)", xName, shapeString(byKind["x"][s].Shape))
	}
	if len(x[0]) == 0 {
		return nil, errf(ErrShape, "%s has no states (shape %s)", xName, shapeString(byKind["x"][s].Shape))
	}
	tr := &sindy.Trajectory{X: x}
	ta, hasT := byKind["t"][s]
	dta, hasDt := byKind["dt"][s]
	switch {
	case hasT && hasDt:
		return nil, errf(ErrInvalid, "both t%s and dt%s: give the times or the uniform step, not both", s, s)
	case hasT:
		t, err := asMatrix(ta, "t"+s)
		if err != nil {
			return nil, err
		}
		if len(t) > 0 && len(t[0]) != 1 {
			return nil, errf(ErrShape, "t%s has shape %s; times are [T] (or [T, 1])", s, shapeString(ta.Shape))
		}
		if len(t) != T {
			return nil, errf(ErrShape, "t%s has %d times, %s has %d samples", s, len(t), xName, T)
		}
		tr.T = make([]float64, T)
		for i := range t {
			tr.T[i] = t[i][0]
		}
	case hasDt:
		if len(dta.Data) != 1 {
			return nil, errf(ErrShape, "dt%s has shape %s; a step is one number", s, shapeString(dta.Shape))
		}
		tr.Dt = dta.Data[0]
		if !(tr.Dt > 0) || !isFinite(tr.Dt) {
			return nil, errf(ErrInvalid, "dt%s = %g; a step must be finite and > 0", s, tr.Dt)
		}
	case opts.Dt > 0:
		tr.Dt = opts.Dt
	default:
		if s == "" && disp("x") != "x" {
			return nil, errf(ErrInvalid, "no sample times in a .npy file: give the step (LoadOptions.Dt, --dt)")
		}
		return nil, errf(ErrInvalid, "%s has no times: no array t%s or dt%s and no step (LoadOptions.Dt, --dt); give one", xName, s, s)
	}
	if a, ok := byKind["xdot"][s]; ok {
		xd, err := asMatrix(a, "xdot"+s)
		if err != nil {
			return nil, err
		}
		if len(xd) != T || len(xd[0]) != len(x[0]) {
			return nil, errf(ErrShape, "xdot%s has shape %s, %s has %s; derivatives need the states' shape", s, shapeString(a.Shape), xName, shapeString(byKind["x"][s].Shape))
		}
		tr.Xdot = xd
	}
	if a, ok := byKind["u"][s]; ok {
		u, err := asMatrix(a, "u"+s)
		if err != nil {
			return nil, err
		}
		if len(u) != T {
			return nil, errf(ErrShape, "u%s has %d samples, %s has %d", s, len(u), xName, T)
		}
		if len(u[0]) > 0 {
			tr.U = u
		}
	}
	return tr, nil
}

// asMatrix returns a rank-1 or rank-2 array as a matrix, or an error naming it.
func asMatrix(a *Array, name string) ([][]float64, error) {
	if len(a.Shape) != 1 && len(a.Shape) != 2 {
		return nil, errf(ErrShape, "%s has shape %s (rank %d); allowed: [T, columns] or [T]", name, shapeString(a.Shape), len(a.Shape))
	}
	m, err := a.ToMatrix()
	if err != nil {
		return nil, inWhere(err, name)
	}
	return m, nil
}

// Arrays returns the data set as named arrays (float64) following the .npz conventions of the package
// doc, as Save writes them. ds is validated first.
func (ds *Dataset) Arrays() (map[string]*Array, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	out := map[string]*Array{}
	for k, tr := range ds.Trajectories {
		s := ""
		if len(ds.Trajectories) > 1 {
			s = strconv.Itoa(k)
		}
		var err error
		if out["x"+s], err = FromMatrix(tr.X); err != nil {
			return nil, err
		}
		if tr.T != nil {
			out["t"+s] = FromVector(tr.T)
		} else {
			out["dt"+s] = &Array{Shape: []int{}, Data: []float64{tr.Dt}}
		}
		if tr.Xdot != nil {
			if out["xdot"+s], err = FromMatrix(tr.Xdot); err != nil {
				return nil, err
			}
		}
		if tr.U != nil {
			if out["u"+s], err = FromMatrix(tr.U); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// FromTable builds a data set from a CSV table following the column conventions of the package doc and
// validates it. Errors name the line and column of bad cells (when the table has Lines) but no file.
func FromTable(t *Table, opts LoadOptions) (*Dataset, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	tCol, trajCol := -1, -1
	var stateCols, inputCols []int
	var dotNames []string
	dotCol := map[string]int{}
	for j, c := range t.Columns {
		switch {
		case c == "t":
			tCol = j
		case c == "traj":
			trajCol = j
		case strings.HasPrefix(c, "u_"):
			if c == "u_" {
				return nil, errf(ErrInvalid, "column %d is named \"u_\": an input column is named u_<name>", j+1)
			}
			inputCols = append(inputCols, j)
		case len(c) > len("_dot") && strings.HasSuffix(c, "_dot"):
			dotNames = append(dotNames, c)
			dotCol[strings.TrimSuffix(c, "_dot")] = j
		default:
			stateCols = append(stateCols, j)
		}
	}
	if len(stateCols) == 0 {
		return nil, errf(ErrInvalid, "no state columns among %v; columns other than t, traj, <state>_dot and u_<name> are states", t.Columns)
	}
	isState := map[string]bool{}
	for _, j := range stateCols {
		isState[t.Columns[j]] = true
	}
	for _, c := range dotNames {
		if base := strings.TrimSuffix(c, "_dot"); !isState[base] {
			return nil, errf(ErrInvalid, "column %q is a derivative (ends in _dot) but there is no state column %q", c, base)
		}
	}
	var derivCols []int
	if len(dotCol) > 0 {
		var missing []string
		for _, j := range stateCols {
			d, ok := dotCol[t.Columns[j]]
			if !ok {
				missing = append(missing, t.Columns[j]+"_dot")
			}
			derivCols = append(derivCols, d)
		}
		if len(missing) > 0 {
			return nil, errf(ErrInvalid, "derivative columns for some states only: no column %s; give a <state>_dot column for every state or none", strings.Join(missing, ", "))
		}
	}
	if len(t.Rows) == 0 {
		return nil, errf(ErrInvalid, "no data rows, only the header")
	}
	where := func(i, j int) string {
		if l := t.line(i); l > 0 {
			return fmt.Sprintf("line %d, column %s", l, t.Columns[j])
		}
		return fmt.Sprintf("row %d, column %s", i, t.Columns[j])
	}
	check := func(cols []int, what string) error {
		for i, row := range t.Rows {
			for _, j := range cols {
				if !isFinite(row[j]) {
					return errf(ErrNonFinite, "%s: %g; %s must be finite", where(i, j), row[j], what)
				}
			}
		}
		return nil
	}
	if err := check(stateCols, "states"); err != nil {
		return nil, err
	}
	if err := check(derivCols, "derivatives"); err != nil {
		return nil, err
	}
	if err := check(inputCols, "inputs"); err != nil {
		return nil, err
	}
	if tCol >= 0 {
		if err := check([]int{tCol}, "times"); err != nil {
			return nil, err
		}
	} else if opts.Dt == 0 {
		return nil, errf(ErrInvalid, "no column t and no step (LoadOptions.Dt, --dt); give one")
	}
	// Group rows by trajectory id, in order of first appearance.
	var groups [][]int
	var ids []int64
	if trajCol < 0 {
		groups = [][]int{make([]int, len(t.Rows))}
		for i := range t.Rows {
			groups[0][i] = i
		}
	} else {
		index := map[int64]int{}
		for i, row := range t.Rows {
			v := row[trajCol]
			if !isFinite(v) || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
				return nil, errf(ErrInvalid, "%s: %g is not an integer trajectory id", where(i, trajCol), v)
			}
			id := int64(v)
			g, ok := index[id]
			if !ok {
				g = len(groups)
				index[id] = g
				groups = append(groups, nil)
				ids = append(ids, id)
			}
			groups[g] = append(groups[g], i)
		}
	}
	ds := &Dataset{}
	labels := make([]string, len(groups))
	for g, rows := range groups {
		if ids != nil {
			labels[g] = fmt.Sprintf("traj %d", ids[g])
		}
		tr := sindy.Trajectory{X: make([][]float64, len(rows))}
		if tCol >= 0 {
			tr.T = make([]float64, len(rows))
		} else {
			tr.Dt = opts.Dt
		}
		if derivCols != nil {
			tr.Xdot = make([][]float64, len(rows))
		}
		if inputCols != nil {
			tr.U = make([][]float64, len(rows))
		}
		for r, i := range rows {
			row := t.Rows[i]
			tr.X[r] = pick(row, stateCols)
			if derivCols != nil {
				tr.Xdot[r] = pick(row, derivCols)
			}
			if inputCols != nil {
				tr.U[r] = pick(row, inputCols)
			}
			if tCol >= 0 {
				tr.T[r] = row[tCol]
				if r > 0 && tr.T[r] <= tr.T[r-1] {
					msg := fmt.Sprintf("t = %g is not greater than t = %g on the previous row of the trajectory (%s); times must be strictly increasing",
						tr.T[r], tr.T[r-1], where(rows[r-1], tCol))
					if labels[g] != "" {
						msg += " within a trajectory (" + labels[g] + ")"
					}
					return nil, errf(ErrInvalid, "%s: %s", where(i, tCol), msg)
				}
			}
		}
		ds.Trajectories = append(ds.Trajectories, tr)
	}
	ds.States = make([]string, len(stateCols))
	for k, j := range stateCols {
		ds.States[k] = t.Columns[j]
	}
	for _, j := range inputCols {
		ds.Inputs = append(ds.Inputs, strings.TrimPrefix(t.Columns[j], "u_"))
	}
	var err error
	if len(opts.States) > 0 {
		if ds.States, err = names(opts.States, "", len(stateCols), "LoadOptions.States", "states"); err != nil {
			return nil, err
		}
	}
	if len(opts.Inputs) > 0 {
		if ds.Inputs, err = names(opts.Inputs, "", len(inputCols), "LoadOptions.Inputs", "inputs"); err != nil {
			return nil, err
		}
	}
	if err := ds.validate(labels); err != nil {
		return nil, err
	}
	return ds, nil
}

func pick(row []float64, cols []int) []float64 {
	out := make([]float64, len(cols))
	for k, j := range cols {
		out[k] = row[j]
	}
	return out
}

// Table returns the data set as a CSV table following the column conventions of the package doc, as
// Save writes it: traj (with several trajectories), t, the states, <state>_dot (when the trajectories
// have derivatives: all or none must), u_<input>. ds is validated first; state names that would read
// back as another kind of column (t, traj, u_..., <state>_dot) are an error.
func (ds *Dataset) Table() (*Table, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	isState := map[string]bool{}
	for _, s := range ds.States {
		isState[s] = true
	}
	for _, s := range ds.States {
		base, isDot := strings.CutSuffix(s, "_dot")
		if s == "t" || s == "traj" || strings.HasPrefix(s, "u_") || (isDot && base != "") || strings.TrimSpace(s) != s || strings.HasPrefix(s, "#") {
			return nil, errf(ErrInvalid, "state name %q cannot be a CSV column: t, traj, u_<name>, <name>_dot and names with surrounding spaces or a leading '#' have other meanings; rename the state", s)
		}
	}
	for _, s := range ds.Inputs {
		if strings.TrimSpace(s) != s {
			return nil, errf(ErrInvalid, "input name %q has surrounding spaces; rename it", s)
		}
	}
	withDot := ds.Trajectories[0].Xdot != nil
	for k, tr := range ds.Trajectories {
		if (tr.Xdot != nil) != withDot {
			return nil, errf(ErrInvalid, "trajectory %d has derivatives and trajectory 0 %s: a CSV holds derivatives for all trajectories or none", k, map[bool]string{true: "has", false: "has not"}[withDot])
		}
	}
	multi := len(ds.Trajectories) > 1
	var cols []string
	if multi {
		cols = append(cols, "traj")
	}
	cols = append(cols, "t")
	cols = append(cols, ds.States...)
	if withDot {
		for _, s := range ds.States {
			cols = append(cols, s+"_dot")
		}
	}
	for _, s := range ds.Inputs {
		cols = append(cols, "u_"+s)
	}
	t := &Table{Columns: cols}
	for k, tr := range ds.Trajectories {
		for i := range tr.X {
			row := make([]float64, 0, len(cols))
			if multi {
				row = append(row, float64(k))
			}
			if tr.T != nil {
				row = append(row, tr.T[i])
			} else {
				row = append(row, float64(i)*tr.Dt)
			}
			row = append(row, tr.X[i]...)
			if withDot {
				row = append(row, tr.Xdot[i]...)
			}
			if tr.U != nil {
				row = append(row, tr.U[i]...)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}
