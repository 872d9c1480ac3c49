package main

import (
	"bytes"
	"flag"
	"io"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/htmlreport"
	"github.com/pimc-dev/pimc/internal/buildinfo"
	"github.com/pimc-dev/pimc/internal/outfile"
)

// addHTMLFlag adds -html FILE (the visual report, htmlreport) to fs.
func addHTMLFlag(fs *flag.FlagSet) *string {
	return fs.String("html", "", "also write a self-contained HTML report with charts (per-layer latency and energy, utilisation, area) to this file (- for stdout)")
}

// writeHTMLReport writes the page of runs to path ("" : nothing); cmd and
// args are the command line shown on the page, so a reader can remake it.
func writeHTMLReport(path, title, cmd string, args []string, runs []htmlreport.Run, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	p := &htmlreport.Page{Title: title, Runs: runs, Command: commandLine(cmd, args), Build: buildinfo.Read()}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	return outfile.WriteOutput(path, b.Bytes(), stdout)
}

// commandLine is "pimc CMD ARGS..." with the arguments a shell would split
// quoted.
func commandLine(cmd string, args []string) string {
	parts := []string{"pimc", cmd}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`*?[]{}()<>|&;#~") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// htmlLayers are a compiled model's matrix layers for the report.
func htmlLayers(res *driver.Result) []htmlreport.Layer {
	var out []htmlreport.Layer
	for _, l := range res.Layers {
		w, a := l.WBits, l.ABits
		if w == 0 {
			w = l.M
		}
		if a == 0 {
			a = l.N
		}
		out = append(out, htmlreport.Layer{Name: l.Node, Op: l.Op, Filters: l.Filters, KeptFilters: l.KeptFilters,
			Cols: l.Cols, KeptCols: l.KeptCols, WBits: w, ABits: a, Subarrays: l.Subarrays, WeightRows: l.WeightRows})
	}
	return out
}
