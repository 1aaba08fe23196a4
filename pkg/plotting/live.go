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

// stderr is where terminal output of LiveChart and Progress goes (tests replace it).
var stderr io.Writer = os.Stderr

// LiveChart is a training chart that is updated while data arrives.
//
// In a GoNB notebook it is drawn in a transient output block that is
// re-rendered (as a PNG) at most every Interval (default 0.5 s) by a
// background goroutine, so Add is cheap enough to call on every step. Done
// removes the transient block and displays the final chart as a permanent
// SVG that stays in the saved notebook.
//
// Outside a notebook, Add prints a compact line with the latest values to
// stderr at most every TextInterval (default 5 s), and Done prints the last one.
//
// All methods are safe for concurrent use.
type LiveChart struct {
	mu                    sync.Mutex
	title, xlabel, ylabel string
	logX, logY            bool
	width, height         int
	interval, textEvery   time.Duration
	names                 []string
	data                  map[string]*liveSeries
	lastSeries            string
	n                     int

	disp     displayer
	out      io.Writer
	id       string
	start    time.Time
	lastText time.Time
	started  bool
	shown    bool
	done     bool
	wake     chan struct{}
	stop     chan struct{}
	finished chan struct{}
}

type liveSeries struct {
	x, y []float64
}

// NewLiveChart returns a live chart with the given title and axis labels.
func NewLiveChart(title, xlabel, ylabel string) *LiveChart {
	return &LiveChart{
		title: title, xlabel: xlabel, ylabel: ylabel,
		width: DefaultWidth, height: 0,
		interval: 500 * time.Millisecond, textEvery: 5 * time.Second,
		data: map[string]*liveSeries{},
		disp: display, out: stderr,
		start: time.Now(),
	}
}

// LogY uses a logarithmic y axis (typical for losses).
func (c *LiveChart) LogY() *LiveChart { return c.set(true, func() { c.logY = true }) }

// LogX uses a logarithmic x axis.
func (c *LiveChart) LogX() *LiveChart { return c.set(true, func() { c.logX = true }) }

// set applies a setting under the chart's lock when ok (a valid argument) and returns the chart.
func (c *LiveChart) set(ok bool, apply func()) *LiveChart {
	if ok {
		c.mu.Lock()
		apply()
		c.mu.Unlock()
	}
	return c
}

// Size sets the chart size in pixels (height 0: automatic). Invalid sizes are ignored.
func (c *LiveChart) Size(width, height int) *LiveChart {
	ok := width > 0 && width <= 20000 && height >= 0 && height <= 20000
	return c.set(ok, func() { c.width, c.height = width, height })
}

// Interval sets the minimum time between two re-renders in a notebook (default 0.5 s).
func (c *LiveChart) Interval(d time.Duration) *LiveChart {
	return c.set(d > 0, func() { c.interval = d })
}

// TextInterval sets the minimum time between two text lines outside a notebook (default 5 s).
func (c *LiveChart) TextInterval(d time.Duration) *LiveChart {
	return c.set(d > 0, func() { c.textEvery = d })
}

// Add appends the point (x, y) to the named series (created on first use).
// Non-finite values are kept (and shown in the text line) but not drawn.
func (c *LiveChart) Add(series string, x, y float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.data[series]
	if !ok {
		s = &liveSeries{}
		c.data[series] = s
		c.names = append(c.names, series)
	}
	s.x = append(s.x, x)
	s.y = append(s.y, y)
	c.lastSeries = series
	c.n++
	if c.done {
		return
	}
	if c.disp.IsNotebook() {
		if !c.started {
			c.started = true
			c.id = "dynlearn_live_" + c.disp.UniqueID()
			c.wake = make(chan struct{}, 1)
			c.stop = make(chan struct{})
			c.finished = make(chan struct{})
			go c.loop()
		}
		select {
		case c.wake <- struct{}{}:
		default:
		}
		return
	}
	now := time.Now()
	if c.lastText.IsZero() || now.Sub(c.lastText) >= c.textEvery {
		c.lastText = now
		fmt.Fprintln(c.out, c.textLineLocked())
	}
}

// textLineLocked formats the latest values: "title | xlabel 120 | a=1.2e-03 b=3.4e-03 | 12s".
func (c *LiveChart) textLineLocked() string {
	var b strings.Builder
	if c.title != "" {
		b.WriteString(stripRich(c.title))
		b.WriteString(" | ")
	}
	xl := stripRich(c.xlabel)
	if xl == "" {
		xl = "x"
	}
	if s := c.data[c.lastSeries]; s != nil && len(s.x) > 0 {
		fmt.Fprintf(&b, "%s %s | ", xl, formatValue(s.x[len(s.x)-1]))
	}
	for i, name := range c.names {
		s := c.data[name]
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", stripRich(name), formatValue(s.y[len(s.y)-1]))
	}
	fmt.Fprintf(&b, " | %s", formatDuration(time.Since(c.start)))
	return b.String()
}

func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}

