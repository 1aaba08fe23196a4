package dataio_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/dataio"
)

// npyFixture is a .npy file written by testdata/make_fixtures.py and what it holds.
type npyFixture struct {
	name      string
	shape     []int
	f32       bool
	fortran   bool
	sameBytes bool      // np.save wrote it, so WriteNPY must reproduce it byte for byte
	values    []float64 // nil: fixtureValues
}

var npyFixtures = []npyFixture{
	{name: "f8_c_2x3.npy", shape: []int{2, 3}, sameBytes: true},
	{name: "f4_c_3x2.npy", shape: []int{3, 2}, f32: true, sameBytes: true},
	{name: "f8_f_3x4.npy", shape: []int{3, 4}, fortran: true, sameBytes: true},
	{name: "f4_f_2x3x4.npy", shape: []int{2, 3, 4}, f32: true, fortran: true, sameBytes: true},
	{name: "f8_rank0.npy", shape: []int{}, sameBytes: true},
	{name: "f8_rank1.npy", shape: []int{5}, sameBytes: true},
	{name: "f8_empty_0x3.npy", shape: []int{0, 3}, sameBytes: true},
	{name: "f8_specials.npy", shape: []int{9}, sameBytes: true, values: []float64{0, math.Copysign(0, -1), 5e-324,
		2.2250738585072014e-308, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), math.Pi}},
	{name: "f8_v3.npy", shape: []int{2, 2}},
	{name: "f8_v2_huge_header.npy", shape: []int{2, 3}},
}

// checkNPYFixtures reads the numpy-written fixtures in dir and compares them exactly with what
// make_fixtures.py put in them; where np.save wrote the file, WriteNPY must give the same bytes.
func checkNPYFixtures(t *testing.T, dir string) {
	for _, fx := range npyFixtures {
		path := filepath.Join(dir, fx.name)
		a, err := dataio.ReadNPYFile(path)
		if err != nil {
			t.Errorf("%s: %v", fx.name, err)
			continue
		}
		n := 1
		for _, d := range fx.shape {
			n *= d
		}
		want := fx.values
		if want == nil {
			want = fixtureValues(n, fx.f32)
		}
		if !sameShape(a.Shape, fx.shape) || a.Float32 != fx.f32 || a.Fortran != fx.fortran {
			t.Errorf("%s: shape %v float32 %v fortran %v, want %v %v %v", fx.name, a.Shape, a.Float32, a.Fortran, fx.shape, fx.f32, fx.fortran)
		}
		if !sameFloats(a.Data, want) {
			t.Errorf("%s: data\n%v\nwant\n%v", fx.name, a.Data, want)
		}
		if fx.sameBytes {
			file, _ := os.ReadFile(path)
			var buf bytes.Buffer
			if err := dataio.WriteNPY(&buf, a); err != nil {
				t.Errorf("%s: WriteNPY: %v", fx.name, err)
			} else if !bytes.Equal(buf.Bytes(), file) {
				t.Errorf("%s: WriteNPY differs from np.save:\n%q\n%q", fx.name, buf.Bytes(), file)
			}
		}
	}
}

// TestNPYCommittedFixtures checks the numpy-written files committed in testdata (no Python needed).
func TestNPYCommittedFixtures(t *testing.T) { checkNPYFixtures(t, "testdata") }

// TestNPYRoundTrip writes and reads back random arrays of ranks 0-3 (some with zero-length dimensions),
// float32 and float64, C and Fortran order, with special values, and wants them back bit for bit.
func TestNPYRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	dir := t.TempDir()
	for i := range 400 {
		a := randomArray(rng)
		var buf bytes.Buffer
		if err := dataio.WriteNPY(&buf, a); err != nil {
			t.Fatalf("case %d %v: %v", i, a.Shape, err)
		}
		es := 8
		if a.Float32 {
			es = 4
		}
		if (buf.Len()-a.Size()*es)%64 != 0 {
			t.Errorf("case %d: header not padded to 64 bytes (file %d bytes)", i, buf.Len())
		}
		b, err := dataio.ReadNPY(&buf)
		if err != nil {
			t.Fatalf("case %d %v: %v", i, a.Shape, err)
		}
		if !sameShape(a.Shape, b.Shape) || a.Float32 != b.Float32 || a.Fortran != b.Fortran || !sameFloats(a.Data, b.Data) {
			t.Fatalf("case %d: wrote %+v, read %+v", i, a, b)
		}
		if i%20 == 0 { // through a file too
			path := filepath.Join(dir, "a.npy")
			if err := dataio.WriteNPYFile(path, a); err != nil {
				t.Fatal(err)
			}
			c, err := dataio.ReadNPYFile(path)
			if err != nil || !sameFloats(a.Data, c.Data) || !sameShape(a.Shape, c.Shape) {
				t.Fatalf("case %d via file: %v %+v", i, err, c)
			}
		}
	}
}

