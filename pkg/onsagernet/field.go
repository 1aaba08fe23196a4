package onsagernet

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/ode"
)

// VectorField is a learned vector field evaluated in plain Go (float64), for rollouts with package ode.
// Eval is safe for concurrent use (it allocates its own scratch space).
type VectorField interface {
	// Dim is the state dimension n.
	Dim() int
	// Eval writes ḣ = f(h) into dh (both of length n).
	Eval(h, dh []float64)
}

// ODEFunc adapts a VectorField to an autonomous ode.Func.
func ODEFunc(f VectorField) ode.Func {
	return func(_ float64, y, dy []float64) { f.Eval(y, dy) }
}

// Extract copies a trained net's weights out of store into a VectorField.
func Extract(net Net, store *model.Store) (VectorField, error) {
	if net == nil || store == nil {
		return nil, fmt.Errorf("onsagernet.Extract: nil net or store")
	}
	return net.Extract(store)
}

// vecMat returns x W for a row vector x (len r) and W (r×c, row-major).
func vecMat(x, w []float64, c int) []float64 {
	out := make([]float64, c)
	for i, xi := range x {
		row := w[i*c : (i+1)*c]
		for j, wij := range row {
			out[j] += xi * wij
		}
	}
	return out
}

// matVecT returns W a for W (r×c, row-major) and a (len c): the transpose product a Wᵀ.
func matVecT(w, a []float64, r, c int) []float64 {
	out := make([]float64, r)
	for i := range r {
		out[i] = floats.Dot(w[i*c:(i+1)*c], a)
	}
	return out
}

// OnsagerField is OnsagerNet's vector field in float64. Parts exposes its structure.
type OnsagerField struct {
	cfg Config
	p   map[string][]float64
	// Views of p for Eval.
	w, b                                            [][]float64
	matW, matB, potW, potB, potLinW, forceW, forceB []float64
}

// Extract copies the weights out of store.
func (m *OnsagerNet) Extract(store *model.Store) (VectorField, error) {
	p, err := readVars(store, m.cfg.Scope, m.specs)
	if err != nil {
		return nil, err
	}
	f := &OnsagerField{cfg: m.cfg, p: p, matW: p["mat_w"], matB: p["mat_b"], potW: p["pot_w"], potB: p["pot_b"],
		potLinW: p["potlin_w"], forceW: p["force_w"], forceB: p["force_b"]}
	for l := range m.cfg.Layers {
		f.w = append(f.w, p[fmt.Sprintf("trunk_%d_w", l)])
		f.b = append(f.b, p[fmt.Sprintf("trunk_%d_b", l)])
	}
	return f, nil
}

// Dim returns n.
func (f *OnsagerField) Dim() int { return f.cfg.Dim }

// FieldParts is the float64 counterpart of Parts at one state: M and W row-major n×n.
type FieldParts struct {
	M, W     []float64
	V        float64
	GradV, G []float64
	Field    []float64
}

// Parts evaluates M, W, V, ∇V, g and ḣ at h.
func (f *OnsagerField) Parts(h []float64) FieldParts {
	c := f.cfg
	n, H := c.Dim, c.Hidden
	p := f.p
	dense := func(x []float64, name string, cols int) []float64 {
		y := vecMat(x, p[name+"_w"], cols)
		for j, b := range p[name+"_b"] {
			y[j] += b
		}
		return y
	}
	u := dense(h, "trunk_0", H)
	z := make([]float64, H)
	derivs := [][]float64{make([]float64, H)}
	for j, v := range u {
		z[j], derivs[0][j] = c.Act.Eval(v)
	}
	for l := 1; l < c.Layers; l++ {
		u := dense(z, fmt.Sprintf("trunk_%d", l), H)
		d := make([]float64, H)
		for j, v := range u {
			var a float64
			a, d[j] = c.Act.Eval(v)
			z[j] += a
		}
		derivs = append(derivs, d)
	}
	A := dense(z, "mat", n*n)
	L, U := make([]float64, n*n), make([]float64, n*n)
	for i := range n {
		for j := range n {
			if j <= i {
				L[i*n+j] = A[i*n+j]
			} else {
				U[i*n+j] = A[i*n+j]
			}
		}
	}
	M, W := make([]float64, n*n), make([]float64, n*n)
	for i := range n {
		for j := range n {
			M[i*n+j] = floats.Dot(L[i*n:(i+1)*n], L[j*n:(j+1)*n])
			W[i*n+j] = U[i*n+j] - U[j*n+i]
		}
		M[i*n+i] += c.Alpha
	}
	np := c.NPot
	pot := dense(z, "pot", np)
	lin := vecMat(h, p["potlin_w"], np)
	V := 0.0
	for k := range pot {
		pot[k] += lin[k]
		V += pot[k] * pot[k]
	}
	for _, x := range h {
		V += c.Beta * x * x
	}
	a := matVecT(p["pot_w"], pot, H, np)
	for l := c.Layers - 1; l >= 1; l-- {
		t := make([]float64, H)
		for j := range t {
			t[j] = a[j] * derivs[l][j]
		}
		back := matVecT(p[fmt.Sprintf("trunk_%d_w", l)], t, H, H)
		for j := range a {
			a[j] += back[j]
		}
	}
	t := make([]float64, H)
	for j := range t {
		t[j] = a[j] * derivs[0][j]
	}
	gh := matVecT(p["trunk_0_w"], t, n, H)
	gl := matVecT(p["potlin_w"], pot, n, np)
	gradV := make([]float64, n)
	for i := range n {
		gradV[i] = 2*(gh[i]+gl[i]) + 2*c.Beta*h[i]
	}
	g := make([]float64, n)
	if c.Forcing {
		g = dense(h, "force", n)
	}
	field := make([]float64, n)
	for i := range n {
		s := 0.0
		for j := range n {
			s += (M[i*n+j] + W[i*n+j]) * gradV[j]
		}
		field[i] = g[i] - s
	}
	return FieldParts{M: M, W: W, V: V, GradV: gradV, G: g, Field: field}
}

