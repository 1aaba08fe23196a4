package led

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/ml/model"
)

// Convolutions and pooling of the convolutional autoencoder, written for the pure-Go backend.
//
// GoMLX's Convolve and MaxPool lower to ConvGeneral, ReduceWindow and SelectAndScatter, which the
// pure-Go backend (github.com/gomlx/compute v0.1.6) runs as scalar loops: a training step of the
// report's network spent ~85% of its time there (issue #20). Here the convolution stack runs
// channels-first ([C, B, H, W]) and a same-padded k×k convolution is one matrix product of the
// kernel [F, C·k²] with the patch matrix [C·k², R], whose rows are the flattened input shifted by
// each of the k² kernel offsets (one Concatenate, which the backend runs as block copies). Its
// gradients are given by hand (IdentityWithCustomGradient, see convCF): products with the stacked
// shifts of the output gradient, which the backend also runs on its SIMD matrix product. The
// decoder's upsampling + convolution is a sub-pixel convolution of the low-resolution map
// (upConvCF; for 3×3 kernels a 2×2 convolution per output phase, upConvPhasesCF), the encoder's
// convolution and pooling are computed together (convPoolCF), pooling (maxPool2CF), ELU (eluCF)
// and the bias (addBiasCF) have explicit gradients, and the encoder pools before its bias and ELU. The variables (kernel [k, k, C, F], biases [F]) and the
// values are those of Convolve(x, kernel).PadSame() and MaxPool(x).Window(2) (tests to 1e-5 in
// values and gradients), so checkpoints carry over; BenchmarkReportConvAutoencoderStep measures it.

// legacyConvOps makes the convolutional blocks use GoMLX's Convolve and MaxPool (channels-last,
// the formulation before issue #20): only for tests and the side-by-side benchmark.
var legacyConvOps = false

// toCF transposes x [B, H, W, C] to channels-first [C, B, H, W]; fromCF is its inverse.
func toCF(x *Node) *Node   { return TransposeAllAxes(x, 3, 0, 1, 2) }
func fromCF(x *Node) *Node { return TransposeAllAxes(x, 1, 2, 3, 0) }

// zeroExtend appends `before` zeros before and `after` zeros after x along axis (a Concatenate).
func zeroExtend(x *Node, axis, before, after int) *Node {
	if before == 0 && after == 0 {
		return x
	}
	parts := make([]*Node, 0, 3)
	zeros := func(n int) *Node {
		dims := x.Shape().Clone().Dimensions
		dims[axis] = n
		return Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
	}
	if before > 0 {
		parts = append(parts, zeros(before))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, zeros(after))
	}
	return Concatenate(parts, axis)
}

// cfGrid is the flat grid a channels-first convolution of x [C, B, H, W] with a kh×kw kernel
// (PadSame: lo = (k-1)/2 zeros before, hi = k/2 after, per axis) works on. Each image is stored in
// a block of Hp×Wp = (H+hiH)×(W+hiW) positions, the data at the top left and zeros in the last hi
// rows and columns, which serve as the zeros after this row (image) and before the next one (lo ≤
// hi); the blocks are flattened to X [C, M], M = B·Hp·Wp, position m(b, i, j) = b·Hp·Wp + i·Wp + j.
// The kernel offset o = (dy, dx) reads X at m + off(o), off(o) = (dy-loH)·Wp + dx-loW, between
// omin = -(loH·Wp + loW) and omax = hiH·Wp + hiW; span = omax - omin.
type cfGrid struct {
	b, h, w, kh, kw, loH, loW, hiH, hiW, hp, wp int
	span, pre                                   int // pre: whole blocks ≥ span
	// The outputs computed: rows [oi, oi+oh) and columns [oj, oj+ow) (all by default; a crop).
	oi, oj, oh, ow int
}

func newCFGrid(b, h, w, kh, kw int) cfGrid {
	gr := cfGrid{b: b, h: h, w: w, kh: kh, kw: kw, loH: (kh - 1) / 2, loW: (kw - 1) / 2, hiH: kh / 2, hiW: kw / 2}
	gr.hp, gr.wp = h+gr.hiH, w+gr.hiW
	gr.span = (kh-1)*gr.wp + kw - 1
	gr.pre = (gr.span + gr.hp*gr.wp - 1) / (gr.hp * gr.wp)
	gr.oh, gr.ow = h, w
	return gr
}

func (gr cfGrid) block() int { return gr.hp * gr.wp }
func (gr cfGrid) m() int     { return gr.b * gr.block() }

// r is the number of columns of the patch matrix: (B + pre) blocks.
func (gr cfGrid) r() int { return (gr.b + gr.pre) * gr.block() }

