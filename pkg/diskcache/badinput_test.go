package diskcache

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputDiskcache: configurations that cannot be hashed, values that cannot be encoded, files
// that cannot be decoded and paths that cannot be written are errors naming the value or the file.
func TestBadInputDiskcache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DYNLEARN_CACHE", dir)
	for _, c := range []struct {
		name string
		cfg  any
		want string
	}{
		{"function", func() {}, "func()"},
		{"channel", make(chan int), "chan int"},
		{"NaN", struct{ X float64 }{math.NaN()}, "NaN"},
		{"Inf", map[string]float64{"dt": math.Inf(1)}, "+Inf"},
	} {
		if _, err := Key(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Key(%s): error %v, want one naming %q", c.name, err, c.want)
		}
		if _, err := Path("x", c.cfg); err == nil {
			t.Errorf("Path(%s): no error", c.name)
		}
		if _, err := Cached("x", c.cfg, func() (int, error) { return 1, nil }); err == nil {
			t.Errorf("Cached(%s): no error", c.name)
		}
	}

	bad := filepath.Join(dir, "bad.gob")
	if err := os.WriteFile(bad, []byte("not gob"), 0o600); err != nil {
		t.Fatal(err)
	}
	var v struct{ X []float32 }
	if found, err := Load(bad, &v); !found || err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("Load(corrupted): found %v, error %v; want an error naming the file and the remedy", found, err)
	}
	if found, err := Load(dir, &v); found || err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Load(a directory): found %v, error %v", found, err)
	}
	if err := Save(filepath.Join(dir, "chan.gob"), make(chan int)); err == nil || !strings.Contains(err.Error(), "chan int") {
		t.Errorf("Save(chan): %v", err)
	}
	under := filepath.Join(bad, "sub", "f.gob") // bad.gob is a file, not a directory
	if err := WriteBytes(under, []byte("x")); err == nil || !strings.Contains(err.Error(), under) {
		t.Errorf("WriteBytes under a file: %v", err)
	}
}
