package plotting

import (
	"errors"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLineSVGAndPNG(t *testing.T) {
	x, y1 := sinData(200, 0)
	_, y2 := sinData(200, 0.5)
	fig := Line("Lorenz: x(t)", "t", "x").Add("true", x, y1).Add("model", x, y2, Dashed())
	doc := mustSVG(t, fig)
	for _, want := range []string{"Lorenz: x(t)", "true", "model", "t", "x"} {
		if !doc.hasText(want) {
			t.Errorf("SVG has no <text> %q; texts: %q", want, doc.texts)
		}
	}
	// grid lines, axes, the two series, legend samples...
	if doc.counts["path"] < 10 {
		t.Errorf("SVG has only %d paths", doc.counts["path"])
	}
	if !strings.Contains(doc.raw, "stroke-dasharray") {
		t.Errorf("dashed series has no stroke-dasharray")
	}
	if !strings.Contains(doc.raw, "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;") {
		t.Errorf("SVG lacks font fallbacks")
	}
	if strings.Contains(doc.raw, "@font-face") {
		t.Errorf("fonts embedded although EmbedFonts is false")
	}
	// Default size 800 x 480 (auto height 0.6 * width).
	img := mustPNG(t, fig, 800, 480)
	if n := countColor(img, PaletteColor(0), 10); n < 200 {
		t.Errorf("PNG has only %d pixels of the first series colour", n)
	}
	if n := countColor(img, PaletteColor(1), 10); n < 200 {
		t.Errorf("PNG has only %d pixels of the second series colour", n)
	}
	img = mustPNG(t, fig.Size(400, 300), 400, 300)
	_ = img
}

func TestEmbedFonts(t *testing.T) {
	EmbedFonts = true
	defer func() { EmbedFonts = false }()
	x, y := sinData(10, 0)
	doc := mustSVG(t, Line("t", "", "").Add("a", x, y))
	if !strings.Contains(doc.raw, "@font-face") || !strings.Contains(doc.raw, "data:font/ttf;") {
		t.Fatalf("EmbedFonts: SVG has no embedded font")
	}
}

func TestPNGScale(t *testing.T) {
	PNGScale = 2
	defer func() { PNGScale = 1 }()
	x, y := sinData(10, 0)
	mustPNG(t, Line("t", "", "").Add("a", x, y).Size(300, 200), 600, 400)
}

func TestLogLogConvergence(t *testing.T) {
	var h, e []float64
	for k := 1; k <= 8; k++ {
		hk := math.Pow(2, -float64(k))
		h = append(h, hk)
		e = append(e, hk*hk*hk*hk)
	}
	// A non-positive error (e.g. exact result) must be skipped, not crash the log axis.
	h = append(h, 1e-4)
	e = append(e, 0)
	fig := Line("Convergence", "h", "error").LogLog().Markers().Add("RK4", h, e)
	doc := mustSVG(t, fig)
	// Decade labels are written as 10 with a superscript exponent: "10" + "−2" (y spans 16 decades).
	// x: the h=1e-4 point is skipped with its zero error, so x spans 1/256..1/2, under three decades,
	// labelled with the 1-2-5 sequence.
	for _, want := range []string{"10", "−2", "−10", "0.005", "0.01", "0.02", "0.5"} {
		if !doc.hasText(want) {
			t.Errorf("log axes lack label text %q; texts %q", want, doc.texts)
		}
	}
	// 8 markers, drawn as circles (paths).
	mustPNG(t, fig, 800, 480)

	if _, err := Line("bad", "", "").LogY().Add("neg", []float64{1, 2}, []float64{-1, 0}).SVG(); err == nil ||
		!strings.Contains(err.Error(), "log") {
		t.Errorf("all non-positive values on a log axis: got err %v, want an error mentioning log", err)
	}
}

func TestPhasePortrait(t *testing.T) {
	n := 400
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		tt := float64(i) * 0.05
		x[i], y[i] = math.Exp(-0.1*tt)*math.Cos(tt), -math.Exp(-0.1*tt)*math.Sin(tt)
	}
	fig := Phase("Damped oscillator", "x", "v").Add("orbit", x, y).EqualAspect()
	doc := mustSVG(t, fig)
	if !doc.hasText("Damped oscillator") || !doc.hasText("orbit") {
		t.Errorf("missing title/legend; texts %q", doc.texts)
	}
	withDecor := doc.counts["path"]
	plain := mustSVG(t, Phase("Damped oscillator", "x", "v").Add("orbit", x, y, Arrows(0), StartMarker(false)).EqualAspect())
	// Arrows (2) and the start marker (2 circles) add paths.
	if withDecor < plain.counts["path"]+3 {
		t.Errorf("phase portrait decorations missing: %d paths with, %d without", withDecor, plain.counts["path"])
	}
	mustPNG(t, fig, 800, 600)
}

