// Package hnn is the toolkit's front door: the few calls a notebook cell or
// the hnn command makes — pick a system, generate data, train a Hamiltonian
// network through the implicit midpoint rule, load it back, evaluate it —
// wiring the packages below:
//
//	system      analytic Hamiltonians (DoubleWell, CoupledOscillator, HenonHeiles, …)
//	reference   float64 reference trajectories (Gauss–Legendre, order 6)
//	data        observed trajectories: generation with noise, CSV, windows
//	ansatz      learnable Hamiltonians as GoMLX graphs (MLP)
//	integrator  one-step maps on graphs (ImplicitMidpoint, …)
//	gradient    the rollout loss (26) and how dL/dθ is computed (Backprop, …)
//	train       minibatches, Adam, plateau schedule, checkpoints, metrics
//	eval        gauge-fixed |H_pred − H_true| on uniform, grid and Gaussian test sets
//
// A Spec describes a model completely (system, architecture, integrator,
// step); it is stored in every checkpoint so that Load rebuilds the same
// model. A Model's Flow integrates its learned Hamilton equations from
// batches of initial states (figures, long rollouts, energy checks) with any
// integrator. The backend is GoMLX's pure-Go backend unless $GOMLX_BACKEND names
// another (e.g. "xla:cpu" where the XLA plugin is installed).
package hnn
