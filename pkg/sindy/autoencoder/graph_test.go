package autoencoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// randMatrix returns rows × cols normal values times scale.
func randMatrix(r *rand.Rand, rows, cols int, scale float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = scale * r.NormFloat64()
		}
	}
	return m
}

func randVec(r *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// netParams are float64 weights of a 5-4-3-2 network.
type netParams struct {
	ws [][][]float64
	bs [][]float64
}

func newNet(r *rand.Rand, widths []int) netParams {
	var p netParams
	for i := 0; i+1 < len(widths); i++ {
		p.ws = append(p.ws, randMatrix(r, widths[i], widths[i+1], 1/math.Sqrt(float64(widths[i]))))
		p.bs = append(p.bs, randVec(r, widths[i+1], 0.3))
	}
	return p
}

func (p netParams) layers(g *graph.Graph) []Layer {
	var ls []Layer
	for i := range p.ws {
		ls = append(ls, Layer{W: graph.Const(g, p.ws[i]), B: graph.Const(g, p.bs[i])})
	}
	return ls
}

func flat(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// TestPropagateAgainstAutodiffAndFiniteDifferences checks ż = ∇φ(x)ẋ and z̈ for every activation:
// the first derivative against GoMLX's reverse-mode gradient (vᵀ ż = (∇φᵀ v)·ẋ) and against central
// differences along the curve x(t) = x + t ẋ + t²/2 ẍ; the second derivative against the second
// central difference along the same curve.
func TestPropagateAgainstAutodiffAndFiniteDifferences(t *testing.T) {
	b := modeltest.Backend(t)
	r := rand.New(rand.NewPCG(7, 8))
	const batch = 6
	widths := []int{5, 4, 3, 2}
	x, dx, ddx := randMatrix(r, batch, 5, 1), randMatrix(r, batch, 5, 1), randMatrix(r, batch, 5, 1)
	v := randMatrix(r, batch, 2, 1)
	for _, act := range []Activation{Sigmoid, ELU, ReLU, Linear} {
		net := newNet(r, widths)
		outs, err := graph.ExecOnceN(b, func(x, dx, ddx, v *Node) []*Node {
			g := x.Graph()
			ls := net.layers(g)
			z, dz, ddz := Propagate(ls, act, x, dx, ddx)
			_, dz1, none := Propagate(ls, act, x, dx, nil) // first-order path alone
			if none != nil {
				panic("second derivative without ddx")
			}
			grad := graph.Gradient(graph.ReduceAllSum(graph.Mul(z, v)), x)[0]
			lhs := graph.ReduceSum(graph.Mul(dz, v), 1)
			rhs := graph.ReduceSum(graph.Mul(dx, grad), 1)
			// Finite differences along the curve.
			const h = 1e-4
			at := func(s float64) *Node {
				xs := graph.Add(x, graph.Add(graph.MulScalar(dx, s), graph.MulScalar(ddx, s*s/2)))
				zz, _, _ := Propagate(ls, act, xs, nil, nil)
				return zz
			}
			zp, z0, zm := at(h), at(0), at(-h)
			fd1 := graph.DivScalar(graph.Sub(zp, zm), 2*h)
			fd2 := graph.DivScalar(graph.Add(graph.Sub(zp, graph.MulScalar(z0, 2)), zm), h*h)
			return []*Node{lhs, rhs, dz, dz1, fd1, ddz, fd2}
		}, x, dx, ddx, v)
		if err != nil {
			t.Fatalf("%s: %v", act, err)
		}
		lhs, rhs, dz, dz1, fd1, ddz, fd2 := flat(outs[0]), flat(outs[1]), flat(outs[2]), flat(outs[3]), flat(outs[4]), flat(outs[5]), flat(outs[6])
		for i := range lhs {
			if math.Abs(lhs[i]-rhs[i]) > 1e-12*(1+math.Abs(rhs[i])) {
				t.Errorf("%s: vᵀż = %g, autodiff (∇φᵀv)·ẋ = %g (sample %d)", act, lhs[i], rhs[i], i)
			}
		}
		for i := range dz {
			if dz[i] != dz1[i] {
				t.Errorf("%s: first derivative differs with and without the second-order path: %g vs %g", act, dz[i], dz1[i])
			}
			if math.Abs(dz[i]-fd1[i]) > 1e-6*(1+math.Abs(dz[i])) {
				t.Errorf("%s: ż[%d] = %g, finite difference %g", act, i, dz[i], fd1[i])
			}
			if math.Abs(ddz[i]-fd2[i]) > 1e-5*(1+math.Abs(ddz[i])) {
				t.Errorf("%s: z̈[%d] = %g, finite difference %g", act, i, ddz[i], fd2[i])
			}
		}
	}
}

func TestThetaMatchesLibrary(t *testing.T) {
	b := modeltest.Backend(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, lib := range []*sindy.Library{
		sindy.NewLibrary(3).Polynomial(3).MustLibrary(),
		sindy.NewLibrary(2).Polynomial(5).Sine().MustLibrary(),
		sindy.NewLibrary(1).Polynomial(0).MustLibrary(),
	} {
		z := randMatrix(r, 4, lib.NumVars(), 1)
		out, err := graph.ExecOnce(b, func(z *Node) *Node { return Theta(lib, z) }, z)
		if err != nil {
			t.Fatal(err)
		}
		got := flat(out)
		row := make([]float64, lib.Size())
		for i := range z {
			lib.EvalTo(z[i], row)
			for j := range row {
				if g := got[i*lib.Size()+j]; math.Abs(g-row[j]) > 1e-12*(1+math.Abs(row[j])) {
					t.Errorf("Θ[%d,%s] = %g, library %g", i, lib.Names()[j], g, row[j])
				}
			}
		}
	}
}

// TestWeightTapeGradients checks the training graph's gradients (weight gradients formed by the
// tape, see weightTape) against GoMLX's plain reverse-mode autodiff, for orders 1 and 2 with all
// loss terms active.
func TestWeightTapeGradients(t *testing.T) {
	b := modeltest.Backend(t)
	for _, tc := range []struct {
		order  int
		encAct Activation
	}{{1, ""}, {2, ""}, {1, Linear}, {2, ELU}} {
		order := tc.order
		r := rand.New(rand.NewPCG(3, uint64(order)))
		cfg := Paper()
		cfg.InputDim, cfg.Widths, cfg.LatentDim, cfg.ModelOrder = 6, []int{5, 4}, 2, order
		cfg.EncoderActivation = tc.encAct
		cfg.WeightSindyZ = []float64{0, 1e-2}[order-1]
		lib := sindy.NewLibrary(cfg.LatentDim * order).Polynomial(2).MustLibrary()
		encP := newNet(r, []int{6, 5, 4, 2})
		decP := newNet(r, []int{2, 4, 5, 6})
		xiV := randMatrix(r, lib.Size(), cfg.LatentDim, 0.5)
		maskV := randMatrix(r, lib.Size(), cfg.LatentDim, 0)
		for i := range maskV {
			for j := range maskV[i] {
				if (i+j)%3 != 0 {
					maskV[i][j] = 1
				}
			}
		}
		x, dx, ddx := randMatrix(r, 7, 6, 1), randMatrix(r, 7, 6, 1), randMatrix(r, 7, 6, 1)
		outs, err := graph.ExecOnceN(b, func(x, dx, ddx *Node) []*Node {
			g := x.Graph()
			enc, dec := encP.layers(g), decP.layers(g)
			xi, mask := graph.Const(g, xiV), graph.Const(g, maskV)
			var params []*Node
			for _, l := range append(append([]Layer{}, enc...), dec...) {
				params = append(params, l.W, l.B)
			}
			params = append(params, xi)
			var dd *Node
			xd := dx
			if order == 2 {
				dd, xd = ddx, ddx
			}
			tape := &weightTape{}
			lt := Loss(cfg, forward(cfg, lib, enc, dec, xi, mask, x, dx, dd, tape), x, xd, true).Total
			lp := Loss(cfg, forward(cfg, lib, enc, dec, xi, mask, x, dx, dd, nil), x, xd, true).Total
			gt := tape.Gradients(lt, params)
			gp := graph.Gradient(lp, params...)
			var res []*Node
			for i := range params {
				res = append(res, graph.ReduceAllMax(graph.Abs(graph.Sub(gt[i], gp[i]))), graph.ReduceAllMax(graph.Abs(gp[i])))
			}
			return res
		}, x, dx, ddx)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(outs); i += 2 {
			diff, scale := tensors.ToScalar[float64](outs[i]), tensors.ToScalar[float64](outs[i+1])
			if scale == 0 || diff > 1e-12*scale {
				t.Errorf("order %d, encoder activation %q: parameter %d: |tape - autodiff| = %g (gradient size %g)", order, tc.encAct, i/2, diff, scale)
			}
		}
	}
}
