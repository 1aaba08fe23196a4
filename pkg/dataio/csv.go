package dataio

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Table is a numeric table with named columns: the contents of a CSV file with a header row.
type Table struct {
	Columns []string    // column names from the header row, in file order; non-empty and unique
	Rows    [][]float64 // the data rows, each with len(Columns) values
	Lines   []int       // Lines[i] is the 1-based file line of Rows[i]; set by ReadCSV, ignored by WriteCSV
}

// Index returns the index of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// line returns the file line of row i, or 0 when unknown.
func (t *Table) line(i int) int {
	if i < len(t.Lines) {
		return t.Lines[i]
	}
	return 0
}

// ReadCSV reads a comma-separated table with a header row from r. name (the file name, or "" for none)
// is used in errors only. Cells are numbers as strconv.ParseFloat reads them (surrounding spaces are
// ignored; "nan" and "inf" are read as NaN and Inf and left for the caller to judge); a header row
// starting with "#" (as np.savetxt writes it) has the "#" removed; blank lines are skipped. Ragged
// rows, empty or non-numeric cells, empty or duplicate column names and an empty file are errors naming
// the line and column.
func ReadCSV(r io.Reader, name string) (*Table, error) {
	t, err := readCSV(r)
	if name != "" {
		err = inFile(err, name)
	}
	return t, err
}

// ReadCSVFile reads the CSV file at path, as ReadCSV does.
func ReadCSVFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inFile(err, path)
	}
	defer f.Close()
	return ReadCSV(f, path)
}

func readCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errf(ErrFormat, "empty file; a CSV file needs a header row naming its columns")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	t := &Table{Columns: make([]string, len(header))}
	seen := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
			// np.savetxt writes "# " before the header.
			h = strings.TrimLeftFunc(h, func(r rune) bool { return r == '#' || unicode.IsSpace(r) })
		}
		h = strings.TrimSpace(h)
		if strings.ContainsAny(h, "\r\n") {
			return nil, errf(ErrFormat, "line 1: column %d name %q contains a line break", i+1, h)
		}
		if h == "" {
			return nil, errf(ErrFormat, "line 1: column %d has an empty name; the first row must name every column", i+1)
		}
		if j, dup := seen[h]; dup {
			return nil, errf(ErrFormat, "line 1: column name %q appears twice (columns %d and %d)", h, j+1, i+1)
		}
		if v, err := strconv.ParseFloat(h, 64); err == nil && isFinite(v) {
			return nil, errf(ErrFormat, "line 1: column %d is named %q, a number: the first row must be a header naming the columns", i+1, h)
		}
		seen[h] = i
		t.Columns[i] = h
	}
	if len(header) == 1 && strings.ContainsAny(t.Columns[0], ";\t") {
		return nil, errf(ErrFormat, "line 1: one column named %q: the delimiter must be a comma", t.Columns[0])
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(t.Columns) {
			return nil, errf(ErrShape, "line %d: %d fields, the header has %d", line, len(rec), len(t.Columns))
		}
		row := make([]float64, len(rec))
		for j, cell := range rec {
			s := strings.TrimSpace(cell)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				what := "is not a number"
				switch {
				case s == "":
					what = "is empty; every cell must hold a number"
				case errors.Is(err, strconv.ErrRange):
					what = "is out of the float64 range"
				}
				return nil, errf(ErrFormat, "line %d, column %d (%s): %q %s", line, j+1, t.Columns[j], shortRepr(cell, 40), what)
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
		t.Lines = append(t.Lines, line)
	}
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errf(ErrFormat, "line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return &Error{Kind: ErrFormat, Msg: "reading", Err: err}
}

// WriteCSV writes t as CSV with a header row to w. Numbers are written in the shortest form that reads
// back to the same float64 (strconv 'g', -1), so a write-read round trip is exact.
func WriteCSV(w io.Writer, t *Table) error {
	if err := t.check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return &Error{Kind: ErrFormat, Msg: "writing the header", Err: err}
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for j, v := range row {
			rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return &Error{Kind: ErrFormat, Msg: "writing a row", Err: err}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return &Error{Kind: ErrFormat, Msg: "writing", Err: err}
	}
	return nil
}

// WriteCSVFile writes t to the CSV file at path, atomically. Errors name the file.
func WriteCSVFile(path string, t *Table) error {
	if err := t.check(); err != nil {
		return inFile(err, path)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return WriteCSV(w, t) })
}

// check validates a table for writing: names that read back as written, rows of the header's width.
func (t *Table) check() error {
	if t == nil {
		return errf(ErrInvalid, "nil table")
	}
	if len(t.Columns) == 0 {
		return errf(ErrInvalid, "table has no columns")
	}
	seen := map[string]bool{}
	for i, c := range t.Columns {
		if c == "" || strings.TrimSpace(c) != c || strings.ContainsAny(c, "\r\n") || (i == 0 && strings.HasPrefix(c, "#")) {
			return errf(ErrInvalid, "column %d name %q: names must be non-empty, without surrounding spaces or line breaks (and the first must not start with '#')", i+1, c)
		}
		if seen[c] {
			return errf(ErrInvalid, "column name %q appears twice", c)
		}
		seen[c] = true
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return errf(ErrShape, "row %d has %d values, the table has %d columns", i, len(row), len(t.Columns))
		}
	}
	return nil
}

// isFinite reports whether v is neither NaN nor ±Inf.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
