// Command backendcheck runs a small computation on GoMLX backends through dynlearn's
// pkg/backend and checks the result. The image build runs it for every backend it installs
// (go, and xla:cpu when the PJRT CPU plugin was installed) with GOMLX_NO_AUTO_INSTALL=1, which
// proves that they work with nothing downloaded at run time.
//
//	GOMLX_NO_AUTO_INSTALL=1 go run ./docker/backendcheck [CONFIG...]   (default: $GOMLX_BACKEND or dynlearn's default)
package main

import (
	"fmt"
	"math"
	"os"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
)

// noAutoInstallEnv is go-xla's switch that stops it from downloading PJRT plugins.
const noAutoInstallEnv = "GOMLX_NO_AUTO_INSTALL"

// check runs sum(x²) for x = 1..4 on the backend config and returns a one-line description.
func check(config string) (string, error) {
	b, err := backend.NewWithConfig(config)
	if err != nil {
		return "", err
	}
	defer b.Finalize()
	var got float32
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		out, err := graph.ExecOnce(b, func(x *graph.Node) *graph.Node {
			return graph.ReduceAllSum(graph.Mul(x, x))
		}, []float32{1, 2, 3, 4})
		if err != nil {
			return err
		}
		got = out.Value().(float32)
		return nil
	}()
	if err != nil {
		return "", fmt.Errorf("GoMLX backend %q: running sum(x²): %w", config, err)
	}
	if math.Abs(float64(got)-30) > 1e-5 {
		return "", fmt.Errorf("GoMLX backend %q: sum(x²) for x = 1..4 = %v, want 30", config, got)
	}
	return fmt.Sprintf("backend %q: %s (%s): sum(x²) = %v, ok", config, b.Name(), b.Description(), got), nil
}

func main() {
	if _, ok := os.LookupEnv(noAutoInstallEnv); !ok {
		fmt.Fprintf(os.Stderr, "backendcheck: set %s=1, so that the check proves the backends work without downloads\n", noAutoInstallEnv)
		os.Exit(2)
	}
	configs := os.Args[1:]
	if len(configs) == 0 {
		configs = []string{backend.Config()}
	}
	failed := false
	for _, c := range configs {
		line, err := check(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "backendcheck:", err)
			failed = true
			continue
		}
		fmt.Println("backendcheck:", line)
	}
	if failed {
		os.Exit(1)
	}
}
