package dataio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Error is the error type of this package. Its message is one line:
//
//	dataio: <File>: <Where>: <Msg>[: <Err>]
//
// with empty parts left out. It matches its Kind (one of the sentinel errors) and its cause Err with
// errors.Is and errors.As.
type Error struct {
	File  string // the file as the caller named it; "" for streams and in-memory data
	Where string // the place in the file: an .npz member ("x0.npy"), a CSV line and column, a trajectory
	Kind  error  // the sentinel error: ErrFormat, ErrDType, ErrTruncated, ErrShape, ErrNonFinite or ErrInvalid
	Msg   string // what is wrong and what is allowed
	Err   error  // the underlying cause (an I/O or zip error), or nil
}

func (e *Error) Error() string {
	s := "dataio: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Where != "" {
		s += e.Where + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the Kind and, if any, the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// errf returns an *Error of the given kind with a formatted message.
func errf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// inFile sets the file of err (an *Error without one gets a copy with File set; other errors are
// wrapped with the file name).
func inFile(err error, path string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.File != "" {
			return err
		}
		c := *e
		c.File = path
		return &c
	}
	if strings.HasPrefix(err.Error(), "dataio: ") {
		return err // wrapped by an inner call (ReadNPZ inside Load): name the file once
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("dataio: %w", err) // the path error names the file already
	}
	return fmt.Errorf("dataio: %s: %w", path, err)
}

// inWhere prefixes the place in the file of err (an *Error) with where.
func inWhere(err error, where string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Where == "" {
			c.Where = where
		} else {
			c.Where = where + ": " + c.Where
		}
		return &c
	}
	return fmt.Errorf("%s: %w", where, err)
}

// writeFileAtomic writes a file through write into a temporary file in the same directory and renames
// it to path when write and the flush to disk succeeded, so readers never see a partial file.
func writeFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err = write(bw); err != nil {
		return inFile(err, path)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("dataio: writing %s: %w", path, err)
	}
	return nil
}
