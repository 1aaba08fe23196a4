package dataio_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// randomDataset returns a data set of 1-4 trajectories of different lengths with n states, times or a
// uniform step, derivatives (in all trajectories or none) and m inputs.
func randomDataset(rng *rand.Rand, n, m int, withDot bool) *dataio.Dataset {
	ds := &dataio.Dataset{}
	for i := range n {
		ds.States = append(ds.States, "s"+string(rune('a'+i)))
	}
	for i := range m {
		ds.Inputs = append(ds.Inputs, "in"+string(rune('a'+i)))
	}
	mat := func(rows, cols int) [][]float64 {
		x := make([][]float64, rows)
		for i := range x {
			x[i] = make([]float64, cols)
			for j := range x[i] {
				x[i][j] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
			}
		}
		return x
	}
	for range rng.IntN(4) + 1 {
		T := rng.IntN(20) + 1
		tr := sindy.Trajectory{X: mat(T, n)}
		if rng.IntN(2) == 0 {
			tr.Dt = 0.001 + rng.Float64()
		} else {
			tr.T = make([]float64, T)
			t := rng.NormFloat64()
			for i := range tr.T {
				tr.T[i] = t
				t += 1e-3 + rng.Float64()
			}
		}
		if withDot {
			tr.Xdot = mat(T, n)
		}
		if m > 0 {
			tr.U = mat(T, m)
		}
		ds.Trajectories = append(ds.Trajectories, tr)
	}
	return ds
}

func equalMatrices(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameFloats(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameDataset compares two data sets exactly; with timesFromDt, a trajectory with a uniform step in a
// may come back with the times k·Dt (as from a CSV).
func sameDataset(t *testing.T, what string, a, b *dataio.Dataset, timesFromDt bool) {
	t.Helper()
	if strings.Join(a.States, ",") != strings.Join(b.States, ",") || strings.Join(a.Inputs, ",") != strings.Join(b.Inputs, ",") {
		t.Fatalf("%s: names %v %v, want %v %v", what, b.States, b.Inputs, a.States, a.Inputs)
	}
	if len(a.Trajectories) != len(b.Trajectories) {
		t.Fatalf("%s: %d trajectories, want %d", what, len(b.Trajectories), len(a.Trajectories))
	}
	for k := range a.Trajectories {
		x, y := a.Trajectories[k], b.Trajectories[k]
		wantT, wantDt := x.T, x.Dt
		if x.T == nil && timesFromDt {
			wantT, wantDt = make([]float64, len(x.X)), 0
			for i := range wantT {
				wantT[i] = float64(i) * x.Dt
			}
		}
		if !sameFloats(wantT, y.T) || wantDt != y.Dt || !equalMatrices(x.X, y.X) || !equalMatrices(x.Xdot, y.Xdot) || !equalMatrices(x.U, y.U) {
			t.Fatalf("%s: trajectory %d\n got %+v\nwant %+v", what, k, y, x)
		}
	}
}

// TestDatasetRoundTrip saves random data sets (several trajectories, times or steps, derivatives,
// inputs) to .npz and .csv and loads them back exactly.
func TestDatasetRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 3))
	dir := t.TempDir()
	for i := range 60 {
		n, m := rng.IntN(4)+1, rng.IntN(3)
		ds := randomDataset(rng, n, m, rng.IntN(2) == 0)
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
		npz := filepath.Join(dir, "d.npz")
		if err := dataio.Save(npz, ds); err != nil {
			t.Fatal(err)
		}
		back, err := dataio.Load(npz, dataio.LoadOptions{States: ds.States, Inputs: ds.Inputs})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		sameDataset(t, "npz", ds, back, false)

		csv := filepath.Join(dir, "d.csv")
		if err := dataio.Save(csv, ds); err != nil {
			t.Fatal(err)
		}
		back, err = dataio.Load(csv, dataio.LoadOptions{})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		sameDataset(t, "csv", ds, back, true)
	}
}

