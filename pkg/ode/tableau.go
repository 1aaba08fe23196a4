package ode

import (
	"fmt"
	"math"
)

// tableauTol is the tolerance of the consistency checks of NewTableau (sum b = 1, row sums of A = c).
const tableauTol = 1e-12

// Tableau is a validated Butcher tableau of an explicit Runge-Kutta method; it is also a fixed-step
// Method. Build it with NewTableau or one of the named constructors (Euler, Heun, Ralston, Midpoint, RK4,
// RK38). The zero value is not a valid method (Solve returns ErrInvalidMethod).
type Tableau struct {
	name string
	s    int
	a    []float64 // s×s row-major, strictly lower triangular
	b, c []float64
	// nz[i] lists the nonzero entries of row i of A, for cheap stage sums.
	nz [][]coef
}

type coef struct {
	j int
	a float64
}

// NewTableau validates and builds an explicit Runge-Kutta method from its Butcher tableau: A is s×s and
// strictly lower triangular, b and c have s entries, sum(b) = 1 and each row sum of A equals the
// corresponding c (within 1e-12). All entries must be finite. Errors wrap ErrInvalidTableau.
func NewTableau(name string, A [][]float64, b, c []float64) (*Tableau, error) {
	s := len(b)
	if s == 0 {
		return nil, fmt.Errorf("%w %q: no stages (b is empty)", ErrInvalidTableau, name)
	}
	if len(c) != s || len(A) != s {
		return nil, fmt.Errorf("%w %q: len(b)=%d, len(c)=%d and len(A)=%d must all be equal", ErrInvalidTableau, name, s, len(c), len(A))
	}
	t := &Tableau{name: name, s: s, a: make([]float64, s*s), b: append([]float64(nil), b...), c: append([]float64(nil), c...), nz: make([][]coef, s)}
	for i, row := range A {
		if len(row) != s {
			return nil, fmt.Errorf("%w %q: row %d of A has %d entries, want %d", ErrInvalidTableau, name, i, len(row), s)
		}
		sum := 0.0
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w %q: A[%d][%d]=%g is not finite", ErrInvalidTableau, name, i, j, v)
			}
			if j >= i && v != 0 {
				return nil, fmt.Errorf("%w %q: A[%d][%d]=%g but an explicit method needs a strictly lower-triangular A", ErrInvalidTableau, name, i, j, v)
			}
			t.a[i*s+j] = v
			sum += v
			if v != 0 {
				t.nz[i] = append(t.nz[i], coef{j, v})
			}
		}
		if math.IsNaN(c[i]) || math.IsInf(c[i], 0) {
			return nil, fmt.Errorf("%w %q: c[%d]=%g is not finite", ErrInvalidTableau, name, i, c[i])
		}
		if math.Abs(sum-c[i]) > tableauTol*math.Max(1, math.Abs(c[i])) {
			return nil, fmt.Errorf("%w %q: row %d of A sums to %.17g but c[%d]=%.17g", ErrInvalidTableau, name, i, sum, i, c[i])
		}
	}
	sb := 0.0
	for i, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w %q: b[%d]=%g is not finite", ErrInvalidTableau, name, i, v)
		}
		sb += v
	}
	if math.Abs(sb-1) > tableauTol {
		return nil, fmt.Errorf("%w %q: weights b sum to %.17g, want 1", ErrInvalidTableau, name, sb)
	}
	return t, nil
}

func mustTableau(name string, A [][]float64, b, c []float64) *Tableau {
	t, err := NewTableau(name, A, b, c)
	if err != nil {
		panic(err) // only reachable through a typo in the constants below; covered by tests
	}
	return t
}

// Euler returns the explicit (forward) Euler method, order 1.
func Euler() *Tableau {
	return mustTableau("Euler", [][]float64{{0}}, []float64{1}, []float64{0})
}

// Heun returns Heun's method (explicit trapezoid), order 2.
func Heun() *Tableau {
	return mustTableau("Heun", [][]float64{{0, 0}, {1, 0}}, []float64{0.5, 0.5}, []float64{0, 1})
}

