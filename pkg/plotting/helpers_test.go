package plotting

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
)

// svgDoc is a summary of a parsed SVG document.
type svgDoc struct {
	root   string
	counts map[string]int
	texts  []string // character data of <text> elements, in order
	raw    string
}

func (d svgDoc) hasText(s string) bool {
	for _, t := range d.texts {
		if t == s {
			return true
		}
	}
	return false
}

// allText joins all text runs (rich text is split into several <text> elements).
func (d svgDoc) allText() string { return strings.Join(d.texts, "") }

func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	doc := svgDoc{counts: map[string]int{}, raw: string(data)}
	depthText := 0
	var cur strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid SVG XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if doc.root == "" {
				doc.root = el.Name.Local
			}
			doc.counts[el.Name.Local]++
			if el.Name.Local == "text" {
				depthText++
				cur.Reset()
			}
		case xml.CharData:
			if depthText > 0 {
				cur.Write(el)
			}
		case xml.EndElement:
			if el.Name.Local == "text" {
				depthText--
				doc.texts = append(doc.texts, cur.String())
			}
		}
	}
	if doc.root != "svg" {
		t.Fatalf("SVG root element is %q, want svg", doc.root)
	}
	return doc
}

// decodePNG decodes a PNG and checks its size and that it is not uniform.
func decodePNG(t *testing.T, data []byte, wantW, wantH int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("invalid PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("PNG size %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	colors := map[color.RGBA]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			colors[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	if len(colors) < 5 {
		t.Fatalf("PNG looks uniform: only %d distinct colours", len(colors))
	}
	return img
}

// countColor counts pixels within tol (per channel) of c.
func countColor(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if absDiff(p.R, c.R) <= tol && absDiff(p.G, c.G) <= tol && absDiff(p.B, c.B) <= tol {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func mustSVG(t *testing.T, f Figure) svgDoc {
	t.Helper()
	data, err := f.SVG()
	if err != nil {
		t.Fatalf("SVG: %v", err)
	}
	return parseSVG(t, data)
}

func mustPNG(t *testing.T, f Figure, w, h int) image.Image {
	t.Helper()
	data, err := f.PNG()
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	return decodePNG(t, data, w, h)
}

func sinData(n int, phase float64) (x, y []float64) {
	x = Range(0, 2*math.Pi, n)
	y = make([]float64, n)
	for i := range x {
		y[i] = math.Sin(x[i] + phase)
	}
	return
}

// fakeDisplay records what would be sent to the notebook.
type fakeDisplay struct {
	mu    sync.Mutex
	nb    bool
	calls []displayCall
	ids   int
}

type displayCall struct {
	kind string // "display" or "update"
	id   string
	html string
}

func (f *fakeDisplay) IsNotebook() bool { return f.nb }
func (f *fakeDisplay) DisplayHTML(html string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, displayCall{kind: "display", html: html})
}
func (f *fakeDisplay) UpdateHTML(id, html string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, displayCall{kind: "update", id: id, html: html})
}
func (f *fakeDisplay) UniqueID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids++
	return fmt.Sprintf("id%d", f.ids)
}
func (f *fakeDisplay) Err() error { return nil }

func (f *fakeDisplay) Sync() {}

func (f *fakeDisplay) snapshot() []displayCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]displayCall(nil), f.calls...)
}

// useFakeDisplay installs a fake front-end and a buffer for stderr output for the test.
func useFakeDisplay(t *testing.T, notebook bool) (*fakeDisplay, *syncBuffer) {
	t.Helper()
	fd := &fakeDisplay{nb: notebook}
	buf := &syncBuffer{}
	oldD, oldS := display, stderr
	display, stderr = fd, buf
	t.Cleanup(func() { display, stderr = oldD, oldS })
	return fd, buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
