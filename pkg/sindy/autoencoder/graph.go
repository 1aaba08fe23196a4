package autoencoder

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// Node is a GoMLX graph node.
type Node = graph.Node

// Layer is one dense layer h ↦ act(h W + b) in a graph: W is [in, out], B is [out].
type Layer struct{ W, B *Node }

// activation returns f(a), f'(a) and, when second is true, f”(a) (nn.Activation's closed forms);
// for Linear, f'(a) and f”(a) are nil, the identity Jacobian.
func activation(act Activation, a *Node, second bool) (f, f1, f2 *Node) {
	switch {
	case act == Linear:
		return a, nil, nil
	case second:
		return act.ApplyWithDerivatives(a)
	}
	f, f1 = act.ApplyWithDerivative(a)
	return f, f1, nil
}

// Propagate runs h through the dense layers (activation on all but the last, which is linear) and
// pushes the time derivatives through the chain rule in closed form: with a = h W + b,
//
//	ȧ = ḣ W,  ḣ' = f'(a) ⊙ ȧ,
//	ä = ḧ W,  ḧ' = f''(a) ⊙ ȧ² + f'(a) ⊙ ä.
//
// dh may be nil (no derivatives); ddh may be nil (first order only). It returns the output and its
// first and second time derivatives (nil when not requested). This is ż = ∇φ(x) ẋ for the encoder
// and ẋ = ∇ψ(z) ż for the decoder, as in Champion et al.'s z_derivative functions.
func Propagate(layers []Layer, act Activation, h, dh, ddh *Node) (out, dout, ddout *Node) {
	return propagate(layers, act, h, dh, ddh, nil, nil)
}

// propagate is Propagate; with tapes, the weight gradients of the state products (tape) and of the
// derivative products (dtape) are left to them (see weightTape). A derivative path that cannot
// influence the loss should get a nil dtape.
func propagate(layers []Layer, act Activation, h, dh, ddh *Node, tape, dtape *weightTape) (out, dout, ddout *Node) {
	second := ddh != nil
	for i, l := range layers {
		last := i == len(layers)-1
		a := tape.dense(h, l.W, l.B)
		var da, dda *Node
		if dh != nil {
			switch {
			case second && dtape == nil:
				// One matmul for both derivatives: [ḣ; ḧ] W.
				n := dh.Shape().Dimensions[0]
				both := graph.Dot(graph.Concatenate([]*Node{dh, ddh}, 0), l.W).Product()
				da = graph.Slice(both, graph.AxisRange(0, n))
				dda = graph.Slice(both, graph.AxisRange(n, 2*n))
			case second:
				da, dda = dtape.dense(dh, l.W, nil), dtape.dense(ddh, l.W, nil)
			default:
				da = dtape.dense(dh, l.W, nil)
			}
		}
		if last {
			h, dh, ddh = a, da, dda
			break
		}
		f, f1, f2 := activation(act, a, second)
		h = f
		if dh == nil {
			continue
		}
		if f1 == nil { // linear
			dh, ddh = da, dda
			continue
		}
		ndh := graph.Mul(f1, da)
		if second {
			ddh = graph.Mul(f1, dda)
			if f2 != nil {
				ddh = graph.Add(ddh, graph.Mul(f2, graph.Square(da)))
			}
		}
		dh = ndh
	}
	return h, dh, ddh
}

// weightTape makes the weight gradients of dense layers cheap on the pure-Go backend. GoMLX's
// reverse-mode rule for y = h W computes ∂L/∂W = hᵀ v as a contraction over the batch axis of both
// h [batch, in] and v = ∂L/∂y [batch, out]; the backend's matmul wants the contracted axis last on its
// left operand, so it transposes both big activations, for every layer and every derivative path.
// With a tape, W enters each product through StopGradient, Gradients asks graph.Gradient for the
// adjoint v of every recorded product y and forms hᵀ v itself, transposing only the narrower of h
// and v (the 3-, 32- or 64-wide side instead of both).
type weightTape struct {
	recs []tapeRec
}

type tapeRec struct {
	w, b, h, y *Node
}

