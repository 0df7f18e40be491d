package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnnlab/hnnlab/hnn/checkpoint"
)

// A small training the hostile cases start from (a second or two).
var tinyTrain = []string{"train", "--system", "pendulum", "--trajectories", "64", "--val-trajectories", "16",
	"--steps", "8", "--epochs", "2", "--batch", "32", "--widths", "8", "--eval=false"}

// noTrace fails the test if the output holds a Go panic or goroutine trace.
func noTrace(t *testing.T, name, out string) {
	t.Helper()
	if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") || strings.Contains(out, "internal error") {
		t.Errorf("%s: a trace or internal error reached the user:\n%s", name, out)
	}
}

// oneLine fails the test unless the error is the last line of stderr,
// "hnn CMD: …" without a doubled prefix, after at most progress lines.
func oneLine(t *testing.T, name, cmd, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		if !infoLine(l) {
			t.Errorf("%s: stderr has more than the error and progress lines:\n%s", name, stderr)
		}
	}
	if !strings.HasPrefix(last, "hnn "+cmd+": ") || strings.Contains(last, "hnn "+cmd+": hnn") {
		t.Errorf("%s: the error is not one line \"hnn %s: …\" without a doubled prefix:\n%s", name, cmd, stderr)
	}
}

// infoLine reports whether l is one of the progress and information lines
// that may precede an error: what is being generated, which system the data
// are scored against, a warning.
func infoLine(l string) bool {
	for _, p := range []string{"generating ", "scoring against ", "warning: ", "training without "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.Contains(l, " records no system: ") || strings.Contains(l, " are not used") || strings.Contains(l, " is one recording: ")
}

// rewriteCheckpoint applies edit to the JSON of dir's checkpoint and writes
// it back with a valid checksum (as a careful forger would): what the
// checksum cannot catch, validation must.
func rewriteCheckpoint(t *testing.T, dir string, edit func(meta map[string]any, vars *[]checkpoint.Variable)) {
	t.Helper()
	path := filepath.Join(dir, "checkpoint.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Format    int                   `json:"format"`
		Meta      map[string]any        `json:"meta"`
		Variables []checkpoint.Variable `json:"variables"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	edit(f.Meta, &f.Variables)
	meta, _ := json.Marshal(f.Meta)
	content, _ := json.Marshal(struct {
		Meta      json.RawMessage       `json:"meta"`
		Variables []checkpoint.Variable `json:"variables"`
	}{meta, f.Variables})
	sum := sha256.Sum256(content)
	out, _ := json.Marshal(struct {
		Format    int                   `json:"format"`
		SHA256    string                `json:"sha256"`
		Meta      json.RawMessage       `json:"meta"`
		Variables []checkpoint.Variable `json:"variables"`
	}{f.Format, hex.EncodeToString(sum[:]), meta, f.Variables})
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileInputs drives the command through one case per class of the
// reliability defects found by hostile use: every one exits 2 (usage,
// input, environment) or 1 (runtime) with one line naming the problem,
// and none prints a trace.
func TestHostileInputs(t *testing.T) {
	base := t.TempDir()
	run0 := filepath.Join(base, "run")
	if code, _, stderr := runHNN(t, append(tinyTrain, "--out", run0)...); code != 0 {
		t.Fatalf("the base training: exit %d: %s", code, stderr)
	}
	dataA := filepath.Join(base, "a.csv")
	if code, _, stderr := runHNN(t, "generate", "--system", "pendulum", "--trajectories", "40", "--steps", "100", "--noise", "0.01", "--out", dataA); code != 0 {
		t.Fatal(stderr)
	}
	runA := filepath.Join(base, "run-a")
	if code, _, stderr := runHNN(t, "train", "--system", "pendulum", "--data", dataA, "--epochs", "1", "--batch", "16", "--widths", "8", "--rollout", "50", "--eval=false", "--out", runA); code != 0 {
		t.Fatalf("--data with --rollout 50 on 100-step trajectories (class 11): exit %d: %s", code, stderr)
	}
	dataB := filepath.Join(base, "b.csv")
	runHNN(t, "generate", "--system", "pendulum", "--trajectories", "40", "--steps", "100", "--noise", "0.01", "--seed", "2", "--out", dataB)
	copyDir := func(src string) string {
		dst := filepath.Join(base, filepath.Base(src)+"-copy-"+strings.ReplaceAll(t.Name(), "/", "-")+time.Now().Format("150405.000000000"))
		os.MkdirAll(dst, 0o755)
		for _, f := range []string{"checkpoint.json", "metrics.csv"} {
			b, _ := os.ReadFile(filepath.Join(src, f))
			os.WriteFile(filepath.Join(dst, f), b, 0o644)
		}
		return dst
	}
	afile := filepath.Join(base, "afile")
	os.WriteFile(afile, []byte("x"), 0o644)

	cases := []struct {
		name  string
		env   []string
		setup func() []string // returns the arguments
		code  int
		want  string
	}{
		// 1. The backend, whatever the environment.
		{"bogus backend, train", []string{"GOMLX_BACKEND=bogus"}, func() []string { return append(tinyTrain, "--out", filepath.Join(base, "b1")) }, 2, `GoMLX backend unavailable: "bogus"`},
		{"xla without plugin, reproduce", []string{"GOMLX_BACKEND=xla:cpu"}, func() []string { return []string{"reproduce", "--quick", "--out", filepath.Join(base, "b2")} }, 2, "PJRT plugin"},
		{"bogus backend, eval", []string{"GOMLX_BACKEND=bogus"}, func() []string { return []string{"eval", "--model", run0} }, 2, "GoMLX backend unavailable"},
		// 2. Resume on other data, changed data, other flags.
		{"resume a generated run with --data", nil, func() []string { return []string{"train", "--resume", "--out", copyDir(run0), "--data", dataA} }, 2, "the run generated its data"},
		{"resume with another file", nil, func() []string { return []string{"train", "--resume", "--out", copyDir(runA), "--data", dataB} }, 2, "differ"},
		{"resume after the file changed", nil, func() []string {
			dir := copyDir(runA)
			b, _ := os.ReadFile(dataA)
			changed := filepath.Join(base, "changed.csv")
			os.WriteFile(changed, b, 0o644)
			rewriteCheckpoint(t, dir, func(meta map[string]any, _ *[]checkpoint.Variable) {
				meta["run"].(map[string]any)["data_file"] = changed
			})
			os.WriteFile(changed, []byte(strings.Replace(string(b), ",0.", ",1.", 1)), 0o644)
			return []string{"train", "--resume", "--out", dir}
		}, 2, "differ"},
		{"resume with --lr", nil, func() []string { return []string{"train", "--resume", "--out", copyDir(run0), "--lr", "0.001"} }, 2, "--lr 0.001 (the run's: 0.01)"},
		{"resume with --gradient", nil, func() []string { return []string{"train", "--resume", "--out", copyDir(run0), "--gradient", "adjoint"} }, 2, "--gradient adjoint"},
		{"resume with --widths and --seed", nil, func() []string {
			return []string{"train", "--resume", "--out", copyDir(run0), "--widths", "16", "--seed", "5"}
		}, 2, "--seed 5"},
		{"resume a directory without a run", nil, func() []string { return []string{"train", "--resume", "--out", filepath.Join(base, "empty")} }, 2, "--resume"},
		// 4. Output files that are not regular files.
		{"generate to /dev/full", nil, func() []string {
			return []string{"generate", "--system", "pendulum", "--trajectories", "2", "--steps", "2", "--out", "/dev/full"}
		}, 1, "no space left on device"},
		{"generate into a directory", nil, func() []string {
			return []string{"generate", "--system", "pendulum", "--trajectories", "2", "--steps", "2", "--out", base}
		}, 2, "is a directory"},
		{"export into a directory", nil, func() []string {
			dir := filepath.Join(base, "edir.npz")
			os.MkdirAll(dir, 0o755)
			return []string{"export", "--model", run0, "--out", dir}
		}, 2, "is a directory"},
		{"generate into /proc", nil, func() []string {
			return []string{"generate", "--system", "pendulum", "--trajectories", "2", "--steps", "2", "--out", "/proc/hnn-x.csv"}
		}, 2, "cannot write /proc/hnn-x.csv: "},
		{"export into /proc", nil, func() []string { return []string{"export", "--model", run0, "--out", "/proc/version.npz"} }, 2, "cannot write /proc/version.npz: "},
		{"reproduce --out is a file", nil, func() []string {
			return []string{"reproduce", "--quick", "--systems", "pendulum", "--models", "hnn", "--out", afile}
		}, 2, "is not a directory"},
		// 5. Checkpoints are not trusted.
		{"a changed weight", nil, func() []string {
			dir := copyDir(run0)
			b, _ := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
			i := strings.Index(string(b), `"values":[`) + len(`"values":[`)
			i += strings.IndexAny(string(b[i:]), "123456789") // the first nonzero digit of the first weight
			b[i] = "234567891"[b[i]-'1']
			os.WriteFile(filepath.Join(dir, "checkpoint.json"), b, 0o644)
			return []string{"eval", "--model", dir}
		}, 2, "does not match its checksum"},
		{"a permutation out of range", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(meta map[string]any, _ *[]checkpoint.Variable) {
				tr := meta["trainer"].(map[string]any)
				tr["perm"], tr["batch"], tr["epoch"], tr["history"] = []int{999, 1}, 1, 0, []any{}
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "order has 2 entries for 512 windows"},
		{"a negative batch", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(meta map[string]any, _ *[]checkpoint.Variable) { meta["trainer"].(map[string]any)["batch"] = -3 })
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "negative counts"},
		{"no optimizer moments", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(_ map[string]any, vars *[]checkpoint.Variable) {
				var keep []checkpoint.Variable
				for _, v := range *vars {
					if !strings.HasPrefix(v.Path, "/AdamOptimizer") {
						keep = append(keep, v)
					}
				}
				*vars = keep
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "optimizer state"},
		{"a checkpoint of another batch size", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(meta map[string]any, _ *[]checkpoint.Variable) {
				meta["trainer"].(map[string]any)["batch_size"] = 7
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "written with batch size 7"},
		{"a missing weight", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(_ map[string]any, vars *[]checkpoint.Variable) {
				var keep []checkpoint.Variable
				for _, v := range *vars {
					if v.Path != "/hamiltonian/output/weights" {
						keep = append(keep, v)
					}
				}
				*vars = keep
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "variable /hamiltonian/output/weights is missing from the checkpoint"},
		{"a negative second moment", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(_ map[string]any, vars *[]checkpoint.Variable) {
				for _, v := range *vars {
					if strings.HasSuffix(v.Path, "layer0/weights_2nd_moment") {
						v.Values[0] = -1
					}
				}
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "layer0/weights_2nd_moment holds -1"},
		{"a weight of another shape, train", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(_ map[string]any, vars *[]checkpoint.Variable) {
				for i, v := range *vars {
					if v.Path == "/hamiltonian/layer0/weights" {
						(*vars)[i].Dims = []int{2, 9}
						(*vars)[i].Values = append(v.Values, 0.1, 0.2)
					}
				}
			})
			return []string{"train", "--resume", "--out", dir, "--epochs", "3"}
		}, 2, "variable /hamiltonian/layer0/weights has shape"},
		// 6. Size limits.
		{"a huge data set", nil, func() []string {
			return []string{"train", "--trajectories", "100000000", "--out", filepath.Join(base, "big")}
		}, 2, "dataset too large"},
		{"a checkpoint with huge widths", nil, func() []string {
			dir := copyDir(run0)
			rewriteCheckpoint(t, dir, func(meta map[string]any, _ *[]checkpoint.Variable) {
				meta["run"].(map[string]any)["spec"].(map[string]any)["widths"] = []int{4096, 4096, 4096}
			})
			return []string{"eval", "--model", dir}
		}, 2, "weights"},
		// Every count flag has an upper bound, checked before any work.
		{"identify --samples huge", nil, func() []string { return []string{"identify", "--model", run0, "--samples", "2000000000"} }, 2, "--samples: must be in 1…1000000, got 2000000000"},
		{"identify --bootstrap huge", nil, func() []string { return []string{"identify", "--model", run0, "--bootstrap", "100000000"} }, 2, "--bootstrap: must be in 0…10000"},
		{"identify --samples × --bootstrap", nil, func() []string {
			return []string{"identify", "--model", run0, "--samples", "1000000", "--bootstrap", "10000"}
		}, 2, "--samples × --bootstrap"},
		{"bench step --batch huge", nil, func() []string { return []string{"bench", "step", "--batch", "100000000"} }, 2, "--batch, --rollout: dataset too large: 100000000 windows"},
		{"bench step --steps huge", nil, func() []string { return []string{"bench", "step", "--steps", "1000000000"} }, 2, "--steps: must be in 1…100000"},
		{"bench step --rounds huge", nil, func() []string { return []string{"bench", "step", "--rounds", "1000000000"} }, 2, "--rounds: must be in 1…1000"},
		{"bench memory --batch huge", nil, func() []string { return []string{"bench", "memory", "--batch", "100000000", "--rollout", "64"} }, 2, "dataset too large"},
		{"bench memory --rollout huge", nil, func() []string { return []string{"bench", "memory", "--rollout", "4,1000000000"} }, 2, "--rollout: must be in 1…100000"},
		{"bench memory --rollout negative", nil, func() []string { return []string{"bench", "memory", "--rollout", "4,-8"} }, 2, "rollout lengths must be ≥ 1, got -8"},
		{"bench unknown subcommand", nil, func() []string { return []string{"bench", "nosuch"} }, 2, `unknown subcommand "nosuch"`},
		{"gradcheck --batch huge", nil, func() []string { return []string{"gradcheck", "--batch", "100000000"} }, 2, "dataset too large"},
		{"reproduce --seeds huge", nil, func() []string {
			return []string{"reproduce", "--quick", "--systems", "pendulum", "--models", "hnn", "--out", filepath.Join(base, "rp"), "--seeds", "1000000000"}
		}, 2, "--seeds: must be in 0…100"},
		{"reproduce --workers huge", nil, func() []string {
			return []string{"reproduce", "--quick", "--out", filepath.Join(base, "rp"), "--workers", "100000000"}
		}, 2, "--workers"},
		{"reproduce duplicate model", nil, func() []string {
			return []string{"reproduce", "--quick", "--systems", "pendulum", "--models", "hnn,hnn", "--out", filepath.Join(base, "rp2")}
		}, 2, "--models: hnn given twice"},
		{"reproduce duplicate system", nil, func() []string {
			return []string{"reproduce", "--quick", "--systems", "pendulum,pendulum", "--out", filepath.Join(base, "rp3")}
		}, 2, "--systems: pendulum given twice"},
		{"generate --substeps huge", nil, func() []string {
			return []string{"generate", "--system", "pendulum", "--trajectories", "8", "--steps", "10", "--substeps", "1000000000", "--out", filepath.Join(base, "g.csv")}
		}, 2, "--substeps: must be in 0…1000000"},
		{"generate too many internal steps", nil, func() []string {
			return []string{"generate", "--system", "pendulum", "--trajectories", "100000", "--steps", "1000", "--substeps", "1000", "--out", filepath.Join(base, "g.csv")}
		}, 2, "internal integrator steps"},
		{"train --epochs huge", nil, func() []string {
			return append(tinyTrain, "--epochs", "2000000000", "--out", filepath.Join(base, "e1"))
		}, 2, "--epochs: must be in 1…1000000"},
		{"train --trajectories beyond an int's sum", nil, func() []string {
			return []string{"train", "--system", "pendulum", "--trajectories", "1000000000", "--val-trajectories", "16", "--out", filepath.Join(base, "f40")}
		}, 2, "1000000016 trajectories"},
		{"train --val-time with --val-fraction", nil, func() []string {
			return []string{"train", "--system", "pendulum", "--data", dataA, "--val-time", "0.3", "--val-fraction", "0.3", "--out", filepath.Join(base, "vt")}
		}, 2, "--val-time and --val-fraction conflict"},
		{"identify --models missing", nil, func() []string {
			return []string{"identify", "--model", run0, "--models", filepath.Join(base, "nosuch")}
		}, 2, "--models: stat"},
		{"eval --formula with huge coefficients", nil, func() []string {
			f := filepath.Join(base, "huge.json")
			if code, _, stderr := runHNN(t, "identify", "--model", run0, "--samples", "400", "--bootstrap", "0", "--out", f); code != 0 {
				t.Fatalf("identify: %s", stderr)
			}
			b, _ := os.ReadFile(f)
			var js map[string]any
			json.Unmarshal(b, &js)
			for _, term := range js["terms"].([]any) {
				term.(map[string]any)["coefficient"] = 1e308
			}
			b, _ = json.Marshal(js)
			os.WriteFile(f, b, 0o644)
			return []string{"eval", "--model", run0, "--formula", f}
		}, 2, "--formula " + filepath.Join(base, "huge.json") + ": the closed form"},
		{"a CSV row with 1e308", nil, func() []string {
			b, _ := os.ReadFile(dataA)
			lines := strings.Split(string(b), "\n")
			for i, l := range lines {
				if strings.HasPrefix(l, "0,") && i > 5 {
					f := strings.Split(l, ",")
					lines[i] = f[0] + "," + f[1] + ",1e308,1e308"
					break
				}
			}
			f := filepath.Join(base, "huge.csv")
			os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644)
			return []string{"train", "--system", "pendulum", "--data", f, "--epochs", "1", "--widths", "8", "--eval=false", "--out", filepath.Join(base, "hc")}
		}, 2, "too large for this system"},
		{"version with a flag", nil, func() []string { return []string{"version", "--bogus"} }, 2, `unexpected argument "--bogus"`},
		{"version with an argument", nil, func() []string { return []string{"version", "extra"} }, 2, `unexpected argument "extra"`},
		// 7. Zero is not a default on the command line.
		{"gradcheck --rollout 0", nil, func() []string { return []string{"gradcheck", "--rollout", "0"} }, 2, "--rollout: must be in 1…100000, got 0"},
		{"gradcheck --iterations 0", nil, func() []string { return []string{"gradcheck", "--iterations", "0"} }, 2, "--iterations"},
		{"bench step --dt 0", nil, func() []string { return []string{"bench", "step", "--dt", "0"} }, 2, "--dt"},
		// 8. train checks what generate checks.
		{"train --alpha 1.5", nil, func() []string {
			return []string{"train", "--system", "coupled-oscillator", "--alpha", "1.5", "--out", filepath.Join(base, "a1")}
		}, 2, "|alpha| < 1"},
		{"train --alpha on the double well", nil, func() []string { return []string{"train", "--alpha", "0.3", "--out", filepath.Join(base, "a2")} }, 2, "only to system coupled-oscillator"},
		{"train --lr 1e300", nil, func() []string { return []string{"train", "--lr", "1e300", "--out", filepath.Join(base, "a3")} }, 2, "--lr: must be in (0, 1]"},
		// 9. A bad --out is found before any work.
		{"--out is a file", nil, func() []string { return append(tinyTrain, "--out", afile) }, 2, "not a directory"},
		{"--out cannot be created", nil, func() []string { return append(tinyTrain, "--out", "/proc/hnn-test/x") }, 2, "unusable output directory"},
		{"--out holds a run", nil, func() []string { return append(tinyTrain, "--out", run0) }, 2, "already holds a run"},
		// 12. A results file that reproduce did not write.
		{"redraw of {}", nil, func() []string {
			dir := filepath.Join(base, "redraw")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "results.json"), []byte("{}"), 0o644)
			return []string{"reproduce", "--redraw", "--out", dir}
		}, 2, "not the results of a finished hnn reproduce"},
		// The command line itself.
		{"a bad flag value", nil, func() []string { return []string{"train", "--epochs", "x"} }, 2, "see hnn train -h"},
		{"an unknown flag", nil, func() []string { return []string{"eval", "--modle", "x"} }, 2, "flag provided but not defined: -modle"},
		{"help of an unknown command", nil, func() []string { return []string{"help", "fly"} }, 2, `unknown command "fly"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.setup()
			var out []byte
			var code int
			if tc.env != nil { // the environment is read once per process: run a child
				cmd := exec.Command(os.Args[0], args...)
				cmd.Env = append(append(os.Environ(), "HNN_TEST_AS_MAIN=1"), tc.env...)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				cmd.Run()
				code, out = cmd.ProcessState.ExitCode(), []byte(stderr.String())
			} else {
				var stderr string
				code, _, stderr = runHNN(t, args...)
				out = []byte(stderr)
			}
			if code != tc.code || !strings.Contains(string(out), tc.want) {
				t.Errorf("hnn %s: exit %d, want %d with %q; stderr:\n%s", strings.Join(args, " "), code, tc.code, tc.want, out)
			}
			noTrace(t, tc.name, string(out))
			oneLine(t, tc.name, args[0], string(out))
		})
	}
	if fi, err := os.Stat("/dev/full"); err == nil && fi.Mode().IsRegular() {
		t.Error("/dev/full became a regular file")
	}
}

// Class 3: two trainings on one --out at once: the second is refused at
// once, and the first finishes.
func TestConcurrentTrainingsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--system", "pendulum", "--trajectories", "1024", "--val-trajectories", "64", "--steps", "10",
		"--epochs", "3", "--batch", "64", "--eval=false", "--out", out}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HNN_TEST_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(time.Minute)
	for { // wait until the first holds the directory
		if b, err := os.ReadFile(filepath.Join(out, ".lock")); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first training never locked its directory")
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, _, stderr := runHNN(t, args...)
	if code != 2 || !strings.Contains(stderr, "in use by another process") {
		t.Errorf("second training: exit %d: %s", code, stderr)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the first training failed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint.json")); err != nil {
		t.Errorf("the first training's result: %v", err)
	}
}

