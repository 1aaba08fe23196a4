package sindy

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ErrInput is wrapped by every error about bad input (shapes, NaN, bad options).
var ErrInput = errors.New("sindy: bad input")

// Term is one column of a feature library Θ. A term is a function of the library's input vector
// w = (z_1..z_n, u_1..u_m): the n state variables followed by the m control inputs (m = 0 for a
// library without inputs). Exactly one kind applies, checked in this order: a product (Factors), a
// user function (Func), a Fourier term (Freq > 0), a sine (Sine ≥ 0), a monomial (Powers).
type Term struct {
	// Name is the printable name, e.g. "1", "z1", "z1 z3", "z2^2", "sin(z1)", "cos(2 z1)".
	Name string
	// Powers holds the exponent of each variable of w for a monomial term (nil for other terms).
	Powers []int
	// Sine is the index of the variable of a sin(w_i) term, or -1.
	Sine int
	// Freq > 0 marks a Fourier term sin(Freq·w_Var), or cos(Freq·w_Var) when Cos is set.
	Freq int
	Var  int
	Cos  bool
	// Factors are the terms whose product this term is (a tensor-product library), or nil.
	Factors []Term
	// Func evaluates a user term (nil for the other kinds). It receives the whole vector w.
	Func func(w []float64) float64
}

// Eval returns the value of the term at w (states, then inputs).
func (t *Term) Eval(w []float64) float64 {
	switch {
	case t.Factors != nil:
		v := 1.0
		for i := range t.Factors {
			v *= t.Factors[i].Eval(w)
		}
		return v
	case t.Func != nil:
		return t.Func(w)
	case t.Freq > 0:
		if t.Cos {
			return math.Cos(float64(t.Freq) * w[t.Var])
		}
		return math.Sin(float64(t.Freq) * w[t.Var])
	case t.Sine >= 0:
		return math.Sin(w[t.Sine])
	}
	v := 1.0
	for i, p := range t.Powers {
		for range p {
			v *= w[i]
		}
	}
	return v
}

// Library is a SINDy feature library Θ(z) or, with control inputs, Θ(z, u): an ordered list of
// candidate terms of n state variables (and m inputs). Build one with NewLibrary, Concat or Tensor.
// A Library is immutable and safe for concurrent use.
type Library struct {
	vars   []string
	inputs []string
	terms  []Term
	spec   *librarySpec
	plan   *plan
}

// LibraryBuilder configures a Library; see NewLibrary.
type LibraryBuilder struct {
	n, m    int
	vars    []string
	inputs  []string
	order   int
	sine    bool
	fourier int
	custom  []Term
	noConst bool
	errs    []error
}

