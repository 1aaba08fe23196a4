package dataio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Array is an n-dimensional array of floats as stored in a .npy file.
//
// Data always holds the elements in C (row-major) order, whatever the order in the file: the element
// at index (i0, i1, ..., ik) is Data[((i0*Shape[1]+i1)*Shape[2]+...)+ik]. A rank-0 array (Shape empty)
// holds one element. Float32 and Fortran describe the file: ReadNPY sets them to the dtype and order it
// read; WriteNPY writes the dtype ('<f4' when Float32, else '<f8') and order (column-major when Fortran)
// they select. Values are float64 in memory either way; float32 values convert exactly.
type Array struct {
	Shape   []int     // dimensions, each >= 0; empty for a scalar
	Data    []float64 // the elements in C order; len(Data) == Size()
	Float32 bool      // dtype: float32 ('<f4') if true, float64 ('<f8') if false
	Fortran bool      // file order: Fortran (column-major) if true, C (row-major) if false
}

// Size returns the number of elements the shape holds (the product of Shape; 1 for a scalar). It
// returns -1 if a dimension is negative or the product overflows.
func (a *Array) Size() int {
	n, err := shapeSize(a.Shape)
	if err != nil {
		return -1
	}
	return n
}

// Validate checks that the shape has no negative dimension and that len(Data) matches it.
func (a *Array) Validate() error {
	if a == nil {
		return errf(ErrInvalid, "nil array")
	}
	n, err := shapeSize(a.Shape)
	if err != nil {
		return err
	}
	if len(a.Data) != n {
		return errf(ErrShape, "shape %s holds %d elements but Data has %d", shapeString(a.Shape), n, len(a.Data))
	}
	return nil
}

// FromMatrix returns a float64 array of shape [rows, cols] holding m (copied). All rows must have the
// same length; an empty m gives shape [0, 0].
func FromMatrix(m [][]float64) (*Array, error) {
	cols := 0
	if len(m) > 0 {
		cols = len(m[0])
	}
	data := make([]float64, 0, len(m)*cols)
	for i, row := range m {
		if len(row) != cols {
			return nil, errf(ErrShape, "ragged matrix: row %d has %d columns, row 0 has %d", i, len(row), cols)
		}
		data = append(data, row...)
	}
	return &Array{Shape: []int{len(m), cols}, Data: data}, nil
}

// FromVector returns a float64 array of shape [len(v)] holding v (copied).
func FromVector(v []float64) *Array {
	return &Array{Shape: []int{len(v)}, Data: append([]float64(nil), v...)}
}

// ToMatrix returns the array as rows × columns (a copy): a rank-2 array of shape [r, c] gives r rows
// of c values, a rank-1 array of shape [n] gives n rows of one value (a column, as one state sampled n
// times). Other ranks are an error.
func (a *Array) ToMatrix() ([][]float64, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	var rows, cols int
	switch len(a.Shape) {
	case 1:
		rows, cols = a.Shape[0], 1
	case 2:
		rows, cols = a.Shape[0], a.Shape[1]
	default:
		return nil, errf(ErrShape, "array of shape %s has rank %d; a matrix needs rank 1 or 2", shapeString(a.Shape), len(a.Shape))
	}
	m := make([][]float64, rows)
	for i := range m {
		m[i] = append(make([]float64, 0, cols), a.Data[i*cols:(i+1)*cols]...)
	}
	return m, nil
}

// shapeSize returns the number of elements of a shape, or an error for negative dimensions and sizes
// that overflow.
func shapeSize(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, errf(ErrShape, "shape %s has a negative dimension", shapeString(shape))
		}
		if d != 0 && n > math.MaxInt/8/d {
			return 0, errf(ErrShape, "shape %s has too many elements", shapeString(shape))
		}
		n *= d
	}
	return n, nil
}

// shapeString formats a shape as Python prints a tuple: (), (3,), (3, 4).
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func dtypeName(f32 bool) string {
	if f32 {
		return "float32"
	}
	return "float64"
}

