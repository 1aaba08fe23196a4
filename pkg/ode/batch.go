package ode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// SolveBatch integrates the problem once per initial condition y0s[i] (replacing p.Y0) in parallel with
// o.Workers goroutines (0 means runtime.NumCPU()). Results are in input order and do not depend on the
// scheduling: each trajectory is integrated exactly as Solve would. p.F and p.Jac are called concurrently
// and must be safe for that.
//
// On failure it stops handing out new work and returns the error of the lowest failing index, wrapped
// with that index (errors.Is still sees the sentinel). A panic of p.F, p.Jac or o.Stop in a worker does
// not end the process: it is returned as a *PanicError (ErrPanic) naming the trajectory's index.
func SolveBatch(p Problem, y0s [][]float64, m Method, o Options) ([]*Solution, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: method is nil", ErrInvalidMethod)
	}
	workers := o.Workers
	if workers < 0 {
		return nil, fmt.Errorf("ode: Workers=%d must be >= 0", workers)
	}
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(y0s))
	sols := make([]*Solution, len(y0s))
	errs := make([]error, len(y0s))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(y0s) {
					return
				}
				sols[i], errs[i] = solveOne(p, y0s[i], m, o)
				if errs[i] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	// Indices are handed out in increasing order, so every index below a failing one has been run and
	// the lowest failing index is the same whatever the scheduling.
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("ode: SolveBatch: trajectory %d (initial condition %d, y0s[%d]): %w", i, i, i, err)
		}
	}
	return sols, nil
}

// solveOne is Solve from y0; it recovers a panic that escaped Solve (a worker goroutine must never
// let one through: it would end the process).
func solveOne(p Problem, y0 []float64, m Method, o Options) (sol *Solution, err error) {
	defer func() {
		if r := recover(); r != nil {
			sol, err = nil, &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	p.Y0 = y0
	return Solve(p, m, o)
}

// UniformBox draws n points uniformly in the box [lo_j, hi_j) per coordinate from a PCG generator seeded
// with seed, so the same arguments always give the same points (e.g. reproducible batches of initial
// conditions). The points share one backing array.
func UniformBox(n int, lo, hi []float64, seed uint64) ([][]float64, error) {
	if n < 0 {
		return nil, fmt.Errorf("ode: UniformBox: n=%d must be >= 0", n)
	}
	if len(lo) != len(hi) || len(lo) == 0 {
		return nil, fmt.Errorf("%w: UniformBox: len(lo)=%d and len(hi)=%d must be equal and > 0", ErrDimension, len(lo), len(hi))
	}
	for j := range lo {
		if math.IsNaN(lo[j]) || math.IsNaN(hi[j]) || math.IsInf(lo[j], 0) || math.IsInf(hi[j], 0) || lo[j] > hi[j] {
			return nil, fmt.Errorf("ode: UniformBox: bad bounds [%g, %g] for coordinate %d", lo[j], hi[j], j)
		}
	}
	d := len(lo)
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	buf := make([]float64, n*d)
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = buf[i*d : (i+1)*d : (i+1)*d]
		for j := range d {
			pts[i][j] = lo[j] + (hi[j]-lo[j])*r.Float64()
		}
	}
	return pts, nil
}
