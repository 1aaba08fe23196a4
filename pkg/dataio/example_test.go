package dataio_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/sindy"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// Save a Lorenz data set (two trajectories with exact derivatives) to .npz and .csv and load it back, as
// a user's data file would be. In Python, np.load("lorenz.npz") holds x0, x1, t0, t1, xdot0, xdot1.
func Example() {
	dir, err := os.MkdirTemp("", "dataio-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	lorenz := systems.DefaultLorenz()
	ds := &dataio.Dataset{States: []string{"x", "y", "z"}}
	for _, x0 := range [][]float64{{-8, 7, 27}, {1, 1, 1}} {
		sol, err := ode.Solve(lorenz.Problem(x0, 0, 5), ode.RK4(), ode.Options{Dt: 0.01})
		if err != nil {
			panic(err)
		}
		xdot := make([][]float64, sol.Len())
		for i := range xdot {
			xdot[i] = make([]float64, 3)
			lorenz.RHS(sol.T[i], sol.Y[i], xdot[i])
		}
		ds.Trajectories = append(ds.Trajectories, sindy.Trajectory{T: sol.T, X: sol.Y, Xdot: xdot})
	}

	for _, name := range []string{"lorenz.npz", "lorenz.csv"} {
		path := filepath.Join(dir, name)
		if err := dataio.Save(path, ds); err != nil {
			panic(err)
		}
		// An .npz stores no names: rename its x1, x2, x3 (a CSV keeps its column names).
		back, err := dataio.Load(path, dataio.LoadOptions{States: []string{"x", "y", "z"}})
		if err != nil {
			panic(err)
		}
		tr := back.Trajectories[0]
		fmt.Printf("%s: %d trajectories of %v, %d samples, t = %g..%g, xdot(0) = %v\n",
			name, len(back.Trajectories), back.States, len(tr.X), tr.T[0], tr.T[len(tr.T)-1], tr.Xdot[0])
	}

	// A malformed file gives a one-line error naming the file.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("t,x,y\n0,1,2\n0.1,2\n"), 0o644)
	_, err = dataio.Load(bad, dataio.LoadOptions{})
	fmt.Println(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	// Output:
	// lorenz.npz: 2 trajectories of [x y z], 501 samples, t = 0..5, xdot(0) = [150 -15 -128]
	// lorenz.csv: 2 trajectories of [x y z], 501 samples, t = 0..5, xdot(0) = [150 -15 -128]
	// dataio: bad.csv: line 3: 2 fields, the header has 3
}
