package dataio

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The .npy header is the repr of a Python dict such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
//
// pyParse reads the subset of Python literals such headers use: dicts, tuples and lists, strings,
// integers (with Python 2's L suffix), True, False and None. It never evaluates anything.

type pyTuple []any
type pyList []any

// pyDict is a dict literal with its keys in order.
type pyDict struct {
	keys []string
	vals map[string]any
}

// pyNone is Python's None.
type pyNone struct{}

const pyMaxDepth = 32

type pyParser struct {
	s   string
	pos int
}

// pyParse parses s as one Python literal followed only by whitespace.
func pyParse(s string) (any, error) {
	p := &pyParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q after the header dict", p.peekText())
	}
	return v, nil
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.pos, oneLine(fmt.Sprintf(format, args...)))
}

// oneLine escapes the control characters of an error message (which may quote the input) so that it
// stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// peekText returns a short excerpt of the input at the current position, for error messages.
func (p *pyParser) peekText() string {
	end := min(p.pos+12, len(p.s))
	return p.s[p.pos:end]
}

func (p *pyParser) skip() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > pyMaxDepth {
		return nil, p.errorf("literals nested deeper than %d levels", pyMaxDepth)
	}
	p.skip()
	if p.pos >= len(p.s) {
		return nil, p.errorf("header ends where a value was expected")
	}
	c := p.s[p.pos]
	switch {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		p.pos++
		items, trailingComma, err := p.items(depth, ')')
		if err != nil {
			return nil, err
		}
		if len(items) == 1 && !trailingComma {
			return items[0], nil // (x) is x, not a tuple
		}
		return pyTuple(items), nil
	case c == '[':
		p.pos++
		items, _, err := p.items(depth, ']')
		if err != nil {
			return nil, err
		}
		return pyList(items), nil
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.int()
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_':
		start := p.pos
		for p.pos < len(p.s) && (isIdent(p.s[p.pos])) {
			p.pos++
		}
		switch w := p.s[start:p.pos]; w {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return pyNone{}, nil
		default:
			p.pos = start
			return nil, p.errorf("unexpected name %q; allowed: strings, integers, tuples, lists, dicts, True, False, None", w)
		}
	default:
		return nil, p.errorf("unexpected %q", p.peekText())
	}
}

func isIdent(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// items parses comma-separated values up to the closing byte, which it consumes.
func (p *pyParser) items(depth int, closing byte) ([]any, bool, error) {
	var items []any
	trailing := false
	for {
		p.skip()
		if p.pos < len(p.s) && p.s[p.pos] == closing {
			p.pos++
			return items, trailing, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		trailing = false
		p.skip()
		if p.pos >= len(p.s) {
			return nil, false, p.errorf("header ends before the closing %q", closing)
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
			trailing = true
		case closing:
		default:
			return nil, false, p.errorf("expected ',' or %q, found %q", closing, p.peekText())
		}
	}
}

func (p *pyParser) dict(depth int) (any, error) {
	p.pos++ // '{'
	d := pyDict{vals: map[string]any{}}
	for {
		p.skip()
		if p.pos >= len(p.s) {
			return nil, p.errorf("header ends before the closing '}'")
		}
		if p.s[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, p.errorf("dict key %s is not a string", pyRepr(k))
		}
		if _, dup := d.vals[key]; dup {
			return nil, p.errorf("duplicate key %q", key)
		}
		p.skip()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("expected ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, key)
		d.vals[key] = v
		p.skip()
		if p.pos >= len(p.s) {
			return nil, p.errorf("header ends before the closing '}'")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errorf("expected ',' or '}', found %q", p.peekText())
		}
	}
}

func (p *pyParser) str() (any, error) {
	q := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\n':
			return nil, p.errorf("newline inside a string")
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				return nil, p.errorf("header ends inside a string")
			}
			// Only simple escapes: dtype strings never need more.
			switch e := p.s[p.pos+1]; e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return nil, p.errorf("unsupported escape \\%c in a string", e)
			}
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.errorf("header ends inside a string")
}

func (p *pyParser) int() (any, error) {
	start := p.pos
	if c := p.s[p.pos]; c == '-' || c == '+' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == digits {
		p.pos = start
		return nil, p.errorf("unexpected %q", p.peekText())
	}
	text := p.s[start:p.pos]
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++ // Python 2 long
	}
	if p.pos < len(p.s) && (isIdent(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos = start
		return nil, p.errorf("not an integer: %q", p.peekText())
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		p.pos = start
		return nil, p.errorf("integer %s out of range", text)
	}
	return n, nil
}

// pyRepr formats a parsed value as Python would print it, for error messages.
func pyRepr(v any) string {
	switch v := v.(type) {
	case string:
		return pyStringRepr(v)
	case bool:
		if v {
			return "True"
		}
		return "False"
	case pyNone:
		return "None"
	case int64:
		return strconv.FormatInt(v, 10)
	case pyTuple:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		if len(v) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case pyList:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case pyDict:
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(v.vals[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyStringRepr quotes s as Python's repr does for a str: single quotes, with backslashes, quotes and
// control characters escaped, so that an error message quoting it stays on one line.
func pyStringRepr(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// shortRepr shortens a repr to at most n bytes for error messages.
func shortRepr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
