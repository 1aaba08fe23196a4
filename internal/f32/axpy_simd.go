//go:build goexperiment.simd && amd64

package f32

import "simd/archsimd"

var (
	hasAVX512 = archsimd.X86.AVX512()
	hasAVX2   = archsimd.X86.AVX2() && archsimd.X86.FMA()
)

func axpy(a float32, x, y []float32) {
	n := len(x)
	y = y[:n]
	i := 0
	switch {
	case hasAVX512:
		av := archsimd.BroadcastFloat32x16(a)
		for ; i+16 <= n; i += 16 {
			v := archsimd.LoadFloat32x16Slice(x[i:]).MulAdd(av, archsimd.LoadFloat32x16Slice(y[i:]))
			v.StoreSlice(y[i:])
		}
	case hasAVX2:
		av := archsimd.BroadcastFloat32x8(a)
		for ; i+8 <= n; i += 8 {
			v := archsimd.LoadFloat32x8Slice(x[i:]).MulAdd(av, archsimd.LoadFloat32x8Slice(y[i:]))
			v.StoreSlice(y[i:])
		}
	}
	if i < n {
		if hasAVX512 {
			av := archsimd.BroadcastFloat32x16(a)
			v := archsimd.LoadFloat32x16SlicePart(x[i:]).MulAdd(av, archsimd.LoadFloat32x16SlicePart(y[i:]))
			v.StoreSlicePart(y[i:])
			return
		}
		axpyGeneric(a, x[i:], y[i:])
	}
}

func tanh16(x archsimd.Float32x16) archsimd.Float32x16 {
	x = x.Max(archsimd.BroadcastFloat32x16(-tanhClamp)).Min(archsimd.BroadcastFloat32x16(tanhClamp))
	x2 := x.Mul(x)
	p := archsimd.BroadcastFloat32x16(ta13)
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta11))
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta9))
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta7))
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta5))
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta3))
	p = p.MulAdd(x2, archsimd.BroadcastFloat32x16(ta1))
	p = p.Mul(x)
	q := archsimd.BroadcastFloat32x16(tb6)
	q = q.MulAdd(x2, archsimd.BroadcastFloat32x16(tb4))
	q = q.MulAdd(x2, archsimd.BroadcastFloat32x16(tb2))
	q = q.MulAdd(x2, archsimd.BroadcastFloat32x16(tb0))
	return p.Div(q)
}

func tanhSlice(y, x []float32) {
	n := len(x)
	y = y[:n]
	i := 0
	if hasAVX512 {
		for ; i+16 <= n; i += 16 {
			tanh16(archsimd.LoadFloat32x16Slice(x[i:])).StoreSlice(y[i:])
		}
	}
	if i < n {
		tanhGeneric(y[i:], x[i:])
	}
}

func sigmoidSlice(y, x []float32) {
	n := len(x)
	y = y[:n]
	i := 0
	if hasAVX512 {
		half := archsimd.BroadcastFloat32x16(0.5)
		for ; i+16 <= n; i += 16 {
			t := tanh16(archsimd.LoadFloat32x16Slice(x[i:]).Mul(half))
			t.MulAdd(half, half).StoreSlice(y[i:])
		}
	}
	if i < n {
		sigmoidGeneric(y[i:], x[i:])
	}
}

// exp16 returns e^x for x <= 0 (Cephes' expf: e^x = 2^n e^r, |r| <= ln2/2, degree-6 polynomial).
func exp16(x archsimd.Float32x16) archsimd.Float32x16 {
	x = x.Max(archsimd.BroadcastFloat32x16(-87))
	n := x.Mul(archsimd.BroadcastFloat32x16(1.44269504088896341)).RoundToEvenScaled(0)
	r := n.MulAdd(archsimd.BroadcastFloat32x16(-0.693359375), x)
	r = n.MulAdd(archsimd.BroadcastFloat32x16(2.12194440e-4), r)
	p := archsimd.BroadcastFloat32x16(1.9875691500e-4)
	p = p.MulAdd(r, archsimd.BroadcastFloat32x16(1.3981999507e-3))
	p = p.MulAdd(r, archsimd.BroadcastFloat32x16(8.3334519073e-3))
	p = p.MulAdd(r, archsimd.BroadcastFloat32x16(4.1665795894e-2))
	p = p.MulAdd(r, archsimd.BroadcastFloat32x16(1.6666665459e-1))
	p = p.MulAdd(r, archsimd.BroadcastFloat32x16(5.0000001201e-1))
	e := p.MulAdd(r.Mul(r), r).Add(archsimd.BroadcastFloat32x16(1))
	pow := n.ConvertToInt32().Add(archsimd.BroadcastInt32x16(127)).ShiftAllLeft(23).AsFloat32x16()
	return e.Mul(pow)
}

func eluSlice(y, x []float32) {
	n := len(x)
	y = y[:n]
	i := 0
	if hasAVX512 {
		zero, one := archsimd.BroadcastFloat32x16(0), archsimd.BroadcastFloat32x16(1)
		for ; i < n; i += 16 {
			v := archsimd.LoadFloat32x16SlicePart(x[i:])
			r := v.Max(zero).Add(exp16(v.Min(zero)).Sub(one))
			r.StoreSlicePart(y[i:])
		}
		return
	}
	eluGeneric(y, x)
}