// dense returns h W (+ b). A nil tape is the plain product.
func (t *weightTape) dense(h, w, b *Node) *Node {
	if t == nil {
		a := graph.Dot(h, w).Product()
		if b != nil {
			a = graph.Add(a, graph.ExpandAxes(b, 0))
		}
		return a
	}
	y := graph.Dot(h, graph.StopGradient(w)).Product()
	a := y
	if b != nil {
		// The bias gradient is the column sum of the adjoint, which Gradients forms as a
		// ones-row matmul (the backend's generic axis-0 reduction is slower).
		a = graph.Add(y, graph.ExpandAxes(graph.StopGradient(b), 0))
	}
	t.recs = append(t.recs, tapeRec{w: w, b: b, h: h, y: y})
	return a
}

// Gradients returns ∂loss/∂x for every node in xs: weights recorded by the tape get Σ hᵀ v over their
// products, everything else comes from graph.Gradient.
func (t *weightTape) Gradients(loss *Node, xs []*Node) []*Node {
	taped := map[*Node]bool{}
	for _, r := range t.recs {
		taped[r.w] = true
		if r.b != nil {
			taped[r.b] = true
		}
	}
	var wrt []*Node
	for _, x := range xs {
		if !taped[x] {
			wrt = append(wrt, x)
		}
	}
	nOthers := len(wrt)
	for _, r := range t.recs {
		wrt = append(wrt, r.y)
	}
	all := graph.Gradient(loss, wrt...)
	byNode := map[*Node]*Node{}
	for i := range nOthers {
		byNode[wrt[i]] = all[i]
	}
	for k, r := range t.recs {
		v := all[nOthers+k]
		in, out := r.h.Shape().Dimensions[1], v.Shape().Dimensions[1]
		var gw *Node
		if out <= in {
			// (vᵀ h)ᵀ: transpose the narrow adjoint, matmul in the backend's native layout.
			gw = graph.Transpose(graph.Dot(graph.Transpose(v, 0, 1), r.h).Product(), 0, 1)
		} else {
			gw = graph.Dot(graph.Transpose(r.h, 0, 1), v).Product()
		}
		if prev := byNode[r.w]; prev != nil {
			gw = graph.Add(prev, gw)
		}
		byNode[r.w] = gw
		if r.b != nil {
			ones := graph.Ones(v.Graph(), shapes.Make(v.DType(), 1, v.Shape().Dimensions[0]))
			gb := graph.Reshape(graph.Dot(ones, v).Product(), out)
			if prev := byNode[r.b]; prev != nil {
				gb = graph.Add(prev, gb)
			}
			byNode[r.b] = gb
		}
	}
	grads := make([]*Node, len(xs))
	for i, x := range xs {
		grads[i] = byNode[x]
		if grads[i] == nil {
			grads[i] = graph.ZerosLike(x)
		}
	}
	return grads
}

// Theta evaluates the library Θ(z) in the graph: z is [batch, NumVars], the result [batch, Size()],
// columns in the library's order. Monomials are built incrementally (each one a product of a lower
// one and one variable); sines use graph.Sin. Custom (user-function) terms are not supported in graphs.
func Theta(lib *sindy.Library, z *Node) *Node {
	g := z.Graph()
	n := lib.NumVars()
	batch := z.Shape().Dimensions[0]
	vars := make([]*Node, n)
	for i := range n {
		vars[i] = graph.Slice(z, graph.AxisRange(), graph.AxisRange(i, i+1))
	}
	mono := map[string]*Node{}
	var get func(pw []int) *Node
	get = func(pw []int) *Node {
		k := string(intsKey(pw))
		if v, ok := mono[k]; ok {
			return v
		}
		// Remove one power of the last variable that has one.
		j := len(pw) - 1
		for j >= 0 && pw[j] == 0 {
			j--
		}
		var v *Node
		if j < 0 {
			v = graph.Ones(g, shapes.Make(z.DType(), batch, 1))
		} else {
			lower := append([]int(nil), pw...)
			lower[j]--
			if isZero(lower) {
				v = vars[j]
			} else {
				v = graph.Mul(get(lower), vars[j])
			}
		}
		mono[k] = v
		return v
	}
	cols := make([]*Node, 0, lib.Size())
	for _, t := range lib.Terms() {
		switch {
		case t.Powers != nil:
			cols = append(cols, get(t.Powers))
		case t.Sine >= 0:
			cols = append(cols, graph.Sin(vars[t.Sine]))
		default:
			exceptions.Panicf("autoencoder: library term %q is a user function, which cannot run in a graph", t.Name)
		}
	}
	return graph.Concatenate(cols, 1)
}

func intsKey(pw []int) []byte {
	b := make([]byte, len(pw))
	for i, p := range pw {
		b[i] = byte(p)
	}
	return b
}

