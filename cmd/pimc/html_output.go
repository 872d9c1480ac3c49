package main

import (
	"bytes"
	"flag"
	"io"
	"strconv"
	"strings"

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
