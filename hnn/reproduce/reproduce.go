package reproduce

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/internal/dirlock"
	"github.com/hnnlab/hnnlab/hnn/system"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// DefaultSystems are the three systems of Table I.
var DefaultSystems = []string{"double-well", "coupled-oscillator", "henon-heiles"}

// Config configures Run. The zero value of each field means its default.
type Config struct {
	// Systems to run; nil means DefaultSystems.
	Systems []string
	// Models to train, by baseline name; nil means all of baseline.Models().
	Models []string
	// Seeds is the number of seeds (1, 2, …; each seeds the data, the
	// weights and the window order); 0 means the protocol's Seeds.
	Seeds int
	// Quick selects QuickProtocol instead of DefaultProtocol (when Protocol is nil).
	Quick bool
	// Protocol overrides the data, training budgets and figure settings.
	Protocol *Protocol
	// OutDir receives table.md, results.json, figures/ and runs/. Required.
	OutDir string
	// Workers is the number of trainings run at once; 0 means
	// runtime.GOMAXPROCS(0). GoMLX's pure-Go backend runs one training
	// step essentially on one core at these sizes, so one worker per core
	// is the efficient choice.
	Workers int
	// Progress receives one line per finished training and per figure set; nil is silent.
	Progress io.Writer
	// Force retrains runs of another protocol found in OutDir (deleting
	// them) instead of stopping with ErrOtherRun. Finished runs of the same
	// protocol are always reused and interrupted ones resumed.
	Force bool
	// NoFigures skips the figures and long rollouts (the sweep's runs).
	NoFigures bool
	// Shard, when Shard.N > 1, trains only this process's share of the
	// trainings (share I of N, 0 ≤ I < N) and writes no table or figures:
	// run the N shards as separate processes (a Slurm job array, a
	// Kubernetes indexed Job) on one output directory, or on several merged
	// with Merge, then Run without a shard reuses every finished training
	// and writes the table and figures — the same numbers, digit for digit,
	// as one process.
	Shard Shard
}

// Shard is share I of N of a run's trainings.
type Shard struct{ I, N int }

// ParseShard parses "i/n" with 0 ≤ i < n.
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if _, err := fmt.Sscanf(s, "%d/%d", &sh.I, &sh.N); err != nil || sh.N < 1 || sh.I < 0 || sh.I >= sh.N || fmt.Sprintf("%d/%d", sh.I, sh.N) != s {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return sh, nil
}

// RunResult is one trained model on one system and seed.
type RunResult struct {
	System string   `json:"system"`
	Model  string   `json:"model"`
	Seed   uint64   `json:"seed"`
	Spec   hnn.Spec `json:"spec"`
	Recipe Recipe   `json:"recipe"`
	// Data is the protocol's data set configuration the run trained on.
	Data hnn.DataConfig `json:"data"`
	// Architecture describes the ansatz, e.g. "mlp 2-16-32-16-1 tanh".
	Architecture string `json:"architecture"`
	// Steps is the number of optimizer steps; Seconds the training time.
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
	// History is the per-epoch record (losses in the model's objective's units).
	History []train.Epoch `json:"history"`
	// Errors are the gauge-fixed errors on every domain and test set.
	Errors []eval.Result `json:"errors"`
	// GaussianOutside is, on the primary domain's Gaussian set, the share of
	// points outside the evaluation box and the part of the mean error they
	// contribute (their summed error divided by the number of all points).
	GaussianOutside struct {
		Share float64 `json:"share"`
		Error float64 `json:"error"`
	} `json:"gaussian_outside_box"`
	// Dir holds the run's checkpoint, relative to the output directory
	// (hnn eval --model OUT/Dir).
	Dir string `json:"dir"`
	// Failure says why the training stopped before its last epoch when it
	// stopped on a health check (train.ErrSolverDiverged: the implicit
	// solve's residual above its bound; train.ErrNonFinite); "" for a
	// finished training. A failed run is recorded, not retrained: it has
	// no errors (its table cells and sweep points are missing, "—") and no
	// figures, and the other runs go on.
	Failure string `json:"failure,omitempty"`
}

// CorrectedSuffix marks the table column of a model's bias-corrected energy
// (e.g. "this-work+corrected"; hnn.Model.CorrectedEnergy).
const CorrectedSuffix = "+corrected"

// Error returns the error of the learned energy on domain/set, NaN if absent.
func (r RunResult) Error(domain, set string) float64 { return r.errorOf(domain, set, false) }

