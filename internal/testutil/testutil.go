// Package testutil holds the set-up that several packages' tests share.
package testutil

import (
	"testing"

	"github.com/gomlx/compute"

	"github.com/dynlearn/dynlearn/pkg/backend"
)

// Backend returns the process-wide GoMLX backend (backend.New), stopping the test if it cannot be created.
func Backend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
