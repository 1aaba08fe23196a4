package led

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/backend"
)

// convRelDiff returns max |a - b| / max(1, max |b|): the largest difference relative to the
// scale of b (float32 sums of hundreds of products differ by a few 1e-6 of their magnitude with the
// summation order).
func convRelDiff(t *testing.T, what string, a []float32, b []float64) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d values vs %d", what, len(a), len(b))
	}
	worst, scale := 0.0, 1.0
	for i := range a {
		scale = math.Max(scale, math.Abs(b[i]))
		if d := math.Abs(float64(a[i]) - b[i]); !(d <= worst) {
			worst = d
		}
	}
	return worst / scale
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// convReference computes in float64 the same-padded cross-correlation y of x [B, H, W, C] with
// kernel [k, k, C, F] and the gradients of Σ y·r with respect to x and the kernel.
func convReference(x, kernel, r []float32, b, h, w, c, f, k int) (y, gx, gk []float64) {
	y, gx, gk = make([]float64, b*h*w*f), make([]float64, b*h*w*c), make([]float64, k*k*c*f)
	p := (k - 1) / 2
	for n := range b {
		for i := range h {
			for j := range w {
				for dy := range k {
					for dx := range k {
						ii, jj := i+dy-p, j+dx-p
						if ii < 0 || ii >= h || jj < 0 || jj >= w {
							continue
						}
						for ci := range c {
							xv := float64(x[((n*h+ii)*w+jj)*c+ci])
							for fi := range f {
								kv := float64(kernel[((dy*k+dx)*c+ci)*f+fi])
								rv := float64(r[((n*h+i)*w+j)*f+fi])
								y[((n*h+i)*w+j)*f+fi] += xv * kv
								gx[((n*h+ii)*w+jj)*c+ci] += rv * kv
								gk[((dy*k+dx)*c+ci)*f+fi] += rv * xv
							}
						}
					}
				}
			}
		}
	}
	return y, gx, gk
}

func convRandom(rng *rand.Rand, dims ...int) *tensors.Tensor {
	v := make([]float32, prod(dims))
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return tensorOf(v, dims)
}

// TestConvSame2DMatchesConvolve: convSame2D equals GoMLX's Convolve(...).PadSame() in values and in
// the gradients with respect to the input and the kernel, for odd sizes and kernels 1, 3, 5.
func TestConvSame2DMatchesConvolve(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ b, h, w, c, f, k int }{
		{2, 5, 5, 3, 4, 3}, {3, 7, 6, 2, 5, 5}, {2, 20, 20, 2, 8, 3}, {1, 4, 3, 6, 2, 5}, {2, 5, 5, 3, 2, 1}, {2, 6, 6, 2, 3, 2},
		{2, 1, 2, 3, 2, 5}, {3, 2, 2, 2, 3, 3},
	} {
		t.Run(fmt.Sprintf("%dx%dx%dx%d_k%d_f%d", tc.b, tc.h, tc.w, tc.c, tc.k, tc.f), func(t *testing.T) {
			x := convRandom(rng, tc.b, tc.h, tc.w, tc.c)
			kernel := convRandom(rng, tc.k, tc.k, tc.c, tc.f)
			r := convRandom(rng, tc.b, tc.h, tc.w, tc.f) // weights of the scalar whose gradient is taken
			run := func(conv func(x, k *Node) *Node) [][]float32 { return convOutputs(t, be, x, kernel, r, conv) }
			got := run(convSame2D)
			names := []string{"values", "gradient w.r.t. x", "gradient w.r.t. the kernel"}
			xs, ks, rs := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](kernel), tensors.MustCopyFlatData[float32](r)
			y, gx, gk := convReference(xs, ks, rs, tc.b, tc.h, tc.w, tc.c, tc.f, tc.k)
			for i, ref := range [][]float64{y, gx, gk} {
				if d := convRelDiff(t, names[i], got[i], ref); d > 1e-5 {
					t.Errorf("%s differ from the float64 reference by %.3g > 1e-5", names[i], d)
				}
			}
			if tc.k%2 == 0 {
				return // GoMLX's Convolve gradient w.r.t. x is wrong for even kernels (asymmetric padding)
			}
			want := run(func(x, k *Node) *Node { return Convolve(x, k).PadSame().Done() })
			for i, name := range names {
				if d := convRelDiff(t, name, got[i], to64(want[i])); d > 1e-5 {
					t.Errorf("%s differ from Convolve's by %.3g > 1e-5", name, d)
				}
			}
		})
	}
}

