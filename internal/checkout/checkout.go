// Package checkout finds the dynlearn source checkout the commands run in.
package checkout

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// Root returns the dynlearn checkout: the directory holding the go.mod of module
// github.com/dynlearn/dynlearn, found by walking up from the working directory.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/dynlearn/dynlearn\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside a dynlearn checkout (no go.mod for github.com/dynlearn/dynlearn above the working directory)")
		}
		dir = parent
	}
}
