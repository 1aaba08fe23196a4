package sindy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Kinds of library descriptions.
const (
	specBasis  = "basis"  // NewLibrary(...)...Done()
	specConcat = "concat" // Concat(parts...)
	specTensor = "tensor" // Tensor(parts...)
)

// librarySpec describes how to rebuild a library: the "library" object of a model's JSON.
//
//	{"kind": "basis", "variables": ["x", "y"], "inputs": ["u1"], "poly_order": 2, "constant": true,
//	 "sine": false, "fourier": 0, "custom": ["exp(x)"]}
//	{"kind": "concat" | "tensor", "variables": [...], "inputs": [...], "parts": [<library>, ...]}
type librarySpec struct {
	Kind       string        `json:"kind"`
	Variables  []string      `json:"variables"`
	Inputs     []string      `json:"inputs,omitempty"`
	Polynomial *int          `json:"poly_order,omitempty"`
	Constant   *bool         `json:"constant,omitempty"`
	Sine       bool          `json:"sine,omitempty"`
	Fourier    int           `json:"fourier,omitempty"`
	Custom     []string      `json:"custom,omitempty"`
	Parts      []librarySpec `json:"parts,omitempty"`
}

// rebuild builds the library the description describes.
func (s *librarySpec) rebuild() (*Library, error) {
	switch s.Kind {
	case specBasis:
		if len(s.Custom) > 0 {
			return nil, fmt.Errorf("%w: the library has custom terms %q, Go functions that JSON cannot hold: rebuild the library in Go and use FromCoefficients", ErrInput, s.Custom)
		}
		if s.Polynomial == nil || s.Constant == nil {
			return nil, fmt.Errorf("%w: a %q library needs \"poly_order\" and \"constant\"", ErrInput, s.Kind)
		}
		b := NewLibrary(len(s.Variables)).Names(s.Variables...).InputNames(s.Inputs...).Polynomial(*s.Polynomial).Fourier(s.Fourier)
		if !*s.Constant {
			b.NoConstant()
		}
		if s.Sine {
			b.Sine()
		}
		return b.Done()
	case specConcat, specTensor:
		parts := make([]*Library, len(s.Parts))
		for i := range s.Parts {
			p, err := s.Parts[i].rebuild()
			if err != nil {
				return nil, fmt.Errorf("%s part %d: %w", s.Kind, i, err)
			}
			parts[i] = p
		}
		if s.Kind == specConcat {
			return Concat(parts...)
		}
		return Tensor(parts...)
	}
	return nil, fmt.Errorf("%w: library kind %q (want %q, %q or %q)", ErrInput, s.Kind, specBasis, specConcat, specTensor)
}

// modelJSON is the JSON form of a model.
type modelJSON struct {
	Features     []string     `json:"features"`
	States       []string     `json:"states"`
	Inputs       []string     `json:"inputs,omitempty"`
	Coefficients [][]float64  `json:"coefficients"`
	Equations    []string     `json:"equations"`
	Library      *librarySpec `json:"library"`
}

// MarshalJSON encodes a fitted model as
//
//	{"features": ["1", "x", ...], "states": ["x", "y", "z"], "inputs": [...],
//	 "coefficients": [[...], ...], "equations": ["x' = ...", ...], "library": {...}}
//
// where coefficients is indexed [state][feature], the transpose of Coefficients() and the layout of
// PySINDy's model.coefficients(); equations have 3 decimals (PySINDy's equations() default); inputs
// is omitted without control inputs; library describes how to rebuild the library (variables,
// inputs, poly_order, constant, sine, fourier, custom term names, or the parts of a concatenation
// or tensor product), so that LoadModelJSON gives back a model that predicts and simulates the same.
// Coefficients are written exactly (shortest round-trip decimal form).
func (m *Model) MarshalJSON() ([]byte, error) {
	if err := m.fitted(); err != nil {
		return nil, fmt.Errorf("sindy: export: %w", err)
	}
	if m.lib.spec == nil {
		return nil, fmt.Errorf("%w: export: the library has no description (build it with NewLibrary, Concat or Tensor)", ErrInput)
	}
	if err := checkXi(m.lib, m.xi); err != nil {
		return nil, fmt.Errorf("sindy: export: %w", err)
	}
	q, p := m.lib.NumVars(), m.lib.Size()
	coef := make([][]float64, q)
	for j := range coef {
		coef[j] = make([]float64, p)
		for i := range p {
			coef[j][i] = m.xi[i][j]
		}
	}
	return json.Marshal(modelJSON{Features: m.lib.Names(), States: m.lib.VarNames(), Inputs: m.lib.InputNames(),
		Coefficients: coef, Equations: m.Equations(3), Library: m.lib.spec})
}

