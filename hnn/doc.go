// Package hnn is the toolkit's front door: the few calls a notebook cell or
// the hnn command makes — describe a model, generate data, train a
// Hamiltonian network through the implicit midpoint rule, load it back,
// evaluate it, roll it out — wiring the packages below:
//
//	system      analytic Hamiltonians (DoubleWell, CoupledOscillator, HenonHeiles, …; user-defined Func)
//	reference   float64 reference trajectories (Gauss–Legendre, order 6)
//	data        observed trajectories: generation with noise, CSV, windows
//	ansatz      learnable Hamiltonians as GoMLX graphs (MLP, Separable)
//	integrator  one-step maps on graphs (ImplicitMidpoint, GaussLegendre2, Leapfrog, Tao, RK4)
//	gradient    the rollout loss (26) and how dL/dθ is computed (Backprop, DiscreteAdjoint; ByName)
//	baseline    the compared methods' objectives and the model set of Table I
//	train       minibatches, Adam, plateau schedule, checkpoints, metrics
//	eval        gauge-fixed |H_pred − H_true| on uniform, grid and Gaussian test sets
//
// A Spec describes a model completely (system, architecture, integrator,
// step, objective); Validate checks it (a *FieldError names the field and
// the valid range) and Resolve makes it concrete (a Resolved: the system,
// the ansatz, the training problem, the dtype). WithBaseline applies one of
// package baseline's models to a spec. A Spec is stored in every
// checkpoint, so that Load rebuilds the same model.
//
// Model is the one type of a learned Hamiltonian: H_θ, ∇H_θ and the vector
// field on batches of states (Energy, Gradient, VectorField), its flow
// (Flow: batched rollouts with any integrator, or the implicit midpoint
// rule solved to round-off), its score against the true system (Evaluate).
// It works with a built-in system, a user-defined system.System
// (TrainConfig.System, LoadSystem), or none (NoSystem: data without a known
// Hamiltonian, which trains and rolls out but has nothing to be scored
// against).
//
// The backend is GoMLX's pure-Go backend unless $GOMLX_BACKEND names
// another (e.g. "xla:cpu" where the XLA plugin is installed).
package hnn
