package autoencoder

import (
	"fmt"
	"strings"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/weights"
)

// WeightArrays returns the model's weights as the named arrays that ExportNPZ writes:
//
//   - encoder.<k>.weight [out, in] and encoder.<k>.bias [out] for the encoder's layers k = 0 ..
//     len(Widths) (PyTorch's nn.Linear layout: the transpose of the [in, out] matrix the graph
//     multiplies with), and decoder.<k>.weight, decoder.<k>.bias likewise. The activation
//     (Config.Activation, sigmoid in the paper; Config.EncoderActivation in the encoder when set)
//     follows every layer but the last, which is linear:
//     z = W_L(… σ(W_0 x + b_0) …) + b_L;
//   - sindy.xi [library, latent]: Ξ as trained (before the mask);
//   - sindy.mask [library, latent]: 1 for an active coefficient, 0 for one thresholded away;
//   - sindy.coefficients [library, latent]: Ξ ⊙ mask, the discovered model ż = Θ(z) Ξ (z̈ =
//     Θ(z, ż) Ξ for a second-order model). Its rows are the library terms in the order of
//     Library().Names() (the "features" of the discovered model's JSON, sindy.Model.SaveJSON).
//
// Arrays are float32, as trained.
func (m *Model) WeightArrays() (map[string]*dataio.Array, error) {
	// The model's own variables only (a store loaded from a checkpoint also holds Adam's state).
	out, err := weights.Arrays(m.store, weights.Options{Name: func(path string, dims []int) (string, bool, bool) {
		switch {
		case path == varXi:
			return "sindy.xi", false, true
		case strings.HasPrefix(path, "/"+scopeEncoder+"/") || strings.HasPrefix(path, "/"+scopeDecoder+"/"):
			return weights.PyTorchName(path, dims)
		}
		return "", false, false
	}})
	if err != nil {
		return nil, fmt.Errorf("autoencoder: export: %w", err)
	}
	xi, ok := out["sindy.xi"]
	if !ok {
		return nil, fmt.Errorf("autoencoder: export: Ξ variable %s missing", varXi)
	}
	if len(xi.Data) != len(m.mask) {
		return nil, fmt.Errorf("autoencoder: export: Ξ has %d entries, the mask %d", len(xi.Data), len(m.mask))
	}
	mask := &dataio.Array{Shape: xi.Shape, Data: make([]float64, len(m.mask)), Float32: true}
	coef := &dataio.Array{Shape: xi.Shape, Data: make([]float64, len(m.mask)), Float32: true}
	for i, v := range m.mask {
		mask.Data[i] = float64(v)
		coef.Data[i] = float64(float32(xi.Data[i]) * v)
	}
	out["sindy.mask"], out["sindy.coefficients"] = mask, coef
	return out, nil
}

// ExportNPZ writes the model's weights to the NumPy archive path (atomically), with the names and
// layouts of WeightArrays, for use in Python:
//
//	w = np.load("weights.npz")
//	h = x
//	for k in range(L):                    # L = len(Widths) + 1 layers
//	    h = h @ w[f"encoder.{k}.weight"].T + w[f"encoder.{k}.bias"]
//	    if k < L - 1: h = 1 / (1 + np.exp(-h))   # the sigmoid of the paper's networks
//	z = h
//
// or load them into torch.nn.Linear layers as they are (layer.weight.data = torch.from_numpy(a)).
func (m *Model) ExportNPZ(path string) error {
	arrays, err := m.WeightArrays()
	if err != nil {
		return err
	}
	if err := dataio.WriteNPZ(path, arrays, false); err != nil {
		return fmt.Errorf("autoencoder: export: %w", err)
	}
	return nil
}
