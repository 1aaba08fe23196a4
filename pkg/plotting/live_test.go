package plotting

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLiveChartNotebook(t *testing.T) {
	fd, out := useFakeDisplay(t, true)
	c := NewLiveChart("SINDy autoencoder training", "epoch", "loss").LogY().Interval(50 * time.Millisecond)
	start := time.Now()
	for ep := 1; ep <= 3000; ep++ {
		c.Add("train", float64(ep), 1/float64(ep))
		if ep%10 == 0 {
			c.Add("val", float64(ep), 2/float64(ep))
		}
		if ep%300 == 0 {
			time.Sleep(30 * time.Millisecond) // a "slow" training loop
		}
	}
	time.Sleep(150 * time.Millisecond) // let the last render happen
	// Rendering may be slow (race detector, busy machine): wait for the first one.
	deadline := time.Now().Add(20 * time.Second)
	for len(fd.snapshot()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	calls := fd.snapshot()
	if len(calls) == 0 {
		t.Fatal("no transient updates")
	}
	id := calls[0].id
	for _, cl := range calls {
		if cl.kind != "update" || cl.id != id || id == "" {
			t.Fatalf("live update not an in-place UpdateHTML with a fixed id: %+v", cl)
		}
		if !strings.Contains(cl.html, "data:image/png;base64,") {
			t.Fatalf("live update is not an embedded PNG: %.80s", cl.html)
		}
	}
	// Throttled: at most one render per interval (plus one).
	if max := int(elapsed/(50*time.Millisecond)) + 2; len(calls) > max {
		t.Errorf("%d renders in %v, want at most %d", len(calls), elapsed, max)
	}
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	calls = fd.snapshot()
	n := len(calls)
	if n < 2 {
		t.Fatalf("Done did not display anything: %+v", calls)
	}
	clear, final := calls[n-2], calls[n-1]
	if clear.kind != "update" || clear.id != id || clear.html != "" {
		t.Errorf("Done did not clear the transient block: %+v", clear)
	}
	if final.kind != "display" || !strings.Contains(final.html, "<svg") {
		t.Errorf("Done did not display a permanent SVG: %.80s", final.html)
	}
	doc := parseSVG(t, []byte(strings.TrimSuffix(strings.TrimPrefix(final.html, "<div>"), "</div>")))
	for _, want := range []string{"SINDy autoencoder training", "train", "val", "epoch", "loss"} {
		if !doc.hasText(want) {
			t.Errorf("final chart lacks text %q", want)
		}
	}
	// After Done: no more display traffic, Done is idempotent.
	c.Add("train", 3001, 1e-4)
	time.Sleep(80 * time.Millisecond)
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	if len(fd.snapshot()) != n {
		t.Errorf("display calls after Done")
	}
	if out.String() != "" {
		t.Errorf("notebook mode wrote to stderr: %q", out.String())
	}
}

func TestLiveChartTerminal(t *testing.T) {
	fd, out := useFakeDisplay(t, false)
	c := NewLiveChart("training", "epoch", "loss").TextInterval(time.Hour)
	for ep := 1; ep <= 1000; ep++ {
		c.Add("train", float64(ep), 1/float64(ep))
		c.Add("val", float64(ep), math.NaN())
	}
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	if len(fd.snapshot()) != 0 {
		t.Errorf("terminal mode used the notebook display")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the first and the final line only (throttled), got %q", lines)
	}
	if !strings.Contains(lines[0], "training | epoch 1 | train=1") {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.Contains(lines[1], "epoch 1000 | train=0.001 val=NaN") {
		t.Errorf("final line %q", lines[1])
	}
	// Save works outside a notebook; NaN series are skipped in the drawing.
	dir := t.TempDir()
	if err := c.Save(dir + "/loss.png"); err != nil {
		t.Fatal(err)
	}
}

func TestLiveChartConcurrent(t *testing.T) {
	useFakeDisplay(t, true)
	c := NewLiveChart("c", "step", "v").Interval(10 * time.Millisecond)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				c.Add(string(rune('a'+g)), float64(i), float64(i*g))
			}
		})
	}
	wg.Wait()
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	if got := len(c.Plot().series); got != 4 {
		t.Errorf("%d series, want 4", got)
	}
}

func TestLiveChartEmpty(t *testing.T) {
	fd, _ := useFakeDisplay(t, true)
	c := NewLiveChart("nothing", "x", "y")
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	if len(fd.snapshot()) != 0 {
		t.Errorf("empty chart displayed something")
	}
	if err := c.Save(t.TempDir() + "/x.svg"); err == nil {
		t.Errorf("saving an empty chart succeeded")
	}
}

