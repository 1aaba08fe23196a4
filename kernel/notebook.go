package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"regexp"
	"strings"
)

// notebook is the part of a Jupyter notebook (nbformat 4) that the kernel command reads: the
// notebooks it is asked to run (checked before anything is built or installed), and the
// executed notebooks it reads the failing cell's error output and the figures from.
type notebook struct {
	NBFormat *int `json:"nbformat"`
	Metadata struct {
		Kernelspec *struct {
			Name string `json:"name"`
		} `json:"kernelspec"`
	} `json:"metadata"`
	Cells []cell `json:"cells"`
}

type cell struct {
	CellType string    `json:"cell_type"`
	Source   multiline `json:"source"`
	Outputs  []output  `json:"outputs"`
}

type output struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"` // stream: "stdout" or "stderr"
	Text       multiline                  `json:"text"` // stream
	Data       map[string]json.RawMessage `json:"data"` // display_data, execute_result
	Ename      string                     `json:"ename"`
	Evalue     string                     `json:"evalue"`
	Traceback  []string                   `json:"traceback"`
}

// multiline is a notebook text field: a string or a list of strings that are concatenated.
type multiline string

func (m *multiline) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var parts []string
	if err := json.Unmarshal(data, &parts); err != nil {
		return errors.New("a text field is neither a string nor a list of strings")
	}
	*m = multiline(strings.Join(parts, ""))
	return nil
}

// dataText returns the text of a mime bundle entry (a string or a list of strings), or "".
func dataText(raw json.RawMessage) string {
	var m multiline
	if m.UnmarshalJSON(raw) != nil {
		return ""
	}
	return string(m)
}

var (
	cellTypes   = map[string]bool{"code": true, "markdown": true, "raw": true}
	outputTypes = map[string]bool{"stream": true, "display_data": true, "execute_result": true, "error": true}
)

// readNotebook parses a notebook and checks what the kernel command relies on: nbformat 4,
// known cell and output types, text fields that are strings or lists of strings.
func readNotebook(data []byte) (*notebook, error) {
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("not valid JSON (at byte %d: %v); a notebook is the JSON file Jupyter saves", syn.Offset, err)
		}
		return nil, fmt.Errorf("not a Jupyter notebook: %v", err)
	}
	if nb.NBFormat == nil {
		return nil, errors.New(`not a Jupyter notebook: no "nbformat" field`)
	}
	if *nb.NBFormat != 4 {
		return nil, fmt.Errorf("nbformat is %d; notebooks must be nbformat 4 (open and save the notebook in Jupyter to convert it)", *nb.NBFormat)
	}
	for i, c := range nb.Cells {
		if !cellTypes[c.CellType] {
			return nil, fmt.Errorf("cell %d: cell_type is %q; allowed: code, markdown, raw", i+1, c.CellType)
		}
		for j, o := range c.Outputs {
			if !outputTypes[o.OutputType] {
				return nil, fmt.Errorf("cell %d, output %d: output_type is %q; allowed: stream, display_data, execute_result, error", i+1, j+1, o.OutputType)
			}
		}
	}
	return &nb, nil
}

