package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainThenEval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runHNN(t, "train", "--system", "pendulum", "--trajectories", "512", "--val-trajectories", "128",
		"--steps", "10", "--epochs", "2", "--batch", "128", "--lr", "0.01", "--out", dir)
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	for _, want := range []string{"trained mlp 2-16-32-16-1 softplus on pendulum", "uniform", "grid", "gaussian"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	metrics, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil || !strings.HasPrefix(string(metrics), "step,epoch,train_loss,val_loss,lr") || strings.Count(string(metrics), "\n") != 3 {
		t.Errorf("metrics.csv: %v\n%s", err, metrics)
	}
	code, stdout, stderr = runHNN(t, "eval", "--model", dir, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("eval --json output is not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"uniform", "grid", "gaussian"} {
		if v, ok := res[k].(float64); !ok || !(v > 0) {
			t.Errorf("eval JSON key %q = %v, want a positive error", k, res[k])
		}
	}
	// Training into an existing run without --resume is refused; --resume
	// with the run complete does nothing more and succeeds.
	if code, _, stderr = runHNN(t, "train", "--out", dir); code != 2 || !strings.Contains(stderr, "--resume") {
		t.Errorf("train into an existing run: exit %d, %s", code, stderr)
	}
	if code, _, stderr = runHNN(t, "train", "--out", dir, "--resume", "--epochs", "2", "--eval=false"); code != 0 {
		t.Errorf("resume of a complete run: exit %d, %s", code, stderr)
	}
}

func TestTrainEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, "checkpoint.json"), []byte(`{"format":1,"meta":{"run":{"spec":`), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--system", "nope", "--out", filepath.Join(dir, "a")}, "valid: coupled-oscillator"},
		{[]string{"train", "--epochs", "0", "--out", filepath.Join(dir, "a")}, "--epochs"},
		{[]string{"train", "--gradient", "magic", "--out", filepath.Join(dir, "a")}, "valid: "},
		{[]string{"train", "--widths", "16,x", "--out", filepath.Join(dir, "a")}, "--widths"},
		{[]string{"train", "--lr", "NaN", "--out", filepath.Join(dir, "a")}, "--lr"},
		{[]string{"train", "--predictor", "oracle", "--out", filepath.Join(dir, "a")}, "valid: rk2, observed"},
		{[]string{"train", "--solver", "magic", "--out", filepath.Join(dir, "a")}, "valid: fixed-point, newton"},
		{[]string{"train", "--map", "implicit-midpoint", "--data", filepath.Join(dir, "missing.csv"), "--out", filepath.Join(dir, "a")}, "--map generates data"},
		{[]string{"train", "--map", "rk4", "--out", filepath.Join(dir, "a")}, `unknown data map "rk4"`},
		{[]string{"train", "--model", "hnn", "--solver", "newton", "--out", filepath.Join(dir, "a")}, "--solver"},
		{[]string{"train", "--integrator", "leapfrog", "--solver", "newton", "--out", filepath.Join(dir, "a")}, "only to integrator implicit-midpoint"},
		{[]string{"train", "--data", filepath.Join(dir, "missing.csv"), "--out", filepath.Join(dir, "a")}, "missing.csv"},
		{[]string{"train", "--rollout", "0", "--out", filepath.Join(dir, "a")}, "--rollout"},
		{[]string{"train", "--iterations", "0", "--out", filepath.Join(dir, "a")}, "--iterations"},
		{[]string{"train", "--dt", "0", "--out", filepath.Join(dir, "a")}, "--dt"},
		{[]string{"eval"}, "--model"},
		{[]string{"eval", "--model", filepath.Join(dir, "nowhere")}, "nowhere"},
		{[]string{"eval", "--model", corrupt}, "corrupt or truncated"},
	}
	for _, tc := range cases {
		code, _, stderr := runHNN(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("hnn %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestPanicBecomesAnError(t *testing.T) {
	register("test-panic", command{summary: "panics", run: func([]string, io.Writer, io.Writer) error { panic("boom") }})
	defer delete(commands, "test-panic")
	code, _, stderr := runHNN(t, "test-panic")
	if code != 1 || !strings.Contains(stderr, "internal error: boom") || strings.Contains(stderr, "goroutine") {
		t.Errorf("exit %d, stderr %q: want exit 1 and a one-line internal error", code, stderr)
	}
}
