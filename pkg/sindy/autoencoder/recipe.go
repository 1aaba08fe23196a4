package autoencoder

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/mat"

	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// Recipe options (Config.PretrainEpochs, InitSTLSQ, RefitSTLSQ): classical SINDy's least squares
// on the encoder's latents, to reach a sparse model in far fewer Adam steps than the paper's
// L1-and-threshold schedule. The paper's recipe is their zero value.

// defaultFitSamples is the number of samples of the STLSQ fits when Config.FitSamples is 0.
const defaultFitSamples = 20000

// subsample returns at most n samples of d, evenly spaced (d itself when it has no more).
func subsample(d Data, n int) Data {
	if n <= 0 || d.N <= n {
		return d
	}
	out := Data{N: n, Dim: d.Dim, X: make([]float32, n*d.Dim), DX: make([]float32, n*d.Dim)}
	if d.DDX != nil {
		out.DDX = make([]float32, n*d.Dim)
	}
	for k := range n {
		i := k * d.N / n
		copy(out.X[k*d.Dim:(k+1)*d.Dim], d.X[i*d.Dim:(i+1)*d.Dim])
		copy(out.DX[k*d.Dim:(k+1)*d.Dim], d.DX[i*d.Dim:(i+1)*d.Dim])
		if d.DDX != nil {
			copy(out.DDX[k*d.Dim:(k+1)*d.Dim], d.DDX[i*d.Dim:(i+1)*d.Dim])
		}
	}
	return out
}

// FitSTLSQ fits Ξ by classical SINDy on the encoder's view of d: the latents z = φ(x) and their
// chain-rule derivatives ż = ∇φ(x) ẋ (for order 2, the library's variables are (z, ż) and the
// target is z̈), with STLSQ at the given threshold restricted to the active terms of the current
// mask (Config.FitSamples evenly spaced samples of d). Ξ takes the fitted values and the mask the
// fit's support (it only shrinks). It returns the number of active terms left.
func (m *Model) FitSTLSQ(d Data, threshold float64) (int, error) {
	if !(threshold >= 0) || math.IsInf(threshold, 0) {
		return 0, fmt.Errorf("autoencoder: FitSTLSQ(threshold=%g): the threshold must be finite and >= 0", threshold)
	}
	n := m.cfg.FitSamples
	if n == 0 {
		n = defaultFitSamples
	}
	r, err := m.Run(subsample(d, n))
	if err != nil {
		return 0, err
	}
	lat, order := m.cfg.LatentDim, m.cfg.ModelOrder
	vars := make([][]float64, r.N)
	target := make([][]float64, r.N)
	for i := range r.N {
		v := append([]float64(nil), r.Z[i*lat:(i+1)*lat]...)
		if order == 2 {
			v = append(v, r.DZ[i*lat:(i+1)*lat]...)
		}
		vars[i] = v
		target[i] = r.ZDeriv[i*lat : (i+1)*lat]
	}
	theta, err := m.lib.Matrix(vars)
	if err != nil {
		return 0, fmt.Errorf("autoencoder: FitSTLSQ: %w", err)
	}
	mask := m.Mask()
	if k := m.cfg.MaxTerms; k > 0 {
		mask = capTerms(theta, target, mask, k)
	}
	xi, err := fitMasked(theta, target, mask, threshold)
	if err != nil {
		return 0, fmt.Errorf("autoencoder: FitSTLSQ: %w", err)
	}
	p := m.lib.Size()
	flat := make([]float32, p*lat)
	for i := range p {
		for j := range lat {
			flat[i*lat+j] = float32(xi[i][j])
			if xi[i][j] == 0 || !mask[i][j] {
				m.mask[i*lat+j] = 0
			}
		}
	}
	if err := m.SetXi(flat); err != nil {
		return 0, err
	}
	return m.ActiveTerms(), nil
}

// fitMasked runs STLSQ (PySINDy's defaults but the threshold and a negligible ridge) for every
// target j on the library columns active in mask[.][j]; inactive entries are 0.
func fitMasked(theta, y [][]float64, mask [][]bool, threshold float64) ([][]float64, error) {
	p, q := len(mask), len(y[0])
	xi := make([][]float64, p)
	for i := range xi {
		xi[i] = make([]float64, q)
	}
	opt := sindy.STLSQ{Threshold: threshold, Alpha: 1e-6, MaxIter: 20, Unbias: true}
	for j := range q {
		var cols []int
		for i := range p {
			if mask[i][j] {
				cols = append(cols, i)
			}
		}
		if len(cols) == 0 {
			continue
		}
		sub := make([][]float64, len(theta))
		yj := make([][]float64, len(theta))
		for r, row := range theta {
			s := make([]float64, len(cols))
			for k, c := range cols {
				s[k] = row[c]
			}
			sub[r], yj[r] = s, []float64{y[r][j]}
		}
		w, err := opt.Fit(sub, yj)
		if err != nil {
			return nil, err
		}
		for k, c := range cols {
			xi[c][j] = w[k][0]
		}
	}
	return xi, nil
}