// readNotebookFile reads and checks the notebook at path; errors name the path.
func readNotebookFile(path string) (*notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nb, err := readNotebook(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

// maxErrorLines bounds the error output printed for a failed cell.
const maxErrorLines = 40

var (
	ansiEscape     = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	goroutineLine  = regexp.MustCompile(`^goroutine \d+ \[`)
	buildPkgHeader = regexp.MustCompile(`^# gonb_[0-9a-f]+$`)
	// gonbMainFrame is a traceback location in the main.go GoNB builds from the cells.
	gonbMainFrame = regexp.MustCompile(`\S*/gonb_[0-9a-f]+/main\.go:\d+`)
	// gonbReportFrame is a frame of GoNB's HTML report: "Cell[2]: Line 3 /tmp/gonb_x/main.go:15".
	gonbReportFrame = regexp.MustCompile(`Cell\[(\d+)\]: Line (\d+)\s+(\S*/gonb_[0-9a-f]+/main\.go:\d+)`)
)

// markCellFrames adds GoNB's "[[ Cell [n] Line m ]]" to the traceback lines in GoNB's main.go
// that lack it. GoNB marks the lines of a panic's output chunk by chunk as the process writes
// them; the Go runtime writes a frame's file and line number in separate writes, so a chunk
// boundary can fall between them and leave the frame unmarked. GoNB's HTML report, built line
// by line after the fact, maps the same locations; its mapping fills the gaps.
func markCellFrames(lines []string, reports []string) {
	cellOf := map[string]string{}
	for _, r := range reports {
		for _, m := range gonbReportFrame.FindAllStringSubmatch(r, -1) {
			cellOf[m[3]] = fmt.Sprintf("[[ Cell [%s] Line %s ]]", m[1], m[2])
		}
	}
	for i, l := range lines {
		if strings.Contains(l, "[[ Cell") {
			continue
		}
		if loc := gonbMainFrame.FindString(l); loc != "" && cellOf[loc] != "" {
			lines[i] = strings.Replace(l, loc, cellOf[loc]+" "+loc, 1)
		}
	}
}

// errorText returns a cell's error output as a person needs it in a terminal: what the cell
// wrote to stderr (a panic's message and the frames of its traceback in the cell or in the
// library at repo, not the runtime's), or, when it wrote nothing there, GoNB's error report
// (compiler messages, a failed "go get" with its reason) as text, then the error's own lines.
// At most maxErrorLines lines; "" when the cell has no error output.
func (c cell) errorText(repo string) string {
	var stderr strings.Builder
	var reports []string
	var errLines []string
	for _, o := range c.Outputs {
		switch o.OutputType {
		case "stream":
			if o.Name == "stderr" {
				stderr.WriteString(string(o.Text))
			}
		case "display_data", "execute_result":
			if h, ok := o.Data["text/html"]; ok {
				if t := gonbErrorReport(dataText(h)); t != "" {
					reports = append(reports, t)
				}
			}
		case "error":
			lines := o.Traceback
			if len(lines) == 0 {
				lines = []string{o.Evalue}
			}
			for _, l := range lines {
				errLines = append(errLines, strings.Split(l, "\n")...)
			}
			if o.Ename != "" && o.Ename != "ERROR" && len(errLines) > 0 {
				errLines[0] = o.Ename + ": " + errLines[0]
			}
		}
	}
	var lines []string
	if s := ansiEscape.ReplaceAllString(stderr.String(), ""); strings.TrimSpace(s) != "" {
		stderrLines := strings.Split(s, "\n")
		markCellFrames(stderrLines, reports)
		lines = trimTraceback(stderrLines, repo)
	} else {
		for _, r := range reports {
			lines = append(lines, strings.Split(r, "\n")...)
		}
	}
	seen := map[string]bool{}
	for _, l := range lines {
		seen[strings.TrimSpace(l)] = true
	}
	for _, l := range errLines {
		l = strings.TrimRight(ansiEscape.ReplaceAllString(l, ""), " \t\r")
		if t := strings.TrimSpace(l); t != "" && !seen[t] {
			lines = append(lines, l)
			seen[t] = true
		}
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > maxErrorLines {
		n := len(lines) - (maxErrorLines - 1)
		lines = append(lines[:maxErrorLines-1:maxErrorLines-1], fmt.Sprintf("... (%d more lines in the executed notebook)", n))
	}
	return strings.Join(lines, "\n")
}

// trimTraceback keeps what a Go panic's output says to the notebook's author: everything before
// the first goroutine (the panic message, what the cell logged), that goroutine's header and
// its frames in a cell (GoNB marks them "[[ Cell [n] Line m ]]"; see markCellFrames), in
// GoNB's main.go or in the library at repo,
// and the lines after the traceback ("exit status 2"). Other frames and goroutines are counted.
func trimTraceback(lines []string, repo string) []string {
	var out []string
	i := 0
	for ; i < len(lines) && !goroutineLine.MatchString(lines[i]); i++ {
		out = append(out, strings.TrimRight(lines[i], " \t\r"))
	}
	if i == len(lines) {
		return out
	}
	out = append(out, lines[i])
	i++
	elided := 0
	useful := func(loc string) bool {
		return strings.Contains(loc, "[[ Cell") || gonbMainFrame.MatchString(loc) ||
			(repo != "" && strings.Contains(loc, repo+string(os.PathSeparator)))
	}
	for i < len(lines) {
		l := lines[i]
		switch {
		case goroutineLine.MatchString(l):
			// Another goroutine (GOTRACEBACK=all): skip to its end.
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			}
			elided++
			continue
		case strings.TrimSpace(l) == "":
			i++
			continue
		case strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " "):
			// A location line without its function line: keep it if useful.
			if useful(l) {
				out = append(out, strings.TrimRight(l, " \t\r"))
			} else {
				elided++
			}
			i++
			continue
		}
		// A function line, followed by its location line when it is a frame.
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			if useful(lines[i+1]) {
				out = append(out, strings.TrimRight(l, " \t\r"), strings.TrimRight(lines[i+1], " \t\r"))
			} else {
				elided++
			}
			i += 2
			continue
		}
		// Not a frame: the end of the traceback ("exit status 2", ...).
		if elided > 0 {
			out = append(out, fmt.Sprintf("\t... %d frames of the Go runtime and other packages left out", elided))
			elided = 0
		}
		out = append(out, strings.TrimRight(l, " \t\r"))
		i++
	}
	if elided > 0 {
		out = append(out, fmt.Sprintf("\t... %d frames of the Go runtime and other packages left out", elided))
	}
	return out
}

