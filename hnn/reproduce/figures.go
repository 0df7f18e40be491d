package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/baseline"
	"github.com/hnnlab/hnnlab/hnn/data"
	"github.com/hnnlab/hnnlab/hnn/eval"
	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/system"
)

// FigureDir is the sub-directory of the output directory holding the figures.
const FigureDir = "figures"

// figures writes the figures of one system (from the first seed's models,
// drawn by package figure) and returns their paths relative to outDir and
// the long-rollout results.
func figures(p *Protocol, outDir, sys string, trainSet *data.Trajectories, models map[string]*hnn.Model,
	runs []RunResult, order []string) ([]string, []RolloutResult, error) {
	s, err := system.Lookup(sys, system.Options{Alpha: p.SystemSpec(sys).Alpha})
	if err != nil {
		return nil, nil, err
	}
	dom := s.Domains()[0]
	free := dom.Box.Free()
	if len(free) != 2 {
		return nil, nil, fmt.Errorf("the primary domain of %s has %d free axes; figures need 2", sys, len(free))
	}
	ax, ay := free[0], free[1]
	var files []string
	save := func(name string, f *plot.Figure) error {
		rel := filepath.Join(FigureDir, sys+"-"+name+".png")
		if err := f.Save(filepath.Join(outDir, rel)); err != nil {
			return err
		}
		files = append(files, rel)
		return nil
	}

	// (a) Training data: observed states of up to 300 trajectories.
	if err := save("data", figure.Data(trainSet, system.CoordNames(s), 300)); err != nil {
		return nil, nil, err
	}

	// (b) Train and validation loss of every model (each in its objective's units).
	var losses []figure.Loss
	for _, name := range order {
		for _, r := range runs {
			if r.Model == name {
				label := name
				if m, err := baseline.Lookup(name); err == nil {
					label = m.Label
				}
				losses = append(losses, figure.Loss{Label: label, History: r.History})
			}
		}
	}
	lf := figure.Losses(losses...)
	lf.Title = sys
	if err := save("loss", lf); err != nil {
		return nil, nil, err
	}

	main := "this-work"
	if models[main] == nil {
		main = order[0]
	}
	// Rollouts and energies in float64 (the trained weights, converted), so
	// that float32 round-off does not mask the integrators' behaviour; the
	// heat maps score the model as evaluated in the table.
	m64, err := models[main].AsFloat64()
	if err != nil {
		return nil, nil, err
	}
	learned := []figure.Labeled{{Label: main, Model: m64}}

	// (c) Phase portrait: true orbits (reference integrator) and orbits of
	// the learned H (implicit midpoint, converged), same initial states.
	ics := figure.BoxStarts(dom.Box, ax, ay)
	steps := int(math.Round(p.PhaseTime / m64.Spec.Dt))
	phase, err := figure.PhasePortraits(s, learned, ics, m64.Spec.Dt, steps, ax, ay)
	if err != nil {
		return nil, nil, err
	}
	phase.Title = sys + ", " + phase.Title
	if err := save("phase", phase); err != nil {
		return nil, nil, err
	}

	// (d) |H_pred − H_true − c| on the three test sets of the primary domain.
	for _, set := range eval.Sets(dom, eval.DefaultSeed) {
		f, err := figure.ErrorMaps(s, []figure.Labeled{{Label: main, Model: models[main]}}, figure.TestSetRegion(dom, set, ax, ay), figure.MapOptions{Log: true})
		if err != nil {
			return nil, nil, err
		}
		f.Title = sys + ": " + f.Title
		if err := save("error-"+set.Name, f); err != nil {
			return nil, nil, err
		}
	}

	// (e) Energy along a long rollout: implicit midpoint (symplectic:
	// bounded error) against RK4 (not symplectic: drift).
	y0 := ics[len(ics)/2]
	ef, drifts, err := figure.Energy(s, learned, [][]float64{y0}, p.LongDt, p.LongSteps, figure.EnergyOptions{RK4: true})
	if err != nil {
		return nil, nil, err
	}
	ef.Title = fmt.Sprintf("%s, learned H (%s): %s", sys, main, ef.Title)
	if err := save("energy", ef); err != nil {
		return nil, nil, err
	}
	var rolls []RolloutResult
	for _, d := range drifts {
		rolls = append(rolls, RolloutResult{System: sys, Model: main, Integrator: d.Integrator, Steps: p.LongSteps, Dt: p.LongDt,
			MaxDrift: d.MaxLearned, FinalDrift: d.FinalLearned, Residual: d.Residual})
	}
	slices.Sort(files)
	return files, rolls, nil
}