// CorrectedError returns the error of the bias-corrected energy on domain/set,
// NaN if absent (a model without a correction).
func (r RunResult) CorrectedError(domain, set string) float64 { return r.errorOf(domain, set, true) }

func (r RunResult) errorOf(domain, set string, corrected bool) float64 {
	for _, e := range r.Errors {
		if e.Domain == domain && e.Set == set && e.Corrected == corrected {
			return e.Error
		}
	}
	return math.NaN()
}

// Cell is one cell of the table: a model's errors on one test set over seeds.
type Cell struct {
	Model string `json:"model"`
	Stat  Stat   `json:"stat"`
}

// Row is one row of Table I: a system's test set on its primary domain.
type Row struct {
	System string `json:"system"`
	Domain string `json:"domain"`
	Set    string `json:"set"`
	Cells  []Cell `json:"cells"`
	// Paper is the paper's Table I entry per model name, where it has one.
	Paper map[string]Stat `json:"paper,omitempty"`
	// Best is the model with the lowest mean.
	Best string `json:"best"`
	// MeetsPaper reports this work's mean ≤ the paper's mean (nil when
	// either is missing).
	MeetsPaper *bool `json:"meets_paper,omitempty"`
}

// Cell returns the row's stat of model, ok false when absent.
func (r Row) Cell(model string) (Stat, bool) {
	for _, c := range r.Cells {
		if c.Model == model {
			return c.Stat, true
		}
	}
	return Stat{}, false
}

// RolloutResult is the energy behaviour of a learned H along a long rollout.
type RolloutResult struct {
	System     string  `json:"system"`
	Model      string  `json:"model"`
	Integrator string  `json:"integrator"`
	Steps      int     `json:"steps"`
	Dt         float64 `json:"dt"`
	// MaxDrift is max_n |H_θ(y_n) − H_θ(y_0)| and FinalDrift the last one.
	MaxDrift   float64 `json:"max_drift"`
	FinalDrift float64 `json:"final_drift"`
	// Residual is the largest fixed-point update of the implicit solve (0 for RK4).
	Residual float64 `json:"residual,omitempty"`
}

// Results is everything a Run produced; results.json holds it.
type Results struct {
	Protocol Protocol `json:"protocol"`
	Systems  []string `json:"systems"`
	Models   []string `json:"models"`
	Seeds    int      `json:"seeds"`
	Workers  int      `json:"workers"`
	// Machine describes where it ran.
	Machine  map[string]string `json:"machine"`
	Runs     []RunResult       `json:"runs"`
	Table    []Row             `json:"table"`
	Rollouts []RolloutResult   `json:"rollouts"`
	Figures  []string          `json:"figures"`
	// TrainSeconds is the summed training time of all runs (CPU-seconds when
	// each training holds one core), WallSeconds the whole run's wall time.
	TrainSeconds float64   `json:"train_seconds"`
	WallSeconds  float64   `json:"wall_seconds"`
	Started      time.Time `json:"started"`
}

