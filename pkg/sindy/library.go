package sindy

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrInput is wrapped by every error about bad input (shapes, NaN, bad options).
var ErrInput = errors.New("sindy: bad input")

// Term is one column of a feature library Θ.
type Term struct {
	// Name is the printable name, e.g. "1", "z1", "z1 z3", "z2^2", "sin(z1)".
	Name string
	// Powers holds the exponent of each variable for a monomial term (nil for other terms).
	Powers []int
	// Sine is the index of the variable of a sin(z_i) term, or -1.
	Sine int
	// Func evaluates a user term (nil for monomials and sines).
	Func func(z []float64) float64
}

// Eval returns the value of the term at the state z.
func (t *Term) Eval(z []float64) float64 {
	switch {
	case t.Func != nil:
		return t.Func(z)
	case t.Sine >= 0:
		return math.Sin(z[t.Sine])
	}
	v := 1.0
	for i, p := range t.Powers {
		for range p {
			v *= z[i]
		}
	}
	return v
}

// Library is a SINDy feature library Θ(z): an ordered list of candidate terms of n state variables.
// Build one with NewLibrary.
type Library struct {
	vars  []string
	terms []Term
}

// LibraryBuilder configures a Library; see NewLibrary.
type LibraryBuilder struct {
	n       int
	vars    []string
	order   int
	sine    bool
	custom  []Term
	noConst bool
	errs    []error
}

// NewLibrary starts the library of n state variables named z1..zn. By default it holds the
// polynomials up to order 2 (PySINDy's default); chain Polynomial, Sine, Custom and Names, then Done:
//
//	lib, err := sindy.NewLibrary(3).Polynomial(3).Done() // Champion et al.'s 20 Lorenz terms
//
// Column order (Champion et al.'s, also PySINDy's): 1, z_i, z_i z_j (i ≤ j), z_i z_j z_k (i ≤ j ≤ k),
// ... up to the polynomial order, then sin(z_i), then the custom terms in the order they were added.
func NewLibrary(n int) *LibraryBuilder {
	b := &LibraryBuilder{n: n, order: 2}
	if n <= 0 {
		b.errs = append(b.errs, fmt.Errorf("%w: library of %d variables", ErrInput, n))
	}
	return b
}

// Polynomial sets the highest polynomial order (0..5).
func (b *LibraryBuilder) Polynomial(order int) *LibraryBuilder {
	if order < 0 || order > 5 {
		b.errs = append(b.errs, fmt.Errorf("%w: polynomial order %d outside 0..5", ErrInput, order))
	}
	b.order = order
	return b
}

// NoConstant drops the constant column "1".
func (b *LibraryBuilder) NoConstant() *LibraryBuilder { b.noConst = true; return b }

// Sine adds sin(z_i) for every variable, after the polynomials.
func (b *LibraryBuilder) Sine() *LibraryBuilder { b.sine = true; return b }

// Custom adds a user term with a printable name. f receives the whole state.
func (b *LibraryBuilder) Custom(name string, f func(z []float64) float64) *LibraryBuilder {
	if f == nil || name == "" {
		b.errs = append(b.errs, fmt.Errorf("%w: custom term needs a name and a function", ErrInput))
		return b
	}
	b.custom = append(b.custom, Term{Name: name, Sine: -1, Func: f})
	return b
}

// Names sets the variable names used in term names and equations (default z1..zn).
func (b *LibraryBuilder) Names(names ...string) *LibraryBuilder {
	if len(names) != b.n {
		b.errs = append(b.errs, fmt.Errorf("%w: %d names for %d variables", ErrInput, len(names), b.n))
		return b
	}
	b.vars = append([]string(nil), names...)
	return b
}

// Done builds the library or reports the first configuration error.
func (b *LibraryBuilder) Done() (*Library, error) {
	if len(b.errs) > 0 {
		return nil, b.errs[0]
	}
	vars := b.vars
	if vars == nil {
		vars = make([]string, b.n)
		for i := range vars {
			vars[i] = fmt.Sprintf("z%d", i+1)
		}
	}
	lib := &Library{vars: vars}
	for k := 0; k <= b.order; k++ {
		if k == 0 && b.noConst {
			continue
		}
		for _, idx := range combinationsWithReplacement(b.n, k) {
			pw := make([]int, b.n)
			for _, i := range idx {
				pw[i]++
			}
			lib.terms = append(lib.terms, Term{Name: monomialName(vars, pw), Powers: pw, Sine: -1})
		}
	}
	if b.sine {
		for i := range b.n {
			lib.terms = append(lib.terms, Term{Name: "sin(" + vars[i] + ")", Sine: i})
		}
	}
	lib.terms = append(lib.terms, b.custom...)
	return lib, nil
}