// off is the offset of kernel tap (dy, dx) from the output position in X.
func (gr cfGrid) off(dy, dx int) int { return (dy-gr.loH)*gr.wp + dx - gr.loW }

// shiftStack returns the rows of x [n, L] shifted right by before(dy, dx) zeros, for each tap in
// the order (dy, dx), each padded with zeros to total columns: [n·kh·kw, total] with rows (i, dy, dx). It is
// one Concatenate along the last axis (so each row of the result is written by block copies),
// reshaped.
func (gr cfGrid) shiftStack(x *Node, total int, before func(dy, dx int) int) *Node {
	n, l := x.Shape().Dim(0), x.Shape().Dim(1)
	zeros := func(k int) *Node { return Zeros(x.Graph(), shapes.Make(x.DType(), n, k)) }
	parts := make([]*Node, 0, 2*gr.kh*gr.kw+1)
	gap := 0 // zeros owed before the next copy
	for dy := range gr.kh {
		for dx := range gr.kw {
			if gap += before(dy, dx); gap > 0 {
				parts = append(parts, zeros(gap))
			}
			parts = append(parts, x)
			gap = total - l - before(dy, dx)
		}
	}
	if gap > 0 {
		parts = append(parts, zeros(gap))
	}
	return Reshape(Concatenate(parts, 1), n*gr.kh*gr.kw, total)
}

// patchesCF returns the patch matrix [C·kh·kw, R] and the flattened input X [C, M] of x [C, B, H, W]:
// row (c, dy, dx), column r holds X[c, r - omax + off(dy, dx)] (zero outside X), so that output
// (b, i, j), which reads X[m(b, i, j) + off], is column m(b, i, j) + omax.
func patchesCF(x *Node, gr cfGrid) (patches, flat *Node) {
	c := x.Shape().Dim(0)
	xp := zeroExtend(zeroExtend(x, 3, 0, gr.hiW), 2, 0, gr.hiH)
	flat = Reshape(xp, c, gr.m())
	omax := gr.hiH*gr.wp + gr.hiW
	return gr.shiftStack(flat, gr.r(), func(dy, dx int) int { return omax - gr.off(dy, dx) }), flat
}

// cfOutput extracts the outputs [F, B, oh, ow] from the product [F, R] of a kernel with patchesCF.
func cfOutput(y *Node, gr cfGrid) *Node {
	f := y.Shape().Dim(0)
	y = Reshape(y, f, gr.b+gr.pre, gr.hp, gr.wp)
	i0, j0 := gr.hiH+gr.oi, gr.hiW+gr.oj
	return Slice(y, AxisRange(), AxisRange(0, gr.b), AxisRange(i0, i0+gr.oh), AxisRange(j0, j0+gr.ow))
}

// cfEmbed places v [F, B, oh, ow] at the output columns of the patch matrix: [F, R], zeros elsewhere.
func cfEmbed(v *Node, gr cfGrid) *Node {
	f := v.Shape().Dim(0)
	i0, j0 := gr.hiH+gr.oi, gr.hiW+gr.oj
	v = zeroExtend(v, 3, j0, gr.wp-j0-gr.ow)
	v = zeroExtend(v, 2, i0, gr.hp-i0-gr.oh)
	v = zeroExtend(v, 1, 0, gr.pre)
	return Reshape(v, f, gr.r())
}

// convCF is the same-padded (as Convolve's PadSame: (k-1)/2 before, k/2 after), stride-1 2-D
// cross-correlation of x [C, B, H, W] with kernel [kh, kw, C, F]: y [F, B, H, W], with the
// gradients given as matrix products (see the top of this file).
//
// Forward (patchesCF): y[f, r] = Σ_{c,o} K[f, c, o]·X[c, r - omax + off(o)]. With v the output's
// gradient placed on the same columns (cfEmbed) and the k² shifts of v stacked,
// V[(f, o), t] = v[f, t - e - (off(o) - omin)] (one Concatenate), both gradients are products
// with V:
//
//	dL/dx[c, t - D]  = Σ_{f,o} K[f, c, o]·V[(f, o), t]
//	dL/dK[f, c, o]   = Σ_t V[(f, o), t]·X[c, t - D]
//
// where D = e + span is a whole number of blocks, so that dL/dx of (b, i, j) is column
// (b + D/block)·Hp·Wp + i·Wp + j. When x needs no gradient (the first layer), dL/dK = v·patchesᵀ
// instead, which needs no V.
func convCF(x, kernel *Node) *Node {
	return convCFCrop(x, kernel, 0, 0, x.Shape().Dim(2), x.Shape().Dim(3))
}

