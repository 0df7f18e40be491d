package data

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hnnlab/hnnlab/hnn/reference"
	"github.com/hnnlab/hnnlab/hnn/system"
)

func allSystems(t *testing.T) []system.System {
	var out []system.System
	for _, name := range system.Names() {
		s, err := system.Lookup(name, system.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestGenerateClean checks shape, initial conditions in the box and that the
// clean trajectories are the reference solutions, for every built-in system.
func TestGenerateClean(t *testing.T) {
	for _, s := range allSystems(t) {
		cfg := GenerateConfig{Trajectories: 6, Steps: 20, Dt: 0.05, Seed: 3}
		tr, err := Generate(s, cfg)
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
		if tr.System != s.Name() || tr.Dim != s.Dim() || tr.Dt != 0.05 || tr.N() != 6 || tr.Steps() != 20 {
			t.Fatalf("%s: got System=%q Dim=%d Dt=%v N=%d S=%d", s.Name(), tr.System, tr.Dim, tr.Dt, tr.N(), tr.Steps())
		}
		for i, states := range tr.States {
			y0 := states[0]
			if !s.Box().Contains(y0) {
				t.Errorf("%s: initial condition %v outside the box", s.Name(), y0)
			}
			if s.Name() == "henon-heiles" && s.H(y0) >= system.HenonHeilesEscapeEnergy {
				t.Errorf("henon-heiles: initial condition %v has H=%v ≥ 1/6", y0, s.H(y0))
			}
			want, err := reference.Trajectory(s, y0, 0.05, 20, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(states, want) {
				t.Errorf("%s: trajectory %d differs from reference.Trajectory", s.Name(), i)
			}
		}
	}
}

// TestGenerateDeterministic checks independence from the number of workers,
// prefix stability and dependence on the seed and system name.
func TestGenerateDeterministic(t *testing.T) {
	s := system.DoubleWell{}
	cfg := GenerateConfig{Trajectories: 9, Steps: 5, Noise: 0.1, Seed: 11}
	var runs []*Trajectories
	for _, w := range []int{1, 2, 5, 16} {
		cfg.Workers = w
		tr, err := Generate(s, cfg)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, tr)
	}
	for _, r := range runs[1:] {
		if !reflect.DeepEqual(runs[0], r) {
			t.Fatal("result depends on the number of workers")
		}
	}
	cfg.Trajectories = 4
	short, err := Generate(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(short.States, runs[0].States[:4]) {
		t.Error("the first trajectories depend on the total number")
	}
	cfg.Seed = 12
	other, err := Generate(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(other.States[0][0], short.States[0][0]) {
		t.Error("different seeds give the same initial condition")
	}
	cfg.Seed = 11
	pend, err := Generate(system.Pendulum{}, cfg) // same box as the double well
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(pend.States[0][0], short.States[0][0]) {
		t.Error("different systems give the same initial condition")
	}
	for i := range 4 {
		y0, err := InitialCondition(s, 11, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		ys, _ := Generate(s, GenerateConfig{Trajectories: 4, Steps: 1, Seed: 11})
		if !reflect.DeepEqual(ys.States[i][0], y0) {
			t.Errorf("InitialCondition(%d) differs from Generate", i)
		}
	}
}

// TestGenerateNoise checks that noisy − clean with the same seed is
// N(0, σ²): mean within 4 standard errors of 0, standard deviation within 5%
// of σ, no correlation between coordinates or with the previous state, and
// noise on the initial state too.
func TestGenerateNoise(t *testing.T) {
	for _, tc := range []struct {
		sys   system.System
		sigma float64
	}{
		{system.DoubleWell{}, 0.01},
		{system.HenonHeiles{}, 0.05},
		{system.DoublePendulum{}, 0.02},
		{system.CoupledOscillator{Alpha: 0.5}, 1},
	} {
		cfg := GenerateConfig{Trajectories: 40, Steps: 50, Seed: 5}
		clean, err := Generate(tc.sys, cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Noise = tc.sigma
		noisy, err := Generate(tc.sys, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var diffs, at0 []float64
		var sxy, sxx float64 // lag-1 (state k vs k+1) correlation of the first coordinate
		for i := range clean.States {
			for k := range clean.States[i] {
				for j := range clean.States[i][k] {
					e := noisy.States[i][k][j] - clean.States[i][k][j]
					diffs = append(diffs, e)
					if k == 0 {
						at0 = append(at0, e)
					}
				}
				if k > 0 {
					e0 := noisy.States[i][k][0] - clean.States[i][k][0]
					e1 := noisy.States[i][k-1][0] - clean.States[i][k-1][0]
					sxy += e0 * e1
					sxx += e0 * e0
				}
			}
		}
		n := float64(len(diffs))
		mean, sd := meanSD(diffs)
		se := tc.sigma / math.Sqrt(n)
		t.Logf("%s σ=%v: n=%d mean=%.3g (%.2f s.e.) sd/σ=%.4f lag-1 corr=%.3f", tc.sys.Name(), tc.sigma, len(diffs), mean, mean/se, sd/tc.sigma, sxy/sxx)
		if math.Abs(mean) > 4*se {
			t.Errorf("%s: noise mean %.3g is %.1f standard errors from 0", tc.sys.Name(), mean, mean/se)
		}
		if math.Abs(sd/tc.sigma-1) > 0.05 {
			t.Errorf("%s: noise sd %.4g, want σ=%v ± 5%%", tc.sys.Name(), sd, tc.sigma)
		}
		if c := sxy / sxx; math.Abs(c) > 0.1 {
			t.Errorf("%s: lag-1 noise correlation %.3f", tc.sys.Name(), c)
		}
		if _, sd0 := meanSD(at0); sd0 < 0.5*tc.sigma {
			t.Errorf("%s: initial states are not noisy (sd %.3g)", tc.sys.Name(), sd0)
		}
	}
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)-1))
}

// TestHenonHeilesRejection checks that the default rule rejects draws with
// H ≥ 1/6 and measures the rejection rate over the box.
func TestHenonHeilesRejection(t *testing.T) {
	s := system.HenonHeiles{}
	accept := DefaultAccept(s)
	if accept([]float64{0.3, 0.3, 0.3, 0.3}) { // H = 0.216
		t.Error("H = 0.216 accepted")
	}
	if !accept([]float64{0.1, 0.1, 0.1, 0.1}) {
		t.Error("H = 0.0207 rejected")
	}
	if !DefaultAccept(system.Pendulum{})([]float64{100, 100}) {
		t.Error("pendulum draw rejected")
	}
	// Monte Carlo rate over the box (Monte Carlo with 10⁷ draws: 2.6·10⁻⁴).
	rng := rand.New(rand.NewPCG(3, 4))
	const draws = 400_000
	rej := 0
	y := make([]float64, 4)
	for range draws {
		for j := range y {
			y[j] = -0.3 + 0.6*rng.Float64()
		}
		if !accept(y) {
			rej++
		}
	}
	rate := float64(rej) / draws
	t.Logf("Hénon–Heiles rejection rate %.2e over %d uniform draws", rate, draws)
	if rate < 1.5e-4 || rate > 4e-4 {
		t.Errorf("rejection rate %.2e, want ≈ 2.6e-4", rate)
	}
	// Generate redraws: count the calls of the rule through a wrapper.
	var calls, rejected atomic.Int64
	cfg := GenerateConfig{Trajectories: 20_000, Steps: 1, Dt: 0.001, Accept: func(y []float64) bool {
		calls.Add(1)
		ok := accept(y)
		if !ok {
			rejected.Add(1)
		}
		return ok
	}}
	tr, err := Generate(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Generate of %d trajectories: %d draws, %d rejected", cfg.Trajectories, calls.Load(), rejected.Load())
	if rejected.Load() == 0 || calls.Load() != int64(cfg.Trajectories)+rejected.Load() {
		t.Errorf("%d draws, %d rejected for %d trajectories", calls.Load(), rejected.Load(), cfg.Trajectories)
	}
	for i, st := range tr.States {
		if s.H(st[0]) >= system.HenonHeilesEscapeEnergy {
			t.Fatalf("trajectory %d starts at H = %v", i, s.H(st[0]))
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	blowUp := system.Func{SystemName: "blow-up", D: 1,
		Energy:   func(y []float64) float64 { return y[1]*y[1]/2 - y[0]*y[0]*y[0]*y[0]/4 },
		Gradient: func(dst, y []float64) { dst[0], dst[1] = -y[0]*y[0]*y[0], y[1] },
	}
	_, err := Generate(blowUp, GenerateConfig{Trajectories: 3, Steps: 1000, Dt: 0.1})
	if err == nil || !strings.Contains(err.Error(), "data: trajectory") || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("blow-up: error %v", err)
	}
	_, err = Generate(system.Pendulum{}, GenerateConfig{Trajectories: 2, Steps: 1, Accept: func([]float64) bool { return false }})
	if err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Errorf("reject-all: error %v", err)
	}
}

func TestGeneratePanics(t *testing.T) {
	s := system.Pendulum{}
	for _, tc := range []struct {
		name string
		cfg  GenerateConfig
		msg  string
	}{
		{"n", GenerateConfig{Steps: 1}, "data: GenerateConfig.Trajectories = 0"},
		{"steps", GenerateConfig{Trajectories: 1, Steps: -1}, "data: GenerateConfig.Steps = -1"},
		{"dt", GenerateConfig{Trajectories: 1, Steps: 1, Dt: -0.1}, "data: GenerateConfig.Dt"},
		{"dt-nan", GenerateConfig{Trajectories: 1, Steps: 1, Dt: math.NaN()}, "data: GenerateConfig.Dt"},
		{"substeps", GenerateConfig{Trajectories: 1, Steps: 1, Substeps: -2}, "data: GenerateConfig.Substeps"},
		{"noise", GenerateConfig{Trajectories: 1, Steps: 1, Noise: -1}, "data: GenerateConfig.Noise"},
		{"noise-inf", GenerateConfig{Trajectories: 1, Steps: 1, Noise: math.Inf(1)}, "data: GenerateConfig.Noise"},
		{"workers", GenerateConfig{Trajectories: 1, Steps: 1, Workers: -1}, "data: GenerateConfig.Workers"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tc.msg) {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.msg)
				}
			}()
			_, _ = Generate(s, tc.cfg)
		}()
	}
}

func TestSplit(t *testing.T) {
	tr, err := Generate(system.DoubleWell{}, GenerateConfig{Trajectories: 10, Steps: 3})
	if err != nil {
		t.Fatal(err)
	}
	train, val := tr.Split(3)
	if train.N() != 7 || val.N() != 3 || train.Dt != tr.Dt || val.Dim != 1 || val.System != "double-well" {
		t.Fatalf("Split(3): N=%d,%d", train.N(), val.N())
	}
	if &train.States[6][0][0] != &tr.States[6][0][0] || &val.States[0][0][0] != &tr.States[7][0][0] {
		t.Error("Split does not return the first N−nVal and last nVal trajectories")
	}
	// Appending to train must not overwrite val.
	train.States = append(train.States, nil)
	if val.States[0] == nil {
		t.Error("append to train overwrote val")
	}
	for _, n := range []int{-1, 11} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "data: Split") {
					t.Errorf("Split(%d): panic %v", n, r)
				}
			}()
			tr.Split(n)
		}()
	}
}

