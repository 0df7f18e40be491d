package reproduce

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/internal/atomicfile"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// SweepConfig configures Sweep: Config describes one run (systems, models,
// seeds, workers, progress, force; Protocol the base protocol, nil meaning
// SweepProtocol), repeated at every observation step of Dts in its own
// sub-directory of OutDir ("h-0.1"; each resumable as a Run is).
type SweepConfig struct {
	Config
	Dts []float64
}

// SweepPoint is one model's mean error at one step.
type SweepPoint struct {
	Dt     float64 `json:"dt"`
	System string  `json:"system"`
	// Model is a table column: a model, or its bias-corrected energy (CorrectedSuffix).
	Model string  `json:"model"`
	Set   string  `json:"set"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
}

// SweepSlope is the fitted slope of log error against log h.
type SweepSlope struct {
	System string  `json:"system"`
	Model  string  `json:"model"`
	Set    string  `json:"set"`
	Slope  float64 `json:"slope"`
	// From is the smallest h of the fit (SlopeFrom): the steps at which
	// the integrators' biases dominate the noise floor.
	From float64 `json:"from"`
}

// SlopeFrom is the smallest observation step of the sweep's fitted slopes.
const SlopeFrom = 0.1

// SweepResults is what Sweep writes to sweep.json.
type SweepResults struct {
	Protocol Protocol     `json:"protocol"`
	Dts      []float64    `json:"dts"`
	Systems  []string     `json:"systems"`
	Columns  []string     `json:"columns"`
	Points   []SweepPoint `json:"points"`
	Slopes   []SweepSlope `json:"slopes"`
	Figures  []string     `json:"figures"`
	// Runs are the sub-directories of the steps' runs (results.json, table.md, runs/).
	Runs []string `json:"runs"`
}

// stepsSetup checks the steps of a sweep or budget (what names it), each
// in (0, 1], fills cfg's nil systems and models with the given defaults and
// returns the base protocol: cfg.Protocol, or SweepProtocol when nil.
func stepsSetup(what string, dts []float64, cfg *Config, systems, models []string) (Protocol, error) {
	for _, dt := range dts {
		if !(dt > 0) || dt > 1 {
			return Protocol{}, fmt.Errorf("reproduce: %s step %g: must be in (0, 1]", what, dt)
		}
	}
	base := SweepProtocol()
	if cfg.Protocol != nil {
		base = *cfg.Protocol
	}
	if cfg.Systems == nil {
		cfg.Systems = systems
	}
	if cfg.Models == nil {
		cfg.Models = models
	}
	return base, nil
}

// stepDir names the run directory of step dt.
func stepDir(dt float64) string { return fmt.Sprintf("h-%g", dt) }

// Sweep runs the comparison at every observation (and integration) step of
// cfg.Dts on the same trajectories' initial conditions, then writes
// sweep.md (per system, every model's error against h on the three test
// sets, with fitted slopes), sweep.json and figures/sweep-SYSTEM.png
// (log–log error against h). Each step's run is a Run of its own, reused
// when it is finished.
func Sweep(ctx context.Context, cfg SweepConfig) (*SweepResults, error) {
	if len(cfg.Dts) < 2 {
		return nil, errors.New("reproduce: a sweep needs at least two steps")
	}
	base, err := stepsSetup("sweep", cfg.Dts, &cfg.Config, SweepSystems, SweepModels)
	if err != nil {
		return nil, err
	}
	out := &SweepResults{Protocol: base, Dts: slices.Clone(cfg.Dts), Systems: cfg.Systems}
	slices.Sort(out.Dts)
	var runs []*Results
	for _, dt := range out.Dts {
		c := cfg.Config
		p := base.WithDt(dt)
		c.Protocol, c.OutDir, c.NoFigures = &p, filepath.Join(cfg.OutDir, stepDir(dt)), true
		progressf(cfg.Progress, "== h = %g\n", dt)
		r, err := Run(ctx, c)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
		out.Runs = append(out.Runs, stepDir(dt))
	}
	out.Columns = runs[0].columns()
	for k, r := range runs {
		for _, row := range r.Table {
			for _, c := range row.Cells {
				if c.Stat.N == 0 {
					continue // every seed failed (RunResult.Failure)
				}
				out.Points = append(out.Points, SweepPoint{Dt: out.Dts[k], System: row.System, Model: c.Model, Set: row.Set, Mean: c.Stat.Mean, Std: c.Stat.Std})
			}
		}
	}
	for _, s := range out.Systems {
		for _, m := range out.Columns {
			for _, set := range []string{"uniform", "grid", "gaussian"} {
				hs, es := out.series(s, m, set, SlopeFrom)
				if len(hs) >= 2 {
					out.Slopes = append(out.Slopes, SweepSlope{System: s, Model: m, Set: set, Slope: logSlope(hs, es), From: SlopeFrom})
				}
			}
		}
		f := figure.Sweep(s, out.curves(s), SlopeFrom)
		rel := filepath.Join(FigureDir, "sweep-"+s+".png")
		if err := f.Save(filepath.Join(cfg.OutDir, rel)); err != nil {
			return nil, err
		}
		out.Figures = append(out.Figures, rel)
	}
	if err := writeJSON(filepath.Join(cfg.OutDir, "sweep.json"), out); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(cfg.OutDir, "sweep.md"), []byte(out.Markdown())); err != nil {
		return nil, err
	}
	return out, nil
}

// series returns the steps ≥ from and the mean errors of column m on
// system s's test set.
func (r *SweepResults) series(s, m, set string, from float64) (hs, es []float64) {
	for _, p := range r.Points {
		if p.System == s && p.Model == m && p.Set == set && p.Dt >= from && p.Mean > 0 && !math.IsInf(p.Mean, 0) {
			hs, es = append(hs, p.Dt), append(es, p.Mean)
		}
	}
	return hs, es
}

// curves returns the sweep's curves of system s for figure.Sweep.
func (r *SweepResults) curves(s string) []figure.SweepCurve {
	var out []figure.SweepCurve
	for _, m := range r.Columns {
		_, corrected := strings.CutSuffix(m, CorrectedSuffix)
		c := figure.SweepCurve{Label: label(m), Dashed: corrected}
		for _, set := range []string{"uniform", "grid", "gaussian"} {
			hs, es := r.series(s, m, set, 0)
			c.H = append(c.H, hs)
			c.Errors = append(c.Errors, es)
			sl := math.NaN()
			for _, x := range r.Slopes {
				if x.System == s && x.Model == m && x.Set == set {
					sl = x.Slope
				}
			}
			c.Slopes = append(c.Slopes, sl)
		}
		out = append(out, c)
	}
	return out
}

// logSlope is the least-squares slope of log e against log h.
func logSlope(hs, es []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(es[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(hs))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// Markdown renders sweep.md.
func (r *SweepResults) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Error against the observation step h\n\n")
	w("Mean gauge-fixed error E|H_pred − H_true − c| per test set (uniform / grid / Gaussian), protocol %q (%d training trajectories of %d steps per system, noise %g, %d epochs; every model at every h trains on the same initial conditions, windows of 6 steps). ",
		r.Protocol.Name, r.Protocol.Data.Train, r.Protocol.Data.Steps, r.Protocol.Data.WithDefaults().Noise, r.Protocol.Default.Epochs)
	w("Slope: least-squares slope of log error against log h over h ≥ %g (where the integrators' biases dominate the noise floor). Best of each column in bold.\n\n", SlopeFrom)
	for _, s := range r.Systems {
		sys, _ := system.Lookup(s, system.Options{})
		dom := ""
		if sys != nil {
			dom = " (" + sys.Domains()[0].Name + ")"
		}
		w("## %s%s\n\n| model |", s, dom)
		for _, h := range r.Dts {
			w(" h = %g |", h)
		}
		w(" slope (u / g / N) |\n|---|")
		for range r.Dts {
			w("---|")
		}
		w("---|\n")
		best := map[string]float64{}
		for _, p := range r.Points {
			if p.System == s {
				k := fmt.Sprintf("%g/%s", p.Dt, p.Set)
				if v, ok := best[k]; !ok || p.Mean < v {
					best[k] = p.Mean
				}
			}
		}
		for _, m := range r.Columns {
			w("| %s |", label(m))
			for _, h := range r.Dts {
				var cells []string
				for _, set := range []string{"uniform", "grid", "gaussian"} {
					v := math.NaN()
					for _, p := range r.Points {
						if p.System == s && p.Model == m && p.Set == set && p.Dt == h {
							v = p.Mean
						}
					}
					c := fmt.Sprintf("%.2g", v)
					if math.IsNaN(v) {
						c = "—" // a failed or missing run
					}
					if v == best[fmt.Sprintf("%g/%s", h, set)] {
						c = "**" + c + "**"
					}
					cells = append(cells, c)
				}
				w(" %s |", strings.Join(cells, " / "))
			}
			var sl []string
			for _, set := range []string{"uniform", "grid", "gaussian"} {
				v := "—"
				for _, x := range r.Slopes {
					if x.System == s && x.Model == m && x.Set == set {
						v = fmt.Sprintf("%.1f", x.Slope)
					}
				}
				sl = append(sl, v)
			}
			w(" %s |\n", strings.Join(sl, " / "))
		}
		w("\n![%s](figures/sweep-%s.png)\n\n", s, s)
	}
	return b.String()
}
