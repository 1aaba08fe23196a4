package plotting

import (
	"math"
	"reflect"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
)

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestLinearTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		target int
		want   []string
	}{
		{0, 10, 6, []string{"0", "2", "4", "6", "8", "10"}},
		{0, 20, 8, []string{"0.0", "2.5", "5.0", "7.5", "10.0", "12.5", "15.0", "17.5", "20.0"}},
		{-1.3, 1.3, 5, []string{"−1.0", "−0.5", "0.0", "0.5", "1.0"}},
		{0, 1, 5, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{0.001, 0.0041, 4, []string{"0.001", "0.002", "0.003", "0.004"}},
		{0, 3e6, 4, []string{"0", "10^{6}", "2×10^{6}", "3×10^{6}"}},
	}
	for _, c := range cases {
		got := labels(linearTicks(c.lo, c.hi, c.target))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("linearTicks(%g, %g, %d) = %q, want %q", c.lo, c.hi, c.target, got, c.want)
		}
	}
	for _, ts := range [][]plot.Tick{linearTicks(1, 1, 5), linearTicks(math.NaN(), 1, 5), linearTicks(0, math.Inf(1), 5)} {
		if ts != nil {
			t.Errorf("degenerate range gave ticks %v", ts)
		}
	}
	// Tick values are multiples of the step, and 0 is exactly 0.
	for _, tk := range linearTicks(-0.3, 0.3, 7) {
		if math.Abs(tk.Value) < 1e-12 && tk.Value != 0 {
			t.Errorf("zero tick has value %g", tk.Value)
		}
	}
}

func TestLogTicks(t *testing.T) {
	got := labels(logTicks(1e-4, 1, 8))
	want := []string{"10^{−4}", "10^{−3}", "10^{−2}", "10^{−1}", "10^{0}"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logTicks = %q, want %q", got, want)
	}
	// minor ticks 2..9 per decade
	if n := len(logTicks(1e-4, 1, 8)); n != 5+4*8 {
		t.Errorf("got %d ticks, want 37", n)
	}
	// Many decades: every k-th decade labelled.
	got = labels(logTicks(1e-14, 1, 5))
	if len(got) > 6 || len(got) < 3 {
		t.Errorf("14 decades, target 5: labels %q", got)
	}
	// Narrow range (within one decade): linear labels still present.
	if got := labels(logTicks(2, 7, 6)); len(got) < 2 {
		t.Errorf("narrow log range labels %q", got)
	}
	// Under two decades: the 1-2-5 sequence is labelled, including below the lowest power of ten.
	if got, want := labels(logTicks(0.012, 0.6, 8)), []string{"0.02", "0.05", "0.1", "0.2", "0.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("logTicks(0.012, 0.6) labels %q, want %q", got, want)
	}
	if got, want := labels(logTicks(3e-6, 2e-5, 8)), []string{"5×10^{−6}", "10^{−5}", "2×10^{−5}"}; !reflect.DeepEqual(got, want) {
		t.Errorf("logTicks(3e-6, 2e-5) labels %q, want %q", got, want)
	}
	if logTicks(-1, 1, 5) != nil || logTicks(0, 1, 5) != nil {
		t.Errorf("non-positive log range gave ticks")
	}
}

func TestSciLabel(t *testing.T) {
	for v, want := range map[float64]string{1.5e-5: "1.5×10^{−5}", 1e3: "10^{3}", -2e-7: "−2×10^{−7}", 3: "3"} {
		if got := sciLabel(v, 2); got != want {
			t.Errorf("sciLabel(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestRichText(t *testing.T) {
	segs := parseRich("10^{-3} z_{1}x^{")
	want := []segment{{"10", 0}, {"-3", 1}, {" z", 0}, {"1", -1}, {"x^{", 0}}
	if !reflect.DeepEqual(segs, want) {
		t.Errorf("parseRich = %+v, want %+v", segs, want)
	}
	if got := stripRich("ż_{1}^{2}"); got != "ż12" {
		t.Errorf("stripRich = %q", got)
	}
	f := font.From(sansFont, 10)
	wSup, hSup, _ := richHandler.Box("10^{22}", f)
	wPlain, hPlain, _ := richHandler.Box("1022", f)
	if !(wSup < wPlain) {
		t.Errorf("superscript not smaller: width %v vs %v", wSup, wPlain)
	}
	if !(hSup > hPlain) {
		t.Errorf("superscript not raised: height %v vs %v", hSup, hPlain)
	}
	_, _, dSub := richHandler.Box("z_{1}", f)
	_, _, dPlain := richHandler.Box("z1", f)
	if !(dSub > dPlain) {
		t.Errorf("subscript not lowered: depth %v vs %v", dSub, dPlain)
	}
}

func TestTicksExtremeRangesTerminate(t *testing.T) {
	vals := []float64{-math.MaxFloat64, -1e300, -1e16, -1, -1e-300, 0, 5e-324, 1e-300, 1e-16, 1, 1 + 1e-15, 1e16, 1e300, math.MaxFloat64}
	for _, lo := range vals {
		for _, hi := range vals {
			for _, target := range []int{0, 1, 5, 100} {
				if ts := linearTicks(lo, hi, target); len(ts) > 101 {
					t.Errorf("linearTicks(%g, %g, %d): %d ticks", lo, hi, target, len(ts))
				}
				if ts := logTicks(lo, hi, target); len(ts) > 2000 {
					t.Errorf("logTicks(%g, %g, %d): %d ticks", lo, hi, target, len(ts))
				}
			}
		}
	}
}
