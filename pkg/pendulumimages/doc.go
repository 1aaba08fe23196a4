// Package pendulumimages generates the "pendulum from images" data set of Champion, Lusch, Kutz &
// Brunton (PNAS 2019, "Data-driven discovery of coordinates and governing equations"), following the
// reference notes /work/shared/reference/sindy.md §2b (the original examples/pendulum/example_pendulum.py):
//
//   - dynamics θ̈ = -sin θ (systems.DefaultPendulum), sampled every dt = 0.02 on t ∈ [0, 10)
//     (t = arange(0, 10, 0.02): 500 samples per trajectory);
//   - initial conditions θ0 ~ U[-π, π], ω0 ~ U[-2.1, 2.1], rejected when |ω0²/2 - cos θ0| > 0.99, which
//     keeps closed, non-rotating orbits (systems.ChampionPendulumICs);
//   - each state rendered as a 51×51 image of a Gaussian blob at the bob position on [-1.5, 1.5]²,
//     x = exp(-((y1 - cos(θ - π/2))² + (y2 - sin(θ - π/2))²)/0.05), input dimension 2601;
//   - the exact first and second time derivatives of the images by the chain rule through the bob
//     position (Frame), θ wrapped to [-π, π), no noise;
//   - 100 training trajectories (50,000 samples), 10 validation and 10 test trajectories
//     (Train, Validation, Test; DefaultSplits picks 10/2/2 in quick mode), plus the analysis notebooks'
//     single trajectories θ0 = π/1.5 ... π/16, ω0 = 0.5 on t ∈ [0, 20) (SingleTrajectories).
//
// A Dataset holds float32 images X, DX, DDX (N×2601, row-major, ordered by trajectory then time, ready to
// feed a model) and the latent ground truth θ, ω, θ̈ in float64. Generate keeps the latent
// trajectories in the disk cache and renders the images on every call (no slower than reading them back):
//
//	train, val, test := pendulumimages.DefaultSplits()
//	d, err := pendulumimages.Generate(train)
//	x := d.Row(0) // first image, 2601 float32 values
package pendulumimages
