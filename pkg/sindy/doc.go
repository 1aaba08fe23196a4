// Package sindy is classical SINDy (sparse identification of nonlinear dynamics, Brunton, Proctor &
// Kutz 2016) in plain Go, shaped like PySINDy: a feature library Θ(z), the sequentially thresholded
// least-squares optimizer (STLSQ) and a Model that fits ż ≈ Θ(z) Ξ, prints its equations and
// simulates itself with package ode.
//
//	lib, _ := sindy.NewLibrary(3).Polynomial(3).Done()   // 20 terms, Champion et al.'s column order
//	m := sindy.New(lib)                                   // STLSQ: threshold 0.1, alpha 0.05, 20 iterations
//	err := m.Fit(z, zdot)                                 // or m.FitUniform(z, dt) with finite differences
//	m.Print(os.Stdout)                                    // z1' = -10.00 z1 + 10.00 z2 ...
//	traj, err := m.Simulate(z0, ts)
//
// The SINDy autoencoder of Champion, Lusch, Kutz & Brunton (PNAS 2019), which learns the coordinates
// z = φ(x) and Ξ jointly on GoMLX, is in the subpackage autoencoder; the Lorenz data of that paper
// (a 128-dimensional embedding of the Lorenz system) is in the subpackage lorenzdata. The paper's
// three experiments (sindy-lorenz, sindy-pendulum, sindy-reaction-diffusion: configurations, training,
// shipped models) are in package experiments, run by `go run ./cmd/dynlearn train NAME`.
package sindy
