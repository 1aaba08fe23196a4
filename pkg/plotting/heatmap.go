package plotting

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatmapPlot shows a matrix as coloured cells with a colour bar. Row 0 is
// drawn at the top (matrix convention) unless OriginLower is set.
type HeatmapPlot struct {
	figBase
	title          string
	data           [][]float64
	rowLabels      []string
	colLabels      []string
	xlabel, ylabel string
	cbLabel        string
	scaleOptions
	annotate        bool
	annotFormat     string
	extent          []float64
	originLower     bool
	equal           bool
	cellLinesForced int // 0 auto, 1 on, -1 off
}

// Heatmap returns a heatmap of m (m[i][j] is row i, column j; all rows must
// have the same length). The default colormap is Viridis; use Diverging for
// signed data such as coefficient matrices.
func Heatmap(title string, m [][]float64) *HeatmapPlot {
	h := &HeatmapPlot{title: title, scaleOptions: defaultScale()}
	h.figBase = newBase("heatmap", h)
	data, err := copyMatrix(m)
	if err != nil {
		h.setErr("%v", err)
		return h
	}
	h.data = data
	return h
}

// HeatmapFlat is like Heatmap for a row-major slice of rows*cols values.
func HeatmapFlat(title string, rows, cols int, data []float64) *HeatmapPlot {
	m, err := reshape(rows, cols, data)
	if err != nil {
		h := &HeatmapPlot{title: title, scaleOptions: defaultScale()}
		h.figBase = newBase("heatmap", h)
		h.setErr("%v", err)
		return h
	}
	return Heatmap(title, m)
}

func copyMatrix(m [][]float64) ([][]float64, error) {
	if len(m) == 0 || len(m[0]) == 0 {
		return nil, fmt.Errorf("empty matrix (%d rows)", len(m))
	}
	cols := len(m[0])
	out := make([][]float64, len(m))
	for i, row := range m {
		if len(row) != cols {
			return nil, fmt.Errorf("ragged matrix: row 0 has %d columns but row %d has %d", cols, i, len(row))
		}
		out[i] = append([]float64(nil), row...)
	}
	if _, _, ok := finiteRange(out...); !ok {
		return nil, fmt.Errorf("matrix %dx%d has no finite values", len(m), cols)
	}
	return out, nil
}

func reshape(rows, cols int, data []float64) ([][]float64, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("invalid shape %dx%d", rows, cols)
	}
	if rows*cols != len(data) {
		return nil, fmt.Errorf("shape %dx%d needs %d values, got %d", rows, cols, rows*cols, len(data))
	}
	m := make([][]float64, rows)
	for i := range m {
		m[i] = data[i*cols : (i+1)*cols]
	}
	return m, nil
}

// RowLabels sets one label per row (e.g. SINDy library terms "z_{1} z_{2}").
func (h *HeatmapPlot) RowLabels(labels ...string) *HeatmapPlot {
	if h.data != nil && len(labels) != len(h.data) {
		h.setErr("got %d row labels for %d rows", len(labels), len(h.data))
		return h
	}
	h.rowLabels = append([]string(nil), labels...)
	return h
}

// ColLabels sets one label per column (e.g. equations "ż_{1}").
func (h *HeatmapPlot) ColLabels(labels ...string) *HeatmapPlot {
	if h.data != nil && len(labels) != len(h.data[0]) {
		h.setErr("got %d column labels for %d columns", len(labels), len(h.data[0]))
		return h
	}
	h.colLabels = append([]string(nil), labels...)
	return h
}

// Labels sets the x (columns) and y (rows) axis labels.
func (h *HeatmapPlot) Labels(xlabel, ylabel string) *HeatmapPlot {
	h.xlabel, h.ylabel = xlabel, ylabel
	return h
}

// ColorbarLabel sets the label of the colour bar.
func (h *HeatmapPlot) ColorbarLabel(label string) *HeatmapPlot { h.cbLabel = label; return h }

// Diverging uses the blue-white-red colormap with a range symmetric around
// zero (0 is white, +max|v| red, -max|v| blue) unless Range is set.
func (h *HeatmapPlot) Diverging() *HeatmapPlot { h.setDiverging(); return h }

// Colormap selects the colormap.
func (h *HeatmapPlot) Colormap(cm Colormap) *HeatmapPlot { h.setColormap(&h.figBase, cm); return h }

// Range fixes the values mapped to the ends of the colormap.
func (h *HeatmapPlot) Range(min, max float64) *HeatmapPlot {
	h.setRange(&h.figBase, min, max)
	return h
}

// Annotate writes each value in its cell with the given fmt format
// ("" means "%.2g"); zeros are written as "0". Cells too small for text stay empty.
func (h *HeatmapPlot) Annotate(format string) *HeatmapPlot {
	if format == "" {
		format = "%.2g"
	}
	if !strings.Contains(format, "%") {
		h.setErr("invalid annotation format %q", format)
		return h
	}
	h.annotate, h.annotFormat = true, format
	return h
}