// Run trains every model on every system and seed, evaluates them, and
// writes table.md, results.json and the figures into cfg.OutDir.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	start := time.Now()
	if cfg.OutDir == "" {
		return nil, errors.New("reproduce: an output directory is required")
	}
	proto := cfg.Protocol
	if proto == nil {
		p := DefaultProtocol()
		if cfg.Quick {
			p = QuickProtocol()
		}
		proto = &p
	}
	systems := cfg.Systems
	if systems == nil {
		systems = DefaultSystems
	}
	var models []baseline.Model
	if cfg.Models == nil {
		models = baseline.Models()
	} else {
		for _, n := range cfg.Models {
			m, err := baseline.Lookup(n)
			if err != nil {
				return nil, fmt.Errorf("reproduce: %w", err)
			}
			models = append(models, m)
		}
	}
	seeds := cmp.Or(cfg.Seeds, proto.Seeds, 1)
	workers := cmp.Or(cfg.Workers, runtime.GOMAXPROCS(0))
	// One graph branch per training (gradient.Problem.Shards = 1), whatever
	// the workers: the sums of a sharded batch would be taken in another
	// order, so runs of one protocol give the same numbers to the last digit
	// on any machine and in any share of the work (Config.Shard).
	const shards = 1
	for _, s := range systems {
		if _, err := system.Lookup(s, system.Options{}); err != nil {
			return nil, fmt.Errorf("reproduce: %w", err)
		}
		for _, m := range models {
			if err := specFor(proto, s, m).Validate(); err != nil {
				return nil, fmt.Errorf("reproduce: %s/%s: %w", s, m.Name, err)
			}
		}
	}
	if _, err := hnn.Backend(); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	if cfg.Shard.N <= 1 {
		// The whole directory is this process's (shards share it: each
		// training locks its own run directory).
		lock, err := dirlock.Acquire(cfg.OutDir)
		if err != nil {
			return nil, fmt.Errorf("reproduce: %w", err)
		}
		defer lock.Unlock()
		for _, d := range []string{cfg.OutDir, filepath.Join(cfg.OutDir, FigureDir)} {
			atomicfile.CleanTemp(d) // what a killed write left behind
		}
	} else if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	res := &Results{Protocol: *proto, Systems: systems, Seeds: seeds, Workers: workers, Started: start.UTC(),
		Machine: machine()}
	for _, m := range models {
		res.Models = append(res.Models, m.Name)
	}

	// The jobs, most expensive first so that the pool ends evenly.
	type job struct {
		system string
		model  baseline.Model
		seed   uint64
		cost   float64
	}
	var jobs []job
	for _, s := range systems {
		for seed := 1; seed <= seeds; seed++ {
			for _, m := range models {
				r := proto.Recipe(s, m.Name)
				jobs = append(jobs, job{s, m, uint64(seed), float64(r.Epochs) * relativeCost[m.Name]})
			}
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cmp.Compare(b.cost, a.cost) })
	if cfg.Shard.N > 1 {
		// This process's share: every N-th job of the cost-ordered list,
		// which spreads the expensive ones over the shards.
		var mine []job
		for i, j := range jobs {
			if i%cfg.Shard.N == cfg.Shard.I {
				mine = append(mine, j)
			}
		}
		jobs = mine
	}

	ds := newDataSets(proto)
	runs := make([]RunResult, len(jobs))
	trained := make([]*hnn.Model, len(jobs))
	var mu sync.Mutex
	done := 0
	err := forEach(ctx, workers, len(jobs), func(i int) error {
		j := jobs[i]
		r, m, reused, err := trainOne(ctx, proto, ds, j.system, j.model, j.seed, cfg.OutDir, shards, cfg.Force)
		if err != nil {
			return fmt.Errorf("reproduce: %s/%s seed %d: %w", j.system, j.model.Name, j.seed, err)
		}
		mu.Lock()
		runs[i], trained[i] = r, m
		done++
		note := ""
		if reused {
			note = " (finished earlier, reused)"
		}
		line := errorsLine(r)
		if r.Failure != "" {
			line = "FAILED: " + r.Failure
		}
		progressf(cfg.Progress, "[%2d/%d] %-18s %-18s seed %d: %3d epochs, %5.1fs  %s%s\n", done, len(jobs), j.system, j.model.Name, j.seed,
			len(r.History), r.Seconds, line, note)
		mu.Unlock()
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reproduce: %w: %d of %d trainings finished and are kept in %s; run the same command again to continue (finished trainings are reused, interrupted ones resume)", ctx.Err(), done, len(jobs), cfg.OutDir)
		}
		return nil, err
	}
	if cfg.Shard.N > 1 {
		res.Runs = runs
		progressf(cfg.Progress, "shard %d/%d: %d trainings finished in %s; run without --shard, once every shard is done, to write the table and figures\n",
			cfg.Shard.I, cfg.Shard.N, len(jobs), cfg.OutDir)
		return res, nil
	}
	// Runs in table order: system, model, seed.
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	idx := func(list []string, s string) int { return slices.Index(list, s) }
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(idx(systems, jobs[a].system), idx(systems, jobs[b].system)),
			cmp.Compare(idx(res.Models, jobs[a].model.Name), idx(res.Models, jobs[b].model.Name)),
			cmp.Compare(jobs[a].seed, jobs[b].seed))
	})
	for _, i := range order {
		res.Runs = append(res.Runs, runs[i])
		res.TrainSeconds += runs[i].Seconds
	}
	res.Table = buildTable(systems, res.Models, res.Runs)

	// Figures per system, from the first seed's models.
	byRun := map[string]*hnn.Model{}
	for i, j := range jobs {
		byRun[fmt.Sprintf("%s/%s/%d", j.system, j.model.Name, j.seed)] = trained[i]
	}
	if !cfg.NoFigures {
		if err := drawFigures(ctx, proto, cfg.OutDir, res, ds, workers, cfg.Progress, func(r RunResult) (*hnn.Model, error) {
			return byRun[fmt.Sprintf("%s/%s/%d", r.System, r.Model, r.Seed)], nil
		}); err != nil {
			return nil, err
		}
	}
	res.WallSeconds = time.Since(start).Seconds()
	if err := writeJSON(filepath.Join(cfg.OutDir, "results.json"), res); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(cfg.OutDir, "table.md"), []byte(TableMarkdown(res))); err != nil {
		return nil, err
	}
	return res, nil
}

