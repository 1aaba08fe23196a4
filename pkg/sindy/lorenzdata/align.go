package lorenzdata

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/dynlearn/dynlearn/pkg/sindy"
)

// Library returns the SINDy library of the Lorenz example: 3 variables, polynomials up to order 3
// (20 terms in Champion et al.'s order).
func Library() *sindy.Library { return sindy.NewLibrary(3).Polynomial(3).MustLibrary() }

// TrueCoefficients returns Ξ of the Lorenz system in the scaled coordinates z/40 (20 × 3):
// ż1 = -10 z1 + 10 z2, ż2 = 28 z1 - z2 - 40 z1 z3, ż3 = -8/3 z3 + 40 z1 z2.
func TrueCoefficients(scale float64) [][]float64 {
	xi := make([][]float64, 20)
	for i := range xi {
		xi[i] = make([]float64, 3)
	}
	xi[1][0], xi[2][0] = -10, 10
	xi[1][1], xi[2][1], xi[6][1] = 28, -1, -1/scale
	xi[3][2], xi[5][2] = -8.0/3, 1/scale
	return xi
}

// Alignment is the affine change of coordinates that maps a learned latent model onto the Lorenz
// structure: z_{Perm[k]} = A[k] w_k + B[k].
type Alignment struct {
	// Shear, when not 0, is applied first: the permuted z2 becomes z2 + Shear z1 (Lorenz has a second
	// 7-term form, y' = (ρ-1)x - xz and z' = xy - x²/σ - βz in the coordinates (x, y + x/σ, z),
	// which only a shear maps back).
	Shear   float64
	Perm    []int
	A, B    []float64
	Aligned [][]float64 // Ξ in the w coordinates.
	// Error is ‖Ξ_aligned - Ξ_true‖ / ‖Ξ_true‖ over the linear terms, where the free scale of w1 does not
	// matter, plus the size of all terms outside the Lorenz structure (relative to ‖Ξ_true‖).
	Error float64
}

// Parameters returns the Lorenz parameters of the aligned model: σ (minus the coefficient of w1 in
// ẇ1), ρ (w1 in ẇ2) and β (minus w3 in ẇ3). They do not depend on the free scale of w1.
func (a *Alignment) Parameters() (sigma, rho, beta float64) {
	return -a.Aligned[1][0], a.Aligned[1][1], -a.Aligned[3][2]
}

// ParameterError returns the largest relative deviation of Parameters from Lorenz's σ = 10, ρ = 28,
// β = 8/3.
func (a *Alignment) ParameterError() float64 {
	sigma, rho, beta := a.Parameters()
	return max(math.Abs(sigma-10)/10, math.Abs(rho-28)/28, math.Abs(beta-8.0/3)/(8.0/3))
}

// MaxAlignError is the largest Alignment.Error that Align accepts as "Lorenz in other coordinates".
const MaxAlignError = 0.3