func TestNaNBreaksLine(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5}
	y := []float64{0, 1, math.NaN(), 3, math.Inf(1), 5}
	doc := mustSVG(t, Line("gaps", "", "").NoGrid().Legend(LegendNone).Add("s", x, y))
	// Runs: [0,1] line, [3] single dot, [5] single dot.
	withGaps := doc.counts["path"]
	doc2 := mustSVG(t, Line("gaps", "", "").NoGrid().Legend(LegendNone).Add("s", x, []float64{0, 1, 2, 3, 4, 5}))
	if withGaps != doc2.counts["path"]+2 {
		t.Errorf("NaN handling: %d paths with gaps, %d without (want +2: one line and two dots instead of one line)", withGaps, doc2.counts["path"])
	}
}

func TestTrajectory3D(t *testing.T) {
	n := 3000
	x, y, z := make([]float64, n), make([]float64, n), make([]float64, n)
	px, py, pz := -8.0, 7.0, 27.0
	dt := 0.005
	for i := range n {
		x[i], y[i], z[i] = px, py, pz
		dx, dy, dz := 10*(py-px), px*(28-pz)-py, px*py-8.0/3*pz
		px, py, pz = px+dt*dx, py+dt*dy, pz+dt*dz
	}
	fig := Trajectory3D("Lorenz attractor", "x", "y", "z").Add("traj", x, y, z).View(-60, 30)
	doc := mustSVG(t, fig)
	for _, want := range []string{"Lorenz attractor", "x", "y", "z", "traj", "20"} {
		if !doc.hasText(want) {
			t.Errorf("3D SVG has no text %q; texts %q", want, doc.texts)
		}
	}
	img := mustPNG(t, fig, 800, 640)
	if n := countColor(img, PaletteColor(0), 30); n < 500 {
		t.Errorf("trajectory barely visible: %d pixels", n)
	}
	// pane colour present
	if n := countColor(img, hex(0xf2f2f2), 2); n < 1000 {
		t.Errorf("back panes missing: %d pixels", n)
	}
	// Different views give different pictures.
	a, _ := fig.SVG()
	b, _ := Trajectory3D("Lorenz attractor", "x", "y", "z").Add("traj", x, y, z).View(30, 10).SVG()
	if string(a) == string(b) {
		t.Errorf("View had no effect")
	}
}

func TestProjector(t *testing.T) {
	// Looking straight down (elevation 90, azimuth -90): x to the right, y up.
	pr := newProjector(-90, 90)
	sx, sy := pr.raw(vec3{1, 0, 0})
	if math.Abs(sx-1) > 1e-12 || math.Abs(sy) > 1e-12 {
		t.Errorf("x axis projects to (%g, %g), want (1, 0)", sx, sy)
	}
	sx, sy = pr.raw(vec3{0, 1, 0})
	if math.Abs(sx) > 1e-12 || math.Abs(sy-1) > 1e-12 {
		t.Errorf("y axis projects to (%g, %g), want (0, 1)", sx, sy)
	}
	// Side view (elevation 0): z is up.
	pr = newProjector(-60, 0)
	if _, sy := pr.raw(vec3{0, 0, 1}); math.Abs(sy-1) > 1e-12 {
		t.Errorf("z projects to sy=%g, want 1", sy)
	}
	// The basis is orthonormal.
	for _, v := range [][2]vec3{{pr.right, pr.up}, {pr.right, pr.view}, {pr.up, pr.view}} {
		if d := dot3(v[0], v[1]); math.Abs(d) > 1e-12 {
			t.Errorf("basis not orthogonal: %g", d)
		}
	}
}

