// Package smooth holds smoothing filters for sampled signals: the Savitzky-Golay filter (a local
// least-squares polynomial fit on a sliding window), which also returns the derivatives of that
// local fit. Package led uses it to smooth latent trajectories and package sindy to differentiate
// noisy states.
package smooth
