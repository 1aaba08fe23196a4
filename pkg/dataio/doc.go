// Package dataio reads and writes the data files a dynlearn user brings or takes away: NumPy's .npy and
// .npz files, CSV tables with a header row, and data sets of sampled trajectories built on them.
//
// It owns three layers:
//
//   - Arrays: an Array is an n-dimensional float array (Shape, Data in C order, and the float32/float64
//     dtype and memory order it was read with or is to be written with). ReadNPY/WriteNPY and
//     ReadNPYFile/WriteNPYFile handle one .npy array (little-endian float32 and float64, C and Fortran
//     order, format versions 1.0, 2.0 and 3.0, any rank); ReadNPZ/WriteNPZ handle an .npz archive of
//     named arrays, stored or deflate-compressed as np.savez and np.savez_compressed write them.
//     FromMatrix, FromVector and Array.ToMatrix convert between Arrays and [][]float64.
//   - Tables: ReadCSV/WriteCSV handle a numeric CSV table with a header row (Table).
//   - Data sets: a Dataset is a list of sindy.Trajectory with state and input names. Load reads one from
//     an .npz, .npy or .csv file and Save writes one to .npz or .csv, following these conventions.
//
// In an .npz, arrays named x, or x0, x1, ..., are trajectories of shape [T, n] (a 1-D array is one
// state); t/t0/t1/... are their sample times, xdot/xdot0/... their time derivatives and u/u0/... their
// control inputs ([T, m], or [T] for one input). dt/dt0/... (0-d or one-element arrays) give a uniform
// step when a trajectory has no times; this package writes them for trajectories saved with Dt only.
// Other arrays are ignored. An .npz cannot hold strings, so states are named x1..xn and inputs u1..um
// (LoadOptions.States and LoadOptions.Inputs rename them). A .npy file is one trajectory.
//
// In a CSV, an optional column t holds the sample times and an optional column traj an integer
// trajectory id (rows are grouped by it, trajectories in order of first appearance); a column
// <state>_dot is the time derivative of column <state>, a column u_<name> is the control input <name>,
// and every other column is a state.
//
// Errors: bad files are reported, never panicked on and never turned into silently wrong numbers. Every
// error of a file-level function names the file (and the line and column of a CSV cell, the member of an
// .npz archive) and says what is wrong and what is allowed, in one line. Errors wrap the sentinel errors
// ErrFormat, ErrDType, ErrTruncated, ErrShape, ErrNonFinite and ErrInvalid for errors.Is. Files are
// written atomically: to a temporary file in the same directory, renamed over the target at the end.
package dataio
