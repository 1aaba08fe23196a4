package pendulumimages

import "math"

// Image geometry of the reference (sindy.md §2b, pendulum_to_movie): a Side×Side grid with
// y1, y2 = meshgrid(linspace(-Extent, Extent, Side), linspace(Extent, -Extent, Side)), so pixel
// (row r, column c) sits at y1 = -Extent + 2·Extent·c/(Side-1) (left to right) and
// y2 = Extent - 2·Extent·r/(Side-1) (top to bottom), and the image of angle θ is the Gaussian blob
// x = exp(-((y1 - cos(θ - π/2))² + (y2 - sin(θ - π/2))²)/Width) centred on the bob of a unit pendulum
// hanging from the origin (θ = 0 points down).
const (
	Side   = 51   // Pixels per side; the input dimension is Side² = 2601.
	Extent = 1.5  // Half-width of the imaged square.
	Width  = 0.05 // Denominator of the Gaussian exponent.
)

// Dim is the dimension of one image, Side².
const Dim = Side * Side

// pixelCoords returns the y1 coordinate of each column and the y2 coordinate of each row.
func pixelCoords() (y1, y2 [Side]float64) {
	for j := range Side {
		s := -Extent + 2*Extent*float64(j)/float64(Side-1)
		y1[j], y2[Side-1-j] = s, s
	}
	return y1, y2
}

// Bob returns the bob position p = (cos(θ - π/2), sin(θ - π/2)) = (sin θ, -cos θ) and its first and
// second time derivatives for the state θ, ω = θ̇, α = θ̈.
func Bob(theta, omega, alpha float64) (p, dp, ddp [2]float64) {
	s, c := math.Sin(theta), math.Cos(theta)
	p = [2]float64{s, -c}
	dp = [2]float64{c * omega, s * omega}
	ddp = [2]float64{c*alpha - s*omega*omega, s*alpha + c*omega*omega}
	return p, dp, ddp
}

// Frame renders the image of angle theta and its exact first and second time derivatives along a
// motion with angular velocity omega and angular acceleration alpha (for the pendulum α = -sin θ),
// in float64, row-major (Side² values each). With A = -|y - p|²/Width the image is x = e^A and, by the
// chain rule through the bob position p(t),
//
//	ẋ = x·Ȧ,  ẍ = x·(Ȧ² + Ä),  Ȧ = (2/Width)(y - p)·ṗ,  Ä = (2/Width)((y - p)·p̈ - |ṗ|²),
//
// the reference's analytic expressions (sindy.md §2b: "ẋ and ẍ are analytic chain-rule expressions").
func Frame(theta, omega, alpha float64) (x, dx, ddx []float64) {
	x, dx, ddx = make([]float64, Dim), make([]float64, Dim), make([]float64, Dim)
	render(theta, omega, alpha, x, dx, ddx)
	return x, dx, ddx
}

// render writes the image of one state and its derivatives into x, dx, ddx (each Dim long), computed in
// float64. The Gaussian is separable, x = g1(y1)·g2(y2), so only 2·Side exponentials are needed per image.
func render[T float32 | float64](theta, omega, alpha float64, x, dx, ddx []T) {
	_, _, _ = x[Dim-1], dx[Dim-1], ddx[Dim-1]
	y1, y2 := pixelCoords()
	p, dp, ddp := Bob(theta, omega, alpha)
	const k = 2 / Width
	var g1, a1 [Side]float64
	for c := range Side {
		d := y1[c] - p[0]
		g1[c] = math.Exp(-d * d / Width)
		a1[c] = k * d
	}
	speed2 := k * (dp[0]*dp[0] + dp[1]*dp[1])
	for r := range Side {
		d := y2[r] - p[1]
		g2 := math.Exp(-d * d / Width)
		a2 := k * d
		b1, b2 := a2*dp[1], a2*ddp[1]-speed2
		xr, dxr, ddxr := x[r*Side:(r+1)*Side], dx[r*Side:(r+1)*Side], ddx[r*Side:(r+1)*Side]
		for c := range Side {
			v := g1[c] * g2
			da := a1[c]*dp[0] + b1
			dda := a1[c]*ddp[0] + b2
			xr[c], dxr[c], ddxr[c] = T(v), T(v*da), T(v*(da*da+dda))
		}
	}
}