func TestWindows(t *testing.T) {
	// Trajectory i, step k holds (1000·i + k, −k) so windows can be decoded.
	const n, steps, length, batch = 4, 9, 3, 20000
	tr := &Trajectories{Dim: 1, Dt: 0.1}
	for i := range n {
		var states [][]float64
		for k := range steps + 1 {
			states = append(states, []float64{float64(1000*i + k), -float64(k)})
		}
		tr.States = append(tr.States, states)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	w := tr.Windows(nil, rng, batch, length)
	if len(w) != batch*(length+1)*2 {
		t.Fatalf("len = %d", len(w))
	}
	trajCount := make([]int, n)
	startCount := make([]int, steps-length+1)
	for b := range batch {
		win := w[b*(length+1)*2 : (b+1)*(length+1)*2]
		i, k := int(win[0])/1000, int(win[0])%1000
		trajCount[i]++
		startCount[k]++
		for m := range length + 1 {
			if win[2*m] != float64(1000*i+k+m) || win[2*m+1] != -float64(k+m) {
				t.Fatalf("window %d is not consecutive states: %v", b, win)
			}
		}
	}
	// Uniformity: each count within 5 standard deviations of its mean.
	check := func(what string, counts []int) {
		p := 1 / float64(len(counts))
		mean, sd := batch*p, math.Sqrt(batch*p*(1-p))
		for v, c := range counts {
			if math.Abs(float64(c)-mean) > 5*sd {
				t.Errorf("%s %d chosen %d times, expected %.0f ± %.0f", what, v, c, mean, sd)
			}
		}
	}
	check("trajectory", trajCount)
	check("start", startCount)
	// Reuse of dst and determinism.
	w2 := tr.Windows(make([]float64, len(w)), rand.New(rand.NewPCG(1, 2)), batch, length)
	if !reflect.DeepEqual(w, w2) {
		t.Error("Windows is not deterministic for a given rng")
	}
	// Full-length windows start at 0.
	full := tr.Windows(nil, rng, 5, steps)
	for b := range 5 {
		if int(full[b*(steps+1)*2])%1000 != 0 {
			t.Error("full-length window does not start at 0")
		}
	}
	for _, tc := range []struct {
		name          string
		dst           []float64
		batch, length int
		msg           string
		empty         bool
	}{
		{"length0", nil, 1, 0, "data: window length 0", false},
		{"too-long", nil, 1, steps + 1, "data: window length 10", false},
		{"batch", nil, -1, 1, "data: negative batch size", false},
		{"dst", make([]float64, 3), 1, 1, "data: Windows dst has length 3, want 4", false},
		{"empty", nil, 1, 1, "data: Windows of an empty dataset", true},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tc.msg) {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.msg)
				}
			}()
			x := tr
			if tc.empty {
				x = &Trajectories{Dim: 1}
			}
			x.Windows(tc.dst, rng, tc.batch, tc.length)
		}()
	}
}
