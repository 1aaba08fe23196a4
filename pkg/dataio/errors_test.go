package dataio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// npyBytes builds a .npy file with the given version, header text (padded with a newline) and data.
func npyBytes(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		b.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(header))))
	} else {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(header))))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f8(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// TestMalformedFiles: every malformed file gives a one-line error of the right kind that names the file
// and says what is wrong (and, for dtypes, what is allowed).
func TestMalformedFiles(t *testing.T) {
	good := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		file    string
		content []byte
		opts    dataio.LoadOptions
		kind    error
		want    []string
	}{
		// .npy
		{"trunc.npy", fixture("bad_truncated.npy"), dataio.LoadOptions{Dt: 1}, dataio.ErrTruncated, []string{"data ends after 43 of 48 bytes", "shape (2, 3), float64"}},
		{"trunc_header.npy", npyBytes(1, good, nil)[:30], dataio.LoadOptions{Dt: 1}, dataio.ErrTruncated, []string{"header ends after 20 of 58 bytes"}},
		{"tiny.npy", []byte("\x93NUM"), dataio.LoadOptions{Dt: 1}, dataio.ErrTruncated, []string{"inside the magic string"}},
		{"empty.npy", nil, dataio.LoadOptions{Dt: 1}, dataio.ErrTruncated, []string{"empty file"}},
		{"magic.npy", []byte("hello world, not numpy"), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{`not a .npy file: starts with "hello wo"`}},
		{"version.npy", npyBytes(4, good, f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{"format version 4.0", "supported: 1.0, 2.0, 3.0"}},
		{"big.npy", fixture("bad_big_endian.npy"), dataio.LoadOptions{Dt: 1}, dataio.ErrDType, []string{"big-endian dtype \">f8\"", "allowed: '<f4' (float32), '<f8' (float64)"}},
		{"int.npy", fixture("bad_int64.npy"), dataio.LoadOptions{Dt: 1}, dataio.ErrDType, []string{"unsupported dtype \"<i8\"", "allowed: '<f4'", "astype"}},
		{"object.npy", fixture("bad_object.npy"), dataio.LoadOptions{Dt: 1}, dataio.ErrDType, []string{"object array (dtype \"|O\")", "pickle"}},
		{"struct.npy", fixture("bad_structured.npy"), dataio.LoadOptions{Dt: 1}, dataio.ErrDType, []string{"structured dtype [('a', '<f8'), ('b', '<f4')]"}},
		{"complex.npy", npyBytes(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrDType, []string{`unsupported dtype "<c16"`}},
		{"syntax.npy", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,) \n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{"header syntax error at byte 56: header ends before the closing '}'"}},
		{"syntax2.npy", npyBytes(1, "{'descr': '<f8' 'fortran_order': False, 'shape': (2,)}\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{"header syntax error at byte 16: expected ',' or '}'"}},
		{"keys.npy", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{`unexpected header key "extra"`}},
		{"nokey.npy", npyBytes(1, "{'descr': '<f8', 'shape': (2,)}\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{`no "fortran_order" key`}},
		{"shape.npy", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{"dimension 1 is not a non-negative integer"}},
		{"fo.npy", npyBytes(1, "{'descr': '<f8', 'fortran_order': 1, 'shape': (2,), }\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrFormat, []string{"'fortran_order' is 1; allowed: True, False"}},
		{"extra.npy", npyBytes(1, good, f8(1, 2, 3)), dataio.LoadOptions{Dt: 1}, dataio.ErrShape, []string{"8 bytes after the data of shape (2,)"}},
		{"huge.npy", npyBytes(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n", nil), dataio.LoadOptions{Dt: 1}, dataio.ErrShape, []string{"shape (4000000000, 4000000000) has too many elements"}},
		{"long.npy", npyBytes(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }\n", f8(1)), dataio.LoadOptions{Dt: 1}, dataio.ErrTruncated, []string{"data ends after 8 of 8000000000 bytes"}},
		{"rank3.npy", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }\n", f8(1, 2)), dataio.LoadOptions{Dt: 1}, dataio.ErrShape, []string{"array has shape (1, 1, 2) (rank 3)"}},
		{"nan.npy", npyBytes(1, good, f8(1, math.NaN())), dataio.LoadOptions{Dt: 1}, dataio.ErrNonFinite, []string{"sample 1, state x1 is NaN"}},
		// .npz
		{"notzip.npz", []byte("just text"), dataio.LoadOptions{}, dataio.ErrFormat, []string{"not an .npz file"}},
		{"emptyz.npz", nil, dataio.LoadOptions{}, dataio.ErrTruncated, []string{"empty file"}},
		// .csv
		{"ragged.csv", []byte("t,x,y\n0,1,2\n1,2\n"), dataio.LoadOptions{}, dataio.ErrShape, []string{"line 3: 2 fields, the header has 3"}},
		{"text.csv", []byte("t,x\n0,1\n1,abc\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{`line 3, column 2 (x): "abc" is not a number`}},
		{"emptycell.csv", []byte("t,x\n0,\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{"line 2, column 2 (x): \"\" is empty"}},
		{"empty.csv", nil, dataio.LoadOptions{}, dataio.ErrFormat, []string{"empty file; a CSV file needs a header row"}},
		{"header.csv", []byte("t,x\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{"no data rows"}},
		{"noheader.csv", []byte("0,1\n1,2\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{`column 1 is named "0", a number`}},
		{"dup.csv", []byte("t,x,x\n0,1,2\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{`column name "x" appears twice`}},
		{"nancsv.csv", []byte("t,x\n0,1\n1,nan\n"), dataio.LoadOptions{}, dataio.ErrNonFinite, []string{"line 3, column x: NaN; states must be finite"}},
		{"inf.csv", []byte("t,x,x_dot\n0,1,inf\n"), dataio.LoadOptions{}, dataio.ErrNonFinite, []string{"line 2, column x_dot: +Inf; derivatives must be finite"}},
		{"time.csv", []byte("t,x\n0,1\n1,2\n1,3\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{"line 4, column t: t = 1 is not greater than t = 1", "line 3"}},
		{"notime.csv", []byte("x\n1\n2\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{"no column t and no step"}},
		{"traj.csv", []byte("traj,t,x\n0.5,0,1\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{"line 2, column traj: 0.5 is not an integer trajectory id"}},
		{"dot.csv", []byte("t,x,z_dot\n0,1,2\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{`column "z_dot" is a derivative (ends in _dot) but there is no state column "z"`}},
		{"somedot.csv", []byte("t,x,y,x_dot\n0,1,2,3\n"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{"no column y_dot"}},
		{"quote.csv", []byte("t,x\n0,\"1\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{"line 2", "quote"}},
		{"semi.csv", []byte("t;x\n0;1\n"), dataio.LoadOptions{}, dataio.ErrFormat, []string{"the delimiter must be a comma"}},
		// other
		{"data.txt", []byte("1 2 3"), dataio.LoadOptions{}, dataio.ErrInvalid, []string{`unsupported extension ".txt"; allowed: .npz, .npy, .csv`}},
		{"dt.csv", []byte("x\n1\n"), dataio.LoadOptions{Dt: -1}, dataio.ErrInvalid, []string{"LoadOptions.Dt = -1"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, c.file)
		if err := os.WriteFile(path, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := dataio.Load(path, c.opts)
		if err == nil {
			t.Errorf("%s: no error", c.file)
			continue
		}
		msg := err.Error()
		t.Log(msg)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: %q is not %v", c.file, msg, c.kind)
		}
		if !strings.HasPrefix(msg, "dataio: "+path+": ") || strings.ContainsAny(msg, "\n\r") {
			t.Errorf("%s: %q does not start with the file or has several lines", c.file, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not contain %q", c.file, msg, w)
			}
		}
		var de *dataio.Error
		if !errors.As(err, &de) || de.File != path {
			t.Errorf("%s: not a *dataio.Error with the file: %#v", c.file, err)
		}
	}
}

// TestNPZDatasetErrors: the .npz conventions are checked, naming the arrays.
func TestNPZDatasetErrors(t *testing.T) {
	v := func(n int) *dataio.Array { return dataio.FromVector(fixtureValues(n, false)) }
	m := func(r, c int) *dataio.Array {
		a := &dataio.Array{Shape: []int{r, c}, Data: fixtureValues(r*c, false)}
		return a
	}
	cases := []struct {
		arrays map[string]*dataio.Array
		kind   error
		want   string
	}{
		{map[string]*dataio.Array{"y": v(3)}, dataio.ErrInvalid, "no trajectory: expected an array x, or x0, x1, ...; found [y]"},
		{map[string]*dataio.Array{"x": v(3), "x0": v(3), "dt": v(1)}, dataio.ErrInvalid, "both x and x0"},
		{map[string]*dataio.Array{"x0": v(3), "x2": v(3)}, dataio.ErrInvalid, "no array x1"},
		{map[string]*dataio.Array{"x0": v(3), "t1": v(3)}, dataio.ErrInvalid, "array t1 has no trajectory x1"},
		{map[string]*dataio.Array{"x": v(3), "t0": v(3)}, dataio.ErrInvalid, "array t0 has no trajectory x0"},
		{map[string]*dataio.Array{"x01": v(3)}, dataio.ErrInvalid, "without leading zeros"},
		{map[string]*dataio.Array{"x": v(3), "t": v(4)}, dataio.ErrShape, "t has 4 times, x has 3 samples"},
		{map[string]*dataio.Array{"x": m(3, 2), "t": v(3), "xdot": m(3, 1)}, dataio.ErrShape, "xdot has shape (3, 1), x has (3, 2)"},
		{map[string]*dataio.Array{"x": m(3, 2), "t": v(3), "u": v(2)}, dataio.ErrShape, "u has 2 samples, x has 3"},
		{map[string]*dataio.Array{"x0": m(3, 2), "x1": m(3, 3), "dt0": v(1), "dt1": v(1)}, dataio.ErrShape, "x1 has 3 states, x0 has 2"},
		{map[string]*dataio.Array{"x0": m(3, 2), "x1": m(3, 2), "dt0": v(1), "dt1": v(1), "u0": v(3)}, dataio.ErrShape, "x1 has 0 inputs (u1), x0 has 1"},
		{map[string]*dataio.Array{"x": v(3), "t": dataio.FromVector([]float64{0, 2, 1})}, dataio.ErrInvalid, "x: time 2 = 1 is not greater than time 1 = 2"},
		{map[string]*dataio.Array{"x": v(3), "t": v(3), "dt": v(1)}, dataio.ErrInvalid, "both t and dt"},
		{map[string]*dataio.Array{"x": v(3), "dt": dataio.FromVector([]float64{0})}, dataio.ErrInvalid, "dt = 0; a step must be finite and > 0"},
		{map[string]*dataio.Array{"x": {Shape: []int{0, 2}}, "dt": v(1)}, dataio.ErrShape, "x has no samples"},
		{map[string]*dataio.Array{"x": {Shape: []int{1, 1, 1}, Data: []float64{1}}, "dt": v(1)}, dataio.ErrShape, "x has shape (1, 1, 1) (rank 3)"},
		{map[string]*dataio.Array{"x": dataio.FromVector([]float64{1, math.Inf(-1)}), "dt": v(1)}, dataio.ErrNonFinite, "x: sample 1, state x1 is -Inf"},
		{map[string]*dataio.Array{"x": v(2), "xdot": dataio.FromVector([]float64{1, math.NaN()}), "dt": v(1)}, dataio.ErrNonFinite, "derivative of state x1 is NaN"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		path := filepath.Join(dir, "d.npz")
		if err := dataio.WriteNPZ(path, c.arrays, i%2 == 0); err != nil {
			t.Fatal(err)
		}
		_, err := dataio.Load(path, dataio.LoadOptions{})
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "d.npz: ") {
			t.Errorf("case %d: %v; want %v containing %q", i, err, c.kind, c.want)
		}
	}
}

// TestNPYHeaderErrorsStayOnOneLine: a header quoting control characters (a string holding a carriage
// return, an escaped newline) yields a one-line error that shows them escaped, as Python's repr does.
func TestNPYHeaderErrorsStayOnOneLine(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"'00\r00'", `'00\r00'`},
		{"'a\tb\x01'", `'a\tb\x01'`},
		{"\"000\\\n000\"", `\n`},
	} {
		_, err := dataio.ReadNPY(bytes.NewReader(npyBytes(1, c.header, nil)))
		if err == nil {
			t.Fatalf("header %q: no error", c.header)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\r\n\t\x01") || !strings.Contains(msg, c.want) {
			t.Errorf("header %q: error %q: want it on one line, containing %s", c.header, msg, c.want)
		}
	}
}
