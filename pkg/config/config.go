// Package config holds the process-wide settings every dynlearn package and notebook shares:
// quick mode (small data, few epochs) and where caches and trained models live on disk.
//
// DYNLEARN_RETRAIN=1 makes full mode train instead of loading shipped models (Retrain).
//
// Quick mode is switched on by the environment variable DYNLEARN_QUICK=1 (what
// `go run ./kernel run --quick` and CI set). Caches go under DYNLEARN_CACHE when it is set,
// otherwise under the user's cache directory (for example ~/.cache/dynlearn).
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// QuickEnv is the environment variable that selects quick mode.
const QuickEnv = "DYNLEARN_QUICK"

// RetrainEnv is the environment variable that makes full-mode notebooks train their models
// instead of loading the shipped ones.
const RetrainEnv = "DYNLEARN_RETRAIN"

// CacheEnv is the environment variable that overrides the cache directory.
const CacheEnv = "DYNLEARN_CACHE"

// Quick reports whether quick mode is on: DYNLEARN_QUICK is set to a true value
// ("1", "true", "yes", as understood by strconv.ParseBool, plus "yes").
func Quick() bool { return envTrue(QuickEnv) }

// Retrain reports whether DYNLEARN_RETRAIN is set to a true value (as Quick reads its variable):
// full mode then trains the models instead of loading the shipped ones.
func Retrain() bool { return envTrue(RetrainEnv) }

func envTrue(name string) bool {
	v := os.Getenv(name)
	if v == "yes" {
		return true
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// Pick returns quick when quick mode is on and full otherwise. It keeps the two sizes of a
// configuration next to each other: epochs := config.Pick(200, 5000).
func Pick[T any](quick, full T) T {
	if Quick() {
		return quick
	}
	return full
}

// Mode names the current mode, "quick" or "full", for printing and for cache keys.
func Mode() string {
	if Quick() {
		return "quick"
	}
	return "full"
}

// CacheDir returns the directory for dynlearn's on-disk caches (generated data sets,
// checkpoints of training runs), creating it if needed. The optional parts are joined below it.
func CacheDir(parts ...string) (string, error) {
	base := os.Getenv(CacheEnv)
	if base == "" {
		userCache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("dynlearn cache directory: set %s: %w", CacheEnv, err)
		}
		base = filepath.Join(userCache, "dynlearn")
	}
	dir := filepath.Join(append([]string{base}, parts...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("dynlearn cache directory: %w", err)
	}
	return dir, nil
}
