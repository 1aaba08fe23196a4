package plotting

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// niceStep returns a "nice" step (1, 2, 2.5, 5 times a power of ten) for about target intervals.
func niceStep(span float64, target int) float64 {
	if target < 1 {
		target = 1
	}
	raw := span / float64(target)
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw*0.999999 {
			return m * mag
		}
	}
	return 10 * mag
}

// linearTicks returns labelled ticks at nice values (1, 2, 2.5 or 5 times a
// power of ten) within [lo, hi], with a count as close as possible to target.
func linearTicks(lo, hi float64, target int) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsInf(hi-lo, 0) {
		return nil
	}
	target = max(target, 2)
	raw := (hi - lo) / float64(target)
	if !(raw > 0) || math.IsInf(raw, 0) {
		return nil
	}
	base := math.Floor(math.Log10(raw))
	bestStep, bestScore := 0.0, math.Inf(1)
	for e := base - 1; e <= base+1; e++ {
		for _, m := range []float64{1, 2, 2.5, 5} {
			step := m * math.Pow(10, e)
			n := math.Floor(hi/step+1e-9) - math.Ceil(lo/step-1e-9) + 1
			if n < 2 {
				continue
			}
			score := math.Abs(n - float64(target))
			if m == 2.5 {
				score += 0.75 // less pleasant labels
			}
			if n > float64(target)+1 {
				score += 0.5 // prefer fewer labels over crowded ones
			}
			if score < bestScore {
				bestStep, bestScore = step, score
			}
		}
	}
	step := bestStep
	if !(step > 0) || math.IsInf(step, 0) || math.IsInf(lo/step, 0) || math.IsInf(hi/step, 0) {
		return nil
	}
	start := math.Ceil(lo/step - 1e-9)
	var ticks []plot.Tick
	for k := start; ; k++ {
		v := k * step
		if v > hi+step*1e-9 || len(ticks) > 100 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v})
	}
	labelTicks(ticks, step)
	return ticks
}

// labelTicks formats the tick labels consistently for a given step.
func labelTicks(ticks []plot.Tick, step float64) {
	maxAbs := 0.0
	for _, t := range ticks {
		maxAbs = math.Max(maxAbs, math.Abs(t.Value))
	}
	for i := range ticks {
		ticks[i].Label = formatTick(ticks[i].Value, step, maxAbs)
	}
}

// formatTick formats v given the tick spacing and the largest magnitude on the axis.
func formatTick(v, step, maxAbs float64) string {
	if maxAbs < 1e5 && step >= 1e-4 {
		// fewest decimals that represent multiples of step exactly (0.25 -> 2, 2.5 -> 1)
		dec := 0
		for ; dec < 10; dec++ {
			r := step * math.Pow(10, float64(dec))
			if math.Abs(r-math.Round(r)) < 1e-6*math.Max(1, r) {
				break
			}
		}
		return unicodeMinus(strconv.FormatFloat(v, 'f', dec, 64))
	}
	if v == 0 {
		return "0"
	}
	sig := int(math.Floor(math.Log10(maxAbs))-math.Floor(math.Log10(step))) + 1
	sig = max(1, min(sig, 6))
	return sciLabel(v, sig)
}

// sciLabel formats v as "m×10^{e}" with sig significant digits (trailing zeros trimmed).
func sciLabel(v float64, sig int) string {
	s := strconv.FormatFloat(v, 'e', max(sig-1, 0), 64)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return unicodeMinus(s)
	}
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	e, err := strconv.Atoi(exp)
	if err != nil {
		return unicodeMinus(s)
	}
	if e == 0 {
		return unicodeMinus(mant)
	}
	if mant == "1" || mant == "-1" {
		return unicodeMinus(strings.TrimSuffix(mant, "1") + "10^{" + strconv.Itoa(e) + "}")
	}
	return unicodeMinus(mant + "×10^{" + strconv.Itoa(e) + "}")
}

// decadeLabel returns "10^{e}".
func decadeLabel(e int) string {
	return unicodeMinus("10^{" + strconv.Itoa(e) + "}")
}

func unicodeMinus(s string) string { return strings.ReplaceAll(s, "-", "−") }

// logMantissaLabel labels a 1-2-5 tick of a log axis: plainly between 10⁻³ and 10⁴, else in
// scientific notation.
func logMantissaLabel(v float64) string {
	if a := math.Abs(v); a >= 1e-3 && a < 1e4 {
		return unicodeMinus(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return sciLabel(v, 1)
}

// logTicks returns ticks for a log axis over [lo, hi] (lo > 0) with about target labels.
func logTicks(lo, hi float64, target int) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0 := int(math.Floor(math.Log10(lo) + 1e-9))
	e1 := int(math.Ceil(math.Log10(hi) - 1e-9))
	var decades []int
	for e := e0; e <= e1; e++ {
		v := math.Pow(10, float64(e))
		if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
			decades = append(decades, e)
		}
	}
	if len(decades) < 3 {
		// Less than about two decades: label the 1-2-5 sequence, so that the part of the axis
		// below the lowest power of ten is labelled too; minor ticks at the other multiples.
		var ticks []plot.Tick
		labelled := 0
		for e := e0 - 1; e <= e1; e++ {
			base := math.Pow(10, float64(e))
			for m := 1; m <= 9; m++ {
				v := float64(m) * base
				if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
					continue
				}
				t := plot.Tick{Value: v}
				if m == 1 || m == 2 || m == 5 {
					t.Label = logMantissaLabel(v)
					labelled++
				}
				ticks = append(ticks, t)
			}
		}
		if labelled >= 2 {
			return ticks
		}
		// Narrow range: nice linear ticks are positioned correctly on a log axis too.
		ticks = linearTicks(lo, hi, max(target/2, 3))
		if len(ticks) >= 2 {
			for i := range ticks {
				if ticks[i].Value <= 0 {
					ticks[i].Label = ""
				}
			}
			return ticks
		}
		return []plot.Tick{{Value: lo, Label: sciLabel(lo, 2)}, {Value: hi, Label: sciLabel(hi, 2)}}
	}
	every := 1
	if target > 0 && len(decades) > target {
		every = (len(decades) + target - 1) / target
	}
	var ticks []plot.Tick
	for _, e := range decades {
		t := plot.Tick{Value: math.Pow(10, float64(e))}
		if (e-decades[0])%every == 0 {
			t.Label = decadeLabel(e)
		}
		ticks = append(ticks, t)
	}
	if e1-e0 <= 8 && every == 1 {
		for e := e0; e <= e1; e++ {
			base := math.Pow(10, float64(e))
			for m := 2; m <= 9; m++ {
				v := float64(m) * base
				if v >= lo && v <= hi {
					ticks = append(ticks, plot.Tick{Value: v})
				}
			}
		}
	}
	return ticks
}