// drawFigures writes every system's figures from the first seed's models
// (model returns the trained model of a run) and sets res.Figures and
// res.Rollouts.
func drawFigures(ctx context.Context, proto *Protocol, outDir string, res *Results, ds *dataSets, workers int, progress io.Writer,
	model func(RunResult) (*hnn.Model, error)) error {
	var mu sync.Mutex
	figs := make([][]string, len(res.Systems))
	rolls := make([][]RolloutResult, len(res.Systems))
	err := forEach(ctx, workers, len(res.Systems), func(k int) error {
		s := res.Systems[k]
		byModel := map[string]*hnn.Model{}
		var runsOf []RunResult
		for _, r := range res.Runs {
			if r.System == s && r.Seed == 1 && r.Failure == "" {
				m, err := model(r)
				if err != nil {
					return fmt.Errorf("reproduce: %s/%s: %w", s, r.Model, err)
				}
				byModel[r.Model] = m
				runsOf = append(runsOf, r)
			}
		}
		if len(runsOf) == 0 {
			return fmt.Errorf("reproduce: no run of %s with seed 1 to draw", s)
		}
		trainSet, _, err := ds.get(ctx, s, 1)
		if err != nil {
			return err
		}
		t0 := time.Now()
		f, r, err := figures(proto, outDir, s, trainSet, byModel, runsOf, res.Models)
		if err != nil {
			return fmt.Errorf("reproduce: figures of %s: %w", s, err)
		}
		figs[k], rolls[k] = f, r
		mu.Lock()
		progressf(progress, "figures of %s: %d files in %.1fs\n", s, len(f), time.Since(t0).Seconds())
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	res.Figures, res.Rollouts = nil, nil
	for k := range res.Systems {
		res.Figures = append(res.Figures, figs[k]...)
		res.Rollouts = append(res.Rollouts, rolls[k]...)
	}
	return nil
}

// ErrBadResults is returned (wrapped) by Redraw for a results.json that Run
// did not write, and by Merge for a run's result file that Run cannot read.
var ErrBadResults = errors.New("not a results file of hnn reproduce")

// check returns an error unless res is what Run writes: systems, models and
// runs that name them, each with its errors and directory.
func (res *Results) check() error {
	if len(res.Systems) == 0 || len(res.Models) == 0 || len(res.Runs) == 0 {
		return fmt.Errorf("holds %d systems, %d models and %d runs: not the results of a finished hnn reproduce", len(res.Systems), len(res.Models), len(res.Runs))
	}
	for i, r := range res.Runs {
		if !slices.Contains(res.Systems, r.System) || !slices.Contains(res.Models, r.Model) || r.Dir == "" || (len(r.Errors) == 0) == (r.Failure == "") {
			return fmt.Errorf("run %d (%s/%s seed %d) is incomplete or names a system or model not listed", i, r.System, r.Model, r.Seed)
		}
	}
	return nil
}

// Redraw regenerates the figures, table.md and results.json of the run
// saved in dir (its results.json and the first seed's checkpoints), e.g.
// after a change to the figures or the table's layout. The trainings and
// their errors are not recomputed; the data of seed 1 are regenerated
// (deterministically) for the data figure.
func Redraw(ctx context.Context, dir string, progress io.Writer) (*Results, error) {
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("reproduce: %s: %w: %w", filepath.Join(dir, "results.json"), ErrBadResults, err)
	}
	if err := res.check(); err != nil {
		return nil, fmt.Errorf("reproduce: %s: %w: %w", filepath.Join(dir, "results.json"), ErrBadResults, err)
	}
	for i, r := range res.Runs {
		// Results written with paths relative to the working directory: make them relative to dir.
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r.Dir))); err != nil {
			if _, err2 := os.Stat(r.Dir); err2 == nil {
				if rel, err3 := filepath.Rel(dir, r.Dir); err3 == nil {
					res.Runs[i].Dir = filepath.ToSlash(rel)
				}
			}
		}
	}
	proto := res.Protocol
	ds := newDataSets(&proto)
	err = drawFigures(ctx, &proto, dir, &res, ds, cmp.Or(res.Workers, runtime.GOMAXPROCS(0)), progress, func(r RunResult) (*hnn.Model, error) {
		return hnn.Load(filepath.Join(dir, filepath.FromSlash(r.Dir)))
	})
	if err != nil {
		return nil, err
	}
	res.Table = buildTable(res.Systems, res.Models, res.Runs)
	if err := writeJSON(filepath.Join(dir, "results.json"), &res); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "table.md"), []byte(TableMarkdown(&res))); err != nil {
		return nil, err
	}
	return &res, nil
}

