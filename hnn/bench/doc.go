// Package bench measures the gradient methods of package gradient: the time
// of a training step (with a FLOP count), the peak memory of a fresh process
// training at a given rollout length, and the agreement of the discrete
// adjoint with backprop and with finite differences (gradcheck). The hnn
// command's `bench` and `gradcheck` subcommands are thin wrappers around it,
// so a notebook can call the same functions; package figure draws their
// results (figure.Memory is the paper's Figure VIII). Gradient methods are
// named as in gradient.ByName.
//
// Every benchmark builds its model from an hnn.Spec (system, widths, dtype,
// integrator, iterations, rollout), initialises the weights randomly and
// trains on random windows in the system's training box: no data set is
// read or generated, except by Gradcheck, which uses short noisy
// trajectories of the true system.
package bench
