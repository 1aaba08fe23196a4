package plotting

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot is a 2D figure with axes: line plots (Line) and phase portraits (Phase).
// Build it with Add and the option methods, then Show or Save it.
type Plot struct {
	figBase
	title, xlabel, ylabel string
	series                []*series
	logX, logY            bool
	markers               bool
	phase                 bool
	equal                 bool
	noGrid                bool
	xlim, ylim            [2]float64
	legend                LegendPos
}

// LegendPos selects where the legend is drawn.
type LegendPos int

const (
	// LegendBest picks the inner corner that covers the fewest data points.
	LegendBest LegendPos = iota
	// LegendTopRight draws the legend in the top right corner of the axes.
	LegendTopRight
	// LegendTopLeft draws the legend in the top left corner of the axes.
	LegendTopLeft
	// LegendBottomRight draws the legend in the bottom right corner of the axes.
	LegendBottomRight
	// LegendBottomLeft draws the legend in the bottom left corner of the axes.
	LegendBottomLeft
	// LegendOutside draws the legend to the right of the axes.
	LegendOutside
	// LegendNone hides the legend.
	LegendNone
)

type series struct {
	name  string
	x, y  []float64
	style seriesStyle
}

type seriesStyle struct {
	color     color.Color // nil: palette colour by series index
	width     float64     // pt, 0 = default
	dashes    []vg.Length
	noLine    bool
	markers   bool
	start     int // -1 off, 0 default, 1 on
	arrows    int // -1 off, 0 default, >0 count
	paletteIx int // -1 unset
}

// lineStyle resolves the style of the i-th series: its colour (explicit, chosen with Color, or the i-th of
// the palette) and its width (defaultWidth pt unless set).
func (st seriesStyle) lineStyle(i int, defaultWidth float64) draw.LineStyle {
	c := st.color
	if c == nil {
		ix := i
		if st.paletteIx >= 0 {
			ix = st.paletteIx
		}
		c = PaletteColor(ix)
	}
	w := defaultWidth
	if st.width > 0 {
		w = st.width
	}
	return draw.LineStyle{Color: c, Width: vg.Points(w), Dashes: st.dashes}
}

// newSeriesStyle is the default style (palette colour by series index) with opts applied.
func newSeriesStyle(opts []SeriesOption) seriesStyle {
	st := seriesStyle{paletteIx: -1}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	return st
}

// someFinitePoint reports whether some point i has finite coordinates coords[0][i], coords[1][i], ….
func someFinitePoint(coords ...[]float64) bool {
	for i := range coords[0] {
		finite := true
		for _, c := range coords {
			finite = finite && isFinite(c[i])
		}
		if finite {
			return true
		}
	}
	return false
}

// SeriesOption customises one series added with Add.
type SeriesOption func(*seriesStyle)

// Color selects colour i of the Tab10 palette for the series (by default the
// i-th added series gets colour i).
func Color(i int) SeriesOption { return func(s *seriesStyle) { s.paletteIx = ((i % 10) + 10) % 10 } }

// ColorRGB sets an explicit colour for the series.
func ColorRGB(c color.Color) SeriesOption { return func(s *seriesStyle) { s.color = c } }

// Width sets the line width in points (default 1.5).
func Width(pt float64) SeriesOption {
	return func(s *seriesStyle) {
		if pt > 0 && pt < 50 {
			s.width = pt
		}
	}
}

// Dashed draws the series with a dashed line.
func Dashed() SeriesOption {
	return func(s *seriesStyle) { s.dashes = []vg.Length{vg.Points(5), vg.Points(3)} }
}

// Dotted draws the series with a dotted line.
func Dotted() SeriesOption {
	return func(s *seriesStyle) { s.dashes = []vg.Length{vg.Points(1.2), vg.Points(2.2)} }
}

// DashDot draws the series with a dash-dot line.
func DashDot() SeriesOption {
	return func(s *seriesStyle) {
		s.dashes = []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1.2), vg.Points(2)}
	}
}

// Markers draws markers on the data points (in addition to the line).
// Dense series get a marker every few points.
func Markers() SeriesOption { return func(s *seriesStyle) { s.markers = true } }

// Points draws only markers (a scatter plot), no line.
func Points() SeriesOption {
	return func(s *seriesStyle) { s.markers, s.noLine = true, true }
}

// StartMarker marks the first point of the series with a dot (on by default in Phase).
func StartMarker(on bool) SeriesOption {
	return func(s *seriesStyle) {
		s.start = -1
		if on {
			s.start = 1
		}
	}
}

