// Package linearrnn studies the "curse of memory" of recurrent networks (Li, Han, E and Li, "On the curse
// of memory in recurrent neural networks: approximation and optimization analysis", ICLR 2021) with
// linear RNNs on GoMLX.
//
// The model is the residual (forward-Euler) linear RNN with step δ,
//
//	h_{k+1} = h_k + δ (W h_k + U x_k),   h_0 = 0,   ŷ_k = cᵀ h_k,
//
// the discretisation of the continuous-time linear RNN ḣ = W h + U x. Its output is a convolution of the
// input with the model's memory kernel,
//
//	ŷ_k = Σ_{s≥1} ρ̂_s x_{k−s},   ρ̂_s = δ cᵀ (I + δW)^{s−1} U,
//
// and the targets are convolutions y_k = Σ_s ρ_s x_{k−s} with a prescribed kernel ρ_s = δ ρ(sδ) (a
// Target: exponential sums, or kernels whose memory sits far in the past). For white-noise inputs the
// expected squared error is exactly Σ_s (ρ̂_s − ρ_s)², so Train minimises this population risk directly
// (normalised by Σ ρ_s²), computing the kernel in log₂ S matrix products by repeated squaring, on a
// training.Loop (resumable checkpoints). Outputs runs the RNN itself on input sequences; the tests check
// that it equals the convolution with Kernel and that the empirical loss on random sequences matches the
// population loss.
//
// PlateauSteps measures how long a loss curve stays on its plateau, so notebooks can plot plateau length
// against memory: the paper proves it grows exponentially with the memory of the target.
package linearrnn
