package dataio

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// ReadNPZ reads every array of the .npz archive at path (as written by np.savez or
// np.savez_compressed: a zip archive of .npy members, stored or deflated), keyed by member name
// without its ".npy" suffix. Errors name the file and the member.
func ReadNPZ(path string) (map[string]*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inFile(err, path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, inFile(err, path)
	}
	arrays, err := ReadNPZFrom(f, st.Size())
	return arrays, inFile(err, path)
}

// ReadNPZFrom reads the arrays of an .npz archive of the given size from r, as ReadNPZ does. Its errors
// name the member but no file.
func ReadNPZFrom(r io.ReaderAt, size int64) (map[string]*Array, error) {
	if size == 0 {
		return nil, errf(ErrTruncated, "empty file; an .npz file is a zip archive of .npy files")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var head [6]byte
		n, _ := r.ReadAt(head[:], 0)
		hint := ""
		if string(head[:n]) == npyMagic {
			hint = " (this is a .npy file)"
		}
		return nil, &Error{Kind: ErrFormat, Msg: "not an .npz file (a zip archive of .npy files)" + hint, Err: err}
	}
	arrays := map[string]*Array{}
	for _, zf := range zr.File {
		name, ok := strings.CutSuffix(zf.Name, ".npy")
		if !ok || name == "" {
			return nil, errf(ErrFormat, "member %q is not a .npy file; an .npz holds only <name>.npy members", zf.Name)
		}
		if _, dup := arrays[name]; dup {
			return nil, errf(ErrFormat, "member %q appears twice", zf.Name)
		}
		a, err := readNPZMember(zf)
		if err != nil {
			return nil, inWhere(err, zf.Name)
		}
		arrays[name] = a
	}
	return arrays, nil
}

func readNPZMember(zf *zip.File) (*Array, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, &Error{Kind: ErrFormat, Msg: "opening the member", Err: err}
	}
	defer rc.Close()
	a, err := ReadNPY(rc)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			if errors.Is(e.Err, zip.ErrChecksum) || errors.Is(e.Err, zip.ErrFormat) || errors.Is(e.Err, zip.ErrAlgorithm) {
				return nil, &Error{Kind: ErrFormat, Msg: "corrupt member", Err: e.Err}
			}
		}
		return nil, err
	}
	return a, nil
}

// npzTime is the modification time written for every member, so that equal arrays give equal files.
var npzTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteNPZ writes the arrays to the .npz archive at path, atomically, as members "<name>.npy" in sorted
// name order with a fixed time stamp, so that equal arrays give byte-identical files. compressed selects
// deflate (as np.savez_compressed) instead of stored members (as np.savez). Names must be non-empty,
// without NUL, backslash, a leading '/' or a ".." element. Errors name the file and the array.
func WriteNPZ(path string, arrays map[string]*Array, compressed bool) error {
	if err := checkNPZ(arrays); err != nil {
		return inFile(err, path)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return writeNPZ(w, arrays, compressed) })
}

// WriteNPZTo writes the arrays as an .npz archive to w, as WriteNPZ does.
func WriteNPZTo(w io.Writer, arrays map[string]*Array, compressed bool) error {
	if err := checkNPZ(arrays); err != nil {
		return err
	}
	return writeNPZ(w, arrays, compressed)
}

func checkNPZ(arrays map[string]*Array) error {
	for name, a := range arrays {
		if err := checkArrayName(name); err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return inWhere(err, "array "+name)
		}
	}
	return nil
}

func checkArrayName(name string) error {
	bad := name == "" || strings.ContainsAny(name, "\x00\\") || strings.HasPrefix(name, "/")
	if !bad {
		bad = slices.Contains(strings.Split(name, "/"), "..")
	}
	if bad {
		return errf(ErrInvalid, "array name %q is not allowed: names must be non-empty, without NUL, backslash, a leading '/' or a '..' element", name)
	}
	return nil
}

func writeNPZ(w io.Writer, arrays map[string]*Array, compressed bool) error {
	names := make([]string, 0, len(arrays))
	for name := range arrays {
		names = append(names, name)
	}
	slices.Sort(names)
	zw := zip.NewWriter(w)
	method := zip.Store
	if compressed {
		method = zip.Deflate
	}
	var buf bytes.Buffer
	for _, name := range names {
		buf.Reset()
		if err := WriteNPY(&buf, arrays[name]); err != nil {
			return inWhere(err, "array "+name)
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method, Modified: npzTime})
		if err != nil {
			return &Error{Kind: ErrFormat, Msg: fmt.Sprintf("adding member %s.npy", name), Err: err}
		}
		if _, err := fw.Write(buf.Bytes()); err != nil {
			return &Error{Kind: ErrFormat, Msg: fmt.Sprintf("writing member %s.npy", name), Err: err}
		}
	}
	if err := zw.Close(); err != nil {
		return &Error{Kind: ErrFormat, Msg: "finishing the zip archive", Err: err}
	}
	return nil
}
