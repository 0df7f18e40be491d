package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/identify"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// trainTiny trains a small model (a few hundred windows, one epoch) into
// dir: enough to be loaded and identified, not to be accurate.
func trainTiny(t *testing.T, dir string, cfg hnn.TrainConfig) {
	t.Helper()
	cfg.Data = hnn.DataConfig{Train: 128, Val: 32, Steps: 10}
	cfg.Trainer = train.Config{Epochs: 1, BatchSize: 128, LearningRate: 0.01, OutDir: dir}
	cfg.Seed, cfg.Shards = 1, 1
	if _, _, err := hnn.Train(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
}

func TestIdentifyCommand(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "dw")
	trainTiny(t, dir, hnn.TrainConfig{Spec: hnn.Spec{System: "double-well"}})

	code, stdout, stderr := runHNN(t, "identify", "--model", dir, "--json", "--bootstrap", "20")
	if code != 0 {
		t.Fatalf("identify --json: exit %d: %s", code, stderr)
	}
	var res struct {
		Terms []struct {
			Name        string   `json:"name"`
			Coefficient *float64 `json:"coefficient"`
			Uncertainty *float64 `json:"uncertainty"`
		} `json:"terms"`
		Residual *float64 `json:"residual"`
		LaTeX    string   `json:"latex"`
		Formula  string   `json:"formula"`
		File     string   `json:"file"`
		Errors   struct {
			Network map[string]any `json:"network"`
			Formula map[string]any `json:"formula"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("identify --json output is not JSON: %v\n%s", err, stdout)
	}
	if len(res.Terms) == 0 || res.Residual == nil || !strings.HasPrefix(res.LaTeX, `H \approx`) || !strings.HasPrefix(res.Formula, "H ≈") {
		t.Errorf("JSON: %d terms, residual %v, latex %q, formula %q", len(res.Terms), res.Residual, res.LaTeX, res.Formula)
	}
	for _, term := range res.Terms {
		if term.Name == "" || term.Coefficient == nil || term.Uncertainty == nil {
			t.Errorf("JSON term %+v lacks name, coefficient or uncertainty", term)
		}
	}
	// hnn eval scores the saved formula beside the network, with the same numbers.
	code, evalOut, stderr := runHNN(t, "eval", "--model", dir, "--formula", "model", "--json")
	var ev struct {
		Formula map[string]any `json:"formula"`
	}
	if code != 0 || json.Unmarshal([]byte(evalOut), &ev) != nil || ev.Formula["uniform"] != res.Errors.Formula["uniform"] {
		t.Errorf("eval --formula model: exit %d, %q (identify: %v)\n%s", code, evalOut, res.Errors.Formula["uniform"], stderr)
	}
	if code, _, stderr := runHNN(t, "eval", "--model", dir, "--formula", filepath.Join(root, "missing.json")); code != 2 || !strings.Contains(stderr, "--formula") {
		t.Errorf("eval --formula of a missing file: exit %d: %s", code, stderr)
	}
	for _, set := range []string{"uniform", "grid", "gaussian"} {
		for who, errs := range map[string]map[string]any{"network": res.Errors.Network, "formula": res.Errors.Formula} {
			if v, ok := errs[set].(float64); !ok || !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("errors.%s.%s = %v, want a positive error", who, set, errs[set])
			}
		}
	}
	// The formula was written to the model's directory and reads back.
	file := filepath.Join(dir, identify.FileName)
	if res.File != file {
		t.Errorf("file %q, want %q", res.File, file)
	}
	f, err := identify.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if f.String() != res.Formula || len(f.Terms) != len(res.Terms) || f.Name() != "identified" || f.Truth == nil || f.Truth.System != "double-well" {
		t.Errorf("%s holds %s (%d terms, truth %+v), the command printed %s", file, f, len(f.Terms), f.Truth, res.Formula)
	}

	// The table, with the same model twice as "several models", to another file.
	other := filepath.Join(root, "formula.json")
	code, stdout, stderr = runHNN(t, "identify", "--model", dir, "--models", dir, "--library", "poly:3", "--samples", "1000", "--out", other, "--bootstrap", "0")
	if code != 0 {
		t.Fatalf("identify: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"H ≈", "found ± uncertainty", "true", "relative residual", "test-set errors", "network", "formula", "uniform", "gaussian", "wrote " + other} {
		if !strings.Contains(stdout, want) {
			t.Errorf("identify output lacks %q:\n%s", want, stdout)
		}
	}
	g, err := identify.ReadFile(other)
	if err != nil || g.Models != 2 || g.Samples != 1000 || g.Library.String() != "poly:3" {
		t.Errorf("%s: %v, %+v", other, err, g)
	}

	// A model of a user-defined system has no known box.
	udir := filepath.Join(root, "user")
	osc := system.Func{SystemName: "my-oscillator", D: 1,
		Energy:   func(y []float64) float64 { return (y[0]*y[0] + y[1]*y[1]) / 2 },
		Gradient: func(dst, y []float64) { dst[0], dst[1] = y[0], y[1] }}
	trainTiny(t, udir, hnn.TrainConfig{System: osc})

	fresh := filepath.Join(root, "never.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", dir, "--library", "poly:x"}, `--library: bad library "poly:x"`},
		{[]string{"--model", dir, "--library", "fourier"}, "unknown item"},
		{[]string{"--model", dir, "--library", "poly:6", "--samples", "100"}, "library too large for the samples"},
		{[]string{"--model", dir, "--library", "poly:8,trig:4"}, "ill-conditioned fit"},
		{[]string{"--model", udir}, "the model has no known data region"},
		{[]string{"--model", dir, "--models", udir}, "the model has no known data region"},
		{[]string{"--model", filepath.Join(root, "missing")}, "--model"},
		{[]string{}, "--model: a model directory is required"},
		{[]string{"--model", dir, "--samples", "0"}, "--samples"},
		{[]string{"--model", dir, "--bootstrap", "-1"}, "--bootstrap"},
		{[]string{"--model", dir, "--nope"}, "flag provided but not defined"},
		{[]string{"--model", dir, "extra"}, "unexpected argument"},
	} {
		args := append([]string{"identify", "--out", fresh}, c.args...)
		code, _, stderr := runHNN(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "goroutine") {
			t.Errorf("hnn %s: exit %d, stderr %q; want exit 2 and one line with %q", strings.Join(args, " "), code, stderr, c.want)
		}
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a failed identify wrote %s", fresh)
	}
}
