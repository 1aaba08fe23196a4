package sindy

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/ode"
	"github.com/dynlearn/dynlearn/pkg/systems"
)

// lorenzTrajectory integrates Lorenz from y0 at the times ts and returns states and exact derivatives.
func lorenzTrajectory(t *testing.T, y0, ts []float64) (x, dx [][]float64) {
	t.Helper()
	l := systems.DefaultLorenz()
	sol, err := ode.Solve(l.Problem(y0, ts[0], ts[len(ts)-1]), ode.DormandPrince(), ode.Options{RTol: 1e-11, ATol: 1e-11, Saveat: ts})
	if err != nil {
		t.Fatal(err)
	}
	for i := range sol.Len() {
		y := append([]float64(nil), sol.At(i)...)
		d := make([]float64, 3)
		l.RHS(0, y, d)
		x, dx = append(x, y), append(dx, d)
	}
	return x, dx
}

// TestFitTrajectories: three Lorenz trajectories of different lengths and sampling (one with exact
// derivatives, one uniform by Dt, one on jittered non-uniform times, both differentiated by the
// default second-order finite differences) fit together give the 7 Lorenz terms within 1%.
func TestFitTrajectories(t *testing.T) {
	uniform := func(n int, dt float64) []float64 {
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = float64(i) * dt
		}
		return ts
	}
	x0, dx0 := lorenzTrajectory(t, []float64{-8, 7, 27}, uniform(300, 0.01))
	x1, _ := lorenzTrajectory(t, []float64{1, 1, 1}, uniform(2000, 0.001))
	jit := uniform(3000, 0.001)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 1; i < len(jit)-1; i++ {
		jit[i] += 0.0003 * (2*r.Float64() - 1)
	}
	x2, _ := lorenzTrajectory(t, []float64{10, -5, 30}, jit)
	trajs := []Trajectory{{Dt: 0.01, X: x0, Xdot: dx0}, {Dt: 0.001, X: x1}, {T: jit, X: x2}}
	lib := NewLibrary(3).Polynomial(2).MustLibrary()
	m := New(lib)
	if err := m.FitTrajectories(trajs, nil); err != nil {
		t.Fatal(err)
	}
	want := lorenzXi(lib)
	xi := m.Coefficients()
	for i := range xi {
		for j := range xi[i] {
			if w := want[i][j]; (w == 0) != (xi[i][j] == 0) || math.Abs(xi[i][j]-w) > 0.01*math.Abs(w) {
				t.Errorf("Ξ[%s, z%d'] = %g, want %g within 1%%", lib.Names()[i], j+1, xi[i][j], w)
			}
		}
	}
	// A differentiator receives each trajectory's own times.
	rec := &recordingDiff{}
	if err := New(lib).FitTrajectories(trajs[1:], rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.times) != 2 || rec.times[0][1] != 0.001 || rec.times[1][5] != jit[5] {
		t.Errorf("differentiator times: %d calls", len(rec.times))
	}
}

type recordingDiff struct{ times [][]float64 }

func (r *recordingDiff) Differentiate(x [][]float64, t []float64) ([][]float64, error) {
	r.times = append(r.times, t)
	return FiniteDiff{}.Differentiate(x, t)
}

// forced is a linear system with a control input and a bilinear term:
// ẋ1 = -0.5 x1 + 2 u, ẋ2 = x1 - x2 + 0.5 x1 u.
func forced(_ float64, x, u, dx []float64) {
	dx[0] = -0.5*x[0] + 2*u[0]
	dx[1] = x[0] - x[1] + 0.5*x[0]*u[0]
}