// SetXi replaces Ξ (library × latent, row-major; the mask is left as it is).
func (m *Model) SetXi(xi []float32) error {
	if len(xi) != m.lib.Size()*m.cfg.LatentDim {
		return fmt.Errorf("autoencoder: SetXi: %d values, want %d", len(xi), m.lib.Size()*m.cfg.LatentDim)
	}
	v := m.store.GetVariable(varXi)
	if v == nil {
		return fmt.Errorf("autoencoder: Ξ variable missing")
	}
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(append([]float32(nil), xi...), m.lib.Size(), m.cfg.LatentDim)); err != nil {
		return fmt.Errorf("autoencoder: SetXi: %w", err)
	}
	return nil
}

// columnScales returns the root mean square of each of the p columns of theta (1 for a zero
// column), the scales that standardise a Gram matrix.
func columnScales(theta [][]float64, p int) []float64 {
	scale := make([]float64, p)
	for _, row := range theta {
		for i, v := range row {
			scale[i] += v * v
		}
	}
	for i := range scale {
		scale[i] = math.Sqrt(scale[i] / float64(len(theta)))
		if scale[i] == 0 {
			scale[i] = 1
		}
	}
	return scale
}

// maxSubsets bounds the exhaustive search of capTerms (C(20, 4) = 4845, C(20, 5) = 15504).
const maxSubsets = 20000

// capTerms returns mask with at most k active terms per equation: for every target j with more,
// the k of its active terms whose least squares fit of y_j leaves the smallest residual sum of
// squares (all subsets when there are at most maxSubsets, otherwise backward elimination, which
// removes one at a time the term whose removal raises the residual least). The residuals
// come from the columns' Gram matrix (standardised, with a tiny ridge), so the cost does not
// depend on the number of samples beyond forming it.
func capTerms(theta, y [][]float64, mask [][]bool, k int) [][]bool {
	p, q := len(mask), len(y[0])
	out := make([][]bool, p)
	for i := range out {
		out[i] = append([]bool(nil), mask[i]...)
	}
	// Column scales, Gram matrix and Θᵀy of the standardised columns (the constant column has
	// scale 1: its rms).
	scale := columnScales(theta, p)
	gram := mat.NewSymDense(p, nil)
	ty := mat.NewDense(p, q, nil)
	for r, row := range theta {
		for a := range p {
			va := row[a] / scale[a]
			for b := a; b < p; b++ {
				gram.SetSym(a, b, gram.At(a, b)+va*row[b]/scale[b])
			}
			for j := range q {
				ty.Set(a, j, ty.At(a, j)+va*y[r][j])
			}
		}
	}
	// explained returns bᵀ(G_S + εI)⁻¹b for the columns S: the RSS is ‖y‖² minus it.
	explained := func(cols []int, j int) float64 {
		n := len(cols)
		g := mat.NewSymDense(n, nil)
		b := mat.NewVecDense(n, nil)
		for u, cu := range cols {
			for v := u; v < n; v++ {
				g.SetSym(u, v, gram.At(cu, cols[v]))
			}
			g.SetSym(u, u, g.At(u, u)*(1+1e-9)+1e-12)
			b.SetVec(u, ty.At(cu, j))
		}
		var ch mat.Cholesky
		if !ch.Factorize(g) {
			return math.Inf(-1)
		}
		var w mat.VecDense
		if err := ch.SolveVecTo(&w, b); err != nil {
			return math.Inf(-1)
		}
		return mat.Dot(b, &w)
	}
	for j := range q {
		var cols []int
		for i := range p {
			if out[i][j] {
				cols = append(cols, i)
			}
		}
		if len(cols) > k && binom(len(cols), k) <= maxSubsets {
			keep := bestSubset(len(cols), k, func(sub []int) float64 {
				rest := make([]int, len(sub))
				for u, c := range sub {
					rest[u] = cols[c]
				}
				return explained(rest, j)
			})
			for u, c := range cols {
				out[c][j] = slices.Contains(keep, u)
			}
			continue
		}
		for len(cols) > k {
			best, bestVal := 0, math.Inf(-1)
			for drop := range cols {
				rest := append(append([]int(nil), cols[:drop]...), cols[drop+1:]...)
				if v := explained(rest, j); v > bestVal {
					best, bestVal = drop, v
				}
			}
			out[cols[best]][j] = false
			cols = append(cols[:best], cols[best+1:]...)
		}
	}
	return out
}

