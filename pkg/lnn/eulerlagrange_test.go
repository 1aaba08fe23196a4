package lnn

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/dynlearn/dynlearn/internal/testutil/modeltest"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// analyticLagrangian is the double pendulum's L = T − V as a GoMLX graph function.
func analyticLagrangian(p systems.DoublePendulum) LagrangianFn {
	return func(q, qdot *Node) *Node {
		t1 := Slice(q, AxisRange(), AxisElem(0))
		t2 := Slice(q, AxisRange(), AxisElem(1))
		w1 := Slice(qdot, AxisRange(), AxisElem(0))
		w2 := Slice(qdot, AxisRange(), AxisElem(1))
		kin := Add(Add(
			MulScalar(Square(w1), 0.5*(p.M1+p.M2)*p.L1*p.L1),
			MulScalar(Square(w2), 0.5*p.M2*p.L2*p.L2)),
			MulScalar(Mul(Mul(w1, w2), Cos(Sub(t1, t2))), p.M2*p.L1*p.L2))
		pot := Add(MulScalar(Cos(t1), -(p.M1+p.M2)*p.G*p.L1), MulScalar(Cos(t2), -p.M2*p.G*p.L2))
		return Sub(kin, pot)
	}
}

func randomStates(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, 4*n)
	for i := range n {
		x[4*i] = rng.Float64() * 2 * math.Pi
		x[4*i+1] = rng.Float64() * 2 * math.Pi
		x[4*i+2] = (rng.Float64() - 0.5) * 20
		x[4*i+3] = (rng.Float64() - 0.5) * 20
	}
	return x
}

func TestAnalyticLagrangianAccelerations(t *testing.T) {
	b := modeltest.Backend(t)
	p := systems.DefaultDoublePendulum()
	const n = 256
	states := randomStates(n, 1)
	for _, opts := range []SolveOptions{{Method: Ridge}, {Method: PInv, RCond: 1e-12}} {
		out := MustExecOnceN(b, func(x *Node) []*Node {
			q := Slice(x, AxisRange(), AxisRange(0, 2))
			v := Slice(x, AxisRange(), AxisRange(2, 4))
			d := AutodiffDerivatives(analyticLagrangian(p), q, v)
			qdd, rc := Accelerations(d, v, opts)
			return []*Node{qdd, rc}
		}, tensors.FromFlatDataAndDimensions(states, n, 4))
		got := tensors.MustCopyFlatData[float64](out[0])
		rc := tensors.MustCopyFlatData[float64](out[1])
		worst := 0.0
		for i := range n {
			a1, a2 := p.Accel(states[4*i], states[4*i+1], states[4*i+2], states[4*i+3])
			worst = max(worst, math.Abs(got[2*i]-a1)/(1+math.Abs(a1)), math.Abs(got[2*i+1]-a2)/(1+math.Abs(a2)))
			if !(rc[i] > 0 && rc[i] <= 1) {
				t.Errorf("%s: rcond[%d] = %g, want in (0, 1]", opts.Method, i, rc[i])
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: accelerations from the analytic Lagrangian differ from systems.Accel by %.3g (want <= 1e-6)", opts.Method, worst)
		}
		t.Logf("%s: max relative difference %.3g", opts.Method, worst)
	}
}

// TestSolveGeneral checks the n-DoF elimination and the 2x2 solvers on random well-conditioned
// symmetric systems against a reference solve in Go.
func TestSolveGeneral(t *testing.T) {
	b := modeltest.Backend(t)
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{1, 2, 3, 4} {
		const batch = 8
		h := make([]float64, batch*n*n)
		r := make([]float64, batch*n)
		for s := range batch {
			// H = A Aᵀ + I
			a := make([]float64, n*n)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			for i := range n {
				for j := range n {
					v := 0.0
					for k := range n {
						v += a[i*n+k] * a[j*n+k]
					}
					if i == j {
						v++
					}
					h[s*n*n+i*n+j] = v
				}
				r[s*n+i] = rng.NormFloat64()
			}
		}
		methods := []SolveMethod{Ridge}
		if n <= 2 {
			methods = append(methods, PInv)
		}
		for _, m := range methods {
			out := MustExecOnce(b, func(hn, rn *Node) *Node {
				d := Derivatives{DLdq: rn, Hvv: hn, Hvq: ZerosLike(hn)}
				x, _ := Accelerations(d, ZerosLike(rn), SolveOptions{Method: m})
				return x
			}, tensors.FromFlatDataAndDimensions(h, batch, n, n), tensors.FromFlatDataAndDimensions(r, batch, n))
			x := tensors.MustCopyFlatData[float64](out)
			for s := range batch {
				for i := range n {
					v := 0.0
					for j := range n {
						v += h[s*n*n+i*n+j] * x[s*n+j]
					}
					if math.Abs(v-r[s*n+i]) > 1e-9 {
						t.Errorf("n=%d %s sample %d: (H x)[%d] = %g, want %g", n, m, s, i, v, r[s*n+i])
					}
				}
			}
		}
	}
}

func TestPInvSingular(t *testing.T) {
	b := modeltest.Backend(t)
	// H = [[1 1][1 1]] is singular: pinv(H) r for r = (1, 1) is (0.5, 0.5); rcond ≈ 0.
	out := MustExecOnceN(b, func(hn, rn *Node) []*Node {
		d := Derivatives{DLdq: rn, Hvv: hn, Hvq: ZerosLike(hn)}
		x, rc := Accelerations(d, ZerosLike(rn), SolveOptions{Method: PInv})
		return []*Node{x, rc}
	}, [][][]float64{{{1, 1}, {1, 1}}}, [][]float64{{1, 1}})
	x := tensors.MustCopyFlatData[float64](out[0])
	rc := tensors.MustCopyFlatData[float64](out[1])
	if math.Abs(x[0]-0.5) > 1e-9 || math.Abs(x[1]-0.5) > 1e-9 {
		t.Errorf("pinv solve of a singular Hessian = %v, want (0.5, 0.5)", x)
	}
	if rc[0] > 1e-9 {
		t.Errorf("rcond of a singular Hessian = %g, want ~0", rc[0])
	}
	if err := (SolveOptions{Method: PInv}).Validate(3); err == nil {
		t.Error("pinv with 3 DoF: no error")
	}
	if err := (SolveOptions{Method: Ridge, Epsilon: -1}).Validate(2); err == nil {
		t.Error("negative ridge epsilon: no error")
	}
}