func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// loop re-renders the transient display when new data arrived, throttled.
func (c *LiveChart) loop() {
	defer close(c.finished)
	var last time.Time
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		interval := c.interval
		c.mu.Unlock()
		if wait := interval - time.Since(last); wait > 0 {
			select {
			case <-c.stop:
				return
			case <-time.After(wait):
			}
		}
		last = time.Now()
		c.renderTransient()
	}
}

const (
	liveMaxPoints  = 1500  // per series while training
	finalMaxPoints = 10000 // per series in the final chart
)

func (c *LiveChart) renderTransient() {
	p := c.snapshot(liveMaxPoints)
	if p == nil {
		return
	}
	html, err := p.pngHTML(1)
	if err != nil {
		// e.g. only non-positive values so far on a log axis: show the text line instead.
		c.mu.Lock()
		html = "<pre>" + htmlEscape(c.textLineLocked()) + "</pre>"
		c.mu.Unlock()
	}
	c.disp.UpdateHTML(c.id, html)
	c.mu.Lock()
	c.shown = true
	c.mu.Unlock()
}

// snapshot returns a static Plot of the current data (nil when there is none).
func (c *LiveChart) snapshot(maxPoints int) *Plot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return nil
	}
	p := Line(c.title, c.xlabel, c.ylabel)
	p.kind = "live chart"
	p.width, p.height = float64(c.width), float64(c.height)
	p.logX, p.logY = c.logX, c.logY
	for i, name := range c.names {
		s := c.data[name]
		x, y := decimate(s.x, s.y, maxPoints)
		// Skip series without drawable points instead of failing the whole chart.
		ok := false
		for k := range x {
			if isFinite(x[k]) && isFinite(y[k]) && (!c.logX || x[k] > 0) && (!c.logY || y[k] > 0) {
				ok = true
				break
			}
		}
		if ok {
			p.Add(name, x, y, Color(i))
		}
	}
	return p
}

// Plot returns a static line plot of the data added so far (an empty plot,
// which fails to render, if there is none).
func (c *LiveChart) Plot() *Plot {
	if p := c.snapshot(finalMaxPoints); p != nil {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return Line(c.title, c.xlabel, c.ylabel)
}

// Save writes the current chart to path (.svg or .png), atomically.
func (c *LiveChart) Save(path string) error { return c.Plot().Save(path) }

// Done stops live updates. In a notebook it clears the transient block and
// displays the final chart permanently; elsewhere it prints the final text
// line. Calling Done more than once is harmless.
func (c *LiveChart) Done() error {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return nil
	}
	c.done = true
	started, n := c.started, c.n
	c.mu.Unlock()
	if started {
		close(c.stop)
		<-c.finished
	}
	if !c.disp.IsNotebook() {
		if n > 0 {
			c.mu.Lock()
			fmt.Fprintln(c.out, c.textLineLocked())
			c.mu.Unlock()
		}
		return nil
	}
	c.mu.Lock()
	shown := c.shown
	c.mu.Unlock()
	if shown {
		c.disp.UpdateHTML(c.id, "")
	}
	if n == 0 {
		return nil
	}
	html, err := c.Plot().inlineHTML()
	if err != nil {
		// Nothing drawable (e.g. only NaN losses): leave the text summary.
		c.mu.Lock()
		c.disp.DisplayHTML("<pre>" + htmlEscape(c.textLineLocked()) + "</pre>")
		c.mu.Unlock()
		return err
	}
	c.disp.DisplayHTML(html)
	c.disp.Sync()
	if err := c.disp.Err(); err != nil {
		return fmt.Errorf("plotting: live chart: displaying in notebook: %w", err)
	}
	return nil
}

// decimate reduces a series to at most maxPoints points by keeping, in each
// bucket of consecutive points, the first point and the minimum and maximum
// of y (preserving spikes), in their original order.
func decimate(x, y []float64, maxPoints int) ([]float64, []float64) {
	n := len(x)
	if n <= maxPoints || maxPoints < 6 {
		return append([]float64(nil), x...), append([]float64(nil), y...)
	}
	buckets := maxPoints / 3
	ox := make([]float64, 0, maxPoints+1)
	oy := make([]float64, 0, maxPoints+1)
	for b := range buckets {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		if lo >= hi {
			continue
		}
		imin, imax := -1, -1
		for i := lo; i < hi; i++ {
			if !isFinite(y[i]) {
				continue
			}
			if imin < 0 || y[i] < y[imin] {
				imin = i
			}
			if imax < 0 || y[i] > y[imax] {
				imax = i
			}
		}
		idx := []int{lo}
		for _, i := range []int{imin, imax} {
			if i > lo {
				idx = append(idx, i)
			}
		}
		if len(idx) == 3 && idx[1] > idx[2] {
			idx[1], idx[2] = idx[2], idx[1]
		}
		if len(idx) == 3 && idx[1] == idx[2] {
			idx = idx[:2]
		}
		for _, i := range idx {
			ox, oy = append(ox, x[i]), append(oy, y[i])
		}
	}
	if ox[len(ox)-1] != x[n-1] || oy[len(oy)-1] != y[n-1] {
		ox, oy = append(ox, x[n-1]), append(oy, y[n-1])
	}
	return ox, oy
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