// Eval writes ḣ into dh. It is the allocation-light path used by rollouts: one scratch buffer per call,
// and (M + W)∇V applied as L(Lᵀ∇V) + α∇V + U∇V − Uᵀ∇V without forming the matrices.
func (f *OnsagerField) Eval(h, dh []float64) {
	c := f.cfg
	n, H, np := c.Dim, c.Hidden, c.NPot
	L := c.Layers
	buf := make([]float64, 2*H*L+H+H+n*n+np+3*n)
	us, buf := buf[:H*L], buf[H*L:]
	ds, buf := buf[:H*L], buf[H*L:]
	z, buf := buf[:H], buf[H:]
	a, buf := buf[:H], buf[H:]
	A, buf := buf[:n*n], buf[n*n:]
	pot, buf := buf[:np], buf[np:]
	grad, buf := buf[:n], buf[n:]
	ltg, buf := buf[:n], buf[n:]
	_ = buf
	// Trunk.
	w, b := f.w[0], f.b[0]
	for j := range H {
		s := b[j]
		for i := range n {
			s += h[i] * w[i*H+j]
		}
		us[j] = s
		z[j], ds[j] = c.Act.Eval(s)
	}
	for l := 1; l < L; l++ {
		w, b := f.w[l], f.b[l]
		u, d := us[l*H:(l+1)*H], ds[l*H:(l+1)*H]
		for j := range H {
			s := b[j]
			for i := range H {
				s += z[i] * w[i*H+j]
			}
			u[j] = s
		}
		for j := range H {
			var y float64
			y, d[j] = c.Act.Eval(u[j])
			z[j] += y
		}
	}
	// A, Pot.
	for k := range n * n {
		s := f.matB[k]
		for i := range H {
			s += z[i] * f.matW[i*n*n+k]
		}
		A[k] = s
	}
	for k := range np {
		s := f.potB[k]
		for i := range H {
			s += z[i] * f.potW[i*np+k]
		}
		for i := range n {
			s += h[i] * f.potLinW[i*np+k]
		}
		pot[k] = s
	}
	// ∇V by the chain rule.
	for i := range H {
		a[i] = floats.Dot(f.potW[i*np:(i+1)*np], pot)
	}
	for l := L - 1; l >= 1; l-- {
		w, d := f.w[l], ds[l*H:(l+1)*H]
		for i := range H {
			s := 0.0
			for j := range H {
				s += w[i*H+j] * a[j] * d[j]
			}
			us[i] = s // reuse as scratch
		}
		for i := range H {
			a[i] += us[i]
		}
	}
	for i := range n {
		s := 0.0
		for j := range H {
			s += f.w[0][i*H+j] * a[j] * ds[j]
		}
		grad[i] = 2*(s+floats.Dot(f.potLinW[i*np:(i+1)*np], pot)) + 2*c.Beta*h[i]
	}
	// ḣ = g − L(Lᵀ∇V) − α∇V − (U − Uᵀ)∇V, with L = tril(A), U = striu(A).
	for j := range n {
		s := 0.0
		for i := j; i < n; i++ {
			s += A[i*n+j] * grad[i]
		}
		ltg[j] = s
	}
	for i := range n {
		s := c.Alpha * grad[i]
		for j := 0; j <= i; j++ {
			s += A[i*n+j] * ltg[j]
		}
		for j := i + 1; j < n; j++ {
			s += A[i*n+j] * grad[j]
		}
		for j := 0; j < i; j++ {
			s -= A[j*n+i] * grad[j]
		}
		g := 0.0
		if c.Forcing {
			g = f.forceB[i]
			for k := range n {
				g += h[k] * f.forceW[k*n+i]
			}
		}
		dh[i] = g - s
	}
}

// Potential returns V(h).
func (f *OnsagerField) Potential(h []float64) float64 { return f.Parts(h).V }

// MLPField is the baseline's vector field in float64.
type MLPField struct {
	cfg MLPConfig
	p   map[string][]float64
}

// Extract copies the weights out of store.
func (m *MLP) Extract(store *model.Store) (VectorField, error) {
	p, err := readVars(store, m.cfg.Scope, m.specs)
	if err != nil {
		return nil, err
	}
	return &MLPField{cfg: m.cfg, p: p}, nil
}

// Dim returns n.
func (f *MLPField) Dim() int { return f.cfg.Dim }

// Eval writes ḣ into dh.
func (f *MLPField) Eval(h, dh []float64) {
	c := f.cfg
	dense := func(x []float64, name string, cols int) []float64 {
		y := vecMat(x, f.p[name+"_w"], cols)
		for j, b := range f.p[name+"_b"] {
			y[j] += b
		}
		return y
	}
	z := dense(h, "layer_0", c.Hidden)
	for j, v := range z {
		z[j], _ = c.Act.Eval(v)
	}
	for l := 1; l < c.Layers; l++ {
		u := dense(z, fmt.Sprintf("layer_%d", l), c.Hidden)
		for j, v := range u {
			a, _ := c.Act.Eval(v)
			z[j] += a
		}
	}
	copy(dh, dense(z, "out", c.Dim))
}

// normOf returns the Euclidean norm of v.
func normOf(v []float64) float64 { return math.Sqrt(floats.Dot(v, v)) }
