package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot3D is a 3D trajectory figure, drawn with an orthographic projection
// inside an axes box with shaded back panes, grid lines and ticks (like
// matplotlib's mplot3d). Each axis is scaled to the same box length.
type Plot3D struct {
	figBase
	title      string
	labels     [3]string
	series     []*series3
	azim, elev float64 // degrees
	legend     LegendPos
}

type series3 struct {
	name    string
	x, y, z []float64
	style   seriesStyle
}

// Trajectory3D returns an empty 3D trajectory figure. The default view is
// azimuth -60°, elevation 30° (matplotlib's default).
func Trajectory3D(title, xlabel, ylabel, zlabel string) *Plot3D {
	p := &Plot3D{title: title, labels: [3]string{xlabel, ylabel, zlabel}, azim: -60, elev: 30}
	p.figBase = newBase("3D trajectory", p)
	return p
}

// Add adds a named trajectory (x[i], y[i], z[i]). Points with a non-finite
// coordinate are skipped and break the line. Options: Color, ColorRGB,
// Width (default 0.8 pt), Dashed, Dotted, StartMarker.
func (p *Plot3D) Add(name string, x, y, z []float64, opts ...SeriesOption) *Plot3D {
	if len(x) != len(y) || len(x) != len(z) {
		p.setErr("series %q: lengths differ: len(x)=%d, len(y)=%d, len(z)=%d", name, len(x), len(y), len(z))
		return p
	}
	if len(x) == 0 {
		p.setErr("series %q is empty", name)
		return p
	}
	s := &series3{name: name, x: append([]float64(nil), x...), y: append([]float64(nil), y...), z: append([]float64(nil), z...)}
	s.style = newSeriesStyle(opts)
	if !someFinitePoint(x, y, z) {
		p.setErr("series %q has no finite points", name)
		return p
	}
	p.series = append(p.series, s)
	return p
}

// View sets the viewing angles in degrees: azimuth around the z axis
// (measured from the x axis) and elevation above the x-y plane (-90..90).
func (p *Plot3D) View(azimuth, elevation float64) *Plot3D {
	if !isFinite(azimuth) || !isFinite(elevation) || elevation < -90 || elevation > 90 {
		p.setErr("invalid view azimuth=%g elevation=%g (elevation must be in [-90, 90])", azimuth, elevation)
		return p
	}
	p.azim, p.elev = azimuth, elevation
	return p
}

// Legend sets the legend position (default LegendBest: top right of the figure).
func (p *Plot3D) Legend(pos LegendPos) *Plot3D {
	if p.checkLegend(pos) {
		p.legend = pos
	}
	return p
}

// Size sets the figure size in pixels; height 0 picks a height automatically.
func (p *Plot3D) Size(width, height int) *Plot3D { p.setSize(width, height); return p }

func (p *Plot3D) autoHeight(w float64) float64 { return math.Round(w * 0.8) }

type vec3 [3]float64

