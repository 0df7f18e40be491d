package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the hnn command in a child process
// (HNN_TEST_AS_MAIN=1), so that a test can kill a real training process.
func TestMain(m *testing.M) {
	if os.Getenv("HNN_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// metricsRows returns metrics.csv without its seconds column (wall time differs).
func metricsRows(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		rows = append(rows, line[:strings.LastIndex(line, ",")])
	}
	return rows
}

// checkpointStep reads the optimizer step stored in dir's checkpoint (0 if none yet).
func checkpointStep(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
	if err != nil {
		return 0
	}
	var c struct {
		Meta struct {
			Trainer struct {
				Step int `json:"step"`
			} `json:"trainer"`
		} `json:"meta"`
	}
	if json.Unmarshal(b, &c) != nil {
		return -1 // a torn file: must never happen
	}
	return c.Meta.Trainer.Step
}

// TestKilledRunResumesExactly kills a training process with SIGKILL in the
// middle of an epoch, resumes it with --resume, and compares its metrics
// with an uninterrupted run of the same seed: they must be identical.
func TestKilledRunResumesExactly(t *testing.T) {
	args := []string{"train", "--system", "pendulum", "--trajectories", "1024", "--val-trajectories", "128",
		"--steps", "10", "--epochs", "4", "--batch", "128", "--checkpoint-every", "1", "--eval=false", "--seed", "9"}
	base := t.TempDir()
	whole, killed := filepath.Join(base, "whole"), filepath.Join(base, "killed")
	if code, _, stderr := runHNN(t, append(args, "--out", whole)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, stderr)
	}
	cmd := exec.Command(os.Args[0], append(args, "--out", killed)...)
	cmd.Env = append(os.Environ(), "HNN_TEST_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// 8 steps per epoch, 32 in all: kill once step 11 (mid epoch 2) is saved.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := checkpointStep(killed)
		if s < 0 {
			t.Fatal("torn checkpoint file observed")
		}
		if s >= 11 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child never reached step 11")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed by the signal (it may have finished first): %v", err)
	}
	at := checkpointStep(killed)
	if at >= 32 {
		t.Fatalf("the child finished (step %d) before the kill", at)
	}
	t.Logf("killed at checkpointed step %d of 32", at)
	if code, _, stderr := runHNN(t, "train", "--resume", "--out", killed, "--eval=false"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	want, got := metricsRows(t, whole), metricsRows(t, killed)
	if len(got) != len(want) {
		t.Fatalf("resumed metrics have %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("metrics row %d: resumed %q, uninterrupted %q", i, got[i], want[i])
		}
	}
}

// An interrupt before the first checkpoint (while the data are generated)
// says that nothing was saved, not that --resume can continue.
func TestInterruptBeforeTheFirstCheckpoint(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	cmd, stderr := startHNN(t, "train", "--system", "pendulum", "--trajectories", "200000", "--val-trajectories", "64",
		"--steps", "20", "--epochs", "1", "--widths", "8", "--rollout", "4", "--eval=false", "--out", out)
	deadline := time.Now().Add(time.Minute)
	for { // the lock is taken inside the training, after the signal handler
		if b, err := os.ReadFile(filepath.Join(out, ".lock")); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the training never locked its directory")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, "checkpoint.json")); err == nil {
		t.Skip("the training reached its first checkpoint before the interrupt")
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "nothing was saved") || strings.Contains(stderr.String(), "continue with --resume") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// An interrupt while generate integrates exits 1 saying that nothing was
// written (not killed by the signal, status 130 and no word), and writes
// nothing.
func TestGenerateInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "big.csv")
	cmd, stderr := startHNN(t, "generate", "--system", "henon-heiles", "--trajectories", "60000", "--steps", "1000", "--dt", "0.01", "--out", out)
	time.Sleep(time.Second) // past the signal handler's installation, long before the 60,000 trajectories
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "interrupted while generating the data: nothing was written") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written", out)
	}
}

// startHNN starts the command with args in a process of its own (this test
// binary as main), its stderr collected; the process is killed at the end
// of the test if it still runs.
func startHNN(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HNN_TEST_AS_MAIN=1")
	stderr := new(strings.Builder)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, stderr
}