// Extent maps the columns to [xmin, xmax] and the rows to [ymin, ymax] and
// shows numeric axes (for fields on a grid).
func (h *HeatmapPlot) Extent(xmin, xmax, ymin, ymax float64) *HeatmapPlot {
	for _, v := range []float64{xmin, xmax, ymin, ymax} {
		if !isFinite(v) {
			h.setErr("invalid extent [%g, %g] x [%g, %g]", xmin, xmax, ymin, ymax)
			return h
		}
	}
	if !(xmin < xmax) || !(ymin < ymax) {
		h.setErr("invalid extent [%g, %g] x [%g, %g]", xmin, xmax, ymin, ymax)
		return h
	}
	h.extent = []float64{xmin, xmax, ymin, ymax}
	return h
}

// OriginLower draws row 0 at the bottom (for fields where rows are y).
func (h *HeatmapPlot) OriginLower() *HeatmapPlot { h.originLower = true; return h }

// EqualAspect makes the cells square.
func (h *HeatmapPlot) EqualAspect() *HeatmapPlot { h.equal = true; return h }

// CellLines forces the thin lines between cells on or off (default: on for
// diverging maps up to 40x40 cells).
func (h *HeatmapPlot) CellLines(on bool) *HeatmapPlot {
	h.cellLinesForced = -1
	if on {
		h.cellLinesForced = 1
	}
	return h
}

// Size sets the figure size in pixels; height 0 picks a height from the matrix shape.
func (h *HeatmapPlot) Size(width, height int) *HeatmapPlot { h.setSize(width, height); return h }

func (h *HeatmapPlot) autoHeight(w float64) float64 {
	if h.data == nil {
		return 0
	}
	r := float64(len(h.data)) / float64(len(h.data[0]))
	dataW := w - 160
	hh := math.Min(dataW*r, float64(len(h.data))*48) + 90
	return math.Round(math.Max(0.45*w, math.Min(1.1*w, hh)))
}

func (h *HeatmapPlot) scale() (colorScale, bool) {
	return h.resolveScale(h.data...)
}

func (h *HeatmapPlot) drawFig(c draw.Canvas) error {
	if h.data == nil {
		return fmt.Errorf("plotting: %s: no data: %w", h.kind, errNoData)
	}
	rows, cols := len(h.data), len(h.data[0])
	cs, ok := h.scale()
	if !ok {
		return fmt.Errorf("plotting: %s: no finite values: %w", h.kind, errNoData)
	}
	x0, x1, y0, y1 := 0.0, float64(cols), 0.0, float64(rows)
	if h.extent != nil {
		x0, x1, y0, y1 = h.extent[0], h.extent[1], h.extent[2], h.extent[3]
	}
	gp := newGonumPlot(h.title)
	gp.X.Min, gp.X.Max, gp.Y.Min, gp.Y.Max = x0, x1, y0, y1
	cellW, cellH := (x1-x0)/float64(cols), (y1-y0)/float64(rows)
	// Row i is drawn between rowY(i) and rowY(i)+cellH.
	rowY := func(i int) float64 {
		if h.originLower {
			return y0 + float64(i)*cellH
		}
		return y0 + float64(rows-1-i)*cellH
	}
	switch {
	case h.colLabels != nil:
		ts := make(plot.ConstantTicks, cols)
		for j := range cols {
			ts[j] = plot.Tick{Value: x0 + (float64(j)+0.5)*cellW, Label: h.colLabels[j]}
		}
		gp.X.Tick.Marker = ts
	case h.extent != nil:
		setTicker(&gp.X, false, 6)
	default:
		gp.X.Tick.Marker = indexTicks(cols, 8, func(j int) float64 { return x0 + (float64(j)+0.5)*cellW })
	}
	switch {
	case h.rowLabels != nil:
		ts := make(plot.ConstantTicks, rows)
		for i := range rows {
			ts[i] = plot.Tick{Value: rowY(i) + 0.5*cellH, Label: h.rowLabels[i]}
		}
		gp.Y.Tick.Marker = ts
	case h.extent != nil:
		setTicker(&gp.Y, false, 6)
	default:
		gp.Y.Tick.Marker = indexTicks(rows, 8, func(i int) float64 { return rowY(i) + 0.5*cellH })
	}

	area := draw.Crop(c, vg.Points(6), -vg.Points(8), vg.Points(4), -vg.Points(8))
	cbW := colorbarWidthTotal(cs, float64(area.Max.Y-area.Min.Y)*0.8, h.cbLabel)
	inner := draw.Crop(area, 0, -cbW, 0, 0)

	// Limit the cell aspect ratio (square cells with EqualAspect, at most 3:1 otherwise).
	for range 2 {
		dc := gp.DataCanvas(labelCrop(inner, h.xlabel, h.ylabel))
		w, hh := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
		if w <= 1 || hh <= 1 {
			return fmt.Errorf("plotting: %s: figure too small for the labels", h.kind)
		}
		cw, ch := w/float64(cols), hh/float64(rows)
		maxRatio := 3.0
		if h.equal {
			maxRatio = 1
		}
		if cw > maxRatio*ch*1.001 {
			shrink := vg.Length(w - maxRatio*ch*float64(cols))
			inner = draw.Crop(inner, shrink/2, -shrink/2, 0, 0)
		} else if ch > maxRatio*cw*1.001 {
			shrink := vg.Length(hh - maxRatio*cw*float64(rows))
			inner = draw.Crop(inner, 0, 0, shrink/2, -shrink/2)
		}
	}

	lines := h.cellLinesForced > 0 || (h.cellLinesForced == 0 && h.diverging && rows <= 40 && cols <= 40)
	gp.Add(&cellsPlotter{h: h, cs: cs, rows: rows, cols: cols, x0: x0, x1: x1, y0: y0, y1: y1, lines: lines})
	gp.X.Min, gp.X.Max, gp.Y.Min, gp.Y.Max = x0, x1, y0, y1
	dc := drawPlotWithLabels(inner, gp, h.xlabel, h.ylabel)
	drawFrame(dc)
	drawColorbar(c, cs, dc.Max.X+vg.Points(colorbarGap), dc.Min.Y, dc.Max.Y, h.cbLabel)
	return nil
}

