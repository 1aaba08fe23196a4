package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestQuick(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, "yes": true, "nonsense": false} {
		t.Setenv(QuickEnv, v)
		if got := Quick(); got != want {
			t.Errorf("%s=%q: Quick() = %v, want %v", QuickEnv, v, got, want)
		}
		wantMode := map[bool]string{true: "quick", false: "full"}[want]
		if Mode() != wantMode || Pick(1, 2) != map[bool]int{true: 1, false: 2}[want] {
			t.Errorf("%s=%q: Mode() = %q, Pick(1, 2) = %d", QuickEnv, v, Mode(), Pick(1, 2))
		}
	}
}

func TestCacheDir(t *testing.T) {
	base := t.TempDir()
	t.Setenv(CacheEnv, base)
	dir, err := CacheDir("lorenz", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(base, "lorenz", "v1") {
		t.Errorf("CacheDir = %q", dir)
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Errorf("CacheDir did not create %s: %v", dir, err)
	}
}

func TestRetrain(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "yes": true, "true": true} {
		t.Setenv(RetrainEnv, v)
		if got := Retrain(); got != want {
			t.Errorf("%s=%q: Retrain() = %v, want %v", RetrainEnv, v, got, want)
		}
	}
}
