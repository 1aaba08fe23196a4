package sindy

import (
	"fmt"
	"math"
)

// predictor is Θ Ξ compiled for evaluation: only the library slots that a non-zero coefficient
// needs (and the monomials they are built from), and the non-zero coefficients as a list.
type predictor struct {
	key  *[]float64 // &xi[0] of the Ξ it was built from
	plan *plan
	nz   []nzCoef
	n, m int // states, inputs
	err  error
}

type nzCoef struct {
	slot, target int
	c            float64
}

// predictor returns the compiled Θ Ξ of the current Ξ, building it on first use (and again when Ξ
// was replaced). It is safe for concurrent use.
func (m *Model) predictor() (*predictor, error) {
	if err := m.fitted(); err != nil {
		return nil, err
	}
	if len(m.xi) == 0 {
		return nil, fmt.Errorf("%w: Ξ has no rows", ErrInput)
	}
	key := &m.xi[0]
	if p := m.pred.Load(); p != nil && p.key == key {
		return p, p.err
	}
	p := &predictor{key: key, n: m.lib.NumVars(), m: m.lib.NumInputs()}
	if p.err = checkXi(m.lib, m.xi); p.err == nil {
		var keep []int
		for i, r := range m.xi {
			for _, c := range r {
				if c != 0 {
					keep = append(keep, i)
					break
				}
			}
		}
		var slots []int
		p.plan, slots = m.lib.plan.prune(keep)
		for k, i := range keep {
			for j, c := range m.xi[i] {
				if c != 0 {
					p.nz = append(p.nz, nzCoef{slot: slots[k], target: j, c: c})
				}
			}
		}
	}
	m.pred.Store(p)
	return p, p.err
}

// eval writes ż = Θ(w) Ξ into dz, using s (len(p.plan.ops)) as scratch; w is the states then inputs.
func (p *predictor) eval(w, dz, s []float64) {
	p.plan.eval(w, s)
	for j := range dz {
		dz[j] = 0
	}
	for _, c := range p.nz {
		dz[c.target] += s[c.slot] * c.c
	}
}

// scratchSize is the stack buffer of RHS; larger plans allocate.
const scratchSize = 64

// RHS writes ż = Θ(z) Ξ into dz; it is an ode.Func (t is unused). For a model with control inputs it
// is the unforced system, u = 0 (use SimulateControl for a forcing). The model must be fitted with
// finite coefficients; otherwise dz is set to NaN (Simulate reports the reason).
func (m *Model) RHS(_ float64, z, dz []float64) {
	p, err := m.predictor()
	if err != nil {
		for j := range dz {
			dz[j] = math.NaN()
		}
		return
	}
	var wbuf, sbuf [scratchSize]float64
	w, s := wbuf[:0], sbuf[:0]
	if p.n+p.m > scratchSize {
		w = make([]float64, 0, p.n+p.m)
	}
	if len(p.plan.ops) > scratchSize {
		s = make([]float64, len(p.plan.ops))
	} else {
		s = s[:len(p.plan.ops)]
	}
	w = append(w, z...)
	for range p.m {
		w = append(w, 0)
	}
	p.eval(w, dz, s)
}

// Predict returns ż = Θ(z) Ξ for every row of z. A model with control inputs needs PredictControl.
func (m *Model) Predict(z [][]float64) ([][]float64, error) {
	if m.lib != nil && m.lib.NumInputs() > 0 {
		return nil, fmt.Errorf("%w: the model has %d control inputs; use PredictControl", ErrInput, m.lib.NumInputs())
	}
	return m.PredictControl(z, nil)
}

// PredictControl returns ż = Θ(z, u) Ξ for every row of z and u (u nil for a model without inputs).
func (m *Model) PredictControl(z, u [][]float64) ([][]float64, error) {
	p, err := m.predictor()
	if err != nil {
		return nil, err
	}
	if p.m > 0 && len(u) != len(z) {
		return nil, fmt.Errorf("%w: %d input rows for %d states", ErrInput, len(u), len(z))
	}
	if p.m == 0 && len(u) > 0 {
		return nil, fmt.Errorf("%w: %d input rows, but the model has no control inputs", ErrInput, len(u))
	}
	out := make([][]float64, len(z))
	flat := make([]float64, len(z)*p.n)
	w := make([]float64, p.n+p.m)
	s := make([]float64, len(p.plan.ops))
	for r, zr := range z {
		if len(zr) != p.n {
			return nil, fmt.Errorf("%w: row %d has %d values, want %d", ErrInput, r, len(zr), p.n)
		}
		copy(w, zr)
		if p.m > 0 {
			if len(u[r]) != p.m {
				return nil, fmt.Errorf("%w: input row %d has %d values, want %d", ErrInput, r, len(u[r]), p.m)
			}
			copy(w[p.n:], u[r])
		}
		out[r] = flat[r*p.n : (r+1)*p.n : (r+1)*p.n]
		p.eval(w, out[r], s)
	}
	return out, nil
}

// PredictFlat is Predict on flat row-major buffers: z holds k samples of NumVars() values, u holds
// k samples of NumInputs() values (nil without inputs), and the k × NumVars() derivatives are
// written into dst, reused when its capacity suffices, and returned.
func (m *Model) PredictFlat(dst, z, u []float64) ([]float64, error) {
	p, err := m.predictor()
	if err != nil {
		return nil, err
	}
	if len(z)%p.n != 0 {
		return nil, fmt.Errorf("%w: %d state values are not a whole number of samples of %d variables", ErrInput, len(z), p.n)
	}
	k := len(z) / p.n
	if len(u) != k*p.m {
		return nil, fmt.Errorf("%w: %d input values for %d samples of %d inputs (want %d)", ErrInput, len(u), k, p.m, k*p.m)
	}
	if cap(dst) < len(z) {
		dst = make([]float64, len(z))
	}
	dst = dst[:len(z)]
	n, mi := p.n, p.m
	s := make([]float64, len(p.plan.ops))
	if mi == 0 {
		for r := range k {
			p.eval(z[r*n:(r+1)*n], dst[r*n:(r+1)*n], s)
		}
		return dst, nil
	}
	w := make([]float64, n+mi)
	for r := range k {
		copy(w, z[r*n:(r+1)*n])
		copy(w[n:], u[r*mi:(r+1)*mi])
		p.eval(w, dst[r*n:(r+1)*n], s)
	}
	return dst, nil
}
