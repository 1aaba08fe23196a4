package neuralode

import (
	"fmt"
	"math"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/ode"
)

// LectureField is the lecture's example ODE (an ode.Func on R²):
//
//	ẋ₁ = −x₂ sin t,   ẋ₂ = −½(1 − x₁²) x₂ + x₁ cos t.
func LectureField(t float64, x, dx []float64) {
	_, _ = x[1], dx[1]
	dx[0] = -x[1] * math.Sin(t)
	dx[1] = -0.5*(1-x[0]*x[0])*x[1] + x[0]*math.Cos(t)
}

// DataConfig configures the classification data: N points drawn uniformly in the disk of radius Radius,
// keeping only those whose path under LectureField stays within the disk of radius Bound up to time T
// (the ODE blows up for |x₁| > 1 held too long), labelled y = 1 when the first coordinate of their flow at
// time T is positive: the lecture's classifier g(x_T) = 1{x_{T,1} > 0} composed with the flow.
type DataConfig struct {
	N        int
	T        float64
	Radius   float64
	Bound    float64
	TestFrac float64
	Seed     uint64
}

// DefaultData returns 1200 points of the disk of radius 1.5 whose paths stay within radius 3, labelled
// at T = 4, 1/6 of them held out.
func DefaultData() DataConfig {
	return DataConfig{N: 1200, T: 4, Radius: 1.5, Bound: 3, TestFrac: 1.0 / 6, Seed: 1}
}

// Validate checks the configuration.
func (c DataConfig) Validate() error {
	if c.N < 2 {
		return fmt.Errorf("neuralode: need N >= 2 points, got %d", c.N)
	}
	if !(c.T > 0) || !(c.Radius > 0) || !(c.Bound > c.Radius) || math.IsInf(c.T, 0) || math.IsInf(c.Bound, 0) {
		return fmt.Errorf("neuralode: need finite T > 0, Radius > 0 and Bound > Radius, got %g, %g, %g", c.T, c.Radius, c.Bound)
	}
	if !(c.TestFrac >= 0 && c.TestFrac < 1) {
		return fmt.Errorf("neuralode: TestFrac must be in [0, 1), got %g", c.TestFrac)
	}
	return nil
}

// Dataset holds points Z (N×2, row-major), their flow Final = φ_T(Z) and labels (0 or 1). The first
// NTrain points are for training, the rest for testing. Drawn counts the candidates drawn in the disk
// (N of them stayed bounded).
type Dataset struct {
	Config DataConfig
	N      int
	Z      []float64
	Final  []float64
	Labels []float64
	NTrain int
	Drawn  int
}

// Point returns point i.
func (d *Dataset) Point(i int) []float64 { return d.Z[2*i : 2*i+2] }

// Classification generates (or loads from the disk cache) the lecture's data set, integrating every
// candidate point with Dormand-Prince at tolerance 1e-10 and checking the bound on 41 times of [0, T].
func Classification(cfg DataConfig) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return diskcache.Cached("neuralode-classification", cfg, func() (*Dataset, error) { return generate(cfg) })
}

func generate(cfg DataConfig) (*Dataset, error) {
	d := &Dataset{Config: cfg, NTrain: cfg.N - int(math.Round(cfg.TestFrac*float64(cfg.N)))}
	ts := make([]float64, 41)
	for k := range ts {
		ts[k] = cfg.T * float64(k) / 40
	}
	r := cfg.Radius
	for round := uint64(0); d.N < cfg.N; round++ {
		if round > 50 {
			return nil, fmt.Errorf("neuralode: only %d of %d candidate points stay within radius %g up to T=%g",
				d.N, d.Drawn, cfg.Bound, cfg.T)
		}
		box, err := ode.UniformBox(2*cfg.N, []float64{-r, -r}, []float64{r, r}, cfg.Seed+1000*round)
		if err != nil {
			return nil, fmt.Errorf("neuralode: %w", err)
		}
		var zs [][]float64
		for _, z := range box {
			if math.Hypot(z[0], z[1]) <= r {
				zs = append(zs, z)
			}
		}
		sols, err := ode.SolveBatch(ode.Problem{F: LectureField, T1: cfg.T}, zs, ode.DormandPrince(),
			ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
		if err != nil {
			// A blow-up of one candidate fails the batch: integrate one by one instead.
			sols = make([]*ode.Solution, len(zs))
			for i, z := range zs {
				sols[i], _ = ode.Solve(ode.Problem{F: LectureField, Y0: z, T1: cfg.T}, ode.DormandPrince(),
					ode.Options{RTol: 1e-10, ATol: 1e-10, Saveat: ts})
			}
		}
		for i, s := range sols {
			if d.N == cfg.N {
				break
			}
			d.Drawn++
			if s == nil || !bounded(s.Y, cfg.Bound) {
				continue
			}
			_, y := s.Final()
			d.Z = append(d.Z, zs[i]...)
			d.Final = append(d.Final, y...)
			l := 0.0
			if y[0] > 0 {
				l = 1
			}
			d.Labels = append(d.Labels, l)
			d.N++
		}
	}
	return d, nil
}

func bounded(ys [][]float64, bound float64) bool {
	for _, y := range ys {
		if !(math.Hypot(y[0], y[1]) <= bound) {
			return false
		}
	}
	return true
}

// TrueFlow integrates LectureField from each point and returns the states at the given times
// (out[i][j] is point i at times[j]).
func TrueFlow(points [][]float64, times []float64) ([][][]float64, error) {
	if len(times) == 0 || times[0] != 0 {
		return nil, fmt.Errorf("neuralode: TrueFlow times must start at 0, got %v", times)
	}
	sols, err := ode.SolveBatch(ode.Problem{F: LectureField, T1: times[len(times)-1]}, points, ode.DormandPrince(),
		ode.Options{RTol: 1e-9, ATol: 1e-9, Saveat: times})
	if err != nil {
		return nil, fmt.Errorf("neuralode: true flow: %w", err)
	}
	out := make([][][]float64, len(points))
	for i, s := range sols {
		out[i] = s.Y
	}
	return out, nil
}
