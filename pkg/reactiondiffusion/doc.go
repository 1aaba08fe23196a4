// Package reactiondiffusion generates the reaction-diffusion example of Champion, Lusch, Kutz &
// Brunton (PNAS 2019, "Data-driven discovery of coordinates and governing equations"), following the
// reference notes /work/shared/reference/sindy.md §2c (the original rd_solver/reaction_diffusion.m,
// reaction_diffusion_rhs.m and examples/rd/example_reactiondiffusion.py):
//
//   - the λ-ω system u_t = (1-A²)u + βA²v + d1∇²u, v_t = -βA²u + (1-A²)v + d2∇²v, A² = u² + v², with
//     d1 = d2 = 0.1 and β = 1;
//   - on the periodic square [-10, 10)² (L = 20) with n = 100 points per side
//     (x = linspace(-10, 10, 101)(1:100)) and a spectral (FFT) Laplacian;
//   - from the one-armed spiral u = tanh(r)·cos(θ - r), v = tanh(r)·sin(θ - r) (SpiralIC), for
//     t = 0:0.05:500, the first 2 snapshots dropped (9999 snapshots);
//   - observed through the Gaussian mask f = exp(-0.01(x² + y²)): x = uf = f·u and ẋ = duf = f·u_t with
//     u_t from the right-hand side (exact, no finite differences), input dimension 10^4;
//   - 1e-6 Gaussian noise added to uf and duf, and the loader's split: the last 10% in time is the test
//     set (1000 snapshots), the first 90% is randomly permuted into 7999 training and 1000 validation
//     snapshots.
//
// # Solver
//
// The state is kept in Fourier space (as in the reference, which ran MATLAB's ode45 on the fft2 of u
// and v), and advanced with ETDRK4, the fourth-order exponential time-differencing Runge-Kutta scheme
// of Cox & Matthews (2002) in the form of Kassam & Trefethen (2005): the diffusion -d|k|² is
// integrated exactly and only the smooth cubic reaction is treated by the Runge-Kutta stages, so the
// step is not limited by the stiff high wavenumbers (explicit RK4 would need h < 0.056 on the paper's
// grid) and the accuracy is set by the reaction time scale (~1). The φ-functions are evaluated with
// Kassam & Trefethen's contour integral. Each reaction evaluation is one inverse and one forward 2D
// FFT: u and v are real, so they travel packed as u + iv in one complex transform and are separated
// with the conjugate symmetry of real spectra (this also allows d1 ≠ d2). The 2D FFTs are gonum's 1D
// transforms over rows, then columns, split across the CPUs. As in the reference there is no
// dealiasing.
//
// Accuracy (tests): the spectral Laplacian of analytic periodic functions matches to 1e-10; pure
// diffusion of Fourier modes decays exactly as exp(-d|k|²t); the spatially uniform λ-ω oscillation
// (amplitude relaxation and rotation at frequency βA²) and an exact travelling plane wave
// R·e^{i(k·x - βR²t)}, R² = 1 - d|k|², are reproduced to ~5e-7; ETDRK4 agrees with the project's
// Dormand-Prince integrator (tolerance 1e-11, method of lines) on the spiral and converges with order 4.
// PaperConfig uses 2 ETDRK4 steps per snapshot interval (h = 0.025): the fields at t = 500 then differ
// by about 1e-7 from a run with 8 steps per interval (1 step: about 1.5e-6; measured on a 40×40 grid),
// below the 1e-6 noise the reference adds and far below the 1e-3 relative tolerance of its ode45 run.
//
// # Data
//
// Generate builds a data set in memory; Load goes through a disk cache: the solver streams the
// noise-free float32 observations into a file as it runs (no second copy of the series in memory),
// written atomically, and Load reads each snapshot straight into its row of the training, validation
// or test set, then adds the noise. The paper configuration is 2 × 9999 × 10^4 float32 values, 800 MB in
// memory and on disk. Simulate gives access to the full fields u, v and their derivatives at every
// output time.
//
//	d, err := reactiondiffusion.Load(reactiondiffusion.DefaultConfig()) // QuickConfig with DYNLEARN_QUICK=1
//	x, dx := d.Train.Row(0), d.Train.DRow(0) // 10^4 float32 values each
package reactiondiffusion