// convCFCrop is convCF computing only the outputs of rows [i0, i0+oh) and columns [j0, j0+ow):
// [F, B, oh, ow], the convolution followed by a crop.
func convCFCrop(x, kernel *Node, i0, j0, oh, ow int) *Node {
	kd := kernel.Shape().Dimensions
	d := x.Shape().Dimensions
	gr := newCFGrid(d[1], d[2], d[3], kd[0], kd[1])
	gr.oi, gr.oj, gr.oh, gr.ow = i0, j0, oh, ow
	return convCFCore(x, kernel, gr, func(y *Node) *Node { return cfOutput(y, gr) }, func(v *Node) *Node { return cfEmbed(v, gr) })
}

// convPoolCF is maxPool2CF(convCF(x, kernel)) computed together: the four 2×2 pooling phases are
// read from the product's columns by strided slices (instead of the crop, then the pairs of the
// pooling), and the gradient goes to the first maximum of each window in row-major order, as
// maxPool2CF sends it.
func convPoolCF(x, kernel *Node) *Node {
	kd := kernel.Shape().Dimensions
	d := x.Shape().Dimensions
	gr := newCFGrid(d[1], d[2], d[3], kd[0], kd[1])
	h2, w2 := gr.h/2, gr.w/2
	var p00, p01, p10, p11, mt, mb *Node
	extract := func(y *Node) *Node {
		f := y.Shape().Dim(0)
		y = Reshape(y, f, gr.b+gr.pre, gr.hp, gr.wp)
		phase := func(a, b int) *Node {
			i, j := gr.hiH+a, gr.hiW+b
			return Slice(y, AxisRange(), AxisRange(0, gr.b), AxisRange(i, i+2*h2).Stride(2), AxisRange(j, j+2*w2).Stride(2))
		}
		p00, p01, p10, p11 = phase(0, 0), phase(0, 1), phase(1, 0), phase(1, 1)
		mt, mb = Max(p00, p01), Max(p10, p11)
		return Max(mt, mb)
	}
	embed := func(v *Node) *Node {
		f := v.Shape().Dim(0)
		// v split by 0/1 masks of the first maximum (a product and a difference: ~5x cheaper than Where).
		split := func(v, a, b *Node) (*Node, *Node) {
			first := Mul(v, ConvertDType(GreaterOrEqual(a, b), v.DType()))
			return first, Sub(v, first)
		}
		vt, vb := split(v, mt, mb)
		v00, v01 := split(vt, p00, p01)
		v10, v11 := split(vb, p10, p11)
		one := func(n *Node) *Node { return Reshape(n, 1, f, gr.b, h2, w2) }
		vs := Reshape(Concatenate([]*Node{one(v00), one(v01), one(v10), one(v11)}, 0), 2, 2, f, gr.b, h2, w2)
		vu := Reshape(TransposeAllAxes(vs, 2, 3, 4, 0, 5, 1), f, gr.b, 2*h2, 2*w2) // [f, B, i, a, j, b]
		vu = zeroExtend(zeroExtend(vu, 3, 0, gr.w-2*w2), 2, 0, gr.h-2*h2)          // odd sizes: the dropped row and column
		return cfEmbed(vu, gr)
	}
	return convCFCore(x, kernel, gr, extract, embed)
}

