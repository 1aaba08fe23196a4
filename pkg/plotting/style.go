package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Tab10 is the qualitative palette used for series colours (matplotlib's tab10).
var Tab10 = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// PaletteColor returns colour i of the Tab10 palette (cycling; negative i is allowed).
func PaletteColor(i int) color.RGBA {
	n := len(Tab10)
	return Tab10[((i%n)+n)%n]
}

// Default figure sizes in pixels (CSS pixels in SVG, pixels in PNG at PNGScale 1).
const (
	DefaultWidth  = 800
	DefaultHeight = 500
)

// Font sizes in points (1 pt = 4/3 CSS px).
const (
	titleSize      = 13
	labelSize      = 11.5
	tickSize       = 10
	legendFontSize = 10
	captionSize    = 10
)

var (
	sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

	textColor  = color.RGBA{0x22, 0x22, 0x22, 0xff}
	axisColor  = color.RGBA{0x33, 0x33, 0x33, 0xff}
	gridColor  = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
	frameColor = color.RGBA{0xbb, 0xbb, 0xbb, 0xff}
	nanColor   = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
)

// px converts CSS pixels to vg lengths (points): 1 px = 0.75 pt.
func px(v float64) vg.Length { return vg.Length(v * 0.75) }

// textStyle returns a text style in the package font with the rich handler.
func textStyle(size float64, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   textColor,
		Font:    font.From(sansFont, vg.Length(size)),
		XAlign:  xa,
		YAlign:  ya,
		Handler: richHandler,
	}
}

// newGonumPlot returns a gonum plot styled consistently with the package.
// Axis labels are not set on the gonum plot (see drawPlotWithLabels).
func newGonumPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = textStyle(titleSize, draw.XCenter, draw.YTop)
	p.Title.Padding = vg.Points(8)
	p.TextHandler = richHandler
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(labelSize, draw.XCenter, draw.YBottom)
		a.Label.Padding = vg.Points(3)
		a.Tick.Label.Font = font.From(sansFont, tickSize)
		a.Tick.Label.Color = textColor
		a.Tick.Label.Handler = richHandler
		a.Tick.Length = vg.Points(4)
		a.Tick.LineStyle.Color = axisColor
		a.Tick.LineStyle.Width = vg.Points(0.8)
		a.LineStyle.Color = axisColor
		a.LineStyle.Width = vg.Points(0.8)
		a.Padding = 0
	}
	return p
}

const axisLabelPad = 4 // pt between axis label and tick labels

// labelCrop returns the area left for the gonum plot after reserving room for the axis labels.
func labelCrop(c draw.Canvas, xlabel, ylabel string) draw.Canvas {
	sty := textStyle(labelSize, draw.XCenter, draw.YBottom)
	var left, bottom vg.Length
	if ylabel != "" {
		left = sty.Height(ylabel) + vg.Points(axisLabelPad)
	}
	if xlabel != "" {
		bottom = sty.Height(xlabel) + vg.Points(axisLabelPad)
	}
	return draw.Crop(c, left, 0, bottom, 0)
}

// drawPlotWithLabels draws gp into c with the axis labels centred on the data
// area (gonum centres them wrongly on log axes) and returns the data canvas.
func drawPlotWithLabels(c draw.Canvas, gp *plot.Plot, xlabel, ylabel string) draw.Canvas {
	area := labelCrop(c, xlabel, ylabel)
	gp.Draw(area)
	dc := gp.DataCanvas(area)
	if xlabel != "" {
		sty := textStyle(labelSize, draw.XCenter, draw.YBottom)
		c.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: c.Min.Y}, xlabel)
	}
	if ylabel != "" {
		sty := textStyle(labelSize, draw.XCenter, draw.YTop)
		sty.Rotation = math.Pi / 2
		c.FillText(sty, vg.Point{X: c.Min.X, Y: (dc.Min.Y + dc.Max.Y) / 2}, ylabel)
	}
	return dc
}
