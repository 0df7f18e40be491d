package notebook

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/hnnlab/hnnlab/hnn/bench"
)

// GradcheckTable shows bench.Gradcheck results, one row per check: the
// largest relative differences between the discrete adjoint, backprop and
// central finite differences.
func GradcheckTable(results []bench.GradcheckResult) string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-size:13px"><tr>`)
	for _, h := range []string{"system", "N", "k", "weights", "loss", "adjoint vs backprop", "adjoint vs finite diff.", "backprop vs finite diff.", "converged adjoint vs backprop (k sweeps)"} {
		fmt.Fprintf(&b, `<th style="padding:2px 8px">%s</th>`, h)
	}
	b.WriteString("</tr>")
	for _, r := range results {
		conv := "–"
		if r.ConvergedAdjointVsBackprop != nil {
			conv = fmt.Sprintf("%.1e (%d)", *r.ConvergedAdjointVsBackprop, r.ConvergedIterations)
		}
		row := []string{r.System, fmt.Sprint(r.Rollout), fmt.Sprint(r.Iterations), fmt.Sprint(r.Weights), fmt.Sprintf("%.3g", r.Loss),
			fmt.Sprintf("%.1e", r.AdjointVsBackprop), fmt.Sprintf("%.1e", r.AdjointVsFiniteDifferences), fmt.Sprintf("%.1e", r.BackpropVsFiniteDifferences), conv}
		b.WriteString("<tr>")
		for _, v := range row {
			fmt.Fprintf(&b, `<td style="padding:2px 8px;text-align:right">%s</td>`, html.EscapeString(v))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// MemoryFigure draws Figure VIII of the paper from bench.Memory's results:
// peak resident memory and time per training step against the rollout
// length N, one line per gradient method, log–log.
func MemoryFigure(results []bench.MemoryResult) *Figure {
	var methods []string
	for _, r := range results {
		if !slices.Contains(methods, r.Gradient) {
			methods = append(methods, r.Gradient)
		}
	}
	f := &Figure{Title: "memory and time of one training step vs rollout length (fresh process per point)", PanelW: 420, PanelH: 300}
	mem := f.Add("peak resident memory", "rollout length N", "MiB")
	tim := f.Add("time per training step", "rollout length N", "ms")
	for _, p := range []*Panel{mem, tim} {
		p.LogX, p.LogY = true, true
	}
	for i, m := range methods {
		var ns, mb, ms []float64
		for _, r := range results {
			if r.Gradient == m {
				ns = append(ns, float64(r.Rollout))
				mb = append(mb, float64(r.PeakRSSBytes)/(1<<20))
				ms = append(ms, r.MsPerStep)
			}
		}
		c := Palette[i%len(Palette)]
		mem.Line(m, c, ns, mb).Scatter("", c, ns, mb, 3)
		tim.Line(m, c, ns, ms).Scatter("", c, ns, ms, 3)
	}
	return f
}
