package led

import (
	"math"
	"testing"

	"github.com/dynlearn/dynlearn/internal/testutil"
	"github.com/dynlearn/dynlearn/pkg/smooth"
)

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

// The filter lives in package smooth (tested there); led's names are aliases of it.
func TestSavGolAliases(t *testing.T) {
	f, err := NewSavGol(5, 2, EdgeMirror)
	if err != nil {
		t.Fatal(err)
	}
	var _ *smooth.SavGol = f
	s, err := f.Smooth([]float64{0, 1, 2, 3, 4, 5, 6, 7})
	if err != nil || math.Abs(s[7]-7) > 1e-12 {
		t.Errorf("Smooth of a line = %v, %v", s, err)
	}
	if _, err := NewSavGol(4, 2, EdgeInterp); err == nil {
		t.Error("even window accepted")
	}
}