// gonbErrorReport turns GoNB's HTML error report (compiler messages mapped to cell lines, a
// failed "go get") into plain text lines without the hover context; "" for other HTML.
func gonbErrorReport(h string) string {
	if !strings.Contains(h, "application/vnd.jupyter.stderr") && !strings.Contains(h, "gonb-err") {
		return ""
	}
	h = removeElements(h, "<style", "</style>")
	h = removeDivs(h, `<div class="gonb-err-context">`)
	h = strings.NewReplacer("</div>", "\n", "<br>", "\n", "<br/>", "\n").Replace(h)
	var b strings.Builder
	inTag := false
	for _, r := range h {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	var lines []string
	for _, l := range strings.Split(html.UnescapeString(b.String()), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || buildPkgHeader.MatchString(l) {
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// removeElements removes every text from open to the next close (both included); an open
// without a close removes the rest.
func removeElements(s, open, close string) string {
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], close)
		if j < 0 {
			return s[:i]
		}
		s = s[:i] + s[i+j+len(close):]
	}
}

// removeDivs removes every div that starts with open, with the divs nested in it.
func removeDivs(s, open string) string {
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return s
		}
		depth, j := 1, i+len(open)
		for depth > 0 {
			o := strings.Index(s[j:], "<div")
			c := strings.Index(s[j:], "</div>")
			if c < 0 {
				return s[:i]
			}
			if o >= 0 && o < c {
				depth++
				j += o + len("<div")
			} else {
				depth--
				j += c + len("</div>")
			}
		}
		s = s[:i] + s[j:]
	}
}

// conclusion is the line a notebook's last code cell prints to state what the run reached:
// "conclusion: <sentence> | key=value key=value ..." (issue #22).
type conclusion struct {
	Sentence string            `json:"sentence"`
	Figures  map[string]string `json:"figures,omitempty"`
}

// conclusionOf returns the conclusion printed by the last code cell of an executed notebook (on
// its standard output), or nil when that cell printed none.
func conclusionOf(nb *notebook) *conclusion {
	for i := len(nb.Cells) - 1; i >= 0; i-- {
		c := nb.Cells[i]
		if c.CellType != "code" {
			continue
		}
		var found *conclusion
		for _, o := range c.Outputs {
			if o.OutputType != "stream" || o.Name != "stdout" {
				continue
			}
			for _, line := range strings.Split(string(o.Text), "\n") {
				if cl := parseConclusion(line); cl != nil {
					found = cl
				}
			}
		}
		return found
	}
	return nil
}

// parseConclusion parses one "conclusion: sentence | k=v k=v" line; nil if line is not one.
func parseConclusion(line string) *conclusion {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "conclusion:")
	if !ok {
		return nil
	}
	sentence, figs, _ := strings.Cut(rest, " | ")
	c := &conclusion{Sentence: strings.TrimSpace(sentence)}
	for _, kv := range strings.Fields(figs) {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			if c.Figures == nil {
				c.Figures = map[string]string{}
			}
			c.Figures[k] = v
		}
	}
	return c
}
