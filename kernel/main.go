// Command kernel installs the dynlearn Jupyter kernel and runs notebooks headless through it.
//
//	go run ./kernel install                      # build GoNB + tools, register the "dynlearn" kernel
//	go run ./kernel run [--quick] [--out DIR] notebooks/
//	go run ./kernel check-gallery [--out DIR] notebooks/
//
// The kernel is GoNB (github.com/janpfeifer/gonb) at the version pinned in go.mod, started with
// a go.work that uses this checkout, so a notebook can import
// github.com/dynlearn/dynlearn/pkg/... with no setup cell and no network access.
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  go run ./kernel install [--data-dir DIR]
      build GoNB, goimports and gopls at the versions pinned in go.mod and register the Jupyter
      kernel "dynlearn" (display name "Go (dynlearn)") in $JUPYTER_DATA_DIR (default
      ~/.local/share/jupyter). Idempotent.
  go run ./kernel run [--quick] [--out DIR] [--timeout D] PATH...
      execute notebooks (files or folders) headless through the dynlearn kernel, installing it
      first if needed; write each executed notebook and a standalone HTML page to DIR (default
      out/) with an index.html; exit non-zero if any cell failed, printing the failed cell's
      error output (panic message and its cell lines, compiler messages, go get's reason).
      The paths, notebooks and flags are checked before anything is installed or run.
      --quick sets DYNLEARN_QUICK=1.
  go run ./kernel check-gallery [--out DIR] PATH...
      check that every notebook under PATH was executed into DIR without errors and that its
      plotting cells produced images (what the test suite does after "run").
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "install":
		err = cmdInstall(os.Args[2:])
	case "run":
		err = cmdRun(os.Args[2:])
	case "check-gallery":
		err = cmdCheckGallery(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
