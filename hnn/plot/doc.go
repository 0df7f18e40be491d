// Package plot writes the figures of the toolkit's reports (PNG or SVG, by
// the file's extension) with gonum.org/v1/plot: x–y charts of lines and
// point clouds (loss curves, phase portraits, energy along a rollout,
// training-data scatter) and heat maps with a colour bar (|H_pred − H_true|
// over a test set). It knows nothing about Hamiltonians: callers pass plain
// numbers, and the numerics packages never import it.
//
// Files are written atomically (a temporary file renamed into place).
// Misuse (mismatched lengths, empty grids) panics with a "plot: ..."
// message; I/O failures are returned as errors.
package plot