// UnmarshalJSON decodes a model written by MarshalJSON: it rebuilds the library from its description
// and checks that the features, states and inputs match it and that the coefficients have the
// shape [states][features] and are finite. A library with custom terms cannot be rebuilt (an error
// says so). The model's optimizer is DefaultSTLSQ().
func (m *Model) UnmarshalJSON(data []byte) error {
	var j modelJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: model JSON: %w", ErrInput, err)
	}
	if j.Library == nil {
		return fmt.Errorf("%w: model JSON has no \"library\" description", ErrInput)
	}
	lib, err := j.Library.rebuild()
	if err != nil {
		return fmt.Errorf("model JSON library: %w", err)
	}
	if err := sameList("features", j.Features, lib.Names()); err != nil {
		return err
	}
	if err := sameList("states", j.States, lib.vars); err != nil {
		return err
	}
	if err := sameList("inputs", j.Inputs, lib.inputs); err != nil {
		return err
	}
	q, p := lib.NumVars(), lib.Size()
	if len(j.Coefficients) != q {
		return fmt.Errorf("%w: model JSON has %d coefficient rows, want one per state (%d)", ErrInput, len(j.Coefficients), q)
	}
	xi := make([][]float64, p)
	for i := range xi {
		xi[i] = make([]float64, q)
	}
	for s, row := range j.Coefficients {
		if len(row) != p {
			return fmt.Errorf("%w: model JSON coefficient row %d (state %q) has %d values, want one per feature (%d)", ErrInput, s, lib.vars[s], len(row), p)
		}
		for i, v := range row {
			xi[i][s] = v
		}
	}
	if err := checkXi(lib, xi); err != nil {
		return fmt.Errorf("model JSON: %w", err)
	}
	m.lib, m.opt, m.xi = lib, DefaultSTLSQ(), xi
	m.pred.Store(nil)
	return nil
}

// sameList checks a list of names in a model file against the rebuilt library's.
func sameList(what string, got, want []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%w: model JSON lists %d %s, the library rebuilt from its description has %d (%q)", ErrInput, len(got), what, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("%w: model JSON %s[%d] is %q, the library rebuilt from its description has %q", ErrInput, what, i, got[i], want[i])
		}
	}
	return nil
}

// SaveJSON writes the model's JSON (MarshalJSON, indented) to path atomically: to a temporary file in
// the same directory, synced, then renamed over path, so a reader never sees a partial file.
func (m *Model) SaveJSON(path string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("sindy: save %s: %w", path, err)
	}
	data = append(data, '\n')
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("sindy: save %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sindy: save %s: %w", path, err)
	}
	return nil
}

// LoadModelJSON reads a model written by SaveJSON (or any JSON of MarshalJSON's form).
func LoadModelJSON(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sindy: load model: %w", err)
	}
	m := &Model{}
	if err := m.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("sindy: load model %s: %w", path, err)
	}
	return m, nil
}

