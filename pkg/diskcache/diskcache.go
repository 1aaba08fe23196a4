// Package diskcache keeps results that are expensive to compute (generated data sets, trained
// models) on disk, keyed by the configuration that produced them, so that a notebook cell that
// runs again, which in GoNB is a new process, loads them instead of recomputing.
//
// Every file is written atomically: to a temporary file in the same directory, synced, then
// renamed over the destination, so an interrupted run never leaves a truncated cache or
// checkpoint behind.
//
//	data, err := diskcache.Cached("lorenz", cfg, func() (*Dataset, error) { return generate(cfg) })
package diskcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/config"
)

// WriteFile writes a file atomically: write fills a temporary file in the same directory, which
// is synced and renamed to path only if write returns nil. The directory is created if needed.
//
// A run killed while writing leaves its temporary file (.<name>.tmp-<digits>) behind; WriteFile
// removes those of path whose modification time is older than the start of the running process
// (they cannot belong to a write of this process, and a concurrent writer's file is younger).
func WriteFile(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	RemoveStaleTemps(path, processStart)
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// processStart is the start of the running process (package initialisation, before any write).
var processStart = time.Now()

// tempPrefix is the name prefix of WriteFile's temporary files for path.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// RemoveStaleTemps removes the temporary files WriteFile left for path (interrupted writes: the
// file .<name>.tmp-<digits> next to it) that were last modified before the time before, and returns
// how many it removed. Errors are ignored: the clean-up is best effort.
func RemoveStaleTemps(path string, before time.Time) int {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return 0
	}
	prefix := tempPrefix(path)
	removed := 0
	for _, e := range entries {
		name := e.Name()
		suffix, ok := strings.CutPrefix(name, prefix)
		if !ok || suffix == "" || strings.Trim(suffix, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		if os.Remove(filepath.Join(filepath.Dir(path), name)) == nil {
			removed++
		}
	}
	return removed
}

// WriteBytes writes data to path atomically.
func WriteBytes(path string, data []byte) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CopyFile copies the file src to dst atomically (dst's directory is created if missing): a
// reader of dst sees the old file or the whole copy, never a part.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("diskcache: copy: %w", err)
	}
	defer in.Close()
	if err := WriteFile(dst, func(w io.Writer) error { _, err := io.Copy(w, in); return err }); err != nil {
		return fmt.Errorf("diskcache: copy %s: %w", src, err)
	}
	return nil
}

// Save gob-encodes v into path atomically.
func Save(path string, v any) error {
	return WriteFile(path, func(w io.Writer) error {
		if err := gob.NewEncoder(w).Encode(v); err != nil {
			return fmt.Errorf("encode %T: %w", v, err)
		}
		return nil
	})
}

// Load gob-decodes path into v (a pointer). It reports found=false with a nil error when the
// file does not exist; a file that exists but cannot be decoded is an error.
func Load(path string, v any) (found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", path, err)
	}
	if err := decode(data, v); err != nil {
		return true, fmt.Errorf("load %s: %w (delete the file to recompute it)", path, err)
	}
	return true, nil
}

// decode gob-decodes data into v: the parser of every cached file and checkpoint.
func decode(data []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// Key returns a short stable hash of a configuration (anything encoding/json can marshal), to
// name cache files: two configurations that marshal alike share a key.
func Key(cfg any) (string, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("cache key of %T: %w", cfg, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}

// Path returns the cache file for a named kind of result and its configuration:
// <cache dir>/<name>/<key>.gob, creating the directory. See config.CacheDir for the location.
func Path(name string, cfg any) (string, error) {
	key, err := Key(cfg)
	if err != nil {
		return "", err
	}
	dir, err := config.CacheDir(name)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, key+".gob"), nil
}

// Cached returns the result stored for (name, cfg) when there is one, and otherwise calls build,
// stores its result atomically and returns it. T must be gob-encodable. The configuration is
// also written next to the result as JSON, so a cache directory can be read by a person.
func Cached[T any](name string, cfg any, build func() (T, error)) (T, error) {
	var v T
	path, err := Path(name, cfg)
	if err != nil {
		return v, err
	}
	found, err := Load(path, &v)
	if found && err == nil {
		return v, nil
	}
	v, err = build()
	if err != nil {
		return v, err
	}
	if err := Save(path, v); err != nil {
		return v, fmt.Errorf("cache %s: %w", name, err)
	}
	if js, err := json.MarshalIndent(cfg, "", "  "); err == nil {
		_ = WriteBytes(path[:len(path)-len(".gob")]+".json", js)
	}
	return v, nil
}
