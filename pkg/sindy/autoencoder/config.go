package autoencoder

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/nn"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// Activation names a hidden-layer activation function (nn.Activation; any of nn.All).
type Activation = nn.Activation

// The activations of the earlier API, kept as names of nn's. Champion et al. use Sigmoid in all their
// examples.
const (
	Sigmoid = nn.Sigmoid
	ELU     = nn.ELU
	ReLU    = nn.ReLU
	Linear  = nn.Linear
)

// Config holds every setting of a SINDy autoencoder and its training. Paper returns Champion et
// al.'s Lorenz values; Quick a small variant for CI; Default picks one of them by quick mode.
type Config struct {
	// Network.
	InputDim    int        // Dimension n of the observations x.
	Widths      []int      // Hidden widths of the encoder (the decoder uses them reversed).
	LatentDim   int        // Dimension d of z.
	PolyOrder   int        // Highest polynomial order of the library Θ(z) (<= 5).
	IncludeSine bool       // Add sin(z_i) to the library.
	Activation  Activation // Hidden-layer activation.
	// EncoderActivation, when set, replaces Activation in the encoder's hidden layers (the decoder
	// keeps Activation). Linear makes the encoder an affine map of x: for data that are linear in
	// the state plus nonlinear features (Champion et al.'s Lorenz: x, y, z and their cubes on six
	// Legendre modes) the latent can then be an exact linear image of the state, and only the
	// decoder is nonlinear; a nonlinear encoder can bend the latent until a wrong sparse model fits.
	EncoderActivation Activation `json:",omitempty"`
	ModelOrder        int        // 1: ż = Θ(z)Ξ; 2: z̈ = Θ(z, ż)Ξ.
	CoeffInit         float64    // Initial value of every Ξ entry (paper: constant 1).

	// Loss weights: decoder, λ1 (x' or x''), λ2 (z' or z''), λ3 (L1 of Ξ).
	WeightDecoder float64
	WeightSindyX  float64
	WeightSindyZ  float64
	WeightL1      float64

	// Training.
	LearningRate       float64 // Adam's learning rate (both phases).
	BatchSize          int
	Epochs             int     // Epochs with the L1 term and sequential thresholding (paper: 10001).
	RefinementEpochs   int     // Epochs without L1 and with the mask frozen, with a fresh Adam (paper: 1001).
	ThresholdFrequency int     // Threshold Ξ after every this many epochs (paper: 500).
	Threshold          float64 // Coefficients with |ξ| <= Threshold are masked out (paper: 0.1).
	Shuffle            bool    // Shuffle the mini-batches every epoch (the paper takes them in order).
	EvalFrequency      int     // Validation losses every this many epochs (paper: 100).
	Seed               uint64  // Seed of the initial weights and of the shuffling.

	// Recipe options beyond the paper's (their zero values give Champion et al.'s recipe; see
	// recipe.go). Training then runs PretrainEpochs epochs of the autoencoder alone, the main
	// phase of Epochs epochs (which InitSTLSQ starts from a least-squares Ξ) and the refinement.

	// PretrainEpochs trains the autoencoder alone (decoder loss only, its own Adam) for this many
	// epochs before the main phase, so that the SINDy losses start from coordinates that already
	// describe x.
	PretrainEpochs int `json:",omitempty"`
	// IsomapLatents, when > 0, starts training (before pre-training) from the Isomap coordinates
	// (package isomap) of this many training samples, evenly spaced: the encoder is fitted to
	// output them (centred, unit variance) and the decoder to rebuild the samples from them, for
	// IsomapEpochs epochs over those samples (Model.IsomapStart). Isomap's coordinates follow the
	// data manifold's arc length, so an encoder that starts there has the state up to an isometry
	// (the pendulum's angle up to shift and sign), where a sparse model exists; an autoencoder
	// trained from random weights finds such a coordinate only after many epochs, if at all.
	IsomapLatents int `json:",omitempty"`
	// IsomapEpochs is the length of the IsomapLatents fit (0: 200 epochs).
	IsomapEpochs int `json:",omitempty"`
	// InitSTLSQ starts the main phase from Ξ fitted by STLSQ (threshold InitThreshold) on the
	// encoder's latents of the training data and their chain-rule derivatives: Ξ takes the fit's
	// values and the mask its support (Model.FitSTLSQ).
	InitSTLSQ bool `json:",omitempty"`
	// InitThreshold is the STLSQ threshold of InitSTLSQ (0: Threshold).
	InitThreshold float64 `json:",omitempty"`
	// RefitSTLSQ makes every sequential thresholding a least-squares step: Ξ is refitted by STLSQ
	// (threshold Threshold) on the encoder's latents within the current mask, instead of masking
	// Adam's |ξ| <= Threshold. The mask still only shrinks.
	RefitSTLSQ bool `json:",omitempty"`
	// ThresholdSchedule gives the threshold of the k-th sequential thresholding (the last one
	// repeats); empty: Threshold every time.
	ThresholdSchedule []float64 `json:",omitempty"`
	// PrincipalLatents, at the start of the main phase (after PretrainEpochs, before InitSTLSQ),
	// reparametrises the encoder's output and the decoder's input layers so that the training
	// data's latents are centred, on their principal axes and of unit variance
	// (Model.PrincipalLatents; the autoencoder's map is unchanged). Offsets and correlations of
	// the pre-trained coordinates make a sparse model dense; this removes the affine part of them.
	PrincipalLatents bool `json:",omitempty"`
	// SparseLatents, when > 0, follows PrincipalLatents (or takes its place) at the start of the
	// main phase: the latents are reparametrised by the linear change of coordinates (with offsets
	// and scales only for libraries that are not all polynomials, such as a sine) in which the best
	// model of SparseLatents library terms in all explains their dynamics best
	// (Model.SparseLatents; the autoencoder's map is unchanged). Principal axes mix coordinates
	// that a sparse model keeps apart (Lorenz's correlated x and y); this unmixes them.
	SparseLatents int `json:",omitempty"`
	// MaxTerms caps every STLSQ fit (InitSTLSQ, RefitSTLSQ) at this many active terms per
	// equation: before the fit, backward elimination on the least squares of each equation drops
	// the terms whose removal raises the residual least until MaxTerms remain (0: no cap). The
	// mask then holds a sparse support from the start, and the joint training moves the encoder's
	// coordinates to where that sparse model holds.
	MaxTerms int `json:",omitempty"`
	// LRDecay "cosine" decays Adam's learning rate along half a cosine from LearningRate to FinalLR
	// over the main phase, and again over the refinement ("": constant, the paper's). The
	// thresholdings then see a more precise latent than Adam's noise floor at a constant rate.
	LRDecay string `json:",omitempty"`
	// FinalLR is where LRDecay ends (0: LearningRate/100).
	FinalLR float64 `json:",omitempty"`
	// FitSamples is the number of training samples (evenly spaced) of the STLSQ fits (0: 20000).
	FitSamples int `json:",omitempty"`

	// PlainAutodiff computes the weight gradients with GoMLX's generic reverse-mode rule instead of
	// the cheaper formulation of the training graph (same numbers, slower on the pure-Go backend;
	// for benchmarks and checks).
	PlainAutodiff bool `json:",omitempty"`
}