// TestMaxPool2MatchesMaxPool: maxPool2 equals GoMLX's MaxPool(x).Window(2) in values and gradient,
// including odd sizes (5 → 2).
func TestMaxPool2MatchesMaxPool(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i, dims := range [][]int{{2, 5, 5, 3}, {3, 20, 20, 8}, {2, 7, 4, 2}, {1, 2, 3, 1}, {2, 6, 5, 3}, {3, 10, 10, 4}} {
		ties := i >= 4 // values in {0, 1, 2}: windows with several maxima, whose gradient goes to the first
		t.Run(fmt.Sprint(dims, " ties=", ties), func(t *testing.T) {
			x := convRandom(rng, dims...)
			if ties {
				v := tensors.MustCopyFlatData[float32](x)
				for j := range v {
					v[j] = float32(rng.IntN(3))
				}
				x = tensorOf(v, dims)
			}
			r := convRandom(rng, dims[0], dims[1]/2, dims[2]/2, dims[3])
			run := func(pool func(x *Node) *Node) [][]float32 {
				exec, err := NewExec(be, func(x, r *Node) []*Node {
					y := pool(x)
					return []*Node{y, Gradient(ReduceAllSum(Mul(y, r)), x)[0]}
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Exec(x, r)
				if err != nil {
					t.Fatal(err)
				}
				return flatAll(t, out)
			}
			want := run(func(x *Node) *Node { return MaxPool(x).Window(2).Done() })
			got := run(maxPool2)
			for i, name := range []string{"values", "gradient w.r.t. x"} {
				if d := convRelDiff(t, name, got[i], to64(want[i])); d > 1e-5 {
					t.Errorf("%s differ by %.3g > 1e-5", name, d)
				}
			}
		})
	}
}

// TestELUCF: eluCF equals nn's ELU (the activation the layers used) in values and gradient.
func TestELUCF(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	x := convRandom(rng, 4, 3, 5, 6)
	v := tensors.MustCopyFlatData[float32](x)
	v[0], v[1] = -1e-9, 1e-9 // (at exactly 0 nn.ELU's gradient is 0, through Min's at a tie; eluCF's is 1, the derivative, as PyTorch's)
	x = tensorOf(v, []int{4, 3, 5, 6})
	r := convRandom(rng, 4, 3, 5, 6)
	run := func(f func(x *Node) *Node) [][]float32 {
		exec, err := NewExec(be, func(x, r *Node) []*Node {
			y := f(x)
			return []*Node{y, Gradient(ReduceAllSum(Mul(y, r)), x)[0]}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Exec(x, r)
		if err != nil {
			t.Fatal(err)
		}
		return [][]float32{tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])}
	}
	want := run(func(x *Node) *Node { return act("elu", x) })
	got := run(eluCF)
	for i, name := range []string{"values", "gradient"} {
		if d := convRelDiff(t, name, got[i], to64(want[i])); d > 1e-6 {
			t.Errorf("%s differ by %.3g > 1e-6", name, d)
		}
	}
}

// TestConvAutoencoderMatchesGoMLXOps: the convolutional autoencoders (the report's, and a
// super-resolution one with 5×5 kernels and 10 → 5 → 2 pooling) give the same reconstructions and
// the same gradients of the reconstruction loss with respect to every variable as with GoMLX's
// Convolve and MaxPool (legacyConvOps), on inputs with constant regions (ties in the pooling).
func TestConvAutoencoderMatchesGoMLXOps(t *testing.T) {
	rep := ReportConvAutoencoder()
	rep.Dropout = 0
	sr := AutoencoderConfig{Input: []int{10, 10, 2}, Output: []int{20, 20, 2}, Conv: []ConvSpec{{6, 3}, {8, 5}}, Dense: []int{32},
		Latent: 4, Activation: "elu", OutputActivation: "tanhplus"}
	for name, cfg := range map[string]AutoencoderConfig{"report": rep, "superres": sr} {
		t.Run(name, func(t *testing.T) {
			a, err := FromConfig(cfg).Done()
			if err != nil {
				t.Fatal(err)
			}
			const n = 8
			rng := rand.New(rand.NewPCG(9, 10))
			x := make([]float32, n*a.InSize())
			for i := range x {
				if (i/a.Config.Input[1]/a.Config.Input[2])%6 > 2 { // bands of 3 rows of zeros
					x[i] = rng.Float32()
				}
			}
			if _, err := a.Encode(x[:a.InSize()]); err != nil { // creates the variables
				t.Fatal(err)
			}
			if _, err := a.Decode(make([]float32, a.Config.Latent)); err != nil {
				t.Fatal(err)
			}
			var vars []*model.Variable
			for v := range a.store.IterVariables() {
				if v.DType() != dtypes.Float32 || !strings.HasPrefix(v.Path(), "/autoencoder") {
					continue
				}
				vars = append(vars, v)
				if v.Name() == "biases" { // non-zero biases: no activation exactly at 0
					b := make([]float32, v.Shape().Size())
					for i := range b {
						b[i] = 0.1 * float32(rng.NormFloat64())
					}
					v.MustSetValue(tensorOf(b, v.Shape().Dimensions))
				}
			}
			xt := tensorOf(x, append([]int{n}, a.Config.Input...))
			y := make([]float32, n*a.OutSize())
			for i := range y {
				y[i] = rng.Float32()
			}
			yt := tensorOf(y, append([]int{n}, a.Config.Output...))
			run := func(legacy bool) [][]float32 {
				legacyConvOps = legacy
				defer func() { legacyConvOps = false }()
				exec, err := model.NewExec(a.backend, a.store, func(scope *model.Scope, x, y *Node) []*Node {
					pred := a.DecodeGraph(scope, a.EncodeGraph(scope, x))
					loss := lossFn("mse", pred, y)
					nodes := make([]*Node, len(vars))
					for i, v := range vars {
						nodes[i] = v.NodeValue(x.Graph())
					}
					return append([]*Node{pred}, Gradient(loss, nodes...)...)
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Exec(xt, yt)
				if err != nil {
					t.Fatal(err)
				}
				res := make([][]float32, len(out))
				for i, o := range out {
					res[i] = tensors.MustCopyFlatData[float32](o)
				}
				return res
			}
			want, got := run(true), run(false)
			for i := range want {
				what := "reconstruction"
				if i > 0 {
					what = "gradient w.r.t. " + vars[i-1].Path()
				}
				if d := convRelDiff(t, what, got[i], to64(want[i])); d > 1e-5 {
					t.Errorf("%s differs from GoMLX's ops by %.3g > 1e-5", what, d)
				}
			}
			t.Logf("%d variables, reconstruction and gradients equal", len(vars))
		})
	}
}

// convOutputs returns conv(x, kernel) and the gradients of Σ y·r with respect to x and the kernel.
func convOutputs(t *testing.T, be compute.Backend, x, kernel, r *tensors.Tensor, conv func(x, k *Node) *Node) [][]float32 {
	t.Helper()
	exec, err := NewExec(be, func(x, k, r *Node) []*Node {
		y := conv(x, k)
		grads := Gradient(ReduceAllSum(Mul(y, r)), x, k)
		return []*Node{y, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(x, kernel, r)
	if err != nil {
		t.Fatal(err)
	}
	return flatAll(t, out)
}

// flatAll returns the values of the tensors out.
func flatAll(t *testing.T, out []*tensors.Tensor) [][]float32 {
	t.Helper()
	res := make([][]float32, len(out))
	for i, o := range out {
		var err error
		if res[i], err = flatOf(o); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// sameConv checks that got(x, kernel) equals want(x, kernel) to 1e-5 (relative to the scale) in its
// values and in the gradients of Σ y·r with respect to x and the kernel.
func sameConv(t *testing.T, be compute.Backend, x, kernel, r *tensors.Tensor, want, got func(x, k *Node) *Node) {
	t.Helper()
	w, g := convOutputs(t, be, x, kernel, r, want), convOutputs(t, be, x, kernel, r, got)
	for i, name := range []string{"values", "gradient w.r.t. x", "gradient w.r.t. the kernel"} {
		if d := convRelDiff(t, name, g[i], to64(w[i])); d > 1e-5 {
			t.Errorf("%s differ by %.3g > 1e-5", name, d)
		}
	}
}

// TestUpConvCF: the sub-pixel convolution equals upsampling followed by the convolution (and
// crop), in values and gradients, for k = 1..5 and odd low-resolution sizes.
func TestUpConvCF(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ c, b, h, w, f, k, i0, j0, oh, ow int }{
		{3, 2, 3, 3, 4, 3, 0, 0, 6, 6}, {2, 2, 5, 4, 3, 5, 0, 0, 10, 8}, {4, 3, 3, 3, 2, 3, 2, 2, 2, 2},
		{2, 2, 3, 4, 3, 1, 0, 0, 6, 8}, {2, 2, 4, 3, 2, 2, 0, 0, 8, 6}, {2, 1, 4, 4, 2, 4, 0, 2, 8, 4},
		{3, 2, 12, 12, 4, 3, 2, 2, 20, 20}, {2, 2, 3, 3, 2, 3, 1, 1, 4, 4}, // odd crop offset: plain path
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			x := convRandom(rng, tc.c, tc.b, tc.h, tc.w)
			kernel := convRandom(rng, tc.k, tc.k, tc.c, tc.f)
			r := convRandom(rng, tc.f, tc.b, tc.oh, tc.ow)
			sameConv(t, be, x, kernel, r,
				func(x, k *Node) *Node { return convCFCrop(upsample2CF(x), k, tc.i0, tc.j0, tc.oh, tc.ow) },
				func(x, k *Node) *Node { return upConvCF(x, k, tc.i0, tc.j0, tc.oh, tc.ow) })
		})
	}
}

// TestConvPoolCF: the fused convolution and pooling equals maxPool2CF(convCF(...)) in values and in
// the gradients with respect to the input and the kernel, for even and odd sizes.
func TestConvPoolCF(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct{ c, b, h, w, f, k int }{
		{2, 3, 20, 20, 4, 3}, {3, 2, 5, 5, 2, 3}, {2, 2, 7, 6, 3, 5}, {1, 2, 4, 5, 2, 1}, {2, 1, 6, 4, 2, 2},
	} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			x := convRandom(rng, tc.c, tc.b, tc.h, tc.w)
			kernel := convRandom(rng, tc.k, tc.k, tc.c, tc.f)
			r := convRandom(rng, tc.f, tc.b, tc.h/2, tc.w/2)
			sameConv(t, be, x, kernel, r, func(x, k *Node) *Node { return maxPool2CF(convCF(x, k)) }, convPoolCF)
		})
	}
}
