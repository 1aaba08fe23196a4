package autoencoder

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// Sparse latents (Config.SparseLatents): an autoencoder determines its latent coordinates only up to
// an invertible map, and a linear one can be absorbed exactly by the encoder's last layer and the
// decoder's first. The sparsity of Θ(z)Ξ is not invariant under it: Lorenz's equations in rotated
// (x, y) coordinates need 10-12 terms instead of 7. SparseLatents chooses the linear map for which
// a small budget of library terms explains the latent dynamics best.

// sparseSamples is the number of training samples (evenly spaced) SparseLatents fits on.
const sparseSamples = 5000

// sparseAngles is the number of directions per half-turn of SparseLatents's coarse grid (10° steps).
const sparseAngles = 18

// sparseCoarseSamples is the number of samples of the coarse search.
const sparseCoarseSamples = 1000

// sparseRefineEvals bounds the evaluations of each Nelder-Mead refinement.
const sparseRefineEvals = 600

// sparseMinEigen is the smallest eigenvalue of the new axes' correlation matrix SparseLatents
// accepts (Lorenz's x and y, correlated at about 0.9 on the attractor, have 0.1; at 0.02, axes
// correlated at -0.98 passed and gave ẋ1 = 12 z2 - 44 z1 z3 - 44 z2 z3 on seed 4).
const sparseMinEigen = 0.05

// sparseStarts is the number of coarse coordinate systems refined.
const sparseStarts = 4

