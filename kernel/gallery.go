package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// cmdCheckGallery checks a gallery made by "run" for the notebooks under the given paths.
func cmdCheckGallery(args []string) error {
	fs := flag.NewFlagSet("check-gallery", flag.ExitOnError)
	out := fs.String("out", "out", "gallery directory written by run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in, err := locate()
	if err != nil {
		return err
	}
	notebooks, err := findNotebooks(fs.Args(), *out)
	if err != nil {
		return err
	}
	problems, err := checkGallery(in, notebooks, *out)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	fmt.Printf("gallery %s: %d notebooks ok\n", *out, len(notebooks))
	return nil
}

// errStale marks gallery entries that are missing or were made from other sources.
var errStale = errors.New("stale")

// checkGallery returns one problem per notebook whose gallery entry is missing, stale (made from
// another version of the notebook or of the library), failed, without a conclusion line, or whose
// plotting cells produced no image. A notebook's cell is a plotting cell when its source calls Show( or Display(.
func checkGallery(in *installation, notebooks []string, outDir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(outDir, "index.json"))
	if err != nil {
		return []string{fmt.Sprintf("no gallery in %s (%v): run `go run ./kernel run --quick notebooks/` first", outDir, err)}, nil
	}
	var g gallery
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%s/index.json: %w", outDir, err)
	}
	libID, err := libraryID(in.Repo)
	if err != nil {
		return nil, err
	}
	byPath := map[string]result{}
	for _, r := range g.Results {
		byPath[r.Notebook] = r
	}
	var problems []string
	for _, nb := range notebooks {
		rel := in.relPath(nb)
		r, ok := byPath[rel]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %v: not in the gallery %s", rel, errStale, outDir))
			continue
		}
		nbID, err := fileID(nb)
		if err != nil {
			return nil, err
		}
		if r.NotebookID != nbID || r.LibraryID != libID {
			problems = append(problems, fmt.Sprintf("%s: %v: the gallery was made from another version of the notebook or of pkg/", rel, errStale))
			continue
		}
		if r.Status != "ok" {
			problems = append(problems, fmt.Sprintf("%s: %s\n%s", rel, r.failedCellText(), indent(lastLines(r.Error, 20), "    ")))
			continue
		}
		if r.Conclusion == nil {
			problems = append(problems, fmt.Sprintf("%s: its last code cell printed no \"conclusion: <sentence> | key=value ...\" line", rel))
		}
		problems = append(problems, checkFigures(rel, filepath.Join(outDir, r.Name+".ipynb"))...)
	}
	return problems, nil
}

// checkFigures opens an executed notebook and checks that it has figures, that every plotting
// cell has an image output, and that no cell has an error output.
func checkFigures(rel, executed string) []string {
	data, err := os.ReadFile(executed)
	if err != nil {
		return []string{fmt.Sprintf("%s: executed notebook missing: %v", rel, err)}
	}
	nb, err := readNotebook(data)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", executed, err)}
	}
	var problems []string
	figures := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src := string(c.Source)
		images := 0
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				problems = append(problems, fmt.Sprintf("%s: cell %d has an error output: %s %s", rel, i, o.Ename, o.Evalue))
			}
			if o.Data == nil {
				continue
			}
			if _, ok := o.Data["image/png"]; ok {
				images++
			} else if _, ok := o.Data["image/svg+xml"]; ok {
				images++
			} else if h, ok := o.Data["text/html"]; ok {
				s := dataText(h)
				if strings.Contains(s, "<svg") || strings.Contains(s, "<img") {
					images++
				}
			}
		}
		figures += images
		if (strings.Contains(src, "Show(") || strings.Contains(src, "Display(")) && images == 0 {
			problems = append(problems, fmt.Sprintf("%s: cell %d plots but produced no image", rel, i))
		}
	}
	if figures == 0 {
		problems = append(problems, fmt.Sprintf("%s: no figures at all", rel))
	}
	return problems
}