func isZero(pw []int) bool {
	for _, p := range pw {
		if p != 0 {
			return false
		}
	}
	return true
}

// Outputs are the nodes of one forward pass of the SINDy autoencoder.
type Outputs struct {
	Z       *Node // Latent state z = φ(x).
	ZDeriv  *Node // Encoder derivative: ż = ∇φ(x) ẋ (order 1) or z̈ (order 2).
	ZPred   *Node // SINDy prediction Θ(z) (Ξ ⊙ mask) of ZDeriv.
	XHat    *Node // Reconstruction ψ(z).
	XPred   *Node // Decoded derivative prediction: ∇ψ(z) ZPred (order 1) or the ẍ of order 2.
	Xi      *Node // Ξ (unmasked), [library, latent].
	DZ      *Node // ż (order 2 only; nil for order 1).
	Library *Node // Θ(z) (or Θ(z, ż)).
}

// Forward builds the SINDy autoencoder's forward pass from the encoder and decoder layers, Ξ and the
// mask: x, dx (and ddx for order 2) are [batch, InputDim]; mask is [library, latent] of 0/1.
func Forward(cfg Config, lib *sindy.Library, enc, dec []Layer, xi, mask, x, dx, ddx *Node) Outputs {
	return forward(cfg, lib, enc, dec, xi, mask, x, dx, ddx, nil)
}

func forward(cfg Config, lib *sindy.Library, enc, dec []Layer, xi, mask, x, dx, ddx *Node, tape *weightTape) Outputs {
	var o Outputs
	o.Xi = xi
	coef := graph.Mul(xi, mask)
	if cfg.ModelOrder == 1 {
		// With λ2 = 0 the encoder's ż only feeds the monitoring output, not the loss.
		dtape := tape
		if cfg.WeightSindyZ == 0 {
			dtape = nil
		}
		o.Z, o.ZDeriv, _ = propagate(enc, cfg.encoderActivation(), x, dx, nil, tape, dtape)
		o.Library = Theta(lib, o.Z)
		o.ZPred = graph.Dot(o.Library, coef).Product()
		o.XHat, o.XPred, _ = propagate(dec, cfg.Activation, o.Z, o.ZPred, nil, tape, tape)
		return o
	}
	o.Z, o.DZ, o.ZDeriv = propagate(enc, cfg.encoderActivation(), x, dx, ddx, tape, tape)
	o.Library = Theta(lib, graph.Concatenate([]*Node{o.Z, o.DZ}, 1))
	o.ZPred = graph.Dot(o.Library, coef).Product()
	o.XHat, _, o.XPred = propagate(dec, cfg.Activation, o.Z, o.DZ, o.ZPred, tape, tape)
	return o
}

// Losses are the loss terms of one batch (scalars).
type Losses struct {
	Total, Decoder, SindyX, SindyZ, L1 *Node
}

// Loss is Champion et al.'s loss: w_dec·mean(x - x̂)² + λ1·mean(ẋ - ẋ̂)² + λ2·mean(ż - Θ(z)Ξ)² + λ3·mean|Ξ|
// (with ẍ, z̈ for order 2). The L1 term covers all of Ξ, masked entries included (as in the paper);
// withL1 = false drops it (refinement). xd is ẋ (order 1) or ẍ (order 2).
func Loss(cfg Config, o Outputs, x, xd *Node, withL1 bool) Losses {
	var l Losses
	l.Decoder = graph.ReduceAllMean(graph.Square(graph.Sub(x, o.XHat)))
	l.SindyX = graph.ReduceAllMean(graph.Square(graph.Sub(xd, o.XPred)))
	l.SindyZ = graph.ReduceAllMean(graph.Square(graph.Sub(o.ZDeriv, o.ZPred)))
	l.L1 = graph.ReduceAllMean(graph.Abs(o.Xi))
	total := graph.MulScalar(l.Decoder, cfg.WeightDecoder)
	if cfg.WeightSindyX != 0 {
		total = graph.Add(total, graph.MulScalar(l.SindyX, cfg.WeightSindyX))
	}
	if cfg.WeightSindyZ != 0 {
		total = graph.Add(total, graph.MulScalar(l.SindyZ, cfg.WeightSindyZ))
	}
	if withL1 && cfg.WeightL1 != 0 {
		total = graph.Add(total, graph.MulScalar(l.L1, cfg.WeightL1))
	}
	l.Total = total
	return l
}