// sameAxes reports whether the columns of a and b (L × L) are pairwise parallel in some order.
func sameAxes(a, b [][]float64) bool {
	lat := len(a)
	col := func(m [][]float64, k int) []float64 {
		v := make([]float64, lat)
		var n float64
		for u := range lat {
			v[u] = m[u][k]
			n += v[u] * v[u]
		}
		for u := range v {
			v[u] /= math.Sqrt(n)
		}
		return v
	}
	for k := range lat {
		found := false
		for l := range lat {
			ca, cb := col(a, k), col(b, l)
			var d float64
			for u := range lat {
				d += ca[u] * cb[u]
			}
			if math.Abs(d) > 0.98 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// SparseLatentsResult reports Model.SparseLatents.
type SparseLatentsResult struct {
	// Before and After are the relative residuals (the sum over equations of RSS/‖target‖²) of the
	// best Terms-term model found by backward elimination, in the coordinates before and after.
	Before, After float64
	Terms         int
	// Map and Origin are the change of coordinates: the new latents are (z - Origin) Map, each of
	// unit variance on the fitted samples.
	Map    [][]float64
	Origin []float64
	// Support (library × latent) marks the terms of the best Terms-term model in the new coordinates.
	Support [][]bool
	// Candidates is the number of coordinate systems scored.
	Candidates int
}

// SparseLatents reparametrises the encoder's output and the decoder's input layers (as
// PrincipalLatents does: the autoencoder's map is unchanged) by the linear change of the latent
// coordinates that makes the latent dynamics sparsest: among new axes w_k = z·m_k (m_k a direction,
// searched pair by pair of axes on a 10° grid of directions in their plane, sweeping the pairs until
// nothing improves, on a subsample; then Nelder-Mead on the whole map from the best few), the one
// whose best model with terms library terms in all (backward elimination on the least squares of
// every equation, jointly) leaves the smallest relative residual on the encoder's latents of d and
// their chain-rule derivatives. The new latents are centred and of unit variance, unless the
// library has terms other than polynomials (a sine): then the offsets and scales are searched too,
// and a single latent's scale and offset are all there is to search (the pendulum's z̈ = -sin z
// needs z to be the angle itself). Ξ is left as it is: fit it afterwards (InitSTLSQ).
func (m *Model) SparseLatents(d Data, terms int) (*SparseLatentsResult, error) {
	lat, order, p := m.cfg.LatentDim, m.cfg.ModelOrder, m.lib.Size()
	if terms < lat || terms > p*lat {
		return nil, fmt.Errorf("autoencoder: SparseLatents(terms=%d): the budget must be between the latent dimension %d and the library's %d terms × %d equations", terms, lat, p, lat)
	}
	r, err := m.Run(subsample(d, sparseSamples))
	if err != nil {
		return nil, err
	}
	n := r.N
	row := func(s []float64, i int) []float64 { return append([]float64(nil), s[i*lat:(i+1)*lat]...) }
	z, dz, tgt := make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for i := range n {
		z[i], tgt[i] = row(r.Z, i), row(r.ZDeriv, i)
		if order == 2 {
			dz[i] = row(r.DZ, i)
		}
	}
	res, mean, t, err := SparsestAxes(m.lib, z, dz, tgt, terms)
	if err != nil {
		return nil, fmt.Errorf("autoencoder: SparseLatents: %w", err)
	}
	tm := mat.NewDense(lat, lat, nil)
	for a := range lat {
		tm.SetRow(a, t[a])
	}
	if err := m.reparametrise(mean, tm); err != nil {
		return nil, fmt.Errorf("autoencoder: SparseLatents: %w", err)
	}
	return res, nil
}

// SparsestAxes is SparseLatents's search on given latents: z (n × L), their derivatives dz (n × L,
// the library's second half of variables for a second-order model; nil rows for a first-order one)
// and the target tgt (ż or z̈, n × L). It returns the result and its Origin and Map: the new
// latents are w = (z - Origin) Map.
func SparsestAxes(lib *sindy.Library, z, dz, tgt [][]float64, terms int) (*SparseLatentsResult, []float64, [][]float64, error) {
	n := len(z)
	if n == 0 || len(tgt) != n || len(dz) != n {
		return nil, nil, nil, fmt.Errorf("SparsestAxes: %d latents, %d derivatives, %d targets: want the same number > 0", n, len(dz), len(tgt))
	}
	lat := len(z[0])
	order := 1
	if dz[0] != nil {
		order = 2
	}
	if lib.NumVars() != order*lat {
		return nil, nil, nil, fmt.Errorf("SparsestAxes: the library has %d variables, want %d (order %d, %d latents)", lib.NumVars(), order*lat, order, lat)
	}
	if p := lib.Size(); terms < lat || terms > p*lat {
		return nil, nil, nil, fmt.Errorf("SparsestAxes(terms=%d): the budget must be between the latent dimension %d and the library's %d terms × %d equations", terms, lat, p, lat)
	}
	mean := make([]float64, lat)
	for i := range n {
		for k := range lat {
			mean[k] += z[i][k] / float64(n)
		}
	}
	// A library of polynomials alone fits as well at any scale of the variables; other functions
	// (a sine) make the scale part of the search.
	scaled := slices.ContainsFunc(lib.Names(), func(name string) bool { return strings.Contains(name, "(") })
	var lastSupport [][]int // of the last score
	// score returns the budgeted residual of the coordinates w = (z - mean) M / scale + shift (M's
	// columns are the axes, scale makes each of standard deviation exp(logGain), 1 when logGain
	// is nil; shift nil: none) on the samples idx, and the scales.
	score := func(mm [][]float64, shift, logGain []float64, idx []int) (float64, []float64, error) {
		w := make([][]float64, len(idx))
		y := make([][]float64, len(idx))
		proj := func(v []float64, centre bool) []float64 {
			out := make([]float64, lat)
			for k := range lat {
				for a := range lat {
					x := v[a]
					if centre {
						x -= mean[a]
					}
					out[k] += x * mm[a][k]
				}
			}
			return out
		}
		scale := make([]float64, lat)
		for r, i := range idx {
			w[r] = proj(z[i], true)
			for k := range lat {
				scale[k] += w[r][k] * w[r][k] / float64(len(idx))
			}
		}
		if lat > 1 {
			// Nearly parallel axes are a degenerate coordinate system (pairs of terms with large
			// opposite coefficients stand in for anything): the smallest eigenvalue of the axes'
			// correlation matrix must be at least sparseMinEigen.
			cov := mat.NewSymDense(lat, nil)
			for _, v := range w {
				for a := range lat {
					for b := a; b < lat; b++ {
						cov.SetSym(a, b, cov.At(a, b)+v[a]*v[b])
					}
				}
			}
			corr := mat.NewSymDense(lat, nil)
			for a := range lat {
				for b := a; b < lat; b++ {
					corr.SetSym(a, b, cov.At(a, b)/math.Sqrt(cov.At(a, a)*cov.At(b, b)))
				}
			}
			var eig mat.EigenSym
			if !eig.Factorize(corr, false) || eig.Values(nil)[0] < sparseMinEigen {
				return math.Inf(1), nil, nil
			}
		}
		for k := range scale {
			scale[k] = math.Sqrt(scale[k])
			if !(scale[k] > 1e-12) {
				return math.Inf(1), nil, nil
			}
			if logGain != nil {
				scale[k] /= math.Exp(logGain[k])
			}
		}
		for r, i := range idx {
			y[r] = proj(tgt[i], false)
			v := w[r]
			for k := range lat {
				v[k] /= scale[k]
				if shift != nil {
					v[k] += shift[k]
				}
				y[r][k] /= scale[k]
			}
			if order == 2 {
				dv := proj(dz[i], false)
				for k := range lat {
					dv[k] /= scale[k]
				}
				w[r] = append(v, dv...)
			}
		}
		theta, err := lib.Matrix(w)
		if err != nil {
			return 0, nil, err
		}
		r, sup := budgetSupport(theta, y, terms)
		lastSupport = sup
		return r, scale, nil
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	coarse := all
	if n > sparseCoarseSamples {
		coarse = make([]int, sparseCoarseSamples)
		for k := range coarse {
			coarse[k] = k * n / sparseCoarseSamples
		}
	}
	mm := make([][]float64, lat)
	for a := range mm {
		mm[a] = make([]float64, lat)
		mm[a][a] = 1
	}
	before, _, err := score(mm, nil, nil, all)
	if err != nil {
		return nil, nil, nil, err
	}
	res := &SparseLatentsResult{Before: before, Terms: terms, Candidates: 1}
	// Coarse: pairs of axes, each pair's two directions on a grid in their plane, on a subsample;
	// every coordinate system scored is kept for the fine stage.
	type cand struct {
		m     [][]float64
		score float64
	}
	best, _, err := score(mm, nil, nil, coarse)
	if err != nil {
		return nil, nil, nil, err
	}
	seen := []cand{{mm, best}}
	for sweep := 0; sweep < 3 && lat > 1; sweep++ {
		improved := false
		for i := range lat {
			for j := i + 1; j < lat; j++ {
				var bestM [][]float64
				for a := range sparseAngles {
					for b := range sparseAngles {
						ta, tb := math.Pi*float64(a)/sparseAngles, math.Pi*float64(b)/sparseAngles
						if math.Abs(math.Sin(ta-tb)) < 0.2 {
							continue
						}
						c := make([][]float64, lat)
						for u := range lat {
							c[u] = append([]float64(nil), mm[u]...)
							ci, cj := mm[u][i], mm[u][j]
							c[u][i] = math.Cos(ta)*ci + math.Sin(ta)*cj
							c[u][j] = math.Cos(tb)*ci + math.Sin(tb)*cj
						}
						s, _, err := score(c, nil, nil, coarse)
						if err != nil {
							return nil, nil, nil, err
						}
						res.Candidates++
						seen = append(seen, cand{c, s})
						if s < best*(1-1e-3) {
							best, bestM = s, c
						}
					}
				}
				if bestM != nil {
					mm, improved = bestM, true
				}
			}
		}
		if !improved {
			break
		}
	}
	// Fine: Nelder-Mead on every entry of M (and, for a library that is not all polynomials, the
	// offsets and scales of the axes), on all the samples, from each of the sparseStarts best
	// distinct coarse coordinate systems (coordinate systems are the same when their axes are
	// parallel, in any order): the coarse grid only brackets the sparse directions.
	type start struct {
		m              [][]float64
		shift, logGain []float64
	}
	slices.SortStableFunc(seen, func(a, b cand) int { return cmp.Compare(a.score, b.score) })
	var starts []start
	for _, c := range seen {
		if len(starts) == sparseStarts || lat == 1 {
			break
		}
		if !slices.ContainsFunc(starts, func(o start) bool { return sameAxes(o.m, c.m) }) {
			starts = append(starts, start{m: c.m})
		}
	}
	if scaled && lat == 1 {
		// One latent: its scale and offset matter to a sine; a grid of both.
		type g struct {
			sh, lg, score float64
		}
		var grid []g
		for i := -8; i <= 8; i++ {
			for j := -6; j <= 6; j++ {
				sh, lg := 0.25*float64(j), 0.25*math.Ln2*float64(i)
				sc, _, err := score(mm, []float64{sh}, []float64{lg}, coarse)
				if err != nil {
					return nil, nil, nil, err
				}
				res.Candidates++
				grid = append(grid, g{sh, lg, sc})
			}
		}
		slices.SortStableFunc(grid, func(a, b g) int { return cmp.Compare(a.score, b.score) })
		for _, c := range grid[:sparseStarts] {
			starts = append(starts, start{m: mm, shift: []float64{c.sh}, logGain: []float64{c.lg}})
		}
	}
	shift := make([]float64, lat)
	var logGain []float64
	if scaled {
		logGain = make([]float64, lat)
	}
	bestFine, _, err := score(mm, nil, nil, all)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, st := range starts {
		// Offsets and scales are searched only where they matter: a polynomial library fits as
		// well at any scale and offset (offsets only move terms between equations' linear and
		// constant parts, and would let y·z stand in for y when z is off centre).
		np := lat * lat
		if scaled {
			np += 2 * lat
		}
		unpack := func(x []float64) ([][]float64, []float64, []float64) {
			x = append([]float64(nil), x...)
			out := make([][]float64, lat)
			for a := range lat {
				out[a] = x[a*lat : (a+1)*lat]
			}
			if !scaled {
				return out, nil, nil
			}
			return out, x[lat*lat : lat*lat+lat], x[lat*lat+lat:]
		}
		x0 := make([]float64, 0, np)
		for a := range lat {
			x0 = append(x0, st.m[a]...)
		}
		if scaled {
			if st.shift != nil {
				x0 = append(x0, st.shift...)
			} else {
				x0 = append(x0, make([]float64, lat)...)
			}
			if st.logGain != nil {
				x0 = append(x0, st.logGain...)
			} else {
				x0 = append(x0, make([]float64, lat)...)
			}
		}
		var serr error
		prob := optimize.Problem{Func: func(x []float64) float64 {
			m, sh, lg := unpack(x)
			s, _, err := score(m, sh, lg, all)
			if err != nil {
				serr = err
			}
			res.Candidates++
			return s
		}}
		if m, sh, lg := unpack(x0); true {
			s0, _, err := score(m, sh, lg, all)
			if err != nil {
				return nil, nil, nil, err
			}
			if s0 < bestFine {
				bestFine, mm, shift, logGain = s0, m, sh, lg
				if shift == nil {
					shift = make([]float64, lat)
				}
			}
		}
		// Restarts with smaller simplices: Nelder-Mead stalls in 9 dimensions.
		for _, size := range []float64{0.05, 0.01, 0.002} {
			r, _ := optimize.Minimize(prob, x0, &optimize.Settings{FuncEvaluations: sparseRefineEvals}, &optimize.NelderMead{SimplexSize: size})
			if serr != nil {
				return nil, nil, nil, serr
			}
			if r == nil || r.X == nil {
				break
			}
			x0 = r.X
			if r.F < bestFine {
				bestFine = r.F
				mm, shift, logGain = unpack(r.X)
				if shift == nil {
					shift = make([]float64, lat)
				}
			}
		}
	}
	after, scale, err := score(mm, shift, logGain, all)
	if err != nil {
		return nil, nil, nil, err
	}
	res.After = after
	res.Support = make([][]bool, lib.Size())
	for i := range res.Support {
		res.Support[i] = make([]bool, lat)
	}
	for j, cols := range lastSupport {
		for _, c := range cols {
			res.Support[c][j] = true
		}
	}
	// w = (z - mean) T + shift = (z - origin) T with T = M / scale and origin = mean - shift T⁻¹.
	t := mat.NewDense(lat, lat, nil)
	for a := range lat {
		for k := range lat {
			t.Set(a, k, mm[a][k]/scale[k])
		}
	}
	var ti mat.Dense
	if err := ti.Inverse(t); err != nil {
		return nil, nil, nil, fmt.Errorf("the sparsest axes are degenerate: %w", err)
	}
	origin := make([]float64, lat)
	for a := range lat {
		origin[a] = mean[a]
		for k := range lat {
			origin[a] -= shift[k] * ti.At(k, a)
		}
	}
	res.Map = make([][]float64, lat)
	for a := range lat {
		res.Map[a] = mat.Row(nil, a, t)
	}
	res.Origin = origin
	return res, origin, res.Map, nil
}

// budgetResidual returns Σ_j RSS_j/‖y_j‖² of the least squares of every column of y on a subset
// of θ's columns per equation, terms of them in all, chosen by joint backward elimination: starting
// from every column, the (equation, column) whose removal raises the relative residual least goes,
// until terms remain (at least one per equation). Columns are standardised, with a tiny ridge.
func budgetResidual(theta, y [][]float64, terms int) float64 {
	r, _ := budgetSupport(theta, y, terms)
	return r
}

// budgetSupport is budgetResidual that also returns the chosen columns of every equation.
func budgetSupport(theta, y [][]float64, terms int) (float64, [][]int) {
	p, q := len(theta[0]), len(y[0])
	scale := columnScales(theta, p)
	gram := make([]float64, p*p)
	ty := make([]float64, p*q)
	yy := make([]float64, q)
	for r, row := range theta {
		for a := range p {
			va := row[a] / scale[a]
			g := gram[a*p:]
			for b := a; b < p; b++ {
				g[b] += va * row[b] / scale[b]
			}
			for j := range q {
				ty[a*q+j] += va * y[r][j]
			}
		}
		for j := range q {
			yy[j] += y[r][j] * y[r][j]
		}
	}
	// cost[j] holds, for equation j's active columns, the rise of its relative residual when each is
	// dropped; rss[j] its current relative residual.
	active := make([][]int, q)
	cost := make([][]float64, q)
	rss := make([]float64, q)
	solve := func(j int) {
		cols := active[j]
		k := len(cols)
		g := mat.NewSymDense(k, nil)
		b := mat.NewVecDense(k, nil)
		for u, cu := range cols {
			for v := u; v < k; v++ {
				a, c := cu, cols[v]
				if a > c {
					a, c = c, a
				}
				g.SetSym(u, v, gram[a*p+c])
			}
			g.SetSym(u, u, g.At(u, u)*(1+1e-9)+1e-12)
			b.SetVec(u, ty[cu*q+j])
		}
		cost[j] = make([]float64, k)
		var ch mat.Cholesky
		var inv mat.SymDense
		var w mat.VecDense
		if yy[j] == 0 || !ch.Factorize(g) || ch.InverseTo(&inv) != nil || ch.SolveVecTo(&w, b) != nil {
			rss[j] = 1
			return
		}
		rss[j] = max(0, 1-mat.Dot(b, &w)/yy[j])
		for u := range k {
			cost[j][u] = w.AtVec(u) * w.AtVec(u) / inv.At(u, u) / yy[j]
		}
	}
	total := 0
	for j := range q {
		active[j] = make([]int, p)
		for i := range p {
			active[j][i] = i
		}
		total += p
		solve(j)
	}
	for ; total > terms; total-- {
		bj, bu := -1, -1
		for j := range q {
			if len(active[j]) <= 1 {
				continue
			}
			for u, c := range cost[j] {
				if bj < 0 || c < cost[bj][bu] {
					bj, bu = j, u
				}
			}
		}
		if bj < 0 {
			break
		}
		active[bj] = append(active[bj][:bu], active[bj][bu+1:]...)
		solve(bj)
	}
	var s float64
	for _, v := range rss {
		s += v
	}
	return s, active
}