// convCFCore is the convolution of x [C, B, H, W] with kernel [kh, kw, C, F] on the grid gr (see
// convCF): the product y [F, R] of the kernel with the patch matrix, whose outputs extract reads,
// and the gradients given as products, with embed placing the gradient of extract's output on y's
// columns ([F, R], zeros elsewhere).
//
// Forward (patchesCF): y[f, r] = Σ_{c,o} K[f, c, o]·X[c, r - omax + off(o)]. With v the output's
// gradient placed on the same columns (embed) and the k² shifts of v stacked,
// V[(f, o), t] = v[f, t - e - (off(o) - omin)] (one Concatenate), both gradients are products
// with V:
//
//	dL/dx[c, t - D]  = Σ_{f,o} K[f, c, o]·V[(f, o), t]
//	dL/dK[f, c, o]   = Σ_t V[(f, o), t]·X[c, t - D]
//
// where D = e + span is a whole number of blocks, so that dL/dx of (b, i, j) is column
// (b + D/block)·Hp·Wp + i·Wp + j. When x needs no gradient (the first layer), dL/dK = v·patchesᵀ
// instead, which needs no V.
func convCFCore(x, kernel *Node, gr cfGrid, extract, embed func(*Node) *Node) *Node {
	kd := kernel.Shape().Dimensions
	kh, kw, c, f := kd[0], kd[1], kd[2], kd[3]
	nd := max(gr.pre, 1)                   // D in blocks
	e := nd*gr.block() - gr.span           // ≥ 0
	t := (gr.b + gr.pre + nd) * gr.block() // columns of V: R + D
	omin := gr.off(0, 0)
	// v: the output's gradient (set first in the backward pass); xflat, patches: the forward's X and
	// patch matrix; vcols: v on the product's columns; shifted: V, built by whichever gradient is
	// asked for first.
	var v, xflat, patches, vcols, shifted *Node
	vCols := func() *Node {
		if vcols == nil {
			vcols = embed(v)
		}
		return vcols
	}
	shiftedV := func() *Node {
		if shifted == nil {
			shifted = gr.shiftStack(vCols(), t, func(dy, dx int) int { return e + gr.off(dy, dx) - omin })
		}
		return shifted
	}
	// kg is created before xg so that the reverse pass, which visits nodes from the last created,
	// asks for x's gradient (building V) before the kernel's.
	kg := IdentityWithCustomGradient(kernel, func(_, vk *Node) *Node {
		if v == nil {
			return vk
		}
		if shifted == nil { // x needs no gradient: dL/dK [F, C·kh·kw] = v [F, R] · patchesᵀ
			dwt := DotGeneral(vCols(), []int{1}, nil, patches, []int{1}, nil)
			return TransposeAllAxes(Reshape(dwt, f, c, kh, kw), 2, 3, 1, 0)
		}
		xs := zeroExtend(xflat, 1, nd*gr.block(), t-nd*gr.block()-gr.m()) // X[c, t - D]
		dw := DotGeneral(shifted, []int{1}, nil, xs, []int{1}, nil)       // [F·kh·kw, C]
		return TransposeAllAxes(Reshape(dw, f, kh, kw, c), 1, 2, 3, 0)
	})
	xg := IdentityWithCustomGradient(x, func(_, vx *Node) *Node {
		if v == nil {
			return vx
		}
		kr := Reshape(TransposeAllAxes(kernel, 2, 3, 0, 1), c, f*kh*kw) // [C, F·kh·kw]
		dx := Reshape(Dot(kr, shiftedV()).Product(), c, t/gr.block(), gr.hp, gr.wp)
		return Slice(dx, AxisRange(), AxisRange(nd, nd+gr.b), AxisRange(0, gr.h), AxisRange(0, gr.w))
	})
	wt := Reshape(TransposeAllAxes(kg, 3, 2, 0, 1), f, c*kh*kw)
	patches, xflat = patchesCF(xg, gr)
	y := extract(Dot(wt, patches).Product())
	return IdentityWithCustomGradient(y, func(_, vy *Node) *Node {
		v = vy
		return vy
	})
}

// convSame2D is the same-padded 2-D convolution of x [B, H, W, C] with kernel [k, k, C, F], channels
// last: Convolve(x, kernel).PadSame().Done() computed as convCF.
func convSame2D(x, kernel *Node) *Node {
	if legacyConvOps {
		return Convolve(x, kernel).PadSame().Done()
	}
	return fromCF(convCF(toCF(x), kernel))
}

// conv2dCF is conv2d on channels-first x [C, B, H, W]: the same variables ("weights" [k, k, C, F],
// "biases" [F]) and values.
func conv2dCF(scope *model.Scope, x *Node, filters, k int) *Node {
	return conv2dCFCrop(scope, x, filters, k, 0, 0, x.Shape().Dim(2), x.Shape().Dim(3))
}

// conv2dCFCrop is conv2dCF followed by the crop to rows [i0, i0+oh), columns [j0, j0+ow), computing
// only those outputs.
func conv2dCFCrop(scope *model.Scope, x *Node, filters, k, i0, j0, oh, ow int) *Node {
	g := x.Graph()
	c := x.Shape().Dim(0)
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, c, filters)).NodeValue(g)
	b := scope.VariableWithValue("biases", make([]float32, filters)).NodeValue(g)
	return addBiasCF(convCFCrop(x, kernel, i0, j0, oh, ow), b)
}

// conv2dPoolCF is maxPool2CF(conv2dCF(...)) with the same variables: the convolution and the pooling
// computed together (convPoolCF), the bias added after the pooling (the maximum commutes with it).
func conv2dPoolCF(scope *model.Scope, x *Node, filters, k int) *Node {
	g := x.Graph()
	c := x.Shape().Dim(0)
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, c, filters)).NodeValue(g)
	b := scope.VariableWithValue("biases", make([]float32, filters)).NodeValue(g)
	return addBiasCF(convPoolCF(x, kernel), b)
}