// npyMagic starts every .npy file, followed by the major and minor format version bytes.
const npyMagic = "\x93NUMPY"

// MaxHeaderLen is the largest .npy header this package reads (numpy itself refuses headers over 10000
// bytes by default; format 2.0 allows up to 4 GiB).
const MaxHeaderLen = 1 << 20

const allowedDTypes = "allowed: '<f4' (float32), '<f8' (float64), little-endian"

// ReadNPY reads one .npy array from r, which must end right after the array's data. Its errors do not
// name a file; ReadNPYFile's do.
func ReadNPY(r io.Reader) (*Array, error) {
	a, err := readNPY(r)
	if err != nil {
		return nil, err
	}
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, &Error{Kind: ErrFormat, Msg: "reading past the data", Err: err}
	}
	if extra > 0 {
		return nil, errf(ErrShape, "%d bytes after the data of shape %s (%s); the shape does not cover the file's data",
			extra, shapeString(a.Shape), dtypeName(a.Float32))
	}
	return a, nil
}

// ReadNPYFile reads the .npy file at path. Errors name the file.
func ReadNPYFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inFile(err, path)
	}
	defer f.Close()
	a, err := ReadNPY(f)
	return a, inFile(err, path)
}

// npyHeader is the parsed header of an .npy file.
type npyHeader struct {
	f32     bool
	fortran bool
	shape   []int
}

func readNPY(r io.Reader) (*Array, error) {
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, &Error{Kind: ErrFormat, Msg: "reading the header", Err: err}
	}
	if n == 0 {
		return nil, errf(ErrTruncated, "empty file; a .npy file starts with \"\\x93NUMPY\"")
	}
	m := min(n, len(npyMagic))
	if string(pre[:m]) != npyMagic[:m] {
		hint := ""
		if bytes.HasPrefix(pre[:n], []byte("PK")) {
			hint = " (a zip archive: an .npz file?)"
		}
		return nil, errf(ErrFormat, "not a .npy file: starts with %q instead of \"\\x93NUMPY\"%s", pre[:n], hint)
	}
	if n < len(pre) {
		return nil, errf(ErrTruncated, "file ends after %d bytes, inside the magic string and version", n)
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch {
	case major == 1 && minor == 0:
		var b [2]byte
		if k, err := io.ReadFull(r, b[:]); err != nil {
			return nil, truncErr(err, "file ends inside the header length (%d of 2 bytes)", k)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case (major == 2 || major == 3) && minor == 0:
		var b [4]byte
		if k, err := io.ReadFull(r, b[:]); err != nil {
			return nil, truncErr(err, "file ends inside the header length (%d of 4 bytes)", k)
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > MaxHeaderLen {
			return nil, errf(ErrFormat, "header length %d exceeds the limit of %d bytes", h, MaxHeaderLen)
		}
		hlen = int(h)
	default:
		return nil, errf(ErrFormat, "unsupported .npy format version %d.%d; supported: 1.0, 2.0, 3.0", major, minor)
	}
	var hb bytes.Buffer
	k, err := io.CopyN(&hb, r, int64(hlen))
	if err != nil {
		return nil, truncErr(err, "header ends after %d of %d bytes", k, hlen)
	}
	h, err := parseNPYHeader(hb.String())
	if err != nil {
		return nil, err
	}
	size, err := shapeSize(h.shape)
	if err != nil {
		return nil, err
	}
	data, err := readFloats(r, size, h.f32)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == ErrTruncated {
			e.Msg += fmt.Sprintf(" (shape %s, %s)", shapeString(h.shape), dtypeName(h.f32))
		}
		return nil, err
	}
	if h.fortran {
		data = reorder(data, h.shape, false)
	}
	return &Array{Shape: h.shape, Data: data, Float32: h.f32, Fortran: h.fortran}, nil
}

// truncErr reports a short read as ErrTruncated and other read errors as ErrFormat with their cause.
func truncErr(err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errf(ErrTruncated, format, args...)
	}
	return &Error{Kind: ErrFormat, Msg: fmt.Sprintf(format, args...), Err: err}
}

