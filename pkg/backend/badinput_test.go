package backend

import (
	"strings"
	"testing"
)

// TestBadInputBackend: every bad configuration is an error naming it (and, for a bad option or a
// missing plugin file, what is wrong), never a panic.
func TestBadInputBackend(t *testing.T) {
	for _, c := range []struct{ config, want string }{
		{"nosuchbackend", "unknown backend"},
		{"", "unknown backend"},
		{":", "unknown backend"},
		{"go:parallelism=abc", "parallelism"},
		{"go:parallelism=", "parallelism"},
		{"go:no_such_option", "no_such_option"},
		{"xla:/no/such/pjrt_plugin.so", "/no/such/pjrt_plugin.so"},
	} {
		b, err := NewWithConfig(c.config)
		if err == nil {
			t.Errorf("NewWithConfig(%q) = %v, want an error", c.config, b)
			continue
		}
		if !strings.Contains(err.Error(), `"`+c.config+`"`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewWithConfig(%q): error %q does not name the configuration and %q", c.config, err, c.want)
		}
	}
}
