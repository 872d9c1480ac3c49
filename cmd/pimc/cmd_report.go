package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/sim"
)

func init() {
	register(&command{name: "report", summary: "draw one or several sim/eval JSON reports as a self-contained HTML page with charts (several: a comparison)", run: runReport})
}

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "R.json... -o REPORT.html [-title T] [-csv DIR] [-png DIR]", stderr)
	out := fs.String("o", "", "the HTML file to write (- for stdout); required")
	title := fs.String("title", "", "the page title (default: the reports' names)")
	csvDir := fs.String("csv", "", "also write every chart's data as CSV files into this folder (made if missing), one per chart")
	pngDir := fs.String("png", "", "also draw every chart as a PNG image (gonum/plot) into this folder (made if missing), one per chart")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(pos) == 0:
		return usageError(fs, "%s", argCount("one or more R.json arguments (pimc sim|eval -report R.json)", pos))
	case *out == "":
		return usageError(fs, "-o REPORT.html is required")
	}
	paths := append(outfile.Inputs("report", pos), outfile.Output("-o", *out))
	if *csvDir != "" {
		paths = append(paths, outfile.OutputDir("-csv", *csvDir))
	}
	if *pngDir != "" {
		paths = append(paths, outfile.OutputDir("-png", *pngDir))
	}
	if code := checkPaths(fs, paths...); code != exitOK {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc report: %v\n", err)
		return exitUser
	}
	var runs []htmlreport.Run
	var names []string
	for _, p := range pos {
		rep, err := readSimReport(p)
		if err != nil {
			return fail(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		runs = append(runs, htmlreport.Run{Name: name, Report: rep})
		names = append(names, name)
	}
	if *title == "" {
		*title = "pimc report: " + strings.Join(names, ", ")
	}
	// Every chart's data (-csv) and drawing (-png), one file per chart.
	page := &htmlreport.Page{Runs: runs}
	for _, d := range []struct {
		dir, ext string
		write    func(c htmlreport.Figure, w io.Writer) error
	}{
		{*csvDir, ".csv", htmlreport.Figure.WriteCSV},
		{*pngDir, ".png", htmlreport.Figure.PNG},
	} {
		if d.dir == "" {
			continue
		}
		if err := outfile.MkdirAll(d.dir); err != nil {
			return fail(err)
		}
		for _, c := range page.Figures() {
			var b bytes.Buffer
			if err := d.write(c, &b); err != nil {
				return fail(fmt.Errorf("chart %s: %w", c.Name(), err))
			}
			if err := outfile.WriteFile(filepath.Join(d.dir, c.Name()+d.ext), b.Bytes(), 0o644); err != nil {
				return fail(err)
			}
		}
	}
	if err := writeHTMLReport(*out, *title, "report", args, runs, stdout); err != nil {
		return fail(err)
	}
	return exitOK
}

// readSimReport reads a JSON cost report (pimc sim|eval -report) and
// checks it is one: a file of another kind is refused naming what is
// missing.
func readSimReport(path string) (*sim.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object (want a report written by pimc sim|eval -report): %v", path, err)
	}
	for _, k := range []string{"per_inference", "sources", "area", "target"} {
		if _, ok := probe[k]; !ok {
			return nil, fmt.Errorf("%s: no %q field: not a cost report written by pimc sim|eval -report", path, k)
		}
	}
	var rep sim.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &rep, nil
}