func TestDecimate(t *testing.T) {
	n := 100000
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i], y[i] = float64(i), math.Sin(float64(i)/1000)
	}
	y[51234] = 50 // a spike must survive
	dx, dy := decimate(x, y, 1500)
	if len(dx) > 1501 || len(dx) != len(dy) {
		t.Fatalf("decimated to %d points", len(dx))
	}
	if dx[0] != 0 || dx[len(dx)-1] != float64(n-1) {
		t.Errorf("first/last point lost")
	}
	found := false
	for i := range dx {
		if i > 0 && dx[i] <= dx[i-1] {
			t.Fatalf("x not increasing at %d", i)
		}
		if dy[i] == 50 {
			found = true
		}
	}
	if !found {
		t.Errorf("spike lost")
	}
	sx, _ := decimate(x[:10], y[:10], 1500)
	if len(sx) != 10 {
		t.Errorf("short series changed")
	}
}

func TestProgressNotebook(t *testing.T) {
	fd, _ := useFakeDisplay(t, true)
	p := NewProgress(1000, "epochs")
	for i := 1; i <= 1000; i++ {
		p.Update(i, "loss=0.1")
	}
	p.Done()
	p.Done()
	calls := fd.snapshot()
	if len(calls) < 3 {
		t.Fatalf("calls %+v", calls)
	}
	// Throttled: a tight loop of 1000 updates renders only a few times.
	if len(calls) > 10 {
		t.Errorf("%d display calls for a fast loop (not throttled)", len(calls))
	}
	id := calls[0].id
	n := len(calls)
	if calls[n-2].kind != "update" || calls[n-2].id != id || calls[n-2].html != "" {
		t.Errorf("transient bar not cleared: %+v", calls[n-2])
	}
	final := calls[n-1]
	if final.kind != "display" || !strings.Contains(final.html, "100%") || !strings.Contains(final.html, "1000/1000") ||
		!strings.Contains(final.html, "epochs") || !strings.Contains(final.html, "loss=0.1") {
		t.Errorf("final bar %q", final.html)
	}
}

func TestProgressText(t *testing.T) {
	fd, out := useFakeDisplay(t, false)
	p := NewProgress(200, "train")
	if p.tty {
		t.Fatal("buffer detected as a terminal")
	}
	for i := 1; i <= 100; i++ {
		p.Update(i, "")
	}
	line := p.textLocked()
	if !strings.Contains(line, " 50% |████████████▌            | 100/200 [") {
		t.Errorf("text bar %q", line)
	}
	p.Update(200, "done <ok>")
	p.Done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// non-terminal: first update printed, then throttled (10 s), then the final line.
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	if !strings.Contains(lines[1], "100% |█████████████████████████| 200/200") || !strings.HasSuffix(lines[1], "done <ok>") {
		t.Errorf("final line %q", lines[1])
	}
	if len(fd.snapshot()) != 0 {
		t.Errorf("used the notebook display")
	}
	// Unknown total and nonsense steps do not panic.
	q := NewProgress(0, "")
	q.Update(-5, "")
	q.Update(7, "x")
	q.Done()
	r := NewProgress(10, "over")
	r.Update(50, "")
	r.Done()
	if !strings.Contains(out.String(), "100% |") {
		t.Errorf("overshoot not clamped: %q", out.String())
	}
}

func TestProgressTerminal(t *testing.T) {
	_, out := useFakeDisplay(t, false)
	p := NewProgress(10, "t")
	p.tty = true
	p.every = 0
	p.Update(1, "a much longer extra text")
	p.Update(2, "")
	p.Done()
	s := out.String()
	if strings.Count(s, "\r") != 3 || !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
		t.Errorf("terminal output %q", s)
	}
	// The shorter second line blanks out the rest of the first.
	parts := strings.Split(s, "\r")
	if len([]rune(parts[2])) < len([]rune(parts[1])) {
		t.Errorf("shorter line not padded: %q", parts)
	}
}

// TestProgressRateAfterResume: a bar whose first Update is at step 560 of 6000 (a resumed run) measures
// the rate and the ETA from there, not as if 560 steps had been done since the bar was created.
func TestProgressRateAfterResume(t *testing.T) {
	useFakeDisplay(t, false)
	p := NewProgress(6000, "epochs")
	p.Update(560, "")
	p.mu.Lock()
	p.rateStart = p.rateStart.Add(-100 * time.Second) // 100 s since the first update
	p.start = p.start.Add(-100 * time.Second)
	p.step = 570 // 10 steps in 100 s: 0.1 step/s
	_, _, eta, rate := p.statsLocked()
	p.mu.Unlock()
	if math.Abs(rate-0.1) > 1e-3 {
		t.Errorf("rate %g step/s, want 0.1", rate)
	}
	if want := 54300 * time.Second; eta < want-time.Minute || eta > want+time.Minute {
		t.Errorf("ETA %s, want about %s (5430 steps at 0.1/s)", eta, want)
	}
	// Before a second update nothing is known about the rate of a resumed run.
	q := NewProgress(6000, "epochs")
	q.Update(560, "")
	q.mu.Lock()
	_, _, eta, rate = q.statsLocked()
	q.mu.Unlock()
	if rate != 0 || eta >= 0 {
		t.Errorf("resumed bar after one update: rate %g, ETA %s, want unknown", rate, eta)
	}
}