// Ralston returns Ralston's second-order method (minimum error bound among 2-stage order-2 methods).
func Ralston() *Tableau {
	return mustTableau("Ralston", [][]float64{{0, 0}, {2.0 / 3, 0}}, []float64{0.25, 0.75}, []float64{0, 2.0 / 3})
}

// Midpoint returns the explicit midpoint method, order 2.
func Midpoint() *Tableau {
	return mustTableau("Midpoint", [][]float64{{0, 0}, {0.5, 0}}, []float64{0, 1}, []float64{0, 0.5})
}

// RK4 returns the classic fourth-order Runge-Kutta method.
func RK4() *Tableau {
	return mustTableau("RK4",
		[][]float64{{0, 0, 0, 0}, {0.5, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 1, 0}},
		[]float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
		[]float64{0, 0.5, 0.5, 1})
}

// RK38 returns Kutta's 3/8-rule fourth-order method.
func RK38() *Tableau {
	return mustTableau("RK38",
		[][]float64{{0, 0, 0, 0}, {1.0 / 3, 0, 0, 0}, {-1.0 / 3, 1, 0, 0}, {1, -1, 1, 0}},
		[]float64{1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8},
		[]float64{0, 1.0 / 3, 2.0 / 3, 1})
}

// Name returns the name given at construction.
func (t *Tableau) Name() string { return t.name }

// Stages returns the number of stages s.
func (t *Tableau) Stages() int { return t.s }

// A returns a copy of the s×s stage matrix.
func (t *Tableau) A() [][]float64 {
	out := make([][]float64, t.s)
	for i := range out {
		out[i] = append([]float64(nil), t.a[i*t.s:(i+1)*t.s]...)
	}
	return out
}

// B returns a copy of the weights.
func (t *Tableau) B() []float64 { return append([]float64(nil), t.b...) }

// C returns a copy of the nodes.
func (t *Tableau) C() []float64 { return append([]float64(nil), t.c...) }

func (t *Tableau) solve(p *Problem, o *Options) (*Solution, error) {
	if t.s == 0 {
		return nil, fmt.Errorf("%w: zero-value Tableau (use NewTableau)", ErrInvalidMethod)
	}
	var st Stats
	s := newERK(t, p.F, len(p.Y0), &st)
	return solveFixed(p, o, t.name, s, &st)
}

// erk takes explicit Runge-Kutta steps with preallocated buffers.
type erk struct {
	t    *Tableau
	f    Func
	k    [][]float64
	ytmp []float64
	st   *Stats
}

func newERK(t *Tableau, f Func, n int, st *Stats) *erk {
	e := &erk{t: t, f: f, k: make([][]float64, t.s), ytmp: make([]float64, n), st: st}
	for i := range e.k {
		e.k[i] = make([]float64, n)
	}
	return e
}

// step writes the RK step from (t, y) of size h into out (out may alias y).
func (e *erk) step(t, h float64, y, out []float64) {
	tab := e.t
	ytmp := e.ytmp
	for i := 0; i < tab.s; i++ {
		yi := y
		if i > 0 {
			copy(ytmp, y)
			for _, cf := range tab.nz[i] {
				ha := h * cf.a
				kj := e.k[cf.j][:len(ytmp)]
				for m := range ytmp {
					ytmp[m] += ha * kj[m]
				}
			}
			yi = ytmp
		}
		e.f(t+tab.c[i]*h, yi, e.k[i])
	}
	e.st.FEvals += tab.s
	if &out[0] != &y[0] {
		copy(out, y)
	}
	for i, bi := range tab.b {
		if bi == 0 {
			continue
		}
		hb := h * bi
		ki := e.k[i][:len(out)]
		for m := range out {
			out[m] += hb * ki[m]
		}
	}
}

func (e *erk) advance(t, h float64, y []float64) error { e.step(t, h, y, y); return nil }

func (e *erk) partial(t, h float64, y, out []float64) error { e.step(t, h, y, out); return nil }
