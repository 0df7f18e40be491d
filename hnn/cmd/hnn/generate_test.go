package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// runHNN runs the command in-process and returns its exit status and output.
func runHNN(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func generateFile(t *testing.T, args ...string) *data.Trajectories {
	t.Helper()
	out := filepath.Join(t.TempDir(), "d.csv")
	code, stdout, stderr := runHNN(t, append([]string{"generate", "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("hnn generate %v: exit %d\n%s", args, code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("stdout %q", stdout)
	}
	tr, err := data.ReadCSVFile(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestGenerateMatchesIndependentSolver: noise-free Hénon–Heiles output agrees
// with the explicit extrapolation integrator (tolerance 1e-13, no shared code
// with the Gauss–Legendre method) to 1e-9 over 200 steps of 0.05.
func TestGenerateMatchesIndependentSolver(t *testing.T) {
	tr := generateFile(t, "--system", "henon-heiles", "--trajectories", "6", "--steps", "200",
		"--dt", "0.05", "--noise", "0", "--seed", "42")
	if tr.N() != 6 || tr.Steps() != 200 || tr.Dt != 0.05 || tr.Dim != 2 {
		t.Fatalf("N=%d S=%d dt=%v d=%d", tr.N(), tr.Steps(), tr.Dt, tr.Dim)
	}
	s := system.HenonHeiles{}
	worst := 0.0
	for i, states := range tr.States {
		if h := s.H(states[0]); h >= system.HenonHeilesEscapeEnergy {
			t.Errorf("trajectory %d starts at H=%v ≥ 1/6", i, h)
		}
		want, err := reference.Extrapolation{Tol: 1e-13}.Trajectory(s, states[0], 0.05, 200)
		if err != nil {
			t.Fatal(err)
		}
		for k := range states {
			for j := range states[k] {
				worst = max(worst, math.Abs(states[k][j]-want[k][j]))
			}
		}
	}
	t.Logf("max |generate − extrapolation| over 6 trajectories × 201 states: %.2e", worst)
	if worst > 1e-9 {
		t.Errorf("generate differs from the independent solution by %.3e, want ≤ 1e-9", worst)
	}
}

// TestGenerateNoiseStatistics: noisy − clean output with the same seed has
// mean ≈ 0 (within 4 standard errors) and standard deviation within 5% of σ.
func TestGenerateNoiseStatistics(t *testing.T) {
	const sigma = 0.05
	common := []string{"--system", "double-well", "--trajectories", "50", "--steps", "100", "--dt", "0.01", "--seed", "9"}
	clean := generateFile(t, append(common, "--noise", "0")...)
	noisy := generateFile(t, append(common, "--noise", "0.05")...)
	var sum, sum2 float64
	n := 0
	for i := range clean.States {
		for k := range clean.States[i] {
			for j := range clean.States[i][k] {
				e := noisy.States[i][k][j] - clean.States[i][k][j]
				sum += e
				sum2 += e * e
				n++
			}
		}
	}
	mean := sum / float64(n)
	sd := math.Sqrt((sum2 - float64(n)*mean*mean) / float64(n-1))
	se := sigma / math.Sqrt(float64(n))
	t.Logf("n=%d mean=%.3g (%.2f s.e.) sd=%.5f (sd/σ=%.4f)", n, mean, mean/se, sd, sd/sigma)
	if math.Abs(mean) > 4*se {
		t.Errorf("noise mean %.3g is %.1f standard errors from 0", mean, mean/se)
	}
	if math.Abs(sd/sigma-1) > 0.05 {
		t.Errorf("noise sd %.4g, want %v ± 5%%", sd, sigma)
	}
}

// TestGenerateAlpha: --alpha reaches the coupled oscillator, whose exact
// solution is exp(tA)y₀ with A = [[α, 1], [−1, −α]].
func TestGenerateAlpha(t *testing.T) {
	const alpha, dt = 0.2, 0.1
	tr := generateFile(t, "--system", "coupled-oscillator", "--alpha", "0.2", "--trajectories", "2",
		"--steps", "30", "--dt", "0.1", "--substeps", "5")
	worst := 0.0
	for _, states := range tr.States {
		for k, y := range states {
			tk := dt * float64(k)
			var e mat.Dense
			e.Exp(mat.NewDense(2, 2, []float64{alpha * tk, tk, -tk, -alpha * tk}))
			var x mat.VecDense
			x.MulVec(&e, mat.NewVecDense(2, states[0]))
			worst = max(worst, math.Abs(x.AtVec(0)-y[0]), math.Abs(x.AtVec(1)-y[1]))
		}
	}
	if worst > 1e-12 {
		t.Errorf("coupled oscillator with α=0.2 differs from exp(tA)y₀ by %.3e", worst)
	}
}

// TestGenerateDeterministic: the same flags give byte-identical files.
func TestGenerateDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, "d"+string(rune('0'+i))+".csv")
		if code, _, stderr := runHNN(t, "generate", "--system", "pendulum", "--trajectories", "5", "--steps", "10",
			"--noise", "0.01", "--seed", "3", "--out", out); code != 0 {
			t.Fatal(stderr)
		}
		var err error
		if files[i], err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two runs with the same flags differ")
	}
	// The provenance line (numpy.loadtxt skips it as a comment), then the header.
	meta, rest, _ := bytes.Cut(files[0], []byte("\n"))
	if !bytes.HasPrefix(meta, []byte(`# hnnlab-data {"format":1,"system":"`)) || !bytes.HasPrefix(rest, []byte("trajectory,t,q1,p1\n0,0,")) {
		t.Errorf("file starts %q", files[0][:min(len(files[0]), 120)])
	}
}

func TestGenerateBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.csv")
	valid := strings.Join(system.Names(), ", ")
	base := func(extra ...string) []string {
		return append([]string{"generate", "--system", "pendulum", "--trajectories", "2", "--steps", "3", "--out", out}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no-system", []string{"generate", "--out", out}, 2, "missing --system (valid: " + valid + ")"},
		{"unknown-system", []string{"generate", "--system", "kepler", "--out", out}, 2, `unknown system "kepler" (valid: ` + valid + ")"},
		{"alpha-other-system", base("--alpha", "0.3"), 2, "--alpha applies only to --system coupled-oscillator"},
		{"alpha-too-big", []string{"generate", "--system", "coupled-oscillator", "--alpha", "1.5", "--out", out}, 2, "|alpha| < 1"},
		{"alpha-nan", []string{"generate", "--system", "coupled-oscillator", "--alpha", "NaN", "--out", out}, 2, "--alpha NaN"},
		{"trajectories-negative", base("--trajectories", "-1"), 2, "--trajectories -1: want at least 1"},
		{"trajectories-zero", base("--trajectories", "0"), 2, "--trajectories 0"},
		{"steps-zero", base("--steps", "0"), 2, "--steps 0: want at least 1"},
		{"steps-nonnumeric", base("--steps", "ten"), 2, `invalid value "ten" for flag -steps`},
		{"dt-zero", base("--dt", "0"), 2, "--dt 0: want a positive finite time step"},
		{"dt-negative", base("--dt", "-0.01"), 2, "--dt -0.01"},
		{"dt-nan", base("--dt", "NaN"), 2, "--dt NaN"},
		{"dt-inf", base("--dt", "+Inf"), 2, "--dt +Inf"},
		{"substeps-negative", base("--substeps", "-3"), 2, "--substeps: must be in 0…1000000 (0: automatic), got -3"},
		{"noise-negative", base("--noise", "-0.1"), 2, "--noise -0.1"},
		{"map-unknown", base("--map", "rk4"), 2, `--map: unknown data map "rk4" (valid: the exact flow, or implicit-midpoint, gauss-legendre, gauss-legendre-3)`},
		{"map-substeps", base("--map", "implicit-midpoint", "--substeps", "3"), 2, "--substeps applies to the exact flow, not to --map implicit-midpoint"},
		{"noise-nan", base("--noise", "nan"), 2, "--noise NaN"},
		{"seed-negative", base("--seed", "-1"), 2, `invalid value "-1" for flag -seed`},
		{"missing-out", []string{"generate", "--system", "pendulum"}, 2, "missing --out"},
		{"unknown-flag", base("--colour", "red"), 2, "flag provided but not defined: -colour"},
		{"positional", base("extra"), 2, `unexpected argument "extra"`},
		{"too-large", base("--trajectories", "1000000", "--steps", "1000"), 2, "dataset too large"},
		{"steps-maxint", base("--steps", "9223372036854775807"), 2, "dataset too large"},
		{"dt-huge", base("--dt", "1e300"), 2, "--dt 1e+300 needs more than 1000000 internal steps"},
		{"unwritable", []string{"generate", "--system", "pendulum", "--trajectories", "1", "--steps", "1",
			"--out", filepath.Join(out+".dir-is-a-file", "x.csv")}, 2, "cannot write " + filepath.Join(out+".dir-is-a-file", "x.csv") + ": not a directory"},
	} {
		if tc.name == "unwritable" {
			if err := os.WriteFile(out+".dir-is-a-file", nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr := runHNN(t, tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tc.name, code, tc.code, stderr)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: stderr %q does not contain %q", tc.name, stderr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: output written despite the error", tc.name)
		}
	}
	// Help goes to stdout, the same for -h and hnn help generate.
	for _, args := range [][]string{{"generate", "-h"}, {"help", "generate"}} {
		if code, stdout, _ := runHNN(t, args...); code != 0 || !strings.Contains(stdout, "usage: hnn generate") || !strings.Contains(stdout, valid) {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
	if code, stdout, _ := runHNN(t, "help"); code != 0 || !strings.Contains(stdout, "generate") {
		t.Errorf("help does not list generate: %q", stdout)
	}
}
