package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/identify"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func init() {
	register("identify", command{
		summary: "find a formula for a trained model's energy: sparse regression on a library of terms",
		run:     runIdentify,
	})
}

func runIdentify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("identify", stdout)
	dir := fs.String("model", "", "directory of a trained model (hnn train --out)")
	others := fs.String("models", "", "comma-separated directories of more models of the same system (e.g. other seeds): the formula of the mean energy, with the coefficients' spread across models")
	library := fs.String("library", identify.DefaultLibrary.String(), "candidate terms: poly:N (monomials of degree 1…N), trig or trig:K (cos q_i, sin q_i times momentum monomials up to degree K), comma-separated")
	samples := fs.Int("samples", identify.DefaultSamples, "points sampled uniformly in the model's training box")
	seed := fs.Uint64("seed", identify.DefaultSeed, "random seed of the samples and the bootstrap")
	boot := fs.Int("bootstrap", identify.DefaultBootstrap, "bootstrap resamples for the coefficients' uncertainty (0: none)")
	out := fs.String("out", "", "file the formula is written to (default: MODEL/"+identify.FileName+")")
	raw := fs.Bool("raw", false, "fit the network's energy as learned, not its bias-corrected energy (the default where the model has a correction, hnn eval's \"corrected\")")
	asJSON := fs.Bool("json", false, "print JSON: {\"terms\": […], \"residual\": …, \"latex\": …, \"errors\": {\"network\": …, \"formula\": …}, …}")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hnn identify --model DIR [--library poly:4,trig] [--samples N] [--seed K] [--models DIR2,DIR3] [--json]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--model: a model directory is required")
	}
	lib, err := identify.ParseLibrary(*library)
	if err != nil {
		return usagef("--library: %v", err)
	}
	if err := firstErr(inRange("samples", *samples, 1, maxSamples), inRange("bootstrap", *boot, 0, maxBootstrap)); err != nil {
		return err
	}
	if rows := float64(*samples) * float64(*boot); rows > maxBootstrapRows {
		return usagef("--samples × --bootstrap: %d × %d = %.3g rows refitted, more than the limit %.0e (fewer samples or resamples)", *samples, *boot, rows, float64(maxBootstrapRows))
	}
	m, err := loadForIdentify("model", *dir)
	if err != nil {
		return err
	}
	sys := m.System
	models := []*hnn.Model{m}
	if *others != "" {
		for _, d := range strings.Split(*others, ",") {
			d = strings.TrimSpace(d)
			o, err := loadForIdentify("models", d)
			if err != nil {
				return err
			}
			if !sameSystem(o.System, sys) {
				return usagef("--models: %s is a model of %s (d = %d), --model %s one of %s (d = %d)", d, o.Spec.System, o.Dim(), *dir, m.Spec.System, m.Dim())
			}
			models = append(models, o)
		}
	}
	bootstrap := *boot
	if bootstrap == 0 {
		bootstrap = -1 // none (the Config's 0 means the default)
	}
	f, err := identify.FitModel(models, identify.ModelConfig{Raw: *raw,
		Config: identify.Config{Library: lib, Samples: *samples, Seed: *seed, Bootstrap: bootstrap}})
	if err != nil {
		if errors.Is(err, identify.ErrLibrary) || errors.Is(err, identify.ErrLibraryTooLarge) || errors.Is(err, identify.ErrIllConditioned) {
			return usagef("%s", strings.TrimPrefix(err.Error(), "identify: "))
		}
		return err
	}
	// The network column: the model, or the mean energy of the models (the
	// ensemble whose formula was fitted).
	netRes, err := eval.Evaluate(sys, identify.MeanEnergy(identify.Energies(models, *raw)), eval.DefaultSeed)
	if err != nil {
		return err
	}
	formRes, err := eval.Evaluate(sys, f.Energy, eval.DefaultSeed)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(*dir, identify.FileName)
	}
	if err := f.WriteFile(path); err != nil {
		return err
	}
	fitted := "learned"
	if !*raw && m.Correction() != "" {
		fitted = "corrected"
	}
	if *asJSON {
		return writeIdentifyJSON(stdout, f, netRes, formRes, path, fitted)
	}
	if fitted == "corrected" {
		fmt.Fprintf(stdout, "fitting the bias-corrected energy H̄ − (h²/24)∇²H̄(f̄,f̄), h = %g (--raw: the energy as learned)\n", m.Spec.Dt)
	}
	printFormula(stdout, *dir, sys, f, netRes, formRes)
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// loadForIdentify loads the model in dir, given by --flag, which must know
// its system (the box to sample it in, the truth to compare with).
func loadForIdentify(flag, dir string) (*hnn.Model, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, usagef("--%s: %v", flag, err)
	}
	m, err := hnn.Load(dir)
	if err != nil {
		return nil, asUsage(err)
	}
	if m.System == nil {
		return nil, usagef("--%s %s: the model has no known data region: it was trained on %s, not a built-in system, so there is no box to sample its energy in",
			flag, dir, describeSystem(m.Spec.System))
	}
	return m, nil
}

