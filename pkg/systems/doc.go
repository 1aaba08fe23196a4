// Package systems provides right-hand sides of the dynamical systems used by dynlearn's papers, as
// ode.Func methods (RHS), with Jacobians (Jac, ode.Jacobian) for implicit methods, energies where they
// exist and parameter structs whose Default constructors give the papers' values:
//
//   - Lorenz (σ = 10, ρ = 28, β = 8/3) with its fixed points and Champion et al.'s initial-condition box;
//   - VanDerPol in Liénard form (μ = 1), as in the LED/PACS report;
//   - FitzHughNagumo, the single-cell model of the LED/PACS report (K = 8, α = 0.15, ε = 0.01, γ = 0.1,
//     I_app = 0.125 during a stimulus window);
//   - Pendulum, θ̈ = -(g/l) sin θ, with its energy and Champion et al.'s initial-condition sampler;
//   - DoublePendulum (m1 = m2 = l1 = l2 = 1, g = 9.8), the closed-form accelerations of Cranmer et al.'s
//     Lagrangian Neural Networks code, the Lagrangian L(q, q̇), kinetic/potential/total energy and bob
//     positions.
//
// Each system has a Problem method that builds an ode.Problem:
//
//	lorenz := systems.DefaultLorenz()
//	sol, err := ode.Solve(lorenz.Problem([]float64{-8, 7, 27}, 0, 20), ode.DormandPrince(),
//		ode.Options{RTol: 1e-10, ATol: 1e-10})
//
// The RHS methods are pure functions of their arguments (value receivers, no shared state), so they are
// safe for ode.SolveBatch. They index y and dydt directly and panic on a too-short slice, which
// ode.Problem.Validate turns into ode.ErrDimension.
package systems