// TestLoadNPYAndDt: a .npy file is one trajectory, a 1-D array one state; without times the step comes
// from LoadOptions.Dt, and without either Load says so naming the file.
func TestLoadNPYAndDt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "one.npy")
	if err := dataio.WriteNPYFile(path, dataio.FromVector([]float64{1, 2, 4})); err != nil {
		t.Fatal(err)
	}
	ds, err := dataio.Load(path, dataio.LoadOptions{Dt: 0.5, States: []string{"h"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Trajectories) != 1 || ds.States[0] != "h" || ds.Trajectories[0].Dt != 0.5 || ds.Trajectories[0].X[2][0] != 4 {
		t.Errorf("got %+v", ds)
	}
	_, err = dataio.Load(path, dataio.LoadOptions{})
	if !errors.Is(err, dataio.ErrInvalid) || !strings.Contains(err.Error(), "one.npy") || !strings.Contains(err.Error(), "LoadOptions.Dt") {
		t.Errorf("no dt: %v", err)
	}
	_, err = dataio.Load(path, dataio.LoadOptions{Dt: 1, States: []string{"a", "b"}})
	if !errors.Is(err, dataio.ErrInvalid) || !strings.Contains(err.Error(), "LoadOptions.States has 2 names") {
		t.Errorf("wrong rename: %v", err)
	}
}

// TestLoadCSVConventions: t, traj (rows grouped by id in order of first appearance, even when
// interleaved), <state>_dot and u_<name> columns.
func TestLoadCSVConventions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	text := "x,traj,t,y_dot,u_F,y,x_dot\n" +
		"1,7,0,10,100,2,20\n" +
		"3,5,0,11,101,4,21\n" +
		"5,7,0.5,12,102,6,22\n"
	if err := writeText(path, text); err != nil {
		t.Fatal(err)
	}
	ds, err := dataio.Load(path, dataio.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ds.States, ",") != "x,y" || strings.Join(ds.Inputs, ",") != "F" || len(ds.Trajectories) != 2 {
		t.Fatalf("states %v inputs %v, %d trajectories", ds.States, ds.Inputs, len(ds.Trajectories))
	}
	a, b := ds.Trajectories[0], ds.Trajectories[1]
	if !equalMatrices(a.X, [][]float64{{1, 2}, {5, 6}}) || !equalMatrices(a.Xdot, [][]float64{{20, 10}, {22, 12}}) ||
		!sameFloats(a.T, []float64{0, 0.5}) || !equalMatrices(a.U, [][]float64{{100}, {102}}) {
		t.Errorf("traj 7: %+v", a)
	}
	if !equalMatrices(b.X, [][]float64{{3, 4}}) || !sameFloats(b.T, []float64{0}) {
		t.Errorf("traj 5: %+v", b)
	}
}

// checkCSVFixture loads the np.savetxt CSV ("# " before the header, two trajectories).
func checkCSVFixture(t *testing.T, dir string) {
	ds, err := dataio.Load(filepath.Join(dir, "savetxt.csv"), dataio.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := fixtureValues(12, false)
	u := fixtureValues(6, false)
	if strings.Join(ds.States, ",") != "a,b" || strings.Join(ds.Inputs, ",") != "f" || len(ds.Trajectories) != 2 {
		t.Fatalf("states %v inputs %v, %d trajectories", ds.States, ds.Inputs, len(ds.Trajectories))
	}
	tr := ds.Trajectories[1]
	if !sameFloats(tr.T, []float64{0, 0.25, 0.5}) || !sameFloats(tr.X[2], v[10:12]) || tr.U[1][0] != u[4]/2 {
		t.Errorf("trajectory 1: %+v", tr)
	}
}

// TestCSVCommittedFixture checks the committed np.savetxt CSV.
func TestCSVCommittedFixture(t *testing.T) { checkCSVFixture(t, "testdata") }

// TestCSVTableRoundTrip writes random tables (names needing quotes too) and reads them back exactly.
func TestCSVTableRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 4))
	for i := range 50 {
		cols := rng.IntN(5) + 1
		tab := &dataio.Table{}
		for j := range cols {
			tab.Columns = append(tab.Columns, []string{"a", "b,c", `q"uote`, "é", "x y"}[j])
		}
		for range rng.IntN(10) {
			row := make([]float64, cols)
			for j := range row {
				row[j] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(600)-300))
			}
			tab.Rows = append(tab.Rows, row)
		}
		var buf bytes.Buffer
		if err := dataio.WriteCSV(&buf, tab); err != nil {
			t.Fatal(err)
		}
		back, err := dataio.ReadCSV(&buf, "mem.csv")
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if strings.Join(back.Columns, "|") != strings.Join(tab.Columns, "|") || !equalMatrices(back.Rows, tab.Rows) {
			t.Fatalf("case %d: got %+v want %+v", i, back, tab)
		}
		for r, line := range back.Lines {
			if line != r+2 {
				t.Fatalf("row %d on line %d", r, line)
			}
		}
	}
}

// TestSaveRefusesAmbiguousCSV: state names that would read back as other columns, and derivatives in
// some trajectories only, cannot be written to CSV.
func TestSaveRefusesAmbiguousCSV(t *testing.T) {
	dir := t.TempDir()
	tr := sindy.Trajectory{Dt: 1, X: [][]float64{{1, 2}}}
	for _, states := range [][]string{{"t", "y"}, {"x", "x_dot"}, {"u_a", "y"}, {"traj", "y"}} {
		err := dataio.Save(filepath.Join(dir, "a.csv"), &dataio.Dataset{States: states, Trajectories: []sindy.Trajectory{tr}})
		if !errors.Is(err, dataio.ErrInvalid) || !strings.Contains(err.Error(), "a.csv") {
			t.Errorf("states %v: %v", states, err)
		}
	}
	withDot := sindy.Trajectory{Dt: 1, X: [][]float64{{1, 2}}, Xdot: [][]float64{{0, 0}}}
	err := dataio.Save(filepath.Join(dir, "b.csv"), &dataio.Dataset{States: []string{"x", "y"}, Trajectories: []sindy.Trajectory{withDot, tr}})
	if !errors.Is(err, dataio.ErrInvalid) || !strings.Contains(err.Error(), "derivatives for all trajectories or none") {
		t.Errorf("mixed derivatives: %v", err)
	}
	// The same data set is fine in an .npz.
	if err := dataio.Save(filepath.Join(dir, "b.npz"), &dataio.Dataset{States: []string{"x", "y"}, Trajectories: []sindy.Trajectory{withDot, tr}}); err != nil {
		t.Error(err)
	}
}
