package diskcache

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWriteFileRemovesStaleTemps: the temporary files a killed run left behind (older than this
// process) are removed at the next write of the same file; a younger one (a concurrent writer's),
// those of other files and files that only look alike are kept.
func TestWriteFileRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run-abc.ckpt")
	old := processStart.Add(-time.Hour)
	touch := func(name string, mtime time.Time) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	touch(".run-abc.ckpt.tmp-123456", old)                 // killed run: removed
	touch(".run-abc.ckpt.tmp-987", old.Add(-72*time.Hour)) // older still: removed
	touch(".run-abc.ckpt.tmp-555", time.Now())             // a concurrent writer: kept
	touch(".other.ckpt.tmp-123", old)                      // another checkpoint's: kept
	touch(".run-abc.ckpt.tmp-notdigits", old)              // not WriteFile's: kept
	touch("run-abc.ckpt.tmp-1", old)                       // not hidden, not WriteFile's: kept
	if err := WriteBytes(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{".other.ckpt.tmp-123", ".run-abc.ckpt.tmp-555", ".run-abc.ckpt.tmp-notdigits", "run-abc.ckpt", "run-abc.ckpt.tmp-1"}
	if !slices.Equal(names, want) {
		t.Errorf("after the write the directory holds %q, want %q", names, want)
	}
}

// cached is a typical cached value: a data set with its configuration.
type cached struct {
	Name   string
	N, Dim int
	X      []float32
	Meta   map[string]float64
	Nested []struct{ A []int }
}

// FuzzLoad feeds Load's decoder arbitrary file contents: it must return an error or a value, never panic or
// hang. The seed corpus holds valid encodings and truncated and corrupted ones.
func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	v := cached{Name: "lorenz", N: 2, Dim: 3, X: []float32{1, 2, 3, 4, 5, 6}, Meta: map[string]float64{"dt": 0.01},
		Nested: []struct{ A []int }{{A: []int{1, 2}}}}
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		f.Fatal(err)
	}
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte("not a gob"))
	corrupt := slices.Clone(valid)
	corrupt[len(corrupt)/3] ^= 0xff
	f.Add(corrupt)
	path := filepath.Join(f.TempDir(), "seed.gob")
	if err := os.WriteFile(path, valid[:len(valid)/2], 0o600); err != nil {
		f.Fatal(err)
	}
	if found, err := Load(path, &cached{}); !found || err == nil {
		f.Fatalf("Load of a truncated file: found %v, error %v; want an error", found, err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got cached
		if err := decode(data, &got); err == nil && len(got.X) > len(data)*8 {
			t.Fatalf("decoded %d values from %d bytes", len(got.X), len(data))
		}
	})
}