// NewLibrary starts the library of n state variables named z1..zn. By default it holds the
// polynomials up to order 2 (PySINDy's default); chain Polynomial, NoConstant, Sine, Fourier, Custom,
// Names and Inputs, then Done:
//
//	lib, err := sindy.NewLibrary(3).Polynomial(3).Done()        // Champion et al.'s 20 Lorenz terms
//	lib, err := sindy.NewLibrary(2).Inputs(1).Polynomial(2).Done() // SINDYc: Θ(z1, z2, u1)
//
// Column order (Champion et al.'s, also PySINDy's): 1, w_i, w_i w_j (i ≤ j), w_i w_j w_k
// (i ≤ j ≤ k), ... up to the polynomial order, then sin(w_i), then the Fourier terms (PySINDy's
// FourierLibrary order: for k = 1..N, for each variable i, sin(k w_i) then cos(k w_i)), then the
// custom terms in the order they were added. w is the states followed by the inputs.
func NewLibrary(n int) *LibraryBuilder {
	b := &LibraryBuilder{n: n, order: 2}
	if n <= 0 {
		b.errs = append(b.errs, fmt.Errorf("%w: library of %d variables (want >= 1)", ErrInput, n))
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

// Sine adds sin(w_i) for every variable (states and inputs), after the polynomials.
func (b *LibraryBuilder) Sine() *LibraryBuilder { b.sine = true; return b }

// Fourier adds PySINDy's FourierLibrary(n_frequencies=k) terms after the sines: for each frequency
// f = 1..k and each variable w_i, sin(f w_i) and cos(f w_i), named "sin(f w_i)" and "cos(f w_i)" as
// in PySINDy (e.g. "sin(1 z1)"). k must be in 0..100 (0 adds nothing). For a Fourier-only library,
// combine with Polynomial(0).NoConstant().
func (b *LibraryBuilder) Fourier(k int) *LibraryBuilder {
	if k < 0 || k > 100 {
		b.errs = append(b.errs, fmt.Errorf("%w: Fourier frequencies %d outside 0..100", ErrInput, k))
	}
	b.fourier = k
	return b
}

// Custom adds a user term with a printable name. f receives the whole vector w (states, then
// inputs). A library with custom terms cannot be rebuilt from its JSON description.
func (b *LibraryBuilder) Custom(name string, f func(w []float64) float64) *LibraryBuilder {
	if f == nil || name == "" {
		b.errs = append(b.errs, fmt.Errorf("%w: custom term %q needs a name and a non-nil function", ErrInput, name))
		return b
	}
	b.custom = append(b.custom, Term{Name: name, Sine: -1, Func: f})
	return b
}

// Names sets the state variable names used in term names and equations (default z1..zn).
func (b *LibraryBuilder) Names(names ...string) *LibraryBuilder {
	if len(names) != b.n {
		b.errs = append(b.errs, fmt.Errorf("%w: %d names for %d variables", ErrInput, len(names), b.n))
		return b
	}
	b.vars = append([]string(nil), names...)
	return b
}

// Inputs adds m control inputs u1..um (SINDYc): the library's terms are then functions of
// w = (z, u), every part of the library (polynomials, sines, Fourier terms) spanning states and
// inputs as in PySINDy, and a model fits ż = Θ(z, u) Ξ. m must be in 0..100.
func (b *LibraryBuilder) Inputs(m int) *LibraryBuilder {
	if m < 0 || m > 100 {
		b.errs = append(b.errs, fmt.Errorf("%w: %d control inputs outside 0..100", ErrInput, m))
		return b
	}
	b.m = m
	return b
}

// InputNames sets the control input names (default u1..um); it also sets the number of inputs.
func (b *LibraryBuilder) InputNames(names ...string) *LibraryBuilder {
	b.Inputs(len(names))
	b.inputs = append([]string(nil), names...)
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
	inputs := b.inputs
	if inputs == nil {
		inputs = make([]string, b.m)
		for i := range inputs {
			inputs[i] = fmt.Sprintf("u%d", i+1)
		}
	}
	if err := checkNames(vars, inputs); err != nil {
		return nil, err
	}
	all := append(append([]string(nil), vars...), inputs...)
	nw := len(all)
	lib := &Library{vars: vars, inputs: inputs}
	for k := 0; k <= b.order; k++ {
		if k == 0 && b.noConst {
			continue
		}
		for _, idx := range combinationsWithReplacement(nw, k) {
			pw := make([]int, nw)
			for _, i := range idx {
				pw[i]++
			}
			lib.terms = append(lib.terms, Term{Name: monomialName(all, pw), Powers: pw, Sine: -1})
		}
	}
	if b.sine {
		for i := range nw {
			lib.terms = append(lib.terms, Term{Name: "sin(" + all[i] + ")", Sine: i})
		}
	}
	for f := 1; f <= b.fourier; f++ {
		for i := range nw {
			lib.terms = append(lib.terms,
				Term{Name: fmt.Sprintf("sin(%d %s)", f, all[i]), Sine: -1, Freq: f, Var: i},
				Term{Name: fmt.Sprintf("cos(%d %s)", f, all[i]), Sine: -1, Freq: f, Var: i, Cos: true})
		}
	}
	lib.terms = append(lib.terms, b.custom...)
	if len(lib.terms) == 0 {
		return nil, fmt.Errorf("%w: the library has no terms (polynomial order %d, constant %v, no sines, Fourier or custom terms)", ErrInput, b.order, !b.noConst)
	}
	order, constant := b.order, !b.noConst
	spec := &librarySpec{Kind: specBasis, Variables: vars, Inputs: inputs, Polynomial: &order, Constant: &constant,
		Sine: b.sine, Fourier: b.fourier}
	for _, c := range b.custom {
		spec.Custom = append(spec.Custom, c.Name)
	}
	lib.spec = spec
	lib.plan = compile(lib.terms)
	return lib, nil
}

// checkNames rejects empty and repeated variable names.
func checkNames(vars, inputs []string) error {
	seen := map[string]bool{}
	for _, v := range append(append([]string(nil), vars...), inputs...) {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%w: empty variable name in %q", ErrInput, append(append([]string(nil), vars...), inputs...))
		}
		if seen[v] {
			return fmt.Errorf("%w: variable name %q used twice", ErrInput, v)
		}
		seen[v] = true
	}
	return nil
}

// MustLibrary is Done for fixed, known-good configurations: it panics on error.
func (b *LibraryBuilder) MustLibrary() *Library {
	lib, err := b.Done()
	if err != nil {
		panic(err)
	}
	return lib
}

// sameVariables reports whether two libraries have the same states and inputs, with the same names.
func sameVariables(a, b *Library) bool {
	return slices.Equal(a.vars, b.vars) && slices.Equal(a.inputs, b.inputs)
}

func checkParts(op string, libs []*Library) error {
	if len(libs) < 2 {
		return fmt.Errorf("%w: %s of %d libraries (want at least 2)", ErrInput, op, len(libs))
	}
	for i, l := range libs {
		if l == nil {
			return fmt.Errorf("%w: %s: library %d is nil", ErrInput, op, i)
		}
		if !sameVariables(libs[0], l) {
			return fmt.Errorf("%w: %s: library %d has variables %q and inputs %q, library 0 has %q and %q (all must match)",
				ErrInput, op, i, l.vars, l.inputs, libs[0].vars, libs[0].inputs)
		}
	}
	return nil
}

// Concat returns the library whose terms are those of libs, in order (PySINDy's lib1 + lib2).
// All libraries must have the same state and input names.
func Concat(libs ...*Library) (*Library, error) {
	if err := checkParts("concatenation", libs); err != nil {
		return nil, err
	}
	out := &Library{vars: libs[0].vars, inputs: libs[0].inputs, spec: &librarySpec{Kind: specConcat,
		Variables: libs[0].vars, Inputs: libs[0].inputs}}
	for _, l := range libs {
		out.terms = append(out.terms, l.terms...)
		out.spec.Parts = append(out.spec.Parts, *l.spec)
	}
	out.plan = compile(out.terms)
	return out, nil
}

// Tensor returns the tensor product of libraries (PySINDy's lib1 * lib2): every product of one term
// of each library, the first library's index varying slowest, named by joining the factors' names
// with a space (e.g. "z1 sin(1 z2)"). All libraries must have the same state and input names.
func Tensor(libs ...*Library) (*Library, error) {
	if err := checkParts("tensor product", libs); err != nil {
		return nil, err
	}
	terms := libs[0].terms
	for _, l := range libs[1:] {
		var next []Term
		for _, a := range terms {
			for _, b := range l.terms {
				next = append(next, Term{Name: a.Name + " " + b.Name, Sine: -1, Factors: append(factors(a), factors(b)...)})
			}
		}
		terms = next
	}
	out := &Library{vars: libs[0].vars, inputs: libs[0].inputs, terms: terms, spec: &librarySpec{Kind: specTensor,
		Variables: libs[0].vars, Inputs: libs[0].inputs}}
	for _, l := range libs {
		out.spec.Parts = append(out.spec.Parts, *l.spec)
	}
	out.plan = compile(out.terms)
	return out, nil
}

// factors flattens a term into the factors of a product.
func factors(t Term) []Term {
	if t.Factors != nil {
		return append([]Term(nil), t.Factors...)
	}
	return []Term{t}
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

// NumVars is the number of state variables (not counting control inputs).
func (l *Library) NumVars() int { return len(l.vars) }

// NumInputs is the number of control inputs (0 for a library of the states only).
func (l *Library) NumInputs() int { return len(l.inputs) }

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

// InputNames returns the control input names (empty without inputs).
func (l *Library) InputNames() []string { return append([]string(nil), l.inputs...) }

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

// Index returns the column of the monomial with the given powers (one per state, then one per
// input), or -1.
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

// EvalTo writes Θ(w) (one row, Size() values) into row; w holds the states and then the inputs
// (NumVars() + NumInputs() values).
func (l *Library) EvalTo(w, row []float64) {
	s := make([]float64, len(l.plan.ops))
	l.plan.eval(w, s)
	for i, c := range l.plan.cols {
		row[i] = s[c]
	}
}

// Matrix evaluates Θ on every row of z (m × NumVars) and returns the m × Size() matrix. A library
// with control inputs needs MatrixControl.
func (l *Library) Matrix(z [][]float64) ([][]float64, error) {
	if l.NumInputs() > 0 {
		return nil, fmt.Errorf("%w: the library has %d control inputs %q; use MatrixControl", ErrInput, l.NumInputs(), l.inputs)
	}
	return l.MatrixControl(z, nil)
}

// MatrixControl evaluates Θ(z, u) on every row of z (m × NumVars) and u (m × NumInputs; nil for a
// library without inputs) and returns the m × Size() matrix.
func (l *Library) MatrixControl(z, u [][]float64) ([][]float64, error) {
	n, mi, p := l.NumVars(), l.NumInputs(), l.Size()
	if mi > 0 && len(u) != len(z) {
		return nil, fmt.Errorf("%w: %d input rows for %d states", ErrInput, len(u), len(z))
	}
	if mi == 0 && len(u) > 0 {
		return nil, fmt.Errorf("%w: %d input rows, but the library has no control inputs (build it with Inputs)", ErrInput, len(u))
	}
	out := make([][]float64, len(z))
	flat := make([]float64, len(z)*p)
	w := make([]float64, n+mi)
	s := make([]float64, len(l.plan.ops))
	for r, zr := range z {
		if len(zr) != n {
			return nil, fmt.Errorf("%w: row %d has %d values, library has %d variables", ErrInput, r, len(zr), n)
		}
		copy(w, zr)
		if mi > 0 {
			if len(u[r]) != mi {
				return nil, fmt.Errorf("%w: input row %d has %d values, library has %d inputs", ErrInput, r, len(u[r]), mi)
			}
			copy(w[n:], u[r])
		}
		out[r] = flat[r*p : (r+1)*p]
		l.plan.eval(w, s)
		for i, c := range l.plan.cols {
			out[r][i] = s[c]
		}
	}
	return out, nil
}

// opKind is the operation computing one slot of a compiled library.
type opKind uint8

const (
	opOne  opKind = iota // 1
	opVar                // w[a]
	opMul                // s[a] · w[b]
	opProd               // s[a] · s[b]
	opSin                // sin(f · w[a])
	opCos                // cos(f · w[a])
	opFunc               // fn(w)
)

type op struct {
	kind opKind
	a, b int
	f    float64
	fn   func([]float64) float64
}

// plan evaluates a library's terms with shared work: every monomial is the product of a lower one
// and one variable, computed once. ops[s] computes slot s from earlier slots; cols maps each term to
// its slot.
type plan struct {
	ops  []op
	cols []int
}

func (p *plan) eval(w, s []float64) {
	for i := range p.ops {
		o := &p.ops[i]
		switch o.kind {
		case opOne:
			s[i] = 1
		case opVar:
			s[i] = w[o.a]
		case opMul:
			s[i] = s[o.a] * w[o.b]
		case opProd:
			s[i] = s[o.a] * s[o.b]
		case opSin:
			s[i] = math.Sin(o.f * w[o.a])
		case opCos:
			s[i] = math.Cos(o.f * w[o.a])
		case opFunc:
			s[i] = o.fn(w)
		}
	}
}

type planBuilder struct {
	p    plan
	memo map[string]int
}

func (b *planBuilder) add(key string, o op) int {
	if key != "" {
		if s, ok := b.memo[key]; ok {
			return s
		}
		b.memo[key] = len(b.p.ops)
	}
	b.p.ops = append(b.p.ops, o)
	return len(b.p.ops) - 1
}

func (b *planBuilder) mono(pw []int) int {
	k := "m" + key(pw)
	if s, ok := b.memo[k]; ok {
		return s
	}
	j := len(pw) - 1
	for j >= 0 && pw[j] == 0 {
		j--
	}
	if j < 0 {
		return b.add(k, op{kind: opOne})
	}
	lower := append([]int(nil), pw...)
	lower[j]--
	zero := true
	for _, p := range lower {
		zero = zero && p == 0
	}
	if zero {
		return b.add(k, op{kind: opVar, a: j})
	}
	parent := b.mono(lower)
	return b.add(k, op{kind: opMul, a: parent, b: j})
}

func (b *planBuilder) term(t *Term) int {
	switch {
	case t.Factors != nil:
		s := b.term(&t.Factors[0])
		for i := 1; i < len(t.Factors); i++ {
			f := b.term(&t.Factors[i])
			s = b.add(fmt.Sprintf("p%d,%d", s, f), op{kind: opProd, a: s, b: f})
		}
		return s
	case t.Func != nil:
		return b.add("", op{kind: opFunc, fn: t.Func})
	case t.Freq > 0:
		if t.Cos {
			return b.add(fmt.Sprintf("c%d,%d", t.Freq, t.Var), op{kind: opCos, a: t.Var, f: float64(t.Freq)})
		}
		return b.add(fmt.Sprintf("s%d,%d", t.Freq, t.Var), op{kind: opSin, a: t.Var, f: float64(t.Freq)})
	case t.Sine >= 0:
		return b.add(fmt.Sprintf("s1,%d", t.Sine), op{kind: opSin, a: t.Sine, f: 1})
	}
	return b.mono(t.Powers)
}

// compile builds the evaluation plan of a list of terms.
func compile(terms []Term) *plan {
	b := &planBuilder{memo: map[string]int{}}
	for i := range terms {
		b.p.cols = append(b.p.cols, b.term(&terms[i]))
	}
	return &b.p
}

// prune returns the plan restricted to the slots needed by the terms keep (and their ancestors),
// with the new slot of each kept term.
func (p *plan) prune(keep []int) (*plan, []int) {
	need := make([]bool, len(p.ops))
	var mark func(s int)
	mark = func(s int) {
		if need[s] {
			return
		}
		need[s] = true
		switch o := p.ops[s]; o.kind {
		case opMul:
			mark(o.a)
		case opProd:
			mark(o.a)
			mark(o.b)
		}
	}
	for _, t := range keep {
		mark(p.cols[t])
	}
	remap := make([]int, len(p.ops))
	out := &plan{}
	for s, o := range p.ops {
		if !need[s] {
			continue
		}
		switch o.kind {
		case opMul:
			o.a = remap[o.a]
		case opProd:
			o.a, o.b = remap[o.a], remap[o.b]
		}
		remap[s] = len(out.ops)
		out.ops = append(out.ops, o)
	}
	slots := make([]int, len(keep))
	for i, t := range keep {
		slots[i] = remap[p.cols[t]]
	}
	return out, slots
}