// Arrows draws n direction arrows along the series (default 2 in Phase, 0 in Line).
func Arrows(n int) SeriesOption {
	return func(s *seriesStyle) {
		s.arrows = -1
		if n > 0 {
			s.arrows = min(n, 50)
		}
	}
}

// Line returns an empty line plot with the given title and axis labels.
func Line(title, xlabel, ylabel string) *Plot {
	p := &Plot{title: title, xlabel: xlabel, ylabel: ylabel, xlim: unsetLim(), ylim: unsetLim()}
	p.figBase = newBase("line plot", p)
	return p
}

// Phase returns an empty phase portrait: like Line, but every trajectory
// gets a start marker and direction arrows by default, and the figure is
// more square.
func Phase(title, xlabel, ylabel string) *Plot {
	p := Line(title, xlabel, ylabel)
	p.kind = "phase portrait"
	p.phase = true
	return p
}

func unsetLim() [2]float64 { return [2]float64{math.NaN(), math.NaN()} }

// Add adds a named series of points (x[i], y[i]). x and y must have the same
// non-zero length. Non-finite points are skipped (the line is broken there).
// An empty name keeps the series out of the legend.
func (p *Plot) Add(name string, x, y []float64, opts ...SeriesOption) *Plot {
	if len(x) != len(y) {
		p.setErr("series %q: len(x)=%d != len(y)=%d", name, len(x), len(y))
		return p
	}
	if len(x) == 0 {
		p.setErr("series %q is empty", name)
		return p
	}
	s := &series{name: name, x: append([]float64(nil), x...), y: append([]float64(nil), y...)}
	s.style = newSeriesStyle(opts)
	if !someFinitePoint(s.x, s.y) {
		p.setErr("series %q has no finite points (all x or y are NaN/Inf)", name)
		return p
	}
	p.series = append(p.series, s)
	return p
}

// AddY adds a series with x = 0, 1, 2, ...
func (p *Plot) AddY(name string, y []float64, opts ...SeriesOption) *Plot {
	x := make([]float64, len(y))
	for i := range x {
		x[i] = float64(i)
	}
	return p.Add(name, x, y, opts...)
}

// LogX uses a logarithmic x axis (non-positive x values are skipped).
func (p *Plot) LogX() *Plot { p.logX = true; return p }

// LogY uses a logarithmic y axis (non-positive y values are skipped).
func (p *Plot) LogY() *Plot { p.logY = true; return p }

// LogLog uses logarithmic x and y axes.
func (p *Plot) LogLog() *Plot { p.logX, p.logY = true, true; return p }

// Markers draws markers on the points of every series.
func (p *Plot) Markers() *Plot { p.markers = true; return p }

// EqualAspect makes one data unit the same length on both axes (linear axes only).
func (p *Plot) EqualAspect() *Plot { p.equal = true; return p }

// NoGrid hides the background grid.
func (p *Plot) NoGrid() *Plot { p.noGrid = true; return p }

// Legend sets the legend position (default LegendBest).
func (p *Plot) Legend(pos LegendPos) *Plot {
	if p.checkLegend(pos) {
		p.legend = pos
	}
	return p
}

// XLim fixes the x axis range.
func (p *Plot) XLim(lo, hi float64) *Plot {
	if p.checkRange("x limits", lo, hi) {
		p.xlim = [2]float64{lo, hi}
	}
	return p
}

// YLim fixes the y axis range.
func (p *Plot) YLim(lo, hi float64) *Plot {
	if p.checkRange("y limits", lo, hi) {
		p.ylim = [2]float64{lo, hi}
	}
	return p
}

// Size sets the figure size in pixels; height 0 picks a height automatically.
func (p *Plot) Size(width, height int) *Plot { p.setSize(width, height); return p }

func (p *Plot) autoHeight(w float64) float64 {
	if p.phase || p.equal {
		return math.Round(w * 0.75)
	}
	return math.Round(w * 0.6)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// runs splits a series into runs of drawable points.
func (p *Plot) runs(s *series) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range s.x {
		x, y := s.x[i], s.y[i]
		ok := isFinite(x) && isFinite(y) && (!p.logX || x > 0) && (!p.logY || y > 0)
		if !ok {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x, Y: y})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// resolved is a series ready to draw.
type resolved struct {
	s       *series
	runs    []plotter.XYs
	line    draw.LineStyle
	glyph   draw.GlyphStyle
	showLn  bool
	markers bool
	start   bool
	arrows  int
}

func (p *Plot) resolve() ([]resolved, error) {
	if len(p.series) == 0 {
		return nil, fmt.Errorf("plotting: %s %q: no series added: %w", p.kind, p.title, errNoData)
	}
	out := make([]resolved, 0, len(p.series))
	for i, s := range p.series {
		r := resolved{s: s, runs: p.runs(s)}
		if len(r.runs) == 0 {
			return nil, fmt.Errorf("plotting: %s: series %q has no points with finite, positive coordinates on the log axes: %w", p.kind, s.name, errNoData)
		}
		r.line = s.style.lineStyle(i, 1.5)
		c := r.line.Color
		r.showLn = !s.style.noLine
		r.markers = s.style.markers || p.markers
		r.glyph = markerStyle(i, c)
		r.start = (p.phase && s.style.start >= 0) || s.style.start > 0
		switch {
		case s.style.arrows > 0:
			r.arrows = s.style.arrows
		case s.style.arrows == 0 && p.phase:
			r.arrows = 2
		}
		out = append(out, r)
	}
	return out, nil
}

var markerShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
	draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
}