// PrincipalLatents reparametrises the encoder's output layer and the decoder's input layer so that
// the latents of d (Config.FitSamples evenly spaced samples) are centred, rotated onto their
// principal axes (largest variance first) and scaled to unit variance: with z' = (z - μ)T, the
// encoder's last layer becomes (W T, (b - μ)T) and the decoder's first (T⁻¹W, μW + b). The
// autoencoder's map x ↦ ψ(φ(x)) is unchanged; only the coordinates in which Θ(z)Ξ is fitted move
// (Ξ is left as it is: fit it afterwards). Returns the latent standard deviations before scaling.
func (m *Model) PrincipalLatents(d Data) ([]float64, error) {
	n := m.cfg.FitSamples
	if n == 0 {
		n = defaultFitSamples
	}
	r, err := m.Run(subsample(d, n))
	if err != nil {
		return nil, err
	}
	lat := m.cfg.LatentDim
	mu := make([]float64, lat)
	for i := range r.N {
		for j := range lat {
			mu[j] += r.Z[i*lat+j] / float64(r.N)
		}
	}
	cov := mat.NewSymDense(lat, nil)
	for i := range r.N {
		for a := range lat {
			for b := a; b < lat; b++ {
				cov.SetSym(a, b, cov.At(a, b)+(r.Z[i*lat+a]-mu[a])*(r.Z[i*lat+b]-mu[b])/float64(r.N))
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, fmt.Errorf("autoencoder: PrincipalLatents: eigendecomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	t := mat.NewDense(lat, lat, nil) // z' = (z - μ) T
	std := make([]float64, lat)
	for k := range lat {
		src := lat - 1 - k // largest variance first
		s := math.Sqrt(max(vals[src], 1e-12))
		std[k] = s
		for a := range lat {
			t.Set(a, k, vecs.At(a, src)/s)
		}
	}
	if err := m.reparametrise(mu, t); err != nil {
		return nil, fmt.Errorf("autoencoder: PrincipalLatents: %w", err)
	}
	return std, nil
}

// reparametrise changes the latent coordinates to z' = (z - μ)T (T invertible) without changing
// the autoencoder's map: the encoder's last layer becomes (W T, (b - μ)T) and the decoder's first
// (T⁻¹W, μW + b).
func (m *Model) reparametrise(mu []float64, t *mat.Dense) error {
	lat := m.cfg.LatentDim
	var ti mat.Dense // z = z' T⁻¹ + μ
	if err := ti.Inverse(t); err != nil {
		return fmt.Errorf("the latent map is not invertible: %w", err)
	}
	last := len(m.cfg.Widths)
	get := func(path string) (*mat.Dense, error) {
		v := m.store.GetVariable(path)
		if v == nil {
			return nil, fmt.Errorf("autoencoder: variable %s missing", path)
		}
		val, err := v.Value()
		if err != nil {
			return nil, err
		}
		flat, err := tensors.CopyFlatData[float32](val)
		if err != nil {
			return nil, err
		}
		dims := val.Shape().Dimensions
		rows, cols := 1, dims[0]
		if len(dims) == 2 {
			rows, cols = dims[0], dims[1]
		}
		out := mat.NewDense(rows, cols, nil)
		for i, x := range flat {
			out.Set(i/cols, i%cols, float64(x))
		}
		return out, nil
	}
	set := func(path string, v *mat.Dense, vector bool) error {
		rows, cols := v.Dims()
		flat := make([]float32, 0, rows*cols)
		for i := range rows {
			for j := range cols {
				flat = append(flat, float32(v.At(i, j)))
			}
		}
		dims := []int{rows, cols}
		if vector {
			dims = []int{cols}
		}
		return m.store.GetVariable(path).SetValue(tensors.FromFlatDataAndDimensions(flat, dims...))
	}
	ew, err := get(layerPath(scopeEncoder, last, "weights"))
	if err != nil {
		return err
	}
	eb, err := get(layerPath(scopeEncoder, last, "biases"))
	if err != nil {
		return err
	}
	dw, err := get(layerPath(scopeDecoder, 0, "weights"))
	if err != nil {
		return err
	}
	db, err := get(layerPath(scopeDecoder, 0, "biases"))
	if err != nil {
		return err
	}
	mv := mat.NewDense(1, lat, mu)
	var ew2, eb2, shifted, dw2, db2 mat.Dense
	ew2.Mul(ew, t)
	shifted.Sub(eb, mv)
	eb2.Mul(&shifted, t)
	dw2.Mul(&ti, dw)
	db2.Mul(mv, dw)
	db2.Add(&db2, db)
	for _, u := range []struct {
		path string
		v    *mat.Dense
		vec  bool
	}{{layerPath(scopeEncoder, last, "weights"), &ew2, false}, {layerPath(scopeEncoder, last, "biases"), &eb2, true},
		{layerPath(scopeDecoder, 0, "weights"), &dw2, false}, {layerPath(scopeDecoder, 0, "biases"), &db2, true}} {
		if err := set(u.path, u.v, u.vec); err != nil {
			return err
		}
	}
	return nil
}

// bestSubset returns the k-subset of 0..n-1 with the largest score.
func bestSubset(n, k int, score func([]int) float64) []int {
	var best []int
	bestVal := math.Inf(-1)
	sub := make([]int, k)
	var rec func(start, depth int)
	rec = func(start, depth int) {
		if depth == k {
			if v := score(sub); v > bestVal {
				best, bestVal = append([]int(nil), sub...), v
			}
			return
		}
		for i := start; i <= n-(k-depth); i++ {
			sub[depth] = i
			rec(i+1, depth+1)
		}
	}
	rec(0, 0)
	return best
}
