package smooth

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSavGolReproducesPolynomials(t *testing.T) {
	for _, wo := range [][2]int{{31, 2}, {11, 3}, {7, 0}} {
		f, err := NewSavGol(wo[0], wo[1], EdgeInterp)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]float64, 80)
		for i := range y {
			x := float64(i) / 10
			p := 1.5
			for d := 1; d <= wo[1]; d++ {
				p += float64(d) * math.Pow(x-3, float64(d)) / 4
			}
			y[i] = p
		}
		s, err := f.Smooth(y)
		if err != nil {
			t.Fatal(err)
		}
		for i := range y {
			if math.Abs(s[i]-y[i]) > 1e-9*(1+math.Abs(y[i])) {
				t.Fatalf("window %d order %d: point %d smoothed to %.12g, polynomial is %.12g", wo[0], wo[1], i, s[i], y[i])
			}
		}
	}
}

// Numbers from scipy 1.x: scipy.signal.savgol_filter(y, 11, 3) and savgol_coeffs(31, 2).
func TestSavGolMatchesScipy(t *testing.T) {
	y := []float64{-0.6, -0.104479793339, 0.364642473395, 0.783326909627, 1.132039085967, 1.397494986604, 1.573847630878, 0.363209366649, 0.375463180551, 0.327379880234, 0.24112000806, 0.142254305857, 0.057479556705, -1.287766159184, -1.271575772414, -1.177530117665, -0.996164608836, -0.725814682328, -0.372764487556, 0.049314457402, -0.779415498199, -0.283186099516, 0.211541363513, 0.678439764388, 1.093667863849, 1.437999976775, 0.398543345375, 0.569889810845, 0.654598908088, 0.662969230082, 0.612118485242, 0.524454423507, 0.425673218777, -0.957535893775, -0.999874687594, -0.979695759972, -0.880936230066, -0.694552588204, -0.419328525665, -1.361983583919}
	want := []float64{-0.775858863955, 0.0163432387947, 0.571350483753, 0.919328104607, 1.09044133504, 1.11485540874, 1.03718494137, 0.859293579479, 0.730239945292, 0.451272883449, 0.10466949602, -0.223958242845, -0.4478971907, -0.757422680425, -0.991717605203, -0.995331540803, -0.974160478097, -0.865970561178, -0.616301069219, -0.453673047336, -0.258092015987, 0.0861394704536, 0.337993106362, 0.532329361796, 0.706439683663, 0.902129120725, 0.891638186233, 0.809072120787, 0.796327861502, 0.648325002125, 0.442409201184, 0.261099307794, -0.0856276182323, -0.432277936842, -0.61471829082, -0.78554045057, -0.904340964356, -0.968065627804, -0.973660236539, -0.918070586186}
	f, err := NewSavGol(11, 3, EdgeInterp)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Smooth(y)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(s[i]-want[i]) > 1e-9 {
			t.Fatalf("point %d: %.12g, scipy %.12g", i, s[i], want[i])
		}
	}
	r, _ := NewSavGol(31, 2, EdgeMirror)
	c := r.Coefficients()
	for i, w := range []float64{-0.041055718475071834, -0.02639296187683193, -0.012741429871574029} {
		if math.Abs(c[i]-w) > 1e-12 {
			t.Errorf("report coefficient %d = %.15g, scipy %.15g", i, c[i], w)
		}
	}
}

func TestSavGolMirrorAndErrors(t *testing.T) {
	f, _ := NewSavGol(5, 2, EdgeMirror)
	// Mirror mode: a line is reproduced in the interior, and at the first point the mirrored padding
	// y0 - |y_k - y0| of an increasing line is the line itself, so it is reproduced there too.
	y := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	s, err := f.Smooth(y)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(y); i++ {
		if math.Abs(s[i]-y[i]) > 1e-12 {
			t.Errorf("point %d: %g, want %g", i, s[i], y[i])
		}
	}
	if _, err := NewSavGol(4, 2, EdgeInterp); err == nil {
		t.Error("even window accepted")
	}
	if _, err := NewSavGol(5, 5, EdgeInterp); err == nil {
		t.Error("order >= window accepted")
	}
	if _, err := f.Smooth([]float64{1, 2}); err == nil {
		t.Error("series shorter than the window accepted")
	}
	if _, err := f.Smooth([]float64{1, 2, math.NaN(), 3, 4, 5}); err == nil {
		t.Error("NaN accepted")
	}
	cols, err := f.SmoothColumns([]float32{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}, 2)
	if err != nil || math.Abs(float64(cols[9])-14) > 1e-5 {
		t.Errorf("SmoothColumns = %v, %v", cols, err)
	}
}

