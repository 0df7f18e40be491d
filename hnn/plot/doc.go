// Package plot is the toolkit's only figure renderer, built on
// gonum.org/v1/plot. A Figure is a title over a grid of Panels; a Panel
// holds lines (Line, Lines, Dashed), dots (Scatter), grouped bars over
// categories (Bar) and a heat map with its colour bar (Heatmap), on linear
// or log₁₀ axes, with a legend for the labelled series.
//
// A figure is saved as a PNG, SVG or PDF file (Figure.Save, by the file's
// extension, written atomically: a temporary file renamed into place) or
// returned in memory (Figure.SVG, Figure.PNG) for notebooks. The SVG is
// self-contained and defines no ids, so that a page can inline many
// figures; heat maps are one embedded image in every format, however many
// cells they have.
//
// Chart and Heat are one-panel shortcuts for the reports' figures, and
// BinMean bins scattered values into a Heat.
//
// The package knows nothing about Hamiltonians: callers pass plain numbers,
// and the numerics packages never import it. Misuse (mismatched lengths,
// ragged grids, malformed colours) panics with a "plot: ..." message;
// failures to render or write a figure are returned as errors.
package plot
