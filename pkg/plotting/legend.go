package plotting

import (
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

type legendEntry struct {
	name      string
	line      draw.LineStyle
	glyph     draw.GlyphStyle
	showLine  bool
	showGlyph bool
}

const (
	legendPad    = 5   // pt inside the box
	legendSample = 24  // pt length of the line sample
	legendGap    = 6   // pt between sample and text
	legendRowH   = 1.4 // times the font size
)

// legendSize returns the size of the legend box.
func legendBox(es []legendEntry) (w, h vg.Length) {
	sty := textStyle(legendFontSize, draw.XLeft, draw.YCenter)
	var tw vg.Length
	for _, e := range es {
		tw = max(tw, sty.Width(e.name))
	}
	w = vg.Points(2*legendPad+legendSample+legendGap) + tw
	h = vg.Points(2*legendPad) + vg.Length(float64(len(es))*legendRowH*legendFontSize)
	return w, h
}

// drawLegend draws the legend box with its top-left corner at tl.
func drawLegend(c draw.Canvas, es []legendEntry, tl vg.Point) {
	w, h := legendBox(es)
	box := []vg.Point{{X: tl.X, Y: tl.Y}, {X: tl.X + w, Y: tl.Y}, {X: tl.X + w, Y: tl.Y - h}, {X: tl.X, Y: tl.Y - h}}
	c.FillPolygon(color.NRGBA{255, 255, 255, 230}, box)
	c.StrokeLines(draw.LineStyle{Color: frameColor, Width: vg.Points(0.6)}, append(box, box[0]))
	sty := textStyle(legendFontSize, draw.XLeft, draw.YCenter)
	rowH := vg.Length(legendRowH * legendFontSize)
	for i, e := range es {
		y := tl.Y - vg.Points(legendPad) - rowH*vg.Length(float64(i)+0.5)
		x0 := tl.X + vg.Points(legendPad)
		x1 := x0 + vg.Points(legendSample)
		if e.showLine {
			ls := e.line
			ls.Width = min(ls.Width, vg.Points(3))
			c.StrokeLines(ls, []vg.Point{{X: x0, Y: y}, {X: x1, Y: y}})
		}
		if e.showGlyph {
			c.DrawGlyphNoClip(e.glyph, vg.Point{X: (x0 + x1) / 2, Y: y})
		}
		c.FillText(sty, vg.Point{X: x1 + vg.Points(legendGap), Y: y}, e.name)
	}
}

// placeLegend draws the legend inside the data canvas dc at pos, or at the
// corner covering the fewest of pts when pos is LegendBest.
func placeLegend(dc draw.Canvas, es []legendEntry, pos LegendPos, pts []vg.Point) {
	w, h := legendBox(es)
	inset := vg.Points(6)
	corner := func(p LegendPos) vg.Point {
		switch p {
		case LegendTopLeft:
			return vg.Point{X: dc.Min.X + inset, Y: dc.Max.Y - inset}
		case LegendBottomRight:
			return vg.Point{X: dc.Max.X - inset - w, Y: dc.Min.Y + inset + h}
		case LegendBottomLeft:
			return vg.Point{X: dc.Min.X + inset, Y: dc.Min.Y + inset + h}
		default:
			return vg.Point{X: dc.Max.X - inset - w, Y: dc.Max.Y - inset}
		}
	}
	if pos == LegendBest {
		best, bestN := LegendTopRight, -1
		for _, cand := range []LegendPos{LegendTopRight, LegendTopLeft, LegendBottomLeft, LegendBottomRight} {
			tl := corner(cand)
			n := 0
			for _, p := range pts {
				if p.X >= tl.X-inset && p.X <= tl.X+w+inset && p.Y <= tl.Y+inset && p.Y >= tl.Y-h-inset {
					n++
				}
			}
			if bestN < 0 || n < bestN {
				best, bestN = cand, n
			}
		}
		pos = best
	}
	drawLegend(dc, es, corner(pos))
}