// sameSystem reports whether a and b are the same system: name, dimension
// and energy at a few points of a's box (e.g. the coupled oscillator's α).
func sameSystem(a, b system.System) bool {
	if a.Name() != b.Name() || a.Dim() != b.Dim() {
		return false
	}
	box := a.Box()
	for _, pts := range [][][]float64{eval.Grid(box, 3)} {
		for _, y := range pts {
			if a.H(y) != b.H(y) {
				return false
			}
		}
	}
	return true
}

func describeSystem(name string) string {
	if name == hnn.NoSystem {
		return "data without a system"
	}
	return fmt.Sprintf("the user-defined system %q", name)
}

func boxString(b system.Box) string {
	parts := make([]string, len(b.Lo))
	for i := range b.Lo {
		parts[i] = fmt.Sprintf("[%g, %g]", b.Lo[i], b.Hi[i])
	}
	return strings.Join(parts, "×")
}

func printFormula(w io.Writer, dir string, sys system.System, f *identify.Formula, netRes, formRes []eval.Result) {
	models := ""
	if f.Models > 1 {
		models = fmt.Sprintf(" and %d more (the formula of their mean energy)", f.Models-1)
	}
	fmt.Fprintf(w, "model %s%s (%s): library %s (%d terms), %d samples in %s\n", dir, models, sys.Name(), f.Library, f.LibraryTerms, f.Samples, boxString(f.SampleBox))
	fmt.Fprintf(w, "%s\n\n", f)
	exact := f.Truth != nil && f.Truth.Exact
	trueHead := "true"
	if !exact {
		trueHead = "true H's fit"
	}
	fmt.Fprintf(w, "%-14s %-26s %-12s %s\n", "term", "found ± uncertainty", trueHead, "rel. error")
	trueOf := map[string]float64{}
	if f.Truth != nil {
		for _, t := range f.Truth.Terms {
			trueOf[t.Name] = t.Coefficient
		}
	}
	for _, c := range f.Terms {
		tv, known := trueOf[c.Name]
		rel := "—"
		if known && tv != 0 {
			rel = fmt.Sprintf("%.2e", math.Abs(c.Coefficient/tv-1))
		}
		ts := "0"
		if known {
			ts = fmt.Sprintf("%.6g", tv)
		}
		if f.Truth == nil {
			ts = "?"
		}
		fmt.Fprintf(w, "%-14s %-26s %-12s %s\n", c.Name, fmt.Sprintf("%.6g ± %.2g", c.Coefficient, c.Uncertainty), ts, rel)
	}
	if f.Truth != nil {
		for _, t := range f.Truth.Terms {
			if _, ok := f.Coefficient(t.Name); !ok {
				fmt.Fprintf(w, "%-14s %-26s %-12s %s\n", t.Name, "— (not selected)", fmt.Sprintf("%.6g", t.Coefficient), "1")
			}
		}
		if exact {
			fmt.Fprintf(w, "spurious terms: %s; missing terms: %s\n", listOrNone(f.Truth.Spurious), listOrNone(f.Truth.Missing))
		} else {
			fmt.Fprintf(w, "%s\n", f.Truth.Note)
		}
	}
	fmt.Fprintf(w, "relative residual %.3g (whole library: %.3g): RMS of H_θ − formula over the std of H_θ on the samples; condition number %.3g\n",
		f.Residual, f.LibraryResidual, f.Condition)
	for _, warn := range f.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	fmt.Fprintf(w, "\ntest-set errors, mean |H − H_true − c|%s:\n", map[bool]string{true: " (network: the mean energy of the models)"}[f.Models > 1])
	fmt.Fprintf(w, "%-8s %-9s %8s  %-10s %-10s %s\n", "domain", "test set", "points", "network", "formula", "ratio")
	for i, r := range netRes {
		fr := formRes[i]
		fmt.Fprintf(w, "%-8s %-9s %8d  %-10.4g %-10.4g %.3g\n", r.Domain, r.Set, r.Points, r.Error, fr.Error, r.Error/fr.Error)
	}
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// writeIdentifyJSON prints the formula's JSON encoding with the test-set
// errors of the network and of the formula (keys as hnn eval --json) and
// the file written.
func writeIdentifyJSON(w io.Writer, f *identify.Formula, netRes, formRes []eval.Result, path, fitted string) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	obj["errors"] = map[string]any{"network": resultsJSON(netRes), "formula": resultsJSON(formRes)}
	obj["energy"] = fitted // "corrected" (the model's bias-corrected energy) or "learned"
	obj["file"] = path
	return writeJSON(w, obj)
}
