package dataio_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// FuzzReadNPY feeds arbitrary bytes to ReadNPY: it must never panic, every error must be one of the
// package's kinds, and an array it accepts must be consistent and survive a write-read round trip.
// The seed corpus is the committed fixtures plus hand-made headers.
func FuzzReadNPY(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, path := range files {
		if b, err := os.ReadFile(path); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add(npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }\n", f8(1)))
	f.Add(npyBytes(2, "{'descr': '=f8', 'fortran_order': False, 'shape': (), }\n", f8(3)))
	f.Add(npyBytes(3, "{'descr': '|f8', 'fortran_order': False, 'shape': (1L,)}", f8(3)))
	f.Add(npyBytes(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ((1,),), 'x': None}", nil))
	f.Add([]byte("\x93NUMPY"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := dataio.ReadNPY(bytes.NewReader(data))
		if err != nil {
			if !isKind(err) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error of no kind or on several lines: %q", err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted an inconsistent array: %v", err)
		}
		var buf bytes.Buffer
		if err := dataio.WriteNPY(&buf, a); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		b, err := dataio.ReadNPY(&buf)
		if err != nil || !sameShape(a.Shape, b.Shape) || !sameFloats(a.Data, b.Data) || a.Float32 != b.Float32 || a.Fortran != b.Fortran {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, a, b)
		}
	})
}

// FuzzReadCSV feeds arbitrary text to ReadCSV and FromTable: no panics, errors of the package's kinds
// on one line naming the file, and tables that survive a write-read round trip.
func FuzzReadCSV(f *testing.F) {
	f.Add("t,x,y\n0,1,2\n1,2,3\n")
	f.Add("traj,t,a,a_dot,u_f\n0,0,1,2,3\n1,0,1,2,3\n0,1,2,3,4\n")
	f.Add("\ufeff# t , x\n0, nan\n1,inf\n")
	f.Add("t,x\n0,1\n1\n")
	f.Add("\"a,b\",\"c\"\"d\"\n1e308,-0\n")
	f.Add("x\n0x1p-2\n")
	f.Add("")
	if b, err := os.ReadFile(filepath.Join("testdata", "savetxt.csv")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		tab, err := dataio.ReadCSV(strings.NewReader(text), "fuzz.csv")
		if err != nil {
			if !isKind(err) || strings.ContainsAny(err.Error(), "\n\r") || !strings.HasPrefix(err.Error(), "dataio: fuzz.csv: ") {
				t.Fatalf("bad error %q", err)
			}
			return
		}
		if _, err := dataio.FromTable(tab, dataio.LoadOptions{Dt: 0.5}); err != nil && (!isKind(err) || strings.ContainsAny(err.Error(), "\n\r")) {
			t.Fatalf("bad error %q", err)
		}
		var buf bytes.Buffer
		if err := dataio.WriteCSV(&buf, tab); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		back, err := dataio.ReadCSV(&buf, "again.csv")
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%q", err, buf.String())
		}
		if strings.Join(back.Columns, "\x00") != strings.Join(tab.Columns, "\x00") || len(back.Rows) != len(tab.Rows) {
			t.Fatalf("round trip: %+v\n%+v", tab, back)
		}
		for i := range tab.Rows {
			if !sameFloats(tab.Rows[i], back.Rows[i]) {
				t.Fatalf("row %d: %v, back %v", i, tab.Rows[i], back.Rows[i])
			}
		}
	})
}

// isKind reports whether err wraps one of the package's sentinel errors.
func isKind(err error) bool {
	for _, k := range []error{dataio.ErrFormat, dataio.ErrDType, dataio.ErrTruncated, dataio.ErrShape, dataio.ErrNonFinite, dataio.ErrInvalid} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
