package main

import (
	"fmt"
	"strings"
)

// The scripts below run in Jupyter Notebook's page (the classic UI that Debian's jupyter-notebook
// serves) and read its state from the notebook's JavaScript model and from the DOM, as a person
// looking at the page would: prompts, outputs, and the figures drawn in them.

// jsNotebookReady answers whether the notebook is loaded and its kernel connected and idle, and
// which kernel it is.
const jsNotebookReady = `
const nb = window.Jupyter && Jupyter.notebook;
if (!nb || !nb._fully_loaded || !nb.kernel) { return {ready: false, kernel: ""}; }
const icon = document.querySelector('#kernel_indicator_icon');
const idle = icon ? icon.classList.contains('kernel_idle_icon') : !nb.kernel_busy;
const connected = typeof nb.kernel.is_connected === 'function' ? nb.kernel.is_connected() : true;
return {ready: connected && idle, kernel: nb.kernel.name || ""};
`

// jsPageState reports every cell: its prompt, error and stderr outputs, and the figures drawn in
// its output area with their rendered size. A figure is an <img> or a top-level <svg> (SVG
// elements nested in another SVG are parts of one figure).
const jsPageState = `
const nb = Jupyter.notebook;
const icon = document.querySelector('#kernel_indicator_icon');
const busy = icon ? !icon.classList.contains('kernel_idle_icon') : !!nb.kernel_busy;
const cells = nb.get_cells().map((c, i) => {
  const r = {index: i, type: c.cell_type, source: "", prompt: "", errors: [], stderr: "", figures: []};
  if (c.cell_type !== 'code') { return r; }
  r.source = c.get_text();
  const p = c.input_prompt_number;
  r.prompt = (p === undefined || p === null) ? "" : String(p);
  for (const o of c.output_area.outputs) {
    if (o.output_type === 'error') { r.errors.push((o.ename || "") + ": " + (o.evalue || "")); }
    if (o.output_type === 'stream' && o.name === 'stderr') { r.stderr += o.text; }
  }
  if (r.errors.length === 0) {
    c.element[0].querySelectorAll('.output_error').forEach(e => r.errors.push("error output: " + e.textContent.slice(0, 300)));
  }
  c.element[0].querySelectorAll('.output_subarea img, .output_subarea svg').forEach(el => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'svg' && el.parentElement && el.parentElement.closest('svg')) { return; }
    const b = el.getBoundingClientRect();
    const loaded = tag !== 'img' || (el.complete && el.naturalWidth > 0);
    r.figures.push({tag: tag, width: Math.round(b.width), height: Math.round(b.height), loaded: loaded});
  });
  return r;
});
return {busy: busy, kernel: nb.kernel ? nb.kernel.name : "", cells: cells};
`

// jsNotebookHeight scrolls the notebook to its top and returns how many CSS pixels its scroll area
// is short of showing everything: the window must grow by that much to show the whole notebook.
const jsNotebookHeight = `
const site = document.querySelector('#site') || document.scrollingElement;
site.scrollTop = 0;
return Math.max(0, Math.ceil(site.scrollHeight - site.clientHeight));
`

// jsSave saves the notebook through the UI's own save action.
const jsSave = `Jupyter.notebook.save_notebook(); return true;`

// pageState is what jsPageState returns.
type pageState struct {
	Busy   bool        `json:"busy"`
	Kernel string      `json:"kernel"`
	Cells  []cellState `json:"cells"`
}

type cellState struct {
	Index   int      `json:"index"`
	Type    string   `json:"type"`
	Source  string   `json:"source"`
	Prompt  string   `json:"prompt"` // "" never ran, "*" queued or running, "N" finished as the Nth execution
	Errors  []string `json:"errors"`
	Stderr  string   `json:"stderr"`
	Figures []figure `json:"figures"`
}