// addBiasCF adds b [F] to y [F, B, H, W], with b's gradient Σ v over (B, H, W) as a product with
// a constant row of ones (the backend's SIMD matrix-vector product; its reductions are ~10x slower).
func addBiasCF(y, b *Node) *Node {
	f := y.Shape().Dim(0)
	n := y.Shape().Size() / f
	var v *Node
	bg := IdentityWithCustomGradient(b, func(_, vb *Node) *Node {
		if v == nil {
			return vb
		}
		ones := make([]float32, n)
		for i := range ones {
			ones[i] = 1
		}
		onesRow := ConvertDType(Const(v.Graph(), [][]float32{ones}), v.DType())
		return Reshape(DotGeneral(onesRow, []int{1}, nil, Reshape(v, f, n), []int{1}, nil), f)
	})
	out := Add(y, Reshape(bg, f, 1, 1, 1))
	return IdentityWithCustomGradient(out, func(_, vy *Node) *Node {
		v = vy
		return vy
	})
}

// withGradient returns f(x) with the gradient with respect to x given by grad(y, v) (y = f(x),
// v the gradient with respect to y) instead of the automatic differentiation of f. (The reverse
// pass meets the output first, so v is known when x's gradient is asked for; the automatic
// gradient of f, never used, is left out of the compiled graph.)
func withGradient(x *Node, f func(x *Node) *Node, grad func(y, v *Node) *Node) *Node {
	var y, v *Node
	xi := IdentityWithCustomGradient(x, func(_, vx *Node) *Node {
		if v == nil {
			return vx
		}
		return grad(y, v)
	})
	y = f(xi)
	return IdentityWithCustomGradient(y, func(_, vy *Node) *Node {
		v = vy
		return vy
	})
}

// eluCF is ELU (α = 1): max(x, e^min(x, 0) - 1), which is x for x > 0 and eˣ - 1 otherwise, with
// the gradient v·(min(y, 0) + 1) written from the output y: 4 element-wise operations forward
// and 3 backward instead of nn's ELU (Where and its gradient, ~5x slower on the pure-Go backend).
func eluCF(x *Node) *Node {
	return withGradient(x, func(x *Node) *Node {
		return Max(x, AddScalar(Exp(MinScalar(x, 0)), -1))
	}, func(y, v *Node) *Node {
		return Mul(v, AddScalar(MinScalar(y, 0), 1))
	})
}

// convAct is the activation of the convolutional blocks: eluCF for ELU (CELU), act otherwise.
func convAct(name string, x *Node) *Node {
	if a := activation(name); a == "elu" || a == "celu" {
		return eluCF(x)
	}
	return act(name, x)
}

// maxPool2CF is 2×2 max pooling with stride 2 of channels-first x [C, B, H, W], sizes floored
// (5 → 2: the last row and column of an odd size are dropped), as MaxPool(x).Window(2) on the
// channels-last layout: the maximum of each pair along W, then along H. The gradient goes to the
// first maximum of each window in row-major order, as SelectAndScatter sends it.
func maxPool2CF(x *Node) *Node {
	d := x.Shape().Dimensions
	c, b, h, w := d[0], d[1], d[2], d[3]
	h2, w2 := h/2, w/2
	if h != 2*h2 || w != 2*w2 {
		x = Slice(x, AxisRange(), AxisRange(), AxisRange(0, 2*h2), AxisRange(0, 2*w2))
	}
	x = Reshape(x, c*b*h2, 2, w2, 2)
	all := AxisRange()
	var left, right, top, bottom *Node
	y := withGradient(x, func(x *Node) *Node {
		left, right = Slice(x, all, all, all, AxisRange(0, 1)), Slice(x, all, all, all, AxisRange(1, 2)) // [CBh, 2, w, 1]
		m := Max(left, right)
		top, bottom = Slice(m, all, AxisRange(0, 1)), Slice(m, all, AxisRange(1, 2)) // [CBh, 1, w, 1]
		return Max(top, bottom)
	}, func(_, v *Node) *Node {
		// v split by 0/1 masks of the first maximum (a product and a difference: ~5x cheaper than Where).
		split := func(v, a, b *Node) (*Node, *Node) {
			first := Mul(v, ConvertDType(GreaterOrEqual(a, b), v.DType()))
			return first, Sub(v, first)
		}
		vt, vb := split(v, top, bottom)
		vh := Concatenate([]*Node{vt, vb}, 1) // [CBh, 2, w, 1]
		vl, vr := split(vh, left, right)
		return Concatenate([]*Node{vl, vr}, 3)
	})
	return Reshape(y, c, b, h2, w2)
}