// Align finds the permutation of the latent variables and the affine map (the one of Champion et
// al.'s analyze_lorenz notebooks: w1 = z1, w2 = z2/a2, w3 = (z3 - b3)/a3 with a2 = 10/Ξ[z2,ż1],
// a3 = √(-Ξ[z1z2,ż3]/Ξ[z1z3,ż2]) |a2|, b3 = -Ξ[1,ż3]/Ξ[z3,ż3]) that brings a learned Ξ (20 × 3,
// polynomial order 3) closest to the Lorenz equations, and returns Ξ in the aligned coordinates; for
// each permutation it also tries the shear that maps Lorenz's second 7-term form back (see
// Alignment.Shear) before the per-axis map. When
// even the best alignment is farther than MaxAlignError from Lorenz, it returns it with an error.
// The nonlinear coefficients keep the free scale of w1 (they are ±40/a, not ±40).
func Align(xi [][]float64) (*Alignment, error) {
	lib := Library()
	if len(xi) != lib.Size() {
		return nil, fmt.Errorf("lorenzdata: align: Ξ has %d rows, want %d", len(xi), lib.Size())
	}
	truth := TrueCoefficients(1.0 / 40)
	var best *Alignment
	ident := []float64{1, 1, 1}
	zero := []float64{0, 0, 0}
	for _, perm := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		p0, err := sindy.AffineTransform(lib, xi, perm, ident, zero)
		if err != nil {
			return nil, err
		}
		for _, shear := range []bool{false, true} {
			p, s := p0, 0.0
			if shear {
				// v2 = w2 + s w1 with s = Ξ[w1², ẇ3]/Ξ[w1w2, ẇ3] removes w1² from ẇ3.
				if p0[5][2] == 0 || p0[4][2] == 0 {
					continue
				}
				s = p0[4][2] / p0[5][2]
				if p, err = linearTransform(lib, p0, [][]float64{{1, -s, 0}, {0, 1, 0}, {0, 0, 1}}); err != nil {
					return nil, err
				}
			}
			if al := alignPermuted(lib, p, perm, truth); al != nil && (best == nil || al.Error < best.Error) {
				al.Shear = s
				best = al
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("lorenzdata: align: the model does not have the Lorenz structure (no permutation has ż1 ∋ z2, ż2 ∋ z1z3, ż3 ∋ z3, z1z2 with opposite-signed nonlinear terms)")
	}
	if best.Error > MaxAlignError {
		return best, fmt.Errorf("lorenzdata: align: the closest Lorenz alignment is too far (distance %.3g > %g): the model does not have the Lorenz structure", best.Error, MaxAlignError)
	}
	return best, nil
}

// alignPermuted is Align's per-axis map of a model p whose variables are already permuted (perm is
// recorded): nil when p lacks the terms that fix the map.
func alignPermuted(lib *sindy.Library, p [][]float64, perm []int, truth [][]float64) *Alignment {
	bCoef, d, h, g, f := p[2][0], p[6][1], p[5][2], p[3][2], p[0][2]
	if bCoef == 0 || d == 0 || h == 0 || g == 0 || -h/d <= 0 {
		return nil
	}
	a2 := 10 / bCoef
	a3 := math.Sqrt(-h/d) * math.Abs(a2)
	b3 := -f / g
	al, err := sindy.AffineTransform(lib, p, []int{0, 1, 2}, []float64{1, a2, a3}, []float64{0, 0, b3})
	if err != nil {
		return nil
	}
	// Score: linear terms against the truth, everything outside the structure as error.
	var num, den float64
	for i := range al {
		for j := range 3 {
			switch {
			case (i == 6 && j == 1) || (i == 5 && j == 2): // nonlinear terms: free scale
			case truth[i][j] != 0:
				num += (al[i][j] - truth[i][j]) * (al[i][j] - truth[i][j])
				den += truth[i][j] * truth[i][j]
			default:
				num += al[i][j] * al[i][j]
			}
		}
	}
	e := math.Sqrt(num / den)
	return &Alignment{Perm: perm, A: []float64{1, a2, a3}, B: []float64{0, 0, b3}, Aligned: al, Error: e}
}

// linearTransform rewrites polynomial dynamics ż = Θ(z) Ξ (3 variables, the Lorenz library) in the
// coordinates v with z = v L (row vectors): v̇ = Θ(v L) Ξ L⁻¹, which is again in the library (a
// linear map keeps the degree), fitted by least squares on points spread over the unit cube (exact
// up to rounding).
func linearTransform(lib *sindy.Library, xi, l [][]float64) ([][]float64, error) {
	var lm, li mat.Dense
	lm.CloneFrom(mat.NewDense(3, 3, append(append(append([]float64(nil), l[0]...), l[1]...), l[2]...)))
	if err := li.Inverse(&lm); err != nil {
		return nil, fmt.Errorf("lorenzdata: linear transform: %w", err)
	}
	const pts = 5
	var vs, zs [][]float64
	for i := range pts * pts * pts {
		v := []float64{float64(i%pts)/2 - 1, float64(i/pts%pts)/2 - 1, float64(i/pts/pts)/2 - 1}
		z := make([]float64, 3)
		for k := range 3 {
			for a := range 3 {
				z[k] += v[a] * l[a][k]
			}
		}
		vs, zs = append(vs, v), append(zs, z)
	}
	tv, err := lib.Matrix(vs)
	if err != nil {
		return nil, err
	}
	tz, err := lib.Matrix(zs)
	if err != nil {
		return nil, err
	}
	p := lib.Size()
	a := mat.NewDense(len(vs), p, nil)
	for r, row := range tv {
		a.SetRow(r, row)
	}
	x := mat.NewDense(p, 3, nil)
	for r, row := range xi {
		x.SetRow(r, row)
	}
	zt := mat.NewDense(len(zs), p, nil)
	for r, row := range tz {
		zt.SetRow(r, row)
	}
	var rhs, y, sol mat.Dense
	rhs.Mul(zt, x)
	y.Mul(&rhs, &li)
	if err := sol.Solve(a, &y); err != nil {
		return nil, fmt.Errorf("lorenzdata: linear transform: %w", err)
	}
	out := make([][]float64, p)
	for r := range out {
		out[r] = mat.Row(nil, r, &sol)
		for k, c := range out[r] {
			if math.Abs(c) < 1e-12 {
				out[r][k] = 0
			}
		}
	}
	return out, nil
}
