package led

import (
	"os"
	"path/filepath"
)

// ModelPath returns where a shipped LED model named name lives: notebooks/models/led/<name> of the
// repository, found from the working directory (a notebook's directory, the repository root or any
// directory below it). When no repository is found it returns models/led/<name> relative to the
// working directory.
func ModelPath(name string) string {
	dir, err := os.Getwd()
	if err == nil {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return filepath.Join(d, "notebooks", "models", "led", name)
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return filepath.Join("models", "led", name)
}
