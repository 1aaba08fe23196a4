package ode

import "fmt"

// Stats counts the work done by a solver.
type Stats struct {
	Steps        int // Accepted steps (including partial steps to off-grid output times).
	Rejected     int // Rejected steps (adaptive methods).
	FEvals       int // Right-hand side evaluations.
	JEvals       int // Jacobian evaluations (analytic or by finite differences).
	NewtonIters  int // Newton iterations (implicit methods).
	LinearSolves int // LU factorisations (implicit methods).
}

// Solution is the output of Solve: states Y[i] at times T[i].
type Solution struct {
	Method string      // Name of the method that produced it.
	T      []float64   // Output times, increasing.
	Y      [][]float64 // Y[i] is the state at T[i]; the rows share one contiguous backing array.
	Stats  Stats       // Work counters.
	// Stopped is set when Options.Stop ended the integration before T1.
	Stopped bool

	flat []float64 // backing array of Y
}

// Len returns the number of output points.
func (s *Solution) Len() int { return len(s.T) }

// Dim returns the dimension of the state (0 for an empty solution).
func (s *Solution) Dim() int {
	if len(s.Y) == 0 {
		return 0
	}
	return len(s.Y[0])
}

// At returns the state at output index i (a view, not a copy). It panics if i is out of range, like a
// slice index.
func (s *Solution) At(i int) []float64 { return s.Y[i] }

// Final returns the last output time and state (a view).
func (s *Solution) Final() (float64, []float64) {
	n := len(s.T)
	return s.T[n-1], s.Y[n-1]
}

// Component returns a new slice with component j of every output state, e.g. for plotting against T.
func (s *Solution) Component(j int) ([]float64, error) {
	if j < 0 || j >= s.Dim() {
		return nil, fmt.Errorf("%w: component %d out of range [0, %d)", ErrDimension, j, s.Dim())
	}
	c := make([]float64, len(s.Y))
	for i, y := range s.Y {
		c[i] = y[j]
	}
	return c, nil
}

// Flat returns the states as one row-major len(T)×Dim() slice. For solutions built by Solve it is the
// backing array of Y (not a copy).
func (s *Solution) Flat() []float64 {
	if s.flat == nil && len(s.Y) > 0 {
		n := s.Dim()
		s.flat = make([]float64, 0, len(s.Y)*n)
		for _, y := range s.Y {
			s.flat = append(s.flat, y...)
		}
	}
	return s.flat
}

// recorder accumulates output points in one flat buffer.
type recorder struct {
	n    int
	t    []float64
	data []float64
}

func newRecorder(n, capHint int) *recorder {
	return &recorder{n: n, t: make([]float64, 0, capHint), data: make([]float64, 0, capHint*n)}
}

func (r *recorder) add(t float64, y []float64) {
	r.t = append(r.t, t)
	r.data = append(r.data, y...)
}

func (r *recorder) solution(name string, st Stats) *Solution {
	m := len(r.t)
	ys := make([][]float64, m)
	for i := range ys {
		ys[i] = r.data[i*r.n : (i+1)*r.n : (i+1)*r.n]
	}
	return &Solution{Method: name, T: r.t, Y: ys, Stats: st, flat: r.data}
}
