package autoencoder

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// exportModel returns a small model whose weights, biases and Ξ are all random and non-zero, with
// a mask that has removed some terms.
func exportModel(t *testing.T) *Model {
	t.Helper()
	cfg := Quick()
	cfg.InputDim, cfg.Widths, cfg.LatentDim, cfg.PolyOrder, cfg.BatchSize = 12, []int{8, 5}, 2, 2, 8
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for v := range m.Store().IterVariables() {
		dims := v.Shape().Dimensions
		n := 1
		for _, d := range dims {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(r.NormFloat64() * 0.5)
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(data, dims...)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Threshold(0.3); err != nil {
		t.Fatal(err)
	}
	return m
}

// ExportNPZ writes every layer with PyTorch's [out, in] layout, Ξ, the mask and the masked
// coefficients; read back with dataio, they equal the model's variables.
func TestExportNPZRoundTrip(t *testing.T) {
	m := exportModel(t)
	// A model loaded from a training checkpoint also holds Adam's state, all marked trainable: it is
	// left out.
	dir := t.TempDir()
	if _, err := m.Train(exportData(m), exportData(m), TrainOptions{Checkpoint: filepath.Join(dir, "train.ckpt"), StopAfter: 1}); err != nil && !errors.Is(err, ErrStopped) {
		t.Fatal(err)
	}
	m, _, err := Load(filepath.Join(dir, "train.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "weights.npz")
	if err := m.ExportNPZ(path); err != nil {
		t.Fatal(err)
	}
	got, err := dataio.ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	widths := m.encoderWidths() // 12, 8, 5, 2
	var names []string
	for k := 0; k+1 < len(widths); k++ {
		for _, net := range []struct {
			scope   string
			in, out int
		}{{"encoder", widths[k], widths[k+1]}, {"decoder", widths[len(widths)-1-k], widths[len(widths)-2-k]}} {
			wName := net.scope + "." + strconv.Itoa(k) + ".weight"
			names = append(names, wName, net.scope+"."+strconv.Itoa(k)+".bias")
			a, ok := got[wName]
			if !ok {
				t.Fatalf("no array %s in %v", wName, keys(got))
			}
			if a.Shape[0] != net.out || a.Shape[1] != net.in || !a.Float32 {
				t.Fatalf("%s: shape %v float32 %v, want [%d %d] float32", wName, a.Shape, a.Float32, net.out, net.in)
			}
			w, _ := tensors.CopyFlatData[float32](m.Store().GetVariable(layerPath(net.scope, k, "weights")).MustValue())
			for i := range net.in {
				for j := range net.out {
					if float32(a.Data[j*net.in+i]) != w[i*net.out+j] {
						t.Fatalf("%s[%d, %d] = %g, want the graph's W[%d, %d] = %g", wName, j, i, a.Data[j*net.in+i], i, j, w[i*net.out+j])
					}
				}
			}
		}
	}
	xi, _ := m.rawXi()
	coef, _ := m.Coefficients()
	mask := m.Mask()
	d := m.Config().LatentDim
	for i := range coef {
		for j := range d {
			k := i*d + j
			var mk float64
			if mask[i][j] {
				mk = 1
			}
			if got["sindy.xi"].Data[k] != float64(xi[k]) || got["sindy.mask"].Data[k] != mk || got["sindy.coefficients"].Data[k] != coef[i][j] {
				t.Fatalf("Ξ[%d, %d]: exported %g, mask %g, coefficient %g; want %g, %g, %g", i, j,
					got["sindy.xi"].Data[k], got["sindy.mask"].Data[k], got["sindy.coefficients"].Data[k], xi[k], mk, coef[i][j])
			}
		}
	}
	if n := m.ActiveTerms(); n == 0 || n == len(xi) {
		t.Fatalf("%d of %d terms active: the test wants a mask with both kinds", n, len(xi))
	}
	if len(got) != len(names)+3 {
		t.Errorf("%d arrays %v, want %d", len(got), keys(got), len(names)+3)
	}
}

// exportData returns 16 random samples for the model.
func exportData(m *Model) Data {
	n, dim := 16, m.Config().InputDim
	r := rand.New(rand.NewPCG(7, 8))
	d := Data{N: n, Dim: dim, X: make([]float32, n*dim), DX: make([]float32, n*dim)}
	for i := range d.X {
		d.X[i], d.DX[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	return d
}

func keys(m map[string]*dataio.Array) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// pythonEncoder loads weights.npz with numpy only and runs the encoder on the input in the JSON
// file argv[2], printing z as JSON: what the package doc tells a Python user to do.
const pythonEncoder = `
import json, sys
import numpy as np
w = np.load(sys.argv[1])
x = np.array(json.load(open(sys.argv[2])), dtype=np.float64)
L = len([k for k in w.files if k.startswith("encoder.") and k.endswith(".weight")])
h = x
for k in range(L):
    h = h @ w[f"encoder.{k}.weight"].astype(np.float64).T + w[f"encoder.{k}.bias"].astype(np.float64)
    if k < L - 1:
        h = 1 / (1 + np.exp(-h))
print(json.dumps(h.tolist()))
`

// A Python user who loads weights.npz with numpy reproduces the encoder's output for one input to
// 1e-5 (skipped without /usr/bin/python3 and numpy: Debian's python3-numpy).
func TestExportNPZPythonEncoder(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		t.Skipf("python3 has no numpy: %s", out)
	}
	m := exportModel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "weights.npz")
	if err := m.ExportNPZ(path); err != nil {
		t.Fatal(err)
	}
	n := m.Config().InputDim
	x := make([]float32, n)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range x {
		x[i] = float32(2*r.Float64() - 1)
	}
	z, _, err := m.Encode(Data{N: 1, Dim: n, X: x, DX: make([]float32, n)})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(x)
	inPath := filepath.Join(dir, "x.json")
	if err := os.WriteFile(inPath, in, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", pythonEncoder, path, inPath).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var pz []float64
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &pz); err != nil {
		t.Fatalf("python printed %q: %v", out, err)
	}
	if len(pz) != len(z[0]) {
		t.Fatalf("python z has %d values, want %d", len(pz), len(z[0]))
	}
	for j := range pz {
		if math.Abs(pz[j]-z[0][j]) > 1e-5 {
			t.Errorf("z%d: numpy %.8f, dynlearn %.8f", j+1, pz[j], z[0][j])
		}
	}
	t.Logf("z: numpy %v, dynlearn %v", pz, z[0])
}