// A polynomial of degree Order has its derivatives reproduced exactly at every point, edges included.
func TestSavGolDerivativeExactOnPolynomials(t *testing.T) {
	for _, wo := range [][2]int{{31, 2}, {11, 3}, {9, 4}, {5, 1}} {
		win, order := wo[0], wo[1]
		const delta = 0.07
		coef := []float64{1.5, -0.8, 0.45, -0.12, 0.03}[:order+1]
		n := 60
		y := make([]float64, n)
		for i := range y {
			x := float64(i)*delta - 1.3
			for j := len(coef) - 1; j >= 0; j-- {
				y[i] = y[i]*x + coef[j]
			}
		}
		for _, mode := range []EdgeMode{EdgeInterp, EdgeMirror} {
			f, err := NewSavGol(win, order, mode)
			if err != nil {
				t.Fatal(err)
			}
			for d := 0; d <= order; d++ {
				got, err := f.Derivative(y, d, delta)
				if err != nil {
					t.Fatal(err)
				}
				lo, hi := 0, n
				if mode == EdgeMirror { // the mirrored padding is not the polynomial: interior only
					lo, hi = win/2, n-win/2
				}
				for i := lo; i < hi; i++ {
					x := float64(i)*delta - 1.3
					// d-th derivative of Σ c_j x^j.
					want := 0.0
					for j := d; j < len(coef); j++ {
						fac := 1.0
						for r := j - d + 1; r <= j; r++ {
							fac *= float64(r)
						}
						want += coef[j] * fac * math.Pow(x, float64(j-d))
					}
					if math.Abs(got[i]-want) > 1e-8*(1+math.Abs(want)) {
						t.Fatalf("window %d order %d %v deriv %d: point %d = %.12g, exact %.12g", win, order, mode, d, i, got[i], want)
					}
				}
			}
		}
	}
}

// Compares Derivative with scipy.signal.savgol_filter(y, window, order, deriv=d, delta=Δ,
// mode="interp") on a noisy series; skipped without python3 and scipy.
func TestSavGolDerivativeMatchesScipy(t *testing.T) {
	py := python(t)
	n := 200
	y := make([]float64, n)
	r := uint64(12345)
	for i := range y {
		r = r*6364136223846793005 + 1442695040888963407
		noise := float64(r>>11)/float64(1<<53) - 0.5
		y[i] = math.Sin(0.05*float64(i)) + 0.3*math.Cos(0.13*float64(i)) + 0.1*noise
	}
	cases := []struct {
		win, order, deriv int
		delta             float64
	}{{31, 2, 1, 0.01}, {11, 3, 1, 0.002}, {11, 3, 2, 0.5}, {21, 4, 3, 0.1}, {7, 2, 0, 1}, {5, 4, 4, 0.2}}
	script := `
import json, sys
try:
    import numpy as np
    from scipy.signal import savgol_filter
except ImportError:
    print("SKIP"); sys.exit(0)
d = json.load(sys.stdin)
y = np.array(d["y"])
out = [savgol_filter(y, c["Win"], c["Order"], deriv=c["Deriv"], delta=c["Delta"], mode="interp").tolist() for c in d["cases"]]
print(json.dumps(out))
`
	type jc struct {
		Win, Order, Deriv int
		Delta             float64
	}
	jcs := make([]jc, len(cases))
	for i, c := range cases {
		jcs[i] = jc{c.win, c.order, c.deriv, c.delta}
	}
	in, _ := json.Marshal(map[string]any{"y": y, "cases": jcs})
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	if strings.TrimSpace(string(outb)) == "SKIP" {
		t.Skip("numpy/scipy not installed")
	}
	var want [][]float64
	if err := json.Unmarshal(outb, &want); err != nil {
		t.Fatal(err)
	}
	for ci, c := range cases {
		f, err := NewSavGol(c.win, c.order, EdgeInterp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Derivative(y, c.deriv, c.delta)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range got {
			worst = math.Max(worst, math.Abs(got[i]-want[ci][i])/(1+math.Abs(want[ci][i])))
		}
		t.Logf("window %d order %d deriv %d delta %g: max relative difference to scipy %.2e", c.win, c.order, c.deriv, c.delta, worst)
		if worst > 1e-10 {
			t.Errorf("window %d order %d deriv %d delta %g: differs from scipy by %.3g", c.win, c.order, c.deriv, c.delta, worst)
		}
	}
}

func TestSavGolDerivativeErrors(t *testing.T) {
	f, _ := NewSavGol(5, 2, EdgeInterp)
	y := []float64{0, 1, 2, 3, 4, 5}
	for _, c := range []struct {
		d     int
		delta float64
	}{{3, 1}, {-1, 1}, {1, 0}, {1, math.NaN()}, {1, math.Inf(1)}} {
		if _, err := f.Derivative(y, c.d, c.delta); err == nil {
			t.Errorf("deriv %d delta %g accepted", c.d, c.delta)
		}
	}
	if _, err := f.Derivative(y[:4], 1, 1); err == nil {
		t.Error("series shorter than the window accepted")
	}
	if _, err := NewSavGol(5, 2, EdgeMode(7)); err == nil {
		t.Error("unknown edge mode accepted")
	}
	var zero SavGol
	if _, err := zero.Smooth(y); err == nil {
		t.Error("zero SavGol accepted")
	}
}

// python returns Debian's /usr/bin/python3 (where python3-numpy and python3-scipy install), else
// the python3 on PATH, or skips the test.
func python(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	return py
}