// TestNPYFortranLayout checks the Fortran layout against a hand-computed one: the 2×3 array
// [[1 2 3] [4 5 6]] is stored column by column as 1 4 2 5 3 6.
func TestNPYFortranLayout(t *testing.T) {
	a := &dataio.Array{Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}, Fortran: true}
	var buf bytes.Buffer
	if err := dataio.WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()[len(buf.Bytes())-48:]
	c := &dataio.Array{Shape: []int{6}, Data: []float64{1, 4, 2, 5, 3, 6}}
	var want bytes.Buffer
	if err := dataio.WriteNPY(&want, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want.Bytes()[want.Len()-48:]) {
		t.Errorf("Fortran data bytes %v", raw)
	}
	if !strings.Contains(buf.String(), "'fortran_order': True") {
		t.Errorf("header %q", buf.String()[:80])
	}
}

// TestNPYVersion2Header writes an array whose header exceeds 65535 bytes: WriteNPY switches to format
// 2.0 (as numpy does) and ReadNPY reads it back.
func TestNPYVersion2Header(t *testing.T) {
	shape := make([]int, 25000)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = 2
	a := &dataio.Array{Shape: shape, Data: []float64{1.5, -2.5}}
	var buf bytes.Buffer
	if err := dataio.WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[6] != 2 || buf.Bytes()[7] != 0 {
		t.Errorf("version %d.%d, want 2.0", buf.Bytes()[6], buf.Bytes()[7])
	}
	b, err := dataio.ReadNPY(&buf)
	if err != nil || !sameShape(b.Shape, shape) || !sameFloats(b.Data, a.Data) {
		t.Fatalf("read back: %v", err)
	}
}

// TestWriteNPYErrors: data that does not fit its shape or a float32 file is refused.
func TestWriteNPYErrors(t *testing.T) {
	cases := []struct {
		a    *dataio.Array
		kind error
		msg  string
	}{
		{&dataio.Array{Shape: []int{2, 2}, Data: []float64{1, 2, 3}}, dataio.ErrShape, "shape (2, 2) holds 4 elements but Data has 3"},
		{&dataio.Array{Shape: []int{-1}}, dataio.ErrShape, "negative dimension"},
		{&dataio.Array{Shape: []int{1}, Data: []float64{1e39}, Float32: true}, dataio.ErrNonFinite, "overflows float32"},
		{nil, dataio.ErrInvalid, "nil array"},
	}
	for _, c := range cases {
		err := dataio.WriteNPYFile(filepath.Join(t.TempDir(), "w.npy"), c.a)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "w.npy") {
			t.Errorf("%+v: %v, want %v containing %q and the file", c.a, err, c.kind, c.msg)
		}
	}
}

// TestMatrixHelpers checks FromMatrix, FromVector and ToMatrix.
func TestMatrixHelpers(t *testing.T) {
	m := [][]float64{{1, 2, 3}, {4, 5, 6}}
	a, err := dataio.FromMatrix(m)
	if err != nil || !sameShape(a.Shape, []int{2, 3}) || !sameFloats(a.Data, []float64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("FromMatrix: %+v %v", a, err)
	}
	back, err := a.ToMatrix()
	if err != nil || len(back) != 2 || !sameFloats(back[1], m[1]) {
		t.Fatalf("ToMatrix: %v %v", back, err)
	}
	back[0][0] = 99
	if a.Data[0] != 1 {
		t.Error("ToMatrix does not copy")
	}
	col, err := dataio.FromVector([]float64{7, 8}).ToMatrix()
	if err != nil || len(col) != 2 || len(col[0]) != 1 || col[1][0] != 8 {
		t.Errorf("vector as column: %v %v", col, err)
	}
	if _, err := dataio.FromMatrix([][]float64{{1, 2}, {3}}); !errors.Is(err, dataio.ErrShape) || !strings.Contains(err.Error(), "row 1 has 1 columns") {
		t.Errorf("ragged: %v", err)
	}
	if _, err := (&dataio.Array{Shape: []int{1, 1, 1}, Data: []float64{1}}).ToMatrix(); !errors.Is(err, dataio.ErrShape) {
		t.Errorf("rank 3: %v", err)
	}
}