func markerStyle(i int, c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(3.2), Shape: markerShapes[i%len(markerShapes)]}
}

// dataRange returns the range of all drawable points.
func dataRange(rs []resolved) (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, r := range rs {
		for _, run := range r.runs {
			for _, pt := range run {
				xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
				ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
			}
		}
	}
	return
}

// padRange widens [lo, hi] by a margin fraction (in log space for log axes).
// If padding would overflow, the unpadded range is returned.
func padRange(lo, hi float64, log bool, frac float64) (float64, float64) {
	var a, b float64
	switch {
	case log && lo == hi:
		a, b = lo/2, hi*2
	case log:
		la, lb := math.Log10(lo), math.Log10(hi)
		d := (lb - la) * frac
		a, b = math.Pow(10, la-d), math.Pow(10, lb+d)
	case lo == hi:
		d := math.Max(math.Abs(lo)*0.1, 1)
		a, b = lo-d, hi+d
	default:
		d := (hi - lo) * frac
		a, b = lo-d, hi+d
	}
	if !isFinite(a) || !isFinite(b) || (log && (a <= 0 || b <= 0)) || !(a < b) {
		return lo, hi
	}
	return a, b
}

func (p *Plot) drawFig(c draw.Canvas) error {
	rs, err := p.resolve()
	if err != nil {
		return err
	}
	// Reserve room for an outside legend.
	var legendEntries []legendEntry
	for _, r := range rs {
		if r.s.name != "" {
			legendEntries = append(legendEntries, legendEntry{name: r.s.name, line: r.line, glyph: r.glyph, showLine: r.showLn, showGlyph: r.markers})
		}
	}
	plotArea := c
	outside := p.legend == LegendOutside && len(legendEntries) > 0
	var legendW vg.Length
	if outside {
		legendW, _ = legendBox(legendEntries)
		plotArea = draw.Crop(c, 0, -(legendW + vg.Points(14)), 0, 0)
	}
	plotArea = draw.Crop(plotArea, vg.Points(6), -vg.Points(14), vg.Points(4), -vg.Points(8))

	gp := newGonumPlot(p.title)
	xmin, xmax, ymin, ymax := dataRange(rs)
	xmin, xmax = padRange(xmin, xmax, p.logX, 0.03)
	ymin, ymax = padRange(ymin, ymax, p.logY, 0.05)
	if p.phase {
		xmin, xmax = padRange(xmin, xmax, p.logX, 0.03)
	}
	if !math.IsNaN(p.xlim[0]) {
		xmin, xmax = p.xlim[0], p.xlim[1]
	}
	if !math.IsNaN(p.ylim[0]) {
		ymin, ymax = p.ylim[0], p.ylim[1]
	}
	if p.logX && xmin <= 0 || p.logY && ymin <= 0 {
		return fmt.Errorf("plotting: %s: axis limits must be positive on a log axis", p.kind)
	}
	gp.X.Min, gp.X.Max, gp.Y.Min, gp.Y.Max = xmin, xmax, ymin, ymax
	areaW := float64(plotArea.Max.X - plotArea.Min.X)
	areaH := float64(plotArea.Max.Y - plotArea.Min.Y)
	setTicker(&gp.X, p.logX, int(math.Max(4, math.Min(10, areaW/70))))
	setTicker(&gp.Y, p.logY, int(math.Max(4, math.Min(9, areaH/40))))

	if !p.noGrid {
		g := plotter.NewGrid()
		g.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
		g.Horizontal = g.Vertical
		gp.Add(g)
	}
	for _, r := range rs {
		if r.showLn {
			for _, run := range r.runs {
				if len(run) < 2 {
					if !r.markers {
						// A single isolated point would be invisible: draw it as a dot.
						sc, err := plotter.NewScatter(run)
						if err == nil {
							sc.GlyphStyle = draw.GlyphStyle{Color: r.line.Color, Radius: r.line.Width, Shape: draw.CircleGlyph{}}
							gp.Add(sc)
						}
					}
					continue
				}
				gp.Add(&linePlotter{run: run, style: r.line})
			}
		}
	}
	for _, r := range rs {
		if r.markers {
			gp.Add(&markerPlotter{runs: r.runs, glyph: r.glyph, thin: r.showLn})
		}
		if r.arrows > 0 || r.start {
			gp.Add(&decorPlotter{runs: r.runs, color: r.line.Color, arrows: r.arrows, start: r.start})
		}
	}
	// Ranges were set explicitly; gp.Add may have widened them.
	gp.X.Min, gp.X.Max, gp.Y.Min, gp.Y.Max = xmin, xmax, ymin, ymax
	if p.equal && !p.logX && !p.logY {
		for range 3 {
			dc := gp.DataCanvas(labelCrop(plotArea, p.xlabel, p.ylabel))
			w := float64(dc.Max.X - dc.Min.X)
			h := float64(dc.Max.Y - dc.Min.Y)
			if w <= 0 || h <= 0 {
				break
			}
			ux := (gp.X.Max - gp.X.Min) / w
			uy := (gp.Y.Max - gp.Y.Min) / h
			if ux > uy {
				mid, half := (gp.Y.Max+gp.Y.Min)/2, ux*h/2
				gp.Y.Min, gp.Y.Max = mid-half, mid+half
			} else if uy > ux {
				mid, half := (gp.X.Max+gp.X.Min)/2, uy*w/2
				gp.X.Min, gp.X.Max = mid-half, mid+half
			}
		}
	}
	dc := drawPlotWithLabels(plotArea, gp, p.xlabel, p.ylabel)
	drawFrame(dc)

	if len(legendEntries) > 0 && p.legend != LegendNone {
		if outside {
			_, lh := legendBox(legendEntries)
			x := dc.Max.X + vg.Points(12)
			y := (dc.Min.Y+dc.Max.Y)/2 + lh/2
			drawLegend(c, legendEntries, vg.Point{X: x, Y: y})
		} else {
			trX, trY := gp.Transforms(&dc)
			var pts []vg.Point
			for _, r := range rs {
				for _, run := range r.runs {
					step := max(1, len(run)/400)
					for i := 0; i < len(run); i += step {
						pts = append(pts, vg.Point{X: trX(run[i].X), Y: trY(run[i].Y)})
					}
				}
			}
			placeLegend(dc, legendEntries, p.legend, pts)
		}
	}
	return nil
}

