package sindy

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/ode"
)

// Model is a SINDy model ż = Θ(z) Ξ: a feature library and a coefficient matrix Ξ (library terms ×
// state variables). Fit it from data with New(...).Fit, or wrap known coefficients with FromCoefficients.
type Model struct {
	lib *Library
	opt STLSQ
	xi  [][]float64 // Size() × NumVars()
}

// New returns an unfitted model with the given library and PySINDy's default STLSQ.
func New(lib *Library) *Model { return &Model{lib: lib, opt: DefaultSTLSQ()} }

// Optimizer sets the STLSQ options (builder style; errors surface in Fit).
func (m *Model) Optimizer(o STLSQ) *Model { m.opt = o; return m }

// FromCoefficients returns a model with the given Ξ (Size() rows of NumVars() values), e.g. the
// coefficients a SINDy autoencoder learned, so it can be printed and simulated.
func FromCoefficients(lib *Library, xi [][]float64) (*Model, error) {
	if lib == nil {
		return nil, fmt.Errorf("%w: nil library", ErrInput)
	}
	if len(xi) != lib.Size() {
		return nil, fmt.Errorf("%w: Ξ has %d rows, library has %d terms", ErrInput, len(xi), lib.Size())
	}
	c := make([][]float64, len(xi))
	for i, r := range xi {
		if len(r) != lib.NumVars() {
			return nil, fmt.Errorf("%w: Ξ row %d has %d values, want %d", ErrInput, i, len(r), lib.NumVars())
		}
		c[i] = append([]float64(nil), r...)
	}
	return &Model{lib: lib, opt: DefaultSTLSQ(), xi: c}, nil
}

// Library returns the model's feature library.
func (m *Model) Library() *Library { return m.lib }

// Fit fits Ξ from states z (m × n) and their time derivatives zdot (m × n) with STLSQ.
func (m *Model) Fit(z, zdot [][]float64) error {
	if m.lib == nil {
		return fmt.Errorf("%w: model has no library", ErrInput)
	}
	if len(z) != len(zdot) {
		return fmt.Errorf("%w: %d states and %d derivatives", ErrInput, len(z), len(zdot))
	}
	for r := range zdot {
		if len(zdot[r]) != m.lib.NumVars() {
			return fmt.Errorf("%w: derivative row %d has %d values, want %d", ErrInput, r, len(zdot[r]), m.lib.NumVars())
		}
	}
	theta, err := m.lib.Matrix(z)
	if err != nil {
		return fmt.Errorf("sindy fit: %w", err)
	}
	xi, err := m.opt.Fit(theta, zdot)
	if err != nil {
		return fmt.Errorf("sindy fit: %w", err)
	}
	m.xi = xi
	return nil
}

// FitUniform fits from one trajectory sampled every dt, estimating the derivatives with
// second-order centred finite differences (one-sided at the ends), like PySINDy's default.
func (m *Model) FitUniform(z [][]float64, dt float64) error {
	d, err := FiniteDifference(z, dt)
	if err != nil {
		return fmt.Errorf("sindy fit: %w", err)
	}
	return m.Fit(z, d)
}

// FiniteDifference returns second-order accurate derivative estimates of samples z taken every dt:
// centred differences inside, one-sided three-point formulas at both ends.
func FiniteDifference(z [][]float64, dt float64) ([][]float64, error) {
	if !(dt > 0) || math.IsInf(dt, 0) {
		return nil, fmt.Errorf("%w: time step %g must be > 0", ErrInput, dt)
	}
	n := len(z)
	if n < 3 {
		return nil, fmt.Errorf("%w: %d samples, finite differences need at least 3", ErrInput, n)
	}
	d := make([][]float64, n)
	for i := range z {
		if len(z[i]) != len(z[0]) {
			return nil, fmt.Errorf("%w: sample %d has %d values, want %d", ErrInput, i, len(z[i]), len(z[0]))
		}
		d[i] = make([]float64, len(z[i]))
		for j := range z[i] {
			switch i {
			case 0:
				d[i][j] = (-3*z[0][j] + 4*z[1][j] - z[2][j]) / (2 * dt)
			case n - 1:
				d[i][j] = (3*z[n-1][j] - 4*z[n-2][j] + z[n-3][j]) / (2 * dt)
			default:
				d[i][j] = (z[i+1][j] - z[i-1][j]) / (2 * dt)
			}
		}
	}
	return d, nil
}

// Coefficients returns a copy of Ξ (library terms × state variables; PySINDy's coefficients() is its transpose).
func (m *Model) Coefficients() [][]float64 {
	out := make([][]float64, len(m.xi))
	for i, r := range m.xi {
		out[i] = append([]float64(nil), r...)
	}
	return out
}

