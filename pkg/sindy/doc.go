// Package sindy is classical SINDy (sparse identification of nonlinear dynamics, Brunton, Proctor &
// Kutz 2016) in plain Go, shaped like PySINDy: a feature library Θ(z), a sparse regression optimizer
// and a Model that fits ż ≈ Θ(z) Ξ, prints its equations, predicts, simulates itself with package
// ode and exports itself as JSON or LaTeX.
//
//	lib, _ := sindy.NewLibrary(3).Polynomial(3).Done()   // 20 terms, Champion et al.'s column order
//	m := sindy.New(lib)                                   // STLSQ: threshold 0.1, alpha 0.05, unbiased
//	err := m.Fit(z, zdot)                                 // or m.FitUniform(z, dt) with finite differences
//	m.Print(os.Stdout)                                    // z1' = -10.00 z1 + 10.00 z2 ...
//	traj, err := m.Simulate(z0, ts)
//
// Libraries: NewLibrary builds polynomials (PySINDy's order), sines, Fourier terms (sin(k z_i),
// cos(k z_i) with PySINDy's names and order) and named custom functions; Inputs adds control inputs
// u1..um, so that the library is Θ(z, u) (SINDYc); Concat and Tensor combine libraries (PySINDy's
// lib1 + lib2 and lib1 * lib2).
//
// Optimizers implement Optimizer (a new one writes only its Fit, as PySINDy's optimizers write only
// their core): STLSQ (with Unbias, PySINDy's default: the final support refitted by plain least
// squares), SR3 (relaxed regression with an L0 or L1 penalty, Zheng et al. 2018) and Ensemble
// (E-SINDy, Fasel et al. 2022: bagging of samples and of library terms around any optimizer, with
// each coefficient's inclusion probability and spread). Set one with Model.Optimizer.
//
// Data: Fit and FitControl take stacked samples; FitTrajectories takes several Trajectory values,
// each with its own times, derivatives (or a Differentiator to estimate them) and control inputs.
// Differentiators are FiniteDiff (order 1-4, periodic, non-uniform times), SavGolDiff, Spectral and
// TotalVariation; FitWeak fits the weak form (WSINDy), which takes no derivative of noisy data.
//
// Prediction compiles Θ Ξ once (shared monomials, only the terms with non-zero coefficients):
// Predict, PredictControl and PredictFlat (flat row-major buffers). Simulate, SimulateControl and
// SimulateWith integrate the model; a model that blows up (its state leaves a norm bound, or the
// integrator cannot continue) returns the trajectory integrated so far together with a
// *BlowUpError naming the time and the norm. MarshalJSON, SaveJSON and LoadModelJSON write and read
// {"features", "states", "coefficients" [state][feature] as PySINDy's coefficients(), "equations",
// "library"}, the library description rebuilding a simulatable model; LaTeX typesets the equations.
//
// The SINDy autoencoder of Champion, Lusch, Kutz & Brunton (PNAS 2019), which learns the coordinates
// z = φ(x) and Ξ jointly on GoMLX, is in the subpackage autoencoder; the Lorenz data of that paper
// (a 128-dimensional embedding of the Lorenz system) is in the subpackage lorenzdata. The paper's
// three experiments (sindy-lorenz, sindy-pendulum, sindy-reaction-diffusion: configurations, training,
// shipped models) are in package experiments, run by `go run ./cmd/dynlearn train NAME`.
package sindy