// setTicker installs the package tickers on an axis.
func setTicker(a *plot.Axis, log bool, target int) {
	if log {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick { return logTicks(lo, hi, target) })
		return
	}
	a.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick { return linearTicks(lo, hi, target) })
}

// drawFrame draws the top and right edges of the axes box (gonum draws left and bottom).
func drawFrame(dc draw.Canvas) {
	sty := draw.LineStyle{Color: axisColor, Width: vg.Points(0.8)}
	dc.StrokeLines(sty, []vg.Point{
		{X: dc.Min.X, Y: dc.Max.Y}, {X: dc.Max.X, Y: dc.Max.Y}, {X: dc.Max.X, Y: dc.Min.Y},
	})
}

// linePlotter strokes a run of points, dropping points closer than a fraction
// of a point to the previous one (invisible detail that only costs time).
type linePlotter struct {
	run   plotter.XYs
	style draw.LineStyle
}

func (l *linePlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	pts := make([]vg.Point, 0, len(l.run))
	for _, p := range l.run {
		pts = appendThinned(pts, vg.Point{X: trX(p.X), Y: trY(p.Y)})
	}
	if last := l.run[len(l.run)-1]; len(pts) > 0 {
		pts[len(pts)-1] = vg.Point{X: trX(last.X), Y: trY(last.Y)}
	}
	for _, seg := range c.ClipLinesXY(pts) {
		strokeChunked(c, l.style, seg)
	}
}

// strokeChunked strokes a long polyline in overlapping pieces: rasterisers
// are much slower on one huge path than on many short ones.
func strokeChunked(c draw.Canvas, sty draw.LineStyle, pts []vg.Point) {
	const chunk = 256
	if len(pts) <= chunk || len(sty.Dashes) > 0 {
		// dashed lines keep one path so the dash pattern stays continuous
		c.StrokeLines(sty, pts)
		return
	}
	for i := 0; i < len(pts)-1; i += chunk - 1 {
		c.StrokeLines(sty, pts[i:min(i+chunk, len(pts))])
	}
}

