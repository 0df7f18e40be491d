// Package figure owns what the toolkit draws: the training data, loss
// curves, phase portraits of true and learned flows, |H_pred − H_true| heat
// maps, the energy along long rollouts, Poincaré sections, error
// comparisons between models, the learned energy landscape, and the
// memory/time figure of the gradient methods (the paper's Figure VIII).
//
// Every function computes what its figure shows (rollouts of the learned
// and true flows, gauge-fixed errors) and returns a *plot.Figure, which the
// caller saves (Save: PNG, SVG or PDF, atomically) or displays (SVG, for
// notebooks). The hnn command, package reproduce, the benchmarks and the
// notebooks all draw through this package; package plot is its only
// renderer.
//
// Models are *hnn.Model values with a label (Labeled). Rollouts of learned
// Hamiltonians use the implicit midpoint rule solved to round-off
// (hnn.Flow.Converged), so that they follow the implicit map itself; true
// orbits come from the order-6 Gauss–Legendre reference integrator. Axes are
// named by system.CoordNames.
package figure
