// Package identify turns a learned energy into a formula: a sparse
// regression of H_θ(q, p) on a library of candidate terms, with
// uncertainties, a comparison with the true Hamiltonian when it is known,
// and the result as a system.System (Formula), so that the formula can be
// scored on the same test sets as the network (eval.Evaluate) and
// integrated by package reference.
//
// # Library
//
// A Library is the monomials of the 2d coordinates of total degree 1…N
// ("poly:N", default poly:4) and, optionally ("trig" = "trig:2"), cos q_i
// and sin q_i for each position and their products with the monomials of
// the momenta of degree 1…K ("trig:K"): pendulum-type systems. The
// constant is never a term: the additive constant of H is not
// identifiable, so every fit has an intercept, reported separately
// (Formula.Constant) and not part of Formula.H. Each Term has a readable
// name ("q1^2 p1", "cos(q1)", "p1^2 cos(q1)"; ParseTerm reads it back), a
// LaTeX form, and closed-form value and gradient.
//
// # Samples and design
//
// The energy is sampled at Config.Samples points (default 4000) drawn
// uniformly, with Config.Seed, in Config.Box — the region the model was
// trained on (for a built-in system its Box). A library of more than
// Samples/10 terms is refused (ErrLibraryTooLarge). Every column of the
// design and the energy are centred and scaled to unit standard deviation
// over the samples, so coefficients ξ are in units of "standard deviations
// of H per standard deviation of the term" and thresholds do not depend on
// the units of q, p or H. The condition number of this normalised design
// (gonum's SVD) above Config.MaxCondition (default 1e6), or a term
// constant on the samples (a fixed axis), is an error (ErrIllConditioned):
// its coefficients would not be determined. All least-squares fits are
// solved by gonum's QR factorisation.
//
// # Threshold rule
//
// Sequentially thresholded least squares (STLSQ) at a threshold λ fits all
// terms, drops those with |ξ| < λ, and refits until the support no longer
// changes. It is run at λ log-spaced, 10 per decade, from PathMin = 1e-6 to
// the largest |ξ| of the full fit; each distinct support is scored by its
// relative residual r = RMS(E − fit) / std(E) over the samples. Of the
// supports found, the best of each size is kept, and of those the Pareto
// front (each larger model strictly better than every smaller one), with
// the empty model (r = 1) as its first point. On this front, with x the
// number of terms and y = log10 r, both scaled to [0, 1] between the first
// and last points, the knee is where the chord between the ends lies
// highest above the front: the criterion 1 − x − y. The selected formula
// is the smallest model whose criterion is within KneeTolerance (0.02) of
// the largest. The rule has no per-system setting; the front, the
// criterion of each point and the threshold interval that selects the
// formula are reported (Formula.Path, ThresholdLo, ThresholdHi).
//
// # Uncertainty
//
// The selected support is refitted on Config.Bootstrap (default 200)
// resamples, with replacement, of the sample points; the standard
// deviation of each coefficient over them is Coef.BootstrapStd. It
// measures how well the samples determine the coefficients given the
// residual; it does not measure the model's own error (a network's energy
// is a smooth function, not noise). With several models (FitModels: e.g.
// the same system trained with different seeds), the formula is that of
// their mean energy (the ensemble), and each model is fitted on its
// support at the same samples: the standard deviation across models is
// Coef.ModelStd, which does reflect the training's error, and a model
// whose own selection differs is named in Formula.Warnings.
// Coef.Uncertainty is √(BootstrapStd² + ModelStd²/M) for M models (the
// standard error of the mean).
//
// # Outside the library
//
// Formula.Residual is the selected formula's relative residual,
// Formula.LibraryResidual that of the fit on the whole library: the best
// any combination of the library's terms achieves. When LibraryResidual
// exceeds Config.OutsideResidual (default 1e-2), the energy is "outside
// the library": Formula.Outside is set and a warning says that the formula
// approximates the energy rather than identifying it (e.g. exp(q)·p² or
// 1/(1+q²) on poly:4). When only the formula's residual exceeds it, a
// "loose fit" warning says that the energy is not a sparse combination of
// the terms to that accuracy. Random noise in the energy counts as misfit:
// the residual cannot tell noise from a missing term.
//
// # Comparison with the truth
//
// With Config.Truth (the true system, e.g. a built-in one), its H is
// fitted on the same library and samples. If the full-library fit leaves a
// relative residual ≤ ExactResidual (1e-9), the true H lies in the library
// (always for a polynomial H within the degree; the pendulum with trig):
// its coefficients with |ξ| > ExactZero are the true ones (Coef.True), and
// Truth.Spurious and Truth.Missing name the selected terms whose true
// coefficient is zero and the true terms not selected. Otherwise the same
// rule applied to the true H gives a reference fit (Truth.Note says so).
// Truth.Terms also gives, for each true term, the model's energy fitted on
// the true support (OnTrueSupport): the best coefficient any selection
// could find from this model, which separates the network's error
// (OnTrueSupport − True) from the selection's (Found − OnTrueSupport).
//
// # Formula
//
// Formula.H and Grad evaluate the formula in closed form, String writes
// it ("H ≈ −0.5000 q^2 + 0.5000 p^2 + 0.2500 q^4"), LaTeX in LaTeX. Its
// JSON encoding has terms (name, coefficient, uncertainty, …), residual,
// latex, box and how it was fitted; UnmarshalJSON and ReadFile read it
// back (a term needs only its name and coefficient, so a formula can be
// written by hand). WriteFile writes it atomically.
package identify
