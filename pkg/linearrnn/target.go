package linearrnn

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mathext"
)

// Family is a kind of target memory kernel ρ(t), t ≥ 0.
type Family int

const (
	// ExpSum is an exponential sum with time scales spread geometrically from 1 to Memory:
	// ρ(t) = Σ_{i=0}^{3} e^{−t/τ_i}/√τ_i, τ_i = Memory^{i/3}, each term of equal L² weight.
	ExpSum Family = iota
	// Delayed is a short memory plus a memory far in the past (the paper's ρ̄ + ρ_{0,ω} with
	// ω = 1/Memory): ρ(t) = e^{−t} + exp(−(t − Memory)²/2).
	Delayed
	// Airy is a slowly decaying, oscillating kernel: ρ(t) = Ai(t − Memory) · 2, which oscillates with
	// amplitude ∝ |t − Memory|^{−1/4} for t < Memory and decays super-exponentially beyond.
	Airy
	// PowerLaw decays algebraically: ρ(t) = (1 + t/Memory)^{−2}, memory growing with Memory.
	PowerLaw
)

var familyNames = [...]string{ExpSum: "exponential sum", Delayed: "delayed memory", Airy: "Airy", PowerLaw: "power law"}

// String names the family.
func (f Family) String() string {
	if f >= 0 && int(f) < len(familyNames) {
		return familyNames[f]
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// Target is a target functional H_t(x) = ∫₀^∞ ρ(s) x(t − s) ds given by its kernel.
type Target struct {
	Family Family
	// Memory is the family's memory time scale (> 0).
	Memory float64
}

// Validate checks the target.
func (t Target) Validate() error {
	if t.Family < ExpSum || t.Family > PowerLaw {
		return fmt.Errorf("linearrnn: unknown target family %d", int(t.Family))
	}
	if !(t.Memory > 0) || math.IsInf(t.Memory, 0) {
		return fmt.Errorf("linearrnn: target memory must be positive and finite, got %g", t.Memory)
	}
	return nil
}

// String describes the target.
func (t Target) String() string { return fmt.Sprintf("%s (memory %g)", t.Family, t.Memory) }

// Rho evaluates the kernel ρ(t).
func (t Target) Rho(tm float64) float64 {
	switch t.Family {
	case ExpSum:
		s := 0.0
		for i := range 4 {
			tau := math.Pow(t.Memory, float64(i)/3)
			s += math.Exp(-tm/tau) / math.Sqrt(tau)
		}
		return s
	case Delayed:
		d := tm - t.Memory
		return math.Exp(-tm) + math.Exp(-d*d/2)
	case Airy:
		return 2 * real(mathext.AiryAi(complex(tm-t.Memory, 0)))
	case PowerLaw:
		u := 1 + tm/t.Memory
		return 1 / (u * u)
	}
	return math.NaN()
}

// Horizon returns a time beyond which the kernel is negligible: where training truncates it.
func (t Target) Horizon() float64 {
	switch t.Family {
	case ExpSum:
		return 4 * t.Memory
	case PowerLaw:
		return 15 * t.Memory
	}
	return t.Memory + 10
}

// Kernel returns the discrete kernel ρ_s = δ ρ(sδ) for s = 1..S (index s−1).
func (t Target) Kernel(delta float64, S int) ([]float64, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if !(delta > 0) || math.IsInf(delta, 0) || S < 1 {
		return nil, fmt.Errorf("linearrnn: kernel needs δ > 0 and S >= 1, got %g, %d", delta, S)
	}
	k := make([]float64, S)
	for s := range k {
		k[s] = delta * t.Rho(float64(s+1)*delta)
		if cmplx.IsNaN(complex(k[s], 0)) || math.IsInf(k[s], 0) {
			return nil, fmt.Errorf("linearrnn: %s: kernel not finite at t = %g", t, float64(s+1)*delta)
		}
	}
	return k, nil
}

// ApplyKernel returns y_k = Σ_{s=1}^{min(k, len(rho))} rho[s−1] x_{k−s} for k = 0..len(x)−1 (the output of a
// linear RNN with kernel rho, or of a target, on the input sequence x, starting from rest).
func ApplyKernel(x, rho []float64) []float64 {
	y := make([]float64, len(x))
	for k := range y {
		s := 0.0
		for j := 1; j <= min(k, len(rho)); j++ {
			s += rho[j-1] * x[k-j]
		}
		y[k] = s
	}
	return y
}
