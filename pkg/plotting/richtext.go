package plotting

import (
	"math"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// richText is a text.Handler for plain text with "^{...}" superscripts and
// "_{...}" subscripts (one level, no nesting). Unmatched markup is drawn literally.
type richText struct {
	fonts *font.Cache
}

var richHandler text.Handler = richText{fonts: font.DefaultCache}

var _ text.Handler = richText{}

const (
	scriptScale = 0.7
	supShift    = 0.38 // in units of the font size
	subShift    = 0.16
)

// segment is a run of text at one script level: 0 normal, +1 superscript, -1 subscript.
type segment struct {
	txt   string
	level int
}

// parseRich splits a single line into segments.
func parseRich(s string) []segment {
	var segs []segment
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, segment{txt: cur.String()})
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (ch == '^' || ch == '_') && i+1 < len(s) && s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end >= 0 {
				flush()
				lvl := 1
				if ch == '_' {
					lvl = -1
				}
				if inner := s[i+2 : i+2+end]; inner != "" {
					segs = append(segs, segment{txt: inner, level: lvl})
				}
				i += 2 + end
				continue
			}
		}
		cur.WriteByte(ch)
	}
	flush()
	return segs
}

// stripRich returns s with the markup removed (for plain-text output).
func stripRich(s string) string {
	var b strings.Builder
	for _, seg := range parseRich(s) {
		b.WriteString(seg.txt)
	}
	return b.String()
}

func (h richText) Cache() *font.Cache { return h.fonts }

func (h richText) Extents(fnt font.Font) font.Extents {
	face := h.fonts.Lookup(fnt, fnt.Size)
	return face.Extents()
}

func (h richText) Lines(txt string) []string {
	txt = strings.TrimRight(txt, "\n")
	return strings.Split(txt, "\n")
}

func segFont(fnt font.Font, level int) font.Font {
	if level != 0 {
		fnt.Size = vg.Length(float64(fnt.Size) * scriptScale)
	}
	return fnt
}

func segShift(fnt font.Font, level int) vg.Length {
	switch {
	case level > 0:
		return vg.Length(supShift * float64(fnt.Size))
	case level < 0:
		return -vg.Length(subShift * float64(fnt.Size))
	}
	return 0
}

// Box implements text.Handler.
func (h richText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	ext := h.Extents(fnt)
	height, depth = ext.Ascent, ext.Descent
	for _, seg := range parseRich(txt) {
		f := segFont(fnt, seg.level)
		face := h.fonts.Lookup(f, f.Size)
		width += face.Width(seg.txt)
		if seg.level != 0 {
			e := h.Extents(f)
			sh := segShift(fnt, seg.level)
			height = max(height, sh+e.Ascent)
			depth = max(depth, e.Descent-sh)
		}
	}
	return width, height, depth
}

// Draw implements text.Handler.
func (h richText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if txt == "" {
		return
	}
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	lines := h.Lines(txt)
	e := h.Extents(sty.Font)
	linegap := e.Height - e.Ascent - e.Descent
	type lineBox struct{ w, hh, dd vg.Length }
	boxes := make([]lineBox, len(lines))
	var total vg.Length
	for i, line := range lines {
		w, hh, dd := h.Box(line, sty.Font)
		boxes[i] = lineBox{w, hh, dd}
		total += hh + dd
		if i > 0 {
			total += linegap
		}
	}
	top := pt.Y + vg.Length(sty.YAlign)*total + total
	y := top
	for i, line := range lines {
		b := boxes[i]
		if i > 0 {
			y -= linegap
		}
		base := y - b.hh
		x := pt.X + vg.Length(sty.XAlign)*b.w
		for _, seg := range parseRich(line) {
			f := segFont(sty.Font, seg.level)
			face := h.fonts.Lookup(f, f.Size)
			// SVG viewers collapse leading/trailing spaces of a <text>: position
			// the visible part explicitly instead.
			trimmed := strings.TrimLeft(seg.txt, " ")
			lead := face.Width(seg.txt[:len(seg.txt)-len(trimmed)])
			trimmed = strings.TrimRight(trimmed, " ")
			if trimmed != "" {
				c.FillString(face, vg.Point{X: x + lead, Y: base + segShift(sty.Font, seg.level)}, trimmed)
			}
			x += face.Width(seg.txt)
		}
		y = base - b.dd
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}
