package sindy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Aggregation combines the coefficients of an ensemble's models.
type Aggregation int

const (
	// Median takes each coefficient's median over the models ("bragging", PySINDy's default).
	Median Aggregation = iota
	// Mean takes each coefficient's mean over the models ("bagging").
	Mean
)

// Ensemble is E-SINDy (Fasel, Kutz, Brunton & Brunton 2022), as PySINDy's EnsembleOptimizer: it
// fits Models models with the optimizer Opt, each on a bootstrap sample of the rows (Subset rows
// drawn with replacement) and, with DropTerms > 0, on the library without DropTerms randomly chosen
// terms (library bagging; a dropped term's coefficient counts as 0). The coefficients are
// aggregated by their median (or mean), then those whose inclusion probability (the fraction of
// models in which they are non-zero) is below Cutoff are set to zero.
//
// The zero value of every field is usable: Opt nil is DefaultSTLSQ(), Models 0 is 20, Subset 0 is
// every row (or 60% of them without replacement, as PySINDy), Cutoff 0 keeps the aggregate as is,
// Seed 0 is a fixed seed like any other. The same settings and data give the same result.
//
// Fit stores the per-model coefficients, the inclusion probabilities and the spread, read with
// Result and Inclusion; an Ensemble is therefore used by one Fit at a time (pass it by pointer).
type Ensemble struct {
	Opt                Optimizer   // The optimizer of every model (nil: DefaultSTLSQ()).
	Models             int         // Number of models (0: 20).
	Subset             int         // Rows per model (0: all rows, or 60% without replacement).
	WithoutReplacement bool        // Draw the rows without replacement.
	NoBagging          bool        // Fit every model on all rows (library bagging only; needs DropTerms > 0).
	DropTerms          int         // Library terms left out of each model (0: none).
	Aggregate          Aggregation // Median (zero value) or Mean.
	Cutoff             float64     // Zero aggregated coefficients with inclusion probability < Cutoff (0..1).
	Seed               uint64      // Seed of the random draws.

	result *EnsembleResult
}

// EnsembleResult holds what an ensemble fit found. Every matrix has Ξ's layout, features × targets.
type EnsembleResult struct {
	Coefficients [][]float64   // The aggregated, cut-off Ξ that Fit returned.
	Inclusion    [][]float64   // Fraction of the models in which each coefficient is non-zero.
	Std          [][]float64   // Standard deviation of each coefficient over the models (ddof 0).
	Members      [][][]float64 // Members[k] is the Ξ of model k.
}

// Result returns the last fit's result, or nil before the first Fit.
func (e *Ensemble) Result() *EnsembleResult { return e.result }

// Inclusion returns the last fit's inclusion probabilities (features × targets), or nil.
func (e *Ensemble) Inclusion() [][]float64 {
	if e.result == nil {
		return nil
	}
	return e.result.Inclusion
}