type figure struct {
	Tag    string `json:"tag"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Loaded bool   `json:"loaded"`
}

// visible reports whether a figure was drawn: a non-empty box, and for images a decoded picture.
func (f figure) visible() bool { return f.Width > 0 && f.Height > 0 && f.Loaded }

// plots reports whether a cell's source draws a figure (the gallery's rule: it calls Show( or Display().
func (c cellState) plots() bool {
	return c.Type == "code" && (strings.Contains(c.Source, "Show(") || strings.Contains(c.Source, "Display("))
}

func (c cellState) finished() bool { return c.Type != "code" || (c.Prompt != "" && c.Prompt != "*") }

// running reports whether any cell is queued or running, or the kernel is busy.
func (s pageState) running() bool {
	if s.Busy {
		return true
	}
	for _, c := range s.Cells {
		if c.Type == "code" && c.Prompt == "*" {
			return true
		}
	}
	return false
}

// done reports whether the run is over: nothing runs, and every code cell finished or one failed
// (Jupyter skips the cells after a failing one).
func (s pageState) done() bool {
	if s.running() {
		return false
	}
	for _, c := range s.Cells {
		if len(c.Errors) > 0 {
			return true
		}
	}
	for _, c := range s.Cells {
		if !c.finished() {
			return false
		}
	}
	return true
}

// codeCells counts the code cells and those that finished.
func (s pageState) codeCells() (total, finished int) {
	for _, c := range s.Cells {
		if c.Type == "code" {
			total++
			if c.finished() {
				finished++
			}
		}
	}
	return total, finished
}

// figures counts the visible figures on the page.
func (s pageState) figures() int {
	n := 0
	for _, c := range s.Cells {
		for _, f := range c.Figures {
			if f.visible() {
				n++
			}
		}
	}
	return n
}

// problems lists what is wrong with a finished run, one line each, naming cells as a person
// finds them (counting from 1, markdown cells included): a kernel other than wantKernel, cells
// that did not run, error outputs, plotting cells without a visible figure, figures drawn with an
// empty box, no figure at all.
func (s pageState) problems(wantKernel string) []string {
	var p []string
	if s.Kernel != wantKernel {
		p = append(p, fmt.Sprintf("the notebook ran on kernel %q, want %q", s.Kernel, wantKernel))
	}
	codes := 0
	for _, c := range s.Cells {
		if c.Type != "code" {
			continue
		}
		codes++
		name := fmt.Sprintf("cell %d, In [%s] %q", c.Index+1, c.Prompt, firstLine(c.Source))
		for _, e := range c.Errors {
			msg := fmt.Sprintf("%s: %s", name, strings.TrimSpace(e))
			if h := stderrHint(c.Stderr); h != "" {
				msg += " (stderr: " + h + ")"
			}
			p = append(p, msg)
		}
		if !c.finished() {
			p = append(p, fmt.Sprintf("%s did not run (prompt %q)", name, c.Prompt))
			continue
		}
		visible := 0
		for _, f := range c.Figures {
			if f.visible() {
				visible++
			} else {
				p = append(p, fmt.Sprintf("%s: a <%s> figure is not rendered (%dx%d px, loaded=%v)", name, f.Tag, f.Width, f.Height, f.Loaded))
			}
		}
		if c.plots() && visible == 0 {
			p = append(p, fmt.Sprintf("%s plots but no figure is rendered in its output", name))
		}
	}
	if codes == 0 {
		p = append(p, "the notebook has no code cells")
	}
	if s.figures() == 0 {
		p = append(p, "no figure is rendered on the page")
	}
	return p
}

// stderrHint picks the line of a failed cell's stderr that says what went wrong: the panic or
// error message, or else the last line.
func stderrHint(stderr string) string {
	last := ""
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "panic:") || strings.Contains(strings.ToLower(l), "error") {
			return l
		}
		last = l
	}
	return last
}

// firstLine returns the first non-blank line of a cell's source that is not an import or `%%`,
// shortened: what names the cell in messages.
func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "%%" || strings.HasPrefix(l, "import") || l == ")" || strings.HasPrefix(l, `"`) || strings.HasPrefix(l, "//") {
			continue
		}
		if len(l) > 60 {
			l = l[:57] + "..."
		}
		return l
	}
	return "empty"
}
