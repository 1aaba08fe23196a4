package led

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/internal/testutil"
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

func TestMetricsKnownAnswers(t *testing.T) {
	// 2 steps, 2 cells, 2 components; Δ = pred - truth.
	truth := make([]float32, 8)
	pred := []float32{3, 4, 0, 0, 1, 2, 2, 0}
	e, err := ComputeGridErrors(pred, truth, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Snapshot: t0 sqrt(9+16) = 5, t1 sqrt(1+4+4) = 3.
	if e.Snapshot[0] != 5 || e.Snapshot[1] != 3 {
		t.Errorf("snapshot = %v, want [5 3]", e.Snapshot)
	}
	// Particle, quadratic average over components: cell 0: sqrt((9+1 + 16+4)/2) = sqrt(15); cell 1: sqrt(4/2).
	if math.Abs(e.Particle[0]-math.Sqrt(15)) > 1e-12 || math.Abs(e.Particle[1]-math.Sqrt(2)) > 1e-12 {
		t.Errorf("particle = %v, want [%g %g]", e.Particle, math.Sqrt(15), math.Sqrt(2))
	}
	// Model: L2 of the snapshot errors, sqrt(25+9) (no extra square root).
	if math.Abs(e.Model-math.Sqrt(34)) > 1e-12 {
		t.Errorf("model = %g, want %g", e.Model, math.Sqrt(34))
	}
	s, err := ComputeSeriesErrors([]float32{3, 4, 1, 2}, []float32{0, 0, 0, 0}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Series: snapshots 5 and sqrt(5); particle sqrt(3²+1² + 4²+2²) = sqrt(30) uses both components.
	if s.Snapshot[0] != 5 || math.Abs(s.Snapshot[1]-math.Sqrt(5)) > 1e-12 || math.Abs(s.Particle-math.Sqrt(30)) > 1e-12 || s.Model != s.Particle {
		t.Errorf("series errors %+v", s)
	}
	if _, err := ComputeGridErrors(pred[:7], truth, 2, 2, 2); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := ComputeGridErrors([]float32{float32(math.NaN()), 0, 0, 0, 0, 0, 0, 0}, truth, 2, 2, 2); err == nil {
		t.Error("NaN accepted")
	}
	r, err := RelativeError([]float32{1.1, 0}, []float32{1, 0})
	if err != nil || math.Abs(r-0.1) > 1e-6 {
		t.Errorf("relative error = %g, %v", r, err)
	}
}

func TestScalers(t *testing.T) {
	data := [][]float32{{0, 10, 2, 30}, {1, 20}}
	s, err := NewMinMaxScaler(data, 2, func(i int) int { return i })
	if err != nil {
		t.Fatal(err)
	}
	got := s.Transform([]float32{0, 10, 2, 30, 1, 20})
	want := []float32{0, 0, 1, 1, 0.5, 0.5}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("minmax %v, want %v", got, want)
		}
	}
	back := s.Inverse(got)
	if math.Abs(float64(back[3]-30)) > 1e-5 {
		t.Errorf("inverse %v", back)
	}
	st, _ := NewStandardScaler([][]float32{{1, 5, 3, 5}}, 2)
	z := st.Transform([]float32{1, 5, 3, 5})
	if math.Abs(float64(z[0]+1)) > 1e-6 || math.Abs(float64(z[2]-1)) > 1e-6 || z[1] != 0 {
		t.Errorf("standard %v", z)
	}
	if _, err := NewMinMaxScaler([][]float32{{1, 2, 3}}, 2, func(i int) int { return 0 }); err == nil {
		t.Error("ragged sample accepted")
	}
}

func TestVanDerPolData(t *testing.T) {
	cfg := DefaultVanDerPolConfig()
	cfg.Samples = 4
	d := testutil.Generate(t, GenerateVanDerPol, cfg)
	if d.Steps() != 251 || len(d.Data[0]) != 502 {
		t.Fatalf("steps %d, values %d", d.Steps(), len(d.Data[0]))
	}
	for _, s := range d.Data {
		if math.Abs(float64(s[0])) > 5 || math.Abs(float64(s[1])) > 5 {
			t.Errorf("initial condition (%g, %g) outside [-5,5]²", s[0], s[1])
		}
		// On the limit cycle (μ = 1) |x| stays below about 2.1 after the transient.
		for k := 200; k < 251; k++ {
			if math.Abs(float64(s[2*k])) > 2.2 {
				t.Errorf("x = %g at step %d, not on the limit cycle", s[2*k], k)
				break
			}
		}
	}
}