// maxPool2 is maxPool2CF on channels-last x [B, H, W, C]: MaxPool(x).Window(2).Done().
func maxPool2(x *Node) *Node {
	if legacyConvOps {
		return MaxPool(x).Window(2).Done()
	}
	return fromCF(maxPool2CF(toCF(x)))
}

// upConv2dCF is conv2dCFCrop of upsample2CF(x): the decoder's 2× nearest-neighbour upsampling
// followed by a same-padded k×k convolution (and a crop to rows [i0, i0+oh), columns [j0, j0+ow)
// of the upsampled grid), computed on the low-resolution x (sub-pixel convolution): output pixel
// (2i+a, 2j+b) only reads x around (i, j), through the taps of the kernel that fall on each
// neighbour, so it is a same-padded k'×k' convolution of x (k' = 3 for k = 3, 4, 5) with 4F
// outputs, one per (a, b, f), whose kernel sums the original taps; the four phases are then
// interleaved. That reads x's patches at a quarter of the positions and skips the upsampled
// tensor and its gradient. Same variables and values as upsample2CF followed by conv2dCFCrop.
func upConv2dCF(scope *model.Scope, x *Node, filters, k, i0, j0, oh, ow int) *Node {
	g := x.Graph()
	c := x.Shape().Dim(0)
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, c, filters)).NodeValue(g)
	b := scope.VariableWithValue("biases", make([]float32, filters)).NodeValue(g)
	return addBiasCF(upConvCF(x, kernel, i0, j0, oh, ow), b)
}

// upConvCF is convCFCrop(upsample2CF(x), kernel, i0, j0, oh, ow) computed as a sub-pixel
// convolution of x (see upConv2dCF).
func upConvCF(x, kernel *Node, i0, j0, oh, ow int) *Node {
	g := x.Graph()
	bs := x.Shape().Dim(1)
	kd := kernel.Shape().Dimensions
	k, c, filters := kd[0], kd[2], kd[3]
	// Low-resolution offset of tap t for output phase a: floor((a + t - lo) / 2).
	lo := (k - 1) / 2
	low := func(a, t int) int { return int(math.Floor(float64(a+t-lo) / 2)) }
	rmin, rmax := low(0, 0), low(1, k-1)
	kl := rmax - rmin + 1
	if kd[1] != k || -rmin != (kl-1)/2 || i0%2 != 0 || j0%2 != 0 || oh%2 != 0 || ow%2 != 0 { // not a PadSame low-resolution conv
		return convCFCrop(upsample2CF(x), kernel, i0, j0, oh, ow)
	}
	if k == 3 {
		return upConvPhasesCF(x, kernel, i0, j0, oh, ow)
	}
	// sum [kl·kl·2·2, k·k]: low-resolution tap (ry, rx) of phase (a, b) sums taps (dy, dx).
	sum := make([]float32, kl*kl*4*k*k)
	for a := range 2 {
		for bb := range 2 {
			for dy := range k {
				for dx := range k {
					ry, rx := low(a, dy)-rmin, low(bb, dx)-rmin
					sum[(((ry*kl+rx)*2+a)*2+bb)*k*k+dy*k+dx] = 1
				}
			}
		}
	}
	sumM := ConvertDType(Reshape(Const(g, sum), kl*kl*4, k*k), kernel.DType())
	kl4 := Dot(sumM, Reshape(kernel, k*k, c*filters)).Product() // [(ry, rx, a, b), (c, f)]
	kl4 = Reshape(TransposeAllAxes(Reshape(kl4, kl, kl, 2, 2, c, filters), 0, 1, 4, 2, 3, 5), kl, kl, c, 4*filters)
	y := convCFCrop(x, kl4, i0/2, j0/2, oh/2, ow/2)                                   // [(a, b, f), B, oh/2, ow/2]
	y = TransposeAllAxes(Reshape(y, 2, 2, filters, bs, oh/2, ow/2), 2, 3, 4, 0, 5, 1) // [f, B, i, a, j, b]
	return Reshape(y, filters, bs, oh, ow)
}

