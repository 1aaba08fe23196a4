// Package neuralode is deep learning as a dynamical system: a residual network
//
//	x_{k+1} = x_k + h f(x_k, θ_k),   k = 0, …, K−1,   h = T/K,
//
// is the forward-Euler discretisation of the controlled ODE ẋ = f(x, θ(t)) on [0, T] (a continuous-time
// ResNet, or neural ODE), and a classifier that is linear in the final state x_K = φ_T(x_0) is a function
// g ∘ φ_T of the flow map. This is the "machine learning via dynamical systems" part of Qianxiao Li's
// lecture "Machine learning and dynamical systems" (NUS, 2021), where binary classes that are not
// linearly separable become separable by a line after the points have flowed.
//
// The package has three parts:
//
//   - The lecture's example: LectureField is the ODE ẋ₁ = −x₂ sin t, ẋ₂ = −½(1 − x₁²)x₂ + x₁ cos t;
//     Classification labels points z of a box by the sign of the first coordinate of its flow at time T,
//     y = 1{φ_T(z)₁ > 0}, giving a data set that is not linearly separable (cached on disk); TrueFlow
//     samples the flow of points for plots.
//   - The model: New(DefaultConfig()) builds the ResNet with one small tanh layer per step,
//     f(x, θ_k) = tanh(x W₁ₖ + b₁ₖ) W₂ₖ + b₂ₖ (or one set of weights shared by all steps: an autonomous
//     neural ODE), and a linear classifier σ(x_K·a + c); Flow and Logits build the graph, Extract copies the
//     weights into plain-Go Params (Flow, Logit, Field) for plots and for the tests against package ode.
//   - Training: Train fits the logistic loss end to end with Adam (full batch) on a training.Loop
//     (atomic checkpoints that know their model, resume, a clear error on NaN) and records loss and
//     accuracies.
package neuralode
