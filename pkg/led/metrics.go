package led

import (
	"fmt"
	"math"
)

// GridErrors are the report's error metrics for grid data (§4, "compute_error"), implemented as the
// report defines them. With Δ = prediction - truth shaped [steps][cells][components]:
//
//   - Snapshot[t] = sqrt(Σ_c ‖Δ(t, ·, c)‖_F²): the Frobenius norm over the grid of each component,
//     combined as the square root of the sum of squares;
//   - Particle[x] = sqrt((1/C) Σ_c ‖Δ(·, x, c)‖_2²): the L2 norm over time of each component,
//     combined by quadratic average (the report's code uses component 0 twice instead);
//   - Model = ‖Snapshot‖_2 over time (the report's code takes an extra square root).
type GridErrors struct {
	Snapshot []float64
	Particle []float64
	Model    float64
}

// ComputeGridErrors evaluates GridErrors for flat row-major [steps][cells][comps] arrays.
func ComputeGridErrors(pred, truth []float32, steps, cells, comps int) (*GridErrors, error) {
	if steps < 1 || cells < 1 || comps < 1 {
		return nil, fmt.Errorf("grid errors: steps=%d, cells=%d, comps=%d must be >= 1", steps, cells, comps)
	}
	n := steps * cells * comps
	if len(pred) != n || len(truth) != n {
		return nil, fmt.Errorf("grid errors: prediction has %d values and truth %d, want %d×%d×%d = %d",
			len(pred), len(truth), steps, cells, comps, n)
	}
	e := &GridErrors{Snapshot: make([]float64, steps), Particle: make([]float64, cells)}
	model := 0.0
	for t := 0; t < steps; t++ {
		s := 0.0
		for x := 0; x < cells; x++ {
			for c := 0; c < comps; c++ {
				i := (t*cells+x)*comps + c
				d := float64(pred[i]) - float64(truth[i])
				if math.IsNaN(d) || math.IsInf(d, 0) {
					return nil, fmt.Errorf("grid errors: non-finite value at step %d cell %d component %d", t, x, c)
				}
				s += d * d
				e.Particle[x] += d * d
			}
		}
		e.Snapshot[t] = math.Sqrt(s)
		model += s
	}
	for x := range e.Particle {
		e.Particle[x] = math.Sqrt(e.Particle[x] / float64(comps))
	}
	e.Model = math.Sqrt(model)
	return e, nil
}

// SeriesErrors are the report's metrics for a single time series Δ shaped [steps][dim] (the Van der
// Pol case): Snapshot[t] = ‖Δ(t, ·)‖_2, Particle = sqrt(Σ_c ‖Δ(·, c)‖_2²) over all components (the
// report's code uses component 0 only), and Model = Particle.
type SeriesErrors struct {
	Snapshot []float64
	Particle float64
	Model    float64
}

// ComputeSeriesErrors evaluates SeriesErrors for flat row-major [steps][dim] arrays.
func ComputeSeriesErrors(pred, truth []float32, steps, dim int) (*SeriesErrors, error) {
	g, err := ComputeGridErrors(pred, truth, steps, 1, dim)
	if err != nil {
		return nil, fmt.Errorf("series errors: %w", err)
	}
	p := g.Particle[0] * math.Sqrt(float64(dim)) // undo the quadratic average
	return &SeriesErrors{Snapshot: g.Snapshot, Particle: p, Model: p}, nil
}

// RelativeError returns ‖pred - truth‖_2 / ‖truth‖_2 over all values (the autoencoder reconstruction
// error the 5% bar refers to).
func RelativeError(pred, truth []float32) (float64, error) {
	if len(pred) != len(truth) || len(pred) == 0 {
		return 0, fmt.Errorf("relative error: %d predicted values for %d true values", len(pred), len(truth))
	}
	num, den := 0.0, 0.0
	for i := range pred {
		d := float64(pred[i]) - float64(truth[i])
		num += d * d
		den += float64(truth[i]) * float64(truth[i])
	}
	if math.IsNaN(num) || math.IsInf(num, 0) {
		return 0, fmt.Errorf("relative error: non-finite prediction")
	}
	if den == 0 {
		return 0, fmt.Errorf("relative error: the true values are all zero")
	}
	return math.Sqrt(num / den), nil
}

// MeanRelativeSnapshotError returns the mean over the frames of pred and truth (row-major [T][frame])
// of the relative error ‖pred_t − truth_t‖₂ / ‖truth_t‖₂: the grid forecast's measure.
func MeanRelativeSnapshotError(pred, truth []float32, frame int) (float64, error) {
	if frame < 1 || len(pred) != len(truth) || len(pred) == 0 || len(pred)%frame != 0 {
		return 0, fmt.Errorf("relative snapshot error: %d predicted values for %d true values in frames of %d", len(pred), len(truth), frame)
	}
	t := len(pred) / frame
	mean := 0.0
	for i := range t {
		rel, err := RelativeError(pred[i*frame:(i+1)*frame], truth[i*frame:(i+1)*frame])
		if err != nil {
			return 0, fmt.Errorf("frame %d: %w", i, err)
		}
		mean += rel / float64(t)
	}
	return mean, nil
}