// upConvPhasesCF is upConvCF for a 3×3 kernel, where each output phase (a, b) (output pixel (2i+a,
// 2j+b)) reads only a 2×2 block of x: rows i+a-1, i+a and columns j+b-1, j+b. So the four phases
// are one 2×2 convolution of x with 4F outputs (the taps of the 3×3 kernel summed per phase), each
// phase read at its own position: phase (a, b) at (i+a, j+b) of the 2×2 convolution whose taps are
// the offsets -1 and 0. Its patch matrix has 4C rows instead of the 9C of the 3×3 low-resolution
// kernel of upConvCF (4 of whose 9 taps are zero for each phase), and the products and the stacked
// shifts of the gradients are 2.25x smaller.
//
// Layout: X [C, M] is x on blocks of (h+1)×(w+1) (one zero row and column after the data, which
// are also the zeros before the next row and image), M = B·(h+1)·(w+1); the 2×2 convolution at
// position m reads X[m + off(t)], off(t) = (u-1)·Wp + v-1 for the taps t = (u, v), and is column m
// of Z = W·P [4F, R], R = M + one block, P[(c, t), r] = X[c, r + off(t)]. With v the gradient of Z
// (vZ, each phase's output gradient placed at its positions):
//
//	dL/dW = vZ·Pᵀ
//	dL/dX[c, s] = Σ_{q,t} W[q, (c, t)]·vZ[q, s - off(t)] = (Kx·V)[c, s + block], V[(q, t), s'] = vZ[q, s' - block - off(t)]
//
// where V is the stacked shifts of vZ (one Concatenate) and Kx[c, (q, t)] = W[q, (c, t)].
func upConvPhasesCF(x, kernel *Node, i0, j0, oh, ow int) *Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	c, bs, h, w := d[0], d[1], d[2], d[3]
	f := kernel.Shape().Dim(3)
	oi, oj, ph, pw := i0/2, j0/2, oh/2, ow/2 // the crop on the low-resolution grid
	// W [4F, 4C], rows (a, b, f), columns (c, u, v): phase (a, b)'s 2×2 kernel, tap (u, v) summing
	// the 3×3 taps (ty, tx) with floor((a + ty - 1)/2) = a - 1 + u (and the same for columns).
	low := func(a, t int) int { return int(math.Floor(float64(a+t-1) / 2)) }
	sum := make([]float32, 16*9)
	for a := range 2 {
		for b := range 2 {
			for ty := range 3 {
				for tx := range 3 {
					u, v := low(a, ty)-a+1, low(b, tx)-b+1
					sum[(((a*2+b)*2+u)*2+v)*9+ty*3+tx] = 1
				}
			}
		}
	}
	sumM := ConvertDType(Reshape(Const(g, sum), 16, 9), kernel.DType())
	k16 := Dot(sumM, Reshape(kernel, 9, c*f)).Product()                             // [(a, b, u, v), (c, f)]
	wm := Reshape(TransposeAllAxes(Reshape(k16, 4, 4, c, f), 0, 3, 2, 1), 4*f, 4*c) // [(p, f), (c, t)]

	gr := cfGrid{b: bs, h: h, w: w, kh: 2, kw: 2, loH: 1, loW: 1, hiH: 1, hiW: 1, hp: h + 1, wp: w + 1}
	blk := gr.block()
	m := bs * blk
	r := m + blk
	// v: the output's gradient (set first in the backward pass); vz: it on Z's columns.
	var v, patches, vz *Node
	vZ := func() *Node {
		if vz != nil {
			return vz
		}
		v6 := Reshape(v, f, bs, ph, 2, pw, 2)
		parts := make([]*Node, 0, 4)
		for a := range 2 {
			for b := range 2 {
				vp := Reshape(Slice(v6, AxisRange(), AxisRange(), AxisRange(), AxisRange(a, a+1), AxisRange(), AxisRange(b, b+1)), f, bs, ph, pw)
				vp = zeroExtend(vp, 3, oj+b, gr.wp-oj-b-pw)
				vp = zeroExtend(vp, 2, oi+a, gr.hp-oi-a-ph)
				parts = append(parts, Reshape(vp, f, m))
			}
		}
		vz = zeroExtend(Concatenate(parts, 0), 1, 0, blk) // [4F, R]
		return vz
	}
	wg := IdentityWithCustomGradient(wm, func(_, vw *Node) *Node {
		if v == nil {
			return vw
		}
		return DotGeneral(vZ(), []int{1}, nil, patches, []int{1}, nil) // [4F, 4C]
	})
	xg := IdentityWithCustomGradient(x, func(_, vx *Node) *Node {
		if v == nil {
			return vx
		}
		shifted := gr.shiftStack(vZ(), r+blk, func(dy, dx int) int { return blk + gr.off(dy, dx) }) // [(q, t), R + block]
		kx := Reshape(TransposeAllAxes(Reshape(wm, 4*f, c, 4), 1, 0, 2), c, 16*f)
		dx := Reshape(Dot(kx, shifted).Product(), c, bs+2, gr.hp, gr.wp)
		return Slice(dx, AxisRange(), AxisRange(1, bs+1), AxisRange(0, h), AxisRange(0, w))
	})
	xp := zeroExtend(zeroExtend(xg, 3, 0, 1), 2, 0, 1)
	patches = gr.shiftStack(Reshape(xp, c, m), r, func(dy, dx int) int { return -gr.off(dy, dx) }) // [(c, t), R]
	z := Reshape(Dot(wg, patches).Product(), 2, 2, f, bs+1, gr.hp, gr.wp)
	phases := make([]*Node, 0, 4)
	for a := range 2 {
		for b := range 2 {
			phases = append(phases, Slice(z, AxisRange(a, a+1), AxisRange(b, b+1), AxisRange(), AxisRange(0, bs),
				AxisRange(oi+a, oi+a+ph), AxisRange(oj+b, oj+b+pw)))
		}
	}
	y := Reshape(Concatenate(phases, 0), 2, 2, f, bs, ph, pw)
	y = Reshape(TransposeAllAxes(y, 2, 3, 4, 0, 5, 1), f, bs, oh, ow) // [f, B, i, a, j, b]
	return IdentityWithCustomGradient(y, func(_, vy *Node) *Node {
		v = vy
		return vy
	})
}

