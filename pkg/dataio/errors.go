package dataio

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these, so callers can test the
// category with errors.Is.
var (
	// ErrFormat: a file that is not what its extension says or is malformed: bad magic string, .npy
	// header syntax error, unknown header keys, unreadable zip archive, CSV without a header row,
	// non-numeric CSV cells.
	ErrFormat = errors.New("dataio: malformed file")
	// ErrDType: an array dtype this package does not read or write (object arrays, integers, complex,
	// big-endian, structured dtypes). Only little-endian float32 and float64 are supported.
	ErrDType = errors.New("dataio: unsupported dtype")
	// ErrTruncated: a file that ends before its header or data does.
	ErrTruncated = errors.New("dataio: truncated file")
	// ErrShape: data whose size does not match its shape, an array of the wrong rank, ragged rows,
	// arrays of one trajectory whose lengths disagree.
	ErrShape = errors.New("dataio: shape mismatch")
	// ErrNonFinite: NaN or Inf where a finite number is required (states, derivatives, inputs, times),
	// or a value too large for float32 when writing float32.
	ErrNonFinite = errors.New("dataio: non-finite value")
	// ErrInvalid: a data set or argument that breaks a rule: no trajectories, times not strictly
	// increasing, no times and no step, duplicate or empty names, mismatched state counts, unsupported
	// file extension.
	ErrInvalid = errors.New("dataio: invalid data")
)
