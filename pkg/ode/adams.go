package ode

import "fmt"

// abCoeffs[s-1] are the Adams-Bashforth weights of order s, newest derivative first.
var abCoeffs = [4][]float64{
	{1},
	{3.0 / 2, -1.0 / 2},
	{23.0 / 12, -16.0 / 12, 5.0 / 12},
	{55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24},
}

// AdamsBashforthMethod is the explicit s-step Adams-Bashforth method of order s = Order (1..4) on a
// fixed grid. The first Order-1 steps are taken with classic RK4, which keeps the global order.
type AdamsBashforthMethod struct {
	Order int // 1..4
}

// AdamsBashforth returns the Adams-Bashforth method of the given order (1..4; Solve reports other orders
// as ErrInvalidMethod).
func AdamsBashforth(order int) *AdamsBashforthMethod { return &AdamsBashforthMethod{Order: order} }

// Name returns "AdamsBashforth<order>".
func (m *AdamsBashforthMethod) Name() string { return fmt.Sprintf("AdamsBashforth%d", m.Order) }

func (m *AdamsBashforthMethod) solve(p *Problem, o *Options) (*Solution, error) {
	if m.Order < 1 || m.Order > 4 {
		return nil, fmt.Errorf("%w: Adams-Bashforth order %d not in 1..4", ErrInvalidMethod, m.Order)
	}
	var st Stats
	n := len(p.Y0)
	ab := &abStepper{order: m.Order, f: p.F, hist: make([][]float64, m.Order), rk: newERK(RK4(), p.F, n, &st), st: &st}
	for i := range ab.hist {
		ab.hist[i] = make([]float64, n)
	}
	return solveFixed(p, o, m.Name(), ab, &st)
}

// abStepper keeps the last Order derivative values in a ring buffer.
type abStepper struct {
	order int
	f     Func
	hist  [][]float64 // ring buffer; hist[head] is the newest
	head  int
	count int // derivative values available from consecutive grid points
	rk    *erk
	st    *Stats
}

func (a *abStepper) advance(t, h float64, y []float64) error {
	a.head = (a.head + 1) % a.order
	a.f(t, y, a.hist[a.head])
	a.st.FEvals++
	a.count++
	if a.count < a.order {
		a.rk.step(t, h, y, y) // start-up
		return nil
	}
	w := abCoeffs[a.order-1]
	for j, wj := range w {
		fj := a.hist[(a.head-j+a.order)%a.order][:len(y)]
		hw := h * wj
		for i := range y {
			y[i] += hw * fj[i]
		}
	}
	return nil
}

func (a *abStepper) partial(t, h float64, y, out []float64) error {
	a.rk.step(t, h, y, out)
	return nil
}
