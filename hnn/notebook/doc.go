// Package notebook holds what the GoNB notebooks in notebooks/ call beyond
// packages hnn and figure, so that the notebooks stay thin: the quick-mode
// switch (HNN_NOTEBOOK_QUICK), run directories shared by a notebook's cells
// (every GoNB cell runs as a new process: TrainModel saves a run, LoadModel
// and LoadModelFor read it back as an *hnn.Model), a live training-progress
// display (Progress), the comparison of this work with the baselines
// (Comparison), HTML tables of results and gradient checks, and HTML, which
// turns a figure of package figure into inline SVG for gonbui.DisplayHTML.
//
// Models are *hnn.Model values, of built-in or user-defined systems (set
// hnn.TrainConfig.System) or of data without a known system (hnn.NoSystem);
// figures are drawn by package figure and rendered by package plot. The
// package does not import GoNB: the display functions are passed in by the
// notebook.
package notebook
