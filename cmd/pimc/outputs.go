package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// outputRules is the -h paragraph on output paths (internal/outfile).
const outputRules = `
Outputs: a regular file (new, or existing: its mode and owner are kept) is written to a temporary file in
its folder and renamed over it, so it is never left half-written; symbolic links are followed (the link
stays); character devices (/dev/null), pipes and sockets are written directly. "-" is standard output
where noted (the command's own report then goes to stderr). Refused before any work (exit 1): an output
that is also an input or another output (symbolic and hard links included), a missing or read-only
folder, a read-only file, a folder where a file is wanted, a block device. SIGINT/SIGTERM/SIGHUP remove
unfinished outputs and exit 128+signal (130, 143, 129).
`

// withOutputRules appends outputRules to the usage text of fs.
func withOutputRules(fs *flag.FlagSet) {
	u := fs.Usage
	fs.Usage = func() {
		u()
		fmt.Fprint(fs.Output(), outputRules)
	}
}

// checkPaths vets every output of a command against the file system and
// against its inputs and other outputs before the command does any work
// (outfile.CheckPaths). It returns exitOK, or the exit code after printing
// the problem: 2 for "-" where a flag needs a name (a command-line error),
// 1 for everything that depends on the files (a missing or read-only
// folder, a read-only file, a folder or block device, the same file twice).
// Empty paths are flags not given.
func checkPaths(fs *flag.FlagSet, args ...outfile.Path) int {
	for _, o := range args {
		if o.Path != "-" {
			continue
		}
		switch o.Kind {
		case outfile.OutNamed:
			return usageError(fs, "%s -: standard output cannot be used here (%s)", o.Flag, whyNamed(o.Flag))
		case outfile.OutDir:
			return usageError(fs, "%s -: want a folder, not standard output", o.Flag)
		}
	}
	if err := outfile.CheckPaths(args...); err != nil {
		fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
		return exitUser
	}
	return exitOK
}

// whyNamed says why an OutNamed flag needs a file name.
func whyNamed(flag string) string {
	if flag == "-checkpoint" {
		return "pimc reads the checkpoint back with -resume"
	}
	return "the file name's extension, .pb or .npy, chooses the format; a folder takes several outputs"
}

// bindInputs returns the files of -bind name=FILE.
func bindInputs(b bindFlag) []outfile.Path {
	var a []outfile.Path
	for name, p := range b {
		a = append(a, outfile.Input("-bind "+name, p))
	}
	return a
}

// reportTo is where a command prints its report: stdout, unless one of its
// outputs goes there ("-"); then stderr, so the output stays clean.
func reportTo(stdout, stderr io.Writer, outs ...string) io.Writer {
	for _, o := range outs {
		if o == "-" {
			return stderr
		}
	}
	return stdout
}
