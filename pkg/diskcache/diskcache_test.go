package diskcache

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.txt")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("interrupted")
	err := WriteFile(path, func(w io.Writer) error {
		_, _ = w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteFile error = %v, want it to wrap %v", err, boom)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "first" {
		t.Errorf("after a failed write the file holds %q, want the old content %q", got, "first")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// CopyFile copies the bytes into a new directory, replaces an existing file, and a missing source is
// an error that leaves the destination as it was.
func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a.bin"), filepath.Join(dir, "new", "b.bin")
	want := bytes.Repeat([]byte{0, 1, 2, 255}, 5000)
	if err := WriteBytes(src, want); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(dst, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, want) {
		t.Errorf("copy holds %d bytes (%v), want the source's %d", len(got), err, len(want))
	}
	if err := CopyFile(filepath.Join(dir, "missing"), dst); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("copying a missing file: error %v, want one naming it", err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, want) {
		t.Errorf("a failed copy changed the destination")
	}
}

type cfg struct {
	N    int
	Seed uint64
}

func TestCached(t *testing.T) {
	t.Setenv("DYNLEARN_CACHE", t.TempDir())
	calls := 0
	build := func() ([]float64, error) {
		calls++
		return []float64{1, 2, 3}, nil
	}
	for i := 0; i < 3; i++ {
		v, err := Cached("test", cfg{N: 3, Seed: 1}, build)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 3 || v[2] != 3 {
			t.Fatalf("Cached returned %v", v)
		}
	}
	if calls != 1 {
		t.Errorf("build called %d times for one configuration, want 1", calls)
	}
	if _, err := Cached("test", cfg{N: 4, Seed: 1}, build); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("a different configuration did not rebuild (calls = %d)", calls)
	}
	// A corrupt cache file is rebuilt rather than returned.
	p, _ := Path("test", cfg{N: 3, Seed: 1})
	if err := os.WriteFile(p, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err := Cached("test", cfg{N: 3, Seed: 1}, build); err != nil || len(v) != 3 {
		t.Fatalf("corrupt cache: got %v, %v", v, err)
	}
	if calls != 3 {
		t.Errorf("corrupt cache was not rebuilt (calls = %d)", calls)
	}
}

func TestLoadMissing(t *testing.T) {
	var v int
	found, err := Load(filepath.Join(t.TempDir(), "nope.gob"), &v)
	if found || err != nil {
		t.Errorf("Load(missing) = %v, %v; want false, nil", found, err)
	}
}
