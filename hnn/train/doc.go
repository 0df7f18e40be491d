// Package train fits a learnable Hamiltonian to observed trajectories.
//
// A Trainer draws minibatches of windows of N+1 consecutive observed states
// (each trajectory once per epoch, in a shuffled order, the window's start
// uniform along the trajectory, as in Section 5.1.1 of the paper), evaluates
// the rollout loss (26) and its gradient with a gradient.Method, and applies
// Adam. After every epoch it evaluates the validation loss on a fixed set of
// windows, lowers the learning rate when that loss stops improving
// (ReduceLROnPlateau), appends a row to metrics.csv and writes a checkpoint.
//
// After the Adam epochs, Config.Refine can add a second stage: full-batch
// L-BFGS (gonum) on a fixed set of training windows, stopped on the
// validation loss and keeping the best-validation weights, logged to
// refine.csv. Adam's minibatch noise and annealed learning rate stop it well
// above what the data determine; the stage takes the loss to the data's
// limit (see Refine for the objective, the stopping rule and the
// measurements).
//
// # Failure and resumption
//
// The trainer watches the implicit solver: a fixed-point residual above
// Config.MaxResidual means the iteration is not converging (h·Lip(F) too
// large for the current H) and stops the run with ErrSolverDiverged rather
// than training on garbage; a NaN or infinite loss stops it with
// ErrNonFinite. Neither overwrites the last good checkpoint.
//
// Checkpoints (package checkpoint) hold the weights, the optimizer's moments
// and step, the learning rate and plateau state, the position in the epoch's
// data order and the random state, so Resume continues a killed run exactly
// where its last checkpoint left it: the resumed run's losses equal the
// uninterrupted run's.
package train
