// Package plotting renders offline figures (SVG and PNG, no network, no
// JavaScript) for the dynlearn notebooks and command line tools.
//
// Every figure is built with a short builder chain and rendered with
// Show (inline in a GoNB notebook), Save (atomically, to .svg or .png),
// SVG or PNG:
//
//	fig := plotting.Line("Lorenz: x(t)", "t", "x").Add("true", ts, xs).Add("model", ts, ys, plotting.Dashed())
//	if err := fig.Show(); err != nil { ... }   // inline in GoNB; a no-op (with a one-time note) elsewhere
//	if err := fig.Save("out/x.svg"); err != nil { ... }
//
// Figure kinds:
//   - Line / Phase: 2D line plots, phase portraits (start markers, arrows),
//     log axes (LogX, LogY, LogLog), markers, dashed/dotted styles, legend.
//   - Trajectory3D: 3D trajectories projected with a chosen view (azimuth,
//     elevation) inside a drawn axes box with ticks, like a textbook figure.
//   - Heatmap: matrices with a sequential (Viridis) or diverging
//     (blue-white-red, symmetric around zero) colormap, a colour bar and
//     optional row/column labels and cell annotations.
//   - ImageGrid: a grid of small images with captions and one shared colour scale.
//   - Panels / Row: several figures side by side in one figure.
//   - LiveChart and Progress: throttled, in-place updating training charts and
//     progress bars (transient display in GoNB, compact text on a terminal).
//
// Training loops:
//
//	c := plotting.NewLiveChart("SINDy autoencoder training", "epoch", "loss").LogY()
//	defer c.Done() // final static chart stays in the saved notebook
//	bar := plotting.NewProgress(epochs, "training")
//	for ep := 1; ep <= epochs; ep++ {
//		...
//		c.Add("train", float64(ep), trainLoss)   // cheap; re-rendered at most every 0.5 s
//		bar.Update(ep, fmt.Sprintf("loss=%.3g", trainLoss))
//	}
//	bar.Done()
//
// In GoNB the live chart and the progress bar are transient output blocks
// (gonbui.UpdateHTML with a display id) updated in place; Done clears the
// block and adds a permanent output (gonbui.DisplayHTML). Outside a notebook
// they print compact lines to stderr. Call Done, or the notebook keeps the
// last transient state only.
//
// Show embeds the SVG as HTML (as gonbui.DisplaySVG does); figures whose SVG
// is larger than MaxInlineSVG (e.g. 3D trajectories with 10^5 points) are
// shown as a 2x PNG instead.
//
// Figures may be rendered from several goroutines, but a figure must not be
// modified while it is being rendered.
//
// Builder methods never panic: problems with the input (mismatched lengths,
// empty series, no finite values, ...) are recorded and returned by
// Show, Save, SVG and PNG. Non-finite values (NaN, ±Inf) in line series are
// skipped and break the line; non-positive values are skipped on log axes.
//
// Text (titles, labels, series names) accepts a tiny markup for
// superscripts and subscripts: "10^{-3}", "z_{1}", "ẋ_{2}".
//
// SVG output does not embed fonts by default (to keep notebooks small);
// the text is typeset with Liberation Sans metrics and the SVG asks the
// browser for "Liberation Sans", then the metric-compatible Arial and
// Helvetica, then any sans-serif font, so it renders offline everywhere.
// Set EmbedFonts to true for fully self-contained SVG files.
package plotting
