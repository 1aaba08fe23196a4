// Package lnn implements Lagrangian Neural Networks (Cranmer, Greydanus, Hoyer, Battaglia, Spergel and
// Ho, 2020) on GoMLX: a softplus MLP learns a scalar Lagrangian L(q, q̇), and accelerations follow from
// the Euler-Lagrange equations
//
//	q̈ = (∇_q̇ ∇_q̇ᵀ L)⁻¹ [∇_q L − (∇_q̇ ∇_qᵀ L) q̇].
//
// The package has four parts:
//
//   - Euler-Lagrange in a graph: Derivatives holds ∂L/∂q and the two Hessian blocks; AutodiffDerivatives
//     gets them for any Lagrangian written as a GoMLX graph function with nested graph.Gradient, and
//     Accelerations solves the small per-sample linear systems in closed form (ridge-regularised or
//     pseudo-inverse), returning a reciprocal condition number that flags singular Hessians.
//   - Models: the LNN (New(dof).Hidden(600, 3).Init(CranmerInit).Done()) computes its Hessians in closed
//     form (forward-over-reverse propagation through the softplus layers, checked against autodiff and
//     finite differences), which keeps training to one level of GoMLX autodiff; NewBaseline is the MLP
//     that predicts accelerations directly.
//   - Data and training: random states with exact accelerations (the paper's setup) and short
//     trajectories (the slides' setup), cached on disk; Train runs Adam with a StepLR or one-cycle
//     schedule, checkpoints atomically, resumes, and stops with a clear error on NaN.
//   - Evaluation: Rollout integrates learned dynamics with Dormand–Prince, each initial condition with
//     its own step-size control but all stages in batched network calls, flagging rollouts that blow up
//     instead of failing or stalling; EnergyError measures the paper's |E_pred − E_true| / 29.4 at
//     t = 100 over PaperICs, the original's 40 initial conditions reproduced from its JAX PRNG
//     (`go run ./cmd/dynlearn eval lnn-double-pendulum` and `eval lnn-baseline` print it for the
//     shipped models).
package lnn
