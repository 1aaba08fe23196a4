package plotting

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	colorbarGap   = 12 // pt between the data area and the bar
	colorbarWidth = 13 // pt
	colorbarTick  = 3  // pt
)

// colorbarTicks returns the labelled ticks for the scale.
func colorbarTicks(cs colorScale, heightPt float64) []plot.Tick {
	target := int(math.Max(4, math.Min(8, heightPt/40)))
	ticks := linearTicks(cs.scale.min, cs.scale.max, target)
	if cs.diverging && len(ticks) > 0 {
		// make sure 0 is labelled on a symmetric diverging scale
		has0 := false
		for _, t := range ticks {
			if t.Value == 0 {
				has0 = true
			}
		}
		if !has0 && cs.scale.min < 0 && cs.scale.max > 0 {
			ticks = append(ticks, plot.Tick{Value: 0, Label: "0"})
		}
	}
	return ticks
}

// colorbarWidthTotal returns the horizontal room needed by a colour bar (gap, bar, ticks, labels).
func colorbarWidthTotal(cs colorScale, heightPt float64, label string) vg.Length {
	sty := textStyle(tickSize, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, t := range colorbarTicks(cs, heightPt) {
		w = max(w, sty.Width(t.Label))
	}
	total := vg.Points(colorbarGap+colorbarWidth+colorbarTick+3) + w
	if label != "" {
		ls := textStyle(labelSize, draw.XCenter, draw.YTop)
		total += ls.Height(label) + vg.Points(6)
	}
	return total
}

// drawColorbar draws a vertical colour bar in the rectangle spanning
// [x0, x0+width] x [y0, y1] (x0 is the left edge of the bar itself).
func drawColorbar(c draw.Canvas, cs colorScale, x0, y0, y1 vg.Length, label string) {
	h := y1 - y0
	if h <= 0 {
		return
	}
	const n = 256
	img := image.NewRGBA(image.Rect(0, 0, 1, n))
	for i := range n {
		t := 1 - (float64(i)+0.5)/n
		img.Set(0, i, cs.cmap.At(t))
	}
	rect := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + vg.Points(colorbarWidth), Y: y1}}
	c.DrawImage(rect, upscale(img, 8, 1))
	border := draw.LineStyle{Color: axisColor, Width: vg.Points(0.6)}
	c.StrokeLines(border, []vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
	sty := textStyle(tickSize, draw.XLeft, draw.YCenter)
	var maxW vg.Length
	for _, t := range colorbarTicks(cs, float64(h)) {
		u := cs.scale.norm(t.Value)
		if u < -1e-9 || u > 1+1e-9 {
			continue
		}
		y := y0 + h*vg.Length(u)
		c.StrokeLines(border, []vg.Point{{X: rect.Max.X, Y: y}, {X: rect.Max.X + vg.Points(colorbarTick), Y: y}})
		c.FillText(sty, vg.Point{X: rect.Max.X + vg.Points(colorbarTick+3), Y: y}, t.Label)
		maxW = max(maxW, sty.Width(t.Label))
	}
	if label != "" {
		ls := textStyle(labelSize, draw.XCenter, draw.YTop)
		ls.Rotation = math.Pi / 2
		x := rect.Max.X + vg.Points(colorbarTick+3) + maxW + vg.Points(6)
		c.FillText(ls, vg.Point{X: x, Y: (y0 + y1) / 2}, label)
	}
}

// upscale enlarges img by integer factors with nearest-neighbour sampling,
// so that renderers (browsers, rasterisers) do not blur the pixels.
func upscale(img *image.RGBA, fx, fy int) *image.RGBA {
	b := img.Bounds()
	fx, fy = max(fx, 1), max(fy, 1)
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()*fx, b.Dy()*fy))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			off := img.PixOffset(b.Min.X+x, b.Min.Y+y)
			px := color.RGBA{img.Pix[off], img.Pix[off+1], img.Pix[off+2], img.Pix[off+3]}
			for dy := range fy {
				row := out.PixOffset(x*fx, y*fy+dy)
				for dx := range fx {
					o := row + 4*dx
					out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = px.R, px.G, px.B, px.A
				}
			}
		}
	}
	return out
}

// matrixImage renders the values (rows x cols, row 0 at the top) with the
// colour scale, upscaled so that each cell covers about targetPx pixels.
func matrixImage(data [][]float64, cs colorScale, widthPt, heightPt float64) *image.RGBA {
	rows := len(data)
	cols := len(data[0])
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	for i, row := range data {
		for j, v := range row {
			img.SetRGBA(j, i, cs.color(v))
		}
	}
	// Aim for ~2 output pixels per point (crisp at 2x), capped to keep files small.
	fx := int(math.Ceil(2 * widthPt / float64(cols)))
	fy := int(math.Ceil(2 * heightPt / float64(rows)))
	fx = max(1, min(fx, max(1, 2400/cols)))
	fy = max(1, min(fy, max(1, 2400/rows)))
	return upscale(img, fx, fy)
}

// luminance returns the relative luminance in [0, 1] of c.
func luminance(c color.RGBA) float64 {
	return (0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)) / 255
}