// thinDist is the distance (pt) below which consecutive points are merged.
const thinDist = 0.2

// appendThinned appends q unless it is within thinDist of the last point
// (the caller fixes up the final point).
func appendThinned(pts []vg.Point, q vg.Point) []vg.Point {
	if n := len(pts); n > 0 {
		d := q.Sub(pts[n-1])
		if math.Abs(float64(d.X)) < thinDist && math.Abs(float64(d.Y)) < thinDist {
			return pts
		}
	}
	return append(pts, q)
}

// markerPlotter draws markers. With thin (markers on a line) a dense series gets a marker every few
// points; a scatter plot (Points) draws every point.
type markerPlotter struct {
	runs  []plotter.XYs
	glyph draw.GlyphStyle
	thin  bool
}

func (m *markerPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	n := 0
	for _, r := range m.runs {
		n += len(r)
	}
	every := 1
	if m.thin {
		every = max(1, n/30)
	}
	k := 0
	for _, r := range m.runs {
		for _, pt := range r {
			if k%every == 0 {
				c.DrawGlyph(m.glyph, vg.Point{X: trX(pt.X), Y: trY(pt.Y)})
			}
			k++
		}
	}
}

// decorPlotter draws start markers and direction arrows.
type decorPlotter struct {
	runs   []plotter.XYs
	color  color.Color
	arrows int
	start  bool
}

func (d *decorPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, run := range d.runs {
		pts := make([]vg.Point, len(run))
		for i, pt := range run {
			pts[i] = vg.Point{X: trX(pt.X), Y: trY(pt.Y)}
		}
		drawArrows(c, pts, d.color, d.arrows, vg.Points(8))
		if d.start && len(pts) > 0 && c.Contains(pts[0]) {
			c.DrawGlyph(draw.GlyphStyle{Color: color.White, Radius: vg.Points(4.2), Shape: draw.CircleGlyph{}}, pts[0])
			c.DrawGlyph(draw.GlyphStyle{Color: d.color, Radius: vg.Points(3.2), Shape: draw.CircleGlyph{}}, pts[0])
		}
	}
}

// drawArrows draws n filled arrow heads at evenly spaced arc-length positions along pts.
func drawArrows(c draw.Canvas, pts []vg.Point, clr color.Color, n int, size vg.Length) {
	if n <= 0 || len(pts) < 2 {
		return
	}
	cum := make([]float64, len(pts))
	for i := 1; i < len(pts); i++ {
		d := pts[i].Sub(pts[i-1])
		cum[i] = cum[i-1] + math.Hypot(float64(d.X), float64(d.Y))
	}
	total := cum[len(cum)-1]
	if total < 3*float64(size) {
		return
	}
	j := 0
	for k := 1; k <= n; k++ {
		target := total * float64(k) / float64(n+1)
		for j < len(cum)-2 && cum[j+1] < target {
			j++
		}
		// position by interpolation on segment j..j+1
		seg := cum[j+1] - cum[j]
		u := 0.0
		if seg > 0 {
			u = (target - cum[j]) / seg
		}
		a, b := pts[j], pts[j+1]
		tip := vg.Point{X: a.X + vg.Length(u)*(b.X-a.X), Y: a.Y + vg.Length(u)*(b.Y-a.Y)}
		// direction over a window of ~size arc length for stability.
		lo, hi := j, j+1
		for lo > 0 && target-cum[lo] < float64(size) {
			lo--
		}
		for hi < len(pts)-1 && cum[hi]-target < float64(size) {
			hi++
		}
		dx := float64(pts[hi].X - pts[lo].X)
		dy := float64(pts[hi].Y - pts[lo].Y)
		l := math.Hypot(dx, dy)
		if l == 0 || !c.Contains(tip) {
			continue
		}
		dx, dy = dx/l, dy/l
		s := float64(size)
		back := vg.Point{X: tip.X - vg.Length(dx*s), Y: tip.Y - vg.Length(dy*s)}
		nx, ny := -dy*s*0.45, dx*s*0.45
		// shift so the arrow centre sits on the curve
		sh := vg.Point{X: vg.Length(dx * s * 0.5), Y: vg.Length(dy * s * 0.5)}
		poly := []vg.Point{
			tip.Add(sh),
			{X: back.X + vg.Length(nx) + sh.X, Y: back.Y + vg.Length(ny) + sh.Y},
			{X: back.X - vg.Length(nx) + sh.X, Y: back.Y - vg.Length(ny) + sh.Y},
		}
		c.FillPolygon(clr, poly)
	}
}