// Fit fits the ensemble and returns the aggregated Ξ (features × targets); see Ensemble.
func (e *Ensemble) Fit(theta, y [][]float64) ([][]float64, error) {
	p, q, err := checkSystem("ensemble", theta, y)
	if err != nil {
		return nil, err
	}
	m := len(theta)
	opt := e.Opt
	if opt == nil {
		opt = DefaultSTLSQ()
	}
	models := e.Models
	if models == 0 {
		models = 20
	}
	switch {
	case models < 0:
		return nil, fmt.Errorf("%w: ensemble Models %d must be > 0 (0 for 20)", ErrInput, e.Models)
	case e.Subset < 0:
		return nil, fmt.Errorf("%w: ensemble Subset %d must be >= 0 (0 for all rows)", ErrInput, e.Subset)
	case e.DropTerms < 0 || e.DropTerms >= p:
		return nil, fmt.Errorf("%w: ensemble DropTerms %d outside 0..%d (the library has %d terms)", ErrInput, e.DropTerms, p-1, p)
	case e.NoBagging && e.DropTerms == 0:
		return nil, fmt.Errorf("%w: ensemble with NoBagging and DropTerms 0 fits the same model %d times (bag rows or terms)", ErrInput, models)
	case !(e.Cutoff >= 0 && e.Cutoff <= 1):
		return nil, fmt.Errorf("%w: ensemble Cutoff %g outside [0, 1]", ErrInput, e.Cutoff)
	case e.Aggregate != Median && e.Aggregate != Mean:
		return nil, fmt.Errorf("%w: ensemble aggregation %d (want Median or Mean)", ErrInput, e.Aggregate)
	}
	subset := e.Subset
	if subset == 0 {
		subset = m
		if e.WithoutReplacement {
			subset = max(1, int(0.6*float64(m)))
		}
	}
	if e.WithoutReplacement && subset > m {
		return nil, fmt.Errorf("%w: ensemble Subset %d larger than the %d rows (drawing without replacement)", ErrInput, subset, m)
	}
	rng := rand.New(rand.NewPCG(e.Seed, 0x5eed_e51d))
	members := make([][][]float64, models)
	for k := range models {
		th, yy := theta, y
		if !e.NoBagging {
			idx := make([]int, subset)
			if e.WithoutReplacement {
				perm := rng.Perm(m)
				copy(idx, perm[:subset])
			} else {
				for i := range idx {
					idx[i] = rng.IntN(m)
				}
			}
			th, yy = make([][]float64, subset), make([][]float64, subset)
			for i, r := range idx {
				th[i], yy[i] = theta[r], y[r]
			}
		}
		keep := make([]int, p)
		for i := range keep {
			keep[i] = i
		}
		if e.DropTerms > 0 {
			perm := rng.Perm(p)
			keep = perm[:p-e.DropTerms]
			slices.Sort(keep)
			sub := make([][]float64, len(th))
			flat := make([]float64, len(th)*len(keep))
			for r := range th {
				sub[r] = flat[r*len(keep) : (r+1)*len(keep)]
				for c, i := range keep {
					sub[r][c] = th[r][i]
				}
			}
			th = sub
		}
		xi, err := opt.Fit(th, yy)
		if err != nil {
			return nil, fmt.Errorf("sindy: ensemble model %d: %w", k, err)
		}
		if len(xi) != len(keep) {
			return nil, fmt.Errorf("sindy: ensemble model %d: the optimizer returned %d rows for %d features", k, len(xi), len(keep))
		}
		full := make([][]float64, p)
		for i := range full {
			full[i] = make([]float64, q)
		}
		for c, i := range keep {
			if len(xi[c]) != q {
				return nil, fmt.Errorf("sindy: ensemble model %d: the optimizer returned %d targets, want %d", k, len(xi[c]), q)
			}
			copy(full[i], xi[c])
		}
		members[k] = full
	}
	res := &EnsembleResult{Members: members}
	res.Coefficients, res.Inclusion, res.Std = make([][]float64, p), make([][]float64, p), make([][]float64, p)
	vals := make([]float64, models)
	for i := range p {
		res.Coefficients[i], res.Inclusion[i], res.Std[i] = make([]float64, q), make([]float64, q), make([]float64, q)
		for j := range q {
			nz := 0
			var mean float64
			for k := range models {
				v := members[k][i][j]
				vals[k] = v
				mean += v
				if v != 0 {
					nz++
				}
			}
			mean /= float64(models)
			var ss float64
			for _, v := range vals {
				ss += (v - mean) * (v - mean)
			}
			res.Inclusion[i][j] = float64(nz) / float64(models)
			res.Std[i][j] = math.Sqrt(ss / float64(models))
			c := mean
			if e.Aggregate == Median {
				c = median(vals)
			}
			if res.Inclusion[i][j] < e.Cutoff {
				c = 0
			}
			res.Coefficients[i][j] = c
		}
	}
	e.result = res
	out := make([][]float64, p)
	for i := range out {
		out[i] = append([]float64(nil), res.Coefficients[i]...)
	}
	return out, nil
}

// median is numpy.median: the mean of the two middle values for an even count. It sorts v.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