// readFloats reads n little-endian floats in chunks, so a header that promises more data than the
// stream holds costs no more memory than the data that is there.
func readFloats(r io.Reader, n int, f32 bool) ([]float64, error) {
	es := 8
	if f32 {
		es = 4
	}
	const chunk = 1 << 13
	data := make([]float64, 0, min(n, chunk))
	buf := make([]byte, min(n, chunk)*es)
	for len(data) < n {
		k := min(n-len(data), chunk)
		b := buf[:k*es]
		got, err := io.ReadFull(r, b)
		if err != nil {
			return nil, truncErr(err, "data ends after %d of %d bytes", len(data)*es+got, n*es)
		}
		if f32 {
			for i := range k {
				data = append(data, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))))
			}
		} else {
			for i := range k {
				data = append(data, math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
			}
		}
	}
	return data, nil
}

// reorder converts between C order and Fortran order: with cToF it returns the Fortran-order layout of
// the C-order src, otherwise the C-order layout of the Fortran-order src.
func reorder(src []float64, shape []int, cToF bool) []float64 {
	dst := make([]float64, len(src))
	if len(shape) < 2 || len(src) == 0 {
		copy(dst, src)
		return dst
	}
	fstride := make([]int, len(shape))
	s := 1
	for i, d := range shape {
		fstride[i] = s
		s *= d
	}
	idx := make([]int, len(shape))
	off := 0 // Fortran offset of the C index c
	for c := range src {
		if cToF {
			dst[off] = src[c]
		} else {
			dst[c] = src[off]
		}
		for ax := len(shape) - 1; ax >= 0; ax-- {
			idx[ax]++
			off += fstride[ax]
			if idx[ax] < shape[ax] {
				break
			}
			off -= idx[ax] * fstride[ax]
			idx[ax] = 0
		}
	}
	return dst
}