func TestDivergingColorMapping(t *testing.T) {
	data := [][]float64{{-3, 0, 1.5}, {3, 0, -1}}
	cs, ok := resolveScale(BlueWhiteRed, true, math.NaN(), math.NaN(), data...)
	if !ok {
		t.Fatal("no scale")
	}
	if cs.scale.min != -3 || cs.scale.max != 3 {
		t.Errorf("diverging range [%g, %g], want symmetric [-3, 3]", cs.scale.min, cs.scale.max)
	}
	if c := cs.color(0); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("0 maps to %v, want white", c)
	}
	red, blue := cs.color(3), cs.color(-3)
	if !(int(red.R) > int(red.G)+80 && int(red.R) > int(red.B)+80) {
		t.Errorf("+max maps to %v, want red", red)
	}
	if !(int(blue.B) > int(blue.R)+80 && int(blue.B) > int(blue.G)+40) {
		t.Errorf("-max maps to %v, want blue", blue)
	}
	// Symmetry: same lightness at +-v.
	if l1, l2 := luminance(cs.color(1.5)), luminance(cs.color(-1.5)); math.Abs(l1-l2) > 0.12 {
		t.Errorf("diverging map not roughly symmetric in lightness: %g vs %g", l1, l2)
	}
	if c := cs.color(math.NaN()); c != nanColor {
		t.Errorf("NaN maps to %v, want %v", c, nanColor)
	}
	if c := cs.color(100); c != cs.color(3) {
		t.Errorf("values beyond the range are not clamped")
	}
}

func TestViridis(t *testing.T) {
	if Viridis.At(0) != hex(0x440154) || Viridis.At(1) != hex(0xfde725) {
		t.Errorf("viridis endpoints %v %v", Viridis.At(0), Viridis.At(1))
	}
	prev := -1.0
	for i := 0; i <= 20; i++ {
		l := luminance(Viridis.At(float64(i) / 20))
		if l < prev-1e-9 {
			t.Errorf("viridis lightness not increasing at %d: %g < %g", i, l, prev)
		}
		prev = l
	}
}

func TestHeatmapPixels(t *testing.T) {
	fig := Heatmap("coef", [][]float64{{-2, 0, 2}}).Diverging().CellLines(false).Size(600, 300)
	img := mustPNG(t, fig, 600, 300)
	for name, c := range map[string]color.RGBA{"blue": BlueWhiteRed.At(0), "red": BlueWhiteRed.At(1)} {
		if n := countColor(img, c, 1); n < 2000 {
			t.Errorf("%s cell: only %d pixels of %v", name, n, c)
		}
	}
}

func TestHeatmapLabelsAndAnnotations(t *testing.T) {
	terms := []string{"1", "z_{1}", "z_{1} z_{2}"}
	m := [][]float64{{0, 0.5}, {-10, 0}, {0, 28}}
	fig := Heatmap("Ξ", m).Diverging().RowLabels(terms...).ColLabels("ż_{1}", "ż_{2}").Annotate("%.3g").ColorbarLabel("value")
	doc := mustSVG(t, fig)
	for _, want := range []string{"Ξ", "1", "z", "ż", "−10", "28", "0.5", "value"} {
		if !doc.hasText(want) {
			t.Errorf("heatmap SVG has no text %q; texts %q", want, doc.texts)
		}
	}
	// the matrix image and the colour bar image
	if doc.counts["image"] != 2 {
		t.Errorf("heatmap has %d images, want 2", doc.counts["image"])
	}
	if !strings.Contains(doc.raw, "data:image/png;base64,") {
		t.Errorf("embedded images are not labelled as PNG")
	}
	if strings.Count(doc.raw, `preserveAspectRatio="none"`) != 2 {
		t.Errorf("images would be letterboxed by SVG viewers (no preserveAspectRatio=none)")
	}
	mustPNG(t, fig, 800, fig.base().sizePxInt())

	// Sequential with extent and flat input.
	flat := make([]float64, 20*30)
	for i := range flat {
		flat[i] = float64(i % 30)
	}
	fig2 := HeatmapFlat("field", 20, 30, flat).Extent(0, 3, 0, 2).OriginLower().Labels("x", "y").EqualAspect()
	doc = mustSVG(t, fig2)
	if !doc.hasText("field") || !doc.hasText("x") {
		t.Errorf("texts %q", doc.texts)
	}
}