// indexTicks labels cell indices at nice integer steps.
func indexTicks(n, target int, pos func(int) float64) plot.Ticker {
	return plot.TickerFunc(func(_, _ float64) []plot.Tick {
		step := 1
		if n > target {
			step = int(niceStep(float64(n-1), target))
			if step < 1 {
				step = 1
			}
		}
		var ts []plot.Tick
		for k := 0; k < n; k += step {
			ts = append(ts, plot.Tick{Value: pos(k), Label: fmt.Sprint(k)})
		}
		return ts
	})
}

// cellsPlotter draws the heatmap image, optional cell lines and annotations.
type cellsPlotter struct {
	h              *HeatmapPlot
	cs             colorScale
	rows, cols     int
	x0, x1, y0, y1 float64
	lines          bool
}

func (p *cellsPlotter) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	rect := vg.Rectangle{Min: vg.Point{X: trX(p.x0), Y: trY(p.y0)}, Max: vg.Point{X: trX(p.x1), Y: trY(p.y1)}}
	w, hh := float64(rect.Max.X-rect.Min.X), float64(rect.Max.Y-rect.Min.Y)
	data := p.h.data
	if p.h.originLower {
		data = make([][]float64, p.rows)
		for i := range data {
			data[i] = p.h.data[p.rows-1-i]
		}
	}
	c.DrawImage(rect, matrixImage(data, p.cs, w, hh))
	cw, ch := vg.Length(w/float64(p.cols)), vg.Length(hh/float64(p.rows))
	if p.lines {
		ls := draw.LineStyle{Color: hex(0xd0d0d0), Width: vg.Points(0.5)}
		for j := 1; j < p.cols; j++ {
			x := rect.Min.X + vg.Length(j)*cw
			c.StrokeLines(ls, []vg.Point{{X: x, Y: rect.Min.Y}, {X: x, Y: rect.Max.Y}})
		}
		for i := 1; i < p.rows; i++ {
			y := rect.Min.Y + vg.Length(i)*ch
			c.StrokeLines(ls, []vg.Point{{X: rect.Min.X, Y: y}, {X: rect.Max.X, Y: y}})
		}
	}
	if !p.h.annotate {
		return
	}
	size := math.Min(tickSize, math.Min(float64(ch)*0.45, 40))
	if size < 5 {
		return
	}
	sty := textStyle(size, draw.XCenter, draw.YCenter)
	for i, row := range data {
		for j, v := range row {
			var s string
			switch {
			case math.IsNaN(v):
				s = "NaN"
			case v == 0:
				s = "0"
			default:
				s = unicodeMinus(fmt.Sprintf(p.h.annotFormat, v))
			}
			if sty.Width(s) > cw*0.95 {
				continue
			}
			clr := p.cs.color(v)
			sty.Color = textColor
			if luminance(clr) < 0.5 {
				sty.Color = hex(0xffffff)
			}
			pt := vg.Point{X: rect.Min.X + (vg.Length(j)+0.5)*cw, Y: rect.Max.Y - (vg.Length(i)+0.5)*ch}
			c.FillText(sty, pt, s)
		}
	}
}
