package plotting

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress is a throttled progress bar for long loops. In a GoNB notebook it
// is an HTML bar updated in place (transient block) and Done replaces it with
// a permanent final line; on a terminal it is a single line redrawn with
// "\r"; when stderr is not a terminal (logs, CI) a line is printed at most
// every 10 s. Update is cheap and safe to call on every iteration and from
// several goroutines.
type Progress struct {
	mu       sync.Mutex
	total    int
	label    string
	start    time.Time
	step     int
	extra    string
	last     time.Time
	every    time.Duration
	disp     displayer
	out      io.Writer
	tty      bool
	id       string
	shown    bool
	done     bool
	lastLine int
	// The rate and the ETA are measured from the first Update (rateFrom steps at rateStart), so
	// that a resumed run (first Update at a large step) and the first step's compilation time do
	// not distort them.
	rateFrom  int
	rateStart time.Time
}

// NewProgress returns a progress bar for total steps (total <= 0: unknown,
// only the count and rate are shown).
func NewProgress(total int, label string) *Progress {
	p := &Progress{total: total, label: label, start: time.Now(), disp: display, out: stderr}
	p.tty = isTerminal(p.out)
	switch {
	case p.disp.IsNotebook():
		p.every = 250 * time.Millisecond
	case p.tty:
		p.every = 100 * time.Millisecond
	default:
		p.every = 10 * time.Second
	}
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update records that step steps are done (extra is shown after the bar,
// e.g. "loss=1.2e-3") and redraws if enough time has passed.
func (p *Progress) Update(step int, extra string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.step, p.extra = step, extra
	now := time.Now()
	if p.rateStart.IsZero() {
		p.rateFrom, p.rateStart = step, now
	}
	if !p.last.IsZero() && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.drawLocked(false)
}

// Done draws the final state (leaving it permanently in a notebook). Calling it more than once is harmless.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	p.drawLocked(true)
}

func (p *Progress) drawLocked(final bool) {
	if p.disp.IsNotebook() {
		html := p.htmlLocked()
		if !final {
			if p.id == "" {
				p.id = "dynlearn_progress_" + p.disp.UniqueID()
			}
			p.disp.UpdateHTML(p.id, html)
			p.shown = true
			return
		}
		if p.shown {
			p.disp.UpdateHTML(p.id, "")
		}
		p.disp.DisplayHTML(html)
		p.disp.Sync()
		return
	}
	line := p.textLocked()
	if p.tty {
		pad := ""
		if n := len([]rune(line)); n < p.lastLine {
			pad = strings.Repeat(" ", p.lastLine-n)
		}
		p.lastLine = len([]rune(line))
		if final {
			fmt.Fprintf(p.out, "\r%s%s\n", line, pad)
		} else {
			fmt.Fprintf(p.out, "\r%s%s", line, pad)
		}
		return
	}
	fmt.Fprintln(p.out, line)
}

// stats returns the fraction done (NaN if unknown), elapsed time, ETA (negative if unknown) and rate.
func (p *Progress) statsLocked() (frac float64, elapsed, eta time.Duration, rate float64) {
	elapsed = time.Since(p.start)
	frac, eta = math.NaN(), -1
	if since := time.Since(p.rateStart).Seconds(); !p.rateStart.IsZero() && p.step > p.rateFrom && since > 0 {
		rate = float64(p.step-p.rateFrom) / since
	} else if secs := elapsed.Seconds(); secs > 0 && p.rateFrom == 0 {
		rate = float64(p.step) / secs
	}
	if p.total > 0 {
		frac = math.Max(0, math.Min(1, float64(p.step)/float64(p.total)))
		if p.step >= p.total {
			eta = 0
		} else if rate > 0 {
			eta = time.Duration(float64(p.total-p.step) / rate * float64(time.Second))
		}
	}
	return
}

func formatRate(r float64) string {
	switch {
	case r <= 0:
		return "? it/s"
	case r >= 1:
		return fmt.Sprintf("%.3g it/s", r)
	default:
		return fmt.Sprintf("%.3g s/it", 1/r)
	}
}

func (p *Progress) timingLocked() string {
	_, elapsed, eta, rate := p.statsLocked()
	t := formatDuration(elapsed)
	if eta >= 0 {
		t += "<" + formatDuration(eta)
	}
	return fmt.Sprintf("[%s, %s]", t, formatRate(rate))
}

const barWidth = 25

// textLocked renders "label  42% |██████████▌              | 420/1000 [00:12<00:17, 34.1 it/s] extra".
func (p *Progress) textLocked() string {
	var b strings.Builder
	if p.label != "" {
		b.WriteString(p.label)
		b.WriteString(" ")
	}
	frac, _, _, _ := p.statsLocked()
	if !math.IsNaN(frac) {
		eighths := int(frac * barWidth * 8)
		full, part := eighths/8, eighths%8
		bar := strings.Repeat("█", full)
		if full < barWidth {
			if part > 0 {
				bar += string([]rune("▏▎▍▌▋▊▉")[part-1])
			} else {
				bar += " "
			}
			bar += strings.Repeat(" ", barWidth-full-1)
		}
		fmt.Fprintf(&b, "%3.0f%% |%s| %d/%d ", frac*100, bar, p.step, p.total)
	} else {
		fmt.Fprintf(&b, "%d ", p.step)
	}
	b.WriteString(p.timingLocked())
	if p.extra != "" {
		b.WriteString(" ")
		b.WriteString(p.extra)
	}
	return b.String()
}

func (p *Progress) htmlLocked() string {
	frac, _, _, _ := p.statsLocked()
	var b strings.Builder
	b.WriteString(`<div style="font-family:monospace;font-size:13px;line-height:20px;white-space:nowrap">`)
	if p.label != "" {
		b.WriteString(htmlEscape(p.label) + " ")
	}
	if !math.IsNaN(frac) {
		color := "#1f77b4"
		if frac >= 1 {
			color = "#2ca02c"
		}
		fmt.Fprintf(&b, `<span style="display:inline-block;vertical-align:middle;width:240px;height:12px;border:1px solid #999;border-radius:3px;background:#f3f3f3;overflow:hidden">`+
			`<span style="display:block;height:100%%;width:%.1f%%;background:%s"></span></span> %3.0f%% %d/%d `,
			frac*100, color, frac*100, p.step, p.total)
	} else {
		fmt.Fprintf(&b, "%d ", p.step)
	}
	b.WriteString(htmlEscape(p.timingLocked()))
	if p.extra != "" {
		b.WriteString(" " + htmlEscape(p.extra))
	}
	b.WriteString("</div>")
	return b.String()
}
