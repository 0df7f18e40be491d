package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/data"
)

// The user's own data: which system a file is scored against comes from
// --system or from the file's record, and a file that is not data of the
// named system is refused; a file that names none trains without a true
// energy and is evaluated on the data alone.
func TestOwnData(t *testing.T) {
	dir := t.TempDir()
	recorded := filepath.Join(dir, "co.npz")
	if code, _, stderr := runHNN(t, "generate", "--system", "coupled-oscillator", "--trajectories", "48", "--steps", "60",
		"--dt", "0.1", "--noise", "0.01", "--seed", "3", "--out", recorded); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	// The same states without their record, as a user's own NumPy file.
	tr, err := data.ReadFile(recorded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Meta == nil || tr.Meta.System != "coupled-oscillator" {
		t.Fatalf("generated .npz records %+v, want system coupled-oscillator", tr.Meta)
	}
	tr.Meta = nil
	plain := filepath.Join(dir, "plain.npz")
	if err := tr.WriteNPZFile(plain); err != nil {
		t.Fatal(err)
	}
	train := func(file string, extra ...string) []string {
		return append([]string{"train", "--data", file, "--epochs", "1", "--batch", "16", "--widths", "8", "--rollout", "4",
			"--out", filepath.Join(t.TempDir(), "run")}, extra...)
	}

	t.Run("the record names the system", func(t *testing.T) {
		code, stdout, stderr := runHNN(t, train(recorded)...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "scoring against coupled-oscillator (from "+recorded) {
			t.Errorf("stderr does not say where the system came from:\n%s", stderr)
		}
		if !strings.Contains(stdout, "uniform") || strings.Contains(stdout, "no true energy") {
			t.Errorf("a recorded system is not scored against its energy:\n%s", stdout)
		}
	})
	t.Run("named on the command line", func(t *testing.T) {
		code, stdout, stderr := runHNN(t, train(plain, "--system", "coupled-oscillator")...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "scoring against coupled-oscillator (from --system") || !strings.Contains(stdout, "uniform") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
	})
	t.Run("named as another system", func(t *testing.T) {
		for _, file := range []string{plain, recorded} {
			code, _, stderr := runHNN(t, train(file, "--system", "double-well")...)
			if code != 2 || !strings.Contains(stderr, "double-well") {
				t.Errorf("%s as double-well: exit %d, want 2 naming the system:\n%s", file, code, stderr)
			}
			noTrace(t, "another system", stderr)
		}
	})
	t.Run("no system", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		args := []string{"train", "--data", plain, "--epochs", "1", "--batch", "16", "--widths", "8", "--rollout", "4", "--out", out}
		code, stdout, stderr := runHNN(t, args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "records no system") || !strings.Contains(stdout, "no true energy is known") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		if strings.Contains(stdout, "uniform") {
			t.Errorf("a model without a system is scored against a true energy:\n%s", stdout)
		}
		code, stdout, stderr = runHNN(t, "eval", "--model", out, "--data", plain)
		if code != 0 || !strings.Contains(stdout, "rmse") {
			t.Errorf("eval --data: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		// Without --data: the held-out part of the run's own data.
		code, stdout, stderr = runHNN(t, "eval", "--model", out)
		if code != 0 || !strings.Contains(stdout, "held out") || !strings.Contains(stdout, "no true energy is known") {
			t.Errorf("eval of a no-system model without --data: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("bad NumPy files", func(t *testing.T) {
		garbage := filepath.Join(dir, "garbage.npz")
		os.WriteFile(garbage, []byte("PK\x03\x04 not a zip at all"), 0o644)
		npy := filepath.Join(dir, "states.npy")
		os.WriteFile(npy, []byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}\n"), 0o644)
		truncated := filepath.Join(dir, "truncated.npz")
		b, _ := os.ReadFile(plain)
		os.WriteFile(truncated, b[:len(b)/2], 0o644)
		for _, file := range []string{garbage, npy, truncated} {
			code, _, stderr := runHNN(t, train(file)...)
			if code != 2 || !strings.Contains(stderr, filepath.Base(file)) {
				t.Errorf("%s: exit %d, want 2 naming the file:\n%s", file, code, stderr)
			}
			noTrace(t, file, stderr)
			oneLine(t, file, "train", stderr)
		}
	})
}
