package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGradcheckPaperSystems: on the three systems of the paper the discrete
// adjoint's gradient equals backprop's to 1e-10 and central differences to
// 1e-6 (max relative difference), for the unrolled and converged variants.
func TestGradcheckPaperSystems(t *testing.T) {
	for _, sys := range []string{"double-well", "coupled-oscillator", "henon-heiles"} {
		t.Run(sys, func(t *testing.T) {
			code, stdout, stderr := runHNN(t, "gradcheck", "--system", sys, "--rollout", "3", "--widths", "6,6", "--batch", "6")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var r map[string]any
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, stdout)
			}
			for key, tol := range map[string]float64{
				"adjoint_vs_backprop": 1e-10, "adjoint_vs_finite_differences": 1e-6,
				"converged_adjoint_vs_backprop": 1e-10, "converged_adjoint_vs_finite_differences": 1e-6,
			} {
				v, ok := r[key].(float64)
				if !ok || !(v <= tol) {
					t.Errorf("%s = %v, want ≤ %g", key, r[key], tol)
				}
			}
			if r["system"] != sys || r["rollout"] != 3.0 || !(r["weights"].(float64) > 0) {
				t.Errorf("output describes %v", r)
			}
		})
	}
	t.Run("gauss-legendre", func(t *testing.T) {
		code, stdout, stderr := runHNN(t, "gradcheck", "--system", "double-well", "--integrator", "gauss-legendre",
			"--rollout", "2", "--iterations", "2", "--widths", "5", "--batch", "4")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		if v, _ := r["adjoint_vs_backprop"].(float64); !(v <= 1e-10) {
			t.Errorf("adjoint_vs_backprop = %v", r["adjoint_vs_backprop"])
		}
		if v, _ := r["adjoint_vs_finite_differences"].(float64); !(v <= 1e-6) {
			t.Errorf("adjoint_vs_finite_differences = %v", r["adjoint_vs_finite_differences"])
		}
		if _, ok := r["converged_adjoint_vs_backprop"]; ok {
			t.Error("the converged variant (implicit midpoint only) reported for Gauss–Legendre")
		}
	})
}

func TestBenchStep(t *testing.T) {
	args := []string{"bench", "step", "--batch", "8", "--rollout", "6", "--widths", "4", "--steps", "2", "--warmup", "1", "--json"}
	code, stdout, stderr := runHNN(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"median_ms", "compile_ms", "gflops"} {
		if v, ok := r[k].(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v, want > 0", k, r[k])
		}
	}
	// Several methods: a list, timed interleaved.
	code, stdout, stderr = runHNN(t, append(args, "--gradient", "backprop,adjoint", "--dtype", "float32")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rs); err != nil || len(rs) != 2 || rs[1]["gradient"] != "adjoint" || rs[1]["dtype"] != "float32" {
		t.Fatalf("two methods: %v\n%s", err, stdout)
	}
	// The FLOP count: in chunks of 3 the adjoint executes (3 + 3/6)/3 = 7/6 of backprop's operations (plus Adam's).
	if f0, f1 := rs[0]["flops_per_step"].(float64), rs[1]["flops_per_step"].(float64); !(f1 > 1.15*f0 && f1 < 7.0/6*f0) {
		t.Errorf("flops per step: backprop %g, adjoint %g", f0, f1)
	}
}

