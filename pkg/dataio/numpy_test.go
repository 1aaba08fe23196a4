package dataio_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// TestNumpyFixtures regenerates the fixtures with testdata/make_fixtures.py and the installed numpy and
// reads them back exactly (skipped without python3 and numpy).
func TestNumpyFixtures(t *testing.T) {
	py := numpyPython(t)
	dir := t.TempDir()
	if out, err := exec.Command(py, filepath.Join("testdata", "make_fixtures.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("make_fixtures.py: %v\n%s", err, out)
	}
	checkNPYFixtures(t, dir)
	checkNPZFixtures(t, dir)
	checkCSVFixture(t, dir)
}

// manifestEntry tells the Python check what one array written by this package must hold.
type manifestEntry struct {
	Path    string   `json:"path"`
	Member  string   `json:"member,omitempty"` // an .npz member name (without .npy)
	CSV     bool     `json:"csv,omitempty"`    // a CSV data set: np.loadtxt with the header skipped
	Shape   []int    `json:"shape"`
	DType   string   `json:"dtype"`
	Fortran bool     `json:"fortran"`
	Values  []string `json:"values"` // C order, as exact hex floats
}

const numpyCheck = `
import json, sys
import numpy as np
entries = json.load(open(sys.argv[1]))
for e in entries:
    where = e["path"] + ("[" + e["member"] + "]" if e.get("member") else "")
    if e.get("csv"):
        a = np.loadtxt(e["path"], delimiter=",", skiprows=1, ndmin=2)
    elif e.get("member"):
        a = np.load(e["path"])[e["member"]]
    else:
        a = np.load(e["path"])
    assert a.dtype.str == e["dtype"], (where, a.dtype.str)
    assert a.shape == tuple(e["shape"]), (where, a.shape)
    if not e.get("csv"):
        assert (a.flags.f_contiguous if e["fortran"] else a.flags.c_contiguous), (where, a.flags)
    want = np.array([float.fromhex(v) for v in e["values"]], dtype="<f8")
    got = a.astype("<f8").ravel(order="C")
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), where
    assert np.array_equal(got[~nan].view("<u8"), want[~nan].view("<u8")), (where, got, want)
print("numpy read", len(entries), "arrays")
`

func hexValues(v []float64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = strconv.FormatFloat(x, 'x', -1, 64)
	}
	return out
}

func entryFor(path, member string, a *dataio.Array) manifestEntry {
	dtype := "<f8"
	if a.Float32 {
		dtype = "<f4"
	}
	return manifestEntry{Path: path, Member: member, Shape: a.Shape, DType: dtype, Fortran: a.Fortran, Values: hexValues(a.Data)}
}

// TestNumpyReadsOurFiles writes random .npy arrays (float32/64, C/Fortran, ranks 0-3), stored and
// compressed .npz archives and a data set (.npz and .csv), and has numpy read them back exactly
// (skipped without python3 and numpy).
func TestNumpyReadsOurFiles(t *testing.T) {
	py := numpyPython(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(24, 5))
	var entries []manifestEntry
	arrays := map[string]*dataio.Array{}
	for i := range 40 {
		a := randomArray(rng)
		path := filepath.Join(dir, "a"+strconv.Itoa(i)+".npy")
		if err := dataio.WriteNPYFile(path, a); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, entryFor(path, "", a))
		arrays["a"+strconv.Itoa(i)] = a
	}
	for _, compressed := range []bool{false, true} {
		path := filepath.Join(dir, "arrays"+strconv.FormatBool(compressed)+".npz")
		if err := dataio.WriteNPZ(path, arrays, compressed); err != nil {
			t.Fatal(err)
		}
		for name, a := range arrays {
			entries = append(entries, entryFor(path, name, a))
		}
	}
	ds := randomDataset(rng, 3, 1, true)
	npz := filepath.Join(dir, "ds.npz")
	if err := dataio.Save(npz, ds); err != nil {
		t.Fatal(err)
	}
	named, err := ds.Arrays()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range named {
		entries = append(entries, entryFor(npz, name, a))
	}
	csv := filepath.Join(dir, "ds.csv")
	if err := dataio.Save(csv, ds); err != nil {
		t.Fatal(err)
	}
	tab, err := ds.Table()
	if err != nil {
		t.Fatal(err)
	}
	whole, err := dataio.FromMatrix(tab.Rows)
	if err != nil {
		t.Fatal(err)
	}
	e := entryFor(csv, "", whole)
	e.CSV = true
	entries = append(entries, e)

	manifest := filepath.Join(dir, "manifest.json")
	b, _ := json.Marshal(entries)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", numpyCheck, manifest).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy check failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