// relativeCost is the measured cost of one epoch of each model relative to
// this work's (used only to order the jobs).
var relativeCost = map[string]float64{"this-work": 1, "nssnn": 0.9, "separable-leapfrog": 0.8, "shnn": 0.25, "hnn": 0.25,
	"this-work-gl4": 1.9, "this-work-gl6": 3.4, "this-work-newton": 2}

// specFor returns the full spec of model on system under the protocol.
func specFor(p *Protocol, sys string, m baseline.Model) hnn.Spec {
	s := p.SystemSpec(sys)
	s.System = sys
	return s.WithBaseline(m)
}

func errorsLine(r RunResult) string {
	var parts []string
	for _, e := range r.Errors {
		if e.Domain == r.Errors[0].Domain {
			parts = append(parts, fmt.Sprintf("%s %.3g", e.Set, e.Error))
		}
	}
	return strings.Join(parts, ", ")
}

// buildTable aggregates the runs into Table I's rows (primary domain only).
func buildTable(systems, models []string, runs []RunResult) []Row {
	// Columns: the models, each followed by its bias-corrected energy when
	// its runs have one.
	var cols []string
	for _, m := range models {
		cols = append(cols, m)
		for _, r := range runs {
			if r.Model == m && slices.ContainsFunc(r.Errors, func(e eval.Result) bool { return e.Corrected }) {
				cols = append(cols, m+CorrectedSuffix)
				break
			}
		}
	}
	var rows []Row
	for _, s := range systems {
		sys, _ := system.Lookup(s, system.Options{})
		dom := sys.Domains()[0].Name
		for _, set := range []string{"uniform", "grid", "gaussian"} {
			row := Row{System: s, Domain: dom, Set: set, Paper: map[string]Stat{}}
			best := math.Inf(1)
			for _, m := range cols {
				base, corrected := strings.CutSuffix(m, CorrectedSuffix)
				var vals []float64
				for _, r := range runs {
					if r.System == s && r.Model == base && r.Failure == "" {
						vals = append(vals, r.errorOf(dom, set, corrected))
					}
				}
				st := stat(vals)
				row.Cells = append(row.Cells, Cell{Model: m, Stat: st})
				if st.N > 0 && st.Mean < best {
					best, row.Best = st.Mean, m
				}
				if p, ok := PaperTableI[s][m][set]; ok {
					row.Paper[m] = p
				}
			}
			if st, ok := row.Cell("this-work"); ok {
				if p, ok := row.Paper["this-work"]; ok {
					meets := st.Mean <= p.Mean
					row.MeetsPaper = &meets
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func stat(v []float64) Stat {
	s := Stat{N: len(v), Values: v}
	if len(v) == 0 {
		return Stat{} // no run (every seed failed): N = 0, shown as missing
	}
	for _, x := range v {
		s.Mean += x
	}
	s.Mean /= float64(len(v))
	if len(v) > 1 {
		for _, x := range v {
			s.Std += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(s.Std / float64(len(v)-1))
	}
	return s
}

// forEach runs fn(0…n−1) on `workers` goroutines and returns the first
// error (after which no new calls start).
func forEach(ctx context.Context, workers, n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		next  int
		first error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n || ctx.Err() != nil {
					if first == nil && ctx.Err() != nil {
						first = ctx.Err()
					}
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := safe(fn, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// safe calls fn(i), turning a panic (a bug) into an error: a panic in a
// worker goroutine would otherwise end the process with a trace.
func safe(fn func(int) error, i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v (please report it)", r)
		}
	}()
	return fn(i)
}

func machine() map[string]string {
	m := map[string]string{
		"goos": runtime.GOOS, "goarch": runtime.GOARCH, "go": runtime.Version(),
		"cpus": fmt.Sprint(runtime.NumCPU()), "gomaxprocs": fmt.Sprint(runtime.GOMAXPROCS(0)),
		"goexperiment": os.Getenv("GOEXPERIMENT"), "gomlx_backend": cmp.Or(os.Getenv("GOMLX_BACKEND"), hnn.DefaultBackend),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				m["cpu"] = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return m
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("reproduce: encoding %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
