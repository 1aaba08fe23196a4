package sindy

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
)

// Model is a SINDy model ż = Θ(z) Ξ, or ż = Θ(z, u) Ξ with control inputs: a feature library and a
// coefficient matrix Ξ (library terms × state variables). Fit it from data with New(...).Fit (or
// FitControl, FitTrajectories), or wrap known coefficients with FromCoefficients. A fitted model may
// be used by several goroutines at once (Predict, RHS, Simulate); fitting is not concurrent.
type Model struct {
	lib *Library
	opt Optimizer
	xi  [][]float64 // Size() × NumVars()

	pred atomic.Pointer[predictor] // compiled Θ Ξ of the current xi, built on first use
}

// New returns an unfitted model with the given library and PySINDy's default optimizer,
// DefaultSTLSQ() (threshold 0.1, alpha 0.05, unbiased).
func New(lib *Library) *Model { return &Model{lib: lib, opt: DefaultSTLSQ()} }

// Optimizer sets the optimizer (builder style; option errors surface in Fit): an STLSQ or SR3
// value, or an *Ensemble (whose Result is read after Fit). nil restores DefaultSTLSQ().
func (m *Model) Optimizer(o Optimizer) *Model {
	if o == nil {
		o = DefaultSTLSQ()
	}
	m.opt = o
	return m
}

// FromCoefficients returns a model with the given Ξ (Size() rows of NumVars() values, all finite),
// e.g. the coefficients a SINDy autoencoder learned, so it can be printed and simulated.
func FromCoefficients(lib *Library, xi [][]float64) (*Model, error) {
	if lib == nil {
		return nil, fmt.Errorf("%w: nil library", ErrInput)
	}
	if err := checkXi(lib, xi); err != nil {
		return nil, err
	}
	c := make([][]float64, len(xi))
	for i, r := range xi {
		c[i] = append([]float64(nil), r...)
	}
	return &Model{lib: lib, opt: DefaultSTLSQ(), xi: c}, nil
}

// checkXi checks that Ξ has the library's shape and finite values.
func checkXi(lib *Library, xi [][]float64) error {
	if len(xi) != lib.Size() {
		return fmt.Errorf("%w: Ξ has %d rows, library has %d terms", ErrInput, len(xi), lib.Size())
	}
	for i, r := range xi {
		if len(r) != lib.NumVars() {
			return fmt.Errorf("%w: Ξ row %d has %d values, want %d", ErrInput, i, len(r), lib.NumVars())
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: Ξ[%d][%d] (term %q in the equation of %s) is %g; coefficients must be finite",
					ErrInput, i, j, lib.terms[i].Name, lib.vars[j], v)
			}
		}
	}
	return nil
}

// Library returns the model's feature library.
func (m *Model) Library() *Library { return m.lib }

// Fit fits Ξ from states z (m × n) and their time derivatives zdot (m × n) with the model's
// optimizer. A library with control inputs needs FitControl or FitTrajectories.
func (m *Model) Fit(z, zdot [][]float64) error {
	if m.lib != nil && m.lib.NumInputs() > 0 {
		return fmt.Errorf("%w: the library has %d control inputs; use FitControl or FitTrajectories", ErrInput, m.lib.NumInputs())
	}
	return m.FitControl(z, zdot, nil)
}

// FitControl fits Ξ of ż = Θ(z, u) Ξ from states z (m × n), derivatives zdot (m × n) and control
// inputs u (m × NumInputs; nil for a library without inputs).
func (m *Model) FitControl(z, zdot, u [][]float64) error {
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
	theta, err := m.lib.MatrixControl(z, u)
	if err != nil {
		return fmt.Errorf("sindy fit: %w", err)
	}
	return m.fitTheta(theta, zdot)
}

// fitTheta runs the optimizer on the assembled regression and stores Ξ.
func (m *Model) fitTheta(theta, zdot [][]float64) error {
	opt := m.opt
	if opt == nil {
		opt = DefaultSTLSQ()
	}
	xi, err := opt.Fit(theta, zdot)
	if err != nil {
		return fmt.Errorf("sindy fit: %w", err)
	}
	if err := checkXi(m.lib, xi); err != nil {
		return fmt.Errorf("sindy fit: the optimizer returned a bad Ξ: %w", err)
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
	if m.lib == nil {
		return fmt.Errorf("%w: model has no library", ErrInput)
	}
	if m.xi == nil {
		return fmt.Errorf("%w: model not fitted", ErrInput)
	}
	return nil
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
