package autoencoder

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
)

// Metrics are losses and Champion et al.'s relative errors on a data set. Losses are means over
// samples and dimensions; relative errors are ratios of mean squares, as in the paper's analysis
// notebooks: RelX = mean(x - x̂)²/mean(x²), RelXDeriv = mean(ẋ - ẋ̂)²/mean(ẋ²) and
// RelZDeriv = mean(ż - Θ(z)Ξ)²/mean(ż²) with ż the encoder's (ẍ, z̈ for order 2).
type Metrics struct {
	Loss                        float64 // w_dec·Decoder + λ1·SindyX + λ2·SindyZ (no L1 term).
	Decoder, SindyX, SindyZ, L1 float64
	RelX, RelXDeriv, RelZDeriv  float64
}

// Forward is the result of running the model on data: row-major float64 arrays.
type ForwardResult struct {
	N, Dim, Latent int
	Z              []float64 // N × Latent: z = φ(x).
	ZDeriv         []float64 // N × Latent: the encoder's ż (z̈ for order 2).
	ZPred          []float64 // N × Latent: Θ(z)(Ξ⊙mask).
	XHat           []float64 // N × Dim: ψ(z).
	XPred          []float64 // N × Dim: decoded derivative prediction.
	// DZ is N × Latent: the encoder's first derivative ż = ∇φ(x) ẋ. For order 1 it is ZDeriv
	// itself (the same slice); for order 2 it is the ż that the library Θ(z, ż) reads.
	DZ []float64
}

// evalChunk is the number of samples per evaluation call.
const evalChunk = 4096

// Run evaluates the model on d in chunks and returns all outputs.
func (m *Model) Run(d Data) (*ForwardResult, error) {
	if err := d.validate(m.cfg, "evaluation"); err != nil {
		return nil, err
	}
	if m.evalExec == nil {
		var err error
		if m.evalExec, err = m.evalExecFn(); err != nil {
			return nil, fmt.Errorf("autoencoder: %w", err)
		}
	}
	lat, dim := m.cfg.LatentDim, d.Dim
	r := &ForwardResult{N: d.N, Dim: dim, Latent: lat,
		Z: make([]float64, d.N*lat), ZDeriv: make([]float64, d.N*lat), ZPred: make([]float64, d.N*lat),
		XHat: make([]float64, d.N*dim), XPred: make([]float64, d.N*dim)}
	r.DZ = r.ZDeriv
	if m.cfg.ModelOrder == 2 {
		r.DZ = make([]float64, d.N*lat)
	}
	mask := m.maskTensor()
	for s := 0; s < d.N; s += evalChunk {
		e := min(s+evalChunk, d.N)
		n := e - s
		args := []any{mask, tensors.FromFlatDataAndDimensions(d.X[s*dim:e*dim], n, dim), tensors.FromFlatDataAndDimensions(d.DX[s*dim:e*dim], n, dim)}
		if m.cfg.ModelOrder == 2 {
			args = append(args, tensors.FromFlatDataAndDimensions(d.DDX[s*dim:e*dim], n, dim))
		}
		outs, err := m.evalExec.Call(args...)
		if err != nil {
			return nil, fmt.Errorf("autoencoder: evaluate: %w", err)
		}
		dsts := [][]float64{r.Z[s*lat : e*lat], r.ZDeriv[s*lat : e*lat], r.ZPred[s*lat : e*lat], r.XHat[s*dim : e*dim], r.XPred[s*dim : e*dim]}
		if m.cfg.ModelOrder == 2 {
			dsts = append(dsts, r.DZ[s*lat:e*lat])
		}
		for k, dst := range dsts {
			flat, err := tensors.CopyFlatData[float32](outs[k])
			if err != nil {
				return nil, fmt.Errorf("autoencoder: evaluate: %w", err)
			}
			for i, v := range flat {
				dst[i] = float64(v)
			}
		}
	}
	return r, nil
}

// Evaluate returns the losses and relative errors of the model on d.
func (m *Model) Evaluate(d Data) (Metrics, error) {
	r, err := m.Run(d)
	if err != nil {
		return Metrics{}, err
	}
	xd := d.DX
	if m.cfg.ModelOrder == 2 {
		xd = d.DDX
	}
	var mt Metrics
	var sx, sxd, szd float64
	for i := range d.X {
		e := float64(d.X[i]) - r.XHat[i]
		mt.Decoder += e * e
		sx += float64(d.X[i]) * float64(d.X[i])
		e = float64(xd[i]) - r.XPred[i]
		mt.SindyX += e * e
		sxd += float64(xd[i]) * float64(xd[i])
	}
	for i := range r.ZDeriv {
		e := r.ZDeriv[i] - r.ZPred[i]
		mt.SindyZ += e * e
		szd += r.ZDeriv[i] * r.ZDeriv[i]
	}
	mt.RelX, mt.RelXDeriv, mt.RelZDeriv = mt.Decoder/sx, mt.SindyX/sxd, mt.SindyZ/szd
	mt.Decoder /= float64(len(d.X))
	mt.SindyX /= float64(len(d.X))
	mt.SindyZ /= float64(len(r.ZDeriv))
	raw, err := m.rawXi()
	if err != nil {
		return mt, err
	}
	for _, v := range raw {
		mt.L1 += abs(float64(v))
	}
	mt.L1 /= float64(len(raw))
	mt.Loss = m.cfg.WeightDecoder*mt.Decoder + m.cfg.WeightSindyX*mt.SindyX + m.cfg.WeightSindyZ*mt.SindyZ
	return mt, nil
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// Encode returns z = φ(x) and the encoder's ż = ∇φ(x) ẋ for the samples of d (N rows of LatentDim
// values), for first- and second-order models alike: (z, ż) is the state from which the discovered
// equations are simulated.
func (m *Model) Encode(d Data) (z, dz [][]float64, err error) {
	r, err := m.Run(d)
	if err != nil {
		return nil, nil, err
	}
	lat := m.cfg.LatentDim
	z, dz = make([][]float64, d.N), make([][]float64, d.N)
	for i := range d.N {
		z[i] = r.Z[i*lat : (i+1)*lat : (i+1)*lat]
		dz[i] = r.DZ[i*lat : (i+1)*lat : (i+1)*lat]
	}
	return z, dz, nil
}