func (b *figBase) sizePxInt() int { _, h := b.sizePx(); return int(h) }

func TestImageGrid(t *testing.T) {
	g := ImageGrid("frames", 3)
	for k := range 5 {
		img := make([][]float64, 8)
		for i := range img {
			img[i] = make([]float64, 10)
			for j := range img[i] {
				img[i][j] = float64(k*i + j)
			}
		}
		g.Add("frame "+string(rune('A'+k)), img)
	}
	doc := mustSVG(t, g)
	for _, want := range []string{"frames", "frame A", "frame E"} {
		if !doc.hasText(want) {
			t.Errorf("grid SVG has no text %q", want)
		}
	}
	if doc.counts["image"] != 6 {
		t.Errorf("grid has %d images, want 5 frames + 1 colour bar", doc.counts["image"])
	}
	_, h := g.sizePx()
	mustPNG(t, g, 800, int(h))
	// Shared scale: the largest value (k=4) sets the top of the range.
	cs, _ := resolveScale(g.cmap, false, math.NaN(), math.NaN(), g.items[4].data...)
	if cs.scale.max != 4*7+9 {
		t.Errorf("max %g", cs.scale.max)
	}
}

func TestPanels(t *testing.T) {
	x, y := sinData(50, 0)
	a := Line("left panel", "t", "x").Add("a", x, y)
	b := Heatmap("right panel", [][]float64{{1, 2}, {3, 4}})
	fig := Panels("true vs predicted", 2, a, b)
	doc := mustSVG(t, fig)
	for _, want := range []string{"true vs predicted", "left panel", "right panel"} {
		if !doc.hasText(want) {
			t.Errorf("panels SVG has no text %q", want)
		}
	}
	_, h := fig.sizePx()
	mustPNG(t, fig, 800, int(h))
	// Errors of a panel propagate.
	bad := Line("bad", "", "").Add("a", []float64{1}, nil)
	if _, err := Row(a, bad).SVG(); err == nil || !strings.Contains(err.Error(), "len(x)=1 != len(y)=0") {
		t.Errorf("panel error not propagated: %v", err)
	}
	// A figure nested in itself is an error, not a stack overflow.
	p := Row(a)
	q := Row(p)
	p.Add(q)
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "contain itself") {
		t.Errorf("self-nesting: %v", err)
	}
	if _, err := p.SVG(); err == nil || !strings.Contains(err.Error(), "contain itself") {
		t.Errorf("self-nesting: %v", err)
	}
}