// Paper returns the configuration of Champion et al.'s Lorenz model (their model1_params.pkl):
// 128-64-32-3 sigmoid encoder, cubic library of 20 terms, λ1 = 1e-4, λ2 = 0, λ3 = 1e-5, batch 8000,
// learning rate 1e-3, 10001 epochs with thresholding at 0.1 every 500, 1001 refinement epochs.
// Shuffle is true (the paper's unshuffled order is Shuffle = false).
func Paper() Config {
	return Config{
		InputDim: 128, Widths: []int{64, 32}, LatentDim: 3, PolyOrder: 3, Activation: Sigmoid, ModelOrder: 1, CoeffInit: 1,
		WeightDecoder: 1, WeightSindyX: 1e-4, WeightSindyZ: 0, WeightL1: 1e-5,
		LearningRate: 1e-3, BatchSize: 8000, Epochs: 10001, RefinementEpochs: 1001,
		ThresholdFrequency: 500, Threshold: 0.1, Shuffle: true, EvalFrequency: 100, Seed: 1,
	}
}

// Quick returns a small configuration that trains on a 2-core CPU in about a minute: the paper's
// network and loss, batch 1024, 150 epochs with thresholding every 50 and 30 refinement epochs. Use
// it with a small data set (e.g. 64 training trajectories).
func Quick() Config {
	c := Paper()
	c.BatchSize = 1024
	c.Epochs = 150
	c.RefinementEpochs = 30
	c.ThresholdFrequency = 50
	c.EvalFrequency = 10
	return c
}

