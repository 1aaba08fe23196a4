// Package testutil holds small helpers that several packages' tests share. It imports nothing of GoMLX
// (see the modeltest subpackage for the model packages' set-up), so the data packages' tests stay light.
package testutil

import "testing"

// Generate returns gen(cfg), stopping the test if it fails: a data set generated, loaded or integrated
// from its configuration.
func Generate[C, D any](t testing.TB, gen func(C) (D, error), cfg C) D {
	t.Helper()
	d, err := gen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
