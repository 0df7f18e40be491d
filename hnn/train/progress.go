package train

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws a one-line bar on a terminal, or prints one line per epoch otherwise.
type progress struct {
	w                io.Writer
	tty              bool
	epochs, batches  int
	lastDrawnPercent int
}

func newProgress(w io.Writer, epochs, batches int) *progress {
	p := &progress{w: w, epochs: epochs, batches: batches, lastDrawnPercent: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) step(epoch, batch int, loss, lr float64) {
	if p.w == nil || !p.tty {
		return
	}
	total := p.epochs * p.batches
	done := epoch*p.batches + batch
	pct := 100 * done / max(total, 1)
	if pct == p.lastDrawnPercent && batch != p.batches {
		return
	}
	p.lastDrawnPercent = pct
	const width = 30
	fill := width * done / max(total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% epoch %d/%d loss %.4g lr %.2g ", strings.Repeat("=", fill),
		strings.Repeat(" ", width-fill), pct, epoch+1, p.epochs, loss, lr)
}

func (p *progress) epoch(e Epoch) {
	if p.w == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "epoch %d/%d step %d train %.4g val %.4g lr %.2g residual %.1e %.1fs\n",
		e.Epoch, p.epochs, e.Step, e.TrainLoss, e.ValLoss, e.LR, e.Residual, e.Seconds)
}

func (p *progress) done() {}
