package plotting

import (
	"image/color"
	"math"
)

// Colormap maps a value t in [0, 1] to a colour. Values outside [0, 1] are
// clamped; NaN maps to a neutral grey.
type Colormap struct {
	name  string
	stops []color.RGBA // evenly spaced anchors, linearly interpolated
}

// Name returns the colormap name.
func (m Colormap) Name() string { return m.name }

// At returns the colour at t in [0, 1].
func (m Colormap) At(t float64) color.RGBA {
	if math.IsNaN(t) || len(m.stops) == 0 {
		return nanColor
	}
	t = math.Max(0, math.Min(1, t))
	n := len(m.stops) - 1
	if n == 0 {
		return m.stops[0]
	}
	f := t * float64(n)
	i := int(math.Floor(f))
	if i >= n {
		return m.stops[n]
	}
	u := f - float64(i)
	a, b := m.stops[i], m.stops[i+1]
	lerp := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + u*(float64(y)-float64(x)))) }
	return color.RGBA{lerp(a.R, b.R), lerp(a.G, b.G), lerp(a.B, b.B), 0xff}
}

func hex(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

var (
	// Viridis is a perceptually uniform sequential colormap (dark purple -> yellow).
	Viridis = Colormap{name: "viridis", stops: []color.RGBA{
		hex(0x440154), hex(0x482475), hex(0x414487), hex(0x355f8d), hex(0x2a788e), hex(0x21918c),
		hex(0x22a884), hex(0x44bf70), hex(0x7ad151), hex(0xbddf26), hex(0xfde725),
	}}

	// BlueWhiteRed is a diverging colormap (ColorBrewer RdBu, reversed) whose
	// centre is pure white: blue for negative, white for zero, red for positive
	// values when used with a symmetric range.
	BlueWhiteRed = Colormap{name: "blue-white-red", stops: []color.RGBA{
		hex(0x2166ac), hex(0x4393c3), hex(0x92c5de), hex(0xd1e5f0), hex(0xffffff),
		hex(0xfddbc7), hex(0xf4a582), hex(0xd6604d), hex(0xb2182b),
	}}

	// Greys is a sequential colormap from white to black.
	Greys = Colormap{name: "greys", stops: []color.RGBA{hex(0xffffff), hex(0x000000)}}
)

// valueScale maps data values to [0, 1] for a colormap.
type valueScale struct {
	min, max float64
}

func (s valueScale) norm(v float64) float64 {
	if math.IsNaN(v) {
		return math.NaN()
	}
	if s.max <= s.min {
		return 0.5
	}
	return (v - s.min) / (s.max - s.min)
}

// finiteRange returns the min and max of the finite values and whether any were found.
func finiteRange(vals ...[]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range vals {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo = math.Min(lo, v)
			hi = math.Max(hi, v)
			ok = true
		}
	}
	return lo, hi, ok
}

// colorScale holds the resolved mapping of a colour-mapped figure.
type colorScale struct {
	cmap      Colormap
	scale     valueScale
	diverging bool
}

// scaleOptions are the colour-scale settings the image figures (heatmap, image grid) share: the colormap,
// whether the range is symmetric around zero, and the fixed ends of the range (NaN: taken from the data).
type scaleOptions struct {
	cmap       Colormap
	diverging  bool
	vmin, vmax float64
}

// defaultScale is Viridis over the range of the data.
func defaultScale() scaleOptions {
	return scaleOptions{cmap: Viridis, vmin: math.NaN(), vmax: math.NaN()}
}

// setDiverging selects the blue-white-red colormap with a range symmetric around zero.
func (o *scaleOptions) setDiverging() { o.cmap, o.diverging = BlueWhiteRed, true }

// setColormap selects cm; an empty colormap is recorded as the figure's error and changes nothing.
func (o *scaleOptions) setColormap(b *figBase, cm Colormap) {
	if len(cm.stops) == 0 {
		b.setErr("empty colormap")
		return
	}
	o.cmap = cm
}

// setRange fixes the ends of the range; an invalid range is recorded as the figure's error and changes nothing.
func (o *scaleOptions) setRange(b *figBase, min, max float64) {
	if b.checkRange("colour range", min, max) {
		o.vmin, o.vmax = min, max
	}
}

// resolveScale is resolveScale with these settings.
func (o *scaleOptions) resolveScale(data ...[]float64) (colorScale, bool) {
	return resolveScale(o.cmap, o.diverging, o.vmin, o.vmax, data...)
}

// resolveScale computes the value range for the given data.
// userMin/userMax are NaN when unset. For diverging maps the range is symmetric around zero.
func resolveScale(cmap Colormap, diverging bool, userMin, userMax float64, data ...[]float64) (colorScale, bool) {
	lo, hi, ok := finiteRange(data...)
	if !ok {
		return colorScale{}, false
	}
	if !math.IsNaN(userMin) {
		lo = userMin
	}
	if !math.IsNaN(userMax) {
		hi = userMax
	}
	if diverging && math.IsNaN(userMin) && math.IsNaN(userMax) {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		lo, hi = -m, m
	}
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.5, 0.5)
		lo, hi = lo-d, hi+d
	}
	return colorScale{cmap: cmap, scale: valueScale{lo, hi}, diverging: diverging}, true
}

func (cs colorScale) color(v float64) color.RGBA {
	if math.IsNaN(v) {
		return nanColor
	}
	return cs.cmap.At(cs.scale.norm(v))
}