// parseNPYHeader parses and checks the header dict.
func parseNPYHeader(s string) (*npyHeader, error) {
	v, err := pyParse(s)
	if err != nil {
		return nil, errf(ErrFormat, "header syntax error %v; header %q", err, shortRepr(s, 120))
	}
	d, ok := v.(pyDict)
	if !ok {
		return nil, errf(ErrFormat, "header is not a dict: %s", shortRepr(pyRepr(v), 120))
	}
	for _, k := range d.keys {
		if k != "descr" && k != "fortran_order" && k != "shape" {
			return nil, errf(ErrFormat, "unexpected header key %q; allowed: 'descr', 'fortran_order', 'shape'", k)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := d.vals[k]; !ok {
			return nil, errf(ErrFormat, "header has no %q key; header %q", k, shortRepr(s, 120))
		}
	}
	h := &npyHeader{}
	switch descr := d.vals["descr"].(type) {
	case string:
		if h.f32, err = parseDType(descr); err != nil {
			return nil, err
		}
	case pyList:
		return nil, errf(ErrDType, "structured dtype %s (a record array) is not supported; %s", shortRepr(pyRepr(descr), 80), allowedDTypes)
	default:
		return nil, errf(ErrFormat, "header 'descr' is %s, not a dtype string", shortRepr(pyRepr(descr), 80))
	}
	fo, ok := d.vals["fortran_order"].(bool)
	if !ok {
		return nil, errf(ErrFormat, "header 'fortran_order' is %s; allowed: True, False", shortRepr(pyRepr(d.vals["fortran_order"]), 80))
	}
	h.fortran = fo
	shape, ok := d.vals["shape"].(pyTuple)
	if !ok {
		return nil, errf(ErrFormat, "header 'shape' is %s, not a tuple of integers", shortRepr(pyRepr(d.vals["shape"]), 80))
	}
	h.shape = make([]int, len(shape))
	for i, x := range shape {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32*int64(math.MaxInt32) {
			return nil, errf(ErrFormat, "header 'shape' %s: dimension %d is not a non-negative integer", shortRepr(pyRepr(shape), 80), i)
		}
		h.shape[i] = int(n)
	}
	return h, nil
}

// parseDType accepts the dtype strings of little-endian float32 and float64 and reports whether it is
// float32. '<' (little-endian), '|' and '=' (taken as the little-endian native order numpy writes on
// every common platform) and no prefix are accepted.
func parseDType(descr string) (f32 bool, err error) {
	order, code := byte('='), descr
	if descr != "" && strings.IndexByte("<>|=!", descr[0]) >= 0 {
		order, code = descr[0], descr[1:]
	}
	switch code {
	case "f4", "f8":
		if order == '>' || order == '!' {
			return false, errf(ErrDType, "big-endian dtype %q is not supported; %s (convert with a.astype('<%s'))", descr, allowedDTypes, code)
		}
		return code == "f4", nil
	case "O":
		return false, errf(ErrDType, "object array (dtype %q) is not supported: it needs pickle; %s", descr, allowedDTypes)
	}
	hint := ""
	if code != "" && strings.IndexByte("iubf", code[0]) >= 0 {
		hint = " (convert with a.astype('<f8'))"
	}
	return false, errf(ErrDType, "unsupported dtype %q; %s%s", descr, allowedDTypes, hint)
}

// WriteNPY writes a as a .npy array to w, with the header numpy would write (format version 1.0, or
// 2.0 when the header needs more than 65535 bytes, padded with spaces and a newline to a multiple of
// 64 bytes). When a.Float32 is set, a finite value too large for float32 is an error.
func WriteNPY(w io.Writer, a *Array) error {
	if err := a.Validate(); err != nil {
		return err
	}
	code := "<f8"
	if a.Float32 {
		code = "<f4"
		for i, v := range a.Data {
			if !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0) {
				return errf(ErrNonFinite, "element %d = %g overflows float32 (largest %g); write it as float64", i, v, math.MaxFloat32)
			}
		}
	}
	if _, err := w.Write(npyHeaderBytes(code, a.Fortran, a.Shape)); err != nil {
		return &Error{Kind: ErrFormat, Msg: "writing the header", Err: err}
	}
	data := a.Data
	if a.Fortran {
		data = reorder(data, a.Shape, true)
	}
	es := 8
	if a.Float32 {
		es = 4
	}
	const chunk = 1 << 13
	buf := make([]byte, min(len(data), chunk)*es)
	for start := 0; start < len(data); start += chunk {
		part := data[start:min(start+chunk, len(data))]
		b := buf[:len(part)*es]
		for i, v := range part {
			if a.Float32 {
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
			} else {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
			}
		}
		if _, err := w.Write(b); err != nil {
			return &Error{Kind: ErrFormat, Msg: "writing the data", Err: err}
		}
	}
	return nil
}

// WriteNPYFile writes a to the .npy file at path, atomically. Errors name the file.
func WriteNPYFile(path string, a *Array) error {
	if err := a.Validate(); err != nil {
		return inFile(err, path)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return WriteNPY(w, a) })
}

// npyHeaderBytes returns magic, version, header length and header exactly as numpy's
// format._write_array_header does.
func npyHeaderBytes(descr string, fortran bool, shape []int) []byte {
	fo := "False"
	if fortran {
		fo = "True"
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fo, shapeString(shape))
	if len(shape) > 0 {
		// numpy leaves room to grow the first (C) or last (Fortran) axis in place.
		growth := shape[0]
		if fortran {
			growth = shape[len(shape)-1]
		}
		header += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(growth))))
	}
	hlen := len(header) + 1 // with the final newline
	lenBytes := 2
	pad := 64 - (len(npyMagic)+2+lenBytes+hlen)%64
	if hlen+pad > math.MaxUint16 {
		lenBytes = 4
		pad = 64 - (len(npyMagic)+2+lenBytes+hlen)%64
	}
	var b bytes.Buffer
	b.WriteString(npyMagic)
	if lenBytes == 2 {
		b.Write([]byte{1, 0})
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(hlen+pad)))
	} else {
		b.Write([]byte{2, 0})
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(hlen+pad)))
	}
	b.WriteString(header)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
}