// MustLibrary is Done for fixed, known-good configurations: it panics on error.
func (b *LibraryBuilder) MustLibrary() *Library {
	lib, err := b.Done()
	if err != nil {
		panic(err)
	}
	return lib
}

// combinationsWithReplacement lists the sorted index tuples i1 ≤ i2 ≤ ... ≤ ik of 0..n-1, in
// lexicographic order (Python's itertools.combinations_with_replacement).
func combinationsWithReplacement(n, k int) [][]int {
	if k == 0 {
		return [][]int{{}}
	}
	var out [][]int
	idx := make([]int, k)
	for {
		out = append(out, append([]int(nil), idx...))
		// Find the rightmost index that can be incremented.
		j := k - 1
		for j >= 0 && idx[j] == n-1 {
			j--
		}
		if j < 0 {
			return out
		}
		idx[j]++
		for l := j + 1; l < k; l++ {
			idx[l] = idx[j]
		}
	}
}

func monomialName(vars []string, pw []int) string {
	var parts []string
	for i, p := range pw {
		switch {
		case p == 1:
			parts = append(parts, vars[i])
		case p > 1:
			parts = append(parts, fmt.Sprintf("%s^%d", vars[i], p))
		}
	}
	if len(parts) == 0 {
		return "1"
	}
	return strings.Join(parts, " ")
}

// LibrarySize is the number of columns of a polynomial library of n variables up to order p,
// with n sines when sine is true: Σ_{k=0..p} C(n+k-1, k) (+ n), the formula of Champion et al.
func LibrarySize(n, p int, sine bool) int {
	size := 0
	for k := 0; k <= p; k++ {
		size += binomial(n+k-1, k)
	}
	if sine {
		size += n
	}
	return size
}

func binomial(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

// NumVars is the number of state variables.
func (l *Library) NumVars() int { return len(l.vars) }

// Size is the number of terms (columns of Θ).
func (l *Library) Size() int { return len(l.terms) }

// Terms returns the terms (shared; do not modify).
func (l *Library) Terms() []Term { return l.terms }

// Names returns the printable term names in column order.
func (l *Library) Names() []string {
	out := make([]string, len(l.terms))
	for i, t := range l.terms {
		out[i] = t.Name
	}
	return out
}

// VarNames returns the state variable names.
func (l *Library) VarNames() []string { return append([]string(nil), l.vars...) }

// MaxOrder returns the highest total degree of the monomial terms.
func (l *Library) MaxOrder() int {
	m := 0
	for _, t := range l.terms {
		d := 0
		for _, p := range t.Powers {
			d += p
		}
		m = max(m, d)
	}
	return m
}

// Index returns the column of the monomial with the given powers, or -1.
func (l *Library) Index(powers ...int) int {
	for i, t := range l.terms {
		if t.Powers == nil || len(t.Powers) != len(powers) {
			continue
		}
		same := true
		for j := range powers {
			if t.Powers[j] != powers[j] {
				same = false
				break
			}
		}
		if same {
			return i
		}
	}
	return -1
}

// EvalTo writes Θ(z) (one row, Size() values) into row.
func (l *Library) EvalTo(z, row []float64) {
	for i := range l.terms {
		row[i] = l.terms[i].Eval(z)
	}
}

// Matrix evaluates Θ on every row of z (m × NumVars) and returns the m × Size() matrix.
func (l *Library) Matrix(z [][]float64) ([][]float64, error) {
	out := make([][]float64, len(z))
	flat := make([]float64, len(z)*l.Size())
	for r, zr := range z {
		if len(zr) != l.NumVars() {
			return nil, fmt.Errorf("%w: row %d has %d values, library has %d variables", ErrInput, r, len(zr), l.NumVars())
		}
		out[r] = flat[r*l.Size() : (r+1)*l.Size()]
		l.EvalTo(zr, out[r])
	}
	return out, nil
}