// upsample2CF repeats each pixel of channels-first x [C, B, H, W] into a 2×2 block: [C, B, 2H, 2W].
func upsample2CF(x *Node) *Node {
	d := x.Shape().Dimensions
	c, b, h, w := d[0], d[1], d[2], d[3]
	x = Reshape(x, c, b, h, 1, w, 1)
	x = BroadcastToDims(x, c, b, h, 2, w, 2)
	return Reshape(x, c, b, 2*h, 2*w)
}

// convEncode runs the encoder's convolutional blocks (conv, activation, 2×2 max pooling) on
// x [B, H, W, C] and returns the pooled features [B, h, w, F] (channels last, the order the dense
// layers were trained on).
func (a *Autoencoder) convEncode(scope *model.Scope, x *Node) *Node {
	c := a.Config
	if legacyConvOps {
		for i, cs := range c.Conv {
			x = conv2d(scope.In("conv%d", i), x, cs.Filters, cs.Kernel)
			x = act(c.Activation, x)
			x = maxPool2(x)
		}
		return x
	}
	x = toCF(x)
	elu := activation(c.Activation) == "elu" || activation(c.Activation) == "celu"
	for i, cs := range c.Conv {
		if elu { // ELU is increasing, so it commutes with the maximum (and so does the bias): pool first
			x = eluCF(conv2dPoolCF(scope.In("conv%d", i), x, cs.Filters, cs.Kernel))
			continue
		}
		x = conv2dCF(scope.In("conv%d", i), x, cs.Filters, cs.Kernel)
		x = act(c.Activation, x)
		x = maxPool2CF(x)
	}
	return fromCF(x)
}

// convDecode runs the decoder's convolutional blocks on x [B, h0, w0, F] (the projection): 2×
// upsampling, conv and activation per block, the centre crop to the output size and the output
// convolution (no activation): [B, H, W, C].
func (a *Autoencoder) convDecode(scope *model.Scope, x *Node) *Node {
	c := a.Config
	k := len(c.Conv)
	oh, ow, oc := c.Output[0], c.Output[1], c.Output[2]
	if legacyConvOps {
		for i := k - 1; i >= 0; i-- {
			x = upsample2(x)
			x = conv2d(scope.In("conv%d", i), x, c.Conv[i].Filters, c.Conv[i].Kernel)
			x = act(c.Activation, x)
		}
		if x.Shape().Dim(1) != oh || x.Shape().Dim(2) != ow { // centre crop, e.g. 24 → 20
			dh, dw := (x.Shape().Dim(1)-oh)/2, (x.Shape().Dim(2)-ow)/2
			x = Slice(x, AxisRange(), AxisRange(dh, dh+oh), AxisRange(dw, dw+ow), AxisRange())
		}
		return conv2d(scope.In("output"), x, oc, c.Conv[0].Kernel)
	}
	x = toCF(x)
	for i := k - 1; i >= 0; i-- {
		h, w := 2*x.Shape().Dim(2), 2*x.Shape().Dim(3)
		i0, j0, ch, cw := 0, 0, h, w
		if i == 0 && (h != oh || w != ow) { // the last block computes only the centre crop, e.g. 24 → 20
			i0, j0, ch, cw = (h-oh)/2, (w-ow)/2, oh, ow
		}
		x = upConv2dCF(scope.In("conv%d", i), x, c.Conv[i].Filters, c.Conv[i].Kernel, i0, j0, ch, cw)
		x = convAct(c.Activation, x)
	}
	return fromCF(conv2dCF(scope.In("output"), x, oc, c.Conv[0].Kernel))
}
