// Package autoencoder is the SINDy autoencoder of Champion, Lusch, Kutz & Brunton (PNAS 2019) on
// GoMLX: an encoder z = φ(x), a decoder x̂ = ψ(z) and a sparse latent model ż = Θ(z)(M ⊙ Ξ), trained
// jointly with the loss
//
//	‖x - ψ(φ(x))‖² + λ1 ‖ẋ - ∇ψ(z) Θ(z)Ξ‖² + λ2 ‖∇φ(x) ẋ - Θ(z)Ξ‖² + λ3 ‖Ξ‖₁
//
// (means over batch and dimensions; second-order models use ẍ, z̈ and Θ(z, ż)). Time derivatives go
// through the networks in closed form (Propagate), layer by layer, as in the paper's code.
//
// Configuration: Paper() holds the paper's Lorenz values (128-64-32-3 sigmoid networks, cubic library,
// λ1 = 1e-4, λ2 = 0, λ3 = 1e-5, Adam 1e-3, batch 8000, 10001 epochs with thresholding at 0.1 every
// 500, 1001 refinement epochs); Quick() a small schedule; Default() picks by DYNLEARN_QUICK. Models
// are built in GoMLX's builder style:
//
//	m, err := autoencoder.New(autoencoder.Paper()).Widths(64, 32).Latent(3).PolyOrder(3).Done()
//	st, err := m.Train(train, val, autoencoder.TrainOptions{Checkpoint: path, Show: true})
//	metrics, err := m.Evaluate(test)      // the paper's relative errors
//	sm, err := m.SINDy()                  // the discovered model as a sindy.Model: print, simulate
//
// Training (Model.Train): shuffled mini-batches (Shuffle = false gives the paper's in-order batches),
// sequential thresholding every ThresholdFrequency epochs, then a refinement phase with a fresh Adam,
// no L1 term and the mask frozen, as hooks of a training.Loop. It checkpoints atomically (its
// checkpoints record their model kind, "sindy.Autoencoder", and configuration), resumes from the
// checkpoint after an interrupt, is reproducible for a seed, stops with training.ErrDiverged on a
// NaN/Inf loss, and can show a progress bar and a live loss chart (package plotting). A checkpoint
// resumed with a longer Epochs after its refinement reopens the main phase (State.Reopened) and then
// refines again with a fresh Adam, so a run can be extended after the fact. TrainEnsemble
// trains several seeds and Select picks one as the paper does (lowest validation loss among sparse
// models).
//
// # Faster recipes
//
// The options of recipe.go (their zero values are the paper's recipe) replace most of the L1 term's
// long search by least squares on the encoder's latents: PretrainEpochs (the autoencoder alone
// first), PrincipalLatents (the latents reparametrised to be centred, on their principal axes, of
// unit variance; the autoencoder's map unchanged), SparseLatents (then moved by the linear map and
// offsets in which a budget of library terms fits their dynamics best: principal axes mix
// Lorenz's correlated x and y, which makes its model dense), InitSTLSQ with MaxTerms (Ξ and its mask start
// from an STLSQ fit capped at the best MaxTerms terms per equation), RefitSTLSQ (every
// thresholding an STLSQ refit), ThresholdSchedule (rising thresholds) and LRDecay (a cosine decay
// of the learning rate over the main phase and the refinement). EncoderActivation "linear" makes
// the encoder affine (for data that are a linear image of the state plus terms the decoder
// rebuilds, as Champion's Lorenz embedding: a nonlinear encoder can bend the latent until a wrong
// sparse model fits). IsomapLatents starts both networks at the Isomap coordinates of the data
// (package isomap: the manifold's arc length, the pendulum's angle up to shift and scale), fitted
// with a decaying learning rate so that the encoder's chain-rule derivatives are smooth; pre-training
// then runs on a graph without the derivative paths. The Lorenz experiment's recipe
// (experiments.SINDyLorenzConfig) finds Lorenz's 7 terms aligned within 1% in 25 minutes on one core.
//
// # Speed
//
// GoMLX's generic reverse-mode rule for y = h W forms ∂L/∂W = hᵀ v by contracting the batch axis of
// two batch-major matrices, and the pure-Go backend's matmul first transposes both (the batch axis
// must be last on its left operand) — for every layer and every derivative path. The training graph
// instead feeds W through StopGradient, asks graph.Gradient for the adjoints v of the products, and
// forms hᵀ v with only the narrower of h and v transposed (weightTape); derivative paths that cannot
// reach the loss (the encoder's ż when λ2 = 0) are left out of the backward pass. Config.PlainAutodiff
// switches back to the generic rule (TestWeightTapeGradients checks both agree).
//
// BenchmarkSINDyAutoencoderStep times one Adam step at the paper's sizes (batch 8000) with the
// arithmetic of the PyTorch reference (/work/shared/bench/sae_torch.py); `go run
// ./cmd/dynlearn bench sindy-step` runs Go (both formulations) and PyTorch interleaved and prints ms/step
// and the ratio. See the repository's docs for measured numbers.
package autoencoder