// ActiveTerms counts the non-zero coefficients.
func (m *Model) ActiveTerms() int {
	n := 0
	for _, r := range m.xi {
		for _, v := range r {
			if v != 0 {
				n++
			}
		}
	}
	return n
}

func (m *Model) fitted() error {
	if m.xi == nil {
		return fmt.Errorf("%w: model not fitted", ErrInput)
	}
	return nil
}

// RHS writes ż = Θ(z) Ξ into dz; it is an ode.Func (t is unused). The model must be fitted.
func (m *Model) RHS(_ float64, z, dz []float64) {
	for j := range dz {
		dz[j] = 0
	}
	for i := range m.lib.terms {
		row := m.xi[i]
		nz := false
		for _, v := range row {
			if v != 0 {
				nz = true
				break
			}
		}
		if !nz {
			continue
		}
		th := m.lib.terms[i].Eval(z)
		for j, v := range row {
			dz[j] += th * v
		}
	}
}

// Predict returns ż = Θ(z) Ξ for every row of z.
func (m *Model) Predict(z [][]float64) ([][]float64, error) {
	if err := m.fitted(); err != nil {
		return nil, err
	}
	out := make([][]float64, len(z))
	for r, zr := range z {
		if len(zr) != m.lib.NumVars() {
			return nil, fmt.Errorf("%w: row %d has %d values, want %d", ErrInput, r, len(zr), m.lib.NumVars())
		}
		out[r] = make([]float64, len(zr))
		m.RHS(0, zr, out[r])
	}
	return out, nil
}

// Simulate integrates the discovered model from z0 and returns the states at the times ts
// (increasing, ts[0] is the time of z0), with the adaptive Dormand-Prince method of package ode
// (rtol = atol = 1e-9, like scipy's odeint with tight tolerances).
func (m *Model) Simulate(z0, ts []float64) ([][]float64, error) {
	if err := m.fitted(); err != nil {
		return nil, err
	}
	if len(z0) != m.lib.NumVars() {
		return nil, fmt.Errorf("%w: initial state has %d values, want %d", ErrInput, len(z0), m.lib.NumVars())
	}
	if len(ts) < 2 {
		return nil, fmt.Errorf("%w: simulate needs at least 2 output times, got %d", ErrInput, len(ts))
	}
	p := ode.Problem{F: m.RHS, Y0: append([]float64(nil), z0...), T0: ts[0], T1: ts[len(ts)-1]}
	sol, err := ode.Solve(p, ode.DormandPrince(), ode.Options{RTol: 1e-9, ATol: 1e-9, Saveat: ts})
	if err != nil {
		return nil, fmt.Errorf("sindy simulate: %w", err)
	}
	out := make([][]float64, sol.Len())
	for i := range out {
		out[i] = append([]float64(nil), sol.At(i)...)
	}
	return out, nil
}

// Equations returns one line per state variable, e.g. "z1' = -10.00 z1 + 10.00 z2", with the given
// number of decimals.
func (m *Model) Equations(precision int) []string {
	if m.xi == nil {
		return nil
	}
	vars := m.lib.VarNames()
	out := make([]string, len(vars))
	for j, v := range vars {
		var b strings.Builder
		fmt.Fprintf(&b, "%s' =", v)
		first := true
		for i, t := range m.lib.terms {
			c := m.xi[i][j]
			if c == 0 {
				continue
			}
			sign := "+"
			if c < 0 {
				sign = "-"
			}
			mag := strconv(math.Abs(c), precision)
			switch {
			case first && c < 0:
				b.WriteString(" -" + mag)
			case first:
				b.WriteString(" " + mag)
			default:
				b.WriteString(" " + sign + " " + mag)
			}
			if t.Name != "1" {
				b.WriteString(" " + t.Name)
			}
			first = false
		}
		if first {
			b.WriteString(" 0")
		}
		out[j] = b.String()
	}
	return out
}

func strconv(v float64, precision int) string { return fmt.Sprintf("%.*f", precision, v) }

// Print writes the equations (2 decimals) to w, one per line, like PySINDy's model.print().
func (m *Model) Print(w io.Writer) error {
	if err := m.fitted(); err != nil {
		return err
	}
	for _, e := range m.Equations(2) {
		if _, err := fmt.Fprintln(w, e); err != nil {
			return err
		}
	}
	return nil
}

// String returns the equations joined by newlines.
func (m *Model) String() string { return strings.Join(m.Equations(2), "\n") }