// LaTeX returns the model's equations as a LaTeX aligned block, one line per state with 3 decimals:
//
//	\begin{aligned}
//	\dot{x}_{1} &= -10.000 x_{1} + 10.000 x_{2} \\
//	...
//	\end{aligned}
//
// Variable names become LaTeX: a trailing number is a subscript (z1 → z_{1}), Greek letter names
// become symbols (theta → \theta), other multi-letter names are set upright (\mathrm{zdot}). It is
// empty for an unfitted model.
func (m *Model) LaTeX() string {
	if m.fitted() != nil {
		return ""
	}
	names := make([]string, 0, m.lib.NumVars()+m.lib.NumInputs())
	for _, v := range append(m.lib.VarNames(), m.lib.inputs...) {
		names = append(names, latexVar(v))
	}
	var b strings.Builder
	b.WriteString("\\begin{aligned}\n")
	for j, v := range m.lib.vars {
		b.WriteString(latexDot(v) + " &=")
		first := true
		for i := range m.lib.terms {
			c := m.xi[i][j]
			if c == 0 {
				continue
			}
			mag := strconv(math.Abs(c), 3)
			switch {
			case first && c < 0:
				b.WriteString(" -" + mag)
			case first:
				b.WriteString(" " + mag)
			case c < 0:
				b.WriteString(" - " + mag)
			default:
				b.WriteString(" + " + mag)
			}
			if t := latexTerm(&m.lib.terms[i], names); t != "" {
				b.WriteString(" " + t)
			}
			first = false
		}
		if first {
			b.WriteString(" 0")
		}
		if j < len(m.lib.vars)-1 {
			b.WriteString(" \\\\")
		}
		b.WriteString("\n")
	}
	b.WriteString("\\end{aligned}")
	return b.String()
}

// latexTerm is a term in LaTeX given the LaTeX names of w; "" for the constant.
func latexTerm(t *Term, names []string) string {
	switch {
	case t.Factors != nil:
		var parts []string
		for i := range t.Factors {
			if s := latexTerm(&t.Factors[i], names); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	case t.Func != nil:
		return "\\mathrm{" + latexEscape(t.Name) + "}"
	case t.Freq > 0:
		f := "\\sin"
		if t.Cos {
			f = "\\cos"
		}
		if t.Freq == 1 {
			return f + "(" + names[t.Var] + ")"
		}
		return fmt.Sprintf("%s(%d %s)", f, t.Freq, names[t.Var])
	case t.Sine >= 0:
		return "\\sin(" + names[t.Sine] + ")"
	}
	var parts []string
	for i, p := range t.Powers {
		switch {
		case p == 1:
			parts = append(parts, names[i])
		case p > 1:
			parts = append(parts, fmt.Sprintf("%s^{%d}", names[i], p))
		}
	}
	return strings.Join(parts, " ")
}

var (
	latexSubscript = regexp.MustCompile(`^([A-Za-z]+)_?([0-9]+)$`)
	greek          = map[string]bool{"alpha": true, "beta": true, "gamma": true, "delta": true, "epsilon": true,
		"zeta": true, "eta": true, "theta": true, "iota": true, "kappa": true, "lambda": true, "mu": true, "nu": true,
		"xi": true, "pi": true, "rho": true, "sigma": true, "tau": true, "upsilon": true, "phi": true, "chi": true,
		"psi": true, "omega": true, "Gamma": true, "Delta": true, "Theta": true, "Lambda": true, "Xi": true, "Pi": true,
		"Sigma": true, "Upsilon": true, "Phi": true, "Psi": true, "Omega": true}
)

// latexSplit splits a variable name into its LaTeX base symbol and subscript ("" when none).
func latexSplit(name string) (base, sub string) {
	if s := latexSubscript.FindStringSubmatch(name); s != nil {
		name, sub = s[1], s[2]
	}
	switch {
	case greek[name]:
		return "\\" + name, sub
	case len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z'):
		return name, sub
	}
	return "\\mathrm{" + latexEscape(name) + "}", sub
}

func latexVar(name string) string {
	base, sub := latexSplit(name)
	if sub != "" {
		return base + "_{" + sub + "}"
	}
	return base
}

func latexDot(name string) string {
	base, sub := latexSplit(name)
	if sub != "" {
		return "\\dot{" + base + "}_{" + sub + "}"
	}
	return "\\dot{" + base + "}"
}

var latexSpecial = strings.NewReplacer(`\`, `\backslash `, `_`, `\_`, `^`, `\hat{}`, `#`, `\#`, `$`, `\$`,
	`%`, `\%`, `&`, `\&`, `{`, `\{`, `}`, `\}`, `~`, `\sim `)

func latexEscape(s string) string { return latexSpecial.Replace(s) }