// Default returns Quick() in quick mode (DYNLEARN_QUICK=1) and Paper() otherwise.
func Default() Config { return config.Pick(Quick(), Paper()) }

// LibrarySize is the number of terms of Θ: polynomials of LatentDim (or 2·LatentDim for order 2)
// variables up to PolyOrder, plus sines.
func (c Config) LibrarySize() int {
	n := c.LatentDim * c.ModelOrder
	size := 0
	for k := 0; k <= c.PolyOrder; k++ {
		size += binom(n+k-1, k)
	}
	if c.IncludeSine {
		size += n
	}
	return size
}

func binom(n, k int) int {
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

// Validate checks the configuration and names the first problem.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("autoencoder config: "+format, args...)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.InputDim <= 0:
		return bad("InputDim=%d must be > 0", c.InputDim)
	case c.LatentDim <= 0:
		return bad("LatentDim=%d must be > 0", c.LatentDim)
	case c.PolyOrder < 0 || c.PolyOrder > 5:
		return bad("PolyOrder=%d must be in 0..5", c.PolyOrder)
	case c.ModelOrder != 1 && c.ModelOrder != 2:
		return bad("ModelOrder=%d must be 1 or 2", c.ModelOrder)
	case c.BatchSize <= 0:
		return bad("BatchSize=%d must be > 0", c.BatchSize)
	case c.Epochs < 0 || c.RefinementEpochs < 0:
		return bad("Epochs=%d and RefinementEpochs=%d must be >= 0", c.Epochs, c.RefinementEpochs)
	case c.ThresholdFrequency < 0:
		return bad("ThresholdFrequency=%d must be >= 0 (0 disables thresholding)", c.ThresholdFrequency)
	case c.EvalFrequency < 0:
		return bad("EvalFrequency=%d must be >= 0 (0: no validation during training)", c.EvalFrequency)
	case !(c.LearningRate > 0) || !finite(c.LearningRate):
		return bad("LearningRate=%g must be finite and > 0", c.LearningRate)
	case !(c.Threshold >= 0) || !finite(c.Threshold):
		return bad("Threshold=%g must be finite and >= 0", c.Threshold)
	case !finite(c.CoeffInit):
		return bad("CoeffInit=%g must be finite", c.CoeffInit)
	case c.PretrainEpochs < 0:
		return bad("PretrainEpochs=%d must be >= 0", c.PretrainEpochs)
	case c.IsomapLatents < 0 || c.IsomapLatents > 0 && c.IsomapLatents < c.LatentDim+2:
		return bad("IsomapLatents=%d must be 0 (off) or at least LatentDim+2 = %d samples", c.IsomapLatents, c.LatentDim+2)
	case c.IsomapEpochs < 0:
		return bad("IsomapEpochs=%d must be >= 0 (0: 200)", c.IsomapEpochs)
	case !(c.InitThreshold >= 0) || !finite(c.InitThreshold):
		return bad("InitThreshold=%g must be finite and >= 0 (0: Threshold)", c.InitThreshold)
	case !validSchedule(c.ThresholdSchedule):
		return bad("ThresholdSchedule=%v: thresholds must be finite and >= 0", c.ThresholdSchedule)
	case c.SparseLatents < 0 || c.SparseLatents > 0 && c.SparseLatents < c.LatentDim:
		return bad("SparseLatents=%d must be 0 (off) or a budget of at least LatentDim=%d terms", c.SparseLatents, c.LatentDim)
	case c.LRDecay != "" && c.LRDecay != "cosine":
		return bad("LRDecay=%q unknown (\"\" for a constant rate, or \"cosine\")", c.LRDecay)
	case !(c.FinalLR >= 0) || !finite(c.FinalLR) || c.FinalLR > c.LearningRate:
		return bad("FinalLR=%g must be finite and in [0, LearningRate=%g] (0: LearningRate/100)", c.FinalLR, c.LearningRate)
	case c.MaxTerms < 0:
		return bad("MaxTerms=%d must be >= 0 (0: no cap)", c.MaxTerms)
	case c.FitSamples < 0:
		return bad("FitSamples=%d must be >= 0 (0: 20000)", c.FitSamples)
	}
	for _, w := range []struct {
		name string
		v    float64
	}{{"WeightDecoder", c.WeightDecoder}, {"WeightSindyX", c.WeightSindyX}, {"WeightSindyZ", c.WeightSindyZ}, {"WeightL1", c.WeightL1}} {
		if !(w.v >= 0) || !finite(w.v) {
			return bad("%s=%g must be finite and >= 0", w.name, w.v)
		}
	}
	for i, w := range c.Widths {
		if w <= 0 {
			return bad("Widths=%v: width %d is %d, each must be > 0", c.Widths, i, w)
		}
	}
	if err := c.Activation.Validate(); err != nil {
		return fmt.Errorf("autoencoder config: Activation: %w", err)
	}
	if c.EncoderActivation != "" {
		if err := c.EncoderActivation.Validate(); err != nil {
			return fmt.Errorf("autoencoder config: EncoderActivation: %w", err)
		}
	}
	return nil
}

