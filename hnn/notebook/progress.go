package notebook

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"sync"

	"github.com/hnnlab/hnnlab/hnn/figure"
	"github.com/hnnlab/hnnlab/hnn/plot"
	"github.com/hnnlab/hnnlab/hnn/train"
)

// Progress is an io.Writer for train.Config.Progress that turns the
// trainer's per-epoch lines into a live display: a status line and the loss
// curves so far, redrawn after every epoch through display (for GoNB:
// gonbui.UpdateHTML with a fixed id). With a nil display it echoes the
// lines to stdout.
type Progress struct {
	name    string
	display func(string)
	mu      sync.Mutex
	buf     []byte
	status  string
	hist    []train.Epoch
	epochs  int
}

// NewProgress returns a Progress for the run called name.
func NewProgress(name string, display func(html string)) *Progress {
	return &Progress{name: name, display: display, status: "starting …"}
}

// Write implements io.Writer.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexAny(string(p.buf), "\n\r")
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(p.buf[:i]))
		p.buf = p.buf[i+1:]
		if line != "" {
			p.line(line)
		}
	}
	return len(b), nil
}

func (p *Progress) line(line string) {
	if p.display == nil {
		fmt.Println(line)
		return
	}
	if e, total, ok := ParseEpochLine(line); ok {
		p.hist = append(p.hist, e)
		p.epochs = total
	}
	p.status = line
	p.display(p.html(false))
}

// Done shows the final state (and the error, if any).
func (p *Progress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.status = "stopped: " + err.Error()
	} else if len(p.hist) > 0 {
		last := p.hist[len(p.hist)-1]
		p.status = fmt.Sprintf("done: %d epochs, %d steps, %.1f s, final validation loss %.3g", last.Epoch, last.Step, last.Seconds, last.ValLoss)
	}
	if p.display != nil {
		p.display(p.html(true))
	} else if err != nil {
		fmt.Println(p.status)
	}
}

func (p *Progress) html(done bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="font-family:monospace;font-size:12px"><b>%s</b>: %s</div>`, html.EscapeString(p.name), html.EscapeString(p.status))
	if len(p.hist) > 0 {
		// The loss so far, compact (without Losses' learning-rate panel).
		f := figure.Losses(figure.Loss{Label: p.name, History: p.hist})
		f.Panels = f.Panels[:1]
		f.PanelWidth, f.PanelHeight = plot.Cm(8.5), plot.Cm(5)
		if !done && p.epochs > 0 {
			f.Panels[0].Title = fmt.Sprintf("loss (26), epoch %d / %d", len(p.hist), p.epochs)
		}
		b.WriteString(HTML(f))
	}
	return b.String()
}

// ParseEpochLine parses one of the trainer's per-epoch progress lines
// ("epoch E/T step S train L val V lr R residual X Ns").
func ParseEpochLine(line string) (e train.Epoch, total int, ok bool) {
	var secs string
	n, err := fmt.Sscanf(line, "epoch %d/%d step %d train %g val %g lr %g residual %g %s",
		&e.Epoch, &total, &e.Step, &e.TrainLoss, &e.ValLoss, &e.LR, &e.Residual, &secs)
	if err != nil || n != 8 {
		return train.Epoch{}, 0, false
	}
	e.Seconds, _ = strconv.ParseFloat(strings.TrimSuffix(secs, "s"), 64)
	return e, total, true
}
