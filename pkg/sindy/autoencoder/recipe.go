package autoencoder

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"

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
	xi, err := fitMasked(theta, target, m.Mask(), threshold)
	if err != nil {
		return 0, fmt.Errorf("autoencoder: FitSTLSQ: %w", err)
	}
	p := m.lib.Size()
	flat := make([]float32, p*lat)
	for i := range p {
		for j := range lat {
			flat[i*lat+j] = float32(xi[i][j])
			if xi[i][j] == 0 {
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