// encoderActivation is the activation of the encoder's hidden layers: EncoderActivation, or
// Activation when it is empty.
func (c Config) encoderActivation() Activation {
	if c.EncoderActivation != "" {
		return c.EncoderActivation
	}
	return c.Activation
}

func validSchedule(s []float64) bool {
	for _, v := range s {
		if !(v >= 0) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// thresholdAt returns the threshold of the k-th sequential thresholding (k from 0).
func (c Config) thresholdAt(k int) float64 {
	if len(c.ThresholdSchedule) == 0 {
		return c.Threshold
	}
	return c.ThresholdSchedule[min(k, len(c.ThresholdSchedule)-1)]
}

// Builder configures a SINDy autoencoder in GoMLX's builder style; see New.
type Builder struct{ cfg Config }

// New starts a builder from a configuration (usually Paper(), Quick() or Default()):
//
//	m, err := autoencoder.New(autoencoder.Paper()).Widths(64, 32).Latent(3).PolyOrder(3).Done()
func New(cfg Config) *Builder {
	cfg.Widths = append([]int(nil), cfg.Widths...)
	return &Builder{cfg: cfg}
}

// InputDim sets the dimension of the observations.
func (b *Builder) InputDim(n int) *Builder { b.cfg.InputDim = n; return b }

// Widths sets the encoder's hidden widths (the decoder mirrors them).
func (b *Builder) Widths(w ...int) *Builder { b.cfg.Widths = append([]int(nil), w...); return b }

// Latent sets the latent dimension.
func (b *Builder) Latent(d int) *Builder { b.cfg.LatentDim = d; return b }

// PolyOrder sets the library's polynomial order.
func (b *Builder) PolyOrder(p int) *Builder { b.cfg.PolyOrder = p; return b }

// Sine adds (or removes) the sine terms of the library.
func (b *Builder) Sine(on bool) *Builder { b.cfg.IncludeSine = on; return b }

// Activation sets the hidden activation.
func (b *Builder) Activation(a Activation) *Builder { b.cfg.Activation = a; return b }

// EncoderActivation sets the encoder's own hidden activation ("": Activation's).
func (b *Builder) EncoderActivation(a Activation) *Builder { b.cfg.EncoderActivation = a; return b }

// SecondOrder makes the model z̈ = Θ(z, ż) Ξ.
func (b *Builder) SecondOrder() *Builder { b.cfg.ModelOrder = 2; return b }

// LossWeights sets the decoder weight, λ1 (x-derivative), λ2 (z-derivative) and λ3 (L1).
func (b *Builder) LossWeights(decoder, sindyX, sindyZ, l1 float64) *Builder {
	b.cfg.WeightDecoder, b.cfg.WeightSindyX, b.cfg.WeightSindyZ, b.cfg.WeightL1 = decoder, sindyX, sindyZ, l1
	return b
}

// LearningRate sets Adam's learning rate.
func (b *Builder) LearningRate(lr float64) *Builder { b.cfg.LearningRate = lr; return b }

// BatchSize sets the mini-batch size.
func (b *Builder) BatchSize(n int) *Builder { b.cfg.BatchSize = n; return b }

// Epochs sets the epochs of the thresholding phase and of the refinement phase.
func (b *Builder) Epochs(main, refinement int) *Builder {
	b.cfg.Epochs, b.cfg.RefinementEpochs = main, refinement
	return b
}

// Thresholding sets the sequential thresholding: every freq epochs, |ξ| <= threshold is masked out.
func (b *Builder) Thresholding(freq int, threshold float64) *Builder {
	b.cfg.ThresholdFrequency, b.cfg.Threshold = freq, threshold
	return b
}

// EvalFrequency sets the epochs between validation evaluations (0: none during training).
func (b *Builder) EvalFrequency(epochs int) *Builder { b.cfg.EvalFrequency = epochs; return b }

// CoeffInit sets the initial value of every Ξ entry.
func (b *Builder) CoeffInit(v float64) *Builder { b.cfg.CoeffInit = v; return b }

// Shuffle turns mini-batch shuffling on (default) or off (the paper's in-order batches).
func (b *Builder) Shuffle(on bool) *Builder { b.cfg.Shuffle = on; return b }

// IsomapStart starts training from the Isomap coordinates of samples training samples, fitted for
// epochs epochs (Config.IsomapLatents, IsomapEpochs; 0 samples: off).
func (b *Builder) IsomapStart(samples, epochs int) *Builder {
	b.cfg.IsomapLatents, b.cfg.IsomapEpochs = samples, epochs
	return b
}

// Pretrain sets the epochs of autoencoder-only training before the main phase (0: none, the paper's).
func (b *Builder) Pretrain(epochs int) *Builder { b.cfg.PretrainEpochs = epochs; return b }

// InitSTLSQ starts the main phase from Ξ and a mask fitted by STLSQ on the encoder's latents with
// this threshold (0: the thresholding's); see Config.InitSTLSQ.
func (b *Builder) InitSTLSQ(threshold float64) *Builder {
	b.cfg.InitSTLSQ, b.cfg.InitThreshold = true, threshold
	return b
}

// RefitSTLSQ makes every sequential thresholding an STLSQ refit of Ξ on the encoder's latents
// (Config.RefitSTLSQ).
func (b *Builder) RefitSTLSQ(on bool) *Builder { b.cfg.RefitSTLSQ = on; return b }

// PrincipalLatents centres the latents on their principal axes at unit variance when the main
// phase starts (Config.PrincipalLatents).
func (b *Builder) PrincipalLatents(on bool) *Builder { b.cfg.PrincipalLatents = on; return b }

// SparseLatents reparametrises the latents to the coordinates where a model of this many terms
// fits best when the main phase starts (Config.SparseLatents; 0: off).
func (b *Builder) SparseLatents(terms int) *Builder { b.cfg.SparseLatents = terms; return b }

// LRDecay sets the learning-rate schedule of the main phase and the refinement ("cosine" to
// final, 0: LearningRate/100; "": constant). See Config.LRDecay.
func (b *Builder) LRDecay(schedule string, final float64) *Builder {
	b.cfg.LRDecay, b.cfg.FinalLR = schedule, final
	return b
}

// MaxTerms caps every STLSQ fit at k terms per equation (Config.MaxTerms; 0: no cap).
func (b *Builder) MaxTerms(k int) *Builder { b.cfg.MaxTerms = k; return b }

// ThresholdSchedule sets the thresholds of the successive thresholdings (Config.ThresholdSchedule).
func (b *Builder) ThresholdSchedule(th ...float64) *Builder {
	b.cfg.ThresholdSchedule = append([]float64(nil), th...)
	return b
}

// Seed sets the seed of the weights and the shuffling.
func (b *Builder) Seed(s uint64) *Builder { b.cfg.Seed = s; return b }

// Config returns the configuration built so far.
func (b *Builder) Config() Config { return b.cfg }

// Done validates the configuration and creates the model (weights initialised from the seed) on
// the project's backend (package backend).
func (b *Builder) Done() (*Model, error) { return NewModel(b.cfg) }

// learningRateAt returns the learning rate of LRDecay at a 0-based step of a phase of total steps.
func (c Config) learningRateAt(step, total int) float64 {
	if c.LRDecay != "cosine" {
		return c.LearningRate
	}
	return training.CosineLR(c.LearningRate, c.FinalLR, step, total)
}
