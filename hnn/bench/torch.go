package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/hnnlab/hnnlab/hnn/ansatz"
)

// TorchResult is the PyTorch reference's timing of the same training step.
type TorchResult struct {
	MedianMs float64 `json:"median_ms"`
	MinMs    float64 `json:"min_ms"`
	// Output is the script's report line.
	Output string `json:"output"`
	// BLAS is the file Debian's libblas.so.3 resolves to (its alternatives
	// system picks the implementation PyTorch's matmuls use): the reference
	// BLAS when python3-torch was installed without its recommended
	// libopenblas0, which makes PyTorch 2–3× slower here. Empty when unknown.
	BLAS string `json:"blas,omitempty"`
}

// blasLibrary returns what libblas.so.3 resolves to on a Debian-style
// multiarch system, or "".
func blasLibrary() string {
	links, _ := filepath.Glob("/usr/lib/*/libblas.so.3")
	for _, l := range links {
		if p, err := filepath.EvalSymlinks(l); err == nil {
			return p
		}
	}
	return ""
}

var torchLine = regexp.MustCompile(`median ([0-9.]+) ms/step \(min ([0-9.]+)\)`)

// Torch runs the PyTorch reference script (torch_step.py: implicit midpoint,
// RK2 predictor, k sweeps, MLP 2-16-32-16-1 tanh, backprop, Adam) with
// python at cfg's batch, rollout, iterations, dtype and number of timed
// steps, on threads threads. It returns an error when cfg describes a model
// the script does not implement (d ≠ 1, other widths, integrator or predictor,
// a gradient method other than backprop).
func Torch(ctx context.Context, python, script string, threads int, cfg StepConfig) (TorchResult, error) {
	if err := CheckTorch(cfg); err != nil {
		return TorchResult{}, err
	}
	cfg = cfg.withDefaults()
	s := cfg.Spec
	cmd := exec.CommandContext(ctx, python, script, "--dtype", s.DType, "--B", strconv.Itoa(cfg.Batch),
		"--N", strconv.Itoa(s.Rollout), "--k", strconv.Itoa(s.Iterations), "--h", strconv.FormatFloat(s.Dt, 'g', -1, 64),
		"--threads", strconv.Itoa(threads), "--reps", strconv.Itoa(cfg.Steps))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return TorchResult{}, fmt.Errorf("%s %s: %w: %s", python, script, err, bytes.TrimSpace(stderr.Bytes()))
	}
	m := torchLine.FindStringSubmatch(stdout.String())
	if m == nil {
		return TorchResult{}, fmt.Errorf("%s: unexpected output %q", script, stdout.String())
	}
	med, _ := strconv.ParseFloat(m[1], 64)
	mn, _ := strconv.ParseFloat(m[2], 64)
	return TorchResult{MedianMs: med, MinMs: mn, Output: string(bytes.TrimSpace(stdout.Bytes())), BLAS: blasLibrary()}, nil
}

// CheckTorch returns an error when cfg describes a training step that the
// PyTorch reference script does not implement.
func CheckTorch(cfg StepConfig) error {
	cfg = cfg.withDefaults()
	r, err := cfg.Spec.Resolve()
	if err != nil {
		return err
	}
	s, p := r.Spec, r.Problem
	switch {
	case s.Dim != 1:
		return fmt.Errorf("the PyTorch reference has d = 1 only, not system %s", s.System)
	case s.Ansatz != "mlp" || p.Objective != nil:
		return fmt.Errorf("the PyTorch reference trains an MLP on the rollout loss only")
	case !slices.Equal(s.Widths, ansatz.DefaultWidths) || s.Activation != string(ansatz.TanhActivation):
		return fmt.Errorf("the PyTorch reference has widths %v and tanh only", ansatz.DefaultWidths)
	case s.Integrator != "implicit-midpoint" || s.Predictor != "rk2":
		return fmt.Errorf("the PyTorch reference runs the implicit midpoint rule with the RK2 predictor only")
	case cfg.Gradient != "backprop":
		return fmt.Errorf("the PyTorch reference backpropagates through the solver; compare it with --gradient backprop")
	}
	return nil
}