// TestSINDYc: the forced system sampled under two input signals is recovered exactly (SINDYc: a
// polynomial library over states and input, exact derivatives), and the fitted model simulated with
// SimulateControl under a third input tracks the true system.
func TestSINDYc(t *testing.T) {
	inputs := []func(float64) []float64{
		func(t float64) []float64 { return []float64{math.Sin(t)} },
		func(t float64) []float64 { return []float64{math.Cos(3*t) + 0.5} },
	}
	var trajs []Trajectory
	for k, u := range inputs {
		ts := make([]float64, 400)
		for i := range ts {
			ts[i] = float64(i) * 0.02
		}
		sol, err := ode.Solve(ode.Problem{F: func(t float64, x, dx []float64) { forced(t, x, u(t), dx) }, Y0: []float64{1 + float64(k), -1},
			T0: 0, T1: ts[len(ts)-1]}, ode.DormandPrince(), ode.Options{RTol: 1e-11, ATol: 1e-11, Saveat: ts})
		if err != nil {
			t.Fatal(err)
		}
		tr := Trajectory{T: ts}
		for i := range sol.Len() {
			x := append([]float64(nil), sol.At(i)...)
			d := make([]float64, 2)
			forced(ts[i], x, u(ts[i]), d)
			tr.X, tr.Xdot, tr.U = append(tr.X, x), append(tr.Xdot, d), append(tr.U, u(ts[i]))
		}
		trajs = append(trajs, tr)
	}
	lib := NewLibrary(2).Inputs(1).Polynomial(2).MustLibrary()
	m := New(lib)
	if err := m.FitTrajectories(trajs, nil); err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]float64{{lib.Index(1, 0, 0), 0}: -0.5, {lib.Index(0, 0, 1), 0}: 2,
		{lib.Index(1, 0, 0), 1}: 1, {lib.Index(0, 1, 0), 1}: -1, {lib.Index(1, 0, 1), 1}: 0.5}
	xi := m.Coefficients()
	for i := range xi {
		for j := range xi[i] {
			w := want[[2]int{i, j}]
			if (w == 0) != (xi[i][j] == 0) || math.Abs(xi[i][j]-w) > 1e-8 {
				t.Errorf("Ξ[%s, z%d'] = %g, want %g", lib.Names()[i], j+1, xi[i][j], w)
			}
		}
	}
	if eq := m.Equations(2); eq[1] != "z2' = 1.00 z1 - 1.00 z2 + 0.50 z1 u1" {
		t.Errorf("equations %q", eq)
	}
	u3 := func(t float64) []float64 { return []float64{math.Sin(2*t) * math.Exp(-t/5)} }
	ts := make([]float64, 101)
	for i := range ts {
		ts[i] = float64(i) * 0.05
	}
	sim, err := m.SimulateControl([]float64{0.5, 0.5}, ts, u3)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ode.Solve(ode.Problem{F: func(t float64, x, dx []float64) { forced(t, x, u3(t), dx) }, Y0: []float64{0.5, 0.5},
		T0: 0, T1: ts[len(ts)-1]}, ode.DormandPrince(), ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		for j := range 2 {
			if d := math.Abs(sim[i][j] - ref.At(i)[j]); d > 1e-6 {
				t.Fatalf("t=%g: simulated %v, true %v", ts[i], sim[i], ref.At(i))
			}
		}
	}
	// Control errors.
	if _, err := m.Simulate([]float64{0, 0}, ts); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "SimulateControl") {
		t.Errorf("Simulate of a control model: %v", err)
	}
	bad := func(t float64) []float64 {
		if t > 1 {
			return []float64{math.NaN()}
		}
		return []float64{0}
	}
	if _, err := m.SimulateControl([]float64{0, 0}, ts, bad); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "u[0] = NaN") {
		t.Errorf("NaN input: %v", err)
	}
	if _, err := m.SimulateControl([]float64{0, 0}, ts, func(float64) []float64 { return []float64{1, 2} }); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "returned 2 values") {
		t.Errorf("wrong input width: %v", err)
	}
	if err := m.Fit(trajs[0].X, trajs[0].Xdot); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "FitControl") {
		t.Errorf("Fit of a control library: %v", err)
	}
	if err := New(lib).FitControl(trajs[0].X, trajs[0].Xdot, trajs[0].U); err != nil {
		t.Errorf("FitControl: %v", err)
	}
	// RHS of a control model is the unforced system.
	dz := make([]float64, 2)
	m.RHS(0, []float64{1, 2}, dz)
	if math.Abs(dz[0]+0.5) > 1e-8 || math.Abs(dz[1]+1) > 1e-8 {
		t.Errorf("unforced RHS(1, 2) = %v, want [-0.5 -1]", dz)
	}
}

// TestFitTrajectoriesBadInput: every problem names the trajectory index and what is wrong.
func TestFitTrajectoriesBadInput(t *testing.T) {
	lib := NewLibrary(2).MustLibrary()
	ctl := NewLibrary(2).Inputs(1).MustLibrary()
	good := [][]float64{{1, 2}, {2, 3}, {3, 5}, {4, 4}}
	for _, c := range []struct {
		name  string
		lib   *Library
		trajs []Trajectory
		want  string
	}{
		{"none", lib, nil, "no trajectories"},
		{"short", lib, []Trajectory{{Dt: 1, X: good}, {Dt: 1, X: good[:2]}}, "trajectory 1: sindy: bad input: 2 samples"},
		{"no times", lib, []Trajectory{{X: good}}, "trajectory 0: sindy: bad input: no times T and time step Dt = 0"},
		{"times length", lib, []Trajectory{{Dt: 1, X: good}, {T: []float64{0, 1}, X: good}}, "trajectory 1: sindy: bad input: 2 times for 4 samples"},
		{"times order", lib, []Trajectory{{T: []float64{0, 1, 1, 2}, X: good}}, "T[2] = 1 after T[1] = 1"},
		{"NaN time", lib, []Trajectory{{T: []float64{0, 1, math.NaN(), 2}, X: good}}, "T[2] = NaN"},
		{"width", lib, []Trajectory{{Dt: 1, X: [][]float64{{1, 2}, {1}, {1, 2}}}}, "state row 1 has 1 values, want 2"},
		{"NaN state", lib, []Trajectory{{Dt: 1, X: good}, {Dt: 1, X: [][]float64{{1, 2}, {1, math.Inf(1)}, {1, 2}}}}, "trajectory 1: sindy: bad input: state [1][1] = +Inf"},
		{"Xdot rows", lib, []Trajectory{{Dt: 1, X: good, Xdot: good[:3]}}, "3 derivative rows, want 4"},
		{"NaN Xdot", lib, []Trajectory{{Dt: 1, X: good, Xdot: [][]float64{{1, 2}, {2, 3}, {3, 5}, {math.NaN(), 4}}}}, "derivative [3][0] = NaN"},
		{"U without inputs", lib, []Trajectory{{Dt: 1, X: good, U: good}}, "library has none"},
		{"no U", ctl, []Trajectory{{Dt: 1, X: good}}, "no control inputs U"},
		{"U width", ctl, []Trajectory{{Dt: 1, X: good, U: good}}, "input row 0 has 2 values, want 1"},
		{"U rows", ctl, []Trajectory{{Dt: 1, X: good, U: [][]float64{{1}}}}, "1 input rows, want 4"},
	} {
		err := New(c.lib).FitTrajectories(c.trajs, nil)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInput naming %q", c.name, err, c.want)
		}
	}
	bad := badDiff{}
	if err := New(lib).FitTrajectories([]Trajectory{{Dt: 1, X: good}}, bad); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "differentiator returned a bad result") {
		t.Errorf("bad differentiator: %v", err)
	}
}

type badDiff struct{}

func (badDiff) Differentiate(x [][]float64, _ []float64) ([][]float64, error) { return x[:1], nil }