// Class 4: generate writes to a pipe (--out - or /dev/stdout) with the
// summary on stderr, so that its output can be piped.
func TestGenerateToStdout(t *testing.T) {
	for _, out := range []string{"-", "/dev/stdout"} {
		cmd := exec.Command(os.Args[0], "generate", "--system", "pendulum", "--trajectories", "2", "--steps", "3", "--out", out)
		cmd.Env = append(os.Environ(), "HNN_TEST_AS_MAIN=1")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("--out %s: %v: %s", out, err, stderr.String())
		}
		_, body, _ := strings.Cut(stdout.String(), "\n") // after the provenance line
		if !strings.HasPrefix(stdout.String(), "# hnnlab-data ") || !strings.HasPrefix(body, "trajectory,t,q1,p1\n") || strings.Count(body, "\n") != 9 || !strings.Contains(stderr.String(), "wrote "+out) {
			t.Errorf("--out %s: stdout %q, stderr %q", out, stdout.String(), stderr.String())
		}
	}
}

// Help lists what the commands do: hnn help version and hnn help help
// answer, and gradcheck's help offers only the dtype it runs in.
func TestHelpMatchesBehaviour(t *testing.T) {
	for _, args := range [][]string{{"help", "version"}, {"help", "help"}, {"version", "-h"}} {
		if code, stdout, stderr := runHNN(t, args...); code != 0 || stdout == "" || stderr != "" {
			t.Errorf("hnn %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	if code, _, stderr := runHNN(t, "help", "train", "extra"); code != 2 || !strings.Contains(stderr, "unexpected argument") {
		t.Errorf("hnn help train extra: exit %d: %s", code, stderr)
	}
	_, stdout, _ := runHNN(t, "gradcheck", "-h")
	if !strings.Contains(stdout, "float64 only") || strings.Contains(stdout, "float32") {
		t.Errorf("gradcheck -h:\n%s", stdout)
	}
}
