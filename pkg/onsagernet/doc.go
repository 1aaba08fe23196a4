// Package onsagernet implements OnsagerNet (Yu, Tian, E and Li, "OnsagerNet: Learning stable and
// interpretable dynamics using a generalized Onsager principle", Phys. Rev. Fluids 6, 114402, 2021) on
// GoMLX, and the unstructured MLP ODE it is compared with.
//
// OnsagerNet learns an autonomous ODE ḣ = f(h) in the generalised Onsager form
//
//	ḣ = −(M(h) + W(h)) ∇V(h) + g(h),
//	M = L Lᵀ + α I   (symmetric positive definite: dissipation, Onsager's reciprocal relations),
//	W = U − Uᵀ       (antisymmetric: conservative, energy-neutral exchange),
//	V = Σᵢ Potᵢ(h)² + β ‖h‖²   (a potential bounded below and growing at infinity),
//	g(h) = A_g h + b_g   (a simple external force),
//
// where L (lower triangular) and U (strictly upper triangular) are read off one n×n matrix A(h) computed
// by a small network from a shared trunk z(h), and Pot(h) is a linear map of z(h) plus a linear map of
// h. With g = 0 the potential never increases along trajectories: dV/dt = −∇Vᵀ M ∇V ≤ 0. ∇V is computed
// in closed form by propagating the potential's gradient back through the trunk (checked against GoMLX
// autodiff and finite differences in the tests), so training needs only first-order autodiff.
//
// The package has four parts:
//
//   - Models: New(DefaultConfig(3)) builds OnsagerNet (Parts exposes M, W, V, ∇V and g for
//     inspection); NewMLP(DefaultMLPConfig(3)) the ResNet MLP ODE baseline ("MLP-ODEN"). Both
//     implement Net; Extract copies trained weights into a plain-Go float64 VectorField for fast
//     rollouts with package ode.
//   - Data: LorenzPairs generates the paper's Lorenz '63 data set (100 trajectories from a box of
//     initial conditions, pairs (h(t), h(t + dt)) with dt = 0.001), cached on disk.
//   - Training: Train fits the one-step Heun (RK2) prediction (ĥ(t+dt) − h(t+dt))/dt in the mean
//     square, with Adam, gradient-norm clipping and a reduce-on-plateau learning rate, on a
//     training.Loop (atomic checkpoints that know their model, resume, a clear error on NaN);
//     LoadTrained loads a trained net, including the shipped ones.
//   - Evaluation: Rollouts and Compare integrate learned and true dynamics with package ode and measure
//     the paper's relative L2 path error and long-time boundedness.
package onsagernet
