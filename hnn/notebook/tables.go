package notebook

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/hnnlab/hnnlab/hnn"
	"github.com/hnnlab/hnnlab/hnn/bench"
	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/identify"
)

// table renders an HTML table: a header row and rows of cells, each cell
// escaped unless it is marked bold (rendered <b>…</b>); left aligns the
// first leftCols columns, the rest align right.
func table(header []string, rows [][]cell, leftCols int) string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-size:13px"><tr>`)
	align := func(i int) string {
		if i < leftCols {
			return "left"
		}
		return "right"
	}
	for i, h := range header {
		fmt.Fprintf(&b, `<th style="text-align:%s;padding:2px 8px">%s</th>`, align(i), html.EscapeString(h))
	}
	b.WriteString("</tr>")
	for _, row := range rows {
		b.WriteString("<tr>")
		for i, c := range row {
			v := html.EscapeString(c.text)
			if c.bold {
				v = "<b>" + v + "</b>"
			}
			fmt.Fprintf(&b, `<td style="text-align:%s;padding:2px 8px">%s</td>`, align(i), v)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

type cell struct {
	text string
	bold bool
}

func cells(texts ...string) []cell {
	out := make([]cell, len(texts))
	for i, t := range texts {
		out[i] = cell{text: t}
	}
	return out
}

// ResultsTable renders evaluation results of several models as an HTML
// table: one row per model, one column per domain/test set, mean
// |H_pred − H_true − c| in each cell, the best of each column in bold.
func ResultsTable(scores ...figure.Scores) string {
	var cols []string
	best := map[string]float64{}
	for _, sc := range scores {
		for _, r := range sc.Results {
			k := r.Domain + "/" + r.Set
			if v, ok := best[k]; !ok {
				cols = append(cols, k)
				best[k] = r.Error
			} else if r.Error < v {
				best[k] = r.Error
			}
		}
	}
	var rows [][]cell
	for _, sc := range scores {
		byKey := map[string]float64{}
		for _, r := range sc.Results {
			byKey[r.Domain+"/"+r.Set] = r.Error
		}
		row := cells(sc.Label)
		for _, c := range cols {
			if v, ok := byKey[c]; ok {
				row = append(row, cell{text: fmt.Sprintf("%.3g", v), bold: v == best[c]})
			} else {
				row = append(row, cell{text: "–"})
			}
		}
		rows = append(rows, row)
	}
	return table(append([]string{"model"}, cols...), rows, 1)
}

// GradcheckTable shows bench.Gradcheck results, one row per check: the
// largest relative differences between the discrete adjoint, backprop and
// central finite differences.
func GradcheckTable(results []bench.GradcheckResult) string {
	var rows [][]cell
	for _, r := range results {
		conv := "–"
		if r.ConvergedAdjointVsBackprop != nil {
			conv = fmt.Sprintf("%.1e (%d)", *r.ConvergedAdjointVsBackprop, r.ConvergedIterations)
		}
		rows = append(rows, cells(r.System, fmt.Sprint(r.Rollout), fmt.Sprint(r.Iterations), fmt.Sprint(r.Weights), fmt.Sprintf("%.3g", r.Loss),
			fmt.Sprintf("%.1e", r.AdjointVsBackprop), fmt.Sprintf("%.1e", r.AdjointVsFiniteDifferences), fmt.Sprintf("%.1e", r.BackpropVsFiniteDifferences), conv))
	}
	return table([]string{"system", "N", "k", "weights", "loss", "adjoint vs backprop", "adjoint vs finite diff.", "backprop vs finite diff.", "converged adjoint vs backprop (k sweeps)"}, rows, 1)
}

// FormulaTable shows an identified formula's terms: the coefficient found
// with its uncertainty and, when the true H is known, the true coefficient
// and the relative error; then the spurious and missing terms and the
// relative residual.
func FormulaTable(f *identify.Formula) string {
	var rows [][]cell
	for _, c := range f.Terms {
		tru, rel := "–", "–"
		if c.True != nil {
			tru = fmt.Sprintf("%.6g", *c.True)
			if *c.True != 0 {
				rel = fmt.Sprintf("%.2e", math.Abs(c.Coefficient-*c.True)/math.Abs(*c.True))
			}
		}
		rows = append(rows, cells(c.Name, fmt.Sprintf("%.6g ± %.2g", c.Coefficient, c.Uncertainty), tru, rel))
	}
	s := table([]string{"term", "found ± uncertainty", "true", "relative error"}, rows, 1)
	note := fmt.Sprintf("relative residual %.3g (whole library %.3g)", f.Residual, f.LibraryResidual)
	if f.Truth != nil {
		note += fmt.Sprintf("; spurious terms: %s; missing terms: %s", orNone(f.Truth.Spurious), orNone(f.Truth.Missing))
	}
	for _, w := range f.Warnings {
		note += "; " + w
	}
	return s + `<div style="font-size:12px">` + html.EscapeString(note) + `</div>`
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return strings.Join(v, ", ")
}

// DataScoresTable shows the data-only scores of several models
// (hnn.Model.ScoreData on the same held-out data), one column per model:
// rollout errors by horizon against the noise floor, the learned energy's
// conservation along the data, the vector field against forward
// differences, and the long rollouts' energy drift. The best value of each
// row is bold.
func DataScoresTable(labels []string, scores []hnn.DataScores) string {
	if len(labels) != len(scores) {
		panic(fmt.Sprintf("notebook: %d labels for %d scores", len(labels), len(scores)))
	}
	type line struct {
		name string
		get  func(s hnn.DataScores) (float64, bool)
	}
	var lines []line
	if len(scores) > 0 {
		for i, h := range scores[0].Horizons {
			lines = append(lines, line{fmt.Sprintf("rollout rmse, %d steps (t = %.3g)", h.Steps, h.Time), func(s hnn.DataScores) (float64, bool) {
				if i < len(s.Horizons) {
					return s.Horizons[i].RMSE, true
				}
				return 0, false
			}})
		}
	}
	lines = append(lines,
		line{"learned H drift along the data / noise", func(s hnn.DataScores) (float64, bool) { return s.Conservation.Ratio, true }},
		line{"(field − forward difference)² at y_k", func(s hnn.DataScores) (float64, bool) { return s.Derivative.At, s.Derivative.Pairs > 0 }},
		line{"(field − forward difference)² at the midpoint", func(s hnn.DataScores) (float64, bool) { return s.Derivative.Midpoint, s.Derivative.Pairs > 0 }},
		line{"long rollouts: H drift / its spread", func(s hnn.DataScores) (float64, bool) { return s.LongDrift, true }},
	)
	var rows [][]cell
	for _, l := range lines {
		best := math.Inf(1)
		for _, s := range scores {
			if v, ok := l.get(s); ok {
				best = math.Min(best, v)
			}
		}
		row := cells(l.name)
		for _, s := range scores {
			if v, ok := l.get(s); ok {
				row = append(row, cell{text: fmt.Sprintf("%.3g", v), bold: v == best && len(scores) > 1})
			} else {
				row = append(row, cell{text: "–"})
			}
		}
		rows = append(rows, row)
	}
	if len(scores) > 0 {
		row := cells("noise σ̂ of the data (floor of the rmse: √2·σ̂)")
		for _, s := range scores {
			row = append(row, cell{text: fmt.Sprintf("%.3g", s.Noise)})
		}
		rows = append(rows, row)
		row = cells("long rollouts bounded")
		for _, s := range scores {
			b := "yes"
			if !s.LongBounded {
				b = "no"
			}
			if s.LongFailure != "" {
				b = "stopped: " + s.LongFailure
			}
			row = append(row, cell{text: b})
		}
		rows = append(rows, row)
	}
	return table(append([]string{"measured on held-out data"}, labels...), rows, 1)
}
