// Package notebook holds what the GoNB notebooks in notebooks/ call, so that
// the notebooks stay thin: the quick-mode switch (HNN_NOTEBOOK_QUICK), run
// directories shared by a notebook's cells (every GoNB cell runs as a new
// process), a live training-progress display, long rollouts of learned
// Hamiltonians, training on user-defined systems, and the figures (phase
// portraits, error heat maps, energy along long rollouts, Poincaré
// sections, loss curves, comparisons) as self-contained SVG that GoNB shows
// with gonbui.DisplayHTML.
//
// It does not import GoNB: a figure is a string, and the display functions
// are passed in by the notebook.
package notebook
