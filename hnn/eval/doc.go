// Package eval measures how well a learned Hamiltonian matches the true one.
//
// The additive constant of H is not identifiable from trajectories, so the
// error on a test set {y_i} is gauge-fixed (as in the authors' code):
//
//	c = mean_i (H_pred(y_i) − H_true(y_i)),   err = mean_i |H_pred(y_i) − H_true(y_i) − c|.
//
// Test sets (Section 5.1.2 of the paper), per system.Domain: uniform random
// points in the domain's box, a uniform grid (GridPerAxis points per free
// axis, ends included) and Gaussian points N(0, σ²) on the free axes (fixed
// axes keep their value). Test sets are drawn from streams of their own
// (seeded by the domain), so every model of a system is scored on the same
// points.
package eval
