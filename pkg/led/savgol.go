package led

import "github.com/dynlearn/dynlearn/pkg/smooth"

// SavGol is the Savitzky-Golay filter of package smooth (kept here so LED code and notebooks keep
// writing led.SavGol): each point is replaced by the value at that point of the least-squares
// polynomial of degree Order fitted to the Window points centred on it.
type SavGol = smooth.SavGol

// EdgeMode selects how SavGol treats the first and last Window/2 points (see package smooth).
type EdgeMode = smooth.EdgeMode

const (
	// EdgeInterp evaluates the fit of the first (last) full window at the edge points, as scipy's
	// savgol_filter mode "interp".
	EdgeInterp = smooth.EdgeInterp
	// EdgeMirror pads the series with values mirrored around its end values (the PACS report's
	// SciPy-cookbook routine) and applies the central filter everywhere.
	EdgeMirror = smooth.EdgeMirror
)

// NewSavGol returns the filter for a window length and polynomial order (smooth.NewSavGol), or an
// error if the window is even, shorter than Order+1, or Order < 0.
func NewSavGol(window, order int, edges EdgeMode) (*SavGol, error) {
	return smooth.NewSavGol(window, order, edges)
}
