package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PanelPlot holds several figures laid out in a grid (subplots), e.g. true
// vs predicted side by side. The panels keep their own titles and styles;
// their individual sizes are ignored.
type PanelPlot struct {
	figBase
	title string
	cols  int
	figs  []Figure
}

// Panels returns a figure with the given panels laid out in rows of cols
// (cols <= 0 puts all panels in one row).
func Panels(title string, cols int, figs ...Figure) *PanelPlot {
	p := &PanelPlot{title: title, cols: cols}
	p.figBase = newBase("panels", p)
	for _, f := range figs {
		p.Add(f)
	}
	return p
}

// Row returns the figures side by side in one row, without an overall title.
func Row(figs ...Figure) *PanelPlot { return Panels("", 0, figs...) }

// Add appends a panel.
func (p *PanelPlot) Add(f Figure) *PanelPlot {
	if f == nil || f.base() == nil {
		p.setErr("panel %d is nil", len(p.figs))
		return p
	}
	if containsFigure(f, &p.figBase) {
		p.setErr("panel %d: a figure cannot contain itself", len(p.figs))
		return p
	}
	p.figs = append(p.figs, f)
	return p
}

// Size sets the figure size in pixels; height 0 picks a height from the panels.
func (p *PanelPlot) Size(width, height int) *PanelPlot { p.setSize(width, height); return p }

func (p *PanelPlot) layoutCols() int {
	if p.cols > 0 {
		return min(p.cols, max(len(p.figs), 1))
	}
	return max(len(p.figs), 1)
}

func (p *PanelPlot) titleHeightPx() float64 {
	if p.title == "" {
		return 0
	}
	return math.Ceil(float64(textStyle(titleSize+1, draw.XCenter, draw.YTop).Height(p.title))/0.75) + 14
}

// rowHeights returns the natural height (px) of each row for a total width (px).
func (p *PanelPlot) rowHeights(w float64) []float64 {
	cols := p.layoutCols()
	cellW := w / float64(cols)
	rows := (len(p.figs) + cols - 1) / cols
	hs := make([]float64, rows)
	for k, f := range p.figs {
		b := f.base()
		h := b.self.autoHeight(cellW)
		if h <= 0 {
			h = cellW * DefaultHeight / DefaultWidth
		}
		hs[k/cols] = math.Max(hs[k/cols], h)
	}
	return hs
}

func (p *PanelPlot) autoHeight(w float64) float64 {
	if len(p.figs) == 0 {
		return 0
	}
	total := p.titleHeightPx()
	for _, h := range p.rowHeights(w) {
		total += h
	}
	return math.Round(total)
}

func (p *PanelPlot) drawFig(c draw.Canvas) error {
	if len(p.figs) == 0 {
		return fmt.Errorf("plotting: %s %q: no panels added: %w", p.kind, p.title, errNoData)
	}
	W := float64(c.Max.X - c.Min.X)
	H := float64(c.Max.Y - c.Min.Y)
	top := c.Max.Y
	if p.title != "" {
		ts := textStyle(titleSize+1, draw.XCenter, draw.YTop)
		c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(6)}, p.title)
		top -= px(p.titleHeightPx())
	}
	hs := p.rowHeights(W / 0.75)
	sum := 0.0
	for _, h := range hs {
		sum += h
	}
	availPt := float64(top - c.Min.Y)
	if availPt <= 0 || sum <= 0 {
		return fmt.Errorf("plotting: %s: figure too small", p.kind)
	}
	_ = H
	cols := p.layoutCols()
	cellW := vg.Length(W / float64(cols))
	y := top
	for r, hpx := range hs {
		rowH := vg.Length(availPt * hpx / sum)
		for k := r * cols; k < min((r+1)*cols, len(p.figs)); k++ {
			x := c.Min.X + vg.Length(k-r*cols)*cellW
			sub := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - rowH}, Max: vg.Point{X: x + cellW, Y: y},
			}}
			if err := p.figs[k].base().drawSafe(sub); err != nil {
				return fmt.Errorf("plotting: %s: panel %d: %w", p.kind, k, err)
			}
		}
		y -= rowH
	}
	return nil
}

// containsFigure reports whether f is target or (transitively) has it as a panel.
// Add refuses such panels, so the panel graph never has cycles and this terminates.
func containsFigure(f Figure, target *figBase) bool {
	if f.base() == target {
		return true
	}
	if pp, ok := f.(*PanelPlot); ok {
		for _, c := range pp.figs {
			if containsFigure(c, target) {
				return true
			}
		}
	}
	return false
}
