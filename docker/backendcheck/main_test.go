package main

import (
	"strings"
	"testing"
)

// TestCheck runs the check on the pure-Go backend, which needs nothing installed, and on a
// backend that does not exist.
func TestCheck(t *testing.T) {
	line, err := check("go:parallelism=-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "sum(x²) = 30, ok") {
		t.Errorf("check = %q", line)
	}
	if _, err := check("nosuchbackend"); err == nil || !strings.Contains(err.Error(), "nosuchbackend") {
		t.Errorf("unknown backend: err = %v", err)
	}
}
