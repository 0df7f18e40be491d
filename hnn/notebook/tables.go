package notebook

import (
	"fmt"
	"html"
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
