package plotting

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// Figure is implemented by every figure of this package.
type Figure interface {
	// SVG renders the figure as a standalone SVG document.
	SVG() ([]byte, error)
	// PNG renders the figure as a PNG image of Width*PNGScale x Height*PNGScale pixels.
	PNG() ([]byte, error)
	// Save writes the figure to path; the format is chosen by the extension
	// (.svg or .png). The file is written atomically (temporary file + rename)
	// and missing parent directories are created.
	Save(path string) error
	// Show displays the figure inline in a GoNB notebook. Outside a notebook it
	// only checks that the figure renders and prints a one-time note to stderr.
	Show() error
	// Err returns the first error recorded while building the figure, if any.
	Err() error

	base() *figBase
}

var (
	// EmbedFonts makes SVG output embed the Liberation fonts (about 0.5 MB per
	// font face) instead of referring to them by name with fallbacks.
	EmbedFonts = false

	// PNGScale multiplies the pixel size of PNG output (use 2 for high-DPI files).
	PNGScale = 1.0

	// MaxInlineSVG is the SVG size in bytes above which Show displays a PNG
	// instead (e.g. very long trajectories), to keep notebooks small.
	MaxInlineSVG = 1 << 20
)

// drawer is implemented by each concrete figure.
type drawer interface {
	// drawFig draws the figure into c. It may panic on internal errors;
	// callers recover.
	drawFig(c draw.Canvas) error
	// autoHeight returns the natural height in px for the given width in px
	// (used when the user did not set a height), or 0 for the default.
	autoHeight(widthPx float64) float64
}

// figBase holds what all figures share: size, first error, and the drawer.
type figBase struct {
	kind   string
	width  float64 // px
	height float64 // px, 0 = automatic
	err    error
	self   drawer
}

func newBase(kind string, self drawer) figBase {
	return figBase{kind: kind, width: DefaultWidth, self: self}
}

func (b *figBase) base() *figBase { return b }

// setErr records the first error.
func (b *figBase) setErr(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("plotting: %s: %s", b.kind, fmt.Sprintf(format, args...))
	}
}

// checkRange records an error ("invalid <what> [lo, hi]") unless lo < hi are both finite, and says whether
// they are.
func (b *figBase) checkRange(what string, lo, hi float64) bool {
	if !isFinite(lo) || !isFinite(hi) || !(lo < hi) {
		b.setErr("invalid %s [%g, %g]", what, lo, hi)
		return false
	}
	return true
}

// checkLegend records an error unless pos is a legend position, and says whether it is.
func (b *figBase) checkLegend(pos LegendPos) bool {
	if pos < LegendBest || pos > LegendNone {
		b.setErr("invalid legend position %d", pos)
		return false
	}
	return true
}

func (b *figBase) setSize(w, h int) {
	if w <= 0 || h < 0 || w > 20000 || h > 20000 {
		b.setErr("invalid size %dx%d px (width must be in 1..20000, height in 0..20000, 0 = automatic)", w, h)
		return
	}
	b.width, b.height = float64(w), float64(h)
}

// Err returns the first error recorded while building the figure.
func (b *figBase) Err() error { return b.err }

// sizePx returns the resolved size in px.
func (b *figBase) sizePx() (w, h float64) {
	w, h = b.width, b.height
	if h <= 0 {
		h = b.self.autoHeight(w)
		if h <= 0 {
			h = w * DefaultHeight / DefaultWidth
		}
	}
	return w, h
}

// drawSafe draws the figure, converting panics into errors.
func (b *figBase) drawSafe(c draw.Canvas) (err error) {
	if b.err != nil {
		return b.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plotting: %s: rendering failed: %v", b.kind, r)
		}
	}()
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	return b.self.drawFig(c)
}

var (
	fontFamilyRe = regexp.MustCompile(`font-family:Liberation (Sans|Serif|Mono);`)
	svgHeaderRe  = regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
)

// SVG renders the figure as an SVG document.
func (b *figBase) SVG() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	w, h := b.sizePx()
	cv := vgsvg.NewWith(vgsvg.UseWH(px(w), px(h)), vgsvg.EmbedFonts(EmbedFonts))
	if err := b.drawSafe(draw.New(cv)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plotting: %s: writing SVG: %w", b.kind, err)
	}
	return postProcessSVG(buf.Bytes()), nil
}

