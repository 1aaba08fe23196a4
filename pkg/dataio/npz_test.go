package dataio_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// checkNPZFixtures reads np.savez and np.savez_compressed archives of a two-trajectory data set and
// compares every array exactly, then loads them as data sets.
func checkNPZFixtures(t *testing.T, dir string) {
	v := func(n int, scale float64) []float64 {
		out := fixtureValues(n, false)
		for i := range out {
			out[i] *= scale
		}
		return out
	}
	want := map[string][]float64{
		"x0": v(12, 1), "x1": v(12, 2), "xdot0": v(12, -1), "xdot1": v(12, 3),
		"t0": {0, 0.25, 0.5, 0.75}, "t1": {0.125, 0.375, 0.625, 0.875}, "u0": v(4, 1),
	}
	u1 := fixtureValues(4, false)
	for i := range u1 {
		u1[i] /= 3
	}
	want["u1"] = u1
	for _, name := range []string{"savez.npz", "savez_compressed.npz"} {
		path := filepath.Join(dir, name)
		arrays, err := dataio.ReadNPZ(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(arrays) != len(want) {
			t.Errorf("%s: %d arrays, want %d", name, len(arrays), len(want))
		}
		for k, w := range want {
			if a := arrays[k]; a == nil || !sameFloats(a.Data, w) {
				t.Errorf("%s: %s = %+v, want %v", name, k, a, w)
			}
		}
		ds, err := dataio.Load(path, dataio.LoadOptions{})
		if err != nil {
			t.Errorf("Load %s: %v", name, err)
			continue
		}
		if len(ds.Trajectories) != 2 || len(ds.States) != 3 || ds.States[2] != "x3" || len(ds.Inputs) != 1 || ds.Inputs[0] != "u1" {
			t.Errorf("Load %s: %d trajectories, states %v, inputs %v", name, len(ds.Trajectories), ds.States, ds.Inputs)
			continue
		}
		tr := ds.Trajectories[1]
		if !sameFloats(tr.T, want["t1"]) || !sameFloats(tr.X[3], want["x1"][9:12]) || !sameFloats(tr.Xdot[0], want["xdot1"][:3]) || tr.U[2][0] != u1[2] {
			t.Errorf("Load %s: trajectory 1 = %+v", name, tr)
		}
	}
}

// TestNPZCommittedFixtures checks the committed np.savez / np.savez_compressed archives.
func TestNPZCommittedFixtures(t *testing.T) { checkNPZFixtures(t, "testdata") }

// TestNPZRoundTrip writes random named arrays stored and compressed and reads them back exactly; equal
// arrays give byte-identical archives (sorted members, fixed time stamps).
func TestNPZRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 2))
	dir := t.TempDir()
	for i := range 30 {
		arrays := map[string]*dataio.Array{}
		for j := range rng.IntN(6) + 1 {
			arrays[string(rune('a'+j))+strings.Repeat("w", rng.IntN(3))] = randomArray(rng)
		}
		for _, compressed := range []bool{false, true} {
			path := filepath.Join(dir, "r.npz")
			if err := dataio.WriteNPZ(path, arrays, compressed); err != nil {
				t.Fatal(err)
			}
			first, _ := os.ReadFile(path)
			back, err := dataio.ReadNPZ(path)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if len(back) != len(arrays) {
				t.Fatalf("case %d: %d arrays back, wrote %d", i, len(back), len(arrays))
			}
			for name, a := range arrays {
				b := back[name]
				if b == nil || !sameShape(a.Shape, b.Shape) || a.Float32 != b.Float32 || a.Fortran != b.Fortran || !sameFloats(a.Data, b.Data) {
					t.Fatalf("case %d: %s wrote %+v, read %+v", i, name, a, b)
				}
			}
			if err := dataio.WriteNPZ(path, arrays, compressed); err != nil {
				t.Fatal(err)
			}
			if second, _ := os.ReadFile(path); !bytes.Equal(first, second) {
				t.Fatalf("case %d: two writes of the same arrays differ", i)
			}
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			for k, f := range zr.File {
				if wantMethod := map[bool]uint16{false: zip.Store, true: zip.Deflate}[compressed]; f.Method != wantMethod {
					t.Errorf("member %s method %d, want %d", f.Name, f.Method, wantMethod)
				}
				if k > 0 && f.Name < zr.File[k-1].Name {
					t.Errorf("members not sorted: %s after %s", f.Name, zr.File[k-1].Name)
				}
			}
			zr.Close()
		}
	}
}

// TestNPZErrors: bad names, non-.npy members, corrupt members and non-zip files are errors naming the
// file and, where there is one, the member.
func TestNPZErrors(t *testing.T) {
	dir := t.TempDir()
	ok := dataio.FromVector([]float64{1, 2, 3})
	for _, name := range []string{"", "../x", "/abs", "a\\b"} {
		err := dataio.WriteNPZ(filepath.Join(dir, "n.npz"), map[string]*dataio.Array{name: ok}, false)
		if !errors.Is(err, dataio.ErrInvalid) || !strings.Contains(err.Error(), "n.npz") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	err := dataio.WriteNPZ(filepath.Join(dir, "s.npz"), map[string]*dataio.Array{"x": {Shape: []int{2}, Data: []float64{1}}}, false)
	if !errors.Is(err, dataio.ErrShape) || !strings.Contains(err.Error(), "s.npz: array x: ") {
		t.Errorf("bad array: %v", err)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("hello"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "m.npz"), buf.Bytes(), 0o644)
	if _, err := dataio.ReadNPZ(filepath.Join(dir, "m.npz")); !errors.Is(err, dataio.ErrFormat) || !strings.Contains(err.Error(), `m.npz: member "notes.txt" is not a .npy file`) {
		t.Errorf("non-npy member: %v", err)
	}

	// Flip a byte inside the data of a compressed member.
	big := &dataio.Array{Shape: []int{2000}, Data: make([]float64, 2000)}
	path := filepath.Join(dir, "c.npz")
	if err := dataio.WriteNPZ(path, map[string]*dataio.Array{"x": big}, true); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	raw[60] ^= 0xff
	os.WriteFile(path, raw, 0o644)
	if _, err := dataio.ReadNPZ(path); !errors.Is(err, dataio.ErrFormat) && !errors.Is(err, dataio.ErrTruncated) || err == nil || !strings.Contains(err.Error(), "c.npz: x.npy: ") {
		t.Errorf("corrupt member: %v", err)
	}

	if _, err := dataio.ReadNPZ(filepath.Join("testdata", "f8_c_2x3.npy")); !errors.Is(err, dataio.ErrFormat) || !strings.Contains(err.Error(), "this is a .npy file") {
		t.Errorf("npy as npz: %v", err)
	}
}