func TestBadInputErrors(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		fig  Figure
		want string
	}{
		{"mismatched", Line("", "", "").Add("s", []float64{1, 2}, []float64{1}), "len(x)=2 != len(y)=1"},
		{"empty series", Line("", "", "").Add("s", nil, nil), "empty"},
		{"all NaN", Line("", "", "").Add("s", []float64{nan, 1}, []float64{1, nan}), "no finite points"},
		{"no series", Line("t", "", ""), "no series"},
		{"bad size", Line("", "", "").Size(-1, 10), "invalid size"},
		{"bad xlim", Line("", "", "").XLim(2, 1), "invalid x limits"},
		{"bad legend", Line("", "", "").Legend(LegendPos(99)), "invalid legend"},
		{"3D lengths", Trajectory3D("", "", "", "").Add("s", []float64{1}, []float64{1, 2}, []float64{1}), "lengths differ"},
		{"3D view", Trajectory3D("", "", "", "").View(0, 100), "invalid view"},
		{"3D empty", Trajectory3D("", "", "", ""), "no series"},
		{"ragged", Heatmap("", [][]float64{{1, 2}, {3}}), "ragged"},
		{"empty matrix", Heatmap("", nil), "empty matrix"},
		{"NaN matrix", Heatmap("", [][]float64{{nan}}), "no finite values"},
		{"flat shape", HeatmapFlat("", 2, 3, []float64{1, 2}), "needs 6 values, got 2"},
		{"row labels", Heatmap("", [][]float64{{1}, {2}}).RowLabels("a"), "1 row labels for 2 rows"},
		{"bad range", Heatmap("", [][]float64{{1}}).Range(1, 1), "invalid colour range"},
		{"grid empty", ImageGrid("", 2), "no images"},
		{"grid ragged", ImageGrid("", 2).Add("a", [][]float64{{1}, {}}), "ragged"},
		{"panels empty", Panels("", 2), "no panels"},
		{"nil panel", Panels("", 2, nil), "nil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.fig.SVG()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			if _, err2 := tc.fig.PNG(); err2 == nil {
				t.Fatalf("PNG succeeded although SVG failed")
			}
			if err := tc.fig.Save(filepath.Join(t.TempDir(), "x.svg")); err == nil {
				t.Fatalf("Save succeeded")
			}
		})
	}
	if _, err := Line("t", "", "").SVG(); !errors.Is(err, errNoData) {
		t.Errorf("no-data error does not wrap errNoData: %v", err)
	}
}

func TestNoPanicOnOddInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	figs := []Figure{
		Line("", "", "").Add("one point", []float64{1}, []float64{2}),
		Line("", "", "").Add("constant", []float64{1, 1, 1}, []float64{2, 2, 2}),
		Line("", "", "").LogLog().Add("tiny", []float64{1e-300, 1e300}, []float64{1e-300, 1e300}),
		Line("", "", "").Add("huge", []float64{-1e308, 1e308}, []float64{0, 1}),
		Line("", "", "").Add("inf", []float64{0, 1, 2}, []float64{inf, 1, -inf}).Markers(),
		Line("", "", "").EqualAspect().Add("flat", []float64{0, 1}, []float64{0, 0}),
		Phase("", "", "").Add("point", []float64{0}, []float64{0}).Add("", []float64{0, 0}, []float64{0, 0}),
		Trajectory3D("", "", "", "").Add("pt", []float64{1}, []float64{1}, []float64{1}),
		Trajectory3D("", "", "", "").Add("nan", []float64{1, nan, 2}, []float64{1, 2, 3}, []float64{0, 0, 0}).View(0, 90),
		Heatmap("", [][]float64{{5}}).Diverging(),
		Heatmap("", [][]float64{{0, 0}, {0, 0}}).Diverging().Annotate(""),
		Heatmap("", [][]float64{{nan, 1}, {inf, -inf}}).Annotate("%.1f"),
		Line("", "", "").Size(10, 10).Add("s", []float64{0, 1}, []float64{0, 1}),
		Trajectory3D("", "", "", "").Size(20, 20).Add("s", []float64{0, 1}, []float64{0, 1}, []float64{0, 1}),
		ImageGrid("", 0).Add("", [][]float64{{1}}).Size(30, 30),
	}
	for i, f := range figs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("figure %d panicked: %v", i, r)
				}
			}()
			_, err := f.SVG() // errors are fine, panics are not
			t.Logf("figure %d: %v", i, err)
			_, _ = f.PNG()
		}()
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	x, y := sinData(20, 0)
	fig := Line("t", "x", "y").Add("a", x, y)
	for _, name := range []string{"sub/dir/a.svg", "b.PNG"} {
		p := filepath.Join(dir, name)
		if err := fig.Save(p); err != nil {
			t.Fatalf("Save(%s): %v", name, err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".svg") {
			parseSVG(t, data)
		} else {
			decodePNG(t, data, 800, 480)
		}
	}
	// Overwrite an existing file.
	if err := fig.Save(filepath.Join(dir, "b.PNG")); err != nil {
		t.Fatal(err)
	}
	if err := fig.Save(filepath.Join(dir, "c.pdf")); err == nil || !strings.Contains(err.Error(), "unsupported extension") {
		t.Errorf("Save(.pdf): %v", err)
	}
	if err := Line("bad", "", "").Save(filepath.Join(dir, "bad.svg")); err == nil {
		t.Errorf("Save of a bad figure succeeded")
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	want := map[string]bool{"sub/dir/a.svg": true, "b.PNG": true}
	if len(files) != len(want) {
		t.Fatalf("files after Save: %q (temporary files left behind?)", files)
	}
	for _, f := range files {
		if !want[f] {
			t.Errorf("unexpected file %q", f)
		}
	}
	// A directory in the way of the target: error, and no temporary file left.
	if err := os.Mkdir(filepath.Join(dir, "d.svg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fig.Save(filepath.Join(dir, "d.svg")); err == nil {
		t.Errorf("Save over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestShow(t *testing.T) {
	x, y := sinData(20, 0)
	fig := Line("shown", "x", "y").Add("a", x, y)

	fd, _ := useFakeDisplay(t, false)
	if err := fig.Show(); err != nil {
		t.Fatal(err)
	}
	if len(fd.snapshot()) != 0 {
		t.Errorf("Show outside a notebook displayed something")
	}
	if err := Line("bad", "", "").Show(); err == nil {
		t.Errorf("Show of a bad figure returned nil outside a notebook")
	}

	fd.nb = true
	if err := fig.Show(); err != nil {
		t.Fatal(err)
	}
	calls := fd.snapshot()
	if len(calls) != 1 || calls[0].kind != "display" || !strings.HasPrefix(calls[0].html, "<div><svg") {
		t.Fatalf("Show in notebook: %+v", calls)
	}
	// Large figures are shown as PNG.
	old := MaxInlineSVG
	MaxInlineSVG = 100
	defer func() { MaxInlineSVG = old }()
	if err := fig.Show(); err != nil {
		t.Fatal(err)
	}
	calls = fd.snapshot()
	if !strings.Contains(calls[1].html, `<img`) || !strings.Contains(calls[1].html, "data:image/png;base64,") {
		t.Errorf("large figure not shown as PNG: %.100s", calls[1].html)
	}
}

func TestConvert(t *testing.T) {
	if got := Float64s([]float32{1.5, -2}); got[0] != 1.5 || got[1] != -2 {
		t.Errorf("Float64s: %v", got)
	}
	col := Column([][]int{{1, 2}, {3}}, 1)
	if col[0] != 2 || !math.IsNaN(col[1]) {
		t.Errorf("Column: %v", col)
	}
	if r := Range(0, 1, 5); len(r) != 5 || r[4] != 1 || r[1] != 0.25 {
		t.Errorf("Range: %v", r)
	}
	if Range(0, 1, 0) != nil || len(Range(3, 1, 1)) != 1 {
		t.Errorf("Range edge cases")
	}
}

// A scatter plot (Points) draws every point; markers on a line are thinned to about 30.
func TestScatterDrawsEveryPoint(t *testing.T) {
	x, y := sinData(200, 0)
	base := mustSVG(t, Line("s", "", "").Add("a", x[:1], y[:1], Points())).counts["path"]
	scatter := mustSVG(t, Line("s", "", "").Add("a", x, y, Points())).counts["path"] - base
	// (The axes of the two figures differ by a few tick paths.)
	if scatter < 190 {
		t.Errorf("scatter of 200 points drew %d more paths than one point, want about 199", scatter)
	}
	withLine := mustSVG(t, Line("s", "", "").Add("a", x, y, Markers())).counts["path"] - base
	if withLine > 60 {
		t.Errorf("line with markers drew %d extra paths for 200 points, want thinning to about 30", withLine)
	}
}
