package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/identify"
)

func init() {
	register("eval", command{
		summary: "score a trained model: mean |H_pred − H_true − c| on uniform, grid and Gaussian test sets",
		run:     runEval,
	})
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stdout)
	dir := fs.String("model", "", "directory of a trained model (hnn train --out)")
	asJSON := fs.Bool("json", false, "print JSON: {\"uniform\": …, \"grid\": …, \"gaussian\": …, \"domains\": {…}, \"corrected\": {the same for the bias-corrected energy}}")
	dataFlag := fs.String("data", "", "for a model without a true energy: score it on these trajectories (default: its run's held-out data)")
	formula := fs.String("formula", "", "also score the closed form found by hnn identify: a file, or \"model\" for MODEL/"+identify.FileName)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--model: a model directory is required")
	}
	if _, err := os.Stat(*dir); err != nil {
		return usagef("--model: %v", err)
	}
	m, err := hnn.Load(*dir)
	if err != nil {
		return asUsage(err)
	}
	if m.System == nil { // no true energy: what held-out data can tell
		run, err := hnn.ReadRunInfo(*dir)
		if err != nil {
			return asUsage(err)
		}
		s, what, n, err := scoreHeldOut(m, run, *dataFlag)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, map[string]any{"system": m.Spec.System, "true_energy_known": false, "data": what, "trajectories": n, "scores": s})
		}
		printDataScores(stdout, s, what, n)
		return nil
	}
	res, err := m.Evaluate()
	if err != nil {
		return err
	}
	var corr []eval.Result
	if m.Correction() != "" {
		if corr, err = m.EvaluateCorrected(); err != nil {
			return err
		}
	}
	var form []eval.Result
	var f *identify.Formula
	if *formula != "" {
		path := *formula
		if path == "model" {
			path = filepath.Join(*dir, identify.FileName)
		}
		if f, err = identify.ReadFile(path); err != nil {
			return usagef("--formula: %v", err)
		}
		if f.Dim() != m.Dim() {
			return usagef("--formula: %s has d = %d, the model d = %d", path, f.Dim(), m.Dim())
		}
		if form, err = eval.Evaluate(m.System, f.Energy, eval.DefaultSeed); err != nil {
			if errors.Is(err, eval.ErrNonFinite) { // the file's coefficients, not the network
				return usagef("--formula %s: the closed form: %v (are its coefficients sensible?)", path, strings.TrimPrefix(err.Error(), "eval: "))
			}
			return err
		}
	}
	if *asJSON {
		out := resultsJSON(res)
		if corr != nil {
			c := resultsJSON(corr)
			c["correction"] = m.Correction()
			out["corrected"] = c
		}
		if form != nil {
			fo := resultsJSON(form)
			fo["formula"] = f.String()
			out["formula"] = fo
		}
		return writeJSON(stdout, out)
	}
	printResultsWith(stdout, res, corr)
	if form != nil {
		fmt.Fprintf(stdout, "\nclosed form %s:\n", f)
		printResults(stdout, form)
	}
	return nil
}

// resultsJSON puts the primary domain's errors at the top level (keys
// uniform, grid, gaussian) and every domain under "domains".
func resultsJSON(res []eval.Result) map[string]any {
	out := map[string]any{}
	domains := map[string]map[string]float64{}
	for i, r := range res {
		if domains[r.Domain] == nil {
			domains[r.Domain] = map[string]float64{}
		}
		domains[r.Domain][r.Set] = r.Error
		if r.Domain == res[0].Domain && i < 3 {
			out[r.Set] = r.Error
		}
	}
	out["domain"] = res[0].Domain
	out["domains"] = domains
	return out
}

func printResults(w io.Writer, res []eval.Result) { printResultsWith(w, res, nil) }

// printResultsWith prints the errors of the learned energy and, when corr
// is given, of the bias-corrected one beside them.
func printResultsWith(w io.Writer, res, corr []eval.Result) {
	if corr == nil {
		fmt.Fprintf(w, "%-8s %-9s %8s  %s\n", "domain", "test set", "points", "mean |H_pred − H_true − c|")
		for _, r := range res {
			fmt.Fprintf(w, "%-8s %-9s %8d  %.4g\n", r.Domain, r.Set, r.Points, r.Error)
		}
		return
	}
	fmt.Fprintf(w, "%-8s %-9s %8s  %-12s %s\n", "domain", "test set", "points", "learned H", "corrected H̄ − (h²/24)∇²H̄(f̄,f̄)   (mean |H_pred − H_true − c|)")
	for i, r := range res {
		fmt.Fprintf(w, "%-8s %-9s %8d  %-12.4g %.4g\n", r.Domain, r.Set, r.Points, r.Error, corr[i].Error)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