func dot3(a, b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// projector maps normalised box coordinates ([-1,1]^3) to the canvas.
type projector struct {
	right, up, view vec3
	scale           float64
	cx, cy          float64
}

func newProjector(azimDeg, elevDeg float64) projector {
	az, el := azimDeg*math.Pi/180, elevDeg*math.Pi/180
	return projector{
		right: vec3{-math.Sin(az), math.Cos(az), 0},
		up:    vec3{-math.Sin(el) * math.Cos(az), -math.Sin(el) * math.Sin(az), math.Cos(el)},
		view:  vec3{math.Cos(el) * math.Cos(az), math.Cos(el) * math.Sin(az), math.Sin(el)},
		scale: 1,
	}
}

// raw returns the unscaled screen coordinates.
func (pr projector) raw(u vec3) (float64, float64) { return dot3(u, pr.right), dot3(u, pr.up) }

func (pr projector) pt(u vec3) vg.Point {
	sx, sy := pr.raw(u)
	return vg.Point{X: vg.Length(pr.cx + pr.scale*sx), Y: vg.Length(pr.cy + pr.scale*sy)}
}

func (p *Plot3D) drawFig(c draw.Canvas) error {
	if len(p.series) == 0 {
		return fmt.Errorf("plotting: %s %q: no series added: %w", p.kind, p.title, errNoData)
	}
	// Ranges.
	var lo, hi vec3
	for i := range 3 {
		lo[i], hi[i] = math.Inf(1), math.Inf(-1)
	}
	for _, s := range p.series {
		for k := range s.x {
			v := vec3{s.x[k], s.y[k], s.z[k]}
			if !isFinite(v[0]) || !isFinite(v[1]) || !isFinite(v[2]) {
				continue
			}
			for i := range 3 {
				lo[i], hi[i] = math.Min(lo[i], v[i]), math.Max(hi[i], v[i])
			}
		}
	}
	var ticks [3][]plot.Tick
	for i := range 3 {
		if lo[i] == hi[i] {
			d := math.Max(math.Abs(lo[i])*0.1, 1)
			lo[i], hi[i] = lo[i]-d, hi[i]+d
		}
		ticks[i] = linearTicks(lo[i], hi[i], 5)
	}
	norm := func(i int, v float64) float64 { return 2*(v-lo[i])/(hi[i]-lo[i]) - 1 }

	pr := newProjector(p.azim, p.elev)

	// Layout: title on top, margins for labels.
	area := c.Rectangle
	if p.title != "" {
		ts := textStyle(titleSize, draw.XCenter, draw.YTop)
		c.FillText(ts, vg.Point{X: (area.Min.X + area.Max.X) / 2, Y: area.Max.Y - vg.Points(6)}, p.title)
		area.Max.Y -= ts.Height(p.title) + vg.Points(10)
	}
	margin := 48.0
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, cx := range []float64{-1, 1} {
		for _, cy := range []float64{-1, 1} {
			for _, cz := range []float64{-1, 1} {
				sx, sy := pr.raw(vec3{cx, cy, cz})
				minX, maxX = math.Min(minX, sx), math.Max(maxX, sx)
				minY, maxY = math.Min(minY, sy), math.Max(maxY, sy)
			}
		}
	}
	aw := float64(area.Max.X-area.Min.X) - 2*margin
	ah := float64(area.Max.Y-area.Min.Y) - 2*margin
	if aw <= 10 || ah <= 10 {
		return fmt.Errorf("plotting: %s: figure too small", p.kind)
	}
	pr.scale = math.Min(aw/(maxX-minX), ah/(maxY-minY))
	pr.cx = float64(area.Min.X+area.Max.X)/2 - pr.scale*(minX+maxX)/2
	pr.cy = float64(area.Min.Y+area.Max.Y)/2 - pr.scale*(minY+maxY)/2

	// Back panes: for each axis the side facing away from the viewer.
	var back vec3
	for i := range 3 {
		back[i] = -1
		if pr.view[i] < 0 {
			back[i] = 1
		}
	}
	paneFill := hex(0xf2f2f2)
	paneEdge := draw.LineStyle{Color: hex(0xb0b0b0), Width: vg.Points(0.7)}
	gridStyle := draw.LineStyle{Color: hex(0xdadada), Width: vg.Points(0.6)}
	for i := range 3 {
		j, k := (i+1)%3, (i+2)%3
		corner := func(a, b float64) vg.Point {
			var u vec3
			u[i], u[j], u[k] = back[i], a, b
			return pr.pt(u)
		}
		poly := []vg.Point{corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)}
		c.FillPolygon(paneFill, poly)
		// grid lines at the ticks of the two other axes
		for _, ax := range []int{j, k} {
			other := j + k - ax
			for _, t := range ticks[ax] {
				var a, b vec3
				a[i], b[i] = back[i], back[i]
				a[ax], b[ax] = norm(ax, t.Value), norm(ax, t.Value)
				a[other], b[other] = -1, 1
				c.StrokeLines(gridStyle, []vg.Point{pr.pt(a), pr.pt(b)})
			}
		}
		c.StrokeLines(paneEdge, append(poly, poly[0]))
	}

	// Trajectories.
	var entries []legendEntry
	for si, s := range p.series {
		ls := s.style.lineStyle(si, 0.8)
		clr := ls.Color
		var runs [][]vg.Point
		var cur []vg.Point
		for k := range s.x {
			v := vec3{s.x[k], s.y[k], s.z[k]}
			if !isFinite(v[0]) || !isFinite(v[1]) || !isFinite(v[2]) {
				if len(cur) > 0 {
					runs = append(runs, cur)
					cur = nil
				}
				continue
			}
			q := pr.pt(vec3{norm(0, v[0]), norm(1, v[1]), norm(2, v[2])})
			if n := len(cur); n > 1 && k+1 < len(s.x) {
				cur = appendThinned(cur, q)
			} else {
				cur = append(cur, q)
			}
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		for _, r := range runs {
			if len(r) == 1 {
				c.DrawGlyph(draw.GlyphStyle{Color: clr, Radius: ls.Width, Shape: draw.CircleGlyph{}}, r[0])
				continue
			}
			strokeChunked(c, ls, r)
		}
		if s.style.start > 0 && len(runs) > 0 {
			c.DrawGlyph(draw.GlyphStyle{Color: hex(0xffffff), Radius: vg.Points(4.2), Shape: draw.CircleGlyph{}}, runs[0][0])
			c.DrawGlyph(draw.GlyphStyle{Color: clr, Radius: vg.Points(3.2), Shape: draw.CircleGlyph{}}, runs[0][0])
		}
		if s.name != "" {
			lls := ls
			lls.Width = max(lls.Width, vg.Points(1.5))
			entries = append(entries, legendEntry{name: s.name, line: lls, showLine: true})
		}
	}

	// Axes with ticks: x along the floor edge at the front y, y along the floor
	// edge at the front x, z on the left-most vertical edge.
	floor := back[2]
	var edges [3][2]vec3
	edges[0] = [2]vec3{{-1, -back[1], floor}, {1, -back[1], floor}}
	edges[1] = [2]vec3{{-back[0], -1, floor}, {-back[0], 1, floor}}
	bestX := math.Inf(1)
	for _, cx := range []float64{-1, 1} {
		for _, cy := range []float64{-1, 1} {
			if cx == -back[0] && cy == -back[1] {
				continue // the front-most vertical edge
			}
			sx, _ := pr.raw(vec3{cx, cy, 0})
			if sx < bestX {
				bestX = sx
				edges[2] = [2]vec3{{cx, cy, -1}, {cx, cy, 1}}
			}
		}
	}
	axisStyle := draw.LineStyle{Color: axisColor, Width: vg.Points(0.8)}
	tickSty := textStyle(tickSize, draw.XCenter, draw.YCenter)
	labelSty := textStyle(labelSize, draw.XCenter, draw.YCenter)
	centre := vg.Point{X: vg.Length(pr.cx), Y: vg.Length(pr.cy)}
	for i := range 3 {
		a, b := pr.pt(edges[i][0]), pr.pt(edges[i][1])
		c.StrokeLines(axisStyle, []vg.Point{a, b})
		mid := vg.Point{X: (a.X + b.X) / 2, Y: (a.Y + b.Y) / 2}
		// outward direction: perpendicular to the edge, pointing away from the centre.
		ex, ey := float64(b.X-a.X), float64(b.Y-a.Y)
		el := math.Hypot(ex, ey)
		var ox, oy float64
		if el > 1e-6 {
			ox, oy = -ey/el, ex/el
		} else {
			ox, oy = -1, 0
		}
		if ox*float64(mid.X-centre.X)+oy*float64(mid.Y-centre.Y) < 0 {
			ox, oy = -ox, -oy
		}
		if i == 2 && el > 1e-6 {
			// z labels go horizontally outwards
			ox, oy = math.Copysign(1, float64(mid.X-centre.X)), 0
		}
		sty := tickSty
		sty.XAlign = draw.XAlignment(-0.5 + 0.5*ox)
		sty.YAlign = draw.YAlignment(-0.5 + 0.5*oy)
		maxLabelW := 0.0
		for _, t := range ticks[i] {
			u := edges[i][0]
			u[i] = norm(i, t.Value)
			q := pr.pt(u)
			tl := vg.Length(4)
			c.StrokeLines(axisStyle, []vg.Point{q, {X: q.X + tl*vg.Length(ox), Y: q.Y + tl*vg.Length(oy)}})
			off := vg.Length(7)
			c.FillText(sty, vg.Point{X: q.X + off*vg.Length(ox), Y: q.Y + off*vg.Length(oy)}, t.Label)
			maxLabelW = math.Max(maxLabelW, math.Abs(ox)*float64(sty.Width(t.Label))+math.Abs(oy)*float64(sty.Height(t.Label)))
		}
		if lbl := p.labels[i]; lbl != "" {
			d := vg.Length(7 + maxLabelW + 10)
			ls := labelSty
			c.FillText(ls, vg.Point{X: mid.X + d*vg.Length(ox), Y: mid.Y + d*vg.Length(oy)}, lbl)
		}
	}

	if len(entries) > 0 && p.legend != LegendNone {
		w, _ := legendBox(entries)
		tl := vg.Point{X: area.Max.X - w - vg.Points(6), Y: area.Max.Y - vg.Points(4)}
		switch p.legend {
		case LegendTopLeft:
			tl.X = area.Min.X + vg.Points(6)
		case LegendBottomLeft, LegendBottomRight:
			_, h := legendBox(entries)
			tl.Y = area.Min.Y + h + vg.Points(4)
			if p.legend == LegendBottomLeft {
				tl.X = area.Min.X + vg.Points(6)
			}
		}
		drawLegend(c, entries, tl)
	}
	return nil
}
