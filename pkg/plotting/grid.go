package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// GridPlot is a grid of small images (e.g. video frames or field snapshots)
// with captions and one shared colour scale and colour bar.
type GridPlot struct {
	figBase
	title string
	cols  int
	items []gridItem
	scaleOptions
	cbLabel string
	noBar   bool
}

type gridItem struct {
	caption string
	data    [][]float64
}

// ImageGrid returns an empty image grid with the given number of columns
// (cols <= 0 picks one: up to 6 per row).
func ImageGrid(title string, cols int) *GridPlot {
	g := &GridPlot{title: title, cols: cols, scaleOptions: defaultScale()}
	g.figBase = newBase("image grid", g)
	return g
}

// Add adds an image (img[i][j] is pixel row i, column j; row 0 at the top).
func (g *GridPlot) Add(caption string, img [][]float64) *GridPlot {
	m, err := copyMatrix(img)
	if err != nil {
		g.setErr("image %q: %v", caption, err)
		return g
	}
	g.items = append(g.items, gridItem{caption: caption, data: m})
	return g
}

// AddFlat adds an image given as a row-major slice of rows*cols values.
func (g *GridPlot) AddFlat(caption string, rows, cols int, data []float64) *GridPlot {
	m, err := reshape(rows, cols, data)
	if err != nil {
		g.setErr("image %q: %v", caption, err)
		return g
	}
	return g.Add(caption, m)
}

// Diverging uses the blue-white-red colormap with a range symmetric around zero.
func (g *GridPlot) Diverging() *GridPlot { g.setDiverging(); return g }

// Colormap selects the colormap (default Viridis).
func (g *GridPlot) Colormap(cm Colormap) *GridPlot { g.setColormap(&g.figBase, cm); return g }

// Range fixes the values mapped to the ends of the colormap (shared by all images).
func (g *GridPlot) Range(min, max float64) *GridPlot { g.setRange(&g.figBase, min, max); return g }

// ColorbarLabel sets the label of the shared colour bar.
func (g *GridPlot) ColorbarLabel(label string) *GridPlot { g.cbLabel = label; return g }

// NoColorbar hides the colour bar.
func (g *GridPlot) NoColorbar() *GridPlot { g.noBar = true; return g }

// Size sets the figure size in pixels; height 0 picks a height from the images.
func (g *GridPlot) Size(width, height int) *GridPlot { g.setSize(width, height); return g }

func (g *GridPlot) layoutCols() int {
	if g.cols > 0 {
		return min(g.cols, max(len(g.items), 1))
	}
	return min(max(len(g.items), 1), 6)
}

// cell geometry in pt for a canvas width (pt).
func (g *GridPlot) geometry(widthPt float64, cbW float64) (cellW, imgH, capH, titleH float64) {
	cols := g.layoutCols()
	gap := 8.0
	cellW = (widthPt - 12 - cbW - gap*float64(cols-1)) / float64(cols)
	aspect := 0.0 // tallest image (rows/cols) sets the row height
	for _, it := range g.items {
		aspect = math.Max(aspect, float64(len(it.data))/float64(len(it.data[0])))
	}
	if aspect == 0 {
		aspect = 1
	}
	imgH = cellW * aspect
	capH = 0
	for _, it := range g.items {
		if it.caption != "" {
			capH = float64(textStyle(captionSize, draw.XCenter, draw.YBottom).Height(it.caption)) + 4
			break
		}
	}
	if g.title != "" {
		titleH = float64(textStyle(titleSize, draw.XCenter, draw.YTop).Height(g.title)) + 14
	}
	return
}

func (g *GridPlot) autoHeight(w float64) float64 {
	if len(g.items) == 0 {
		return 0
	}
	cbW := 0.0
	if !g.noBar {
		cbW = 60
	}
	_, imgH, capH, titleH := g.geometry(w*0.75, cbW)
	rows := (len(g.items) + g.layoutCols() - 1) / g.layoutCols()
	hPt := titleH + float64(rows)*(imgH+capH+8) + 8
	return math.Round(hPt / 0.75)
}

func (g *GridPlot) drawFig(c draw.Canvas) error {
	if len(g.items) == 0 {
		return fmt.Errorf("plotting: %s %q: no images added: %w", g.kind, g.title, errNoData)
	}
	all := make([][]float64, 0)
	for _, it := range g.items {
		all = append(all, it.data...)
	}
	cs, ok := g.resolveScale(all...)
	if !ok {
		return fmt.Errorf("plotting: %s: no finite values: %w", g.kind, errNoData)
	}
	W := float64(c.Max.X - c.Min.X)
	H := float64(c.Max.Y - c.Min.Y)
	cbW := 0.0
	if !g.noBar {
		cbW = float64(colorbarWidthTotal(cs, H*0.6, g.cbLabel))
	}
	cellW, imgH, capH, titleH := g.geometry(W, cbW)
	cols := g.layoutCols()
	rows := (len(g.items) + cols - 1) / cols
	gap := 8.0
	// Fit vertically if the canvas is shorter than the natural height.
	avail := H - titleH - 8
	need := float64(rows) * (imgH + capH + gap)
	if need > avail && need > 0 {
		f := avail / need
		cellW, imgH = cellW*f, imgH*f
	}
	if cellW <= 2 || imgH <= 2 {
		return fmt.Errorf("plotting: %s: figure too small for %d images", g.kind, len(g.items))
	}
	gridW := float64(cols)*cellW + gap*float64(cols-1)
	left := float64(c.Min.X) + (W-gridW-cbW)/2
	top := float64(c.Max.Y) - titleH
	if g.title != "" {
		ts := textStyle(titleSize, draw.XCenter, draw.YTop)
		c.FillText(ts, vg.Point{X: vg.Length(left + (gridW+cbW)/2), Y: c.Max.Y - vg.Points(6)}, g.title)
	}
	capSty := textStyle(captionSize, draw.XCenter, draw.YBottom)
	border := draw.LineStyle{Color: frameColor, Width: vg.Points(0.5)}
	gridBottom := top
	for k, it := range g.items {
		r, col := k/cols, k%cols
		x := left + float64(col)*(cellW+gap)
		yTop := top - float64(r)*(imgH+capH+gap)
		if it.caption != "" {
			c.FillText(capSty, vg.Point{X: vg.Length(x + cellW/2), Y: vg.Length(yTop - capH + 3)}, it.caption)
		}
		// fit the image inside the cell preserving its aspect ratio
		ih, iw := float64(len(it.data)), float64(len(it.data[0]))
		w, h := cellW, cellW*ih/iw
		if h > imgH {
			w, h = imgH*iw/ih, imgH
		}
		x0 := x + (cellW-w)/2
		y1 := yTop - capH
		y0 := y1 - h
		rect := vg.Rectangle{Min: vg.Point{X: vg.Length(x0), Y: vg.Length(y0)}, Max: vg.Point{X: vg.Length(x0 + w), Y: vg.Length(y1)}}
		c.DrawImage(rect, matrixImage(it.data, cs, w, h))
		c.StrokeLines(border, []vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
		gridBottom = math.Min(gridBottom, y1-imgH)
	}
	if !g.noBar {
		y1 := top - capH
		y0 := gridBottom
		if y1-y0 > 300 { // keep the bar a reasonable length for tall grids
			mid := (y0 + y1) / 2
			y0, y1 = mid-150, mid+150
		}
		drawColorbar(c, cs, vg.Length(left+gridW)+vg.Points(colorbarGap), vg.Length(y0), vg.Length(y1), g.cbLabel)
	}
	return nil
}
