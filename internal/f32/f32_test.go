package f32

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAxpyAndDense(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 33, 100, 202} {
		x, y := make([]float32, n), make([]float32, n)
		want := make([]float64, n)
		for i := range x {
			x[i], y[i] = r.Float32()*2-1, r.Float32()*2-1
			want[i] = float64(y[i]) + 0.37*float64(x[i])
		}
		Axpy(0.37, x, y)
		for i := range y {
			if math.Abs(float64(y[i])-want[i]) > 1e-6 {
				t.Fatalf("n=%d: y[%d] = %g, want %g", n, i, y[i], want[i])
			}
		}
	}
	in, out := 5, 37
	x, w, b, y := make([]float32, in), make([]float32, in*out), make([]float32, out), make([]float32, out)
	for i := range w {
		w[i] = r.Float32()*2 - 1
	}
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	for i := range b {
		b[i] = r.Float32()
	}
	Dense(y, x, w, b)
	for o := range out {
		s := float64(b[o])
		for i := range in {
			s += float64(x[i]) * float64(w[i*out+o])
		}
		if math.Abs(float64(y[o])-s) > 1e-5 {
			t.Fatalf("Dense y[%d] = %g, want %g", o, y[o], s)
		}
	}
}

func TestActivations(t *testing.T) {
	worst := 0.0
	for x := -12.0; x <= 12; x += 0.001 {
		got := float64(Tanh(float32(x)))
		if d := math.Abs(got - math.Tanh(x)); d > worst {
			worst = d
		}
		if d := math.Abs(float64(Sigmoid(float32(x))) - 1/(1+math.Exp(-x))); d > 1e-6 {
			t.Fatalf("Sigmoid(%g) off by %g", x, d)
		}
		e := x
		if x <= 0 {
			e = math.Expm1(x)
		}
		if d := math.Abs(float64(ELU(float32(x))) - e); d > 1e-6*math.Max(1, math.Abs(e)) {
			t.Fatalf("ELU(%g) off by %g", x, d)
		}
	}
	if worst > 1e-6 {
		t.Fatalf("Tanh: worst absolute error %g > 1e-6", worst)
	}
	t.Logf("Tanh worst absolute error %.2g", worst)
}

func BenchmarkDense100x100(b *testing.B) {
	x, w, bias, y := make([]float32, 100), make([]float32, 100*100), make([]float32, 100), make([]float32, 100)
	for i := range x {
		x[i] = float32(i) / 100
	}
	for b.Loop() {
		Dense(y, x, w, bias)
	}
}

func TestSlices(t *testing.T) {
	for _, n := range []int{0, 5, 16, 37, 128} {
		x, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(i)*0.37 - 30
		}
		TanhSlice(y, x)
		SigmoidSlice(z, x)
		e := make([]float32, n)
		ELUSlice(e, x)
		for i, v := range x {
			if d := math.Abs(float64(y[i]) - math.Tanh(float64(v))); d > 1e-6 {
				t.Fatalf("TanhSlice n=%d [%d]: off by %g", n, i, d)
			}
			want := float64(v)
			if v <= 0 {
				want = math.Expm1(float64(v))
			}
			if d := math.Abs(float64(e[i]) - want); d > 1e-6 {
				t.Fatalf("ELUSlice n=%d [%d] (x=%g): off by %g", n, i, v, d)
			}
			if d := math.Abs(float64(z[i]) - 1/(1+math.Exp(-float64(v)))); d > 1e-6 {
				t.Fatalf("SigmoidSlice n=%d [%d]: off by %g", n, i, d)
			}
		}
	}
}
