// Package weights exports the variables of a trained GoMLX model (a model.Store: a SINDy
// autoencoder's, an LED autoencoder's or propagator's, a Lagrangian network's) as a NumPy .npz archive
// with names a PyTorch user can map to a state_dict, so that a model trained with dynlearn can be
// checked or used in Python.
//
// # Layout
//
// Every variable becomes one array except the optimizer's state (Adam's moments, step counters,
// learning rates: variables GoMLX creates non-trainable, and, because a store loaded from a
// checkpoint marks every variable trainable, those that OptimizerState recognises by path), unless
// Options.All is set. Its name is the
// variable's path with the leading "/" dropped and "/" replaced by ".", rewritten by PyTorchName:
//
//   - a path element "layer<k>" becomes "<k>", so the layers of a network read as the indices of an
//     nn.Sequential of its Linear layers ("encoder.0", "encoder.1", ...);
//   - "weights" or "kernel" becomes "weight" and "biases" becomes "bias";
//   - a two-dimensional dense weight is transposed: GoMLX multiplies h W with W of shape [in, out],
//     PyTorch's nn.Linear computes h Wᵀ with weight of shape [out, in], so "encoder.0.weight" has
//     shape [out, in] and torch.nn.Linear(in, out).weight.data = torch.from_numpy(a) loads it as it is.
//     Arrays of other ranks (convolution kernels, LSTM gates) keep GoMLX's layout, named as their path.
//
// So the SINDy autoencoder's /encoder/layer0/weights [128, 64] is encoder.0.weight [64, 128], its
// /encoder/layer0/biases [64] is encoder.0.bias, and /sindy/xi [library, latent] is sindy.xi (see
// autoencoder.Model.ExportNPZ for the arrays it adds). Arrays keep their dtype (float32 or float64);
// other dtypes are an error naming the variable. Two variables mapped to the same name are an error.
package weights

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// NameFunc maps a variable's path and shape to its array name and whether its two axes are
// transposed; keep = false leaves the variable out.
type NameFunc func(path string, dims []int) (name string, transpose, keep bool)

// Options control Arrays and SaveNPZ.
type Options struct {
	// Name maps variables to arrays (nil: PyTorchName).
	Name NameFunc
	// All exports the optimizer's state too (non-trainable variables and OptimizerState paths).
	All bool
	// Compressed writes a deflate-compressed archive (np.savez_compressed).
	Compressed bool
}

var layerIndex = regexp.MustCompile(`^layer([0-9]+)$`)

// PyTorchName is the default naming of the package doc: "/encoder/layer0/weights" of shape
// [in, out] is "encoder.0.weight", transposed to [out, in]; "/encoder/layer0/biases" is
// "encoder.0.bias"; every other path keeps its elements joined by ".".
func PyTorchName(path string, dims []int) (name string, transpose, keep bool) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	last := len(parts) - 1
	for i, p := range parts {
		if m := layerIndex.FindStringSubmatch(p); m != nil {
			parts[i] = m[1]
		}
	}
	switch parts[last] {
	case "weights", "kernel":
		parts[last] = "weight"
		transpose = len(dims) == 2
	case "biases":
		parts[last] = "bias"
	}
	return strings.Join(parts, "."), transpose, true
}

// OptimizerState reports whether path is a variable of GoMLX's optimizers: /global_step, anything under
// /optimizers/, Adam's moments (*_1st_moment, *_2nd_moment) and its step counters (a "step" under a
// scope whose name contains "adam", as dynlearn's /adam/step and /adam_refinement/step).
func OptimizerState(path string) bool {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	last := parts[len(parts)-1]
	switch {
	case path == "/global_step" || parts[0] == "optimizers":
		return true
	case strings.HasSuffix(last, "_1st_moment") || strings.HasSuffix(last, "_2nd_moment"):
		return true
	case last == "step" && len(parts) > 1 && strings.Contains(strings.ToLower(parts[len(parts)-2]), "adam"):
		return true
	}
	return false
}

// Arrays returns the store's variables as named arrays (see the package doc).
func Arrays(store *model.Store, opts Options) (map[string]*dataio.Array, error) {
	if store == nil {
		return nil, fmt.Errorf("weights: store is nil")
	}
	name := opts.Name
	if name == nil {
		name = PyTorchName
	}
	out := map[string]*dataio.Array{}
	from := map[string]string{} // array name -> variable path
	for v := range store.IterVariables() {
		path := v.Path()
		if !opts.All && (!v.Trainable || OptimizerState(path)) {
			continue
		}
		dims := slices.Clone(v.Shape().Dimensions)
		n, transpose, keep := name(path, dims)
		if !keep {
			continue
		}
		if n == "" {
			return nil, fmt.Errorf("weights: variable %s: empty array name", path)
		}
		if prev, dup := from[n]; dup {
			return nil, fmt.Errorf("weights: variables %s and %s are both named %q: names must be unique", prev, path, n)
		}
		if transpose && len(dims) != 2 {
			return nil, fmt.Errorf("weights: variable %s has shape %v: only two-dimensional arrays can be transposed", path, dims)
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("weights: variable %s: %w", path, err)
		}
		a, err := fromTensor(path, t, dims)
		if err != nil {
			return nil, err
		}
		if transpose {
			a = Transpose(a)
		}
		out[n], from[n] = a, path
	}
	return out, nil
}

// fromTensor copies a float32 or float64 tensor into an Array of the same dtype.
func fromTensor(path string, t *tensors.Tensor, dims []int) (*dataio.Array, error) {
	a := &dataio.Array{Shape: dims}
	switch dt := t.DType(); dt {
	case dtypes.Float32:
		d, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("weights: variable %s: %w", path, err)
		}
		a.Data, a.Float32 = make([]float64, len(d)), true
		for i, v := range d {
			a.Data[i] = float64(v)
		}
	case dtypes.Float64:
		d, err := tensors.CopyFlatData[float64](t)
		if err != nil {
			return nil, fmt.Errorf("weights: variable %s: %w", path, err)
		}
		a.Data = d
	default:
		return nil, fmt.Errorf("weights: variable %s has dtype %s: only float32 and float64 variables are exported (Options.Name can leave it out)", path, dt)
	}
	return a, nil
}

// Transpose returns the transpose of a two-dimensional array (the same dtype); any other array is
// returned as it is.
func Transpose(a *dataio.Array) *dataio.Array {
	if len(a.Shape) != 2 {
		return a
	}
	r, c := a.Shape[0], a.Shape[1]
	out := &dataio.Array{Shape: []int{c, r}, Data: make([]float64, len(a.Data)), Float32: a.Float32}
	for i := range r {
		for j := range c {
			out.Data[j*r+i] = a.Data[i*c+j]
		}
	}
	return out
}

// SaveNPZ writes the store's variables to the .npz file path (atomically) as Arrays names them.
func SaveNPZ(path string, store *model.Store, opts Options) error {
	arrays, err := Arrays(store, opts)
	if err != nil {
		return err
	}
	if len(arrays) == 0 {
		return fmt.Errorf("weights: %s: the store has no variables to export", path)
	}
	return dataio.WriteNPZ(path, arrays, opts.Compressed)
}