// postProcessSVG adds font fallbacks, fixes the embedded image MIME type and
// makes the SVG shrink to fit narrow containers.
func postProcessSVG(svg []byte) []byte {
	s := string(svg)
	if !EmbedFonts {
		s = fontFamilyRe.ReplaceAllStringFunc(s, func(m string) string {
			v := fontFamilyRe.FindStringSubmatch(m)[1]
			fb := map[string]string{
				"Sans":  "Arial,Helvetica,sans-serif",
				"Serif": "'Times New Roman',Times,serif",
				"Mono":  "'Courier New',Courier,monospace",
			}[v]
			return "font-family:'Liberation " + v + "'," + fb + ";"
		})
	}
	s = strings.ReplaceAll(s, "data:image/jpg;base64,", "data:image/png;base64,")
	// Images (heatmaps, colour bars) fill their rectangle exactly, with crisp pixels.
	s = strings.ReplaceAll(s, "<image ", `<image preserveAspectRatio="none" style="image-rendering:pixelated" `)
	s = strings.Replace(s, "<svg ", `<svg style="max-width:100%;height:auto" `, 1)
	return []byte(s)
}

// PNG renders the figure as a PNG image.
func (b *figBase) PNG() ([]byte, error) {
	return b.pngScaled(PNGScale)
}

func (b *figBase) pngScaled(scale float64) ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	if !(scale > 0) || scale > 16 {
		return nil, fmt.Errorf("plotting: %s: invalid PNG scale %g (want 0 < scale <= 16)", b.kind, scale)
	}
	w, h := b.sizePx()
	dpi := int(96*scale + 0.5)
	cv := vgimg.NewWith(vgimg.UseWH(px(w), px(h)), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	if err := b.drawSafe(draw.New(cv)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plotting: %s: encoding PNG: %w", b.kind, err)
	}
	return buf.Bytes(), nil
}

// Save writes the figure to path (.svg or .png) atomically.
func (b *figBase) Save(path string) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		data, err = b.SVG()
	case ".png":
		data, err = b.PNG()
	default:
		return fmt.Errorf("plotting: %s: saving %q: unsupported extension (want .svg or .png)", b.kind, path)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("plotting: %s: saving %q: %w", b.kind, path, err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file in the directory of path and renames it
// (diskcache.WriteFile, which also removes the temporary files of killed earlier writers).
func writeFileAtomic(path string, data []byte) error {
	return diskcache.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Show displays the figure in a GoNB notebook.
func (b *figBase) Show() error {
	html, err := b.inlineHTML()
	if err != nil {
		return err
	}
	if !display.IsNotebook() {
		noteNotNotebook()
		return nil
	}
	display.DisplayHTML(html)
	display.Sync()
	if err := display.Err(); err != nil {
		return fmt.Errorf("plotting: %s: displaying in notebook: %w", b.kind, err)
	}
	return nil
}

// inlineHTML returns the HTML snippet used to show the figure: the SVG, or a
// 2x PNG <img> when the SVG is larger than MaxInlineSVG.
func (b *figBase) inlineHTML() (string, error) {
	svg, err := b.SVG()
	if err != nil {
		return "", err
	}
	if len(svg) <= MaxInlineSVG {
		return "<div>" + string(svgHeaderRe.ReplaceAll(svg, nil)) + "</div>", nil
	}
	return b.pngHTML(2)
}

// pngHTML renders the figure as an <img> with an embedded PNG data URL at
// the given pixel scale, displayed at the figure's CSS size.
func (b *figBase) pngHTML(scale float64) (string, error) {
	data, err := b.pngScaled(scale)
	if err != nil {
		return "", err
	}
	w, _ := b.sizePx()
	return fmt.Sprintf(`<div><img style="max-width:100%%;height:auto" width="%d" src="data:image/png;base64,%s"/></div>`,
		int(w), base64.StdEncoding.EncodeToString(data)), nil
}

var noteOnce sync.Once

func noteNotNotebook() {
	noteOnce.Do(func() {
		fmt.Fprintln(os.Stderr, "plotting: not running in a GoNB notebook, Show() displays nothing (use Save to write a file)")
	})
}

// errNoData is wrapped by errors about figures without any drawable data.
var errNoData = errors.New("no drawable data")