// TestBenchStepRounds times in rounds against a stand-in for the PyTorch
// script (a shell script printing the reference's report line, slower in the
// second round): the ratio is the median of the rounds' ratios.
func TestBenchStepRounds(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "fake_torch.sh")
	count := filepath.Join(dir, "count")
	body := "echo x >> " + count + "\nif [ $(wc -l < " + count + ") = 1 ]; then m=40.0; else m=80.0; fi\n" +
		"echo \"torch fake float64: median $m ms/step (min 30.0)\"\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runHNN(t, "bench", "step", "--batch", "8", "--steps", "3", "--warmup", "0", "--rounds", "2",
		"--python", "/bin/sh", "--torch", script, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Steps           int       `json:"steps"`
		RoundsMs        []float64 `json:"rounds_ms"`
		OverTorch       float64   `json:"over_torch"`
		OverTorchRounds []float64 `json:"over_torch_rounds"`
		Torch           []struct {
			MedianMs float64 `json:"median_ms"`
		} `json:"torch"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if r.Steps != 6 || len(r.RoundsMs) != 2 || len(r.Torch) != 2 || r.Torch[0].MedianMs != 40 || r.Torch[1].MedianMs != 80 {
		t.Fatalf("rounds: %+v", r)
	}
	want := []float64{r.RoundsMs[0] / 40, r.RoundsMs[1] / 80}
	if math.Abs(r.OverTorchRounds[0]-want[0]) > 1e-12 || math.Abs(r.OverTorchRounds[1]-want[1]) > 1e-12 ||
		math.Abs(r.OverTorch-(want[0]+want[1])/2) > 1e-12 {
		t.Errorf("ratios %v (median %v), want %v", r.OverTorchRounds, r.OverTorch, want)
	}
}

// TestBenchMemory runs the workers as fresh processes of the test binary
// (TestMain makes it the hnn command).
func TestBenchMemory(t *testing.T) {
	memoryWorkerCommand = func() ([]string, []string) {
		return []string{os.Args[0], "bench", "memory-worker", "--config"}, []string{"HNN_TEST_AS_MAIN=1"}
	}
	defer func() { memoryWorkerCommand = nil }()
	svg := filepath.Join(t.TempDir(), "fig8.svg")
	code, stdout, stderr := runHNN(t, "bench", "memory", "--rollout", "2,4", "--gradient", "adjoint,backprop", "--batch", "8",
		"--widths", "4", "--steps", "2", "--min-rollout-steps", "0", "--json", "--plot", svg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rs); err != nil || len(rs) != 4 {
		t.Fatalf("want a list of 4 results: %v\n%s", err, stdout)
	}
	for i, r := range rs {
		wantG, wantN := []string{"adjoint", "backprop"}[i/2], []float64{2, 4}[i%2]
		if r["gradient"] != wantG || r["rollout"] != wantN {
			t.Errorf("result %d is %v/%v, want %s/%g", i, r["gradient"], r["rollout"], wantG, wantN)
		}
		if v, _ := r["peak_rss_bytes"].(float64); !(v > 1<<20) {
			t.Errorf("result %d: peak_rss_bytes %v", i, r["peak_rss_bytes"])
		}
		if v, _ := r["ms_per_step"].(float64); !(v > 0) {
			t.Errorf("result %d: ms_per_step %v", i, r["ms_per_step"])
		}
		if r["stepwise"] != (wantG == "adjoint") {
			t.Errorf("result %d: stepwise %v", i, r["stepwise"])
		}
	}
	b, err := os.ReadFile(svg)
	if err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "backprop") {
		t.Errorf("plot: %v, %.200s", err, b)
	}
	// The table.
	code, stdout, stderr = runHNN(t, "bench", "memory", "--rollout", "2", "--gradient", "adjoint", "--batch", "4",
		"--widths", "4", "--steps", "2", "--min-rollout-steps", "0")
	if code != 0 || !strings.Contains(stdout, "peak RSS (MiB)") || !strings.Contains(stdout, "adjoint") {
		t.Errorf("table: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestBenchBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "subcommand"},
		{[]string{"bench", "nope"}, "unknown subcommand"},
		{[]string{"bench", "step", "--gradient", "magic"}, "valid: adjoint"},
		{[]string{"bench", "step", "--batch", "0"}, "--batch"},
		{[]string{"bench", "step", "--integrator", "rk4"}, "unknown integrator"},
		{[]string{"bench", "step", "--torch", "/nonexistent/torch_step.py"}, "--torch"},
		{[]string{"bench", "step", "--torch", "main.go", "--widths", "8"}, "widths"},
		{[]string{"bench", "step", "--rounds", "0"}, "--rounds"},
		{[]string{"bench", "memory", "--rollout", "4,x"}, "--rollout"},
		{[]string{"bench", "memory", "--plot", "fig.jpg"}, ".svg"},
		{[]string{"bench", "memory-worker", "--config", "{"}, "--config"},
		{[]string{"gradcheck", "--system", "nope"}, "unknown system"},
		{[]string{"gradcheck", "--dtype", "float32"}, "float64"},
		{[]string{"gradcheck", "--epsilon", "0"}, "--epsilon"},
		{[]string{"train", "--gradient", "magic", "--out", filepath.Join(t.TempDir(), "r")}, "--gradient"},
	} {
		code, _, stderr := runHNN(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestTrainGradientMethods: hnn train --gradient adjoint trains as backprop
// does (the same losses to round-off); auto is the default and records itself.
func TestTrainGradientMethods(t *testing.T) {
	args := []string{"train", "--system", "pendulum", "--trajectories", "256", "--val-trajectories", "64",
		"--steps", "8", "--rollout", "4", "--epochs", "2", "--batch", "64", "--widths", "8,8", "--eval=false", "--seed", "3"}
	losses := map[string][]string{}
	for _, g := range []string{"backprop", "adjoint", ""} {
		dir := filepath.Join(t.TempDir(), "run")
		a := append(args, "--out", dir)
		if g != "" {
			a = append(a, "--gradient", g)
		}
		if code, _, stderr := runHNN(t, a...); code != 0 {
			t.Fatalf("--gradient %q: exit %d: %s", g, code, stderr)
		}
		rows := metricsRows(t, dir)
		for _, r := range rows[1:] {
			f := strings.Split(r, ",")
			losses[g] = append(losses[g], f[2], f[3]) // train and validation loss
		}
		if g == "" {
			b, _ := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
			if !strings.Contains(string(b), `"gradient":"auto"`) {
				t.Errorf("the default run does not record gradient auto")
			}
		}
	}
	if len(losses["backprop"]) != 4 || len(losses["adjoint"]) != 4 || len(losses[""]) != 4 {
		t.Fatalf("want 2 epochs of train and validation losses: %v", losses)
	}
	for i := range losses["backprop"] {
		var b, a float64
		if _, err := fmt.Sscan(losses["backprop"][i], &b); err != nil {
			t.Fatal(err)
		}
		fmt.Sscan(losses["adjoint"][i], &a)
		if math.Abs(a-b) > 1e-9*b {
			t.Errorf("loss %d: adjoint %s, backprop %s", i, losses["adjoint"][i], losses["backprop"][i])
		}
		if losses[""][i] != losses["backprop"][i] {
			t.Errorf("loss %d: auto %s, backprop %s (auto is backprop at N=4)", i, losses[""][i], losses["backprop"][i])
		}
	}
}
